"""Any gymnasium environment's physical parameters as a task space.

:class:`PhysicalParameters` wraps an environment nobody wrote for a teacher and exposes named
attributes of its unwrapped environment (dotted paths, such as Pendulum's ``g`` and ``m`` or
LunarLander's ``gravity``) as a :class:`~autocurriculum.teachers.spaces.BoxSpace` with the bounds
you give. It follows the task protocol of this package's own environments, so ``with_teacher``
drives it like Stump Tracks: ``set_task(task)`` sets the parameters of every later episode (vector
env autoresets included), ``reset(options={"task": ...})`` sets them for this reset and the next
ones, ``info["task"]`` at reset reports them, and ``set_task(None)`` returns to the environment's
own values.

The attributes are written just before each reset. An environment that reads a parameter at
every step (Pendulum's ``g``, ``m``, ``l``) or rebuilds its world from it at reset
(LunarLander's ``gravity``) then plays the episode with it; one that copies it into internal
state only in its constructor will not notice (check with a test before trusting a new env).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import gymnasium as gym
import numpy as np

from autocurriculum.teachers.spaces import BoxSpace

__all__ = ["PhysicalParameters"]


def _resolve(env: Any, path: str) -> tuple[Any, str]:
    """The object holding the last attribute of ``path`` and that attribute's name."""
    *parents, last = path.split(".")
    obj = env
    for i, part in enumerate(parents):
        if not hasattr(obj, part):
            raise ValueError(
                f"parameters[{path!r}]: {type(env).__name__} has no attribute {'.'.join(parents[: i + 1])!r}"
            )
        obj = getattr(obj, part)
    return obj, last


class PhysicalParameters(gym.Wrapper):
    """Expose attributes of ``env.unwrapped`` as a task space.

    Parameters
    ----------
    env
        Any gymnasium environment.
    parameters
        ``{attribute path: (low, high)}``, in task-dimension order: dotted paths from the
        unwrapped environment (``"g"``, ``"gravity"``, ``"world.some.value"``) to existing
        numeric attributes, with finite bounds ``low < high``. The path is the dimension's name.

    Examples
    --------
    >>> env = PhysicalParameters(gym.make("Pendulum-v1"), {"g": (2.0, 20.0), "m": (0.5, 2.0)})
    >>> list(env.task_space.names)
    ['g', 'm']
    """

    def __init__(self, env: gym.Env, parameters: Mapping[str, tuple[float, float]]) -> None:
        super().__init__(env)
        if not isinstance(parameters, Mapping) or not parameters:
            raise ValueError(f"parameters: expected a non-empty mapping {{attribute path: (low, high)}}, got {parameters!r}")
        lows, highs = [], []
        self._targets: list[tuple[Any, str]] = []
        defaults = []
        for path, bounds in parameters.items():
            if not isinstance(path, str) or not path:
                raise TypeError(f"parameters: attribute paths are non-empty strings, got {path!r}")
            try:
                low, high = (float(b) for b in bounds)
            except (TypeError, ValueError):
                raise ValueError(f"parameters[{path!r}]: expected (low, high), got {bounds!r}") from None
            if not (math.isfinite(low) and math.isfinite(high) and low < high):
                raise ValueError(f"parameters[{path!r}]: expected finite low < high, got ({low}, {high})")
            holder, name = _resolve(env.unwrapped, path)
            if not hasattr(holder, name):
                raise ValueError(f"parameters[{path!r}]: {type(env.unwrapped).__name__} has no attribute {path!r}")
            value = getattr(holder, name)
            if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
                raise TypeError(f"parameters[{path!r}]: the attribute is {value!r}, not a number")
            lows.append(low)
            highs.append(high)
            self._targets.append((holder, name))
            defaults.append(float(value))
        self.task_space = BoxSpace(lows, highs, names=list(parameters))
        self.defaults = np.array(defaults)
        self._next_task: np.ndarray | None = None

    def set_task(self, task: Any) -> None:
        """Parameters of every later episode: a vector or ``{path: value}`` inside the bounds; ``None``: the env's own."""
        self._next_task = None if task is None else np.array(self.task_space.check(task, "task"), dtype=np.float64)

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> tuple[Any, dict[str, Any]]:
        options = dict(options or {})
        if "task" in options:
            self.set_task(options.pop("task"))
        task = self.defaults if self._next_task is None else self._next_task
        for (holder, name), value in zip(self._targets, task, strict=True):
            setattr(holder, name, float(value))
        obs, info = self.env.reset(seed=seed, options=options or None)
        info["task"] = task.copy()
        return obs, info
