"""Navigation mazes on minigrid: the level is plain data, the observation is egocentric.

The maze of the unsupervised-environment-design papers (PAIRED, Dennis et al. NeurIPS 2020;
Robust PLR, Jiang et al. NeurIPS 2021; ACCEL, Parker-Holder et al. ICML 2022; SFL, Rutherford
et al. NeurIPS 2024), built on Farama's ``minigrid`` (:class:`minigrid.minigrid_env.MiniGridEnv`
with :class:`~minigrid.core.world_object.Wall` and :class:`~minigrid.core.world_object.Goal`
objects):

* **level**: a :class:`~autocurriculum.teachers.levels.MazeLevel` (agent start and direction,
  goal, wall cells on an ``N x N`` interior; minigrid adds the border, so the grid is
  ``(N + 2) x (N + 2)`` and level cell ``(x, y)`` is grid cell ``(x + 1, y + 1)``). It comes in
  through ``reset(options={"task": level})`` or ``set_task(level)`` (kept for every later
  reset), as a ``MazeLevel``, its ``to_dict()`` or its integer encoding; without one, every
  reset draws a level from the task space with the env's ``np_random``;
* **task space**: :class:`~autocurriculum.teachers.levels.MazeLevelSpace` ``(size, max_walls)``
  (default 7 x 7 with up to 12 walls; the papers' 13 x 13 with 25 or 60 walls via
  ``size=13, max_walls=25`` / ``60``). Held-out levels of other sizes or with more walls are
  also accepted (the observation does not depend on ``N``); the grid is rebuilt for each level;
* **observation**: minigrid's partial egocentric view (``agent_view_size`` x ``agent_view_size``
  cells, 7 by default, three channels: object, colour, state) flattened, followed by the
  one-hot direction: a flat ``uint8`` :class:`gymnasium.spaces.Box` of ``3 * 7 * 7 + 4 = 151``
  values, which SB3's ``MlpPolicy`` takes directly (see :func:`flat_observation`);
* **actions**: turn left, turn right, move forward (minigrid's actions 0, 1, 2; the others do
  nothing in a maze);
* **reward**: minigrid's sparse, time-discounted ``1 - 0.9 * step / max_steps`` on reaching the
  goal, 0 otherwise; ``max_steps`` defaults to the papers' 250 steps on a 15 x 15 grid scaled
  with the grid's area (90 for the default 9 x 9 grid);
* **info**: ``"task"`` (the level), ``"solvable"`` and ``"shortest_path"`` (moves, -1 when
  unsolvable) at reset; ``"is_success"`` at every step and ``"success"``, ``"solvable"`` on the
  last step of an episode.

``see_through_walls`` defaults to True (no occlusion; cheaper, and what the UED references set
for their mazes).

The seed-indexed view (:class:`MazeSeeds`, ``autocurriculum/MazeSeeds-v0``) has a
:class:`~autocurriculum.teachers.spaces.DiscreteSpace` of ``n_seeds`` tasks: task ``s`` is the
level :meth:`MazeLevelSpace.sample <autocurriculum.teachers.levels.MazeLevelSpace.sample>`
draws from ``numpy.random.default_rng(s)``, so PLR can replay seeds as in its first paper.

The held-out mazes (:func:`held_out_mazes`) ship in ``environments/data/held_out_mazes.yaml``.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Any

import numpy as np
import yaml
from gymnasium import spaces
from minigrid.core.grid import Grid
from minigrid.core.mission import MissionSpace
from minigrid.core.world_object import Goal, Wall
from minigrid.minigrid_env import MiniGridEnv

from autocurriculum.teachers.levels import MAX_MAZE_SIZE, MazeLevel, MazeLevelSpace, shortest_path_length
from autocurriculum.teachers.spaces import DiscreteSpace, TaskSpace

__all__ = [
    "HELD_OUT_FILE",
    "AnySizeMazeSpace",
    "Maze",
    "MazeSeeds",
    "default_max_steps",
    "flat_observation",
    "held_out_mazes",
    "level_from_seed",
    "parse_layout",
]

#: The held-out mazes shipped with the package (``environments/data``).
HELD_OUT_FILE = "held_out_mazes.yaml"

_N_ACTIONS = 3  # left, right, forward


def _mission() -> str:
    return "get to the green goal square"


def default_max_steps(size: int) -> int:
    """The papers' 250 steps on the 15 x 15 grid (13 x 13 interior), scaled with the grid's area."""
    return int(round(250 * (size + 2) ** 2 / 15**2))


def flat_observation(image: np.ndarray, direction: int) -> np.ndarray:
    """Minigrid's ``(view, view, 3)`` image flattened, then the one-hot direction, as ``uint8``."""
    out = np.zeros(image.size + 4, dtype=np.uint8)
    out[: image.size] = image.reshape(-1)
    out[image.size + int(direction)] = 1
    return out


class AnySizeMazeSpace(TaskSpace):
    """Maze levels of any size in [3, ``MAX_MAZE_SIZE``] with any number of walls: what :class:`Maze` can play.

    Used for held-out test levels larger than the training space; a level is checked against
    ``MazeLevelSpace(level.size, level.size ** 2 - 2)``.
    """

    kind = "maze_any"

    def check(self, task: Any, name: str = "task") -> MazeLevel:
        if isinstance(task, MazeLevel):
            size = task.size
        elif isinstance(task, Mapping):
            size = MazeLevel.from_dict(task, name).size
        else:
            raise TypeError(f"{name}: expected a MazeLevel or its to_dict(), got {task!r}")
        if not isinstance(size, int) or not 3 <= size <= MAX_MAZE_SIZE:
            raise ValueError(f"{name}.size: got {size!r}; mazes have sizes in [3, {MAX_MAZE_SIZE}]")
        return MazeLevelSpace(size, size * size - 2).check(task, name)

    def sample(self, rng: np.random.Generator) -> MazeLevel:
        raise TypeError("AnySizeMazeSpace: has no uniform distribution; sample from a MazeLevelSpace")

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind}

    def invalid_examples(self) -> list[Any]:
        return [{"size": 2, "agent": [0, 0], "agent_dir": 0, "goal": [1, 1], "walls": []}, "not a task"]

    def equal_tasks(self, a: Any, b: Any) -> bool:
        return self.check(a, "a") == self.check(b, "b")

    def to_plain(self, task: Any) -> dict[str, Any]:
        return self.check(task).to_dict()


class Maze(MiniGridEnv):
    """A minigrid navigation maze whose level is a :class:`~autocurriculum.teachers.levels.MazeLevel`.

    Parameters
    ----------
    size:
        ``N`` of the training levels' interior (default 7; the papers use 13).
    max_walls:
        Wall budget of the task space (default 12; the papers use 25 or 60).
    max_steps:
        Episode length limit for levels of the training size (default
        :func:`default_max_steps`; levels of other sizes get ``default_max_steps(their size)``
        scaled by ``max_steps / default_max_steps(size)``).
    agent_view_size:
        Side of the egocentric view (odd, >= 3; default 7, as minigrid).
    see_through_walls:
        No occlusion in the view (default True).
    render_mode:
        ``"rgb_array"`` or ``"human"`` (minigrid's rendering), or None.

    Examples
    --------
    >>> env = Maze(size=5, max_walls=4)
    >>> level = {"size": 5, "agent": [0, 0], "agent_dir": 0, "goal": [4, 0], "walls": []}
    >>> obs, info = env.reset(seed=0, options={"task": level})
    >>> obs.shape, info["shortest_path"]
    ((151,), 4)
    """

    def __init__(
        self,
        size: int = 7,
        max_walls: int = 12,
        max_steps: int | None = None,
        agent_view_size: int = 7,
        see_through_walls: bool = True,
        render_mode: str | None = None,
    ) -> None:
        self.level_space = MazeLevelSpace(size, max_walls)
        self.task_space: TaskSpace = self.level_space
        base_steps = default_max_steps(size) if max_steps is None else max_steps
        if isinstance(base_steps, bool) or not isinstance(base_steps, (int, np.integer)) or base_steps < 1:
            raise ValueError(f"Maze.max_steps: expected a positive integer or None, got {max_steps!r}")
        if not isinstance(agent_view_size, int) or agent_view_size < 3 or agent_view_size % 2 == 0:
            raise ValueError(f"Maze.agent_view_size: expected an odd integer >= 3, got {agent_view_size!r}")
        self.size = int(size)
        self.base_max_steps = int(base_steps)
        super().__init__(
            mission_space=MissionSpace(mission_func=_mission),
            width=size + 2,
            height=size + 2,
            max_steps=int(base_steps),
            see_through_walls=see_through_walls,
            agent_view_size=agent_view_size,
            render_mode=render_mode,
        )
        self.action_space = spaces.Discrete(_N_ACTIONS)
        #: The students' default for ``VecNormalize``: off. Normalising these categorical
        #: observations and sparse rewards stalled PPO (0.26 success on its own 7 x 7 training
        #: levels after 60k steps with it, 0.88 without; benchmarks/maze_ued.py).
        self.vec_normalize = False
        n_obs = 3 * agent_view_size * agent_view_size + 4
        self.observation_space = spaces.Box(0, 255, shape=(n_obs,), dtype=np.uint8)
        self._next_level: MazeLevel | None = None
        self.level: MazeLevel | None = None
        self._any_size = AnySizeMazeSpace()
        #: What test tasks may be (held-out levels of any size), for the students' evaluation.
        self.test_task_space: TaskSpace = self._any_size

    @property
    def default_test_tasks(self) -> dict[str, MazeLevel]:
        """The held-out mazes (:func:`held_out_mazes`), the students' default test set."""
        return held_out_mazes()

    # ------------------------------------------------------------------ tasks
    def _check_level(self, task: Any) -> MazeLevel:
        """Any valid level (held-out levels may have other sizes or more walls); encodings of the level space."""
        if isinstance(task, (MazeLevel, Mapping)):
            return self._any_size.check(task, "task")
        return self.level_space.check(task, "task")

    def set_task(self, task: Any) -> None:
        """Play ``task`` (a level, its ``to_dict()`` or encoding) from the next reset on; ``None``: random levels."""
        self._next_level = None if task is None else self._check_level(task)

    @property
    def task(self) -> MazeLevel | None:
        """The level of the current episode (``None`` before the first reset)."""
        return self.level

    def _episode_task(self) -> tuple[MazeLevel, Any]:
        """The level of the starting episode and the task ``info["task"]`` reports for it."""
        level = self._next_level if self._next_level is not None else self.level_space.sample(self.np_random)
        return level, level

    # ------------------------------------------------------------------ minigrid hooks
    def _gen_grid(self, width: int, height: int) -> None:
        level = self.level
        assert level is not None  # set by reset before MiniGridEnv.reset calls this
        self.grid = Grid(width, height)
        self.grid.wall_rect(0, 0, width, height)
        for x, y in level.walls:
            self.grid.set(x + 1, y + 1, Wall())
        self.put_obj(Goal(), level.goal[0] + 1, level.goal[1] + 1)
        self.agent_pos = (level.agent[0] + 1, level.agent[1] + 1)
        self.agent_dir = int(level.agent_dir)
        self.mission = _mission()

    def gen_obs(self) -> np.ndarray:  # type: ignore[override]
        obs = super().gen_obs()
        return flat_observation(obs["image"], obs["direction"])

    # ------------------------------------------------------------------ gymnasium API
    def reset(self, *, seed: int | None = None, options: Mapping[str, Any] | None = None) -> tuple[np.ndarray, dict]:
        """Start an episode on the level set (``options={"task": level}`` sets it for later resets too)."""
        if options:
            unknown = sorted(str(k) for k in options if k != "task")
            if unknown:
                raise ValueError(f"options: unknown keys {unknown}; allowed: ['task']")
            self.set_task(options["task"])
        if seed is not None:  # seed np_random before a random level is drawn from it
            super(MiniGridEnv, self).reset(seed=seed)
        level, task = self._episode_task()
        self.level = level
        self.width = self.height = level.size + 2
        scale = default_max_steps(level.size) / default_max_steps(self.size)
        self.max_steps = max(1, int(round(self.base_max_steps * scale)))
        obs, _ = super().reset(seed=None)
        path = shortest_path_length(level)
        self._solvable = path is not None
        info = {"task": task, "solvable": self._solvable, "shortest_path": -1 if path is None else path}
        if task is not level:
            info["level"] = level
        return obs, info

    def step(self, action: Any) -> tuple[np.ndarray, float, bool, bool, dict]:
        if not self.action_space.contains(action):
            raise ValueError(f"action: got {action!r}; allowed: 0 (left), 1 (right), 2 (forward)")
        obs, reward, terminated, truncated, _ = super().step(int(action))
        success = bool(terminated)
        info: dict[str, Any] = {"is_success": success}
        if terminated or truncated:
            info["success"] = success
            info["solvable"] = self._solvable
        return obs, float(reward), terminated, truncated, info


def level_from_seed(space: MazeLevelSpace, seed: int) -> MazeLevel:
    """The level of seed ``seed``: ``space.sample(numpy.random.default_rng(seed))``."""
    return space.sample(np.random.default_rng(int(seed)))


class MazeSeeds(Maze):
    """:class:`Maze` with levels named by generator seeds: task ``s`` is :func:`level_from_seed` ``(s)``.

    Parameters
    ----------
    n_seeds:
        Size of the :class:`~autocurriculum.teachers.spaces.DiscreteSpace` (default 100000).
    **kwargs:
        Those of :class:`Maze`.
    """

    def __init__(self, n_seeds: int = 100_000, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.task_space = DiscreteSpace(n_seeds)
        self._next_seed: int | None = None

    def set_task(self, task: Any) -> None:
        """Play the level of seed ``task`` from the next reset on; ``None``: random seeds.

        A level itself (a ``MazeLevel`` or its ``to_dict()``, such as a held-out maze) is played
        as given; ``info["task"]`` is then that level.
        """
        if isinstance(task, (MazeLevel, Mapping)):
            self._next_seed, self._next_level = None, self._check_level(task)
            return
        self._next_level = None
        self._next_seed = None if task is None else self.task_space.check(task, "task")

    def _episode_task(self) -> tuple[MazeLevel, Any]:
        if self._next_level is not None:
            return self._next_level, self._next_level
        seed = self._next_seed if self._next_seed is not None else self.task_space.sample(self.np_random)
        return level_from_seed(self.level_space, seed), seed


# ---------------------------------------------------------------------- held-out mazes
_DIRECTIONS = {">": 0, "v": 1, "<": 2, "^": 3}


def parse_layout(rows: list[str], name: str = "layout") -> MazeLevel:
    """A level from rows of text: ``#`` wall, ``.`` free, ``G`` goal, ``>``/``v``/``<``/``^`` the agent.

    The rows form a square; the level is checked with :class:`AnySizeMazeSpace`.
    """
    if not isinstance(rows, list) or not rows or not all(isinstance(r, str) for r in rows):
        raise TypeError(f"{name}: expected a non-empty list of strings, got {rows!r}")
    n = len(rows)
    walls, agent, goal, direction = [], None, None, 0
    for y, row in enumerate(rows):
        if len(row) != n:
            raise ValueError(f"{name}: row {y} has {len(row)} cells, expected {n} (the layout must be square)")
        for x, ch in enumerate(row):
            if ch == "#":
                walls.append([x, y])
            elif ch == "G":
                if goal is not None:
                    raise ValueError(f"{name}: a second goal at ({x}, {y})")
                goal = [x, y]
            elif ch in _DIRECTIONS:
                if agent is not None:
                    raise ValueError(f"{name}: a second agent at ({x}, {y})")
                agent, direction = [x, y], _DIRECTIONS[ch]
            elif ch != ".":
                raise ValueError(
                    f"{name}: unknown character {ch!r} at ({x}, {y}); allowed: '#', '.', 'G', '>', 'v', '<', '^'"
                )
    if agent is None or goal is None:
        raise ValueError(f"{name}: needs one agent ('>', 'v', '<', '^') and one goal ('G')")
    level = {"size": n, "agent": agent, "agent_dir": direction, "goal": goal, "walls": walls}
    return AnySizeMazeSpace().check(level, name)


@cache
def held_out_mazes() -> dict[str, MazeLevel]:
    """The hand-made held-out mazes shipped with the package, by name (see the data file)."""
    text = resources.files("autocurriculum.environments").joinpath("data", HELD_OUT_FILE).read_text()
    data = yaml.safe_load(text)
    return {name: parse_layout(rows, f"{HELD_OUT_FILE}: {name}") for name, rows in data["mazes"].items()}
