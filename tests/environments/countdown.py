"""Tiny test environments for the task wrapper, in a module light enough for worker processes.

:class:`Countdown` makes misattribution visible: a task ``[n]`` gives an episode of exactly
``round(n)`` steps whose reward per step is ``n / 10``, and every step's info says which task the
copy is really playing (``info["played"]``).
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np

from autocurriculum.teachers.spaces import BoxSpace

SPACE = BoxSpace([1.0], [12.0], names=["length"])


class CountdownOptions(gym.Env):
    """Takes its task only through ``reset(options={"task": ...})`` (no ``set_task``)."""

    observation_space = gym.spaces.Box(0.0, 20.0, shape=(1,), dtype=np.float32)
    action_space = gym.spaces.Discrete(2)

    def __init__(self) -> None:
        self.task_space = SPACE
        self._next: np.ndarray | None = None
        self._task = np.array([1.0])
        self._left = 0

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> tuple[Any, dict]:
        super().reset(seed=seed)
        if options and "task" in options:
            self._next = np.array(SPACE.check(options["task"]), dtype=np.float64)
        self._task = self._next.copy() if self._next is not None else SPACE.sample(self.np_random)
        self._left = round(float(self._task[0]))
        return np.array([self._left], dtype=np.float32), {"task": self._task.copy()}

    def step(self, action: Any) -> tuple[Any, float, bool, bool, dict]:
        self._left -= 1
        obs = np.array([self._left], dtype=np.float32)
        return obs, float(self._task[0]) / 10.0, self._left == 0, False, {"played": self._task.copy()}


class Countdown(CountdownOptions):
    """:class:`CountdownOptions` with ``set_task`` (kept for every later reset)."""

    def set_task(self, task: Any) -> None:
        self._next = np.array(SPACE.check(task), dtype=np.float64)


class Stubborn(Countdown):
    """Ignores ``set_task``: plays random tasks. The wrapper must notice."""

    def set_task(self, task: Any) -> None:
        pass
