"""Deep-RL students on Stable-Baselines3: PPO and SAC driven by a teacher.

A student owns the vector environment (wrapped by :class:`~autocurriculum.environments.task_wrapper.TaskVecEnv`
so that the teacher chooses every episode's task), the SB3 model (Raffin et al., "Stable-Baselines3:
Reliable Reinforcement Learning Implementations", JMLR 2021) and the evaluation on a fixed test
set. What it adds to SB3:

* **tasks from the teacher**, with raw episodic returns reported to it (teachers normalise, e.g.
  ALP-GMM with ``return_bounds=(-150, 350)`` on BipedalWalker tracks);
* **observation and reward normalisation** with ``VecNormalize`` where the algorithm wants it
  (PPO by default; SAC not, as in TeachMyAgent), wrapped *outside* the task wrapper so that the
  teacher sees raw returns; evaluation normalises observations with the training statistics
  without updating them;
* **evaluation on a fixed test set** (:func:`stump_tracks_test_set`, the 10 x 10 grid of
  TeachMyAgent, by default for Stump Tracks; any list of tasks otherwise): the % of tasks
  mastered (return above ``mastery_threshold``, 230 by default) and the mean return, every
  ``eval_every`` steps and on request; kept in :attr:`SB3Student.history`; a *named* test set
  (``{name: task}``, e.g. :func:`~autocurriculum.environments.accel_walker.accel_walker_test_set`,
  the default for the ACCEL walker, or the environment's ``default_test_tasks`` such as the
  held-out mazes of ``autocurriculum/Maze-v0``) adds the solved rate and mean return per name,
  over ``test_episodes`` episodes of each, and the success of each named task with their mean
  when the environment reports success;
* **the sampled-level protocol** of Sampling For Learnability (Rutherford et al., NeurIPS
  2024): with ``sampled_levels > 0``, every evaluation also plays that many uniformly
  generated *solvable* levels (the same ones each time, drawn from ``eval_seed``),
  ``sampled_attempts`` times each with the stochastic policy, and reports the mean success and
  its CVaR at 10 % and 1 % (:func:`cvar`: the mean success rate of the worst alpha fraction of
  levels);
* **regret scores** for teachers whose ``requires`` contains ``"score"`` (PLR, Robust PLR,
  ACCEL; Jiang et al., "Prioritized Level Replay", ICML 2021, and "Replay-Guided Adversarial
  Environment Design", NeurIPS 2021): positive value loss, L1 value loss and MaxMC per episode,
  computed once per rollout from PPO's rollout buffer (:class:`RegretScorer`);
* **a discount factor the teacher may change** between updates (:meth:`SB3Student.set_gamma`,
  for discount scheduling, Liu et al., ICLR 2024), which PPO's GAE targets and SAC's critic
  targets then use; a *discount teacher* (:class:`~autocurriculum.teachers.ads.ADS`) passed as
  ``discount_teacher`` sets it from the observations of evaluation episodes every
  ``discount_every`` steps;
* **save and load** of the whole student (:meth:`SB3Student.save`, :meth:`SB3Student.load`).

Example::

    from autocurriculum.students.sb3 import PPOStudent, stump_tracks_test_set
    from autocurriculum.teachers import ALPGMM

    student = PPOStudent("autocurriculum/StumpTracks-v0", n_envs=4, total_timesteps=1_000_000,
                         test_tasks=stump_tracks_test_set(), eval_every=250_000)
    teacher = ALPGMM(student.task_space, return_bounds=(-150, 350), seed=0)
    student.learn(teacher)           # trains to the budget, evaluating every 250k steps
    student.history[-1]              # {"step": ..., "mastered_percent": ..., "mean_return": ...}
"""

from __future__ import annotations

import copy
import functools
import io
import json
import math
import signal
import time
import typing
import zipfile
from collections import deque
from collections.abc import Callable, Collection, Generator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import gymnasium as gym
import numpy as np
from stable_baselines3 import PPO
from stable_baselines3.common.base_class import BaseAlgorithm
from stable_baselines3.common.buffers import RolloutBuffer
from stable_baselines3.common.callbacks import BaseCallback, CallbackList
from stable_baselines3.common.off_policy_algorithm import OffPolicyAlgorithm
from stable_baselines3.common.running_mean_std import RunningMeanStd
from stable_baselines3.common.type_aliases import RolloutBufferSamples
from stable_baselines3.common.vec_env import DummyVecEnv, SubprocVecEnv, VecEnv, VecNormalize

import autocurriculum.environments  # noqa: F401 - registers the gymnasium ids
from autocurriculum.environments.task_wrapper import EpisodeOutcome, FixedLessons, PinnedLessons, TaskVecEnv
from autocurriculum.students.base import EpisodeRecord, Student
from autocurriculum.students.imitation import OTSAC, OTReplayBuffer, OTRewarder
from autocurriculum.teachers.base import Feedback, Lesson, Teacher
from autocurriculum.teachers.spaces import BoxSpace, TaskSpace
from autocurriculum.teachers.state_codec import CheckpointError, decode, encode

__all__ = [
    "PPO_BIPEDAL_WALKER",
    "SAC_TEACHMYAGENT",
    "SCORE_FUNCTIONS",
    "EpisodeScore",
    "MaskedPPO",
    "MaskedRolloutBuffer",
    "PPOStudent",
    "RegretScorer",
    "SACStudent",
    "SB3Student",
    "cvar",
    "stump_tracks_test_set",
]

STUMP_TRACKS_ID = "autocurriculum/StumpTracks-v0"
ACCEL_WALKER_ID = "autocurriculum/AccelWalker-v0"
PARKOUR_ID = "autocurriculum/Parkour-v0"

#: rl-baselines3-zoo's tuned PPO for BipedalWalker-v3 (with ``VecNormalize``); ``n_steps`` is
#: per environment copy. The zoo uses 32 envs; see ``benchmarks/stump_tracks.py`` for 2 cores.
PPO_BIPEDAL_WALKER: dict[str, Any] = {
    "n_steps": 2048,
    "batch_size": 64,
    "gamma": 0.999,
    "gae_lambda": 0.95,
    "n_epochs": 10,
    "ent_coef": 0.0,
    "learning_rate": 3e-4,
    "clip_range": 0.18,
}

#: TeachMyAgent's SAC for Stump Tracks (Romac et al., ICML 2021): MLP 400-300, lr 1e-3,
#: entropy coefficient 0.005, batch 1000, buffer 2M.
SAC_TEACHMYAGENT: dict[str, Any] = {
    "learning_rate": 1e-3,
    "ent_coef": 0.005,
    "batch_size": 1000,
    "buffer_size": 2_000_000,
    "gamma": 0.99,
    "policy_kwargs": {"net_arch": [400, 300]},
}

#: The CVaR levels of the sampled-level protocol (SFL reports 10 % and 1 %), by metric suffix.
CVAR_ALPHAS: dict[str, float] = {"cvar10": 0.10, "cvar1": 0.01}


def cvar(values: Sequence[float] | np.ndarray, alpha: float) -> float:
    """Conditional value at risk of the lower tail: the mean of the worst ``ceil(alpha * n)`` values.

    Sampling For Learnability (Rutherford et al., NeurIPS 2024) reports it over per-level
    success rates at alpha = 10 % and 1 %.
    """
    arr = np.sort(np.asarray(values, dtype=np.float64).reshape(-1))
    if arr.size == 0:
        raise ValueError("cvar: expected at least one value")
    if not 0.0 < alpha <= 1.0:
        raise ValueError(f"cvar: alpha must lie in (0, 1], got {alpha!r}")
    k = max(1, math.ceil(alpha * arr.size - 1e-9))
    return float(arr[:k].mean())


#: Regret scores of Jiang et al. (TEACHERS.md section 6), by name.
SCORE_FUNCTIONS = ("positive_value_loss", "l1_value_loss", "max_mc")


def stump_tracks_test_set(
    n_heights: int = 10, n_spacings: int = 10, max_stump_height: float = 3.0, max_spacing: float = 6.0
) -> np.ndarray:
    """The Stump Tracks test grid: ``n_heights x n_spacings`` tasks over ``[0, 3] x [0, 6]``.

    TeachMyAgent (Romac et al., ICML 2021) evaluates on 100 such tasks; the grid includes both
    ends of each range. Returns an array of shape ``(n_heights * n_spacings, 2)`` of
    ``[stump_height, obstacle_spacing]``, heights varying slowest.
    """
    for name, n in (("n_heights", n_heights), ("n_spacings", n_spacings)):
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
            raise ValueError(f"{name}: expected a positive integer, got {n!r}")
    h = np.linspace(0.0, max_stump_height, n_heights)
    s = np.linspace(0.0, max_spacing, n_spacings)
    return np.array([[a, b] for a in h for b in s], dtype=np.float64)


# --------------------------------------------------------------------------- regret scores


@dataclass(frozen=True)
class EpisodeScore:
    """The learner-side signals of one finished episode (TEACHERS.md section 6).

    Attributes
    ----------
    lesson:
        The lesson played.
    env_index:
        The environment copy that played it.
    length:
        Number of steps ``T``.
    positive_value_loss:
        ``(1/T) sum_t max(A_t, 0)`` (Robust PLR).
    l1_value_loss:
        ``(1/T) sum_t |A_t|`` (PLR).
    max_mc:
        ``(1/T) sum_t (R_max(level) - V(s_t))`` with ``R_max`` the best return seen on the level,
        this episode included, in the learner's reward units.
    training_return:
        The episode's undiscounted return in the learner's (possibly normalised) reward units.
    initial_value:
        The critic's value at the episode's first observation, in the same units (SPDL's ``V(c)``;
        reported to teachers as ``extras["initial_value"]``).
    """

    lesson: Lesson
    env_index: int
    length: int
    positive_value_loss: float
    l1_value_loss: float
    max_mc: float
    training_return: float
    initial_value: float = 0.0

    def score(self, name: str) -> float:
        """The score called ``name`` (one of :data:`SCORE_FUNCTIONS`)."""
        return float(getattr(self, name))


class RegretScorer:
    """Per-episode regret scores from rollouts, merging episodes cut by a rollout's end.

    Jiang et al. (ICML 2021; NeurIPS 2021) score a level from the learner's rollout: with ``A_t``
    the GAE advantage and ``V`` the value estimates over the ``T`` steps of an episode,
    positive value loss ``mean max(A_t, 0)``, L1 value loss ``mean |A_t|`` and MaxMC
    ``mean (R_max - V(s_t))``. An episode cut by the end of a rollout continues in the next one:
    its sums are carried over, so that its score is the step-weighted mean over all its steps.
    ``R_max`` is kept per level (the task, as plain data), as in JaxUED, from undiscounted
    episode returns in the learner's reward units (the units of ``V``).
    """

    def __init__(self, n_envs: int) -> None:
        self.n_envs = n_envs
        self.open: list[dict[str, Any] | None] = [None] * n_envs
        self.max_returns: dict[Any, float] = {}

    def add_rollout(
        self,
        advantages: np.ndarray,
        values: np.ndarray,
        rewards: np.ndarray,
        dones: np.ndarray,
        lessons: np.ndarray,
        key: Callable[[Lesson], Any],
    ) -> list[EpisodeScore]:
        """Score the episodes that end in this rollout.

        Parameters
        ----------
        advantages, values, rewards:
            Arrays ``(n_steps, n_envs)`` from the rollout buffer.
        dones:
            ``(n_steps, n_envs)`` booleans: the episode ended with the transition at ``t``.
        lessons:
            ``(n_steps, n_envs)`` object array: the lesson of each transition.
        key:
            Maps a lesson to its level key (hashable) for ``R_max``.
        """
        shape = advantages.shape
        if shape != values.shape or shape != rewards.shape or shape != dones.shape or shape != lessons.shape:
            raise ValueError(
                f"rollout arrays must share a shape (n_steps, n_envs): advantages {advantages.shape}, values "
                f"{values.shape}, rewards {rewards.shape}, dones {dones.shape}, lessons {lessons.shape}"
            )
        if shape[1] != self.n_envs:
            raise ValueError(f"rollout arrays: expected {self.n_envs} environment columns, got {shape[1]}")
        out: list[EpisodeScore] = []
        n_steps = shape[0]
        for i in range(self.n_envs):
            ends = np.flatnonzero(dones[:, i])
            starts = np.concatenate([[0], ends + 1])
            stops = np.concatenate([ends + 1, [n_steps]])
            for k, (s, e) in enumerate(zip(starts, stops, strict=True)):
                if s >= e:
                    continue
                lesson = lessons[s, i]
                acc = self.open[i] if k == 0 else None
                if acc is not None and acc["lesson"] is not lesson:
                    raise RuntimeError(
                        f"env {i}: the rollout starts with lesson {getattr(lesson, 'id', None)} but the episode "
                        f"left open by the previous rollout played lesson {acc['lesson'].id}"
                    )
                if acc is None:
                    acc = {"lesson": lesson, "pos": 0.0, "abs": 0.0, "value": 0.0, "reward": 0.0, "T": 0}
                    acc["first_value"] = float(values[s, i])
                a = advantages[s:e, i]
                acc["pos"] += float(np.maximum(a, 0.0).sum())
                acc["abs"] += float(np.abs(a).sum())
                acc["value"] += float(values[s:e, i].sum())
                acc["reward"] += float(rewards[s:e, i].sum())
                acc["T"] += int(e - s)
                if k < len(ends):  # the episode ends inside this rollout
                    self.open[i] = None
                    out.append(self._finish(acc, i, key))
                else:
                    self.open[i] = acc
        return out

    def _finish(self, acc: dict[str, Any], i: int, key: Callable[[Lesson], Any]) -> EpisodeScore:
        t = acc["T"]
        level = key(acc["lesson"])
        r_max = max(self.max_returns.get(level, -math.inf), acc["reward"])
        self.max_returns[level] = r_max
        return EpisodeScore(
            lesson=acc["lesson"],
            env_index=i,
            length=t,
            positive_value_loss=acc["pos"] / t,
            l1_value_loss=acc["abs"] / t,
            max_mc=r_max - acc["value"] / t,
            training_return=acc["reward"],
            initial_value=acc["first_value"],
        )

    def drop_open(self) -> int:
        """Forget the episodes left open (after an environment reset); returns how many."""
        n = sum(a is not None for a in self.open)
        self.open = [None] * self.n_envs
        return n


# --------------------------------------------------------------------------- no-gradient lessons


def lesson_trains(lesson: Lesson | None) -> bool:
    """Whether the learner may take gradient steps on an episode of ``lesson``.

    A lesson opts out with ``info["train"] = False``: Robust PLR's exploratory levels and
    ACCEL's edited children are played and scored but not learnt from (Jiang et al., NeurIPS
    2021; Parker-Holder et al., ICML 2022). Every other lesson trains.
    """
    if lesson is None or not isinstance(lesson.info, Mapping):
        return True
    return bool(lesson.info.get("train", True))


class MaskedRolloutBuffer(RolloutBuffer):
    """SB3's rollout buffer whose minibatches hold only the transitions marked trainable.

    :attr:`train_mask` (``(n_steps, n_envs)`` booleans, all True after :meth:`reset`) is filled
    during the rollout by the student's callback. GAE advantages and returns are still computed
    over every transition (the scores of no-gradient levels need them); :meth:`get` then
    shuffles and batches the trainable transitions only, so the policy and value losses never
    see the others, with its own generator (extra parameter ``seed``). A rollout with every
    transition trainable is batched by SB3's own ``get``.
    """

    _tensor_names: ClassVar[tuple[str, ...]] = (
        "observations",
        "actions",
        "values",
        "log_probs",
        "advantages",
        "returns",
    )

    def __init__(self, *args: Any, seed: int | None = None, **kwargs: Any) -> None:
        self.rng = np.random.default_rng(seed)
        super().__init__(*args, **kwargs)

    def reset(self) -> None:
        super().reset()
        self.train_mask = np.ones((self.buffer_size, self.n_envs), dtype=bool)

    @property
    def n_trainable(self) -> int:
        """Trainable transitions in the buffer."""
        return int(self.train_mask.sum())

    def get(self, batch_size: int | None = None) -> Generator[RolloutBufferSamples, None, None]:
        if self.train_mask.all():
            yield from super().get(batch_size)
            return
        if not self.full:
            raise RuntimeError("MaskedRolloutBuffer.get: the rollout is not complete")
        if not self.generator_ready:
            for name in self._tensor_names:
                self.__dict__[name] = self.swap_and_flatten(self.__dict__[name])
            self.generator_ready = True
        # swap_and_flatten orders transitions env-major: flat index = env * n_steps + step
        keep = np.flatnonzero(self.train_mask.T.reshape(-1))
        indices = self.rng.permutation(keep)
        size = indices.size if batch_size is None else batch_size
        for start in range(0, indices.size, size):
            yield self._get_samples(indices[start : start + size])


class MaskedPPO(PPO):
    """SB3's PPO that skips the update of a rollout holding no trainable transition.

    With :class:`MaskedRolloutBuffer`, the update only uses the transitions of lessons that
    train (:func:`lesson_trains`); a rollout made entirely of no-gradient lessons (as Robust
    PLR's exploratory rollouts in the reference implementation) takes no gradient step at all.
    :attr:`skipped_updates` counts those rollouts.
    """

    skipped_updates: int = 0

    def train(self) -> None:
        buffer = self.rollout_buffer
        if isinstance(buffer, MaskedRolloutBuffer):
            self.logger.record("train/trainable_fraction", buffer.n_trainable / buffer.train_mask.size)
            if buffer.n_trainable == 0:
                self.skipped_updates += 1
                self.logger.record("train/skipped_updates", self.skipped_updates)
                return
        super().train()


# --------------------------------------------------------------------------- the callback


class _StudentCallback(BaseCallback):
    """Records each transition's lesson, collects outcomes, scores rollouts, runs evaluations."""

    def __init__(self, student: SB3Student) -> None:
        super().__init__(verbose=0)
        self.student = student
        self.lessons: np.ndarray | None = None
        self.dones: np.ndarray | None = None
        self.outcomes: dict[tuple[int, int], EpisodeOutcome] = {}

    def _on_rollout_start(self) -> None:
        if self.student.scores_needed_:
            n_steps = self.model.n_steps  # type: ignore[attr-defined]
            n_envs = self.model.n_envs
            self.lessons = np.empty((n_steps, n_envs), dtype=object)
            self.dones = np.zeros((n_steps, n_envs), dtype=bool)
            self.outcomes = {}

    def _on_step(self) -> bool:
        student = self.student
        infos = self.locals["infos"]
        mask = getattr(self.model, "rollout_buffer", None)
        if isinstance(mask, MaskedRolloutBuffer):
            t = self.locals["n_steps"]
            for i, info in enumerate(infos):
                mask.train_mask[t, i] = lesson_trains(info.get("lesson"))
        if student.scores_needed_:
            t = self.locals["n_steps"]
            assert self.lessons is not None and self.dones is not None
            self.dones[t] = self.locals["dones"]
            for i, info in enumerate(infos):
                self.lessons[t, i] = info["lesson"]
                outcome = info.get("episode_outcome")
                if outcome is not None:
                    self.outcomes[(t, i)] = outcome
        else:
            for info in infos:
                outcome = info.get("episode_outcome")
                if outcome is not None:
                    student._record(outcome.lesson, outcome.feedback())
        return True

    def _on_rollout_end(self) -> None:
        student = self.student
        if student.scores_needed_:
            student._report_scores(self.lessons, self.dones, self.outcomes)  # type: ignore[arg-type]
        student._maybe_evaluate()
        student._maybe_update_discount()


# --------------------------------------------------------------------------- students


class SB3Student(Student):
    """Common machinery of :class:`PPOStudent` and :class:`SACStudent`.

    Parameters
    ----------
    env:
        A registered gymnasium id (default ``"autocurriculum/StumpTracks-v0"``) or a factory
        returning a fresh environment. The environment must accept a task through ``set_task`` and
        ``reset(options={"task": ...})`` and expose ``task_space``.
    env_kwargs:
        Keyword arguments of ``gymnasium.make`` (ids only), e.g. ``{"body": "short"}``.
    teacher:
        The teacher (also accepted by :meth:`learn`); it lives in this process.
    n_envs:
        Environment copies (default 4).
    vec_env:
        ``"subproc"`` (one worker process per copy; default when ``n_envs > 1``), ``"dummy"`` or
        ``"ray"`` (copies in Ray actors, several per actor:
        :class:`~autocurriculum.environments.ray_vec_env.RayVecEnv`; needs ``autocurriculum[ray]``).
    total_timesteps:
        Budget in environment steps; :meth:`learn` without ``amount`` trains up to it.
    test_tasks:
        The test set: a sequence of tasks, or a mapping ``{name: task}`` whose evaluation also
        reports ``solved_rate_<name>`` (fraction of that task's episodes with a return above
        ``mastery_threshold``), ``return_<name>`` (their mean return) and, when the environment
        reports success, ``success/<name>``. Default: :func:`stump_tracks_test_set` for Stump
        Tracks, the six test terrains of
        :func:`~autocurriculum.environments.accel_walker.accel_walker_test_set` for the ACCEL
        walker, the 100 tasks of :func:`~autocurriculum.environments.parkour.parkour_test_set` for
        Parkour, the environment's ``default_test_tasks`` where it has them (the held-out mazes),
        none otherwise. Test tasks are checked against the environment's ``test_task_space``
        where it has one (mazes of other sizes), else its ``task_space``.
    test_episodes:
        Episodes played on each test task at every evaluation (default 1; dcd plays 10 per ACCEL
        test terrain). A task is mastered when its mean return exceeds ``mastery_threshold``.
    mastery_threshold:
        A test task is mastered when its return exceeds this (default 230, TeachMyAgent).
    eval_every:
        Evaluate every this many steps during :meth:`learn` (at the end of the rollout that
        crosses each multiple); ``None`` (default): only when :meth:`evaluate` is called.
    n_eval_envs:
        In-process copies that play the test set (default 8).
    eval_seed:
        Seed of the evaluation environments, reset at every evaluation (default 12345), and of
        the sampled levels.
    eval_attempts:
        Episodes per test task (default 1: the deterministic policy, once). More play the
        stochastic policy that many times and average: a memoryless policy that is deterministic
        loops forever in a maze it has not learned, so SFL evaluates held-out mazes over 5
        stochastic attempts.
    sampled_levels:
        Uniformly generated solvable levels played at every evaluation (default 0: none). They
        come from the environment's ``level_space`` (else its ``task_space``), with its
        ``sample_solvable`` where it has one.
    sampled_attempts:
        Episodes per sampled level, with the stochastic policy (default 1).
    normalize:
        Wrap the training env in ``VecNormalize`` (observations and rewards); default: the
        environment's ``vec_normalize`` attribute where it has one (the mazes: ``False``), else
        per algorithm (PPO: ``True``, SAC: ``False``).
    score:
        Which regret score a teacher requiring ``"score"`` receives (one of
        :data:`SCORE_FUNCTIONS`; default ``"positive_value_loss"``; PPO only).
    return_bounds:
        Offered to teachers that take ``return_bounds`` (:meth:`teacher_defaults`); default
        ``(-150, 350)`` for Stump Tracks, as in TeachMyAgent.
    algo_kwargs:
        Keyword arguments of the SB3 algorithm, over this student's defaults.
    callback:
        An SB3 callback run alongside the student's own (e.g. for TensorBoard).
    discount_teacher:
        A teacher over a one-dimensional discount space (:class:`~autocurriculum.teachers.ads.ADS`), alongside
        the task teacher. Its first lesson sets the discount at set-up; every ``discount_every``
        steps (at the end of the rollout that crosses each multiple) the student plays
        ``discount_tasks`` once each with the deterministic policy, reports
        ``Feedback(trajectories=[raw observations of each episode], episode_return=<mean>)``,
        and applies the teacher's next lesson with :meth:`set_gamma`.
    discount_every:
        Steps between discount updates (default: ``eval_every``).
    discount_tasks:
        The tasks of those episodes (the task of the expert's demonstrations, repeated for
        several episodes: the paper plays 10).
    imitation:
        An :class:`~autocurriculum.students.imitation.OTRewarder`: learn from observation only, with
        optimal-transport rewards against its demonstrations written into the replay buffer when
        each episode ends (:class:`~autocurriculum.students.imitation.OTReplayBuffer`; off-policy students,
        without ``VecNormalize``). The teacher still receives the environment's returns.
        ``algo_kwargs["n_steps"]`` (SB3's own n-step option) sets the buffer's n-step targets
        (3 in the paper's learner); their ``gamma^i`` and ``gamma^n`` follow :meth:`set_gamma`.
    reset_every:
        A forgetting student (TeachMyAgent's challenge): every this many steps (at the end of the
        rollout that crosses each multiple) the policy and value networks and their optimiser are
        built afresh, as at set-up; environments, normalisation statistics, the teacher and the
        step count carry on. PPO only. Default ``None``: never.
    seed:
        Seeds SB3 (which seeds torch and the environments) and the evaluation.
    """

    unit: ClassVar[str] = "steps"
    algo_class: ClassVar[type[BaseAlgorithm]]
    default_algo_kwargs: ClassVar[dict[str, Any]] = {}
    default_normalize: ClassVar[bool] = False
    supports_scores: ClassVar[bool] = False

    def __init__(
        self,
        env: str | Callable[[], gym.Env] = STUMP_TRACKS_ID,
        *,
        env_kwargs: Mapping[str, Any] | None = None,
        teacher: Teacher | None = None,
        n_envs: int = 4,
        vec_env: str | None = None,
        total_timesteps: int | None = None,
        test_tasks: Sequence[Any] | Mapping[str, Any] | np.ndarray | None = None,
        test_episodes: int = 1,
        mastery_threshold: float = 230.0,
        eval_every: int | None = None,
        n_eval_envs: int = 8,
        eval_seed: int = 12345,
        eval_attempts: int = 1,
        sampled_levels: int = 0,
        sampled_attempts: int = 1,
        normalize: bool | None = None,
        score: str = "positive_value_loss",
        return_bounds: tuple[float, float] | None = None,
        algo_kwargs: Mapping[str, Any] | None = None,
        callback: BaseCallback | None = None,
        discount_teacher: Teacher | None = None,
        discount_every: int | None = None,
        discount_tasks: Sequence[Any] | np.ndarray | None = None,
        imitation: OTRewarder | None = None,
        reset_every: int | None = None,
        seed: int | None = 0,
    ) -> None:
        self.env = env
        self.env_kwargs = env_kwargs
        self.teacher = teacher
        self.n_envs = n_envs
        self.vec_env = vec_env
        self.total_timesteps = total_timesteps
        self.test_tasks = test_tasks
        self.test_episodes = test_episodes
        self.mastery_threshold = mastery_threshold
        self.eval_every = eval_every
        self.n_eval_envs = n_eval_envs
        self.eval_seed = eval_seed
        self.eval_attempts = eval_attempts
        self.sampled_levels = sampled_levels
        self.sampled_attempts = sampled_attempts
        self.normalize = normalize
        self.score = score
        self.return_bounds = return_bounds
        self.algo_kwargs = algo_kwargs
        self.callback = callback
        self.discount_teacher = discount_teacher
        self.discount_every = discount_every
        self.discount_tasks = discount_tasks
        self.imitation = imitation
        self.reset_every = reset_every
        self.seed = seed

    # ------------------------------------------------------------------ validation and set-up
    def _env_factory(self) -> Callable[[], gym.Env]:
        env, kwargs = self.env, dict(self.env_kwargs or {})
        if isinstance(env, str):
            return functools.partial(_make_env, env, kwargs)
        if callable(env):
            if kwargs:
                raise ValueError(f"env_kwargs: {kwargs} given with an env factory; pass them to the factory instead")
            return env
        raise TypeError(f"env: expected a gymnasium id or a factory returning an env, got {env!r}")

    def _validate(self) -> None:
        for name in ("n_envs", "n_eval_envs", "test_episodes", "eval_attempts", "sampled_attempts"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
                raise ValueError(f"{name}: expected a positive integer, got {v!r}")
        v = self.sampled_levels
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 0:
            raise ValueError(f"sampled_levels: expected a non-negative integer, got {v!r}")
        for name in ("total_timesteps", "eval_every", "discount_every", "reset_every"):
            v = getattr(self, name)
            if v is not None and (isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1):
                raise ValueError(f"{name}: expected a positive integer or None, got {v!r}")
        if self.reset_every is not None and not self.supports_scores:
            raise ValueError(
                f"reset_every: {type(self).__name__} cannot be reset (its replay buffer and entropy tuning would "
                "outlive the networks); forgetting students are PPOStudent"
            )
        if self.vec_env not in (None, "subproc", "dummy", "ray"):
            raise ValueError(f"vec_env: got {self.vec_env!r}; allowed: 'subproc', 'dummy', 'ray' or None (automatic)")
        if not isinstance(self.mastery_threshold, (int, float)) or not math.isfinite(self.mastery_threshold):
            raise ValueError(f"mastery_threshold: expected a finite number, got {self.mastery_threshold!r}")
        if self.score not in SCORE_FUNCTIONS:
            raise ValueError(f"score: got {self.score!r}; allowed: {list(SCORE_FUNCTIONS)}")
        if self.normalize is not None and not isinstance(self.normalize, bool):
            raise TypeError(f"normalize: expected a bool or None, got {self.normalize!r}")

    @property
    def task_space(self) -> TaskSpace:
        """The environment's task space (read from one instance, built on first access)."""
        if getattr(self, "task_space_", None) is None:
            self._validate()
            env = self._env_factory()()
            try:
                space = env.get_wrapper_attr("task_space")
                self.env_extras_ = {name: _wrapper_attr(env, name) for name in _ENV_EXTRAS}
            except AttributeError:
                raise TypeError(
                    f"env: {env} exposes no task_space; the student needs an env with a task space"
                ) from None
            finally:
                env.close()
            if not isinstance(space, TaskSpace):
                raise TypeError(f"env: task_space must be a autocurriculum.teachers.spaces.TaskSpace, got {space!r}")
            self.task_space_ = space
        return self.task_space_

    def _default_normalize(self) -> bool:
        """The environment's ``vec_normalize`` where it is a bool, else the algorithm's default."""
        hint = self._env_extra("vec_normalize")
        return hint if isinstance(hint, bool) else self.default_normalize

    def _env_extra(self, name: str) -> Any:
        """An optional attribute of the environment (:data:`_ENV_EXTRAS`), ``None`` where it has none."""
        _ = self.task_space  # reads the environment once
        return self.env_extras_.get(name)

    @property
    def test_task_space(self) -> TaskSpace:
        """The space test tasks belong to: the env's ``test_task_space``, else its ``task_space``."""
        return self._env_extra("test_task_space") or self.task_space

    def teacher_defaults(self, accepted: Collection[str]) -> dict[str, Any]:
        """``return_bounds`` for teachers that normalise returns: ``(-150, 350)`` on Stump Tracks and
        ``(-150, 360)`` on Parkour (TeachMyAgent's); ``success_threshold`` for teachers that need a
        success (GoalGAN, Setter-Solver): the mastery threshold (230) on Stump Tracks and Parkour."""
        out: dict[str, Any] = {}
        bounds = self.return_bounds
        if bounds is None and self.env == STUMP_TRACKS_ID:
            bounds = (-150.0, 350.0)
        if bounds is None and self.env == PARKOUR_ID:
            bounds = (-150.0, 360.0)
        if bounds is not None and "return_bounds" in accepted:
            out["return_bounds"] = bounds
        if self.env in (STUMP_TRACKS_ID, PARKOUR_ID) and "success_threshold" in accepted:
            out["success_threshold"] = float(self.mastery_threshold)
        return out

    def _algo_kwargs(self) -> dict[str, Any]:
        kwargs = copy.deepcopy(self.default_algo_kwargs)
        kwargs.update(self.algo_kwargs or {})
        for forbidden in ("env", "seed", "tensorboard_log"):
            if forbidden in kwargs:
                raise ValueError(
                    f"algo_kwargs: {forbidden!r} is set by the student (env, seed) or by a callback (TensorBoard); "
                    f"remove it, got {kwargs[forbidden]!r}"
                )
        return kwargs

    def setup(self, teacher: Teacher | None = None) -> SB3Student:
        """Validate the parameters, build the environments and the model, bind the teacher."""
        teacher = teacher if teacher is not None else self.teacher
        if teacher is None:
            raise ValueError("teacher: no teacher given; pass one to the constructor, to setup() or to learn()")
        if not isinstance(teacher, (Teacher, PinnedLessons)):
            raise TypeError(
                f"teacher: expected a autocurriculum.teachers.Teacher (or a PinnedLessons source), got {type(teacher).__name__}"
            )
        if teacher.task_space != self.task_space:
            raise ValueError(
                f"teacher.task_space: {teacher.task_space!r} differs from the environment's {self.task_space!r}"
            )
        needs_score = "score" in teacher.requires
        if needs_score and not self.supports_scores:
            raise ValueError(
                f"teacher: {type(teacher).__name__} requires 'score' (regret from GAE advantages), which "
                f"{type(self).__name__} does not compute; use PPOStudent"
            )
        self._check_discount_teacher()
        self.teacher = teacher
        # Teachers that read the critic's value of an episode's first observation (SPDL) get it through
        # the rollout-end report, as regret scores; without a critic they fall back to returns.
        self.scores_needed_ = needs_score or (getattr(teacher, "uses_initial_value", False) and self.supports_scores)
        self.test_tasks_ = self._test_tasks()
        kwargs = self._algo_kwargs()
        gamma = float(kwargs.get("gamma", 0.99))
        _check_gamma(gamma)
        self.normalize_ = self._default_normalize() if self.normalize is None else self.normalize
        if self.imitation is not None:
            kwargs = self._imitation_kwargs(kwargs)

        factory = self._env_factory()
        use_subproc = self.vec_env == "subproc" or (self.vec_env is None and self.n_envs > 1)
        if self.vec_env == "ray":
            from autocurriculum.environments.ray_vec_env import RayVecEnv  # imports Ray only here

            base: VecEnv = RayVecEnv([factory] * self.n_envs)
        elif use_subproc:
            base = SubprocVecEnv([functools.partial(_make_worker_env, factory)] * self.n_envs)
        else:
            base = DummyVecEnv([factory] * self.n_envs)
        self.task_env_ = TaskVecEnv(base, teacher, update_teacher=not self.scores_needed_)
        venv: VecEnv = self.task_env_
        if self.normalize_:
            venv = VecNormalize(venv, norm_obs=True, norm_reward=True, gamma=gamma)
        self.venv_ = venv
        self.model_ = self.algo_class("MlpPolicy", venv, seed=self.seed, device="cpu", **kwargs)
        self.scorer_ = RegretScorer(self.n_envs) if self.scores_needed_ else None
        self.callback_ = _StudentCallback(self)
        self.history: list[dict[str, Any]] = []
        self.records_: list[EpisodeRecord] = []
        self.n_episodes_ = 0
        self.n_evaluations_ = 0
        self.wall_seconds_ = 0.0
        self.eval_seconds_ = 0.0
        self.next_eval_ = self.eval_every
        self.next_reset_ = self.reset_every
        self.n_resets_ = 0
        self.learn_started_: float | None = None
        self.discount_history: list[dict[str, float]] = []
        self.discount_seconds_ = 0.0
        self.discount_lesson_: Lesson | None = None
        self.next_discount_ = None if self.discount_teacher is None else self.discount_every_
        if self.discount_teacher is not None:
            self._apply_discount(self.discount_teacher.sample())
        return self

    def _imitation_kwargs(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        if not isinstance(self.imitation, OTRewarder):
            raise TypeError(f"imitation: expected a autocurriculum.students.imitation.OTRewarder, got {type(self.imitation).__name__}")
        if not issubclass(self.algo_class, OffPolicyAlgorithm):
            raise ValueError(
                f"imitation: {type(self).__name__} is on-policy; OT rewards are written into a replay buffer "
                "when each episode ends, so use SACStudent"
            )
        if self.normalize_:
            raise ValueError("imitation: needs normalize=False (VecNormalize would scale the environment's rewards)")
        if "replay_buffer_class" in kwargs:
            raise ValueError("algo_kwargs.replay_buffer_class: set by the student when imitation is given")
        kwargs = dict(kwargs)
        n_steps = kwargs.pop("n_steps", 1)  # SB3 sets up n-step targets itself only for its own buffers
        if isinstance(n_steps, bool) or not isinstance(n_steps, int) or n_steps < 1:
            raise ValueError(f"algo_kwargs.n_steps: expected a positive integer (n-step targets), got {n_steps!r}")
        return {
            **kwargs,
            "replay_buffer_class": OTReplayBuffer,
            "replay_buffer_kwargs": {
                "n_steps": n_steps,
                "gamma": float(kwargs.get("gamma", 0.99)),
                **kwargs.get("replay_buffer_kwargs", {}),
                "rewarder": self.imitation,
            },
        }

    def _check_discount_teacher(self) -> None:
        teacher = self.discount_teacher
        if teacher is None:
            return
        if not isinstance(teacher, Teacher):
            raise TypeError(f"discount_teacher: expected a autocurriculum.teachers.Teacher, got {type(teacher).__name__}")
        space = teacher.task_space
        if not isinstance(space, BoxSpace) or space.dim != 1:
            raise ValueError(
                f"discount_teacher.task_space: expected a 1-D BoxSpace of discounts (autocurriculum.teachers.discount_space()), "
                f"got {space!r}"
            )
        every = self.eval_every if self.discount_every is None else self.discount_every
        if every is None:
            raise ValueError("discount_every: required with a discount_teacher (or set eval_every)")
        if self.discount_tasks is None or len(self.discount_tasks) == 0:
            raise ValueError(
                "discount_tasks: required with a discount_teacher: the tasks of the episodes whose observations "
                "it reads (the demonstrations' task, once per episode)"
            )
        self.discount_tasks_ = [
            self.task_space.check(t, f"discount_tasks[{i}]") for i, t in enumerate(self.discount_tasks)
        ]
        self.discount_every_ = int(every)

    def _apply_discount(self, lesson: Lesson) -> None:
        gamma = float(np.asarray(lesson.task, dtype=np.float64).reshape(-1)[0])
        self.set_gamma(gamma)
        self.discount_lesson_ = lesson
        assert self.discount_teacher is not None
        self.discount_history.append(
            {
                "step": float(self.progress),
                "gamma": gamma,
                **{k: v for k, v in self.discount_teacher.metrics().items() if k != "gamma"},
            }
        )

    def _maybe_update_discount(self) -> None:
        if self.next_discount_ is None or self.progress < self.next_discount_:
            return
        while self.next_discount_ <= self.progress:
            self.next_discount_ += self.discount_every_
        self.update_discount()

    def update_discount(self) -> float:
        """Play ``discount_tasks``, report their observations to the discount teacher, apply its discount.

        Observations are the environment's raw ones (before ``VecNormalize``), one ``(T + 1, obs_dim)``
        array per episode of ``T`` steps: the reset's observation, then the one after each step
        (aligned as :func:`~autocurriculum.environments.demonstrations.record_demonstrations` records
        demonstrations).
        Returns the new discount.
        """
        self._ensure_setup(None)
        teacher, lesson = self.discount_teacher, self.discount_lesson_
        if teacher is None or lesson is None:
            raise ValueError("discount_teacher: this student has none; build it with discount_teacher=...")
        t0 = time.perf_counter()
        returns, trajectories = self._play(FixedLessons(self.discount_tasks_, self.task_space), record=True)
        feedback = Feedback(
            trajectories=trajectories,
            episode_return=float(returns.mean()),
            length=int(sum(len(t) - 1 for t in trajectories)),  # steps: each episode has T + 1 frames
        )
        teacher.update(lesson, feedback)
        self._apply_discount(teacher.sample())
        self.discount_seconds_ += time.perf_counter() - t0
        return self.gamma

    def _test_tasks(self) -> np.ndarray | list[Any] | None:
        """The checked test tasks; sets :attr:`test_names_` (``None`` for an unnamed test set)."""
        tasks = self.test_tasks
        self.test_names_: list[str] | None = None
        if tasks is None:
            if self.env == ACCEL_WALKER_ID:
                from autocurriculum.environments.accel_walker import accel_walker_test_set

                tasks = accel_walker_test_set()
            elif self.env == PARKOUR_ID:
                from autocurriculum.environments.parkour import parkour_test_set

                return parkour_test_set()
            elif self.env == STUMP_TRACKS_ID:
                return stump_tracks_test_set()
            else:
                tasks = self._env_extra("default_test_tasks")
                if tasks is None:
                    return None
        if len(tasks) == 0:
            raise ValueError("test_tasks: expected at least one task (or None), got an empty sequence")
        space = self.test_task_space
        if isinstance(tasks, Mapping):
            bad = [k for k in tasks if not isinstance(k, str) or not k]
            if bad:
                raise TypeError(f"test_tasks: the names of a named test set must be non-empty strings, got {bad!r}")
            self.test_names_ = list(tasks)
            return [space.check(t, f"test_tasks[{k!r}]") for k, t in tasks.items()]
        return [space.check(t, f"test_tasks[{i}]") for i, t in enumerate(tasks)]

    def bind(self, teacher: Teacher) -> None:
        """Build the environments and the model around ``teacher`` (the experiment runner's hook)."""
        self._ensure_setup(teacher)

    def _ensure_setup(self, teacher: Teacher | None) -> None:
        if getattr(self, "model_", None) is None:
            self.setup(teacher)
        elif teacher is not None and teacher is not self.teacher:
            raise ValueError(
                "teacher: this student is bound to another teacher object; one student trains with one teacher "
                "(build a new student, or restore the teacher's state with teacher.load_state_dict)"
            )

    # ------------------------------------------------------------------ protocol
    @property
    def progress(self) -> int:
        """Environment steps taken so far."""
        model = getattr(self, "model_", None)
        return 0 if model is None else int(model.num_timesteps)

    @property
    def model(self) -> BaseAlgorithm:
        """The SB3 model (after :meth:`setup`)."""
        self._ensure_setup(None)
        return self.model_

    def learn(self, teacher: Teacher | None = None, amount: int | None = None) -> list[EpisodeRecord]:
        """Train for at least ``amount`` more steps (default: up to ``total_timesteps``).

        SB3 trains in whole rollouts, so a call may overshoot ``amount`` by less than one rollout.
        Every finished episode is reported to the teacher (by the task wrapper, or with its regret
        score at the end of the rollout when the teacher requires ``"score"``) and returned.
        """
        self._ensure_setup(teacher)
        if amount is None:
            if self.total_timesteps is None:
                raise ValueError("amount: give the number of steps to train, or set total_timesteps")
            amount = self.total_timesteps - self.progress
            if amount <= 0:
                return []
        if isinstance(amount, bool) or not isinstance(amount, (int, np.integer)) or amount < 1:
            raise ValueError(f"amount: expected a positive integer number of steps, got {amount!r}")
        self.records_ = []
        callbacks: list[BaseCallback] = [self.callback_]
        if self.callback is not None:
            callbacks.append(self.callback)
        self.learn_started_ = time.perf_counter()
        try:
            target = self.progress + int(amount)
            while self.progress < target:
                chunk = target - self.progress
                if self.next_reset_ is not None:  # stop at the reset point (SB3 finishes the rollout)
                    chunk = max(1, min(chunk, self.next_reset_ - self.progress))
                self.model_.learn(
                    total_timesteps=chunk,
                    reset_num_timesteps=False,
                    callback=CallbackList(callbacks),
                    progress_bar=False,
                )
                if self.next_reset_ is not None and self.progress >= self.next_reset_:
                    self.reset_learner()
        finally:
            self.task_env_.flush()  # the teacher learns of the episodes that ended on the last step
            self.wall_seconds_ += time.perf_counter() - self.learn_started_
            self.learn_started_ = None
        records, self.records_ = self.records_, []
        return records

    def reset_learner(self) -> None:
        """Forget everything learned: new policy and value networks and optimiser, as at set-up.

        SB3's public policy constructor builds them (orthogonal initialisation, drawn from torch's
        generator, which SB3 seeds at set-up). The next reset is due ``reset_every`` steps on.
        """
        model = self.model_
        policy = model.policy_class(  # type: ignore[call-arg]
            model.observation_space, model.action_space, model.lr_schedule, **model.policy_kwargs
        )
        model.policy = policy.to(model.device)
        self.n_resets_ += 1
        if self.reset_every is not None:
            self.next_reset_ = (self.progress // self.reset_every + 1) * self.reset_every

    def _record(self, lesson: Lesson, feedback: Feedback) -> None:
        self.n_episodes_ += 1
        self.records_.append(EpisodeRecord(lesson, feedback, self.progress))

    def _report_scores(
        self, lessons: np.ndarray, dones: np.ndarray, outcomes: Mapping[tuple[int, int], EpisodeOutcome]
    ) -> None:
        assert self.scorer_ is not None and self.teacher is not None
        buf = self.model_.rollout_buffer  # type: ignore[attr-defined]
        space = self.teacher.task_space
        episodes = self.scorer_.add_rollout(
            buf.advantages,
            buf.values,
            buf.rewards,
            dones,
            lessons,
            key=lambda lesson: repr(space.to_plain(lesson.task)),
        )
        if len(episodes) != len(outcomes):
            raise RuntimeError(
                f"the rollout ended {len(outcomes)} episodes but the regret scorer closed {len(episodes)}; "
                "transitions and lessons are out of step"
            )
        ends = {(ep.env_index, id(ep.lesson)): ep for ep in episodes}
        tt = self.task_env_._tracker
        for (_, i), outcome in sorted(outcomes.items()):
            ep = ends.get((i, id(outcome.lesson)))
            if ep is None or ep.length != outcome.length:
                raise RuntimeError(
                    f"env {i}: lesson {outcome.lesson.id} ended after {outcome.length} steps but the regret scorer "
                    f"counted {None if ep is None else ep.length}; transitions and lessons are out of step"
                )
            fb = Feedback(
                score=ep.score(self.score),
                episode_return=outcome.episode_return,
                length=outcome.length,
                success=outcome.success,
                extras={**{name: ep.score(name) for name in SCORE_FUNCTIONS}, "initial_value": ep.initial_value},
            )
            t0 = time.perf_counter()
            self.teacher.update(outcome.lesson, fb)
            tt.teacher_seconds += time.perf_counter() - t0
            self._record(outcome.lesson, fb)

    # ------------------------------------------------------------------ discount
    @property
    def gamma(self) -> float:
        """The discount factor the algorithm's targets use."""
        return float(self.model.gamma)

    def set_gamma(self, gamma: float) -> None:
        """Use discount ``gamma`` from now on (discount scheduling, Liu et al. ICLR 2024).

        PPO: the rollout buffer's GAE and returns (computed at the end of each rollout) and the
        timeout bootstrap; SAC: the critic's target ``r + gamma (1 - d) (min Q' - alpha log pi)``.
        ``VecNormalize``'s reward scaling follows the new value too.
        """
        _check_gamma(gamma)
        model = self.model
        model.gamma = float(gamma)
        buffer = getattr(model, "rollout_buffer", None)
        if buffer is not None:
            buffer.gamma = float(gamma)
        replay = getattr(model, "replay_buffer", None)
        if replay is not None and hasattr(replay, "gamma"):
            replay.gamma = float(gamma)
        if isinstance(self.venv_, VecNormalize):
            self.venv_.gamma = float(gamma)

    # ------------------------------------------------------------------ evaluation
    def _maybe_evaluate(self) -> None:
        if self.next_eval_ is None or self.test_tasks_ is None:
            return
        if self.progress >= self.next_eval_:
            while self.next_eval_ <= self.progress:
                self.next_eval_ += self.eval_every  # type: ignore[operator]
            self.evaluate()

    def evaluate(self, tasks: Sequence[Any] | Mapping[str, Any] | np.ndarray | None = None) -> dict[str, float]:
        """Play each test task ``test_episodes`` times with the deterministic policy (``test_episodes
        * eval_attempts`` times with the stochastic one when ``eval_attempts > 1``); report mastery
        and mean return.

        Observations are normalised with the training statistics, which are not updated. A task
        is mastered when its mean return exceeds ``mastery_threshold``. Returns
        ``{"mastered_percent", "mean_return", "n_tasks"}``, plus ``solved_rate_<name>`` and
        ``return_<name>`` per task of a named test set; the per-task mean returns go to
        :attr:`history` under ``"returns"``. When the environment reports success, a named test
        set also adds ``"success/<name>"`` per task and ``"success_mean"``; with
        ``sampled_levels`` the sampled-level protocol adds ``"sampled_success"``,
        ``"sampled_cvar10"`` and ``"sampled_cvar1"``.
        """
        self._ensure_setup(None)
        names = None
        if tasks is None:
            if self.test_tasks_ is None:
                raise ValueError("tasks: no test set; pass tasks, or build the student with test_tasks")
            tasks, names = self.test_tasks_, self.test_names_
        elif isinstance(tasks, Mapping):  # a named test set given here
            names, tasks = [str(k) for k in tasks], list(tasks.values())
        t0 = time.perf_counter()
        attempts = int(self.eval_attempts)
        k = int(self.test_episodes) * attempts
        tasks = list(tasks)
        source = FixedLessons([t for t in tasks for _ in range(k)], self.test_task_space)
        episodes = self._play(source, deterministic=attempts == 1).reshape(len(tasks), k)
        returns = episodes.mean(axis=1)
        mastered = float(np.mean(returns > self.mastery_threshold) * 100.0)
        result = {"mastered_percent": mastered, "mean_return": float(returns.mean()), "n_tasks": float(len(returns))}
        for name, row in zip(names or [], episodes, strict=False):
            result[f"solved_rate_{name}"] = float(np.mean(row > self.mastery_threshold))
            result[f"return_{name}"] = float(row.mean())
        successes = [source.results[i].success for i in range(len(source.tasks))]
        if names is not None and all(v is not None for v in successes):
            rates = np.array(successes, dtype=np.float64).reshape(len(tasks), k).mean(axis=1)
            for name, rate in zip(names, rates, strict=True):
                result[f"success/{name}"] = float(rate)
            result["success_mean"] = float(rates.mean())
        if self.sampled_levels:
            result.update(self._evaluate_sampled())
        self.eval_seconds_ += time.perf_counter() - t0
        self.n_evaluations_ += 1
        self.history.append(
            {
                "step": float(self.progress),
                **result,
                "wall_seconds": self.wall_seconds,
                "teacher_seconds": self.teacher_seconds,
                "returns": returns.tolist(),  # type: ignore[dict-item]
            }
        )
        return result

    def sampled_eval_levels(self) -> list[Any]:
        """The levels of the sampled-level protocol: ``sampled_levels`` solvable draws from ``eval_seed``."""
        space = self._env_extra("level_space") or self.task_space
        rng = np.random.default_rng(self.eval_seed)
        draw = getattr(space, "sample_solvable", space.sample)
        return [draw(rng) for _ in range(int(self.sampled_levels))]

    def _evaluate_sampled(self) -> dict[str, float]:
        """Success rate per sampled level over ``sampled_attempts`` stochastic episodes; mean and CVaR."""
        if getattr(self, "sampled_levels_", None) is None:
            self.sampled_levels_ = self.sampled_eval_levels()
        levels = self.sampled_levels_
        k = int(self.sampled_attempts)
        source = FixedLessons([lv for lv in levels for _ in range(k)], self.test_task_space)
        self._play(source, deterministic=False)
        ok = np.array([bool(source.results[i].success) for i in range(len(source.tasks))], dtype=np.float64)
        rates = ok.reshape(len(levels), k).mean(axis=1)
        out = {"sampled_success": float(rates.mean())}
        out.update({f"sampled_{key}": cvar(rates, alpha) for key, alpha in CVAR_ALPHAS.items()})
        return out

    @typing.overload
    def _play(
        self, source: FixedLessons, record: typing.Literal[False] = ..., deterministic: bool = ...
    ) -> np.ndarray: ...

    @typing.overload
    def _play(
        self, source: FixedLessons, record: typing.Literal[True], deterministic: bool = ...
    ) -> tuple[np.ndarray, list[np.ndarray]]: ...

    def _play(self, source: FixedLessons, record: bool = False, deterministic: bool = True) -> Any:
        """Play every task of ``source`` once; their returns (and, with ``record``, raw observations)."""
        n = min(self.n_eval_envs, len(source.tasks))
        base = DummyVecEnv([self._env_factory()] * n)
        task_env = TaskVecEnv(base, source)
        env: VecEnv = task_env
        if isinstance(self.venv_, VecNormalize):
            norm = VecNormalize(task_env, training=False, norm_obs=True, norm_reward=False)
            norm.obs_rms = copy.deepcopy(self.venv_.obs_rms)
            norm.clip_obs = self.venv_.clip_obs
            norm.epsilon = self.venv_.epsilon
            env = norm
        observed: dict[int, list[np.ndarray]] = {}
        try:
            env.seed(self.eval_seed)
            obs = env.reset()
            while not source.done:
                lessons = list(task_env._tracker.current)
                if record:
                    raw = env.get_original_obs() if isinstance(env, VecNormalize) else obs
                    for i, lesson in enumerate(lessons):
                        if lesson.origin == "test":
                            observed.setdefault(int(lesson.id), []).append(np.array(raw[i], dtype=np.float64))
                actions, _ = self.model_.predict(obs, deterministic=deterministic)
                obs, _, dones, infos = env.step(actions)
                if record:  # the episode's last observation, as demonstrations end with it
                    for i in np.flatnonzero(dones):
                        final = infos[i].get("terminal_observation")
                        if lessons[i].origin == "test" and final is not None:
                            if isinstance(env, VecNormalize):
                                final = env.unnormalize_obs(final)
                            observed[int(lessons[i].id)].append(np.array(final, dtype=np.float64))
        finally:
            env.close()
        returns = np.array([source.results[i].episode_return for i in range(len(source.tasks))], dtype=np.float64)
        if not record:
            return returns
        return returns, [np.stack(observed[i]) for i in range(len(source.tasks))]

    # ------------------------------------------------------------------ metrics
    @property
    def wall_seconds(self) -> float:
        """Wall time spent in :meth:`learn` (evaluations during it included), up to now."""
        running = getattr(self, "learn_started_", None)
        live = 0.0 if running is None else time.perf_counter() - running
        return float(getattr(self, "wall_seconds_", 0.0)) + live

    @property
    def teacher_seconds(self) -> float:
        """Wall time spent in the teacher's ``sample`` and ``update``."""
        env = getattr(self, "task_env_", None)
        return 0.0 if env is None else env.teacher_seconds

    def metrics(self) -> dict[str, float]:
        """Counters and the latest evaluation, flat, for the experiment layer's logging."""
        out = {
            "steps": float(self.progress),
            "episodes": float(getattr(self, "n_episodes_", 0)),
            "gamma": self.gamma if getattr(self, "model_", None) is not None else float("nan"),
            "wall_seconds": self.wall_seconds,
            "teacher_seconds": self.teacher_seconds,
            "eval_seconds": float(getattr(self, "eval_seconds_", 0.0)),
            "discount_seconds": float(getattr(self, "discount_seconds_", 0.0)),
            "evaluations": float(getattr(self, "n_evaluations_", 0)),
        }
        history = getattr(self, "history", [])
        if history:
            out["mastered_percent"] = history[-1]["mastered_percent"]
            out["mean_return"] = history[-1]["mean_return"]
        if self.discount_teacher is not None and getattr(self, "discount_lesson_", None) is not None:
            out.update({f"discount/{k}": v for k, v in self.discount_teacher.metrics().items()})
        if self.reset_every is not None:
            out["resets"] = float(getattr(self, "n_resets_", 0))
        if self.imitation is not None:
            out["imitation/scale"] = self.imitation.scale
            out["imitation/episodes"] = float(self.imitation.n_episodes)
        return out

    # ------------------------------------------------------------------ checkpoints
    def state_dict(self) -> dict[str, Any]:
        """Model (weights, optimiser, counters), ``VecNormalize`` statistics, gamma, history.

        The teacher's state is not included (the experiment runner saves it); :meth:`save`
        adds it. The discount teacher's state and the OT rewarder's scale are. SAC's replay
        buffer is not (as with SB3's ``model.save``; up to 2M transitions): a restored SAC
        student refills it from the restart on.

        Plain data only: ``model`` is the bytes of SB3's zip (``model.save``) without the
        episode-info buffers, which are lists of numbers here; :meth:`load_state_dict` never
        unpickles the attributes SB3 pickles into that zip (spaces, schedules, classes: it takes
        them from this student, built with the same parameters), and SB3 reads the weights with
        ``torch.load(weights_only=True)``, so a state cannot execute code.
        """
        self._ensure_setup(None)
        buf = io.BytesIO()
        self.model_.save(buf, exclude=list(_EPISODE_BUFFERS))
        norm = None
        if isinstance(self.venv_, VecNormalize):
            norm = {"obs_rms": _rms_state(self.venv_.obs_rms), "ret_rms": _rms_state(self.venv_.ret_rms)}
        return {
            "student": f"{type(self).__module__}.{type(self).__qualname__}",
            "model": buf.getvalue(),
            "episode_buffers": {name: _plain_entries(getattr(self.model_, name, None)) for name in _EPISODE_BUFFERS},
            "vecnormalize": norm,
            "gamma": self.gamma,
            "num_timesteps": self.progress,
            "n_episodes": self.n_episodes_,
            "n_evaluations": self.n_evaluations_,
            "wall_seconds": self.wall_seconds_,
            "eval_seconds": self.eval_seconds_,
            "teacher_seconds": self.teacher_seconds,
            "next_eval": self.next_eval_,
            "next_reset": self.next_reset_,
            "n_resets": self.n_resets_,
            "history": copy.deepcopy(self.history),
            "imitation": None if self.imitation is None else self.imitation.state_dict(),
            "discount": None
            if self.discount_teacher is None
            else {
                "teacher": self.discount_teacher.state_dict(),
                "lesson": None if self.discount_lesson_ is None else _lesson_state(self.discount_lesson_),
                "next": self.next_discount_,
                "history": copy.deepcopy(self.discount_history),
                "seconds": self.discount_seconds_,
            },
            "max_returns": dict(self.scorer_.max_returns) if self.scorer_ is not None else None,
        }

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Restore :meth:`state_dict` into a student built with the same parameters.

        The environments restart (episodes in flight at save time are not resumed, and their
        lessons are not reported).
        """
        expected = f"{type(self).__module__}.{type(self).__qualname__}"
        if not isinstance(state, Mapping) or state.get("student") != expected:
            got = state.get("student") if isinstance(state, Mapping) else type(state).__name__
            raise ValueError(f"load_state_dict: state belongs to {got!r}, not to {expected!r}")
        self._ensure_setup(None)
        custom = _unpickled_attributes(state["model"], self.model_)
        self.model_ = self.algo_class.load(
            io.BytesIO(state["model"]), env=self.venv_, device="cpu", custom_objects=custom
        )
        self.model_.num_timesteps = int(state["num_timesteps"])
        for name, entries in (state.get("episode_buffers") or {}).items():
            if name in _EPISODE_BUFFERS and entries is not None:
                maxlen = getattr(getattr(self.model_, name, None), "maxlen", None)
                setattr(self.model_, name, deque(_plain_entries(entries), maxlen=maxlen))
        if state["vecnormalize"] is not None:
            if not isinstance(self.venv_, VecNormalize):
                raise ValueError(
                    "load_state_dict: the state has VecNormalize statistics but this student has normalize=False"
                )
            self.venv_.obs_rms = _rms_from_state(state["vecnormalize"]["obs_rms"])
            self.venv_.ret_rms = _rms_from_state(state["vecnormalize"]["ret_rms"])
        self.set_gamma(state["gamma"])
        self.n_episodes_ = int(state["n_episodes"])
        self.n_evaluations_ = int(state["n_evaluations"])
        self.wall_seconds_ = float(state["wall_seconds"])
        self.eval_seconds_ = float(state["eval_seconds"])
        self.task_env_._tracker.teacher_seconds = float(state["teacher_seconds"])
        self.next_eval_ = state["next_eval"]
        self.next_reset_ = state.get("next_reset", self.reset_every)
        self.n_resets_ = int(state.get("n_resets", 0))
        self.history = copy.deepcopy(state["history"])
        if self.imitation is not None:
            self.imitation.load_state_dict(state["imitation"])
            self.model_.replay_buffer.rewarder = self.imitation  # the loaded model pickled a copy
        discount = state.get("discount")
        if (discount is None) != (self.discount_teacher is None):
            raise ValueError(
                "load_state_dict: the state and this student disagree on having a discount_teacher "
                f"(state: {discount is not None}, student: {self.discount_teacher is not None})"
            )
        if discount is not None:
            assert self.discount_teacher is not None
            self.discount_teacher.load_state_dict(discount["teacher"])
            self.discount_lesson_ = None if discount["lesson"] is None else Lesson(**discount["lesson"])
            self.next_discount_ = discount["next"]
            self.discount_history = copy.deepcopy(discount["history"])
            self.discount_seconds_ = float(discount["seconds"])
        if self.scorer_ is not None:
            self.scorer_.drop_open()
            self.scorer_.max_returns = dict(state["max_returns"] or {})

    def save(self, path: str | Path) -> Path:
        """Write the whole student (:meth:`state_dict` and the teacher's ``state_dict()``) to ``path``.

        The file is in the plain-data format of :mod:`autocurriculum.teachers.state_codec` (no
        pickle: loading it cannot run code), written to a temporary file and renamed.
        """
        self._ensure_setup(None)
        assert self.teacher is not None
        self.task_env_.flush()
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        data = encode({"student": self.state_dict(), "teacher": self.teacher.state_dict()}, "state")
        tmp.write_bytes(data)
        tmp.replace(path)
        return path

    def load(self, path: str | Path, teacher: Teacher | None = None) -> None:
        """Restore a :meth:`save` file into this student (built with the same parameters) and its teacher.

        Raises ``ValueError`` naming the file when it is not an intact :meth:`save` file (nothing
        is unpickled).
        """
        try:
            data = decode(Path(path).read_bytes())
        except CheckpointError as e:
            raise ValueError(f"path: {path} is not a file written by {type(self).__name__}.save ({e})") from None
        if not isinstance(data, Mapping) or set(data) != {"student", "teacher"}:
            raise ValueError(f"path: {path} is not a file written by {type(self).__name__}.save")
        self._ensure_setup(teacher)
        assert self.teacher is not None
        before = self.teacher.state_dict()
        self.teacher.load_state_dict(data["teacher"])  # a refused teacher state leaves it untouched
        try:
            self.load_state_dict(data["student"])
        except BaseException:
            self.teacher.load_state_dict(before)  # a refused student state: the teacher as it was, too
            raise

    def close(self) -> None:
        """Close the worker processes."""
        venv = getattr(self, "venv_", None)
        if venv is not None:
            venv.close()
            self.venv_ = None  # type: ignore[assignment]
            self.model_ = None  # type: ignore[assignment]


#: SB3 attributes that its ``save`` would pickle although they change with training; the
#: student's state holds them as lists of plain entries instead.
_EPISODE_BUFFERS = ("ep_info_buffer", "ep_success_buffer")


def _unpickled_attributes(model_zip: bytes, model: BaseAlgorithm) -> dict[str, Any]:
    """SB3's ``custom_objects`` for every attribute the zip would unpickle, taken from ``model``.

    SB3 pickles what JSON cannot hold (spaces, schedules, classes, buffers' keyword arguments)
    and unpickles it on load, which can run code from the file. A student built with the same
    parameters has all of them, so none is read from the file. An attribute this model does
    not have is refused, naming it.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(model_zip)) as archive:
            data = json.loads(archive.read("data"))
    except (zipfile.BadZipFile, KeyError, ValueError) as e:
        raise ValueError(f"load_state_dict: state['model'] is not an SB3 model zip ({e})") from None
    if not isinstance(data, dict):
        raise ValueError("load_state_dict: state['model'] is not an SB3 model zip (its data is not a mapping)")
    custom = {}
    for key, value in data.items():
        if isinstance(value, dict) and ":serialized:" in value:
            if not hasattr(model, key):
                raise ValueError(
                    f"load_state_dict: state['model'] holds a pickled attribute {key!r} this student's model does not "
                    "have; it is not unpickled (that could run code)"
                )
            custom[key] = getattr(model, key)
    return custom


def _rms_state(rms: Any) -> Any:
    """A ``RunningMeanStd`` (or a dict of them, for dict observations) as plain data."""
    if isinstance(rms, dict):
        return {k: _rms_state(v) for k, v in rms.items()}
    return {"mean": np.array(rms.mean, copy=True), "var": np.array(rms.var, copy=True), "count": float(rms.count)}


def _rms_from_state(state: Any) -> Any:
    if "mean" not in state:
        return {k: _rms_from_state(v) for k, v in state.items()}
    mean = np.array(state["mean"], dtype=np.float64, copy=True)
    rms = RunningMeanStd(shape=mean.shape)
    rms.mean, rms.var, rms.count = mean, np.array(state["var"], dtype=np.float64, copy=True), float(state["count"])
    return rms


def _lesson_state(lesson: Lesson) -> dict[str, Any]:
    info = copy.deepcopy(dict(lesson.info))
    return {"task": copy.deepcopy(lesson.task), "id": lesson.id, "origin": lesson.origin, "info": info}


def _plain_entries(entries: Any) -> list[Any] | None:
    """An SB3 episode buffer (a deque of info dicts or of booleans) as a list of plain copies."""
    return None if entries is None else [dict(e) if isinstance(e, Mapping) else e for e in entries]


#: Optional environment attributes the student reads: the space of test tasks, the default
#: (named) test set, the space the sampled-level protocol draws from and
#: ``vec_normalize``: whether ``VecNormalize`` suits the environment (``False`` on the mazes),
#: the default of ``normalize`` when it is not given.
_ENV_EXTRAS = ("test_task_space", "default_test_tasks", "level_space", "vec_normalize")


def _wrapper_attr(env: gym.Env, name: str) -> Any:
    try:
        return env.get_wrapper_attr(name)
    except AttributeError:
        return None


def _make_env(env_id: str, kwargs: dict[str, Any]) -> gym.Env:
    """``gymnasium.make`` that also works in fresh worker processes (forkserver, spawn).

    Pickled by reference, so a worker unpickling it imports this module, whose import of
    :mod:`environments` registers the project's ids there (a lambda was pickled by value and
    left the worker without them).
    """
    return gym.make(env_id, **kwargs)


def _make_worker_env(factory: Callable[[], gym.Env]) -> gym.Env:
    """The env of a ``SubprocVecEnv`` worker, which ignores SIGINT.

    Ctrl-C reaches every process of the terminal's group; the main process stops the run
    cleanly (with a checkpoint, which steps these environments no more), so a worker killed by
    it would only print a traceback and break the pipe the main process still reads.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    return factory()


def _check_gamma(gamma: Any) -> None:
    if isinstance(gamma, bool) or not isinstance(gamma, (int, float, np.floating)) or not 0.0 < gamma <= 1.0:
        raise ValueError(f"gamma: expected a discount factor in (0, 1], got {gamma!r}")


class PPOStudent(SB3Student):
    """PPO (Schulman et al. 2017, SB3's implementation) on tasks chosen by a teacher.

    Defaults: rl-baselines3-zoo's tuned BipedalWalker-v3 settings (:data:`PPO_BIPEDAL_WALKER`:
    gamma 0.999, GAE lambda 0.95, clip 0.18, lr 3e-4, 10 epochs, 2048 steps per env, batch 64)
    with observation and reward normalisation. Teachers requiring ``"score"`` receive regret
    scores (see :class:`RegretScorer`). Parameters: see :class:`SB3Student`.
    """

    name: ClassVar[str] = "ppo"
    algo_class = MaskedPPO
    default_algo_kwargs = PPO_BIPEDAL_WALKER
    default_normalize = True
    supports_scores = True

    def _algo_kwargs(self) -> dict[str, Any]:
        """Adds :class:`MaskedRolloutBuffer`, so that lessons with ``info["train"] = False`` take no gradient."""
        kwargs = super()._algo_kwargs()
        if "rollout_buffer_class" not in kwargs:
            kwargs["rollout_buffer_class"] = MaskedRolloutBuffer
            kwargs["rollout_buffer_kwargs"] = {"seed": self.seed, **kwargs.get("rollout_buffer_kwargs", {})}
        return kwargs


class SACStudent(SB3Student):
    """SAC (Haarnoja et al. 2018, SB3's implementation) on tasks chosen by a teacher.

    Defaults: TeachMyAgent's SAC for Stump Tracks (:data:`SAC_TEACHMYAGENT`), without
    normalisation. Regret scores (GAE-based) are not available. Parameters: see
    :class:`SB3Student`.
    """

    name: ClassVar[str] = "sac"
    algo_class = OTSAC  # SAC, waiting for a finished episode when rewards come from imitation
    default_algo_kwargs = SAC_TEACHMYAGENT
    default_normalize = False
    supports_scores = False
