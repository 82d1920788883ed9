"""Parametric CartPole: gymnasium's CartPole whose physics is the task.

A fast, short-episode environment with a task space, used by the task-wrapper tests and the
wrapper-cost benchmark (``benchmarks/env_throughput.py``). A task is a point of the box

* ``pole_length`` in ``[0.1, 2.0]`` -- half the pole's length in metres (gymnasium's
  ``length``; default 0.5);
* ``pole_mass`` in ``[0.05, 1.0]`` -- the pole's mass in kg (default 0.1);
* ``gravity`` in ``[2.0, 20.0]`` -- m/s^2 (default 9.8).

Dynamics, reward (+1 per step), termination and truncation (500 steps through the registered
``TimeLimit``) are those of gymnasium's ``CartPoleEnv`` (Barto, Sutton & Anderson 1983), which
this class subclasses; only the physical constants change with the task.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from gymnasium.envs.classic_control.cartpole import CartPoleEnv

from autocurriculum.environments.task_env import TaskEnvMixin
from autocurriculum.teachers.spaces import BoxSpace

__all__ = ["ParametricCartPole", "cartpole_task_space"]

#: gymnasium's constants, as a task of :func:`cartpole_task_space`.
DEFAULT_TASK = (0.5, 0.1, 9.8)


def cartpole_task_space() -> BoxSpace:
    """The task space ``(pole_length, pole_mass, gravity)`` of :class:`ParametricCartPole`."""
    return BoxSpace([0.1, 0.05, 2.0], [2.0, 1.0, 20.0], names=["pole_length", "pole_mass", "gravity"])


class ParametricCartPole(TaskEnvMixin, CartPoleEnv):
    """CartPole whose half pole length, pole mass and gravity are set by a task.

    The task reaches the environment through ``reset(options={"task": task})`` or
    :meth:`set_task` (for the next resets): a vector ``[pole_length, pole_mass, gravity]`` or a
    mapping with those names, inside :attr:`task_space` (out-of-range tasks raise
    ``ValueError``; nothing is clipped). The task is kept across later ``reset()`` calls without
    options, so it survives vector-env autoreset. Until a task is given, every reset draws a task
    uniformly from :attr:`task_space` with the environment's own ``np_random``. The episode's task
    is ``info["task"]`` at reset.

    Parameters
    ----------
    render_mode:
        As gymnasium's ``CartPoleEnv`` (``None``, ``"human"``, ``"rgb_array"``).
    sutton_barto_reward:
        As gymnasium's ``CartPoleEnv`` (default ``False``: +1 per step).

    Examples
    --------
    >>> import gymnasium as gym
    >>> import environments
    >>> env = gym.make("autocurriculum/ParametricCartPole-v0")
    >>> obs, info = env.reset(seed=0, options={"task": [1.0, 0.2, 9.8]})
    >>> info["task"].tolist()
    [1.0, 0.2, 9.8]
    """

    def __init__(self, render_mode: str | None = None, sutton_barto_reward: bool = False) -> None:
        super().__init__(sutton_barto_reward=sutton_barto_reward, render_mode=render_mode)
        self.task_space = cartpole_task_space()
        self._init_task()

    def reset(
        self, *, seed: int | None = None, options: Mapping[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        """Start an episode with the current task.

        Parameters
        ----------
        seed:
            Seeds the environment's ``np_random`` (start state and random tasks).
        options:
            ``{"task": task}`` sets the task of this and later episodes; the keys ``low`` and
            ``high`` (start-state bounds) are passed on to ``CartPoleEnv.reset``.
        """
        rest: dict[str, Any] | None = None
        if options:
            unknown = sorted(str(k) for k in options if k not in ("task", "low", "high"))
            if unknown:
                raise ValueError(f"options: unknown keys {unknown}; allowed: ['task', 'low', 'high']")
            if "task" in options:
                self.set_task(options["task"])
            rest = {k: v for k, v in options.items() if k != "task"} or None
        # seed first, so that a random task is drawn from the freshly seeded generator
        obs, info = super().reset(seed=seed, options=rest)
        task = self._start_task()
        self.length = float(task[0])
        self.masspole = float(task[1])
        self.gravity = float(task[2])
        self.total_mass = self.masspole + self.masscart
        self.polemass_length = self.masspole * self.length
        info = dict(info)
        info["task"] = task.copy()
        return obs, info
