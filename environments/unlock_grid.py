"""The unlock grid: a simulated student for comparing teachers in seconds, without any RL.

The "toy environment" of Portelas et al., CoRL 2019 (teachDeepRL), restated with its rules made
exact:

* the task space ``[0, 1]^d`` is split into ``n`` equal bins per dimension (``n^d`` cells); bin
  ``i`` holds ``[i/n, (i+1)/n)`` including its lower edge ``i/n`` exactly as a float, and the last
  bin also holds 1.0 (the reference's floating-point ``arange`` added a spurious bin for some n);
* every cell has an integer competence 0..100, all 0 at the start;
* an episode on task ``p`` updates its cell ``c``: the origin cell always gains 1; any other cell
  gains 1 only if one of its *previous neighbours* has competence >= 75, a previous neighbour
  being any cell ``c' != c`` with ``c'_i`` in ``{c_i, max(0, c_i - 1)}`` for every ``i``
  (diagonals included); competence is capped at 100 and never decreases;
* the episode's reward is ``competence[c] / 100`` after the update (deterministic);
* a cell is mastered when its competence is > 75; the metric is the % of mastered cells.

A perfect teacher masters all cells in ``76 * n^d`` episodes.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from autocurriculum.teachers.base import Teacher
from autocurriculum.teachers.spaces import BoxSpace
from autocurriculum.teachers.validation import is_int

__all__ = ["GridRun", "UnlockGrid", "run_teacher"]

UNLOCK_THRESHOLD = 75  # a previous neighbour at >= 75 unlocks a cell
MASTERY_THRESHOLD = 75  # a cell with > 75 counts as mastered
MAX_COMPETENCE = 100


#: Most task dimensions of the grid (each cell checks ``2^d - 1`` previous neighbours).
MAX_DIMENSIONS = 10
#: Most cells ``n^d`` of the grid (one integer of competence each).
MAX_CELLS = 1_000_000


class UnlockGrid:
    """Simulated student over ``[0, 1]^d`` with ``n`` bins per dimension.

    Parameters
    ----------
    d:
        Number of task dimensions (default 2).
    n:
        Bins per dimension (default 10).

    Examples
    --------
    >>> grid = UnlockGrid(d=2, n=10)
    >>> grid.play([0.05, 0.05])
    0.01
    >>> grid.mastered_percent()
    0.0
    """

    def __init__(self, d: int = 2, n: int = 10) -> None:
        for name, v in (("d", d), ("n", n)):
            if not is_int(v) or v < 1:
                raise ValueError(f"UnlockGrid.{name}: expected a positive integer, got {v!r}")
        if d > MAX_DIMENSIONS:
            raise ValueError(
                f"UnlockGrid.d: {d} dimensions; at most {MAX_DIMENSIONS} (each cell has 2^d - 1 previous neighbours)"
            )
        if n**d > MAX_CELLS:
            raise ValueError(
                f"UnlockGrid.n: {n} bins in {d} dimensions make {n**d} cells; at most {MAX_CELLS:,} (lower n or d)"
            )
        self.d = int(d)
        self.n = int(n)
        self.task_space = BoxSpace([0.0] * self.d, [1.0] * self.d, names=[f"x{i}" for i in range(self.d)])
        self.competence = np.zeros((self.n,) * self.d, dtype=np.int64)
        self.edges = np.arange(self.n + 1) / self.n  # exact lower edges i/n, as floats
        # Offsets to previous neighbours: every non-zero vector in {0, 1}^d.
        self._offsets = np.array([o for o in itertools.product((0, 1), repeat=self.d) if any(o)], dtype=np.int64)
        self.n_episodes = 0

    def cell_of(self, task: Any) -> tuple[int, ...]:
        """The cell (one bin index per dimension) that holds ``task``."""
        x = self.task_space.check(task)
        idx = np.minimum(np.floor(x * self.n).astype(np.int64), self.n - 1)
        # Correct floating-point rounding against the exact lower edges i/n.
        lower = self.edges[idx]
        idx = np.where(x < lower, idx - 1, idx)
        upper = self.edges[np.minimum(idx + 1, self.n)]
        idx = np.where((x >= upper) & (idx < self.n - 1), idx + 1, idx)
        return tuple(int(i) for i in idx)

    def previous_neighbours(self, cell: tuple[int, ...]) -> list[tuple[int, ...]]:
        """Cells ``c' != c`` with ``c'_i`` in ``{c_i, max(0, c_i - 1)}`` for every ``i``."""
        c = np.asarray(cell, dtype=np.int64)
        nbrs = np.maximum(c[None, :] - self._offsets, 0)
        unique = {tuple(int(v) for v in row) for row in nbrs}
        unique.discard(tuple(int(v) for v in c))
        return sorted(unique)

    def is_unlocked(self, cell: tuple[int, ...]) -> bool:
        if not any(cell):
            return True
        return any(self.competence[nb] >= UNLOCK_THRESHOLD for nb in self.previous_neighbours(cell))

    def play(self, task: Any) -> float:
        """Play one episode on ``task``: update its cell, return ``competence / 100``."""
        cell = self.cell_of(task)
        if self.competence[cell] < MAX_COMPETENCE and self.is_unlocked(cell):
            self.competence[cell] += 1
        self.n_episodes += 1
        return float(self.competence[cell]) / MAX_COMPETENCE

    def mastered_percent(self) -> float:
        """Percentage of cells with competence > 75."""
        return 100.0 * float(np.mean(self.competence > MASTERY_THRESHOLD))

    def state_dict(self) -> dict[str, Any]:
        return {"d": self.d, "n": self.n, "competence": self.competence.copy(), "n_episodes": self.n_episodes}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        if (state["d"], state["n"]) != (self.d, self.n):
            raise ValueError(
                f"UnlockGrid.load_state_dict: state is for d={state['d']}, n={state['n']}, not d={self.d}, n={self.n}"
            )
        self.competence = np.asarray(state["competence"], dtype=np.int64).copy()
        self.n_episodes = int(state["n_episodes"])


@dataclass
class GridRun:
    """Result of :func:`run_teacher`: % mastered after every ``report_every`` episodes, and costs.

    ``call_ns`` holds, per episode, the nanoseconds spent in ``teacher.sample()`` plus
    ``teacher.update()`` (wall clock; the student's own time is excluded); ``call_cpu_ns`` the same
    calls' CPU time of this thread, which a busy machine does not inflate.
    """

    episodes: list[int]
    mastered: list[float]
    call_ns: np.ndarray
    call_cpu_ns: np.ndarray | None = None


def run_teacher(teacher: Teacher, grid: UnlockGrid, n_episodes: int, report_every: int = 1000) -> GridRun:
    """Let ``teacher`` train ``grid`` for ``n_episodes``, one lesson and one update per episode."""
    if teacher.task_space != grid.task_space:
        raise ValueError(
            f"run_teacher: the teacher's task space {teacher.task_space!r} is not the grid's {grid.task_space!r}"
        )
    clock, cpu = time.perf_counter_ns, time.thread_time_ns
    call_ns = np.empty(n_episodes, dtype=np.int64)
    call_cpu_ns = np.empty(n_episodes, dtype=np.int64)
    episodes: list[int] = []
    mastered: list[float] = []
    for ep in range(n_episodes):
        c0, t0 = cpu(), clock()
        lesson = teacher.sample()
        t1, c1 = clock(), cpu()
        reward = grid.play(lesson.task)
        c2, t2 = cpu(), clock()
        teacher.update(lesson, reward)
        call_ns[ep] = (t1 - t0) + (clock() - t2)
        call_cpu_ns[ep] = (c1 - c0) + (cpu() - c2)
        if (ep + 1) % report_every == 0:
            episodes.append(ep + 1)
            mastered.append(grid.mastered_percent())
    return GridRun(episodes, mastered, call_ns, call_cpu_ns)
