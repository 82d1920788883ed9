"""The parametric BipedalWalker machinery shared by Stump Tracks, the ACCEL walker and Parkour.

gymnasium's ``BipedalWalker`` keeps its body and fixtures as module globals and builds its terrain
in one method; :class:`WalkerEnv` keeps everything that varies per instance (task, body, fixtures,
contact state) on the instance and leaves only the terrain to subclasses
(``_generate_terrain``). What it provides:

* :class:`WalkerBody` and :data:`BODIES` (``default``, ``short``, ``quadruped``): walkers made of a
  hull and leg pairs (hip and knee motors per leg), in gymnasium's pixel units;
* the lidar (10 rays, terrain fixtures of category 1 only) and a contact counter that counts each
  foot's contacts (leaving one obstacle while touching the ground keeps the flag at 1);
* ``reset`` (task handling of :class:`~autocurriculum.environments.task_env.TaskEnvMixin`,
  terrain, clouds, walker) and ``step`` with gymnasium's observation, reward (forward shaping
  ``130 x / 30``, head-angle penalty, torque penalty, -100 on a fall) and termination.

Subclasses set their task space and build the terrain: ground, obstacles, and the attributes
gymnasium's renderer reads (``terrain``, ``terrain_poly``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, ClassVar, SupportsFloat

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

from autocurriculum.environments.bodies import ARTICULATED_BODIES, ArticulatedBody, build_articulated
from autocurriculum.environments.task_env import TaskEnvMixin
from autocurriculum.teachers.spaces import BoxSpace

__all__ = ["BODIES", "NB_LIDAR", "WALKER_BODIES", "Body", "WalkerBody", "WalkerEnv", "resolve_body"]

NB_LIDAR = 10
TORQUE_PENALTY = 0.00035  # gymnasium's reward: -0.00035 * torque * |a| per joint
_HULL_TAG = -1  # Box2D userData of the hull; lower legs carry their index, other bodies None
WATER_TAG, CREEPER_TAG = "water", "creeper"  # Box2D userData of Parkour's water and creepers
SURFACES = {WATER_TAG: -1.0, CREEPER_TAG: 1.0}  # what a Parkour lidar ray reports hitting
LIDAR_FANS = {"down": (1.5, 0.0), "up": (2.3, 1.5), "full": (math.pi, 0.0)}  # (fan, offset), TeachMyAgent
# Fixture colours and categories: terrain is category 1 (the lidar and the body collide with it).
TERRAIN_COLOR = ((255, 255, 255), (153, 153, 153))
GRASS_COLOR = (76, 255, 76)
GROUND_FILL = (102, 153, 76)


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

    # The interface shared with ArticulatedBody.
    kind: ClassVar[str] = "walker"
    n_grippers: ClassVar[int] = 0
    head_angle_penalty: ClassVar[bool] = True
    lidar: ClassVar[str] = "down"

    @property
    def n_motors(self) -> int:
        return self.n_joints

    @property
    def n_actions(self) -> int:
        return self.n_joints

    @property
    def feet(self) -> tuple[int, ...]:
        return tuple(range(self.n_legs))

    @property
    def motor_obs(self) -> tuple[tuple[float, float, int], ...]:
        """Per motor ``(speed, angle correction, foot or -1)``: hip then knee of each leg."""
        out: list[tuple[float, float, int]] = []
        for leg in range(self.n_legs):
            out += [(float(SPEED_HIP), 0.0, -1), (float(SPEED_KNEE), 1.0, leg)]
        return tuple(out)


_CLASSIC_HULL = ((-30.0, 9.0), (6.0, 9.0), (34.0, 1.0), (34.0, -8.0), (-30.0, -8.0))

#: The leg-pair walkers of teachDeepRL: gymnasium's walker, the short one, the quadruped.
WALKER_BODIES: Mapping[str, WalkerBody] = MappingProxyType(
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


Body = WalkerBody | ArticulatedBody

#: Every body by name: the leg-pair walkers, then spider, millipede, wheel, fish and climber
#: (:mod:`~autocurriculum.environments.bodies`).
BODIES: Mapping[str, Body] = MappingProxyType({**WALKER_BODIES, **ARTICULATED_BODIES})


def resolve_body(body: str | Body, kinds: tuple[str, ...] = ("walker",), env: str = "this environment") -> Body:
    """The body named by ``body`` (a key of :data:`BODIES`) or ``body`` itself, if its kind is allowed.

    Raises ``ValueError`` naming the body, its kind and the bodies ``env`` takes.
    """
    allowed = sorted(n for n, b in BODIES.items() if b.kind in kinds)
    if isinstance(body, str):
        if body not in BODIES:
            raise ValueError(f"body: unknown body {body!r}; {env} takes {allowed} or a WalkerBody/ArticulatedBody")
        resolved: Body = BODIES[body]
    elif isinstance(body, (WalkerBody, ArticulatedBody)):
        resolved = body
    else:
        raise TypeError(f"body: expected a body name {allowed}, a WalkerBody or an ArticulatedBody, got {body!r}")
    if resolved.kind not in kinds:
        raise ValueError(
            f"body: {resolved.name!r} is a {resolved.kind}; {env} takes {' and '.join(kinds)}s only: {allowed} "
            "(swimmers and climbers need Parkour's water and ceiling)"
        )
    return resolved


class _LidarRay(Box2D.b2.rayCastCallback):
    """Closest terrain hit along one lidar ray (fixtures of category 1 only)."""

    def __init__(self) -> None:
        super().__init__()
        self.fraction = 1.0
        self.fixture: Any = None  # the closest terrain fixture hit (None: nothing in range)
        self.p1: tuple[float, float] = (0.0, 0.0)
        self.p2: tuple[float, float] = (0.0, 0.0)

    def ReportFixture(self, fixture: Any, point: Any, normal: Any, fraction: float) -> float:  # noqa: N802
        """Keep the hit if it is terrain and clip the ray there; ignore other fixtures (-1)."""
        if (fixture.filterData.categoryBits & 1) == 0:
            return -1.0
        self.p2 = point
        self.fraction = fraction
        self.fixture = fixture
        return fraction


class _ContactCounter(contactListener):
    """Records hull contacts (a fall) and counts each foot's contacts with the terrain."""

    def __init__(self, n_feet: int) -> None:
        super().__init__()
        self.hull_contact = False
        self.feet = [0] * n_feet

    def BeginContact(self, contact: Any) -> None:  # noqa: N802
        """A hull contact ends the episode; a foot contact increments that foot's count.

        Contacts with sensors (water, creepers) are not contacts with the terrain.
        """
        if contact.fixtureA.sensor or contact.fixtureB.sensor:
            return
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
        if contact.fixtureA.sensor or contact.fixtureB.sensor:
            return
        for body in (contact.fixtureA.body, contact.fixtureB.body):
            tag = body.userData
            if tag is not None and tag != _HULL_TAG and self.feet[tag] > 0:
                self.feet[tag] -= 1


class WalkerEnv(TaskEnvMixin, BipedalWalker):
    """gymnasium's ``BipedalWalker`` with a task, a chosen body and a terrain built by a subclass.

    Subclasses call ``super().__init__(task_space, render_mode, body, task_in_obs)``, then
    ``EzPickle.__init__`` with their own arguments, and implement ``_generate_terrain()``, which
    reads the episode's task from ``self._task`` and draws randomness from :meth:`terrain_rng`.

    Parameters
    ----------
    task_space:
        The environment's task space.
    render_mode:
        ``None``, ``"rgb_array"`` (frames of 400 x 600 x 3) or ``"human"``.
    body:
        A name of :data:`BODIES` or a :class:`WalkerBody`.
    task_in_obs:
        Append the task, mapped onto the unit cube, to the observation.
    """

    metadata = {"render_modes": ["human", "rgb_array"], "render_fps": FPS}
    #: Kinds of body the environment takes (TeachMyAgent: swimmers and climbers need Parkour).
    body_kinds: ClassVar[tuple[str, ...]] = ("walker",)

    def __init__(
        self,
        task_space: BoxSpace,
        render_mode: str | None = None,
        body: str | Body = "default",
        task_in_obs: bool = False,
    ) -> None:
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(f"render_mode: got {render_mode!r}; allowed: None, 'human', 'rgb_array'")
        walker = resolve_body(body, self.body_kinds, type(self).__name__)
        if not isinstance(task_in_obs, bool):
            raise TypeError(f"task_in_obs: expected a bool, got {task_in_obs!r}")
        self.task_space = task_space
        BipedalWalker.__init__(self, render_mode=render_mode, hardcore=False)
        self.body = walker
        self.task_in_obs = task_in_obs

        self._build_fixture_defs()
        self.action_space = spaces.Box(-1.0, 1.0, shape=(walker.n_actions,), dtype=np.float32)
        self._motor_obs = walker.motor_obs
        self.observation_space = self._make_observation_space()
        # Per-motor speeds (hip, knee, hip, knee, ... for leg-pair walkers) and lidar ray offsets
        # (TeachMyAgent: a 1.5 rad fan downwards for walkers, upwards for climbers, all around for
        # swimmers).
        self._joint_speed = np.array([m[0] for m in self._motor_obs])
        fan, offset = LIDAR_FANS[walker.lidar]
        self._lidar_offsets = [
            (math.sin(fan * i / NB_LIDAR + offset) * LIDAR_RANGE, -math.cos(fan * i / NB_LIDAR + offset) * LIDAR_RANGE)
            for i in range(NB_LIDAR)
        ]
        self.lidar = [_LidarRay() for _ in range(NB_LIDAR)]
        self.legs: list[Box2D.b2Body] = []
        self.joints: list[Box2D.b2RevoluteJoint] = []
        self._contacts = _ContactCounter(len(walker.feet))
        self._grasp = np.zeros(walker.n_grippers)
        self._init_task()
        self._task_obs: list[float] = []

    # ------------------------------------------------------------------ set-up

    def _build_fixture_defs(self) -> None:
        """Fixture definitions of this instance's body (gymnasium keeps them as module globals)."""
        b = self.body
        if isinstance(b, WalkerBody):  # articulated bodies build their own fixtures
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
        self.polygon_fd = fixtureDef(
            shape=polygonShape(vertices=[(0, 0), (1, 0), (1, 1), (0, 1)]), friction=FRICTION, categoryBits=0x0001
        )

    def _make_observation_space(self) -> spaces.Box:
        """gymnasium's bounds: hull (4), then per leg (5), then lidar (10), then the task (2)."""
        hull_high = [math.pi, 5.0, 5.0, 5.0]
        low = [-v for v in hull_high]
        high = list(hull_high)
        for _, _, foot in self._motor_obs:  # angle, speed, then the contact flag if any
            low += [-math.pi, -5.0] + ([0.0] if foot >= 0 else [])
            high += [math.pi, 5.0] + ([5.0] if foot >= 0 else [])
        low += [0.0] * self.body.n_grippers + [-1.0] * NB_LIDAR
        high += [1.0] * self.body.n_grippers + [1.0] * NB_LIDAR
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
    def terrain_rng(self) -> np.random.Generator:
        """The generator the terrain draws from: the environment's ``np_random`` by default."""
        return self.np_random

    def _generate_terrain(self, hardcore: bool = False) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

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
        if isinstance(b, ArticulatedBody):
            self._generate_articulated(TERRAIN_STEP * TERRAIN_STARTPAD / 2, TERRAIN_HEIGHT + b.height / SCALE)
            return
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
    def _initial_action(self) -> np.ndarray:
        """The action of the step that ``reset`` takes: motors off (climbers: keep holding)."""
        action = np.zeros(self.body.n_actions, dtype=np.float32)
        action[self.body.n_motors :] = 1.0
        return action

    def _generate_articulated(self, x: float, y: float) -> None:
        """An :class:`~autocurriculum.environments.bodies.ArticulatedBody` with its origin at ``(x, y)``."""
        self.hull, self.legs, self.joints = build_articulated(self.world, self.body, x, y)
        self.hull.ApplyForceToCenter((self.np_random.uniform(-INITIAL_RANDOM, INITIAL_RANDOM), 0), True)

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
            ``info["task"]`` is the episode's task.
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
        # A fresh world per episode: Box2D reuses the proxies of destroyed fixtures in an order
        # that depends on the previous episodes, and the contact order (hence the trajectory)
        # would follow it; with a new world the same seed and task give the same episode.
        self.world = Box2D.b2World()
        self._contacts = _ContactCounter(len(self.body.feet))
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

        obs = self.step(self._initial_action())[0]
        return obs, {"task": self._task.copy()}

    def step(self, action: np.ndarray) -> tuple[np.ndarray, SupportsFloat, bool, bool, dict[str, Any]]:
        """Apply motor commands in ``[-1, 1]`` (sign: direction, magnitude: torque) for 1/50 s.

        Reward, termination and observation as gymnasium's ``BipedalWalker``; the torque cost
        uses the body's motor torque and torque penalty.
        """
        magnitude = self._apply_action(action)
        self.world.Step(1.0 / FPS, 6 * 30, 2 * 30)
        hull = self.hull
        px = hull.position.x
        self._cast_lidar()
        state = self._hull_state() + self._legs_state()
        state += [ray.fraction for ray in self.lidar]
        state += self._task_obs
        reward = self._shaping_reward(magnitude)

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

    # ------------------------------------------------------------------ pieces of a step

    def _apply_action(self, action: np.ndarray) -> np.ndarray:
        """Set every joint motor's speed and torque from ``action``; returns ``|action|`` (clipped)."""
        if self.hull is None:
            raise RuntimeError(f"{type(self).__name__}.step: call reset() before step()")
        a = np.clip(np.asarray(action, dtype=np.float64), -1.0, 1.0)
        if a.shape != self.action_space.shape:
            raise ValueError(f"action: expected shape {self.action_space.shape}, got {a.shape}")
        self._grasp = a[self.body.n_motors :]
        a = a[: self.body.n_motors]
        magnitude = np.abs(a)
        speeds = (self._joint_speed * np.sign(a)).tolist()
        torques = (self.body.motor_torque * magnitude).tolist()
        for joint, speed, torque in zip(self.joints, speeds, torques, strict=True):
            joint.motorSpeed = speed
            joint.maxMotorTorque = torque
        return magnitude

    def _cast_lidar(self) -> None:
        """Cast every lidar ray from the hull's centre."""
        pos = self.hull.position
        px, py = pos.x, pos.y
        world = self.world
        for ray, (dx, dy) in zip(self.lidar, self._lidar_offsets, strict=True):
            ray.fraction = 1.0
            ray.fixture = None
            ray.p1 = (px, py)
            ray.p2 = (px + dx, py + dy)
            world.RayCast(ray, ray.p1, ray.p2)

    def _hull_state(self) -> list[float]:
        """Hull angle, angular velocity and velocity, scaled as gymnasium's."""
        hull = self.hull
        vel = hull.linearVelocity
        angle = hull.angle
        if isinstance(self.body, ArticulatedBody):  # wheels and fish turn over: wrap to [-pi, pi)
            angle = (angle + math.pi) % (2 * math.pi) - math.pi
        return [
            angle,
            2.0 * hull.angularVelocity / FPS,
            0.3 * vel.x * (VIEWPORT_W / SCALE) / FPS,
            0.3 * vel.y * (VIEWPORT_H / SCALE) / FPS,
        ]

    def _legs_state(self) -> list[float]:
        """Per motor: angle (plus its correction), speed over the motor's speed, and the contact
        flag of its part if it has one; for leg-pair walkers, gymnasium's hip angle and speed, knee
        angle + 1 and speed, foot contact per leg. Then climbers' holding flags."""
        state: list[float] = []
        feet = self._contacts.feet
        for joint, (speed, correction, foot) in zip(self.joints, self._motor_obs, strict=True):
            state += [joint.angle + correction, joint.speed / speed]
            if foot >= 0:
                state.append(1.0 if feet[foot] else 0.0)
        return state + self._gripper_state()

    def _gripper_state(self) -> list[float]:
        """Climbers: 1 per gripper holding on (Parkour); none here."""
        return []

    def _shaping_reward(self, magnitude: np.ndarray, head_angle_penalty: bool = True) -> float:
        """Forward progress ``130 x / 30``, minus ``5 |hull angle|``, minus the torque cost."""
        px = self.hull.position.x
        self.scroll = px - VIEWPORT_W / SCALE / 5
        shaping = 130 * px / SCALE
        if head_angle_penalty and self.body.head_angle_penalty:
            shaping -= 5.0 * abs(self.hull.angle)
        reward = 0.0 if self.prev_shaping is None else shaping - self.prev_shaping
        self.prev_shaping = shaping
        return reward - self.body.torque_penalty * self.body.motor_torque * float(magnitude.sum())

    def close(self) -> None:
        """Release the Box2D bodies and the pygame window."""
        self._destroy()
        super().close()
