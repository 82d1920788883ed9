"""FetchDeliver: fetch an object on one side, deliver it to a goal on the other; a lure for imitators.

A fast continuous-control task with the *progress dependency* of Liu et al. ("Imitation Learning
from Observation with Automatic Discount Scheduling", ICLR 2024): the goal only counts once the
object has been picked up, and the object lies on the side opposite the goal. It also has the
paper's *lure*: seen through features in which the object weighs little (as a small object
does in pixels, :data:`LURE_FEATURES`), a learner that goes straight to the goal without the
object follows the expert's long final phase and earns most of the optimal-transport reward, so
under a long discount (0.99) skipping the pick-up pays more than a pick-up followed by a slow
carry (a learner at a third of the expert's pace); under ADS's short starting discount the
early steps weigh most and heading for the object pays (``tests/environments/test_fetch_deliver.py``
checks both orderings, averaged over ten tasks; the margins are narrow, a few per cent of the
return, and reverse for a carry faster than about a third of the expert's pace).

* State: position ``p`` and velocity ``v`` of a point mass in the plane, starting near the
  origin; the object's position; the goal; whether the object is held.
* Action: an acceleration in ``[-1, 1]^2``: ``v <- 0.8 v + 0.2 a``, ``p <- p + 0.1 v`` (as
  :class:`~autocurriculum.environments.waypoints.Waypoints`).
* Task (a point of :func:`fetch_deliver_task_space`): the object's position ``(object_x,
  object_y)`` in ``[-0.35, -0.25] x [-0.3, 0.3]`` and the goal's ``(goal_x, goal_y)`` in
  ``[1.0, 1.3] x [-0.3, 0.3]``: a short detour behind the start, then a long carry.
* Pick-up: within :data:`REACH` (0.1) of the object at a speed below :data:`GRASP_SPEED` (0.5 of
  the top speed): the object then moves with the point (reward 0.5, once). Delivery: holding it within
  ``REACH`` of the goal: reward 0.5 (once), ``info["is_success"]`` from then on. The return is
  0 (nothing), 0.5 (picked up) or 1 (delivered); an imitator never sees it.
* Observation: ``[p_x, p_y, v_x, v_y, object_x, object_y, goal_x, goal_y, held]`` (float32).
* Episodes last :data:`EPISODE_STEPS` (60) steps and do not end at success, so every episode has
  the same length; the scripted expert at its slowest pace (0.6) delivers within about 35.

:func:`expert_action` is a proportional-derivative controller (object first, then the goal)
whose acceleration is capped at a ``speed`` in ``(0, 1]``: the demonstrations' varied pace;
:func:`expert_policy` draws that pace per episode for
:func:`~autocurriculum.environments.demonstrations.record_demonstrations`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from autocurriculum.environments.task_env import TaskEnvMixin
from autocurriculum.teachers.spaces import BoxSpace

__all__ = [
    "EPISODE_STEPS",
    "FETCH_DELIVER_ID",
    "LURE_FEATURES",
    "FetchDeliver",
    "expert_action",
    "expert_policy",
    "fetch_deliver_task_space",
    "straight_to_goal_action",
]

REACH = 0.1
GRASP_SPEED = 0.5
EPISODE_STEPS = 60
FETCH_DELIVER_ID = "autocurriculum/FetchDeliver-v0"

#: Reward and recognizer features (a projection of the 9 observation values): the point's position
#: at full weight, the object's position at weight 0.1 (a small object in pixels), nothing else.
LURE_FEATURES: list[list[float]] = [
    [1.0, 0, 0, 0, 0, 0, 0, 0, 0],
    [0, 1.0, 0, 0, 0, 0, 0, 0, 0],
    [0, 0, 0, 0, 0.1, 0, 0, 0, 0],
    [0, 0, 0, 0, 0, 0.1, 0, 0, 0],
]


def fetch_deliver_task_space() -> BoxSpace:
    """``(object_x, object_y, goal_x, goal_y)`` of :class:`FetchDeliver`."""
    return BoxSpace(
        [-0.35, -0.3, 1.0, -0.3], [-0.25, 0.3, 1.3, 0.3], names=["object_x", "object_y", "goal_x", "goal_y"]
    )


class FetchDeliver(TaskEnvMixin, gym.Env):
    """Pick up the object, then bring it to the goal; the task places both.

    The task reaches the environment through ``reset(options={"task": task})`` or
    :meth:`set_task`; without one, each reset draws a task from :attr:`task_space` with the
    environment's ``np_random``.
    """

    metadata = {"render_modes": [], "render_fps": 20}

    def __init__(self) -> None:
        self.task_space = fetch_deliver_task_space()
        self.action_space = spaces.Box(-1.0, 1.0, (2,), dtype=np.float32)
        high = np.array([2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 1.0], dtype=np.float32)
        self.observation_space = spaces.Box(-high, high, dtype=np.float32)
        self._init_task()
        self.position = np.zeros(2)
        self.velocity = np.zeros(2)
        self.object = np.zeros(2)
        self.goal = np.zeros(2)
        self.held = False
        self.delivered = False

    def _obs(self) -> np.ndarray:
        return np.array([*self.position, *self.velocity, *self.object, *self.goal, float(self.held)], dtype=np.float32)

    def reset(
        self, *, seed: int | None = None, options: Mapping[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        """Start near the origin; ``options={"task": ...}`` sets the task (kept for later resets)."""
        super().reset(seed=seed)
        task = self._episode_task(options)
        self.object = task[:2].copy()
        self.goal = task[2:].copy()
        self.position = self.np_random.uniform(-0.05, 0.05, size=2)
        self.velocity = np.zeros(2)
        self.held = False
        self.delivered = False
        return self._obs(), {"task": task.copy(), "is_success": False}

    def step(self, action: np.ndarray) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        a = np.asarray(action, dtype=np.float64)
        if a.shape != (2,) or not np.all(np.isfinite(a)):
            raise ValueError(f"action: expected 2 finite values, got {np.asarray(action).tolist()}")
        a = np.clip(a, -1.0, 1.0)
        self.velocity = 0.8 * self.velocity + 0.2 * a
        self.position = np.clip(self.position + 0.1 * self.velocity, -2.0, 2.0)
        reward = 0.0
        if not self.held and np.linalg.norm(self.position - self.object) < REACH:
            self.held = bool(np.linalg.norm(self.velocity) < GRASP_SPEED)
            reward = 0.5 if self.held else 0.0
        if self.held:
            self.object = self.position.copy()
        if self.held and not self.delivered and np.linalg.norm(self.object - self.goal) < REACH:
            self.delivered = True
            reward += 0.5
        return self._obs(), reward, False, False, {"is_success": self.delivered}


def _pd_towards(env: FetchDeliver, target: np.ndarray, speed: float) -> np.ndarray:
    a = 4.0 * (target - env.position) - 1.0 * env.velocity
    norm = float(np.linalg.norm(a))
    if norm > speed:
        a = a * (speed / norm)
    return a.astype(np.float32)


def expert_action(env: FetchDeliver, speed: float = 1.0) -> np.ndarray:
    """The scripted expert: a PD controller to the object, then to the goal, acceleration capped at ``speed``."""
    return _pd_towards(env, env.goal if env.held else env.object, speed)


def straight_to_goal_action(env: FetchDeliver, speed: float = 1.0) -> np.ndarray:
    """The lure: the same controller heading for the goal without the object."""
    return _pd_towards(env, env.goal, speed)


def expert_policy(low: float = 0.6, high: float = 1.0) -> Callable[[gym.Env, np.random.Generator], Callable[[np.ndarray], np.ndarray]]:
    """The scripted expert at a varied pace, for :func:`~autocurriculum.environments.demonstrations.record_demonstrations`.

    Called at the start of each episode, it draws the episode's pace (the acceleration cap)
    uniformly from ``[low, high]`` with the recorder's generator and returns the episode's policy.
    """
    if not (isinstance(low, (int, float)) and isinstance(high, (int, float)) and 0.0 < low <= high <= 1.0):
        raise ValueError(f"expert_policy: expected 0 < low <= high <= 1, got low={low!r}, high={high!r}")

    def start(env: gym.Env, rng: np.random.Generator) -> Callable[[np.ndarray], np.ndarray]:
        inner: FetchDeliver = env.unwrapped  # type: ignore[assignment]
        speed = float(rng.uniform(low, high))
        return lambda obs: expert_action(inner, speed)

    return start
