"""Structured levels: navigation mazes on an ``N x N`` grid and their task space.

A :class:`MazeLevel` is plain, hashable data: the grid size ``N`` (the interior is ``N x N``
cells, coordinates ``(x, y)`` in ``[0, N)``, ``x`` to the right and ``y`` down, as minigrid),
the agent's start cell and direction (minigrid's: 0 right, 1 down, 2 left, 3 up), the goal cell
and the sorted wall cells. :class:`MazeLevelSpace` is the :class:`~autocurriculum.teachers.spaces.TaskSpace`
of such levels with at most ``max_walls`` walls, as in the UED papers' mazes:

* PAIRED (Dennis et al., NeurIPS 2020) and Robust PLR (Jiang et al., NeurIPS 2021): a 13 x 13
  interior (15 x 15 with the border); domain randomisation places up to 25 walls, PAIRED's
  adversary places walls one step at a time;
* ACCEL (Parker-Holder et al., ICML 2022): the same grid with up to 60 walls, edits that add or
  remove a wall or move the goal;
* SFL (Rutherford et al., NeurIPS 2024): 13 x 13 with up to 60 walls.

The space checks membership with errors naming the field (``walls[3]``, ``goal``...), samples
with the caller's generator (:meth:`MazeLevelSpace.sample`, the papers' domain randomisation),
edits levels for ACCEL (:meth:`MazeLevelSpace.edit`), encodes a level as a fixed-length integer
sequence for sequence models (:meth:`MazeLevelSpace.encode` / :meth:`MazeLevelSpace.decode`)
and round-trips through plain data (:meth:`MazeLevel.to_dict` / :meth:`MazeLevel.from_dict`).

A level whose goal the agent cannot reach is a member of the space (generators produce them,
and regret-based teachers must learn to avoid them); :meth:`MazeLevelSpace.solvable` tells it,
and the maze environment reports it in ``info["solvable"]``.
"""

from __future__ import annotations

import weakref
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from autocurriculum.teachers.spaces import TaskSpace
from autocurriculum.teachers.validation import is_int

__all__ = [
    "MAX_MAZE_SIZE",
    "CELL_AGENT",
    "CELL_EMPTY",
    "CELL_GOAL",
    "CELL_WALL",
    "MazeLevel",
    "MazeLevelSpace",
    "check_rows",
    "level_grid",
    "row_task",
    "shortest_path_length",
    "task_row",
]

#: Cell codes of :func:`level_grid`.
CELL_EMPTY, CELL_WALL, CELL_GOAL, CELL_AGENT = 0, 1, 2, 3

#: Moves of the 4-neighbourhood, in minigrid's direction order (right, down, left, up).
_MOVES = ((1, 0), (0, 1), (-1, 0), (0, -1))

_LEVEL_KEYS = ("size", "agent", "agent_dir", "goal", "walls")


#: Levels that passed :meth:`MazeLevelSpace.check`, by ``(id(level), size, max_walls)``: a
#: teacher and the task wrapper check the same level object several times per episode, and
#: the checks are pure Python. Entries vanish with their level (weak values), and a hit needs
#: the very same object (``is``), so an equal-looking level built otherwise is checked in full.
_CHECKED: weakref.WeakValueDictionary[tuple[int, int, int], MazeLevel] = weakref.WeakValueDictionary()


@dataclass(frozen=True)
class MazeLevel:
    """One maze: grid size, agent start and direction, goal, wall cells (plain, hashable data).

    Build levels through :meth:`MazeLevelSpace.check` (or :meth:`from_dict`), which validate
    them; the constructor stores what it is given.

    Attributes
    ----------
    size:
        ``N``: the interior is ``N x N`` cells.
    agent:
        Start cell ``(x, y)``.
    agent_dir:
        Start direction, 0 right, 1 down, 2 left, 3 up (minigrid's).
    goal:
        Goal cell ``(x, y)``.
    walls:
        Wall cells, sorted, without duplicates, not on the agent or the goal.
    """

    size: int
    agent: tuple[int, int]
    agent_dir: int
    goal: tuple[int, int]
    walls: tuple[tuple[int, int], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """Plain data for YAML, JSON and logs: ``{"size", "agent", "agent_dir", "goal", "walls"}``."""
        return {
            "size": int(self.size),
            "agent": [int(v) for v in self.agent],
            "agent_dir": int(self.agent_dir),
            "goal": [int(v) for v in self.goal],
            "walls": [[int(x), int(y)] for x, y in self.walls],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], name: str = "level") -> MazeLevel:
        """Rebuild a level from :meth:`to_dict` output, checking every field's type and shape.

        Walls are sorted; the grid rules (cells inside the grid, no duplicates, nothing on the
        agent or goal) are :meth:`MazeLevelSpace.check`'s, which calls this.
        """
        if not isinstance(data, Mapping):
            raise TypeError(f"{name}: expected a mapping with keys {list(_LEVEL_KEYS)}, got {data!r}")
        missing = [k for k in _LEVEL_KEYS if k not in data]
        extra = sorted(str(k) for k in data if k not in _LEVEL_KEYS)
        if missing or extra:
            raise ValueError(
                f"{name}: keys {sorted(map(str, data))} do not match {list(_LEVEL_KEYS)}"
                + (f" (missing {missing})" if missing else "")
                + (f" (unknown {extra})" if extra else "")
            )
        size = data["size"]
        if not is_int(size):
            raise TypeError(f"{name}.size: expected an integer, got {size!r}")
        agent_dir = data["agent_dir"]
        if not is_int(agent_dir):
            raise TypeError(f"{name}.agent_dir: expected an integer in 0..3, got {agent_dir!r}")
        walls_in = data["walls"]
        if isinstance(walls_in, (str, bytes)) or not isinstance(walls_in, (Sequence, np.ndarray)):
            raise TypeError(f"{name}.walls: expected a sequence of [x, y] cells, got {walls_in!r}")
        walls = tuple(sorted(_cell(w, f"{name}.walls[{i}]") for i, w in enumerate(walls_in)))
        return cls(
            size=int(size),
            agent=_cell(data["agent"], f"{name}.agent"),
            agent_dir=int(agent_dir),
            goal=_cell(data["goal"], f"{name}.goal"),
            walls=walls,
        )


def _cell(value: Any, name: str) -> tuple[int, int]:
    """``(x, y)`` from a pair of integers, or a TypeError naming ``name``."""
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence) or len(value) != 2:
        raise TypeError(f"{name}: expected a cell [x, y] of two integers, got {value!r}")
    x, y = value
    if not (is_int(x) and is_int(y)):
        raise TypeError(f"{name}: expected a cell [x, y] of two integers, got {value!r}")
    return (int(x), int(y))


def level_grid(level: MazeLevel) -> np.ndarray:
    """The level as an ``(N, N)`` uint8 array indexed ``[y, x]``.

    Codes: :data:`CELL_EMPTY` 0, :data:`CELL_WALL` 1, :data:`CELL_GOAL` 2, :data:`CELL_AGENT` 3.
    """
    grid = np.zeros((level.size, level.size), dtype=np.uint8)
    for x, y in level.walls:
        grid[y, x] = CELL_WALL
    grid[level.goal[1], level.goal[0]] = CELL_GOAL
    grid[level.agent[1], level.agent[0]] = CELL_AGENT
    return grid


def shortest_path_length(level: MazeLevel) -> int | None:
    """Number of moves from the agent to the goal on the 4-neighbourhood (breadth-first search).

    ``None`` when the goal is unreachable. Turning costs no move here; minigrid's agent also
    needs turn actions, so an episode takes at least this many steps.
    """
    n = level.size
    blocked = np.zeros((n, n), dtype=bool)
    for x, y in level.walls:
        blocked[y, x] = True
    start, goal = level.agent, level.goal
    dist = {start: 0}
    queue = deque([start])
    while queue:
        cell = queue.popleft()
        if cell == goal:
            return dist[cell]
        x, y = cell
        for dx, dy in _MOVES:
            nx, ny = x + dx, y + dy
            if 0 <= nx < n and 0 <= ny < n and not blocked[ny, nx] and (nx, ny) not in dist:
                dist[(nx, ny)] = dist[cell] + 1
                queue.append((nx, ny))
    return None


#: The largest maze interior accepted (held-out mazes in the UED papers go up to 51 x 51; a grid
#: of tens of thousands of cells per side would take minutes and gigabytes to build).
MAX_MAZE_SIZE = 128


class MazeLevelSpace(TaskSpace):
    """Mazes on an ``N x N`` interior with at most ``max_walls`` wall cells.

    Parameters
    ----------
    size:
        ``N`` (>= 3). Default 7: a 9 x 9 minigrid with its border, small enough for PPO to learn
        on a 2-core CPU in minutes. The papers use 13 (PAIRED, Robust PLR, ACCEL, SFL).
    max_walls:
        Wall budget, ``0 <= max_walls <= N * N - 2``. Default 12: 24 % of the cells, between the
        papers' 25 / 169 = 15 % and 60 / 169 = 36 %.

    Notes
    -----
    Tasks are :class:`MazeLevel` instances. :meth:`check` also accepts a level's
    :meth:`MazeLevel.to_dict` and its :meth:`encode` output, and returns the canonical level
    (walls sorted). Unreachable goals are allowed (see :meth:`solvable`).

    The integer encoding (:meth:`encode`) has :attr:`encoding_length` ``= 3 + max_walls`` tokens
    ``[goal, agent, agent_dir, wall_1, ..., wall_k, pad, ..., pad]``: cells are ``y * N + x``
    in ``0 .. N*N - 1``, the direction is a token 0..3, wall cells are sorted (the order-invariant
    encoding CLUTR uses), and :attr:`pad` ``= N * N`` fills the rest; :attr:`vocab_size` is
    ``N * N + 1``.

    Examples
    --------
    >>> space = MazeLevelSpace(size=5, max_walls=4)
    >>> level = space.check({"size": 5, "agent": [0, 0], "agent_dir": 0, "goal": [4, 4], "walls": [[2, 2]]})
    >>> space.decode(space.encode(level)) == level
    True
    """

    kind = "maze"

    def __init__(self, size: int = 7, max_walls: int = 12) -> None:
        if not is_int(size) or not 3 <= size <= MAX_MAZE_SIZE:
            raise ValueError(
                f"MazeLevelSpace.size: expected an integer in [3, {MAX_MAZE_SIZE}], got {size!r} "
                "(a minigrid of N x N cells is built per environment copy)"
            )
        if not is_int(max_walls) or not 0 <= max_walls <= size * size - 2:
            raise ValueError(
                f"MazeLevelSpace.max_walls: expected an integer in [0, {size * size - 2}] "
                f"(the cells left besides the agent and the goal), got {max_walls!r}"
            )
        self.size = int(size)
        self.max_walls = int(max_walls)

    # ------------------------------------------------------------------ encoding constants
    @property
    def n_cells(self) -> int:
        """``N * N``."""
        return self.size * self.size

    @property
    def pad(self) -> int:
        """The padding token of :meth:`encode` (``N * N``)."""
        return self.n_cells

    @property
    def vocab_size(self) -> int:
        """Number of distinct tokens: the ``N * N`` cells and the padding token."""
        return self.n_cells + 1

    @property
    def encoding_length(self) -> int:
        """Length of :meth:`encode`'s output: goal, agent, direction and ``max_walls`` wall slots."""
        return 3 + self.max_walls

    # ------------------------------------------------------------------ membership
    def check(self, task: Any, name: str = "task") -> MazeLevel:
        if isinstance(task, MazeLevel):
            if _CHECKED.get((id(task), self.size, self.max_walls)) is task:
                return task  # this very object passed the checks below for this space already
            level = task
        elif isinstance(task, Mapping):
            level = MazeLevel.from_dict(task, name)
        elif isinstance(task, (np.ndarray, list, tuple)):
            return self.decode(task, strict=True, name=name)
        else:
            raise TypeError(f"{name}: expected a MazeLevel, its to_dict() or its encoding for {self!r}, got {task!r}")
        return self._check_level(level, name)

    def _check_level(self, level: MazeLevel, name: str) -> MazeLevel:
        n = self.size
        if not is_int(level.size) or level.size != n:
            raise ValueError(f"{name}.size: got {level.size!r}; this space's mazes are {n} x {n}")
        if not is_int(level.agent_dir) or not 0 <= level.agent_dir <= 3:
            raise ValueError(
                f"{name}.agent_dir: got {level.agent_dir!r}; allowed: 0 (right), 1 (down), 2 (left), 3 (up)"
            )
        for field_name in ("agent", "goal"):
            self._check_cell(getattr(level, field_name), f"{name}.{field_name}")
        if level.agent == level.goal:
            raise ValueError(f"{name}.goal: {list(level.goal)} is the agent's start cell; they must differ")
        walls = level.walls
        if len(walls) > self.max_walls:
            raise ValueError(f"{name}.walls: {len(walls)} walls exceed this space's budget max_walls={self.max_walls}")
        canonical = tuple(sorted(walls))
        for i, cell in enumerate(canonical):
            self._check_cell(cell, f"{name}.walls[{i}]")
            if i and canonical[i - 1] == cell:
                raise ValueError(f"{name}.walls[{i}]: {list(cell)} appears twice; walls must be distinct cells")
            if cell == level.goal:
                raise ValueError(f"{name}.walls[{i}]: {list(cell)} is the goal cell; the goal cannot be on a wall")
            if cell == level.agent:
                raise ValueError(f"{name}.walls[{i}]: {list(cell)} is the agent's start cell; it cannot be a wall")
        if canonical != walls:
            level = MazeLevel(level.size, level.agent, level.agent_dir, level.goal, canonical)
        _CHECKED[(id(level), n, self.max_walls)] = level
        return level

    def _check_cell(self, cell: Any, name: str) -> None:
        n = self.size
        ok = (
            isinstance(cell, tuple)
            and len(cell) == 2
            and is_int(cell[0])
            and is_int(cell[1])
            and 0 <= cell[0] < n
            and 0 <= cell[1] < n
        )
        if not ok:
            raise ValueError(f"{name}: {cell!r} lies outside the grid; cells are (x, y) with 0 <= x, y < {n}")

    def solvable(self, level: Any) -> bool:
        """Whether the agent can reach the goal (breadth-first search on the 4-neighbourhood)."""
        return shortest_path_length(self.check(level, "level")) is not None

    # ------------------------------------------------------------------ generation and edits
    def sample(self, rng: np.random.Generator) -> MazeLevel:
        """A uniformly random level, the papers' domain randomisation.

        The number of walls is uniform in ``[0, max_walls]``; the walls, the goal and the agent
        take distinct cells drawn uniformly; the direction is uniform. (The reference places
        walls one by one, possibly on the same cell twice, so it has slightly fewer walls on
        average.) The level may be unsolvable.
        """
        k = int(rng.integers(0, self.max_walls + 1))
        cells = rng.choice(self.n_cells, size=k + 2, replace=False)
        return self._from_cells(int(cells[0]), int(cells[1]), int(rng.integers(4)), cells[2:])

    def sample_solvable(self, rng: np.random.Generator, max_tries: int = 1000) -> MazeLevel:
        """A level of :meth:`sample` conditioned on being solvable (rejection sampling)."""
        for _ in range(max_tries):
            level = self.sample(rng)
            if shortest_path_length(level) is not None:
                return level
        raise RuntimeError(f"sample_solvable: no solvable level in {max_tries} draws from {self!r}")

    def edit(self, level: Any, rng: np.random.Generator, n_edits: int = 1, move_goal_prob: float = 0.1) -> MazeLevel:
        """ACCEL's random edits (Parker-Holder et al. 2022): ``n_edits`` times, change one thing.

        Each edit moves the goal to a uniformly drawn free cell with probability
        ``move_goal_prob`` (our default 0.1), and otherwise toggles a uniformly drawn cell other
        than the agent's and the goal's: a wall is removed, a free cell becomes a wall (when the
        budget is spent, a uniformly drawn existing wall is removed instead). Every result is a
        member of the space.
        """
        level = self.check(level, "level")
        if not is_int(n_edits) or n_edits < 1:
            raise ValueError(f"edit: n_edits must be a positive integer, got {n_edits!r}")
        if not 0.0 <= float(move_goal_prob) <= 1.0:
            raise ValueError(f"edit: move_goal_prob must lie in [0, 1], got {move_goal_prob!r}")
        n = self.size
        agent = level.agent[1] * n + level.agent[0]
        goal = level.goal[1] * n + level.goal[0]
        walls = {y * n + x for x, y in level.walls}
        for _ in range(int(n_edits)):
            if rng.random() < move_goal_prob:
                free = np.setdiff1d(np.arange(self.n_cells), np.fromiter(walls | {agent, goal}, dtype=np.int64))
                if free.size:
                    goal = int(free[rng.integers(free.size)])
                continue
            cell = int(rng.integers(self.n_cells - 2))
            for taken in sorted((agent, goal)):  # skip the agent's and the goal's cells
                if cell >= taken:
                    cell += 1
            if cell in walls:
                walls.remove(cell)
            elif len(walls) < self.max_walls:
                walls.add(cell)
            elif walls:
                walls.remove(sorted(walls)[int(rng.integers(len(walls)))])
        return self._from_cells(goal, agent, level.agent_dir, sorted(walls))

    def _from_cells(self, goal: int, agent: int, agent_dir: int, walls: Any) -> MazeLevel:
        """A level from cell indices (``y * N + x``); the caller guarantees validity."""
        n = self.size
        wall_cells = tuple(sorted((int(c) % n, int(c) // n) for c in walls))
        return MazeLevel(n, (agent % n, agent // n), int(agent_dir), (goal % n, goal // n), wall_cells)

    # ------------------------------------------------------------------ integer encoding
    def encode(self, level: Any) -> np.ndarray:
        """The fixed-length int64 encoding ``[goal, agent, agent_dir, sorted walls..., pad...]``."""
        level = self.check(level, "level")
        n = self.size
        out = np.full(self.encoding_length, self.pad, dtype=np.int64)
        out[0] = level.goal[1] * n + level.goal[0]
        out[1] = level.agent[1] * n + level.agent[0]
        out[2] = level.agent_dir
        out[3 : 3 + len(level.walls)] = sorted(y * n + x for x, y in level.walls)
        return out

    def decode(self, codes: Any, *, strict: bool = False, name: str = "codes") -> MazeLevel:
        """The level of an encoding.

        With ``strict=True`` only exact :meth:`encode` outputs are accepted (the inverse of
        :meth:`encode`; any other sequence raises a ValueError naming the position). The default
        is tolerant, for sequences a generator produced: wall tokens may come in any order and
        include padding anywhere; duplicate walls and walls on the agent's or goal's cell are
        dropped; an agent on the goal's cell moves to the next free cell in row-major order
        (wrapping around); the direction token is taken modulo 4. Tokens outside
        ``0 .. vocab_size - 1``, a padding token as goal or agent, or a sequence of the wrong
        length are errors either way.
        """
        arr = np.asarray(codes)
        if arr.shape != (self.encoding_length,):
            raise ValueError(
                f"{name}: expected an encoding of shape ({self.encoding_length},) for {self!r}, got shape {arr.shape}"
            )
        if arr.dtype.kind not in "iu":
            raise TypeError(f"{name}: expected integer tokens, got dtype {arr.dtype}")
        arr = arr.astype(np.int64)
        bad = np.flatnonzero((arr < 0) | (arr > self.pad))
        if bad.size:
            i = int(bad[0])
            raise ValueError(f"{name}[{i}]: token {int(arr[i])} lies outside [0, {self.pad}] (cells and the pad token)")
        goal, agent, direction = int(arr[0]), int(arr[1]), int(arr[2])
        for pos, what, token in ((0, "goal", goal), (1, "agent", agent)):
            if token == self.pad:
                raise ValueError(f"{name}[{pos}]: the {what} token is the pad token {self.pad}; it must be a cell")
        wall_tokens = arr[3:]
        if strict:
            self._check_strict(arr, name)
            return self._from_cells(goal, agent, direction, wall_tokens[wall_tokens != self.pad])
        direction %= 4
        if agent == goal:
            agent = self._next_free(goal, wall_tokens)
        walls = {int(t) for t in wall_tokens if t != self.pad} - {agent, goal}
        return self._from_cells(goal, agent, direction, sorted(walls))

    def _check_strict(self, arr: np.ndarray, name: str) -> None:
        if arr[2] > 3:
            raise ValueError(f"{name}[2]: direction token {int(arr[2])} is not 0..3")
        if arr[0] == arr[1]:
            raise ValueError(f"{name}[1]: the agent's cell {int(arr[1])} is the goal's; they must differ")
        walls = arr[3:]
        k = int(np.count_nonzero(walls != self.pad))
        if np.any(walls[k:] != self.pad):
            raise ValueError(f"{name}: wall tokens must come first and padding last, got {walls.tolist()}")
        for i in range(k):
            pos = 3 + i
            if i and walls[i] <= walls[i - 1]:
                raise ValueError(f"{name}[{pos}]: wall tokens must be strictly increasing, got {walls[:k].tolist()}")
            if walls[i] in (arr[0], arr[1]):
                raise ValueError(f"{name}[{pos}]: wall cell {int(walls[i])} is the goal's or the agent's")

    def _next_free(self, goal: int, wall_tokens: np.ndarray) -> int:
        """The first cell after ``goal`` in row-major order (wrapping) that is not a wall."""
        walls = {int(t) for t in wall_tokens}
        for step in range(1, self.n_cells):
            cell = (goal + step) % self.n_cells
            if cell not in walls:
                return cell
        return (goal + 1) % self.n_cells  # every other cell is a wall: that wall gets dropped

    # ------------------------------------------------------------------ plain data
    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "size": self.size, "max_walls": self.max_walls}

    def invalid_examples(self) -> list[Any]:
        n = self.size
        base = {"size": n, "agent": [0, 0], "agent_dir": 0, "goal": [n - 1, n - 1], "walls": []}
        return [
            {**base, "walls": [[n, 0]]},  # wall outside the grid
            {**base, "walls": [[n - 1, n - 1]]},  # goal on a wall
            {**base, "size": n + 1, "goal": [n, n]},  # wrong size
            {**base, "agent_dir": 4},
            np.zeros(self.encoding_length + 1, dtype=np.int64),
            "not a task",
        ]

    def equal_tasks(self, a: Any, b: Any) -> bool:
        return self.check(a, "a") == self.check(b, "b")

    def to_plain(self, task: Any) -> dict[str, Any]:
        return self.check(task).to_dict()


def task_row(space: TaskSpace, task: Any) -> Any:
    """A task as teachers store it in arrays and state dicts: a level's encoding, else the task.

    Box tasks are float vectors and discrete tasks integers already; a
    :class:`MazeLevel` becomes :meth:`MazeLevelSpace.encode`'s int64 array.
    """
    return space.encode(task) if isinstance(space, MazeLevelSpace) else task


def row_task(space: TaskSpace, row: Any) -> Any:
    """The inverse of :func:`task_row`: a box vector (copied), an integer id, or the decoded level."""
    if isinstance(space, MazeLevelSpace):
        return space.decode(np.asarray(row, dtype=np.int64), strict=True)
    if np.ndim(row) == 0:
        return int(row)
    return np.array(row, dtype=np.float64)


def check_rows(space: TaskSpace, rows: Any, name: str) -> None:
    """Raise ValueError unless every stored row of a level space decodes strictly (loaded state dicts)."""
    if isinstance(space, MazeLevelSpace):
        for i, row in enumerate(np.asarray(rows)):
            space.decode(row, strict=True, name=f"{name}[{i}]")
