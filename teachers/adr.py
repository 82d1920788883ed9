"""ADR: Automatic Domain Randomization, a teacher that grows a box of tasks from one point.

OpenAI, Akkaya et al., "Solving Rubik's Cube with a Robot Hand", 2019; as implemented in
TeachMyAgent (Romac et al., ICML 2021).

The algorithm (TEACHERS.md section 5):

* The current box starts as a single point: ``initial_mean`` (the initial distribution's mean,
  TeachMyAgent's expert knowledge) or, without it, a uniform random point of the task space.
  Each dimension ``i`` has a lower and an upper bound ``[phi_low_i, phi_high_i]``.
* Sampling: a task is drawn uniformly in the current box. With probability
  ``boundary_sampling_p`` (0.5; TeachMyAgent benchmark 0.7) one dimension is chosen uniformly
  and one of its bounds is *probed*: the task's coordinate is set to that bound. As in
  TeachMyAgent, a bound already at the task space's limit is not probed (the other bound of that
  dimension is, chosen with probability 1/2 when neither is at its limit); when both are, the
  lesson is a plain draw in the box.
* Each bound keeps a queue of the returns of its last ``queue_len`` (10) probes. When a queue is
  full, its mean ``m`` is compared with the thresholds: ``m >= threshold_high`` widens that bound
  outwards by ``step_size`` times the dimension's range (stopping at the task space's limit),
  ``m < threshold_low`` narrows it inwards by the same step (stopping at the opposite bound);
  the queue is then cleared.

Thresholds are raw episodic returns, environment-specific, so they have no defaults: give
``threshold_high`` and ``threshold_low``, or use a preset. ``teachmyagent`` holds the
BipedalWalker / Stump Tracks settings of TeachMyAgent (180 and 0, ``boundary_sampling_p`` 0.7);
``unlock_grid`` holds settings for returns in [0, 1] starting from the origin of the unit cube
(the easiest cell of :class:`~autocurriculum.environments.unlock_grid.UnlockGrid`, the expert knowledge ADR
assumes).

Which bound a lesson probed is recorded in the lesson (``info["probe_dim"]``,
``info["probe_bound"]`` = ``"low"``/``"high"``, ``info["probe_value"]``), and a report is
attributed through the lesson it names, so reports may arrive in any order (TeachMyAgent instead
compared the reported task with the current bounds). A report on a probe whose bound has moved
since its lesson was sampled no longer describes the current bound: it is counted as stale
(metric ``stale_probes``) and not queued, as in TeachMyAgent where such a task no longer equals
the bound. Reports on lessons that probed no bound change nothing but the counters.

A moved bound is rounded to 12 decimals before it is stopped at its limit, so that ten steps of 0.1 from 0 land on 1.0
and not on 0.9999999999999999.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np

from autocurriculum.teachers.base import Feedback, Lesson, Teacher
from autocurriculum.teachers.spaces import BoxSpace
from autocurriculum.teachers.validation import is_int

__all__ = ["ADR", "ADR_PRESETS"]

#: Named hyperparameter presets. ``teachmyagent``: the TeachMyAgent benchmark on BipedalWalker
#: tracks (raw returns; Romac et al. 2021). ``unlock_grid``: returns in [0, 1] (the unlock grid
#: of teachDeepRL), starting from the origin of the box: widen when the probes of a bound average
#: a return of at least 0.75 (the grid's unlocking competence); narrowing below a mean of 0 never
#: happens there (grid returns are >= 0), as a locked cell can only wait for its neighbours.
ADR_PRESETS: dict[str, dict[str, Any]] = {
    "teachmyagent": {
        "threshold_high": 180.0,
        "threshold_low": 0.0,
        "boundary_sampling_p": 0.7,
        "step_size": 0.1,
        "queue_len": 10,
    },
    "unlock_grid": {
        "threshold_high": 0.75,
        "threshold_low": 0.0,
        "boundary_sampling_p": 0.5,
        "step_size": 0.1,
        "queue_len": 10,
        "initial_mean": 0.0,
    },
}

BOUNDS = ("low", "high")
_DECIMALS = 12


def _is_number(value: Any) -> bool:
    return not isinstance(value, bool) and isinstance(value, (int, float, np.integer, np.floating))


class ADR(Teacher):
    """Automatic Domain Randomization teacher (OpenAI et al. 2019, as in TeachMyAgent).

    Parameters
    ----------
    task_space:
        A :class:`~autocurriculum.teachers.spaces.BoxSpace`.
    threshold_high:
        Mean raw return of a full probe queue at or above which the bound widens (required;
        TeachMyAgent on BipedalWalker: 180).
    threshold_low:
        Mean raw return below which the bound narrows (required, ``<= threshold_high``;
        TeachMyAgent on BipedalWalker: 0).
    boundary_sampling_p:
        Probability of probing a bound (default 0.5 as in OpenAI et al.; TeachMyAgent: 0.7).
    step_size:
        How far a bound moves, as a fraction of the dimension's range (default 0.1).
    queue_len:
        Probe returns per bound before a decision (default 10).
    initial_mean:
        The starting point: a vector, or a number used for every dimension; ``None`` (default)
        draws a uniform random point of the task space.
    seed:
        Seed of the teacher's generator.

    Lessons have origin ``"boundary"`` (with ``info["probe_dim"]``, ``info["probe_bound"]``,
    ``info["probe_value"]``) or ``"box"``.
    """

    name: ClassVar[str] = "adr"
    requires: ClassVar[frozenset[str]] = frozenset({"episode_return"})
    space_types: ClassVar[tuple[type, ...]] = (BoxSpace,)
    PRESETS: ClassVar[dict[str, dict[str, Any]]] = ADR_PRESETS
    task_space: BoxSpace

    def __init__(
        self,
        task_space: BoxSpace,
        *,
        threshold_high: float | None = None,
        threshold_low: float | None = None,
        boundary_sampling_p: float = 0.5,
        step_size: float = 0.1,
        queue_len: int = 10,
        initial_mean: Sequence[float] | float | None = None,
        seed: int | None = None,
    ) -> None:
        super().__init__(task_space, seed=seed)
        self.threshold_high = threshold_high
        self.threshold_low = threshold_low
        self.boundary_sampling_p = boundary_sampling_p
        self.step_size = step_size
        self.queue_len = queue_len
        self.initial_mean = initial_mean

    @classmethod
    def from_preset(cls, preset: str, task_space: BoxSpace, **overrides: Any) -> ADR:
        """Build with a named preset (``"teachmyagent"`` or ``"unlock_grid"``) and overrides."""
        if preset not in cls.PRESETS:
            raise ValueError(f"{cls.__name__}: unknown preset {preset!r}; allowed: {sorted(cls.PRESETS)}")
        return cls(task_space, **{**cls.PRESETS[preset], **overrides})

    # ------------------------------------------------------------------ set-up
    def _validate_params(self) -> None:
        for name in ("threshold_high", "threshold_low"):
            v = getattr(self, name)
            if v is None:
                raise ValueError(
                    f"ADR.{name}: required (a raw episodic return, environment-specific); pass threshold_high "
                    "and threshold_low, or use ADR.from_preset('teachmyagent', ...) for BipedalWalker tracks "
                    "(180, 0) or ADR.from_preset('unlock_grid', ...) for returns in [0, 1]"
                )
            if not _is_number(v) or not np.isfinite(v):
                raise ValueError(f"ADR.{name}: expected a finite number, got {v!r}")
        if self.threshold_low > self.threshold_high:  # type: ignore[operator]
            raise ValueError(
                f"ADR.threshold_low: got {self.threshold_low!r} > threshold_high={self.threshold_high!r}; "
                "need threshold_low <= threshold_high"
            )
        p = self.boundary_sampling_p
        if not _is_number(p) or not 0.0 <= p <= 1.0:
            raise ValueError(f"ADR.boundary_sampling_p: expected a probability in [0, 1], got {p!r}")
        s = self.step_size
        if not _is_number(s) or not 0.0 < s <= 1.0:
            raise ValueError(f"ADR.step_size: expected a fraction of the range in (0, 1], got {s!r}")
        q = self.queue_len
        if not is_int(q) or q < 1:
            raise ValueError(f"ADR.queue_len: expected a positive integer, got {q!r}")
        self.start_: np.ndarray | None = None
        if self.initial_mean is not None:
            mean = self.initial_mean
            if _is_number(mean):
                mean = np.full(self.task_space.dim, float(mean))  # type: ignore[arg-type]
            self.start_ = self.task_space.check(mean, "ADR.initial_mean").copy()

    def _init_state(self) -> None:
        start = self.start_ if self.start_ is not None else self.task_space.sample(self.rng_)
        self.low_ = np.array(start, dtype=np.float64)
        self.high_ = np.array(start, dtype=np.float64)
        d = self.task_space.dim
        self.queues_: dict[str, list[list[float]]] = {b: [[] for _ in range(d)] for b in BOUNDS}
        self.n_widened_ = 0
        self.n_narrowed_ = 0
        self.n_stale_ = 0
        self.n_probes_ = 0

    # ------------------------------------------------------------------ protocol
    def _sample(self) -> tuple[np.ndarray, str, dict[str, Any]]:
        task = self.rng_.uniform(self.low_, self.high_)
        if self.rng_.random() >= self.boundary_sampling_p:
            return task, "box", {}
        dim = int(self.rng_.integers(self.task_space.dim))
        low_capped = self.low_[dim] <= self.task_space.low[dim]
        high_capped = self.high_[dim] >= self.task_space.high[dim]
        if not low_capped and not high_capped:
            bound = "low" if self.rng_.random() < 0.5 else "high"
        elif not low_capped:
            bound = "low"
        elif not high_capped:
            bound = "high"
        else:
            return task, "box", {}
        value = float(self.low_[dim] if bound == "low" else self.high_[dim])
        task[dim] = value
        self.n_probes_ += 1
        return task, "boundary", {"probe_dim": dim, "probe_bound": bound, "probe_value": value}

    def _probe_of(self, lesson: Lesson) -> tuple[int, str, float] | None:
        info = lesson.info
        if "probe_dim" not in info:
            return None
        dim, bound, value = info.get("probe_dim"), info.get("probe_bound"), info.get("probe_value")
        if not is_int(dim) or not 0 <= dim < self.task_space.dim:
            raise ValueError(
                f"lesson.info['probe_dim']: expected a dimension in [0, {self.task_space.dim - 1}], got {dim!r}"
            )
        if bound not in BOUNDS:
            raise ValueError(f"lesson.info['probe_bound']: expected one of {list(BOUNDS)}, got {bound!r}")
        if not _is_number(value) or float(np.asarray(lesson.task)[dim]) != float(value):
            raise ValueError(
                f"lesson.info['probe_value']: got {value!r}, but the lesson's task has {np.asarray(lesson.task)[dim]!r} "
                f"in dimension {dim}; the info must describe the task"
            )
        return int(dim), str(bound), float(value)

    def _update(self, lesson: Lesson, feedback: Feedback) -> None:
        assert feedback.episode_return is not None
        probe = self._probe_of(lesson)
        if probe is None:
            return
        dim, bound, value = probe
        current = self.low_ if bound == "low" else self.high_
        if current[dim] != value:
            self.n_stale_ += 1
            return
        queue = self.queues_[bound][dim]
        queue.append(feedback.episode_return)
        if len(queue) < self.queue_len:
            return
        mean = float(np.mean(queue))
        step = float(self.step_size) * float(self.task_space.width[dim])
        outward = -step if bound == "low" else step
        if mean >= self.threshold_high:  # type: ignore[operator]
            moved = round(current[dim] + outward, _DECIMALS)
            # Stopping at the task space's limit is part of the algorithm.
            limit = self.task_space.low[dim] if bound == "low" else self.task_space.high[dim]
            current[dim] = max(moved, limit) if bound == "low" else min(moved, limit)
            self.n_widened_ += 1
        elif mean < self.threshold_low:  # type: ignore[operator]
            moved = round(current[dim] - outward, _DECIMALS)
            # Stopping at the opposite bound is part of the algorithm.
            current[dim] = min(moved, self.high_[dim]) if bound == "low" else max(moved, self.low_[dim])
            self.n_narrowed_ += 1
        queue.clear()

    def bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """The current box ``(low, high)`` in task coordinates (copies)."""
        self._ensure_setup()
        return self.low_.copy(), self.high_.copy()

    def _metrics(self) -> dict[str, float]:
        width = np.where(self.task_space.width > 0, self.task_space.width, 1.0)
        out = {
            "n_widened": float(self.n_widened_),
            "n_narrowed": float(self.n_narrowed_),
            "n_probes": float(self.n_probes_),
            "stale_probes": float(self.n_stale_),
            "mean_box_fraction": float(np.mean((self.high_ - self.low_) / width)),
        }
        for i, name in enumerate(self.task_space.names):
            out[f"low/{name}"] = float(self.low_[i])
            out[f"high/{name}"] = float(self.high_[i])
        return out

    # ------------------------------------------------------------------ checkpoints
    def _get_state(self) -> dict[str, Any]:
        return {
            "low": self.low_.copy(),
            "high": self.high_.copy(),
            "queues": {
                f"{b}/{i}": np.array(q, dtype=np.float64) for b, qs in self.queues_.items() for i, q in enumerate(qs)
            },
            "n_widened": self.n_widened_,
            "n_narrowed": self.n_narrowed_,
            "n_stale": self.n_stale_,
            "n_probes": self.n_probes_,
        }

    def _set_state(self, state: dict[str, Any]) -> None:
        r = self._state_reader(state)
        r.keys(["low", "high", "queues", "n_widened", "n_narrowed", "n_stale", "n_probes"])
        space, d = self.task_space, self.task_space.dim
        self.low_ = r.array("low", "f", (d,), space.low, space.high)
        self.high_ = r.array("high", "f", (d,), self.low_, space.high)
        q = r.sub("queues")
        q.keys([f"{b}/{i}" for b in BOUNDS for i in range(d)])
        self.queues_ = {b: [] for b in BOUNDS}
        for b in BOUNDS:
            for i in range(d):
                queue = q.array(f"{b}/{i}", "f", (None,))
                if queue.shape[0] >= int(self.queue_len):
                    raise ValueError(
                        f"{q.where(f'{b}/{i}')}: holds {queue.shape[0]} returns; a queue is cleared when it reaches "
                        f"queue_len={self.queue_len}"
                    )
                self.queues_[b].append(queue.tolist())
        self.n_widened_ = r.int("n_widened")
        self.n_narrowed_ = r.int("n_narrowed")
        self.n_stale_ = r.int("n_stale", 0, self.n_updates_)
        self.n_probes_ = r.int("n_probes", 0, self.n_sampled_)
