"""Online learning progress over a discrete task set, as in Syllabus.

Kanitscheider, Huizinga, Farhi, Guss, Houghton, Sampedro, Zhokhov, Baker, Ecoffet, Tang, Klimov
& Clune, "Multi-task curriculum learning in a complex, visual, hard-exploration domain:
Minecraft", 2021; as implemented in Syllabus's ``LearningProgressCurriculum`` (Sullivan et al.,
"Syllabus: Portable Curricula for Reinforcement Learning Agents", 2024).

The algorithm (TEACHERS.md section 9), per task ``i`` of a :class:`~autocurriculum.teachers.spaces.DiscreteSpace`:

* every report on task ``i`` with outcome ``s`` in [0, 1] updates a fast and a slow exponential
  moving average (``ema_alpha`` 0.1): the first report sets both to ``s``; later ones set
  ``p_fast = alpha * s + (1 - alpha) * p_fast`` and then
  ``p_slow = alpha * p_fast + (1 - alpha) * p_slow`` (the slow average follows the fast one, as
  in Syllabus);
* the reweighting ``w(p) = p (1 - theta) / (p + theta (1 - 2 p))`` (``p_theta`` 0.1) stretches
  differences near 0 and 1; learning progress is ``LP_i = |w(p_fast) - w(p_slow)|``;
* the tasks that count are those with ``LP_i > 0`` or a last outcome ``> 0`` (Syllabus's
  ``posidxs``); their LPs are z-scored (divided by 1 when the std is 0), passed through a
  sigmoid and normalised; the other tasks get 0. When no task counts (or none was reported
  yet) the distribution is uniform;
* the sampling distribution mixes it with ``uniform_mix`` (0.25) of the uniform distribution:
  ``P = (1 - uniform_mix) * P_LP + uniform_mix / n``. Lessons record which part they were
  drawn from: origin ``"uniform"`` or ``"learning_progress"``.

The outcome is, with ``signal="success"`` (default), the feedback's ``success`` flag (1 or 0);
with ``signal="episode_return"``, the feedback's episodic return, which must already be
normalised to [0, 1] (anything else is rejected, not clipped).

Unlike Syllabus, which initialised every task from a first evaluation of all tasks, this
teacher is fully online: a task enters the statistics with its first report.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from autocurriculum.teachers.base import Feedback, Lesson, Teacher
from autocurriculum.teachers.spaces import DiscreteSpace

__all__ = ["SIGNALS", "LearningProgress", "reweight"]

SIGNALS = ("success", "episode_return")


def reweight(p: np.ndarray | float, theta: float = 0.1) -> np.ndarray:
    """Kanitscheider et al.'s reweighting ``w(p) = p (1 - theta) / (p + theta (1 - 2 p))``.

    Maps [0, 1] onto [0, 1] with ``w(0) = 0``, ``w(theta) = 0.5`` and ``w(1) = 1``.
    """
    p = np.asarray(p, dtype=np.float64)
    return p * (1.0 - theta) / (p + theta * (1.0 - 2.0 * p))


def _is_real(value: Any) -> bool:
    return not isinstance(value, bool) and isinstance(value, (int, float, np.integer, np.floating))


class LearningProgress(Teacher):
    """Online learning-progress teacher for a discrete task set (Kanitscheider et al. 2021, Syllabus).

    Parameters
    ----------
    task_space:
        A :class:`~autocurriculum.teachers.spaces.DiscreteSpace`.
    ema_alpha:
        Smoothing of the fast EMA, and of the slow EMA over the fast one (default 0.1).
    p_theta:
        ``theta`` of the reweighting function, in (0, 1) (default 0.1).
    uniform_mix:
        Share of the uniform distribution in the sampling distribution (default 0.25).
    signal:
        ``"success"`` (default): feedback must carry ``success``; ``"episode_return"``: feedback
        must carry an ``episode_return`` in [0, 1].
    seed:
        Seed of the teacher's generator.
    """

    name: ClassVar[str] = "learning_progress"
    space_types: ClassVar[tuple[type, ...]] = (DiscreteSpace,)
    task_space: DiscreteSpace

    def __init__(
        self,
        task_space: DiscreteSpace,
        *,
        ema_alpha: float = 0.1,
        p_theta: float = 0.1,
        uniform_mix: float = 0.25,
        signal: str = "success",
        seed: int | None = None,
    ) -> None:
        super().__init__(task_space, seed=seed)
        self.ema_alpha = ema_alpha
        self.p_theta = p_theta
        self.uniform_mix = uniform_mix
        self.signal = signal

    @property  # type: ignore[override]
    def requires(self) -> frozenset[str]:  # type: ignore[override]
        """``{"success"}`` or ``{"episode_return"}``, following :attr:`signal`."""
        return frozenset({self.signal}) if self.signal in SIGNALS else frozenset({"success"})

    # ------------------------------------------------------------------ set-up
    def _validate_params(self) -> None:
        if self.signal not in SIGNALS:
            raise ValueError(f"LearningProgress.signal: got {self.signal!r}; allowed: {list(SIGNALS)}")
        a = self.ema_alpha
        if not _is_real(a) or not 0.0 < a <= 1.0:
            raise ValueError(f"LearningProgress.ema_alpha: expected a number in (0, 1], got {a!r}")
        t = self.p_theta
        if not _is_real(t) or not 0.0 < t < 1.0:
            raise ValueError(f"LearningProgress.p_theta: expected a number in (0, 1), got {t!r}")
        m = self.uniform_mix
        if not _is_real(m) or not 0.0 <= m <= 1.0:
            raise ValueError(f"LearningProgress.uniform_mix: expected a probability in [0, 1], got {m!r}")

    def _init_state(self) -> None:
        n = self.task_space.n
        self.p_fast_ = np.zeros(n)
        self.p_slow_ = np.zeros(n)
        self.p_last_ = np.zeros(n)
        self.counts_ = np.zeros(n, dtype=np.int64)
        self.origin_counts_ = {"uniform": 0, "learning_progress": 0}

    # ------------------------------------------------------------------ distribution
    def learning_progress(self) -> np.ndarray:
        """``|w(p_fast) - w(p_slow)|`` per task (0 for tasks never reported)."""
        self._ensure_setup()
        lp = np.abs(reweight(self.p_fast_, self.p_theta) - reweight(self.p_slow_, self.p_theta))
        return np.where(self.counts_ > 0, lp, 0.0)

    def progress_distribution(self) -> np.ndarray:
        """The learning-progress part ``P_LP`` (z-score, sigmoid, normalise), before the uniform mix."""
        lp = self.learning_progress()
        n = self.task_space.n
        counted = (self.counts_ > 0) & ((lp > 0) | (self.p_last_ > 0))
        if not counted.any():
            return np.full(n, 1.0 / n)
        sub = lp[counted]
        std = sub.std()
        z = (sub - sub.mean()) / (std if std > 0 else 1.0)
        sig = 1.0 / (1.0 + np.exp(-z))
        dist = np.zeros(n)
        dist[counted] = sig / sig.sum()
        return dist

    def task_probabilities(self) -> np.ndarray:
        """The sampling distribution ``(1 - uniform_mix) * P_LP + uniform_mix / n``."""
        m = float(self.uniform_mix)
        return (1.0 - m) * self.progress_distribution() + m / self.task_space.n

    # ------------------------------------------------------------------ protocol
    def _sample(self) -> tuple[int, str, dict[str, Any]]:
        if self.rng_.random() < self.uniform_mix:
            self.origin_counts_["uniform"] += 1
            return int(self.rng_.integers(self.task_space.n)), "uniform", {}
        dist = self.progress_distribution()
        self.origin_counts_["learning_progress"] += 1
        return int(self.rng_.choice(self.task_space.n, p=dist)), "learning_progress", {}

    def _outcome(self, feedback: Feedback) -> float:
        if self.signal == "success":
            return 1.0 if feedback.success else 0.0
        value = feedback.episode_return
        assert value is not None
        if not 0.0 <= value <= 1.0:
            raise ValueError(
                f"LearningProgress.update: episode_return={value!r} lies outside [0, 1]; with "
                "signal='episode_return' give returns normalised to [0, 1] (or report success with signal='success')"
            )
        return value

    def _update(self, lesson: Lesson, feedback: Feedback) -> None:
        s = self._outcome(feedback)
        i = int(lesson.task)
        a = float(self.ema_alpha)
        if self.counts_[i] == 0:
            self.p_fast_[i] = self.p_slow_[i] = s
        else:
            self.p_fast_[i] = a * s + (1.0 - a) * self.p_fast_[i]
            self.p_slow_[i] = a * self.p_fast_[i] + (1.0 - a) * self.p_slow_[i]
        self.p_last_[i] = s
        self.counts_[i] += 1

    def _metrics(self) -> dict[str, float]:
        lp = self.learning_progress()
        probs = self.task_probabilities()
        seen = self.counts_ > 0
        return {
            "mean_lp": float(lp.mean()),
            "max_lp": float(lp.max()),
            "tasks_seen": float(seen.sum()),
            "mean_success_fast": float(self.p_fast_[seen].mean()) if seen.any() else 0.0,
            "entropy": float(-(probs * np.log(probs, where=probs > 0, out=np.zeros_like(probs))).sum()),
            **{f"origin/{k}": float(v) for k, v in self.origin_counts_.items()},
        }

    # ------------------------------------------------------------------ checkpoints
    def _get_state(self) -> dict[str, Any]:
        return {
            "p_fast": self.p_fast_.copy(),
            "p_slow": self.p_slow_.copy(),
            "p_last": self.p_last_.copy(),
            "counts": self.counts_.copy(),
            "origin_counts": dict(self.origin_counts_),
        }

    def _set_state(self, state: dict[str, Any]) -> None:
        r = self._state_reader(state)
        r.keys(["p_fast", "p_slow", "p_last", "counts", "origin_counts"])
        n = self.task_space.n
        # outcomes (success flags or normalised returns) lie in [0, 1]; their moving averages too,
        # up to rounding
        self.p_fast_ = r.array("p_fast", "f", (n,), -1e-9, 1.0 + 1e-9)
        self.p_slow_ = r.array("p_slow", "f", (n,), -1e-9, 1.0 + 1e-9)
        self.p_last_ = r.array("p_last", "f", (n,), 0.0, 1.0)
        self.counts_ = r.array("counts", "i", (n,), 0)
        if int(self.counts_.sum()) != self.n_updates_:
            raise ValueError(
                f"{r.where('counts')}: the counts sum to {int(self.counts_.sum())}, but the state records "
                f"{self.n_updates_} updates (the state is inconsistent)"
            )
        self.origin_counts_ = r.counts("origin_counts", ["uniform", "learning_progress"], total=self.n_sampled_)
