"""Stump Tracks: a parametric BipedalWalker whose terrain is chosen by a teacher.

The Stump Tracks environment of Portelas et al., "Teacher algorithms for curriculum learning of
Deep RL in continuously parameterized environments", CoRL 2019 (teachDeepRL), as used in the
TeachMyAgent benchmark of Romac et al., "TeachMyAgent: a Benchmark for Automatic Curriculum
Learning in Deep RL", ICML 2021. A task is a point of the box

* ``stump_height`` in ``[0, 3]`` -- the mean of the stumps' heights: every stump's height is drawn
  from ``N(stump_height, 0.1)`` and floored at 0.05 (TeachMyAgent's floor, which also keeps every
  stump a valid Box2D polygon); heights are in units of the terrain step (14 px, 0.467 m);
* ``obstacle_spacing`` in ``[0, 6]`` -- the flat gap between two stumps in metres (Box2D units),
  floored at 0.01 as in TeachMyAgent.

The terrain is flat ground (a single Box2D edge) with stumps one terrain step wide from the end of
the 20-step start pad to the end of the 200-step track. Observation, action, reward and
termination follow gymnasium's ``BipedalWalker`` (forward shaping ``130 x / 30``, head-angle
penalty, torque penalty, -100 on a fall); the observation grows by 10 entries per extra leg pair.

Differences from the references, on purpose:

* everything that varies (task, body, fixtures, contact state) is an instance attribute; gymnasium's
  module constants are only read, so two instances never share state;
* a foot's ground contact is counted per contact, so leaving one stump while still touching the
  ground keeps the contact flag at 1 (gymnasium resets the flag on any contact end);
* the terrain is built from two static bodies (the ground and the stumps) instead of one body per
  terrain segment, which makes both the reset and the lidar cheaper. The flat ground is one long
  edge, as TeachMyAgent's grass between two stumps, so it has none of the small bumps that
  gymnasium's 0.47 m edge junctions give a foot. On gymnasium's own terrain the default body
  reproduces ``BipedalWalker``'s observations and rewards step for step (a test checks it).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, SupportsFloat

import Box2D
import gymnasium as gym
import numpy as np
from Box2D.b2 import contactListener, edgeShape, fixtureDef, polygonShape, revoluteJointDef
from gymnasium import spaces
from gymnasium.envs.box2d.bipedal_walker import (
    FPS,
    FRICTION,
    INITIAL_RANDOM,
    LIDAR_RANGE,
    SCALE,
    SPEED_HIP,
    SPEED_KNEE,
    TERRAIN_GRASS,
    TERRAIN_HEIGHT,
    TERRAIN_LENGTH,
    TERRAIN_STARTPAD,
    TERRAIN_STEP,
    VIEWPORT_H,
    VIEWPORT_W,
    BipedalWalker,
)
from gymnasium.utils import EzPickle

from autocurriculum.environments.task_env import TaskEnvMixin
from autocurriculum.teachers.spaces import BoxSpace

__all__ = ["BODIES", "StumpTracks", "WalkerBody", "shuffle_task", "shuffled_intervals", "stump_tracks_task_space"]

STUMP_HEIGHT_STD = 0.1  # std of N(stump_height, 0.1) (teachDeepRL, TeachMyAgent)
MIN_STUMP_HEIGHT = 0.05  # floor of a drawn stump height, in terrain steps (TeachMyAgent)
MIN_OBSTACLE_SPACING = 0.01  # floor of the gap between stumps, in metres (TeachMyAgent)
MAX_OBSTACLE_SPACING = 6.0
DEFAULT_MAX_STUMP_HEIGHT = 3.0
NB_LIDAR = 10
TORQUE_PENALTY = 0.00035  # gymnasium's reward: -0.00035 * torque * |a| per joint
_HULL_TAG = -1  # Box2D userData of the hull; lower legs carry their index, other bodies None


@dataclass(frozen=True)
class WalkerBody:
    """Morphology of a walker, in pixels as in gymnasium's ``BipedalWalker`` (30 px = 1 m).

    Parameters
    ----------
    name:
        Name used by ``StumpTracks(body=...)``.
    hull_polygon:
        Vertices of the hull in pixels, counter-clockwise.
    leg_width, leg_height:
        Width and height of an upper leg in pixels (a lower leg is 0.8 times as wide).
    leg_pair_anchors:
        Horizontal position (pixels, hull frame) of each leg pair's hip joint; one entry per pair.
    motor_torque:
        Maximum torque of each joint motor (gymnasium's ``MOTORS_TORQUE`` is 80).
    torque_penalty:
        Reward cost per unit of torque and step (gymnasium: 0.00035).
    leg_down:
        Vertical position of the hip joints in pixels, hull frame (gymnasium: -8).
    """

    name: str
    hull_polygon: tuple[tuple[float, float], ...]
    leg_width: float
    leg_height: float
    leg_pair_anchors: tuple[float, ...]
    motor_torque: float
    torque_penalty: float = TORQUE_PENALTY
    leg_down: float = -8.0

    @property
    def n_legs(self) -> int:
        """Number of legs (two per pair)."""
        return 2 * len(self.leg_pair_anchors)

    @property
    def n_joints(self) -> int:
        """Number of motors, hence the size of the action (a hip and a knee per leg)."""
        return 2 * self.n_legs


_CLASSIC_HULL = ((-30.0, 9.0), (6.0, 9.0), (34.0, 1.0), (34.0, -8.0), (-30.0, -8.0))

BODIES: Mapping[str, WalkerBody] = MappingProxyType(
    {
        # gymnasium's BipedalWalker: leg height 34, torque 80.
        "default": WalkerBody("default", _CLASSIC_HULL, 8.0, 34.0, (0.0,), 80.0),
        # teachDeepRL / TeachMyAgent short walker: legs half as long.
        "short": WalkerBody("short", _CLASSIC_HULL, 8.0, 17.0, (0.0,), 80.0),
        # teachDeepRL quadruped: a longer hull, two leg pairs of height 51, torque 300 with a
        # torque penalty divided by 8.
        "quadruped": WalkerBody(
            "quadruped",
            ((-46.0, 13.0), (6.0, 13.0), (50.0, 5.0), (50.0, -12.0), (-46.0, -12.0)),
            10.0,
            51.0,
            (-36.0, 25.5),
            300.0,
            TORQUE_PENALTY / 8,
        ),
    }
)


def stump_tracks_task_space(
    max_stump_height: float = DEFAULT_MAX_STUMP_HEIGHT, min_stump_height: float = 0.0
) -> BoxSpace:
    """The Stump Tracks task space ``[min_stump_height, max_stump_height] x [0, 6]``.

    Parameters
    ----------
    max_stump_height:
        Upper bound of ``stump_height`` (default 3, as in teachDeepRL and TeachMyAgent). Larger
        values (4, 5, 9) add regions that no walker can learn.
    min_stump_height:
        Lower bound of ``stump_height`` (default 0). TeachMyAgent's "mostly trivial" task space uses
        -3: stump heights are floored at 0.05, so every negative mean is a flat track.
    """
    for name, value in (("max_stump_height", max_stump_height), ("min_stump_height", min_stump_height)):
        if isinstance(value, bool) or not isinstance(value, (int, float, np.floating)):
            raise TypeError(f"{name}: expected a number, got {value!r}")
        if not math.isfinite(value):
            raise ValueError(f"{name}: expected a finite number, got {value!r}")
    if not max_stump_height > 0:
        raise ValueError(f"max_stump_height: expected a finite number > 0, got {max_stump_height!r}")
    if not min_stump_height < max_stump_height:
        raise ValueError(
            f"min_stump_height: got {min_stump_height!r}, which is not below max_stump_height={max_stump_height!r}"
        )
    return BoxSpace(
        [float(min_stump_height), 0.0],
        [float(max_stump_height), MAX_OBSTACLE_SPACING],
        names=["stump_height", "obstacle_spacing"],
    )


def shuffled_intervals(space: BoxSpace, cuttings: int, seed: int) -> np.ndarray:
    """TeachMyAgent's rugged-difficulty map: per dimension, which interval each interval goes to.

    Each dimension is cut into ``cuttings`` equal intervals and their order shuffled with a
    generator seeded by ``seed`` (TeachMyAgent: 4 cuttings, seed 21); row ``i`` holds the
    permutation of dimension ``i``.
    """
    if isinstance(cuttings, bool) or not isinstance(cuttings, (int, np.integer)) or cuttings < 1:
        raise ValueError(f"shuffle_cuttings: expected a positive integer, got {cuttings!r}")
    rng = np.random.default_rng(seed)
    return np.stack([rng.permutation(int(cuttings)) for _ in range(space.dim)])


def shuffle_task(space: BoxSpace, perms: np.ndarray, task: np.ndarray) -> np.ndarray:
    """Move each coordinate of ``task`` from its interval to the interval ``perms`` sends it to.

    Within an interval the position is kept (linear map), so the map is a bijection of the box that
    is continuous inside each cell and scrambles the difficulty landscape across cells.
    """
    n = perms.shape[1]
    unit = space.to_unit(task)
    cell = np.minimum((unit * n).astype(int), n - 1)
    offset = unit * n - cell
    moved = (perms[np.arange(space.dim), cell] + offset) / n
    return space.from_unit(moved)


class _LidarRay(Box2D.b2.rayCastCallback):
    """Closest terrain hit along one lidar ray (fixtures of category 1 only)."""

    def __init__(self) -> None:
        super().__init__()
        self.fraction = 1.0
        self.p1: tuple[float, float] = (0.0, 0.0)
        self.p2: tuple[float, float] = (0.0, 0.0)

    def ReportFixture(self, fixture: Any, point: Any, normal: Any, fraction: float) -> float:  # noqa: N802
        """Keep the hit if it is terrain and clip the ray there; ignore other fixtures (-1)."""
        if (fixture.filterData.categoryBits & 1) == 0:
            return -1.0
        self.p2 = point
        self.fraction = fraction
        return fraction


class _ContactCounter(contactListener):
    """Records hull contacts (a fall) and counts each foot's contacts with the terrain."""

    def __init__(self, n_feet: int) -> None:
        super().__init__()
        self.hull_contact = False
        self.feet = [0] * n_feet

    def BeginContact(self, contact: Any) -> None:  # noqa: N802
        """A hull contact ends the episode; a foot contact increments that foot's count."""
        for body in (contact.fixtureA.body, contact.fixtureB.body):
            tag = body.userData
            if tag is None:
                continue
            if tag == _HULL_TAG:
                self.hull_contact = True
            else:
                self.feet[tag] += 1

    def EndContact(self, contact: Any) -> None:  # noqa: N802
        """A foot contact that ends decrements that foot's count."""
        for body in (contact.fixtureA.body, contact.fixtureB.body):
            tag = body.userData
            if tag is not None and tag != _HULL_TAG and self.feet[tag] > 0:
                self.feet[tag] -= 1


class StumpTracks(TaskEnvMixin, BipedalWalker):
    """Parametric BipedalWalker with stumps of a chosen mean height and spacing.

    Stump Tracks of teachDeepRL (Portelas et al., CoRL 2019) and TeachMyAgent (Romac et al.,
    ICML 2021), built on gymnasium's ``BipedalWalker`` with the terrain generator and the body
    construction replaced. The task is a point of :attr:`task_space`
    (``stump_height``, ``obstacle_spacing``); see the module docstring for its meaning.

    The task reaches the environment through ``reset(options={"task": task})`` or
    :meth:`set_task` (for the next reset), as a vector or a ``{name: value}`` mapping. It is kept
    across later ``reset()`` calls without options (so it survives vector-env autoreset). Until a
    task is given, every reset draws a fresh task uniformly from :attr:`task_space` with the
    environment's own ``np_random``. The episode's task is :attr:`task` and ``info["task"]`` at
    reset.

    Parameters
    ----------
    render_mode:
        ``None``, ``"rgb_array"`` (frames of 400 x 600 x 3) or ``"human"``.
    body:
        A name of :data:`BODIES` (``"default"``: gymnasium's walker, leg height 34;
        ``"short"``: leg height 17; ``"quadruped"``: two leg pairs of height 51, torque 300,
        8 actions) or a :class:`WalkerBody`. Default ``"default"``.
    max_stump_height:
        Upper bound of ``stump_height`` (default 3; 4, 5 or 9 add unlearnable tasks).
    task_in_obs:
        Append the task, mapped onto ``[0, 1]^2``, to the observation (default ``False``).
    min_stump_height:
        Lower bound of ``stump_height`` (default 0; TeachMyAgent's "mostly trivial" space: -3,
        every negative mean being a flat track).
    shuffle_cuttings, shuffle_seed:
        TeachMyAgent's rugged difficulty: cut each dimension into ``shuffle_cuttings`` intervals
        (TeachMyAgent: 4) and shuffle them with seed ``shuffle_seed`` (21) before building the
        terrain (:func:`shuffle_task`), so that neighbouring tasks need not be of similar
        difficulty. Tasks, ``info["task"]`` and the test set stay in the teacher's coordinates.
        Default ``None``: no shuffling.

    Examples
    --------
    >>> import gymnasium as gym
    >>> import environments  # registers the ids
    >>> env = gym.make("autocurriculum/StumpTracks-v0", body="short")
    >>> obs, info = env.reset(seed=0, options={"task": {"stump_height": 1.0, "obstacle_spacing": 2.0}})
    >>> info["task"].tolist()
    [1.0, 2.0]
    """

    metadata = {"render_modes": ["human", "rgb_array"], "render_fps": FPS}

    def __init__(
        self,
        render_mode: str | None = None,
        body: str | WalkerBody = "default",
        max_stump_height: float = DEFAULT_MAX_STUMP_HEIGHT,
        task_in_obs: bool = False,
        min_stump_height: float = 0.0,
        shuffle_cuttings: int | None = None,
        shuffle_seed: int = 21,
    ) -> None:
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(f"render_mode: got {render_mode!r}; allowed: None, 'human', 'rgb_array'")
        if isinstance(body, str):
            if body not in BODIES:
                raise ValueError(f"body: unknown body {body!r}; allowed: {sorted(BODIES)} or a WalkerBody")
            walker = BODIES[body]
        elif isinstance(body, WalkerBody):
            walker = body
        else:
            raise TypeError(f"body: expected a body name {sorted(BODIES)} or a WalkerBody, got {body!r}")
        if not isinstance(task_in_obs, bool):
            raise TypeError(f"task_in_obs: expected a bool, got {task_in_obs!r}")
        self.task_space = stump_tracks_task_space(max_stump_height, min_stump_height)
        if isinstance(shuffle_seed, bool) or not isinstance(shuffle_seed, (int, np.integer)):
            raise TypeError(f"shuffle_seed: expected an integer, got {shuffle_seed!r}")
        self._shuffle = (
            None if shuffle_cuttings is None else shuffled_intervals(self.task_space, shuffle_cuttings, shuffle_seed)
        )

        super().__init__(render_mode=render_mode, hardcore=False)
        EzPickle.__init__(
            self, render_mode, body, max_stump_height, task_in_obs, min_stump_height, shuffle_cuttings, shuffle_seed
        )
        self.body = walker
        self.max_stump_height = float(max_stump_height)
        self.task_in_obs = task_in_obs

        self._build_fixture_defs()
        n_act = walker.n_joints
        self.action_space = spaces.Box(-1.0, 1.0, shape=(n_act,), dtype=np.float32)
        self.observation_space = self._make_observation_space()
        # Per-joint motor speeds (hip, knee, hip, knee, ...) and lidar ray offsets.
        self._joint_speed = np.tile([float(SPEED_HIP), float(SPEED_KNEE)], walker.n_legs)
        self._lidar_offsets = [
            (math.sin(1.5 * i / NB_LIDAR) * LIDAR_RANGE, -math.cos(1.5 * i / NB_LIDAR) * LIDAR_RANGE)
            for i in range(NB_LIDAR)
        ]
        self.lidar = [_LidarRay() for _ in range(NB_LIDAR)]
        self.legs: list[Box2D.b2Body] = []
        self.joints: list[Box2D.b2RevoluteJoint] = []
        self._contacts = _ContactCounter(walker.n_legs)
        self._init_task()
        self._task_obs: list[float] = []
        self.stumps = np.empty((0, 4))

    # ------------------------------------------------------------------ set-up

    def _build_fixture_defs(self) -> None:
        """Fixture definitions of this instance's body (gymnasium keeps them as module globals)."""
        b = self.body
        self.hull_fd = fixtureDef(
            shape=polygonShape(vertices=[(x / SCALE, y / SCALE) for x, y in b.hull_polygon]),
            density=5.0,
            friction=0.1,
            categoryBits=0x0020,
            maskBits=0x001,
            restitution=0.0,
        )
        self.leg_fd = fixtureDef(
            shape=polygonShape(box=(b.leg_width / SCALE / 2, b.leg_height / SCALE / 2)),
            density=1.0,
            restitution=0.0,
            categoryBits=0x0020,
            maskBits=0x001,
        )
        self.lower_fd = fixtureDef(
            shape=polygonShape(box=(0.8 * b.leg_width / SCALE / 2, b.leg_height / SCALE / 2)),
            density=1.0,
            restitution=0.0,
            categoryBits=0x0020,
            maskBits=0x001,
        )
        self.ground_fd = fixtureDef(shape=edgeShape(vertices=[(0, 0), (1, 0)]), friction=FRICTION, categoryBits=0x0001)
        self.stump_fd = fixtureDef(
            shape=polygonShape(vertices=[(0, 0), (1, 0), (1, 1), (0, 1)]), friction=FRICTION, categoryBits=0x0001
        )

    def _make_observation_space(self) -> spaces.Box:
        """gymnasium's bounds: hull (4), then per leg (5), then lidar (10), then the task (2)."""
        hull_high = [math.pi, 5.0, 5.0, 5.0]
        leg_low = [-math.pi, -5.0, -math.pi, -5.0, 0.0]
        leg_high = [math.pi, 5.0, math.pi, 5.0, 5.0]
        n_legs = self.body.n_legs
        low = [-v for v in hull_high] + leg_low * n_legs + [-1.0] * NB_LIDAR
        high = hull_high + leg_high * n_legs + [1.0] * NB_LIDAR
        if self.task_in_obs:
            low += [0.0] * self.task_space.dim
            high += [1.0] * self.task_space.dim
        return spaces.Box(np.array(low, dtype=np.float32), np.array(high, dtype=np.float32), dtype=np.float32)

    # ------------------------------------------------------------------ terrain and body

    def _destroy(self) -> None:
        self.world.contactListener = None
        for t in self.terrain:
            self.world.DestroyBody(t)
        self.terrain = []
        if self.hull is not None:
            self.world.DestroyBody(self.hull)
            self.hull = None
        for leg in self.legs:
            self.world.DestroyBody(leg)
        self.legs = []
        self.joints = []

    def _generate_terrain(self, hardcore: bool = False) -> None:
        """Flat ground and stumps following the current task.

        Stumps are one terrain step wide and start at the end of the start pad; stump ``k``
        starts at ``x_k = startpad + k (step + spacing)`` and exists while ``x_k`` is before the
        end of the track (the layout of teachDeepRL's generator). Their heights are drawn from
        ``N(stump_height, 0.1)`` with the environment's ``np_random`` and floored at 0.05 terrain
        steps. :attr:`stumps` holds one row ``(x0, x1, y0, y1)`` per stump, in metres.

        ``hardcore`` exists for signature compatibility with ``BipedalWalker``; Stump Tracks has
        no hardcore mode.
        """
        if hardcore:
            raise ValueError("hardcore: Stump Tracks has no hardcore mode; choose harder tasks instead")
        if self._task is None:
            raise RuntimeError("StumpTracks._generate_terrain: no task set; reset() sets one before building")
        task = self._task if self._shuffle is None else shuffle_task(self.task_space, self._shuffle, self._task)
        mean_height, spacing = float(task[0]), max(MIN_OBSTACLE_SPACING, float(task[1]))
        y = TERRAIN_HEIGHT
        start = TERRAIN_STARTPAD * TERRAIN_STEP
        end = TERRAIN_LENGTH * TERRAIN_STEP
        period = TERRAIN_STEP + spacing
        n = math.ceil((end - start) / period)
        x0 = start + period * np.arange(n)
        heights = np.maximum(MIN_STUMP_HEIGHT, self.np_random.normal(mean_height, STUMP_HEIGHT_STD, size=n))
        self.stumps = np.stack([x0, x0 + TERRAIN_STEP, np.full(n, y), y + heights * TERRAIN_STEP], axis=1)
        ground_end = max(end, float(self.stumps[-1, 1]))

        self.ground_fd.shape.vertices = [(0.0, y), (ground_end, y)]
        ground = self.world.CreateStaticBody(fixtures=self.ground_fd)
        ground.color1 = ground.color2 = (76, 255, 76)
        stumps = self.world.CreateStaticBody()
        shape = self.stump_fd.shape
        for sx0, sx1, sy0, sy1 in self.stumps.tolist():
            shape.vertices = [(sx0, sy0), (sx1, sy0), (sx1, sy1), (sx0, sy1)]
            stumps.CreateFixture(self.stump_fd)
        stumps.color1, stumps.color2 = (255, 255, 255), (153, 153, 153)
        self.terrain = [ground, stumps]
        self.terrain_x = [0.0, ground_end]
        self.terrain_y = [y, y]
        self.terrain_poly = [([(0.0, y), (ground_end, y), (ground_end, 0.0), (0.0, 0.0)], (102, 153, 76))]

    def _generate_clouds(self) -> None:
        """Decorative clouds (as gymnasium's), drawn in one call to ``np_random``."""
        n = TERRAIN_LENGTH // 20
        draws = self.np_random.uniform(0.0, 1.0, size=(n, 11))
        y = VIEWPORT_H / SCALE * 3 / 4
        self.cloud_poly = []
        for row in draws.tolist():
            x = row[0] * TERRAIN_LENGTH * TERRAIN_STEP
            poly = [
                (
                    x + 15 * TERRAIN_STEP * math.sin(3.14 * 2 * a / 5) + row[1 + 2 * a] * 5 * TERRAIN_STEP,
                    y + 5 * TERRAIN_STEP * math.cos(3.14 * 2 * a / 5) + row[2 + 2 * a] * 5 * TERRAIN_STEP,
                )
                for a in range(5)
            ]
            self.cloud_poly.append((poly, min(p[0] for p in poly), max(p[0] for p in poly)))

    def _generate_walker(self) -> None:
        """Hull, legs and motorised joints of :attr:`body` at the start of the track."""
        b = self.body
        leg_h = b.leg_height / SCALE
        leg_down = b.leg_down / SCALE
        init_x = TERRAIN_STEP * TERRAIN_STARTPAD / 2
        init_y = TERRAIN_HEIGHT + 2 * leg_h
        self.hull = self.world.CreateDynamicBody(position=(init_x, init_y), fixtures=self.hull_fd)
        self.hull.color1, self.hull.color2 = (127, 51, 229), (76, 76, 127)
        self.hull.userData = _HULL_TAG
        self.hull.ApplyForceToCenter((self.np_random.uniform(-INITIAL_RANDOM, INITIAL_RANDOM), 0), True)

        self.legs = []
        self.joints = []
        torque = float(b.motor_torque)
        for anchor_px in b.leg_pair_anchors:
            ax = anchor_px / SCALE
            for side in (-1, +1):
                color1 = (153 - side * 25, 76 - side * 25, 127 - side * 25)
                color2 = (102 - side * 25, 51 - side * 25, 76 - side * 25)
                upper = self.world.CreateDynamicBody(
                    position=(init_x + ax, init_y - leg_h / 2 - leg_down), angle=side * 0.05, fixtures=self.leg_fd
                )
                upper.color1, upper.color2 = color1, color2
                hip = revoluteJointDef(
                    bodyA=self.hull,
                    bodyB=upper,
                    localAnchorA=(ax, leg_down),
                    localAnchorB=(0, leg_h / 2),
                    enableMotor=True,
                    enableLimit=True,
                    maxMotorTorque=torque,
                    motorSpeed=side,
                    lowerAngle=-0.8,
                    upperAngle=1.1,
                )
                self.legs.append(upper)
                self.joints.append(self.world.CreateJoint(hip))

                lower = self.world.CreateDynamicBody(
                    position=(init_x + ax, init_y - leg_h * 3 / 2 - leg_down), angle=side * 0.05, fixtures=self.lower_fd
                )
                lower.color1, lower.color2 = color1, color2
                lower.userData = len(self.legs) // 2  # foot index for the contact counter
                knee = revoluteJointDef(
                    bodyA=upper,
                    bodyB=lower,
                    localAnchorA=(0, -leg_h / 2),
                    localAnchorB=(0, leg_h / 2),
                    enableMotor=True,
                    enableLimit=True,
                    maxMotorTorque=torque,
                    motorSpeed=1,
                    lowerAngle=-1.6,
                    upperAngle=-0.1,
                )
                self.legs.append(lower)
                self.joints.append(self.world.CreateJoint(knee))

    # ------------------------------------------------------------------ gymnasium API

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        """Start an episode on a new terrain.

        Parameters
        ----------
        seed:
            Seeds the environment's ``np_random`` (terrain, start push, random tasks).
        options:
            ``{"task": task}`` sets the task of this and the following episodes (see
            :meth:`set_task`); no other key is accepted.

        Returns
        -------
        observation, info
            ``info["task"]`` is the episode's task ``[stump_height, obstacle_spacing]``.
        """
        if options:
            unknown = sorted(str(k) for k in options if k != "task")
            if unknown:
                raise ValueError(f"options: unknown keys {unknown}; allowed: ['task']")
            if "task" in options:
                self.set_task(options["task"])
        gym.Env.reset(self, seed=seed)
        self._start_task()
        self._task_obs = self.task_space.to_unit(self._task).tolist() if self.task_in_obs else []

        self._destroy()
        self._contacts = _ContactCounter(self.body.n_legs)
        self.world.contactListener = self._contacts
        self.game_over = False
        self.prev_shaping = None
        self.scroll = 0.0
        self.lidar_render = 0

        self._generate_terrain()
        self._generate_clouds()
        self._generate_walker()
        self.drawlist = self.terrain + self.legs + [self.hull]
        for ray in self.lidar:
            ray.fraction = 1.0

        obs = self.step(np.zeros(self.body.n_joints, dtype=np.float32))[0]
        return obs, {"task": self._task.copy()}

    def step(self, action: np.ndarray) -> tuple[np.ndarray, SupportsFloat, bool, bool, dict[str, Any]]:
        """Apply motor commands in ``[-1, 1]`` (sign: direction, magnitude: torque) for 1/50 s.

        Reward, termination and observation as gymnasium's ``BipedalWalker``; the torque cost
        uses the body's motor torque and torque penalty.
        """
        if self.hull is None:
            raise RuntimeError("StumpTracks.step: call reset() before step()")
        a = np.clip(np.asarray(action, dtype=np.float64), -1.0, 1.0)
        if a.shape != self.action_space.shape:
            raise ValueError(f"action: expected shape {self.action_space.shape}, got {a.shape}")
        magnitude = np.abs(a)
        speeds = (self._joint_speed * np.sign(a)).tolist()
        torques = (self.body.motor_torque * magnitude).tolist()
        for joint, speed, torque in zip(self.joints, speeds, torques, strict=True):
            joint.motorSpeed = speed
            joint.maxMotorTorque = torque

        self.world.Step(1.0 / FPS, 6 * 30, 2 * 30)

        hull = self.hull
        pos = hull.position
        px, py = pos.x, pos.y
        vel = hull.linearVelocity
        world = self.world
        for ray, (dx, dy) in zip(self.lidar, self._lidar_offsets, strict=True):
            ray.fraction = 1.0
            ray.p1 = (px, py)
            ray.p2 = (px + dx, py + dy)
            world.RayCast(ray, ray.p1, ray.p2)

        angle = hull.angle
        state = [angle, 2.0 * hull.angularVelocity / FPS, 0.3 * vel.x * (VIEWPORT_W / SCALE) / FPS]
        state.append(0.3 * vel.y * (VIEWPORT_H / SCALE) / FPS)
        joints = self.joints
        feet = self._contacts.feet
        for leg in range(len(feet)):
            hip, knee = joints[2 * leg], joints[2 * leg + 1]
            state += [
                hip.angle,
                hip.speed / SPEED_HIP,
                knee.angle + 1.0,
                knee.speed / SPEED_KNEE,
                1.0 if feet[leg] else 0.0,
            ]
        state += [ray.fraction for ray in self.lidar]
        state += self._task_obs

        self.scroll = px - VIEWPORT_W / SCALE / 5
        shaping = 130 * px / SCALE - 5.0 * abs(angle)
        reward = 0.0 if self.prev_shaping is None else shaping - self.prev_shaping
        self.prev_shaping = shaping
        reward -= self.body.torque_penalty * self.body.motor_torque * float(magnitude.sum())

        self.game_over = self._contacts.hull_contact
        terminated = False
        if self.game_over or px < 0:
            reward = -100.0
            terminated = True
        if px > (TERRAIN_LENGTH - TERRAIN_GRASS) * TERRAIN_STEP:
            terminated = True

        if self.render_mode == "human":
            self.render()
        return np.array(state, dtype=np.float32), reward, terminated, False, {}

    def close(self) -> None:
        """Release the Box2D bodies and the pygame window."""
        self._destroy()
        super().close()
