"""Imitation from observation: optimal-transport rewards relabelled into SB3's replay buffer.

The learner never sees the environment's reward. When an episode ends, each of its steps gets
the optimal-transport proxy reward of Papagiannis & Li ("Imitation Learning with Sinkhorn
Distances", 2022) as used by ROT (Haldar et al., CoRL 2022) and ADS (Liu et al., "Imitation
Learning from Observation with Automatic Discount Scheduling", ICLR 2024; TEACHERS.md section 8):

* for the episode's observations ``x_0 .. x_T`` (the reset's, then the one after each step) and
  a demonstration ``y_0 .. y_T'`` recorded the same way
  (:func:`~autocurriculum.environments.demonstrations.record_demonstrations`), the cost matrix
  ``C[i, j] = d(f(x_i), f(y_j))`` over chosen features ``f`` (``features``: all values by
  default), cosine distance by default, as the reference's ``sinkhorn_cosine`` (Euclidean on
  request), and the entropic
  optimal-transport plan ``P`` between the uniform distributions over both sequences
  (Sinkhorn, ``epsilon`` 0.01, 100 iterations; in the log domain where the kernel would
  underflow);
* frame ``i``'s reward is ``-scale * sum_j P[i, j] C[i, j]``, against the demonstration whose
  total is the highest (the closest one); the transition into frame ``i`` earns it;
* ``scale`` is set after the first episode so that that episode's rewards sum to about
  ``-auto_scale_factor`` (10), the reference's ``auto_rew_scale``.

Off-policy students only: :class:`OTReplayBuffer` keeps each environment copy's open episode
aside and writes it, relabelled, into SB3's n-step replay buffer when it ends (the reference
adds an episode to its buffer when it ends); n-step targets (the paper's learner uses 3 steps)
then use the current, possibly scheduled, discount.
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
from stable_baselines3.common.buffers import NStepReplayBuffer
from stable_baselines3.common.type_aliases import ReplayBufferSamples
from stable_baselines3.common.vec_env import VecNormalize

from autocurriculum.teachers.ads import FeatureSpec, cost_matrix, load_demonstrations, make_features

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
    a typical step's reward at the worst step). POT also stops early once the column marginal is
    within ``1e-9`` (checked every 10 iterations); this always runs ``n_iter`` (the rewards agree
    to about 1e-6 relative, ``tests/students/test_imitation.py``). When ``K`` would underflow (``C / epsilon`` above 700) or the
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
    features:
        What the cost compares (:func:`~autocurriculum.teachers.ads.make_features`): ``None``
        (every observation value), indices, a projection matrix, or (from Python) an encoder.
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
        features: FeatureSpec = None,
        epsilon: float = 0.01,
        n_iter: int = 100,
        auto_scale_factor: float | None = 10.0,
        scale: float = 1.0,
    ) -> None:
        self.raw_demos = load_demonstrations(demos, "demos")
        self.features = make_features(features, int(self.raw_demos[0].shape[1]), "features")
        self.demos = [self.features(d) for d in self.raw_demos]
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
        """The number of observation values (before the features)."""
        return int(self.raw_demos[0].shape[1])

    def unscaled(self, observations: np.ndarray) -> tuple[np.ndarray, int]:
        """Per-step rewards at scale 1 against the closest demonstration, and its index."""
        x = np.asarray(observations, dtype=np.float64)
        if x.ndim != 2 or x.shape[1] != self.obs_dim or x.shape[0] < 1:
            raise ValueError(f"observations: expected a (T, {self.obs_dim}) array, got shape {x.shape}")
        x = self.features(x)
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


class OTReplayBuffer(NStepReplayBuffer):
    """SB3's n-step replay buffer whose transitions receive OT rewards when their episode ends.

    Each environment copy's open episode waits beside the buffer; when it ends, its rewards are
    computed from its observations (the reset's, then each next one, the terminal one included)
    and the whole episode is written into SB3's storage, one transition at a time, in order. The
    storage therefore holds finished, relabelled episodes only (the reference adds an episode to
    its buffer when it ends), each contiguous, so SB3's own sampling applies unchanged:
    :class:`~stable_baselines3.common.buffers.NStepReplayBuffer` with ``n_steps`` (default 1, a
    plain one-step target; the paper's learner, DrQ-v2, uses 3) and ``gamma``, the discount of
    the n-step return ``sum_i gamma^i r_{t+i}`` and of the bootstrap ``gamma^n`` (SAC reads it from
    the samples' ``discounts``); the student's :meth:`~autocurriculum.students.sb3.SB3Student.set_gamma`
    updates it, so a scheduled discount (ADS) reaches both.

    The storage is one column of ``buffer_size`` transitions whatever the number of environment
    copies (episodes of several copies follow one another). Extra parameter: ``rewarder``, an
    :class:`OTRewarder`. Sampling draws from SB3's global NumPy generator, which SB3 seeds.
    """

    def __init__(self, *args: Any, rewarder: OTRewarder, **kwargs: Any) -> None:
        n_envs = int(kwargs.pop("n_envs", 1))
        kwargs.setdefault("n_steps", 1)
        super().__init__(*args, n_envs=1, **kwargs)
        if isinstance(self.n_steps, bool) or not isinstance(self.n_steps, int) or self.n_steps < 1:
            raise ValueError(f"OTReplayBuffer: n_steps must be a positive integer, got {self.n_steps!r}")
        if not isinstance(self.observation_space, spaces.Box) or len(self.obs_shape) != 1:
            raise ValueError(f"OTReplayBuffer: needs flat Box observations, got {self.observation_space}")
        if self.obs_shape[0] != rewarder.obs_dim:
            raise ValueError(
                f"OTReplayBuffer: observations have {self.obs_shape[0]} values, the demonstrations {rewarder.obs_dim}"
            )
        self.rewarder = rewarder
        self.n_copies = n_envs
        self.open_episodes: list[list[tuple[np.ndarray, ...]]] = [[] for _ in range(n_envs)]
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
        for i in range(self.n_copies):
            episode = self.open_episodes[i]
            if len(episode) >= self.buffer_size:
                raise RuntimeError(
                    f"OTReplayBuffer: an episode of env {i} outgrew the buffer ({self.buffer_size} transitions)"
                )
            episode.append((np.array(obs[i]), np.array(next_obs[i]), np.array(action[i]), bool(done[i]), infos[i]))
            if done[i]:
                self._relabel(episode)
                self.open_episodes[i] = []

    def _relabel(self, episode: list[tuple[np.ndarray, ...]]) -> None:
        frames = np.stack([episode[0][0], *(t[1] for t in episode)]).reshape(len(episode) + 1, -1)
        rewards = self.rewarder(frames)[1:]  # transition t earns the reward of the frame it leads to
        for (obs, next_obs, action, done, info), r in zip(episode, rewards, strict=True):
            super().add(obs[None], next_obs[None], action[None], np.array([r]), np.array([done]), [info])
        self.n_relabelled += 1

    def abandon_open_episodes(self) -> int:
        """Forget the open episodes (after the environments restart); they are never stored."""
        n = sum(1 for e in self.open_episodes if e)
        self.open_episodes = [[] for _ in range(self.n_copies)]
        return n

    @property
    def has_finished_episode(self) -> bool:
        """Whether any relabelled transition is stored (sampleable)."""
        return self.full or self.pos > 0

    def sample(self, batch_size: int, env: VecNormalize | None = None) -> ReplayBufferSamples:
        if not self.has_finished_episode:
            raise RuntimeError(
                "OTReplayBuffer: no finished episode yet, so no reward to learn from; set the algorithm's "
                "learning_starts above the episode length"
            )
        return super().sample(batch_size, env)


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
