"""The task handling every parametric environment of this package shares.

An environment with a ``task_space`` takes its task through ``set_task(task)`` (kept for every
later reset, which vector-env autoresets rely on) or ``reset(options={"task": ...})``, and
draws a random task from its own ``np_random`` when it was never given one.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from autocurriculum.teachers.spaces import BoxSpace

__all__ = ["TaskEnvMixin"]


class TaskEnvMixin:
    """``set_task``, ``task`` and the choice of each episode's task, for a ``gymnasium.Env``.

    The environment sets ``task_space`` (a :class:`~autocurriculum.teachers.spaces.BoxSpace`) and calls
    :meth:`_init_task` in its constructor and :meth:`_episode_task` (or :meth:`_start_task`) in
    ``reset`` after seeding.
    """

    task_space: BoxSpace
    np_random: np.random.Generator

    def _init_task(self) -> None:
        self._next_task: np.ndarray | None = None
        self._task: np.ndarray | None = None

    def set_task(self, task: Any) -> None:
        """Set the task of the next episodes (every later reset, until changed).

        Parameters
        ----------
        task:
            A vector inside :attr:`task_space` or a ``{dimension name: value}`` mapping
            (out-of-range tasks raise ``ValueError``, they are never clipped); ``None`` returns
            to drawing a random task at every reset.
        """
        if task is None:
            self._next_task = None
            return
        self._next_task = np.array(self.task_space.check(task, "task"), dtype=np.float64)

    @property
    def task(self) -> np.ndarray | None:
        """The task of the current episode (``None`` before the first reset)."""
        return None if self._task is None else self._task.copy()

    def _start_task(self) -> np.ndarray:
        """Fix the new episode's task: the one set, or a random one from ``np_random``."""
        self._task = self._next_task.copy() if self._next_task is not None else self.task_space.sample(self.np_random)
        return self._task

    def _episode_task(self, options: Mapping[str, Any] | None) -> np.ndarray:
        """The new episode's task, in ``reset`` after seeding: ``options["task"]`` when given (kept
        for later resets, as :meth:`set_task`), else as :meth:`_start_task`."""
        if options and "task" in options:
            self.set_task(options["task"])
        return self._start_task()
