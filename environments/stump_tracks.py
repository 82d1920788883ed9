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
from types import MappingProxyType

import numpy as np
from gymnasium.envs.box2d.bipedal_walker import TERRAIN_HEIGHT, TERRAIN_LENGTH, TERRAIN_STARTPAD, TERRAIN_STEP
from gymnasium.utils import EzPickle

from autocurriculum.environments.walker_base import BODIES as _ALL_BODIES
from autocurriculum.environments.walker_base import Body, WalkerBody, WalkerEnv
from autocurriculum.teachers.spaces import BoxSpace
from autocurriculum.teachers.validation import real_number

__all__ = ["BODIES", "StumpTracks", "WalkerBody", "shuffle_task", "shuffled_intervals", "stump_tracks_task_space"]

STUMP_HEIGHT_STD = 0.1  # std of N(stump_height, 0.1) (teachDeepRL, TeachMyAgent)
MIN_STUMP_HEIGHT = 0.05  # floor of a drawn stump height, in terrain steps (TeachMyAgent)
MIN_OBSTACLE_SPACING = 0.01  # floor of the gap between stumps, in metres (TeachMyAgent)
MAX_OBSTACLE_SPACING = 6.0
DEFAULT_MAX_STUMP_HEIGHT = 3.0

#: The bodies Stump Tracks takes: the walkers (TeachMyAgent gives swimmers and climbers Parkour only).
BODIES: Mapping[str, Body] = MappingProxyType({n: b for n, b in _ALL_BODIES.items() if b.kind == "walker"})


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
    max_stump_height = real_number(max_stump_height, "max_stump_height")
    min_stump_height = real_number(min_stump_height, "min_stump_height")
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


class StumpTracks(WalkerEnv):
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
        8 actions; ``"spider"``, ``"millipede"``, ``"wheel"``: TeachMyAgent's other walkers, see
        :mod:`~autocurriculum.environments.bodies`) or a body object. Default ``"default"``.
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

    def __init__(
        self,
        render_mode: str | None = None,
        body: str | Body = "default",
        max_stump_height: float = DEFAULT_MAX_STUMP_HEIGHT,
        task_in_obs: bool = False,
        min_stump_height: float = 0.0,
        shuffle_cuttings: int | None = None,
        shuffle_seed: int = 21,
    ) -> None:
        space = stump_tracks_task_space(max_stump_height, min_stump_height)
        if isinstance(shuffle_seed, bool) or not isinstance(shuffle_seed, (int, np.integer)):
            raise TypeError(f"shuffle_seed: expected an integer, got {shuffle_seed!r}")
        self._shuffle = None if shuffle_cuttings is None else shuffled_intervals(space, shuffle_cuttings, shuffle_seed)
        super().__init__(space, render_mode, body, task_in_obs)
        EzPickle.__init__(
            self, render_mode, body, max_stump_height, task_in_obs, min_stump_height, shuffle_cuttings, shuffle_seed
        )
        self.max_stump_height = float(max_stump_height)
        self.stumps = np.empty((0, 4))

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
        shape = self.polygon_fd.shape
        for sx0, sx1, sy0, sy1 in self.stumps.tolist():
            shape.vertices = [(sx0, sy0), (sx1, sy0), (sx1, sy1), (sx0, sy1)]
            stumps.CreateFixture(self.polygon_fd)
        stumps.color1, stumps.color2 = (255, 255, 255), (153, 153, 153)
        self.terrain = [ground, stumps]
        self.terrain_x = [0.0, ground_end]
        self.terrain_y = [y, y]
        self.terrain_poly = [([(0.0, y), (ground_end, y), (ground_end, 0.0), (0.0, 0.0)], (102, 153, 76))]
