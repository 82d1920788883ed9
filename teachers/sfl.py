"""Sampling For Learnability (SFL): train on the levels the agent solves about half the time.

Reference
---------
Rutherford, Beukman, Willi, Lacerda, Hawes & Foerster, "No Regrets: Investigating and Improving
Regret Approximations for Curriculum Discovery", NeurIPS 2024; repository
amacrutherford/sampling-for-learnability (``sfl/train/minigrid_sfl.py`` and its configs).

The algorithm (TEACHERS.md section 14)
--------------------------------------
Rounds alternate with training:

1. **probe**: draw ``n_probe`` levels uniformly from the task space, have the current policy play
   each ``probe_episodes`` times, and score each level's *learnability* ``p * (1 - p)``, with
   ``p`` its success rate (highest for levels solved half of the time, zero for levels always or
   never solved);
2. keep the ``buffer_size`` levels of highest learnability (the top K) as the buffer, replacing
   the previous one;
3. **train** for ``period`` environment steps on a fixed mix: each training lesson is a uniform
   draw from the buffer with probability ``buffer_prob``, else a fresh random level.

The first round starts with the first lesson.

The contract with the student
-----------------------------
Probe lessons have origin ``"probe"`` and ``info["train"] = False``: the PPO student
(``autocurriculum.students.sb3``) plays and reports them but masks their transitions out of the
policy update (the mechanism Robust PLR uses). Their steps are environment steps like any
other, so they count in the student's budget; the teacher reports them as the ``probe_steps``
and ``probe_fraction`` metrics. Training lessons have origin ``"buffer"`` or ``"random"`` and
``info["train"] = True``. Feedback needs ``success`` (the learnability) and ``length`` (the
step counts); the task wrapper reports both for every episode when the environment sets
``info["is_success"]``.

Probe lessons are handed out level by level (``probe_episodes`` consecutive lessons per level);
several environment copies play them in parallel and report in any order. A round's buffer is
built as soon as every probe episode has been reported; lessons sampled meanwhile come from the
previous buffer (or are random, before the first). If some probe reports never arrive (episodes
abandoned by an environment reset), the round is closed with the levels reported so far when
the next one is due. Reports about an earlier round are counted (``stale_probe_reports``) and
otherwise ignored.

Defaults (the reference's MiniGrid maze configuration)
------------------------------------------------------
``n_probe = 25000`` (5 batches of 5000 levels), ``buffer_size = 1000`` (``NUM_TO_SAVE``),
``buffer_prob = 0.5`` (128 of its 256 environments replay the buffer, 128 play new random
levels), ``period = 6_553_600`` steps (a new buffer every 100 PPO updates of 256 environments x
256 steps). The reference rolls each probe level out for 2000 steps with automatic replay and
averages success over at most 10 episodes; here each level is played ``probe_episodes = 10``
times. As in the reference, the top K are kept even where learnability is zero (when fewer than
K levels have a positive score). These defaults are for runs of hundreds of millions of steps;
small budgets need a smaller ``n_probe`` and ``period`` (see ``experiments/configs/maze_ued.yaml``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np

from autocurriculum.teachers.base import Feedback, Lesson, Teacher
from autocurriculum.teachers.levels import MazeLevelSpace, check_rows, row_task, task_row
from autocurriculum.teachers.spaces import BoxSpace, DiscreteSpace, TaskSpace
from autocurriculum.teachers.validation import StateReader, is_int, is_number

__all__ = ["SFL", "learnability", "top_learnable"]


def learnability(success_rate: Any) -> np.ndarray:
    """``p * (1 - p)`` elementwise: 0.25 at ``p = 0.5``, 0 for levels always or never solved."""
    p = np.asarray(success_rate, dtype=np.float64)
    if np.any(~np.isfinite(p)) or np.any(p < 0) or np.any(p > 1):
        raise ValueError(f"success_rate: expected rates in [0, 1], got {p.tolist()}")
    return p * (1.0 - p)


def top_learnable(success_rate: Any, k: int) -> np.ndarray:
    """Indices of the ``k`` highest-learnability levels, best first (ties: lower index first)."""
    scores = learnability(success_rate)
    order = np.argsort(-scores, kind="stable")
    return order[: int(k)]


class SFL(Teacher):
    """Sampling For Learnability (Rutherford et al., NeurIPS 2024); see the module docstring.

    Parameters
    ----------
    task_space:
        A :class:`~autocurriculum.teachers.levels.MazeLevelSpace`, a
        :class:`~autocurriculum.teachers.spaces.BoxSpace` or a
        :class:`~autocurriculum.teachers.spaces.DiscreteSpace`.
    n_probe:
        Random levels scored per round (default 25000, the reference's 5 x 5000).
    probe_episodes:
        Episodes per probed level (default 10).
    buffer_size:
        K, the levels kept (default 1000); at most ``n_probe``.
    buffer_prob:
        Probability that a training lesson comes from the buffer (default 0.5).
    period:
        Training steps (environment steps of training lessons, from ``feedback.length``)
        between the start of one round's training and the next round (default 6_553_600).
    seed:
        Seed of the teacher's generator.
    """

    name: ClassVar[str] = "sfl"
    requires: ClassVar[frozenset[str]] = frozenset({"success", "length"})
    space_types: ClassVar[tuple[type[TaskSpace], ...]] = (MazeLevelSpace, BoxSpace, DiscreteSpace)

    def __init__(
        self,
        task_space: TaskSpace,
        *,
        n_probe: int = 25_000,
        probe_episodes: int = 10,
        buffer_size: int = 1000,
        buffer_prob: float = 0.5,
        period: int = 6_553_600,
        seed: int | None = None,
    ) -> None:
        super().__init__(task_space, seed=seed)
        self.n_probe = n_probe
        self.probe_episodes = probe_episodes
        self.buffer_size = buffer_size
        self.buffer_prob = buffer_prob
        self.period = period

    # ------------------------------------------------------------------ set-up
    def _validate_params(self) -> None:
        owner = type(self).__name__
        for name in ("n_probe", "probe_episodes", "buffer_size", "period"):
            v = getattr(self, name)
            if not is_int(v) or v < 1:
                raise ValueError(f"{owner}.{name}: expected a positive integer, got {v!r}")
        if self.buffer_size > self.n_probe:
            raise ValueError(
                f"{owner}.buffer_size: {self.buffer_size} exceeds n_probe={self.n_probe}; the buffer keeps "
                "the top K of the probed levels, so K <= n_probe"
            )
        p = self.buffer_prob
        if not is_number(p) or not math.isfinite(float(p)) or not 0.0 <= float(p) <= 1.0:
            raise ValueError(f"{owner}.buffer_prob: got {p!r}; allowed: a number in [0, 1]")

    def _empty_rows(self, n: int) -> np.ndarray:
        space = self.task_space
        if isinstance(space, MazeLevelSpace):
            return np.zeros((n, space.encoding_length), dtype=np.int64)
        if isinstance(space, BoxSpace):
            return np.zeros((n, space.dim), dtype=np.float64)
        return np.zeros(n, dtype=np.int64)

    def _init_state(self) -> None:
        self.buffer_ = self._empty_rows(0)
        self.buffer_scores_ = np.zeros(0, dtype=np.float64)
        self.round_ = -1  # no round yet: the first lesson starts round 0
        self.probe_ = self._empty_rows(0)
        self.probe_next_ = 0  # next probe lesson of the round (level = index // probe_episodes)
        self.successes_ = np.zeros(0, dtype=np.int64)
        self.reports_ = np.zeros(0, dtype=np.int64)
        self.round_closed_ = True
        self.train_steps_since_ = 0
        self.counts_ = {
            "probe_steps": 0,
            "train_steps": 0,
            "probe_episodes": 0,
            "train_episodes": 0,
            "stale_probe_reports": 0,
            "buffer": 0,
            "random": 0,
            "rounds_closed": 0,
        }

    # ------------------------------------------------------------------ sampling
    @property
    def probing(self) -> bool:
        """Whether probe lessons of the current round remain to be handed out."""
        self._ensure_setup()
        return self.probe_next_ < self.probe_.shape[0] * int(self.probe_episodes)

    def _sample(self) -> tuple[Any, str, dict[str, Any]]:
        if not self.probing and (self.round_ < 0 or self.train_steps_since_ >= int(self.period)):
            self._start_round()
        if self.probing:
            index = self.probe_next_ // int(self.probe_episodes)
            self.probe_next_ += 1
            info = {"train": False, "round": self.round_, "index": index}
            return row_task(self.task_space, self.probe_[index]), "probe", info
        if self.buffer_.shape[0] and self.rng_.random() < float(self.buffer_prob):
            slot = int(self.rng_.integers(self.buffer_.shape[0]))
            self.counts_["buffer"] += 1
            return row_task(self.task_space, self.buffer_[slot]), "buffer", {"train": True, "slot": slot}
        self.counts_["random"] += 1
        return self.task_space.sample(self.rng_), "random", {"train": True}

    def _start_round(self) -> None:
        if not self.round_closed_:
            self._close_round()  # the previous round's missing reports will not come
        self.round_ += 1
        n = int(self.n_probe)
        self.probe_ = self._empty_rows(n)
        for i in range(n):
            self.probe_[i] = task_row(self.task_space, self.task_space.sample(self.rng_))
        self.probe_next_ = 0
        self.successes_ = np.zeros(n, dtype=np.int64)
        self.reports_ = np.zeros(n, dtype=np.int64)
        self.round_closed_ = False
        self.train_steps_since_ = 0

    def _close_round(self) -> None:
        """Keep the top K of the levels reported in this round (all of them, normally)."""
        seen = np.flatnonzero(self.reports_ > 0)
        self.round_closed_ = True
        if seen.size == 0:
            return
        rates = self.successes_[seen] / self.reports_[seen]
        best = top_learnable(rates, min(int(self.buffer_size), seen.size))
        self.buffer_ = self.probe_[seen[best]].copy()
        self.buffer_scores_ = learnability(rates[best])
        self.counts_["rounds_closed"] += 1

    # ------------------------------------------------------------------ feedback
    def _update(self, lesson: Lesson, feedback: Feedback) -> None:
        length = int(feedback.length)  # type: ignore[arg-type]  # required: checked by Teacher.update
        if lesson.origin != "probe":
            self.counts_["train_steps"] += length
            self.counts_["train_episodes"] += 1
            self.train_steps_since_ += length
            return
        self.counts_["probe_steps"] += length
        self.counts_["probe_episodes"] += 1
        info = lesson.info
        r, index = (info.get("round"), info.get("index")) if isinstance(info, Mapping) else (None, None)
        if not (is_int(r) and is_int(index)):
            raise ValueError(f"lesson.info: a probe lesson names its 'round' and 'index', got {dict(info)!r}")
        if r != self.round_ or self.round_closed_:
            self.counts_["stale_probe_reports"] += 1
            return
        if not 0 <= index < self.reports_.size or self.reports_[index] >= int(self.probe_episodes):
            raise ValueError(f"lesson.info['index']: {index!r} is not an open probe level of round {r}")
        self.reports_[index] += 1
        self.successes_[index] += int(bool(feedback.success))
        if not self.probing and int(self.reports_.sum()) == self.reports_.size * int(self.probe_episodes):
            self._close_round()

    # ------------------------------------------------------------------ reporting
    def _metrics(self) -> dict[str, float]:
        c = self.counts_
        total = c["probe_steps"] + c["train_steps"]
        scores = self.buffer_scores_
        return {
            "round": float(self.round_),
            "probing": float(self.probing),
            "probe_steps": float(c["probe_steps"]),
            "train_steps": float(c["train_steps"]),
            "probe_fraction": c["probe_steps"] / total if total else 0.0,
            "buffer_levels": float(scores.size),
            "buffer_mean_learnability": float(scores.mean()) if scores.size else 0.0,
            "buffer_learnable_fraction": float(np.mean(scores > 0)) if scores.size else 0.0,
            "buffer_lesson_fraction": c["buffer"] / max(1, c["buffer"] + c["random"]),
            "stale_probe_reports": float(c["stale_probe_reports"]),
        }

    def plot_data(self) -> dict[str, Any]:
        """The buffer: ``"tasks"`` (vectors, ids or level encodings) and their ``"score"`` (learnability)."""
        self._ensure_setup()
        return {"tasks": self.buffer_.copy(), "score": self.buffer_scores_.copy()}

    # ------------------------------------------------------------------ checkpoints
    def _get_state(self) -> dict[str, Any]:
        return {
            "buffer": self.buffer_.copy(),
            "buffer_scores": self.buffer_scores_.copy(),
            "round": self.round_,
            "probe": self.probe_.copy(),
            "probe_next": self.probe_next_,
            "successes": self.successes_.copy(),
            "reports": self.reports_.copy(),
            "round_closed": self.round_closed_,
            "train_steps_since": self.train_steps_since_,
            "counts": dict(self.counts_),
        }

    def _read_rows(self, r: StateReader, key: str) -> np.ndarray:
        """Stored levels under ``key``: encodings, box vectors or ids of this task space, one per row."""
        space = self.task_space
        if isinstance(space, MazeLevelSpace):
            rows = r.array(key, "i", (None, space.encoding_length))
            check_rows(space, rows, r.where(key))
            return rows
        if isinstance(space, BoxSpace):
            return r.array(key, "f", (None, space.dim), space.low, space.high)
        assert isinstance(space, DiscreteSpace)
        return r.array(key, "i", (None,), 0, space.n - 1)

    def _set_state(self, state: dict[str, Any]) -> None:
        r = self._state_reader(state)
        r.keys(
            [
                "buffer",
                "buffer_scores",
                "round",
                "probe",
                "probe_next",
                "successes",
                "reports",
                "round_closed",
                "train_steps_since",
                "counts",
            ]
        )
        buffer = self._read_rows(r, "buffer")
        scores = r.array("buffer_scores", "f", (buffer.shape[0],), 0.0, 0.25)  # learnability p (1 - p)
        round_ = r.int("round", -1)
        probe = self._read_rows(r, "probe")
        n, per_level = probe.shape[0], int(self.probe_episodes)
        if round_ < 0 and (n or buffer.shape[0]):
            raise ValueError(f"{r.where('probe')}: holds levels, but state['state']['round'] says no round started")
        probe_next = r.int("probe_next", 0, n * per_level)
        # a level's reports never exceed the probe lessons handed out for it (probe_episodes per level)
        handed = np.clip(probe_next - per_level * np.arange(n), 0, per_level)
        reports = r.array("reports", "i", (n,), 0, handed)
        successes = r.array("successes", "i", (n,), 0, reports)
        closed = r.bool("round_closed")
        if round_ < 0 and not closed:
            raise ValueError(f"{r.where('round_closed')}: must be True before the first round")
        self.buffer_, self.buffer_scores_, self.probe_ = buffer, scores, probe
        self.successes_, self.reports_ = successes, reports
        self.round_ = round_
        self.probe_next_ = probe_next
        self.round_closed_ = closed
        self.train_steps_since_ = r.int("train_steps_since")
        self.counts_ = r.counts("counts", list(self.counts_))
