"""TeachMyAgent's Parkour: CPPN ground and ceiling, water and creepers, chosen by a teacher.

The Parkour of Romac et al., "TeachMyAgent: a Benchmark for Automatic Curriculum Learning in Deep
RL", ICML 2021, built on the walker machinery of :mod:`~autocurriculum.environments.walker_base`.
A task is a point of the box (TeachMyAgent's default bounds, its ``medium`` CPPN input space):

======================  ================  ====================================================
dimension               range             meaning
======================  ================  ====================================================
``cppn_0..2``           ``[-0.35, 0.05]``, the CPPN's input vector: the ground and ceiling
                        ``[0.6, 1.0]``,   profiles are the CPPN's two outputs along the track
                        ``[-0.1, 0.3]``
``water_level``         ``[0, 1]``        water fills from the lowest ground point up to this
                                          fraction of the way to the highest ceiling point
``creepers_height``     ``[0, 4]``        mean height (m) of the creepers hanging from the
                                          ceiling; each is ``max(0.2, N(mean, 0.1))``
``creepers_spacing``    ``[0, 5]``        distance (m) between creepers (floored at 0.01)
======================  ================  ====================================================

Creepers are ``creepers_width`` wide (0.25 m, TeachMyAgent's bounds ``[0.25, 0.25]``), a
constructor argument rather than a dimension. The track is a flat 20-step start pad then 200
terrain steps (14 px, 0.467 m) whose heights are the CPPN's outputs divided by 10 (TeachMyAgent's
``terrain_cppn_scale``), shifted to start at the pad's height; the ceiling starts 5 m above the
pad and never goes below the ground. See :mod:`~autocurriculum.environments.parkour_cppn` for
the network (TeachMyAgent's architecture, our own fixed random weights: the same task vector
therefore gives a different terrain than in TeachMyAgent).

Physics: ground and ceiling are solid; creepers are sensors (walkers pass through them, climbers
grasp them); water is a sensor region in which every body part gets buoyancy (water density 1
times the submerged area, against gravity, at the submerged centroid) and drag and lift on its
leading submerged edges (as TeachMyAgent's ``WaterDynamics``, after iforce2d's buoyancy tutorial:
drag and lift coefficients 0.25, capped at 2000 and 500). Walkers are denser than water and sink;
a walker's head kept under water for more than 600 consecutive steps leaves it dead (its actions
are ignored), as in TeachMyAgent.

Observation (TeachMyAgent's layout): hull angle, angular velocity, velocity (4); head under water
(1); dead (1); per leg hip angle and speed, knee angle + 1 and speed, foot contact (5 each); 10
lidar distances and 10 lidar surfaces (-1 water, 1 creeper, 0 ground or ceiling). Reward: the
shared walker's forward shaping and torque cost; -100 and the end of the episode when the hull
goes behind the start. As in TeachMyAgent's Parkour, a walker's hull touching the ground does not
end the episode. An episode ends at the end of the track or after 2000 steps. A test task is
mastered when its return exceeds 230 (TeachMyAgent's success); the fixed test set is
:func:`parkour_test_set` (100 tasks).
"""

from __future__ import annotations

import math
from functools import cache
from typing import Any, SupportsFloat

import numpy as np
from Box2D.b2 import fixtureDef, polygonShape
from gymnasium import spaces
from gymnasium.envs.box2d.bipedal_walker import FPS, TERRAIN_HEIGHT, TERRAIN_LENGTH, TERRAIN_STARTPAD, TERRAIN_STEP
from gymnasium.utils import EzPickle

from autocurriculum.environments.bodies import ArticulatedBody
from autocurriculum.environments.parkour_cppn import CPPN, load_data
from autocurriculum.environments.walker_base import (
    CREEPER_TAG,
    GRASS_COLOR,
    GROUND_FILL,
    NB_LIDAR,
    SURFACES,
    WATER_TAG,
    Body,
    WalkerEnv,
)
from autocurriculum.teachers.spaces import BoxSpace
from autocurriculum.teachers.validation import real_number

__all__ = ["MASTERY_THRESHOLD", "Parkour", "parkour_task_space", "parkour_test_set"]

CPPN_BOUNDS = ((-0.35, 0.05), (0.6, 1.0), (-0.1, 0.3))  # TeachMyAgent's "medium" input space
MASTERY_THRESHOLD = 230.0  # TeachMyAgent: an episode is a success above this return
TERRAIN_CPPN_SCALE = 10.0
CEILING_OFFSET = 5.0  # metres between the start pad and the ceiling above it
TERRAIN_END = 5  # steps before the end of the track where the episode ends
CREEPER_HEIGHT_STD = 0.1
MIN_CREEPER_SIZE = 0.2
MIN_CREEPER_SPACING = 0.01
WATER_DENSITY = 1.0
DRAG_MOD, LIFT_MOD, MAX_DRAG, MAX_LIFT = 0.25, 0.25, 2000.0, 500.0
STEPS_SURVIVABLE_UNDER_WATER = 600
GRIP_RANGE = 0.1  # metres: a gripper grasps the ceiling or a creeper within this distance of its tip
GRAVITY = 10.0  # gymnasium's BipedalWalker world: gravity (0, -10)
CEILING_COLOR, ROCK_FILL = (0, 64, 64), (128, 128, 128)
WATER_COLOR, CREEPER_COLOR = (119, 172, 229), (111, 129, 96)


def parkour_task_space() -> BoxSpace:
    """The six dimensions: CPPN input (3), water level, creepers' height and spacing."""
    low = [b[0] for b in CPPN_BOUNDS] + [0.0, 0.0, 0.0]
    high = [b[1] for b in CPPN_BOUNDS] + [1.0, 4.0, 5.0]
    names = ["cppn_0", "cppn_1", "cppn_2", "water_level", "creepers_height", "creepers_spacing"]
    return BoxSpace(low, high, names=names)


@cache
def _shipped() -> tuple[CPPN, np.ndarray]:
    data = load_data()
    return CPPN([data[f"w{i}"] for i in range(5)]), data["test_set"]


def parkour_test_set() -> np.ndarray:
    """The fixed test set: 100 tasks drawn uniformly over the task space from a fixed seed (shipped)."""
    return _shipped()[1].copy()


def submerged_polygon(points: list[tuple[float, float]], level: float) -> list[tuple[float, float]]:
    """The part of a convex polygon below ``y = level`` (Sutherland-Hodgman against one line)."""
    out: list[tuple[float, float]] = []
    n = len(points)
    for i in range(n):
        (x0, y0), (x1, y1) = points[i - 1], points[i]
        in0, in1 = y0 <= level, y1 <= level
        if in1:
            if not in0:
                t = (level - y0) / (y1 - y0)
                out.append((x0 + t * (x1 - x0), level))
            out.append((x1, y1))
        elif in0:
            t = (level - y0) / (y1 - y0)
            out.append((x0 + t * (x1 - x0), level))
    return out


def polygon_centroid(points: list[tuple[float, float]]) -> tuple[float, float, float]:
    """Area and centroid ``(area, cx, cy)`` of a simple polygon given counter-clockwise."""
    a = cx = cy = 0.0
    n = len(points)
    for i in range(n):
        x0, y0 = points[i]
        x1, y1 = points[(i + 1) % n]
        cross = x0 * y1 - x1 * y0
        a += cross
        cx += (x0 + x1) * cross
        cy += (y0 + y1) * cross
    a *= 0.5
    if abs(a) < 1e-12:
        return 0.0, 0.0, 0.0
    return a, cx / (6 * a), cy / (6 * a)


class Parkour(WalkerEnv):
    """TeachMyAgent's Parkour (Romac et al., ICML 2021); see the module docstring.

    Parameters
    ----------
    render_mode:
        ``None``, ``"rgb_array"`` or ``"human"``.
    body:
        Any body of :data:`~autocurriculum.environments.walker_base.BODIES` (default
        ``"default"``): walkers, the swimmer ``fish`` (starts in the water's middle, dies after
        600 consecutive steps out of water), the ``climber`` (starts hanging from the ceiling by
        both grippers, then grasps while its grasp actions are above 0).
    creepers_width:
        Width of the creepers in metres (default 0.25, TeachMyAgent's; floored at 0.2).
    task_in_obs:
        Append the task, mapped onto ``[0, 1]^6``, to the observation.

    Attributes
    ----------
    terrain_x, terrain_ground_y, terrain_ceiling_y:
        The profiles of the episode (metres).
    water_y:
        Height of the water surface (``-inf`` without water).
    creepers:
        One row ``(x0, x1, y_bottom, y_top)`` per creeper.
    """

    body_kinds = ("walker", "swimmer", "climber")

    def __init__(
        self,
        render_mode: str | None = None,
        body: str | Body = "default",
        creepers_width: float = 0.25,
        task_in_obs: bool = False,
    ) -> None:
        if not real_number(creepers_width, "creepers_width") > 0:
            raise ValueError(f"creepers_width: expected a finite number > 0, got {creepers_width!r}")
        super().__init__(parkour_task_space(), render_mode, body, task_in_obs)
        EzPickle.__init__(self, render_mode, body, creepers_width, task_in_obs)
        self.creepers_width = float(creepers_width)
        self.observation_space = self._parkour_observation_space()
        self.sensor_fd = fixtureDef(shape=polygonShape(vertices=[(0, 0), (1, 0), (1, 1)]), isSensor=True)
        self.terrain_x: list[float] = []
        self.terrain_ground_y: list[float] = []
        self.terrain_ceiling_y: list[float] = []
        self.water_y = -math.inf
        self.creepers = np.empty((0, 4))
        self.steps_under_water = 0
        self.steps_out_of_water = 0
        self.dead = False
        self._grip_bodies: list[Any] = []
        self._holds: list[Any] = [None] * self.body.n_grippers

    def _parkour_observation_space(self) -> spaces.Box:
        """The shared walker's bounds with under-water and dead flags after the hull's four
        entries and the lidar surfaces (``[-1, 1]``) after the lidar distances."""
        base = self.observation_space
        end = base.shape[0] - (self.task_space.dim if self.task_in_obs else 0)  # hull, motors, lidar | task

        def widen(v: np.ndarray, flag: float, surface: float) -> np.ndarray:
            return np.concatenate([v[:4], [flag, flag], v[4:end], [surface] * NB_LIDAR, v[end:]]).astype(np.float32)

        return spaces.Box(widen(base.low, 0.0, -1.0), widen(base.high, 1.0, 1.0), dtype=np.float32)

    # ------------------------------------------------------------------ terrain

    def _generate_terrain(self, hardcore: bool = False) -> None:
        """Ground and ceiling from the CPPN, creepers under the ceiling, water from the bottom."""
        if hardcore:
            raise ValueError("hardcore: Parkour has no hardcore mode")
        if self._task is None:
            raise RuntimeError("Parkour._generate_terrain: no task set; reset() sets one before building")
        cppn, _ = _shipped()
        task = self._task
        y = cppn(task[:3], TERRAIN_LENGTH) / TERRAIN_CPPN_SCALE
        ground = y[:, 0] - y[0, 0] + TERRAIN_HEIGHT
        ceiling = np.maximum(y[:, 1] - y[0, 1] + TERRAIN_HEIGHT + CEILING_OFFSET, ground)
        pad = TERRAIN_STARTPAD
        xs = (np.arange(pad + TERRAIN_LENGTH) * TERRAIN_STEP).tolist()
        gy = [TERRAIN_HEIGHT] * pad + ground.tolist()
        cy = [TERRAIN_HEIGHT + CEILING_OFFSET] * pad + ceiling.tolist()
        self.terrain_x, self.terrain_ground_y, self.terrain_ceiling_y = xs, gy, cy

        ground_body = self.world.CreateStaticBody()
        ceiling_body = self.world.CreateStaticBody()
        edge = self.ground_fd.shape
        self.terrain_poly = []
        low, high = min(gy) - 10.0, max(cy) + 10.0
        for i in range(len(xs) - 1):
            edge.vertices = [(xs[i], gy[i]), (xs[i + 1], gy[i + 1])]
            ground_body.CreateFixture(self.ground_fd)
            edge.vertices = [(xs[i], cy[i]), (xs[i + 1], cy[i + 1])]
            ceiling_body.CreateFixture(self.ground_fd)
            self.terrain_poly.append(([(xs[i], gy[i]), (xs[i + 1], gy[i + 1]), (xs[i + 1], low), (xs[i], low)], GROUND_FILL))
            self.terrain_poly.append(([(xs[i], cy[i]), (xs[i + 1], cy[i + 1]), (xs[i + 1], high), (xs[i], high)], ROCK_FILL))
        ground_body.color1 = ground_body.color2 = GRASS_COLOR
        ceiling_body.color1 = ceiling_body.color2 = CEILING_COLOR
        self.terrain = [ground_body, ceiling_body]
        self._generate_creepers(float(task[4]), max(MIN_CREEPER_SPACING, float(task[5])))
        self._grip_bodies = [ceiling_body, self.terrain[-1]]  # the ceiling and the creepers

        level = float(task[3])
        self.water_y = -math.inf
        if level > 0:
            bottom = min(gy)
            self.water_y = bottom + level * (max(cy) - bottom)
            self.sensor_fd.shape.vertices = [(xs[0], bottom - 10.0), (xs[-1], bottom - 10.0), (xs[-1], self.water_y), (xs[0], self.water_y)]
            water = self.world.CreateStaticBody(fixtures=self.sensor_fd, userData=WATER_TAG)
            water.color1 = water.color2 = WATER_COLOR
            self.terrain.append(water)

    def _generate_creepers(self, mean_height: float, spacing: float) -> None:
        """A creeper every ``spacing`` metres (TeachMyAgent's walk along the terrain points)."""
        xs, cy = self.terrain_x, self.terrain_ceiling_y
        width = max(MIN_CREEPER_SIZE, self.creepers_width)
        span = max(1, int(np.floor(width / TERRAIN_STEP)))
        rows = []
        since_last = spacing
        body = self.world.CreateStaticBody(userData=CREEPER_TAG)
        shape = self.sensor_fd.shape
        for i in range(len(xs) - 1):
            if since_last >= spacing:
                height = max(MIN_CREEPER_SIZE, self.np_random.normal(mean_height, CREEPER_HEIGHT_STD))
                top = max(cy[i], cy[min(i + span, len(xs) - 1)])
                shape.vertices = [(xs[i], top - height), (xs[i] + width, top - height), (xs[i] + width, top), (xs[i], top)]
                body.CreateFixture(self.sensor_fd)
                rows.append((xs[i], xs[i] + width, top - height, top))
                since_last = 0.0
            else:
                since_last += xs[i] - xs[i - 1]
        body.color1 = body.color2 = CREEPER_COLOR
        self.terrain.append(body)
        self.creepers = np.array(rows, dtype=np.float64).reshape(-1, 4)

    # ------------------------------------------------------------------ bodies

    def _generate_walker(self) -> None:
        """Walkers stand on the pad; the fish starts in the water; the climber hangs from the ceiling."""
        b = self.body
        self._holds = [None] * b.n_grippers
        if not isinstance(b, ArticulatedBody) or b.kind == "walker":
            super()._generate_walker()
            return
        x = TERRAIN_STEP * TERRAIN_STARTPAD / 2
        if b.kind == "swimmer":
            y = TERRAIN_HEIGHT + b.height / 30.0
            if self.water_y > y:
                y = 0.5 * (TERRAIN_HEIGHT + min(self.water_y, TERRAIN_HEIGHT + CEILING_OFFSET))
            self._generate_articulated(x, y)
            return
        tip = max(
            b.parts[g].position[1] + math.sin(b.parts[g].angle) * p[0] + math.cos(b.parts[g].angle) * p[1]
            for g, p in zip(b.grippers, b.grip_points, strict=True)
        )  # the highest gripper tip's height in the body frame (pixels)
        # the grippers' tips just under the ceiling, holding it
        self._generate_articulated(x, TERRAIN_HEIGHT + CEILING_OFFSET - tip / 30.0 - GRIP_RANGE / 2)
        for k in range(b.n_grippers):
            self._grab(k, self._grip_bodies[0])

    def _grip_tip(self, k: int) -> tuple[float, float]:
        part = self.legs[self.body.grippers[k] - 1]  # legs hold every part but the head
        return tuple(part.GetWorldPoint([v / 30.0 for v in self.body.grip_points[k]]))  # type: ignore[return-value]

    def _grab(self, k: int, terrain: Any) -> None:
        from Box2D.b2 import revoluteJointDef

        part = self.legs[self.body.grippers[k] - 1]
        tip = self._grip_tip(k)
        jd = revoluteJointDef(bodyA=part, bodyB=terrain, localAnchorA=part.GetLocalPoint(tip), localAnchorB=terrain.GetLocalPoint(tip))
        self._holds[k] = self.world.CreateJoint(jd)

    def _graspable(self, tip: tuple[float, float]) -> Any:
        """The ceiling or creeper body within :data:`GRIP_RANGE` of a gripper's tip, or ``None``."""
        x, y = tip
        xs = self.terrain_x
        if xs[0] <= x <= xs[-1] and 0.0 <= float(np.interp(x, xs, self.terrain_ceiling_y)) - y <= GRIP_RANGE:
            return self._grip_bodies[0]
        c = self.creepers
        near = (c[:, 0] - GRIP_RANGE <= x) & (x <= c[:, 1] + GRIP_RANGE) & (c[:, 2] - GRIP_RANGE <= y) & (y <= c[:, 3])
        return self._grip_bodies[1] if near.any() else None

    def _climb(self, before_step: bool) -> None:
        """Let go of what the grippers whose action is at most 0 hold (before the physics step);
        grasp the ceiling or a creeper within reach of a gripper whose action is above 0 and
        that holds nothing (after it). TeachMyAgent detects the reach with a sensor at each hand;
        we measure the tip's distance to the ceiling profile and the creepers' rectangles."""
        for k in range(self.body.n_grippers):
            wants = bool(self._grasp[k] > 0)
            hold = self._holds[k]
            if before_step:
                if hold is not None and not wants:
                    self.world.DestroyJoint(hold)
                    self._holds[k] = None
                continue
            if wants and hold is None:
                target = self._graspable(self._grip_tip(k))
                if target is not None:
                    self._grab(k, target)

    def _gripper_state(self) -> list[float]:
        return [0.0 if h is None else 1.0 for h in self._holds]

    # ------------------------------------------------------------------ water

    def _parts(self) -> list[Any]:
        return [self.hull, *self.legs]

    def _apply_water_forces(self) -> None:
        """Buoyancy, drag and lift on the submerged part of every body part (module docstring)."""
        level = self.water_y
        if level == -math.inf:
            return
        for part in self._parts():
            for fixture in part.fixtures:
                aabb = fixture.GetAABB(0)
                if aabb.lowerBound.y >= level:
                    continue
                points = [tuple(part.GetWorldPoint(v)) for v in fixture.shape.vertices]
                wet = submerged_polygon(points, level)
                if len(wet) < 3:
                    continue
                area, cx, cy = polygon_centroid(wet)
                if area <= 0:
                    continue
                part.ApplyForce((0.0, WATER_DENSITY * area * GRAVITY), (cx, cy), True)
                self._apply_drag(part, wet)

    @staticmethod
    def _apply_drag(part: Any, wet: list[tuple[float, float]]) -> None:
        n = len(wet)
        for i in range(n):
            (x0, y0), (x1, y1) = wet[i], wet[(i + 1) % n]
            mx, my = 0.5 * (x0 + x1), 0.5 * (y0 + y1)
            v = part.GetLinearVelocityFromWorldPoint((mx, my))
            speed = math.hypot(v.x, v.y)
            length = math.hypot(x1 - x0, y1 - y0)
            if speed < 1e-9 or length < 1e-9:
                continue
            dx, dy = v.x / speed, v.y / speed
            ex, ey = (x1 - x0) / length, (y1 - y0) / length
            nx, ny = ey, -ex  # outward normal of a counter-clockwise edge
            drag_dot = nx * dx + ny * dy
            if drag_dot <= 0:  # not a leading edge
                continue
            drag = min(drag_dot * DRAG_MOD * length * WATER_DENSITY * speed * speed, MAX_DRAG)
            lift_dot = ex * dx + ey * dy
            lift = min(drag_dot * lift_dot * LIFT_MOD * length * WATER_DENSITY * speed * speed, MAX_LIFT)
            part.ApplyForce((-drag * dx - lift * dy, -drag * dy + lift * dx), (mx, my), True)

    # ------------------------------------------------------------------ gymnasium API

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        """Start an episode on the task's terrain (see ``WalkerEnv.reset``)."""
        self.steps_under_water = self.steps_out_of_water = 0
        self.dead = False
        obs, info = super().reset(seed=seed, options=options)
        self.steps_under_water = self.steps_out_of_water = 0
        return obs, info

    def step(self, action: np.ndarray) -> tuple[np.ndarray, SupportsFloat, bool, bool, dict[str, Any]]:
        """One 1/50 s step: motors, physics, water forces, observation and reward."""
        if self.dead:  # the action is still checked, then ignored
            self._apply_action(action)
        magnitude = self._apply_action(np.zeros(self.action_space.shape) if self.dead else action)
        self._climb(before_step=True)
        self._apply_water_forces()  # from the current state, applied during this step
        self.world.Step(1.0 / FPS, 6 * 30, 2 * 30)
        self._climb(before_step=False)
        self._cast_lidar()
        hull = self.hull
        under_water = hull.position.y <= self.water_y
        self.steps_under_water = self.steps_under_water + 1 if under_water else 0
        self.steps_out_of_water = 0 if under_water else self.steps_out_of_water + 1
        # TeachMyAgent: swimmers die out of water, the others under water, after 600 steps
        stuck = self.steps_out_of_water if self.body.kind == "swimmer" else self.steps_under_water
        self.dead = self.dead or stuck > STEPS_SURVIVABLE_UNDER_WATER
        state = self._hull_state() + [1.0 if under_water else 0.0, 1.0 if self.dead else 0.0]
        state += self._legs_state()
        state += [ray.fraction for ray in self.lidar]
        state += [0.0 if ray.fixture is None else SURFACES.get(ray.fixture.body.userData, 0.0) for ray in self.lidar]
        state += self._task_obs
        reward = self._shaping_reward(magnitude)
        px = hull.position.x
        terminated = False
        if px < 0:
            reward, terminated = -100.0, True
        if px > (TERRAIN_LENGTH + TERRAIN_STARTPAD - TERRAIN_END) * TERRAIN_STEP:
            terminated = True
        if self.render_mode == "human":
            self.render()
        return np.array(state, dtype=np.float32), reward, terminated, False, {}
