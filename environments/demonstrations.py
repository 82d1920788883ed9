"""Record expert demonstrations (observation sequences) from any gymnasium environment.

Imitation from observation (ADS, Liu et al. ICLR 2024; ROT, Haldar et al. CoRL 2022) needs the
expert's observations only. :func:`record_demonstrations` plays an expert in an environment and
returns one ``(T + 1, obs_dim)`` array per episode: the reset's observation, then the one after
each step, the alignment the OT rewards (:class:`~autocurriculum.students.imitation.OTRewarder`)
and the progress recognizer (:class:`~autocurriculum.teachers.ads.ADS`) use for the agent's
episodes too. Tasks vary per episode (the paper's demonstrations come from a different random
task each) and so may the expert's pace (a scripted expert drawing its speed per episode).

The expert is either a Stable-Baselines3 model (anything with ``predict(obs, deterministic=True)``)
or a scripted one: a function ``start(env, rng)`` called at each reset that returns the
episode's policy ``obs -> action`` (see :func:`autocurriculum.environments.fetch_deliver.expert_policy`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import gymnasium as gym
import numpy as np

__all__ = ["record_demonstrations"]

EpisodeStart = Callable[[gym.Env, np.random.Generator], Callable[[np.ndarray], Any]]


def record_demonstrations(
    env: str | Callable[[], gym.Env],
    expert: Any,
    n: int,
    *,
    tasks: Sequence[Any] | np.ndarray | None = None,
    seed: int = 0,
    max_steps: int | None = None,
    successful_only: bool = False,
    max_attempts: int | None = None,
) -> list[np.ndarray]:
    """Play ``expert`` for ``n`` episodes and return their observations, from the reset on.

    Parameters
    ----------
    env:
        A registered gymnasium id or a function returning a new environment.
    expert:
        An SB3 model (``predict``) or a scripted ``start(env, rng) -> (obs -> action)``.
    n:
        Number of demonstrations.
    tasks:
        One task per demonstration (``reset(options={"task": ...})``); ``None``: the
        environment's own draw at each reset (a random task for this package's environments).
    seed:
        Episode ``i`` resets with seed ``seed + i`` (attempts beyond ``n`` continue the count); the
        scripted expert's generator is ``numpy.random.default_rng(seed)``.
    max_steps:
        Cut episodes after this many steps (default: until the environment ends them).
    successful_only:
        Keep only episodes whose last ``info["is_success"]`` is true, attempting more episodes
        (up to ``max_attempts``, default ``10 n``); raises ``RuntimeError`` when too few succeed.
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"n: expected a positive integer number of demonstrations, got {n!r}")
    if tasks is not None and len(tasks) != n:
        raise ValueError(f"tasks: expected one task per demonstration ({n}), got {len(tasks)}")
    if max_steps is not None and (isinstance(max_steps, bool) or not isinstance(max_steps, int) or max_steps < 1):
        raise ValueError(f"max_steps: expected a positive integer or None, got {max_steps!r}")
    scripted = not hasattr(expert, "predict")
    if scripted and not callable(expert):
        raise TypeError(
            f"expert: expected an SB3 model (with predict) or a function start(env, rng) -> policy, got {type(expert).__name__}"
        )
    attempts = (10 * n if max_attempts is None else int(max_attempts)) if successful_only else n
    rng = np.random.default_rng(seed)
    make: Callable[[], gym.Env] = (lambda: gym.make(env)) if isinstance(env, str) else env  # type: ignore[assignment]
    environment = make()
    out: list[np.ndarray] = []
    try:
        for i in range(attempts):
            if len(out) == n:
                break
            options = None if tasks is None else {"task": tasks[len(out)]}
            obs, info = environment.reset(seed=seed + i, options=options)
            if scripted:
                policy = expert(environment, rng)
            else:
                policy = lambda o: expert.predict(o, deterministic=True)[0]  # noqa: E731
            frames = [np.asarray(obs, dtype=np.float64)]
            steps = 0
            while True:
                obs, _, terminated, truncated, info = environment.step(policy(obs))
                frames.append(np.asarray(obs, dtype=np.float64))
                steps += 1
                if terminated or truncated or (max_steps is not None and steps >= max_steps):
                    break
            if not successful_only or info.get("is_success", False):
                out.append(np.stack(frames))
    finally:
        environment.close()
    if len(out) < n:
        raise RuntimeError(f"record_demonstrations: only {len(out)} of {attempts} episodes succeeded, {n} needed")
    return out
