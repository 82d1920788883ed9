"""Meta-World tasks from states, with a task space of layouts and the package's scripted experts.

ADS (Liu et al., "Imitation Learning from Observation with Automatic Discount Scheduling", ICLR
2024) is evaluated on nine Meta-World manipulation tasks, the largest gaps on basketball,
pick-place-wall, hammer, assembly and stick-push (OT+ADS against OT at 2M frames from pixels:
basketball 83 % vs 8 %, pick-place-wall 80 % vs 24 %, hammer 100 % vs 50 %). This module makes
one Meta-World v3 task (``metaworld`` on PyPI, simulated by MuJoCo on the CPU) a parametric
environment of this package, from states:

* Task (:func:`metaworld_task_space`): ``variant`` in ``[0, 10^6]``, the seed of the episode's
  layout (the object and goal positions Meta-World draws at reset); a teacher or a test set
  chooses layouts, the expert's demonstrations come from other random ones.
* Observation: Meta-World's 39 values with the goal observable (hand, gripper, two objects, the
  previous frame's 18 values, the goal), float32.
* Action: Meta-World's 4 values in ``[-1, 1]``, repeated ``action_repeat`` times (2, the paper's).
* Reward: 1 once, at the first step where Meta-World reports ``success``
  (``info["is_success"]`` from then on); an imitator never sees it. The episode length is the
  registered ``TimeLimit`` (``gym.make(..., max_episode_steps=...)``, default 100 agent steps).

:func:`metaworld_demonstrations` records Meta-World's scripted policy (``metaworld.policies``) on
random layouts with :func:`~autocurriculum.environments.demonstrations.record_demonstrations`;
:func:`metaworld_state_features` selects the current frame's values (no previous frame, no goal)
for the OT cost and ADS's recognizer. Needs ``pip install autocurriculum[metaworld]``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from autocurriculum.environments.task_env import TaskEnvMixin
from autocurriculum.teachers.spaces import BoxSpace

__all__ = [
    "METAWORLD_ID",
    "MetaWorldTask",
    "metaworld_demonstrations",
    "metaworld_id",
    "metaworld_state_features",
    "metaworld_task_space",
]

METAWORLD_ID = "autocurriculum/MetaWorld-v0"


def _metaworld() -> Any:
    try:
        import metaworld
    except ImportError as exc:  # pragma: no cover - depends on the installation
        raise ImportError(
            "Meta-World tasks need the metaworld package: pip install 'autocurriculum[metaworld]' (or pip install metaworld)"
        ) from exc
    return metaworld


def metaworld_id() -> str:
    """The registered id (``autocurriculum/MetaWorld-v0``; ``task_name`` picks the task)."""
    return METAWORLD_ID


def metaworld_task_space() -> BoxSpace:
    """``variant``: the seed of an episode's layout, in ``[0, 10^6]``."""
    return BoxSpace([0.0], [1e6], names=["variant"])


def metaworld_state_features() -> list[int]:
    """The current frame's values (hand, gripper, objects: indices 0 to 17), no previous frame or goal."""
    return list(range(18))


class MetaWorldTask(TaskEnvMixin, gym.Env):
    """One Meta-World v3 task, goal observable, whose layout is the task.

    Parameters
    ----------
    task_name:
        A Meta-World v3 task, e.g. ``"basketball-v3"``, ``"hammer-v3"``, ``"pick-place-wall-v3"``.
    action_repeat:
        Simulator steps per action (default 2, the paper's).
    """

    metadata = {"render_modes": [], "render_fps": 40}

    def __init__(self, task_name: str = "basketball-v3", action_repeat: int = 2) -> None:
        mw = _metaworld()
        envs = mw.ALL_V3_ENVIRONMENTS_GOAL_OBSERVABLE
        key = f"{task_name}-goal-observable"
        if not isinstance(task_name, str) or key not in envs:
            names = sorted(k.removesuffix("-goal-observable") for k in envs)
            raise ValueError(f"task_name: got {task_name!r}; allowed: {names}")
        if isinstance(action_repeat, bool) or not isinstance(action_repeat, int) or action_repeat < 1:
            raise ValueError(f"action_repeat: expected a positive integer, got {action_repeat!r}")
        self.task_name = task_name
        self.action_repeat = action_repeat
        self.mw = envs[key](seed=0)
        self.mw._freeze_rand_vec = False  # a new layout at each reset, drawn from the env's seeded generator
        self.mw.seeded_rand_vec = True
        self.mw.max_path_length = 10**9  # the registered TimeLimit ends episodes
        self.task_space = metaworld_task_space()
        low = np.asarray(self.mw.observation_space.low, dtype=np.float32)
        high = np.asarray(self.mw.observation_space.high, dtype=np.float32)
        self.observation_space = spaces.Box(low, high, dtype=np.float32)
        self.action_space = spaces.Box(-1.0, 1.0, self.mw.action_space.shape, dtype=np.float32)
        self._init_task()
        self.succeeded = False
        self.last_obs = np.zeros(self.observation_space.shape, dtype=np.float64)

    def _obs(self, obs: np.ndarray) -> np.ndarray:
        self.last_obs = np.asarray(obs, dtype=np.float64)
        return np.clip(obs, self.observation_space.low, self.observation_space.high).astype(np.float32)

    def reset(
        self, *, seed: int | None = None, options: Mapping[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        """Lay out the task's variant; ``options={"task": ...}`` sets it (kept for later resets)."""
        super().reset(seed=seed)
        task = self._episode_task(options)
        self.mw.seed(int(task[0]))
        obs, _ = self.mw.reset()
        self.succeeded = False
        return self._obs(obs), {"task": task.copy(), "is_success": False}

    def step(self, action: np.ndarray) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        a = np.asarray(action, dtype=np.float64)
        if a.shape != self.action_space.shape or not np.all(np.isfinite(a)):
            raise ValueError(f"action: expected {self.action_space.shape[0]} finite values, got {np.asarray(action).tolist()}")
        a = np.clip(a, -1.0, 1.0).astype(np.float32)
        reward = 0.0
        obs = self.last_obs
        for _ in range(self.action_repeat):
            obs, _, _, _, info = self.mw.step(a)
            if info.get("success", 0.0) and not self.succeeded:
                self.succeeded = True
                reward = 1.0
        return self._obs(obs), reward, False, False, {"is_success": self.succeeded}

    def close(self) -> None:
        self.mw.close()


def metaworld_demonstrations(
    task_name: str, n: int, *, seed: int = 0, max_episode_steps: int = 100, action_repeat: int = 2
) -> list[np.ndarray]:
    """``n`` successful demonstrations of Meta-World's scripted policy on random layouts, from the reset on.

    Each attempt's layout is a random variant drawn at its reset (seeded ``seed + i``); a failed
    attempt is dropped and the next one tried (up to ``10 n``).
    """
    from autocurriculum.environments.demonstrations import record_demonstrations

    _metaworld()
    from metaworld.policies import ENV_POLICY_MAP as policies
    if task_name not in policies:
        raise ValueError(f"task_name: no scripted policy for {task_name!r}; allowed: {sorted(policies)}")
    policy = policies[task_name]()

    def start(env: gym.Env, rng: np.random.Generator) -> Any:
        inner: MetaWorldTask = env.unwrapped  # type: ignore[assignment]
        return lambda obs: policy.get_action(inner.last_obs)

    def make() -> gym.Env:
        return gym.make(METAWORLD_ID, task_name=task_name, action_repeat=action_repeat, max_episode_steps=max_episode_steps)

    return record_demonstrations(make, start, n, seed=seed, successful_only=True)
