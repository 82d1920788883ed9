"""Waypoints: a point mass that must visit three waypoints in order, with a scripted expert.

A fast continuous-control environment with *progress dependency* (Liu et al., "Imitation
Learning from Observation with Automatic Discount Scheduling", ICLR 2024): the second and third
waypoints only count once the first has been visited, so an imitator must learn the expert's
early behaviour before the later one. It is the benchmark environment of ADS and OT imitation
here (``benchmarks/ads_imitation.py``) and runs at tens of thousands of steps per second.

* State: position ``p`` and velocity ``v`` in the plane; the point starts near the origin.
* Action: an acceleration in ``[-1, 1]^2``: ``v <- 0.8 v + 0.2 a``, ``p <- p + 0.1 v``.
* Task (a point of :func:`waypoints_task_space`): ``waypoint_distance`` ``d`` in ``[0.3, 1.0]``
  and ``turn_angle`` ``theta`` in ``[0, pi]``; the waypoints are ``w_1 = d (1, 0)`` and
  ``w_{k+1} = w_k + d (cos k theta, sin k theta)``.
* Reward: +1 when the point comes within 0.1 of the next waypoint (in order); the return is
  the number of waypoints visited in order (0 to 3); ``info["is_success"]`` once all three are.
* Observation: ``[p_x, p_y, v_x, v_y, visited / 3]`` (float32).
* Episodes last 100 steps (the registered ``TimeLimit``); they do not end at success, so every
  episode has the same length (what ADS's progress recognizer compares).

:func:`expert_action` is a proportional-derivative controller towards the next waypoint that
visits all three within 100 steps for every task; :func:`expert_demonstrations` records its
observation sequences (from the reset on).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from autocurriculum.environments.task_env import TaskEnvMixin
from autocurriculum.teachers.spaces import BoxSpace

__all__ = ["Waypoints", "expert_action", "expert_demonstrations", "waypoints_task_space"]

N_WAYPOINTS = 3
REACH = 0.1
EPISODE_STEPS = 100
WAYPOINTS_ID = "autocurriculum/Waypoints-v0"


def waypoints_task_space() -> BoxSpace:
    """``(waypoint_distance, turn_angle)`` of :class:`Waypoints`."""
    return BoxSpace([0.3, 0.0], [1.0, math.pi], names=["waypoint_distance", "turn_angle"])


def waypoint_positions(task: np.ndarray) -> np.ndarray:
    """The three waypoints of a task, ``(3, 2)``."""
    d, theta = float(task[0]), float(task[1])
    points = np.zeros((N_WAYPOINTS, 2))
    position = np.zeros(2)
    for k in range(N_WAYPOINTS):
        position = position + d * np.array([math.cos(k * theta), math.sin(k * theta)])
        points[k] = position
    return points


class Waypoints(TaskEnvMixin, gym.Env):
    """Visit three waypoints in order; the task sets their spacing and turning angle.

    The task reaches the environment through ``reset(options={"task": task})`` or
    :meth:`set_task`, as every parametric environment of this package; without one, each reset
    draws a task from :attr:`task_space` with the environment's ``np_random``.

    Parameters
    ----------
    render_mode:
        ``None`` or ``"rgb_array"`` (a 96 x 96 top view: waypoints, visited ones dimmed, the point).
    """

    metadata = {"render_modes": ["rgb_array"], "render_fps": 20}

    def __init__(self, render_mode: str | None = None) -> None:
        if render_mode not in (None, "rgb_array"):
            raise ValueError(f"render_mode: got {render_mode!r}; allowed: None, 'rgb_array'")
        self.render_mode = render_mode
        self.task_space = waypoints_task_space()
        self.action_space = spaces.Box(-1.0, 1.0, (2,), dtype=np.float32)
        high = np.array([4.0, 4.0, 2.0, 2.0, 1.0], dtype=np.float32)
        self.observation_space = spaces.Box(-high, high, dtype=np.float32)
        self._init_task()
        self.position = np.zeros(2)
        self.velocity = np.zeros(2)
        self.visited = 0
        self.waypoints = np.zeros((N_WAYPOINTS, 2))

    def _obs(self) -> np.ndarray:
        return np.array([*self.position, *self.velocity, self.visited / N_WAYPOINTS], dtype=np.float32)

    def reset(
        self, *, seed: int | None = None, options: Mapping[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        """Start an episode near the origin; ``options={"task": ...}`` sets the task (kept for later resets)."""
        super().reset(seed=seed)
        task = self._episode_task(options)
        self.waypoints = waypoint_positions(task)
        self.position = self.np_random.uniform(-0.05, 0.05, size=2)
        self.velocity = np.zeros(2)
        self.visited = 0
        return self._obs(), {"task": task.copy(), "is_success": False}

    def step(self, action: np.ndarray) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        a = np.asarray(action, dtype=np.float64)
        if a.shape != (2,) or not np.all(np.isfinite(a)):
            raise ValueError(f"action: expected 2 finite values, got {np.asarray(action).tolist()}")
        a = np.clip(a, -1.0, 1.0)  # the action space's bounds, as gymnasium's continuous-control envs
        self.velocity = 0.8 * self.velocity + 0.2 * a
        self.position = np.clip(self.position + 0.1 * self.velocity, -4.0, 4.0)
        reward = 0.0
        if self.visited < N_WAYPOINTS and np.linalg.norm(self.position - self.waypoints[self.visited]) < REACH:
            self.visited += 1
            reward = 1.0
        return self._obs(), reward, False, False, {"is_success": self.visited == N_WAYPOINTS}

    def render(self) -> np.ndarray | None:
        if self.render_mode != "rgb_array":
            return None
        size = 96
        image = np.full((size, size, 3), 255, dtype=np.uint8)
        lo = min(-0.5, float(self.waypoints.min()) - 0.3)
        hi = max(0.5, float(self.waypoints.max()) + 0.3)

        def pixel(p: np.ndarray) -> tuple[int, int]:
            x, y = ((np.clip(p, lo, hi) - lo) / (hi - lo) * (size - 1)).astype(int)
            return size - 1 - int(y), int(x)

        for k, w in enumerate(self.waypoints):
            r, c = pixel(w)
            color = (180, 180, 180) if k < self.visited else (40, 160, 40)
            image[max(r - 3, 0) : r + 4, max(c - 3, 0) : c + 4] = color
        r, c = pixel(self.position)
        image[max(r - 2, 0) : r + 3, max(c - 2, 0) : c + 3] = (200, 30, 30)
        return image


def expert_action(env: Waypoints) -> np.ndarray:
    """A PD controller towards the next waypoint (towards the last once all are visited)."""
    target = env.waypoints[min(env.visited, N_WAYPOINTS - 1)]
    return np.clip(4.0 * (target - env.position) - 1.0 * env.velocity, -1.0, 1.0).astype(np.float32)


def expert_demonstrations(task: Any, n: int, seed: int = 0) -> list[np.ndarray]:
    """``n`` expert episodes on ``task``: observation sequences from the reset on, ``(101, 5)`` each.

    Recorded by :func:`~autocurriculum.environments.demonstrations.record_demonstrations` (one
    deterministic controller on one task: every demonstration keeps the same pace; see
    :mod:`autocurriculum.environments.fetch_deliver` for demonstrations at varied pace).
    """
    from autocurriculum.environments.demonstrations import record_demonstrations

    def start(env: gym.Env, rng: np.random.Generator) -> Any:
        inner: Waypoints = env.unwrapped  # type: ignore[assignment]
        return lambda obs: expert_action(inner)

    return record_demonstrations(WAYPOINTS_ID, start, n, tasks=[task] * n, seed=seed)
