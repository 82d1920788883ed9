"""A stable-baselines3 ``VecEnv`` whose environment copies live in Ray actors.

:class:`RayVecEnv` is a drop-in for SB3's ``SubprocVecEnv`` (Raffin et al. 2021,
*Stable-Baselines3*) whose workers are Ray actors (Moritz et al. 2018, *Ray: a distributed
framework for emerging AI applications*), so the copies can run on other machines of a cluster.
Each actor holds several copies in an SB3 ``DummyVecEnv`` (``envs_per_actor``), so one remote call
steps them all and the per-step overhead is paid once per actor, not once per copy; SB3's own
``DummyVecEnv`` does the auto-reset, ``terminal_observation`` and ``reset_infos`` bookkeeping.

A worker that dies (its node lost, its process killed) is replaced by a fresh actor. Its copies
end their episodes on that step with ``done=True``, zero reward, ``info["episode_abandoned"] =
True`` and no ``terminal_observation``; the task wrapper
(:class:`~autocurriculum.environments.task_wrapper.TaskVecEnv`) counts such an episode as
abandoned and never reports it to the teacher. The replacement replays each copy's last
``set_task`` call before its reset, so every copy starts the episode of the lesson the wrapper
had already set for it.

Ray is the optional extra ``autocurriculum[ray]``, imported when a :class:`RayVecEnv` is built.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import gymnasium as gym
import numpy as np
from stable_baselines3.common.vec_env.base_vec_env import VecEnv, VecEnvIndices, VecEnvObs, VecEnvStepReturn

from autocurriculum.environments.task_wrapper import ABANDONED

__all__ = ["RayVecEnv"]

RAY_MISSING = "vec_env='ray' needs Ray; install it with: pip install 'autocurriculum[ray]'"


class _EnvWorker:
    """The actor body: several copies in an SB3 ``DummyVecEnv``."""

    def __init__(self, env_fns: list[Callable[[], gym.Env]]) -> None:
        from stable_baselines3.common.vec_env import DummyVecEnv

        self.venv = DummyVecEnv(env_fns)
        self.venv.buf_rews = np.zeros(len(env_fns), dtype=np.float64)  # rewards as SubprocVecEnv returns them

    def spaces(self) -> tuple[gym.Space, gym.Space]:
        return self.venv.observation_space, self.venv.action_space

    def reset(self, seeds: list[int | None], options: list[dict[str, Any]]) -> tuple[VecEnvObs, list[dict]]:
        self.venv._seeds = list(seeds)
        self.venv._options = [dict(o) for o in options]
        obs = self.venv.reset()
        return obs, list(self.venv.reset_infos)

    def step(self, actions: np.ndarray) -> tuple[VecEnvObs, np.ndarray, np.ndarray, list[dict], list[dict]]:
        obs, rewards, dones, infos = self.venv.step(actions)
        return obs, rewards, dones, infos, list(self.venv.reset_infos)

    def env_method(self, name: str, args: tuple, kwargs: dict, indices: list[int]) -> list[Any]:
        return self.venv.env_method(name, *args, indices=indices, **kwargs)

    def get_attr(self, name: str, indices: list[int]) -> list[Any]:
        return self.venv.get_attr(name, indices=indices)

    def set_attr(self, name: str, value: Any, indices: list[int]) -> None:
        self.venv.set_attr(name, value, indices=indices)

    def env_is_wrapped(self, wrapper_class: type, indices: list[int]) -> list[bool]:
        return self.venv.env_is_wrapped(wrapper_class, indices=indices)

    def get_images(self) -> list[np.ndarray | None]:
        return self.venv.get_images()

    def close(self) -> None:
        self.venv.close()


def _import_ray() -> Any:
    try:
        import ray
    except ImportError:
        raise ImportError(RAY_MISSING) from None
    return ray


def _concat(parts: list[VecEnvObs]) -> VecEnvObs:
    first = parts[0]
    if isinstance(first, dict):
        return {k: np.concatenate([p[k] for p in parts]) for k in first}  # type: ignore[index]
    if isinstance(first, tuple):
        return tuple(np.concatenate([p[j] for p in parts]) for j in range(len(first)))  # type: ignore[index]
    return np.concatenate(parts)  # type: ignore[arg-type]


class RayVecEnv(VecEnv):
    """Environment copies in Ray actors, ``envs_per_actor`` copies per actor.

    Parameters
    ----------
    env_fns:
        One factory per copy (as for ``SubprocVecEnv``); they are serialised to the actors.
    envs_per_actor:
        Copies stepped together by one actor (default: the copies spread over as many actors as
        Ray has CPUs, at most one actor per copy).
    cpus_per_actor:
        CPUs each actor reserves (default 1; fractions let several actors share a core).

    Notes
    -----
    Ray must be running (``ray.init()`` or a Ray Tune trial); otherwise a local Ray is started.
    ``n_replaced`` counts the actors replaced after a failure.
    """

    def __init__(
        self,
        env_fns: Sequence[Callable[[], gym.Env]],
        *,
        envs_per_actor: int | None = None,
        cpus_per_actor: float = 1.0,
    ) -> None:
        n = len(env_fns)
        if n < 1:
            raise ValueError("env_fns: expected at least one environment factory")
        if envs_per_actor is not None and (
            isinstance(envs_per_actor, bool) or not isinstance(envs_per_actor, int) or envs_per_actor < 1
        ):
            raise ValueError(f"envs_per_actor: expected a positive integer or None, got {envs_per_actor!r}")
        if isinstance(cpus_per_actor, bool) or not isinstance(cpus_per_actor, (int, float)) or not cpus_per_actor > 0:
            raise ValueError(f"cpus_per_actor: expected a number > 0, got {cpus_per_actor!r}")
        ray = _import_ray()
        if not ray.is_initialized():
            ray.init(include_dashboard=False, log_to_driver=False)
        if envs_per_actor is None:
            cpus = max(1, int(ray.cluster_resources().get("CPU", 1) // cpus_per_actor))
            envs_per_actor = math.ceil(n / min(n, cpus))
        self._ray = ray
        self._fns = list(env_fns)
        self._chunks = [list(range(i, min(i + envs_per_actor, n))) for i in range(0, n, envs_per_actor)]
        self._remote_cls = ray.remote(num_cpus=cpus_per_actor)(_EnvWorker)
        self._actors = [self._spawn(chunk) for chunk in self._chunks]
        self._tasks: list[tuple[tuple, dict] | None] = [None] * n  # each copy's last set_task call
        self._replaced: set[int] = set()  # actors replaced since the last step: their copies' episodes are abandoned
        self._replacement_obs: dict[int, tuple[VecEnvObs, list[dict]]] = {}
        self._refs: list[Any] = []
        self.n_replaced = 0
        self.closed = False
        obs_space, act_space = ray.get(self._actors[0].spaces.remote())
        super().__init__(n, obs_space, act_space)

    # ------------------------------------------------------------------ actors
    def _spawn(self, chunk: list[int]) -> Any:
        return self._remote_cls.remote([self._fns[i] for i in chunk])

    def _call(self, a: int, method: str, *args: Any) -> Any:
        """Run ``method`` on actor ``a``; a dead actor is replaced and the call made on the replacement."""
        try:
            return self._ray.get(getattr(self._actors[a], method).remote(*args))
        except self._ray.exceptions.RayActorError:
            self._replace(a)
            return self._ray.get(getattr(self._actors[a], method).remote(*args))

    def _replace(self, a: int) -> None:
        """A fresh actor for ``a``'s copies: replay their last ``set_task`` and reset them."""
        chunk = self._chunks[a]
        self._ray.kill(self._actors[a], no_restart=True)
        self._actors[a] = actor = self._spawn(chunk)
        self.n_replaced += 1
        for j, i in enumerate(chunk):
            call = self._tasks[i]
            if call is not None:
                self._ray.get(actor.env_method.remote("set_task", call[0], call[1], [j]))
        obs, reset_infos = self._ray.get(actor.reset.remote([None] * len(chunk), [{} for _ in chunk]))
        self._replaced.add(a)
        self._replacement_obs[a] = (obs, reset_infos)

    def _local(self, indices: VecEnvIndices) -> list[tuple[int, list[int], list[int]]]:
        """``(actor, local indices, global indices)`` for the copies in ``indices``."""
        wanted = set(self._get_indices(indices))
        out = []
        for a, chunk in enumerate(self._chunks):
            mine = [i for i in chunk if i in wanted]
            if mine:
                out.append((a, [i - chunk[0] for i in mine], mine))
        return out

    # ------------------------------------------------------------------ VecEnv
    def reset(self) -> VecEnvObs:
        refs = [
            actor.reset.remote([self._seeds[i] for i in chunk], [self._options[i] for i in chunk])
            for actor, chunk in zip(self._actors, self._chunks, strict=True)
        ]
        parts = []
        for a, ref in enumerate(refs):
            try:
                parts.append(self._ray.get(ref))
            except self._ray.exceptions.RayActorError:
                self._replace(a)
                parts.append(self._replacement_obs.pop(a))
        self._replaced.clear()
        self._replacement_obs.clear()
        self._reset_seeds()
        self._reset_options()
        self.reset_infos = [info for _, infos in parts for info in infos]
        return _concat([obs for obs, _ in parts])

    def step_async(self, actions: np.ndarray) -> None:
        self._refs = [
            None if a in self._replaced else actor.step.remote(actions[chunk[0] : chunk[-1] + 1])
            for a, (actor, chunk) in enumerate(zip(self._actors, self._chunks, strict=True))
        ]

    def step_wait(self) -> VecEnvStepReturn:
        obs_parts, rewards, dones, infos, reset_infos = [], [], [], [], []
        for a, ref in enumerate(self._refs):
            if ref is not None:
                try:
                    obs, rew, done, info, r_info = self._ray.get(ref)
                except self._ray.exceptions.RayActorError:
                    self._replace(a)
                    ref = None
            if ref is None:  # replaced: its copies' episodes end here, abandoned, on a fresh reset
                obs, r_info = self._replacement_obs.pop(a)
                k = len(self._chunks[a])
                rew, done = np.zeros(k, dtype=np.float32), np.ones(k, dtype=bool)
                info = [{ABANDONED: True} for _ in range(k)]
            obs_parts.append(obs)
            rewards.append(rew)
            dones.append(done)
            infos.extend(info)
            reset_infos.extend(r_info)
        self._replaced.clear()
        self._refs = []
        self.reset_infos = reset_infos
        return _concat(obs_parts), np.concatenate(rewards), np.concatenate(dones), infos

    def close(self) -> None:
        if self.closed:
            return
        for actor in self._actors:
            try:
                self._ray.get(actor.close.remote())
            except self._ray.exceptions.RayActorError:
                pass
            self._ray.kill(actor, no_restart=True)
        self.closed = True

    def get_images(self) -> Sequence[np.ndarray | None]:
        return [img for a in range(len(self._actors)) for img in self._call(a, "get_images")]

    def get_attr(self, attr_name: str, indices: VecEnvIndices = None) -> list[Any]:
        return [v for a, local, _ in self._local(indices) for v in self._call(a, "get_attr", attr_name, local)]

    def set_attr(self, attr_name: str, value: Any, indices: VecEnvIndices = None) -> None:
        for a, local, _ in self._local(indices):
            self._call(a, "set_attr", attr_name, value, local)

    def env_method(
        self, method_name: str, *method_args: Any, indices: VecEnvIndices = None, **method_kwargs: Any
    ) -> list[Any]:
        out = []
        for a, local, mine in self._local(indices):
            if method_name == "set_task":
                for i in mine:
                    self._tasks[i] = (method_args, method_kwargs)
            out.extend(self._call(a, "env_method", method_name, method_args, method_kwargs, local))
        return out

    def env_is_wrapped(self, wrapper_class: type[gym.Wrapper], indices: VecEnvIndices = None) -> list[bool]:
        return [
            v for a, local, _ in self._local(indices) for v in self._call(a, "env_is_wrapped", wrapper_class, local)
        ]
