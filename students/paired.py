"""PAIRED's two learners as one student: a protagonist and an antagonist on the same levels.

Dennis et al., "Emergent Complexity and Zero-shot Transfer via Unsupervised Environment
Design", NeurIPS 2020 (reference implementation: facebookresearch/dcd). Each round:

1. the teacher (normally :class:`~autocurriculum.teachers.paired.PAIRED` or
   :class:`~autocurriculum.teachers.clutr.CLUTR`) proposes ``n_envs`` levels, one per
   environment copy;
2. the protagonist plays one PPO rollout (``n_steps`` per copy) with copy ``i`` replaying level
   ``i`` episode after episode, then takes its PPO update; the antagonist does the same on the
   same levels (both are :class:`~autocurriculum.students.sb3.PPOStudent` learners, SB3's PPO,
   each with its own environments, normalisation, seed and optimiser);
3. each level is reported to the teacher as ``Feedback(score=regret, episode_return=<mean
   protagonist return>, success=<protagonist's majority success>)`` with
   :func:`paired_regret`: ``max(0, max antagonist return - mean protagonist return)``
   (TEACHERS.md section 13), over the episodes each learner finished on that level in its
   rollout.

Both learners train on their own environment returns (the regret is the adversary's reward
only). Environment copies are reset at the start of every rollout, so episodes never carry a
level into the next round. A learner that finishes no episode on a level in its rollout
contributes the return of its unfinished episode so far (on sparse-reward mazes: 0, the
episode has not reached the goal). The budget counts both learners' steps: a round costs
``2 * n_steps * n_envs`` steps; :meth:`PAIREDStudent.learn` overshoots ``amount`` by less
than one round. Evaluation plays the protagonist.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any, ClassVar

import gymnasium as gym
import numpy as np

from autocurriculum.environments.task_wrapper import PinnedLessons
from autocurriculum.students.base import EpisodeRecord, Student
from autocurriculum.students.sb3 import STUMP_TRACKS_ID, PPOStudent
from autocurriculum.teachers.base import Feedback, Lesson, Teacher
from autocurriculum.teachers.spaces import TaskSpace

__all__ = ["PAIREDStudent", "paired_regret"]


def paired_regret(protagonist_returns: Sequence[float], antagonist_returns: Sequence[float]) -> float:
    """PAIRED's regret estimate of one level: ``max(0, max(antagonist) - mean(protagonist))``.

    Dennis et al. (NeurIPS 2020), as in dcd. Both sequences must be non-empty and finite.
    """
    pro = np.asarray(protagonist_returns, dtype=np.float64)
    ant = np.asarray(antagonist_returns, dtype=np.float64)
    for name, arr in (("protagonist_returns", pro), ("antagonist_returns", ant)):
        if arr.ndim != 1 or arr.size == 0:
            raise ValueError(f"{name}: expected a non-empty sequence of returns, got shape {arr.shape}")
        if not np.all(np.isfinite(arr)):
            raise ValueError(f"{name}: returns must be finite, got {arr.tolist()}")
    return max(0.0, float(ant.max() - pro.mean()))


class PAIREDStudent(Student):
    """Protagonist and antagonist PPO learners playing the same levels; reports PAIRED's regret.

    Parameters
    ----------
    env:
        A registered gymnasium id or a factory (as for
        :class:`~autocurriculum.students.sb3.PPOStudent`); the env takes tasks through
        ``set_task`` / ``reset(options={"task": ...})`` and exposes ``task_space``.
    env_kwargs, n_envs, vec_env, normalize, algo_kwargs:
        As for :class:`~autocurriculum.students.sb3.PPOStudent`, applied to both learners (the
        paper's protagonist and antagonist share an architecture). ``n_envs`` is also the number
        of levels per round; ``algo_kwargs["n_steps"]`` the rollout length per level (make it at
        least one episode long).
    test_tasks, test_episodes, mastery_threshold, eval_every, n_eval_envs, eval_seed, eval_attempts, sampled_levels,
    sampled_attempts:
        The protagonist's evaluation (see :class:`~autocurriculum.students.sb3.PPOStudent`: test set,
        default the env's held-out tasks; the sampled-level protocol). ``eval_every`` counts this
        student's steps (both learners).
    total_timesteps:
        Budget of both learners' steps together; :meth:`learn` without ``amount`` trains up to it.
    return_bounds:
        Offered to teachers that take ``return_bounds``.
    teacher:
        The teacher (also accepted by :meth:`learn`).
    seed:
        Seeds the protagonist; the antagonist gets an independent seed derived from it.
    """

    name: ClassVar[str] = "paired"
    unit: ClassVar[str] = "steps"

    def __init__(
        self,
        env: str | Callable[[], gym.Env] = STUMP_TRACKS_ID,
        *,
        env_kwargs: Mapping[str, Any] | None = None,
        teacher: Teacher | None = None,
        n_envs: int = 4,
        vec_env: str | None = None,
        total_timesteps: int | None = None,
        test_tasks: Sequence[Any] | np.ndarray | None = None,
        mastery_threshold: float = 230.0,
        eval_every: int | None = None,
        n_eval_envs: int = 8,
        eval_seed: int = 12345,
        test_episodes: int = 1,
        eval_attempts: int = 1,
        sampled_levels: int = 0,
        sampled_attempts: int = 1,
        normalize: bool | None = None,
        return_bounds: tuple[float, float] | None = None,
        algo_kwargs: Mapping[str, Any] | None = None,
        seed: int | None = 0,
    ) -> None:
        self.env = env
        self.env_kwargs = env_kwargs
        self.teacher = teacher
        self.n_envs = n_envs
        self.vec_env = vec_env
        self.total_timesteps = total_timesteps
        self.test_tasks = test_tasks
        self.mastery_threshold = mastery_threshold
        self.eval_every = eval_every
        self.n_eval_envs = n_eval_envs
        self.eval_seed = eval_seed
        self.test_episodes = test_episodes
        self.eval_attempts = eval_attempts
        self.sampled_levels = sampled_levels
        self.sampled_attempts = sampled_attempts
        self.normalize = normalize
        self.return_bounds = return_bounds
        self.algo_kwargs = algo_kwargs
        self.seed = seed
        common: dict[str, Any] = {
            "env_kwargs": env_kwargs,
            "n_envs": n_envs,
            "vec_env": vec_env,
            "mastery_threshold": mastery_threshold,
            "n_eval_envs": n_eval_envs,
            "eval_seed": eval_seed,
            "normalize": normalize,
            "return_bounds": return_bounds,
            "algo_kwargs": algo_kwargs,
        }
        antagonist_seed = None if seed is None else int(np.random.SeedSequence([int(seed), 1]).generate_state(1)[0])
        #: The learner that is evaluated (the paper's protagonist).
        self.protagonist = PPOStudent(
            env,
            test_tasks=test_tasks,
            test_episodes=test_episodes,
            eval_attempts=eval_attempts,
            sampled_levels=sampled_levels,
            sampled_attempts=sampled_attempts,
            seed=seed,
            **common,
        )
        #: The learner whose best return on a level sets the regret (the paper's antagonist).
        self.antagonist = PPOStudent(env, test_tasks=test_tasks, seed=antagonist_seed, **common)

    # ------------------------------------------------------------------ set-up
    def _validate(self) -> None:
        """Check both learners' parameters (ValueError/TypeError naming the parameter), building nothing."""
        self.protagonist._validate()
        self.antagonist._validate()

    @property
    def task_space(self) -> TaskSpace:
        return self.protagonist.task_space

    def teacher_defaults(self, accepted: Collection[str]) -> dict[str, Any]:
        return self.protagonist.teacher_defaults(accepted)

    def setup(self, teacher: Teacher | None = None) -> PAIREDStudent:
        """Validate, build both learners' environments and models, bind the teacher."""
        teacher = teacher if teacher is not None else self.teacher
        if teacher is None:
            raise ValueError("teacher: no teacher given; pass one to the constructor, to setup() or to learn()")
        if not isinstance(teacher, Teacher):
            raise TypeError(f"teacher: expected a autocurriculum.teachers.Teacher, got {type(teacher).__name__}")
        if teacher.task_space != self.task_space:
            raise ValueError(
                f"teacher.task_space: {teacher.task_space!r} differs from the environment's {self.task_space!r}"
            )
        for name in ("total_timesteps", "eval_every"):
            v = getattr(self, name)
            if v is not None and (isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1):
                raise ValueError(f"{name}: expected a positive integer or None, got {v!r}")
        for learner in (self.protagonist, self.antagonist):
            learner.setup(PinnedLessons(self.task_space))
        self.teacher = teacher
        self.teacher_seconds_ = 0.0
        self.wall_seconds_ = 0.0
        self.n_rounds_ = 0
        self.n_levels_ = 0
        self.next_eval_ = self.eval_every
        self.last_round_: dict[str, float] = {}
        return self

    def bind(self, teacher: Teacher) -> None:
        self._ensure_setup(teacher)

    def _ensure_setup(self, teacher: Teacher | None) -> None:
        if getattr(self, "n_rounds_", None) is None:
            self.setup(teacher)
        elif teacher is not None and teacher is not self.teacher:
            raise ValueError(
                "teacher: this student is bound to another teacher object; one student trains with one teacher"
            )

    # ------------------------------------------------------------------ training
    @property
    def progress(self) -> int:
        """Environment steps of both learners together."""
        return self.protagonist.progress + self.antagonist.progress

    def learn(self, teacher: Teacher | None = None, amount: int | None = None) -> list[EpisodeRecord]:
        """Play rounds until at least ``amount`` more steps (both learners) have been taken.

        Returns one record per level, with the feedback reported to the teacher.
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
        target = self.progress + int(amount)
        records: list[EpisodeRecord] = []
        t_start = time.perf_counter()
        try:
            while self.progress < target:
                records.extend(self._round())
                self._maybe_evaluate()
        finally:
            self.wall_seconds_ += time.perf_counter() - t_start
        return records

    def _round(self) -> list[EpisodeRecord]:
        assert self.teacher is not None
        t0 = time.perf_counter()
        lessons = [self.teacher.sample() for _ in range(int(self.n_envs))]
        self.teacher_seconds_ += time.perf_counter() - t0
        pro = self._rollout(self.protagonist, lessons)
        ant = self._rollout(self.antagonist, lessons)
        records = []
        regrets = []
        for i, lesson in enumerate(lessons):
            pro_finished, pro_unfinished = pro[i]
            ant_finished, ant_unfinished = ant[i]
            pro_returns = [fb.episode_return for fb in pro_finished] or [pro_unfinished]
            ant_returns = [fb.episode_return for fb in ant_finished] or [ant_unfinished]
            regret = paired_regret(pro_returns, ant_returns)  # type: ignore[arg-type]
            successes = [fb.success for fb in pro_finished if fb.success is not None]
            feedback = Feedback(
                score=regret,
                episode_return=float(np.mean(pro_returns)),  # type: ignore[arg-type]
                success=None if not successes else bool(np.mean(successes) > 0.5),
                length=int(sum(fb.length or 0 for fb in pro_finished)),
                extras={
                    "antagonist_return": float(np.max(ant_returns)),  # type: ignore[arg-type]
                    "protagonist_episodes": float(len(pro_finished)),
                    "antagonist_episodes": float(len(ant_finished)),
                },
            )
            t0 = time.perf_counter()
            self.teacher.update(lesson, feedback)
            self.teacher_seconds_ += time.perf_counter() - t0
            records.append(EpisodeRecord(lesson, feedback, self.progress))
            regrets.append(regret)
        self.n_rounds_ += 1
        self.n_levels_ += len(lessons)
        self.last_round_ = {
            "regret": float(np.mean(regrets)),
            "protagonist_return": float(np.mean([r.feedback.episode_return for r in records])),
            "antagonist_return": float(np.mean([r.feedback.extras["antagonist_return"] for r in records])),
        }
        return records

    def _rollout(self, learner: PPOStudent, lessons: list[Lesson]) -> list[tuple[list[Feedback], float]]:
        """One PPO rollout and update of ``learner``, copy ``i`` on ``lessons[i]``.

        Returns, per level, the feedback of the episodes finished on it and the return of the
        episode left unfinished at the rollout's end.
        """
        source = learner.teacher
        assert isinstance(source, PinnedLessons)
        source.pin(lessons)
        model = learner.model_
        _restart_rollout(model, learner.venv_.reset())  # every copy starts its new level
        learner.learn(amount=int(model.n_steps) * int(self.n_envs))  # type: ignore[attr-defined] - one rollout
        unfinished = learner.task_env_._tracker.returns
        return [(list(fbs), float(unfinished[i])) for i, fbs in enumerate(source.outcomes)]

    # ------------------------------------------------------------------ evaluation
    def _maybe_evaluate(self) -> None:
        if self.next_eval_ is None:
            return
        if self.progress >= self.next_eval_:
            while self.next_eval_ <= self.progress:
                self.next_eval_ += self.eval_every  # type: ignore[operator]
            self.evaluate()

    def evaluate(self, tasks: Sequence[Any] | np.ndarray | None = None) -> dict[str, float]:
        """The protagonist's evaluation (see :meth:`~autocurriculum.students.sb3.SB3Student.evaluate`)."""
        self._ensure_setup(None)
        return self.protagonist.evaluate(tasks)

    @property
    def history(self) -> list[dict[str, Any]]:
        """The protagonist's evaluations."""
        return self.protagonist.history

    # ------------------------------------------------------------------ metrics and checkpoints
    @property
    def teacher_seconds(self) -> float:
        """Wall time spent in the teacher's ``sample`` and ``update``."""
        return float(getattr(self, "teacher_seconds_", 0.0))

    def metrics(self) -> dict[str, float]:
        out = {
            "steps": float(self.progress),
            "rounds": float(getattr(self, "n_rounds_", 0)),
            "levels": float(getattr(self, "n_levels_", 0)),
            "wall_seconds": float(getattr(self, "wall_seconds_", 0.0)),
            "teacher_seconds": self.teacher_seconds,
            "eval_seconds": float(getattr(self.protagonist, "eval_seconds_", 0.0)),
        }
        out.update({f"round/{k}": v for k, v in getattr(self, "last_round_", {}).items()})
        for role in ("protagonist", "antagonist"):
            learner: PPOStudent = getattr(self, role)
            if getattr(learner, "model_", None) is not None:
                m = learner.metrics()
                out[f"{role}/steps"] = m["steps"]
                out[f"{role}/episodes"] = m["episodes"]
        out["episodes"] = out.get("protagonist/episodes", 0.0) + out.get("antagonist/episodes", 0.0)
        if getattr(self.protagonist, "model_", None) is not None:
            # the protagonist's latest evaluation, under the names the PPO student uses
            evaluated = {k: v for k, v in self.protagonist.metrics().items() if k not in out and "/" not in k}
            for key in ("steps", "episodes", "gamma", "wall_seconds", "teacher_seconds", "discount_seconds"):
                evaluated.pop(key, None)
            out.update(evaluated)
        return out

    def state_dict(self) -> dict[str, Any]:
        """Both learners' :meth:`~autocurriculum.students.sb3.SB3Student.state_dict` (models, optimisers,
        normalisation) and the round counters; the teacher's state is saved by the runner."""
        self._ensure_setup(None)
        return {
            "student": f"{type(self).__module__}.{type(self).__qualname__}",
            "protagonist": self.protagonist.state_dict(),
            "antagonist": self.antagonist.state_dict(),
            "n_rounds": self.n_rounds_,
            "n_levels": self.n_levels_,
            "teacher_seconds": self.teacher_seconds_,
            "wall_seconds": self.wall_seconds_,
            "next_eval": self.next_eval_,
            "last_round": dict(self.last_round_),
        }

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Restore :meth:`state_dict` into a student built with the same parameters."""
        expected = f"{type(self).__module__}.{type(self).__qualname__}"
        if not isinstance(state, Mapping) or state.get("student") != expected:
            got = state.get("student") if isinstance(state, Mapping) else type(state).__name__
            raise ValueError(f"load_state_dict: state belongs to {got!r}, not to {expected!r}")
        self._ensure_setup(None)
        self.protagonist.load_state_dict(state["protagonist"])
        self.antagonist.load_state_dict(state["antagonist"])
        self.n_rounds_ = int(state["n_rounds"])
        self.n_levels_ = int(state["n_levels"])
        self.teacher_seconds_ = float(state["teacher_seconds"])
        self.wall_seconds_ = float(state["wall_seconds"])
        self.next_eval_ = state["next_eval"]
        self.last_round_ = dict(state["last_round"])

    def close(self) -> None:
        for learner in (self.protagonist, self.antagonist):
            learner.close()


def _restart_rollout(model: Any, obs: Any) -> None:
    """Make SB3's next rollout start from ``obs`` (the environments were just reset).

    The one place that touches SB3 internals: ``OnPolicyAlgorithm.collect_rollouts`` continues
    from ``_last_obs`` and ``_last_episode_starts`` (checked against stable-baselines3 2.3-2.9).
    """
    model._last_obs = obs
    model._last_episode_starts = np.ones(model.n_envs, dtype=bool)
