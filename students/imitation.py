"""Imitation from observation: optimal-transport rewards relabelled into SB3's replay buffer.

The learner never sees the environment's reward. When an episode ends, each of its steps gets
the optimal-transport proxy reward of Papagiannis & Li ("Imitation Learning with Sinkhorn
Distances", 2022) as used by ROT (Haldar et al., CoRL 2022) and ADS (Liu et al., "Imitation
Learning from Observation with Automatic Discount Scheduling", ICLR 2024; TEACHERS.md section 8):

* for the episode's observations ``x_1 .. x_T`` (each the observation *after* a step) and a
  demonstration ``y_1 .. y_T'``, the cost matrix ``C[i, j] = d(x_i, y_j)`` (cosine distance by
  default, as the reference's ``sinkhorn_cosine``; Euclidean on request) and the entropic
  optimal-transport plan ``P`` between the uniform distributions over both sequences
  (Sinkhorn, ``epsilon`` 0.01, 100 iterations; in the log domain where the kernel would
  underflow);
* step ``i``'s reward is ``-scale * sum_j P[i, j] C[i, j]``, against the demonstration whose
  total is the highest (the closest one);
* ``scale`` is set after the first episode so that that episode's rewards sum to about
  ``-auto_scale_factor`` (10), the reference's ``auto_rew_scale``.

Off-policy students only: :class:`OTReplayBuffer` stores transitions as SB3 does, keeps each
episode's buffer positions per environment copy, writes the rewards when the episode ends, and
samples only relabelled transitions (the reference adds an episode to its buffer when it ends).
Use it through ``SACStudent(imitation=OTRewarder(demos))``.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from typing import Any

import numpy as np
from gymnasium import spaces
from stable_baselines3 import SAC
from stable_baselines3.common.buffers import ReplayBuffer
from stable_baselines3.common.type_aliases import ReplayBufferSamples
from stable_baselines3.common.vec_env import VecNormalize

from autocurriculum.teachers.ads import cost_matrix, load_demonstrations

__all__ = ["OTSAC", "OTReplayBuffer", "OTRewarder", "sinkhorn_plan"]


def sinkhorn_plan(
    cost: np.ndarray, epsilon: float = 0.01, n_iter: int = 100, log_domain: bool | None = None
) -> np.ndarray:
    """Entropic optimal-transport plan between uniform marginals (Sinkhorn, as ``ot.sinkhorn``).

    Solves ``min_P <P, C> - epsilon H(P)`` with ``P 1 = 1/n`` and ``P^T 1 = 1/m`` by ``n_iter``
    alternating scalings ``v = b / (K^T u)``, then ``u = a / (K v)``, of ``K = exp(-C / epsilon)``,
    starting from ``u = 1``: the column scaling first and the row scaling last, as POT's
    ``ot.sinkhorn`` (``sinkhorn_knopp``), the reference's solver, so that every row of the plan
    sums to ``1/n`` exactly and step ``i``'s reward is its transported cost at full weight (the
    order matters at 100 iterations and epsilon 0.01: per-step rewards differ by more than half
    a typical step's reward at the worst step). POT also stops once the column marginal is
    within ``1e-9`` (checked every 10 iterations); this runs all ``n_iter``, which changes the
    plan by less than that tolerance. When ``K`` would underflow (``C / epsilon`` above 700) or the
    scalings leave the floating-point range, the same iterations run in the log domain
    (``f = epsilon log u``, ``g = epsilon log v``), which is exact but slower; ``log_domain``
    forces one or the other (``None``: automatic). ``cost`` is ``(n, m)``, or ``(..., n, m)``
    for a batch of problems of one size.
    """
    n, m = cost.shape[-2:]
    scaled = cost / epsilon
    if not log_domain and (log_domain is False or float(np.max(scaled)) <= 700.0):
        k = np.exp(-scaled)
        kt = np.swapaxes(k, -1, -2)
        u = np.ones((*cost.shape[:-2], n, 1))
        with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
            for _ in range(n_iter):
                v = (1.0 / m) / (kt @ u)
                u = (1.0 / n) / (k @ v)
            plan = u * k * np.swapaxes(v, -1, -2)
        if log_domain is False or np.all(np.isfinite(plan)):
            return plan
    log_a, log_b = -math.log(n), -math.log(m)
    f = np.zeros((*cost.shape[:-1], 1))  # f / epsilon, as a column
    g = np.zeros((*cost.shape[:-2], 1, m))  # g / epsilon, as a row
    for _ in range(n_iter):
        g = log_b - _logsumexp(f - scaled, axis=-2)
        f = log_a - _logsumexp(g - scaled, axis=-1)
    return np.exp(f + g - scaled)


def _logsumexp(x: np.ndarray, axis: int) -> np.ndarray:
    top = np.max(x, axis=axis, keepdims=True)
    return top + np.log(np.sum(np.exp(x - top), axis=axis, keepdims=True))


class OTRewarder:
    """Optimal-transport proxy rewards of an episode against expert observation sequences.

    Parameters
    ----------
    demos:
        The expert's observation sequences, ``(T, obs_dim)`` arrays (or the path of an ``.npz``
        file with one array per demonstration).
    cost:
        ``"cosine"`` (default, the reference's ``sinkhorn_cosine``) or ``"euclidean"``.
    epsilon, n_iter:
        Sinkhorn's entropic regularisation (0.01) and iterations (100).
    auto_scale_factor:
        After the first episode, ``scale`` makes its rewards sum to ``-auto_scale_factor``
        (default 10); ``None`` keeps ``scale``.
    scale:
        The reward scale before the first episode (1).
    """

    def __init__(
        self,
        demos: Sequence[np.ndarray] | str | os.PathLike[str],
        *,
        cost: str = "cosine",
        epsilon: float = 0.01,
        n_iter: int = 100,
        auto_scale_factor: float | None = 10.0,
        scale: float = 1.0,
    ) -> None:
        self.demos = load_demonstrations(demos, "demos")
        cost_matrix(self.demos[0][:1], self.demos[0][:1], cost)  # validates the name
        if not (isinstance(epsilon, (int, float)) and epsilon > 0):
            raise ValueError(f"epsilon: expected a positive number, got {epsilon!r}")
        if not (isinstance(n_iter, int) and n_iter >= 1):
            raise ValueError(f"n_iter: expected a positive integer, got {n_iter!r}")
        if auto_scale_factor is not None and not auto_scale_factor > 0:
            raise ValueError(f"auto_scale_factor: expected a positive number or None, got {auto_scale_factor!r}")
        self.cost = cost
        self._groups: dict[int, list[int]] = {}
        for k, d in enumerate(self.demos):
            self._groups.setdefault(int(d.shape[0]), []).append(k)
        self.epsilon = float(epsilon)
        self.n_iter = n_iter
        self.auto_scale_factor = auto_scale_factor
        self.scale = float(scale)
        self.n_episodes = 0

    @property
    def obs_dim(self) -> int:
        return int(self.demos[0].shape[1])

    def unscaled(self, observations: np.ndarray) -> tuple[np.ndarray, int]:
        """Per-step rewards at scale 1 against the closest demonstration, and its index."""
        x = np.asarray(observations, dtype=np.float64)
        if x.ndim != 2 or x.shape[1] != self.obs_dim or x.shape[0] < 1:
            raise ValueError(f"observations: expected a (T, {self.obs_dim}) array, got shape {x.shape}")
        best: tuple[float, np.ndarray, int] | None = None
        for members in self._groups.values():  # one batched Sinkhorn per demonstration length
            c = np.stack([cost_matrix(x, self.demos[k], self.cost) for k in members])
            rewards = -np.sum(sinkhorn_plan(c, self.epsilon, self.n_iter) * c, axis=-1)
            totals = rewards.sum(axis=1)
            j = int(np.argmax(totals))
            if best is None or totals[j] > best[0] or (totals[j] == best[0] and members[j] < best[2]):
                best = (float(totals[j]), rewards[j], members[j])
        assert best is not None
        return best[1], best[2]

    def __call__(self, observations: np.ndarray) -> np.ndarray:
        """Rewards of one finished episode (``(T, obs_dim)`` observations after each step)."""
        rewards, _ = self.unscaled(observations)
        if self.n_episodes == 0 and self.auto_scale_factor is not None:
            total = abs(float(rewards.sum()))
            if total > 0:
                self.scale = float(self.auto_scale_factor) / total
        self.n_episodes += 1
        return self.scale * rewards

    def state_dict(self) -> dict[str, Any]:
        return {"scale": self.scale, "n_episodes": self.n_episodes}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.scale = float(state["scale"])
        self.n_episodes = int(state["n_episodes"])


class OTReplayBuffer(ReplayBuffer):
    """SB3's replay buffer whose transitions receive OT rewards when their episode ends.

    Stores transitions exactly as :class:`~stable_baselines3.common.buffers.ReplayBuffer`, with
    a placeholder reward; remembers each environment copy's open episode (its buffer
    positions); when an episode ends, computes the rewards from the stored next observations
    (SB3 stores raw observations, the terminal one included) and marks those transitions ready.
    :meth:`sample` draws uniformly among ready transitions only.

    Extra parameters: ``rewarder``, an :class:`OTRewarder`; ``seed``, of the buffer's own
    sampling generator.
    """

    def __init__(self, *args: Any, rewarder: OTRewarder, seed: int | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.rng = np.random.default_rng(seed)
        if self.optimize_memory_usage:
            raise ValueError("OTReplayBuffer: optimize_memory_usage is not supported (next observations are needed)")
        if not isinstance(self.observation_space, spaces.Box) or len(self.obs_shape) != 1:
            raise ValueError(f"OTReplayBuffer: needs flat Box observations, got {self.observation_space}")
        if self.obs_shape[0] != rewarder.obs_dim:
            raise ValueError(
                f"OTReplayBuffer: observations have {self.obs_shape[0]} values, the demonstrations {rewarder.obs_dim}"
            )
        self.rewarder = rewarder
        self.ready = np.zeros((self.buffer_size, self.n_envs), dtype=bool)
        self.open_episodes: list[list[int]] = [[] for _ in range(self.n_envs)]
        self.n_relabelled = 0

    def add(
        self,
        obs: np.ndarray,
        next_obs: np.ndarray,
        action: np.ndarray,
        reward: np.ndarray,
        done: np.ndarray,
        infos: list[dict[str, Any]],
    ) -> None:
        pos = self.pos
        super().add(obs, next_obs, action, np.zeros_like(reward), done, infos)
        self.ready[pos] = False
        for i in range(self.n_envs):
            episode = self.open_episodes[i]
            if episode and episode[0] == pos:
                raise RuntimeError(
                    f"OTReplayBuffer: an episode of env {i} outgrew the buffer ({self.buffer_size} transitions)"
                )
            episode.append(pos)
            if done[i]:
                self._relabel(i, episode)
                self.open_episodes[i] = []

    def _relabel(self, env_index: int, positions: list[int]) -> None:
        idx = np.asarray(positions)
        rewards = self.rewarder(self.next_observations[idx, env_index])
        self.rewards[idx, env_index] = rewards
        self.ready[idx, env_index] = True
        self.n_relabelled += 1

    def abandon_open_episodes(self) -> int:
        """Forget the open episodes (after the environments restart); they stay unsampled."""
        n = sum(1 for e in self.open_episodes if e)
        self.open_episodes = [[] for _ in range(self.n_envs)]
        return n

    @property
    def has_finished_episode(self) -> bool:
        """Whether any stored transition has its reward (is sampleable)."""
        upper = self.buffer_size if self.full else self.pos
        return bool(self.ready[:upper].any())

    def sample(self, batch_size: int, env: VecNormalize | None = None) -> ReplayBufferSamples:
        upper = self.buffer_size if self.full else self.pos
        if not self.has_finished_episode:
            raise RuntimeError(
                "OTReplayBuffer: no finished episode yet, so no reward to learn from; set the algorithm's "
                "learning_starts above the episode length"
            )
        rows: list[np.ndarray] = []
        cols: list[np.ndarray] = []
        need = batch_size
        while need > 0:  # rejection: the open episodes are a small part of the buffer
            b = self.rng.integers(0, upper, size=2 * need)
            e = self.rng.integers(0, self.n_envs, size=2 * need)
            keep = self.ready[b, e]
            rows.append(b[keep][:need])
            cols.append(e[keep][:need])
            need -= len(rows[-1])
        b, e = np.concatenate(rows), np.concatenate(cols)
        data = (
            self._normalize_obs(self.observations[b, e, :], env),
            self.actions[b, e, :],
            self._normalize_obs(self.next_observations[b, e, :], env),
            (self.dones[b, e] * (1 - self.timeouts[b, e])).reshape(-1, 1),
            self._normalize_reward(self.rewards[b, e].reshape(-1, 1), env),
        )
        return ReplayBufferSamples(*tuple(map(self.to_torch, data)))


class OTSAC(SAC):
    """SB3's SAC that waits for the first finished episode before its first gradient step.

    With :class:`OTReplayBuffer` nothing has a reward until an episode ends, which may be
    after ``learning_starts``; until then :meth:`train` does nothing (the reference starts
    training after its seed frames, whole episodes). Otherwise identical to SAC.
    """

    def train(self, gradient_steps: int, batch_size: int = 64) -> None:
        buffer = self.replay_buffer
        if isinstance(buffer, OTReplayBuffer) and not buffer.has_finished_episode:
            return
        super().train(gradient_steps, batch_size)
