"""The BipedalWalker of ACCEL: eight terrain parameters and six fixed test terrains.

The environment of Parker-Holder et al., "Evolving Curricula with Regret-Based Environment
Design", ICML 2022 (ACCEL), from the dcd code base (``BipedalWalker-Adversarial``), itself the
POET terrain generator (Wang et al., 2019) on gymnasium's ``BipedalWalker``. A task is a point of
the box (dcd's ``PARAM_RANGES_FULL``):

=====================  ===========  =========================================================
dimension              range        meaning
=====================  ===========  =========================================================
``ground_roughness``   ``[0, 10]``  scale of the grass's random slope changes (gymnasium's
                                    BipedalWalker-v3 terrain is roughness 1; 0 is flat)
``pit_gap_low/high``   ``[0, 10]``  a pit is ``1 + U(low, high)`` terrain steps wide, 4 deep
``stump_height_low/    ``[0, 5]``   a stump is one step wide and ``U(low, high)`` steps high
high``
``stair_height_low/    ``[0, 5]``   each stair of a flight is ``U(low, high)`` steps high, 4
high``                              steps wide, up or down with probability 1/2
``stair_steps``        ``[1, 9]``   a flight has ``U{0, ..., round(stair_steps) - 1}`` stairs
=====================  ===========  =========================================================

Each low/high pair is sorted (a task may give them in either order, as dcd's). An obstacle kind
is absent when its high end is small (dcd's thresholds: stumps and stairs below 0.2 steps, pits
below 0.8); when at least one kind is present, every stretch of grass (5 to 9 steps) is followed
by an obstacle of a kind drawn uniformly among those present, as in gymnasium's hardcore mode.
Terrain steps are 14 px (0.467 m). Stump heights are floored at 0.05 steps so that every stump is
a valid Box2D polygon (dcd retries the draw instead).

Observation, action, reward and termination are the shared walker's (gymnasium's
``BipedalWalker``: 24 observations for the default body); episodes of at most 2000 steps.

**Test terrains** (:data:`TEST_TERRAINS`): ACCEL's zero-shot evaluation uses gymnasium's
BipedalWalker-v3 and BipedalWalkerHardcore-v3 and dcd's ``Med`` test levels. As tasks of this box:

* ``flat``: BipedalWalker-v3, roughness 1 and no obstacles (the same generator and random draws as
  gymnasium's, so the same terrain for the same seed);
* ``hardcore``: BipedalWalkerHardcore-v3 in these eight parameters: roughness 1, pits 3 to 4 steps
  wide (gap parameter 2 to 3), stumps 1 to 2 steps high, stairs 1 step high with flights of up to 4
  stairs. It differs from gymnasium's hardcore generator in that stumps are one step wide
  (gymnasium: squares of 1 or 2 steps) and flights have 0 to 4 stairs (gymnasium: 3 or 4);
* ``stairs``: ``BipedalWalker-Med-Stairs-v0``, stairs 2 steps high, ``stair_steps`` 5;
* ``pit_gap``: ``BipedalWalker-Med-PitGap-v0``, pit gap 5;
* ``stumps``: ``BipedalWalker-Med-StumpHeight-v0``, stumps 2 steps high;
* ``roughness``: ``BipedalWalker-Med-Roughness-v0``, roughness 5.

A test terrain counts as solved in an episode whose return exceeds 230 (dcd's ``solved_rate``); the
SB3 students report the solved rate and mean return per test terrain
(:func:`accel_walker_test_set`).

**Levels.** By default each reset draws the terrain from the environment's ``np_random``, so one task
stands for a distribution of terrains (as in Stump Tracks). With ``level_seed`` set, the terrain is a
function of ``(level_seed, task)`` only: the same task gives the same terrain at every reset and
in every instance, as dcd's levels (parameters plus a seed) that PLR and ACCEL replay.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from types import MappingProxyType

import numpy as np
from gymnasium.envs.box2d.bipedal_walker import (
    SCALE,
    TERRAIN_GRASS,
    TERRAIN_HEIGHT,
    TERRAIN_LENGTH,
    TERRAIN_STARTPAD,
    TERRAIN_STEP,
)
from gymnasium.utils import EzPickle

from autocurriculum.environments.walker_base import GRASS_COLOR, GROUND_FILL, TERRAIN_COLOR, WalkerBody, WalkerEnv
from autocurriculum.teachers.spaces import BoxSpace

__all__ = [
    "ACCEL_WALKER_DIMENSIONS",
    "SOLVED_THRESHOLD",
    "TEST_TERRAINS",
    "AccelWalker",
    "accel_walker_task_space",
    "accel_walker_test_set",
]

#: Names and bounds of the eight task dimensions (dcd's ``PARAM_RANGES_FULL``).
ACCEL_WALKER_DIMENSIONS: Mapping[str, tuple[float, float]] = MappingProxyType(
    {
        "ground_roughness": (0.0, 10.0),
        "pit_gap_low": (0.0, 10.0),
        "pit_gap_high": (0.0, 10.0),
        "stump_height_low": (0.0, 5.0),
        "stump_height_high": (0.0, 5.0),
        "stair_height_low": (0.0, 5.0),
        "stair_height_high": (0.0, 5.0),
        "stair_steps": (1.0, 9.0),
    }
)

#: The six test terrains of ACCEL's BipedalWalker evaluation, as tasks (see the module docstring).
TEST_TERRAINS: Mapping[str, tuple[float, ...]] = MappingProxyType(
    {
        "flat": (1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0),
        "hardcore": (1.0, 2.0, 3.0, 1.0, 2.0, 1.0, 1.0, 5.0),
        "stairs": (0.0, 0.0, 0.0, 0.0, 0.0, 2.0, 2.0, 5.0),
        "pit_gap": (0.0, 5.0, 5.0, 0.0, 0.0, 0.0, 0.0, 1.0),
        "stumps": (0.0, 0.0, 0.0, 2.0, 2.0, 0.0, 0.0, 1.0),
        "roughness": (5.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0),
    }
)

SOLVED_THRESHOLD = 230.0  # dcd: a BipedalWalker test episode is solved above this return
MIN_STUMP_HEIGHT = 0.05  # floor of a drawn stump height, in terrain steps
STUMP_MIN_HIGH = 0.2  # dcd: no stumps when stump_height_high < 0.2
STAIR_MIN_HIGH = 0.2  # dcd: no stairs when stair_height_high < 0.2
PIT_MIN_HIGH = 0.8  # dcd: no pits when pit_gap_high < 0.8
STAIR_HEIGHT_EPS = 1e-2  # dcd: a flight whose stairs are lower than this is not built
STAIR_WIDTH = 4  # terrain steps per stair (dcd's randint(4, 5))
PIT_DEPTH = 4  # terrain steps
_GRASS, _STUMP, _STAIRS, _PIT = 0, 1, 2, 3


def accel_walker_task_space() -> BoxSpace:
    """The eight-dimensional task space of :data:`ACCEL_WALKER_DIMENSIONS`."""
    bounds = list(ACCEL_WALKER_DIMENSIONS.values())
    return BoxSpace([b[0] for b in bounds], [b[1] for b in bounds], names=list(ACCEL_WALKER_DIMENSIONS))


def accel_walker_test_set(names: list[str] | tuple[str, ...] | None = None) -> dict[str, list[float]]:
    """The named test terrains ``{name: task}`` (all six of :data:`TEST_TERRAINS` by default).

    Give it to an SB3 student as ``test_tasks`` (or in YAML as ``evaluation.test_set``, a mapping)
    to have the solved rate and mean return reported per terrain.
    """
    chosen = list(TEST_TERRAINS) if names is None else list(names)
    unknown = [n for n in chosen if n not in TEST_TERRAINS]
    if unknown or not chosen:
        raise ValueError(f"names: unknown test terrains {unknown or chosen}; allowed: {list(TEST_TERRAINS)}")
    return {n: list(TEST_TERRAINS[n]) for n in chosen}


class AccelWalker(WalkerEnv):
    """ACCEL's parametric BipedalWalker (Parker-Holder et al., ICML 2022; dcd).

    The task is a point of :attr:`task_space` (eight dimensions, see the module docstring), given
    through ``reset(options={"task": task})`` or :meth:`set_task` and kept across resets; without
    one, every reset draws a random task from the environment's ``np_random``.

    Parameters
    ----------
    render_mode:
        ``None``, ``"rgb_array"`` or ``"human"``.
    body:
        A walker of :data:`~autocurriculum.environments.walker_base.BODIES` (default
        ``"default"``, gymnasium's and dcd's walker).
    level_seed:
        ``None`` (default): each reset draws a new terrain for the task from ``np_random``. An
        integer: the terrain depends on ``(level_seed, task)`` only.
    task_in_obs:
        Append the task, mapped onto ``[0, 1]^8``, to the observation (default ``False``).

    Attributes
    ----------
    obstacles:
        One row ``(kind, x0, x1, y0, y1)`` per stump (kind 1), stair (2) or pit wall (3) of the
        episode, in metres; ``terrain_x`` and ``terrain_y`` hold the ground profile.
    """

    def __init__(
        self,
        render_mode: str | None = None,
        body: str | WalkerBody = "default",
        level_seed: int | None = None,
        task_in_obs: bool = False,
    ) -> None:
        if level_seed is not None and (
            isinstance(level_seed, bool) or not isinstance(level_seed, (int, np.integer)) or level_seed < 0
        ):
            raise ValueError(f"level_seed: expected None or an integer >= 0, got {level_seed!r}")
        super().__init__(accel_walker_task_space(), render_mode, body, task_in_obs)
        EzPickle.__init__(self, render_mode, body, level_seed, task_in_obs)
        self.level_seed = None if level_seed is None else int(level_seed)
        self.obstacles = np.empty((0, 5))

    def terrain_rng(self) -> np.random.Generator:
        """``np_random``, or with ``level_seed`` a generator seeded by ``(level_seed, task)``."""
        if self.level_seed is None or self._task is None:
            return self.np_random
        words = np.asarray(self._task, dtype=np.float64).view(np.uint64).tolist()
        return np.random.Generator(np.random.PCG64(np.random.SeedSequence([self.level_seed, *words])))

    def _generate_terrain(self, hardcore: bool = False) -> None:
        """Grass, stumps, stairs and pits following the task (dcd's generator, see the module docstring).

        Draws from :meth:`terrain_rng` in gymnasium's order, so that the ``flat`` task reproduces
        BipedalWalker-v3's terrain for the same seed. Builds one static body for the ground edges
        and one for the obstacles.
        """
        if hardcore:
            raise ValueError("hardcore: the ACCEL walker has no hardcore flag; use the 'hardcore' test terrain")
        if self._task is None:
            raise RuntimeError("AccelWalker._generate_terrain: no task set; reset() sets one before building")
        rng = self.terrain_rng()
        t = [float(v) for v in self._task]
        roughness = t[0]
        pit = sorted(t[1:3])
        stump = sorted(t[3:5])
        stair = sorted(t[5:7])
        n_stairs_bound = int(round(t[7]))
        kinds = [k for k, on in ((_STUMP, stump[1] >= STUMP_MIN_HIGH), (_STAIRS, stair[1] >= STAIR_MIN_HIGH),
                                 (_PIT, pit[1] >= PIT_MIN_HIGH)) if on]  # fmt: skip

        step = TERRAIN_STEP
        state, oneshot = _GRASS, False
        velocity, y, counter = 0.0, TERRAIN_HEIGHT, TERRAIN_STARTPAD
        original_y = y
        pit_diff = 0.0
        stair_h, stair_slope, n_stairs = 0.0, 1, 0
        xs: list[float] = []
        ys: list[float] = []
        obstacles: list[tuple[int, list[tuple[float, float]]]] = []
        for i in range(TERRAIN_LENGTH):
            x = i * step
            xs.append(x)
            if state == _GRASS and not oneshot:
                velocity = 0.8 * velocity + 0.01 * float(np.sign(TERRAIN_HEIGHT - y))
                if i > TERRAIN_STARTPAD:
                    velocity += rng.uniform(-1, 1) / SCALE
                y += roughness * velocity
            elif state == _PIT and oneshot:
                gap = 1.0 + rng.uniform(pit[0], pit[1])
                counter = math.ceil(gap)
                pit_diff = counter - gap
                wall = [(x, y), (x + step, y), (x + step, y - PIT_DEPTH * step), (x, y - PIT_DEPTH * step)]
                obstacles.append((_PIT, wall))
                obstacles.append((_PIT, [(px + step * gap, py) for px, py in wall]))
                counter += 2
                original_y = y
            elif state == _PIT and not oneshot:
                y = original_y
                if counter > 1:
                    y -= PIT_DEPTH * step
                if counter == 1:
                    xs[-1] -= pit_diff * step
            elif state == _STUMP and oneshot:
                top = y + max(MIN_STUMP_HEIGHT, rng.uniform(stump[0], stump[1])) * step
                obstacles.append((_STUMP, [(x, y), (x + step, y), (x + step, top), (x, top)]))
            elif state == _STAIRS and oneshot:
                stair_h = rng.uniform(stair[0], stair[1])
                stair_slope = 1 if rng.random() > 0.5 else -1
                n_stairs = int(rng.integers(n_stairs_bound)) if n_stairs_bound > 0 else 0
                original_y = y
                if stair_h > STAIR_HEIGHT_EPS:
                    for s in range(n_stairs):
                        x0, x1 = x + s * STAIR_WIDTH * step, x + (s + 1) * STAIR_WIDTH * step
                        top = y + s * stair_h * stair_slope * step
                        obstacles.append((_STAIRS, [(x0, top), (x1, top), (x1, top - stair_h * step), (x0, top - stair_h * step)]))
                    counter = n_stairs * STAIR_WIDTH + 1
            elif state == _STAIRS and not oneshot:
                n = (n_stairs * STAIR_WIDTH - counter) // STAIR_WIDTH
                y = original_y + n * stair_h * stair_slope * step - (stair_h if stair_slope == -1 else 0.0) * step
            oneshot = False
            ys.append(y)
            counter -= 1
            if counter == 0:
                counter = int(rng.integers(TERRAIN_GRASS // 2, TERRAIN_GRASS))
                if state == _GRASS and kinds:
                    state = kinds[int(rng.integers(0, len(kinds)))]
                else:
                    state = _GRASS
                oneshot = True
        self._build_terrain_bodies(xs, ys, obstacles)

    def _build_terrain_bodies(
        self, xs: list[float], ys: list[float], obstacles: list[tuple[int, list[tuple[float, float]]]]
    ) -> None:
        """One static body with an edge per terrain step, one with every obstacle polygon."""
        ground = self.world.CreateStaticBody()
        edge = self.ground_fd.shape
        self.terrain_poly = []
        for i in range(len(xs) - 1):
            p0, p1 = (xs[i], ys[i]), (xs[i + 1], ys[i + 1])
            edge.vertices = [p0, p1]
            ground.CreateFixture(self.ground_fd)
            self.terrain_poly.append(([p0, p1, (p1[0], 0.0), (p0[0], 0.0)], GROUND_FILL))
        ground.color1 = ground.color2 = GRASS_COLOR
        self.terrain = [ground]
        rows = []
        if obstacles:
            body = self.world.CreateStaticBody()
            shape = self.polygon_fd.shape
            for kind, poly in obstacles:
                shape.vertices = poly
                body.CreateFixture(self.polygon_fd)
                px = [p[0] for p in poly]
                py = [p[1] for p in poly]
                rows.append((kind, min(px), max(px), min(py), max(py)))
            body.color1, body.color2 = TERRAIN_COLOR
            self.terrain.insert(0, body)
        self.obstacles = np.array(rows, dtype=np.float64).reshape(-1, 5)
        self.terrain_x, self.terrain_y = xs, ys
