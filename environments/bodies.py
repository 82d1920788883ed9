"""TeachMyAgent's other bodies: spider, millipede and wheel (walkers), fish (swimmer), climber.

Romac et al., "TeachMyAgent: a Benchmark for Automatic Curriculum Learning in Deep RL", ICML 2021,
embody the student in walkers, swimmers and climbers. The classic leg-pair walkers (``default``,
``short``, ``quadruped``) are :class:`~autocurriculum.environments.walker_base.WalkerBody`; the
bodies here are :class:`ArticulatedBody` values: rigid parts (polygons, in pixels, 30 px = 1 m)
joined by revolute joints, each joint a motor (one action in ``[-1, 1]``: sign the direction,
magnitude the torque) or passive. Their sizes follow TeachMyAgent's descriptions; the exact
polygons are ours.

* ``spider``: a small round hull with two pairs of splayed legs (hip and knee each), torque 100,
  torque penalty ``0.00035 / 2``; 8 actions.
* ``millipede``: four box segments linked by passive joints, one leg pair each, torque 200,
  torque penalty ``0.00035 / 4``; 16 actions.
* ``wheel``: a hub with four legs at right angles, torque 500, torque penalty ``0.00035 / 2``, no
  head-angle term in the reward (it rolls); 8 actions.
* ``fish`` (swimmer): a head, three tail segments and a fin, as dense as water (it floats), torque
  80, no head-angle term; 4 actions. Out of water for more than 600 consecutive steps, it dies
  (its actions are ignored). Parkour only.
* ``climber``: a torso, two legs (hip, knee), two arms (shoulder, elbow, wrist) whose hands end in
  grippers; torque 100, torque penalty ``0.00035 / 5``, no head-angle term; 10 motor actions then
  one action per gripper (above 0: grasp the ceiling or a creeper it touches and hold; at most 0:
  let go); 12 actions. It starts hanging from the ceiling. Parkour only.

Observations per motor follow TeachMyAgent: the joint angle (plus a correction), its speed over the
motor's speed, and for motors flagged with a contact part that part's ground contact; climbers add
one "holding" flag per gripper.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from Box2D.b2 import fixtureDef, polygonShape, revoluteJointDef

__all__ = ["ARTICULATED_BODIES", "ArticulatedBody", "Joint", "Part", "build_articulated"]

HULL_TAG = -1  # Box2D userData of the head; contact-counted parts carry their index
SCALE = 30.0
SPEED_HIP, SPEED_KNEE, SPEED_HAND = 4.0, 6.0, 8.0
TORQUE_PENALTY = 0.00035


@dataclass(frozen=True)
class Part:
    """A rigid part: a convex polygon (pixels, part frame) placed at ``position`` (pixels, body
    frame) with ``angle``; ``density`` in Box2D units; ``contact`` counts its ground contacts."""

    vertices: tuple[tuple[float, float], ...]
    position: tuple[float, float]
    angle: float = 0.0
    density: float = 1.0
    contact: bool = False


@dataclass(frozen=True)
class Joint:
    """A revolute joint between parts ``a`` and ``b`` at ``anchor`` (pixels, body frame).

    ``lower``/``upper`` limit its angle (radians, relative to the start pose); ``speed`` is the
    motor's top speed (``None``: a passive joint, no action); ``angle_correction`` is added to the
    observed angle; ``contact`` names the part whose contact flag follows this motor's entries.
    """

    a: int
    b: int
    anchor: tuple[float, float]
    lower: float
    upper: float
    speed: float | None = SPEED_KNEE
    angle_correction: float = 0.0
    contact: int | None = None


@dataclass(frozen=True)
class ArticulatedBody:
    """A body made of :class:`Part` values joined by :class:`Joint` values; part 0 is the head.

    ``height`` is how far (pixels) the body frame's origin starts above the ground; ``grippers``
    are parts that can grasp (climbers), ``grip_points`` their tips (pixels, part frame).
    """

    name: str
    kind: str  # "walker", "swimmer" or "climber"
    parts: tuple[Part, ...]
    joints: tuple[Joint, ...]
    motor_torque: float
    torque_penalty: float
    height: float
    head_angle_penalty: bool = True
    grippers: tuple[int, ...] = ()
    grip_points: tuple[tuple[float, float], ...] = ()
    lidar: str = "down"
    motors: tuple[Joint, ...] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "motors", tuple(j for j in self.joints if j.speed is not None))

    @property
    def n_motors(self) -> int:
        return len(self.motors)

    @property
    def n_grippers(self) -> int:
        return len(self.grippers)

    @property
    def n_actions(self) -> int:
        """Motors, then one grasp action per gripper."""
        return self.n_motors + self.n_grippers

    @property
    def feet(self) -> tuple[int, ...]:
        """Indices of the parts whose ground contacts are counted, in order."""
        return tuple(i for i, p in enumerate(self.parts) if p.contact)

    @property
    def motor_obs(self) -> tuple[tuple[float, float, int], ...]:
        """Per motor: ``(speed, angle correction, foot number or -1)``."""
        feet = self.feet
        return tuple(
            (float(m.speed), m.angle_correction, -1 if m.contact is None else feet.index(m.contact))  # type: ignore[arg-type]
            for m in self.motors
        )


def _box(w: float, h: float) -> tuple[tuple[float, float], ...]:
    return ((-w / 2, -h / 2), (w / 2, -h / 2), (w / 2, h / 2), (-w / 2, h / 2))


def _regular(n: int, r: float) -> tuple[tuple[float, float], ...]:
    return tuple((r * math.cos(2 * math.pi * k / n), r * math.sin(2 * math.pi * k / n)) for k in range(n))


def _leg(parts: list[Part], joints: list[Joint], hull: int, anchor: tuple[float, float], angle: float, length: float,
         width: float, hip: tuple[float, float], knee: tuple[float, float]) -> None:  # fmt: skip
    """Append an upper and a lower segment hanging from ``anchor`` at ``angle`` (0: straight down)."""
    dx, dy = math.sin(angle), -math.cos(angle)
    ax, ay = anchor
    parts.append(Part(_box(width, length), (ax + dx * length / 2, ay + dy * length / 2), angle))
    upper = len(parts) - 1
    joints.append(Joint(hull, upper, anchor, *hip, speed=SPEED_HIP))
    knee_at = (ax + dx * length, ay + dy * length)
    parts.append(Part(_box(0.8 * width, length), (knee_at[0] + dx * length / 2, knee_at[1] + dy * length / 2), angle, contact=True))
    lower = len(parts) - 1
    joints.append(Joint(upper, lower, knee_at, *knee, speed=SPEED_KNEE, angle_correction=1.0, contact=lower))


def _spider() -> ArticulatedBody:
    parts = [Part(_regular(8, 12.0), (0.0, 0.0), density=5.0)]
    joints: list[Joint] = []
    for side in (-1, +1):
        for splay in (0.25 * math.pi, 0.45 * math.pi):
            _leg(parts, joints, 0, (0.0, -4.0), side * splay, 22.0, 6.0, (-0.8, 0.8), (-0.8, 0.8))
    return ArticulatedBody("spider", "walker", tuple(parts), tuple(joints), 100.0, TORQUE_PENALTY / 2, height=34.0)


def _millipede(n_segments: int = 4) -> ArticulatedBody:
    width = 20.0
    xs = [width * (n_segments - 1) / 2 - width * k for k in range(n_segments)]  # head first (front)
    parts = [Part(_box(width, 12.0), (x, 0.0), density=5.0) for x in xs]
    joints = [Joint(k, k + 1, (xs[k] - width / 2, 0.0), -0.3, 0.3, speed=None) for k in range(n_segments - 1)]
    for k, x in enumerate(xs):
        for side in (-1, +1):
            _leg(parts, joints, k, (x, -6.0), side * 0.05, 20.0, 6.0, (-0.8, 1.1), (-1.6, -0.1))
    return ArticulatedBody("millipede", "walker", tuple(parts), tuple(joints), 200.0, TORQUE_PENALTY / n_segments, height=46.0)


def _wheel() -> ArticulatedBody:
    parts = [Part(_regular(8, 10.0), (0.0, 0.0), density=5.0)]
    joints: list[Joint] = []
    for k in range(4):
        _leg(parts, joints, 0, (0.0, 0.0), k * math.pi / 2, 20.0, 6.0, (-0.9, 0.9), (-0.9, 0.9))
    return ArticulatedBody(
        "wheel", "walker", tuple(parts), tuple(joints), 500.0, TORQUE_PENALTY / 2, height=44.0, head_angle_penalty=False
    )


WATER_DENSITY = 1.0


def _fish() -> ArticulatedBody:
    d = WATER_DENSITY
    head = Part(((-10.0, -8.0), (10.0, -8.0), (20.0, 0.0), (10.0, 8.0), (-10.0, 8.0)), (0.0, 0.0), density=d)
    parts = [head]
    joints: list[Joint] = []
    x, h = -10.0, 14.0
    for k in range(3):
        w = 10.0
        parts.append(Part(_box(w, h), (x - w / 2, 0.0), density=d, contact=True))
        joints.append(Joint(len(parts) - 2 if k else 0, len(parts) - 1, (x, 0.0), -0.6, 0.6, contact=len(parts) - 1))
        x -= w
        h *= 0.75
    fin = Part(((-3.0, -2.0), (3.0, -2.0), (0.0, 8.0)), (0.0, -14.0), math.pi, density=d, contact=True)
    parts.append(fin)
    joints.append(Joint(0, len(parts) - 1, (0.0, -8.0), -0.5, 0.5, contact=len(parts) - 1))
    return ArticulatedBody(
        "fish", "swimmer", tuple(parts), tuple(joints), 80.0, TORQUE_PENALTY, height=40.0,
        head_angle_penalty=False, lidar="full",
    )  # fmt: skip


def _climber() -> ArticulatedBody:
    parts = [Part(_box(12.0, 36.0), (0.0, 0.0), density=5.0)]
    joints: list[Joint] = []
    for side in (-1, +1):
        _leg(parts, joints, 0, (0.0, -18.0), side * 0.05, 18.0, 6.0, (-0.8, 1.1), (-1.6, -0.1))
    grippers = []
    for side in (-1, +1):
        shoulder = (0.0, 16.0)
        # upper arm and forearm point up (angle pi), the hand above them
        parts.append(Part(_box(6.0, 18.0), (side * 2.0, 16.0 + 9.0), math.pi))
        upper = len(parts) - 1
        joints.append(Joint(0, upper, shoulder, -1.5, 1.5, speed=SPEED_HIP))
        elbow = (side * 2.0, 34.0)
        parts.append(Part(_box(5.0, 18.0), (side * 2.0, 34.0 + 9.0), math.pi))
        fore = len(parts) - 1
        joints.append(Joint(upper, fore, elbow, -1.5, 1.5, speed=SPEED_KNEE))
        wrist = (side * 2.0, 52.0)
        parts.append(Part(_box(4.0, 8.0), (side * 2.0, 56.0), math.pi))
        hand = len(parts) - 1
        joints.append(Joint(fore, hand, wrist, -0.8, 0.8, speed=SPEED_HAND))
        grippers.append(hand)
    return ArticulatedBody(
        "climber", "climber", tuple(parts), tuple(joints), 100.0, TORQUE_PENALTY / 5, height=60.0,
        head_angle_penalty=False, grippers=tuple(grippers), grip_points=((0.0, -4.0),) * 2, lidar="up",
    )  # fmt: skip


#: The articulated bodies by name.
ARTICULATED_BODIES: Mapping[str, ArticulatedBody] = MappingProxyType(
    {b.name: b for b in (_spider(), _millipede(), _wheel(), _fish(), _climber())}
)


def build_articulated(world: Any, body: ArticulatedBody, x: float, y: float) -> tuple[Any, list[Any], list[Any]]:
    """Create ``body`` in ``world`` with its frame's origin at ``(x, y)`` (metres).

    Returns the head, the other parts and the motor joints (in action order). The head's
    ``userData`` is ``HULL_TAG``; contact-counted parts carry their foot number. Parts collide with
    the terrain only (category 0x20, mask 0x1), as gymnasium's walker.
    """
    bodies = []
    feet = body.feet
    for i, p in enumerate(body.parts):
        fd = fixtureDef(
            shape=polygonShape(vertices=[(vx / SCALE, vy / SCALE) for vx, vy in p.vertices]),
            density=p.density,
            friction=0.1 if i == 0 else 0.2,
            restitution=0.0,
            categoryBits=0x0020,
            maskBits=0x001,
        )
        b = world.CreateDynamicBody(position=(x + p.position[0] / SCALE, y + p.position[1] / SCALE), angle=p.angle, fixtures=fd)
        b.userData = HULL_TAG if i == 0 else (feet.index(i) if p.contact else None)
        b.color1, b.color2 = ((127, 51, 229), (76, 76, 127)) if i == 0 else ((153, 76, 127), (102, 51, 76))
        bodies.append(b)
    motors = []
    for j in body.joints:
        a, b = bodies[j.a], bodies[j.b]
        anchor = (x + j.anchor[0] / SCALE, y + j.anchor[1] / SCALE)
        jd = revoluteJointDef(
            bodyA=a,
            bodyB=b,
            localAnchorA=a.GetLocalPoint(anchor),
            localAnchorB=b.GetLocalPoint(anchor),
            referenceAngle=b.angle - a.angle,
            enableLimit=True,
            lowerAngle=j.lower,
            upperAngle=j.upper,
            enableMotor=j.speed is not None,
            maxMotorTorque=body.motor_torque,
            motorSpeed=0.0,
        )
        joint = world.CreateJoint(jd)
        if j.speed is not None:
            motors.append(joint)
    return bodies[0], bodies[1:], motors
