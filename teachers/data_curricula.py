"""Data curricula: teachers whose lessons are the training samples of the next epoch.

A data teacher works over a :class:`~autocurriculum.teachers.spaces.SubsetSpace` of ``N`` training samples.
Each lesson is a 1-D array of distinct sample indices: the samples a supervised student trains
on in its next epoch, in the order given. The student answers with a
:class:`~autocurriculum.teachers.base.Feedback` whose ``losses`` hold one training loss per sample, aligned
with the lesson's indices (and, in ``extras``, numbers such as the validation accuracy).

Teachers
--------
* :class:`FullData` (``"full_data"``) -- the baseline: every sample, every epoch.
* :class:`PacingCurriculum` (``"pacing"``) -- the six pacing functions of Wu, Dyer & Neyshabur,
  "When do curricula work?", ICLR 2021: the easiest ``g(t)`` samples, ``g`` growing from
  ``b*N`` to ``N``.
* :class:`FixedExponentialPacing` (``"fixed_exponential_pacing"``) -- the fixed exponential
  pacing of Hacohen & Weinshall, "On the power of curriculum learning in training deep
  networks", ICML 2019.
* :class:`CyclicalCurriculum` (``"ccl"``) -- Cyclical Curriculum Learning of Kesgin & Amasyali,
  IEEE TNNLS 2023: epoch sizes cycle between ``sp*N`` and ``ep*N``; each epoch draws its samples
  without replacement with probability proportional to their score.

Difficulty
----------
Every curriculum teacher takes per-sample ``scores`` (higher is easier), typically
``1 / loss`` of a reference model of the same architecture trained normally (see
:mod:`autocurriculum.students.difficulty`). With ``scores=None`` the teacher is *self-paced*: it scores each
sample by ``1 / (loss + eps)`` of the most recent training loss the student reported for it
(refreshed every epoch the sample is trained on). Samples not yet reported get the median
score of the reported ones (all samples score alike before the first report). ``ordering``
chooses ``"curriculum"`` (easy first), ``"anti_curriculum"`` (hard first) or ``"random"``
(difficulty ignored).

Time
----
The pacing teachers measure time in *epoch equivalents*: the number of samples in the lessons
proposed so far divided by ``N``, so that a curriculum's schedule is tied to the compute spent
(sample presentations), as a step counter is in the papers. Lessons are shuffled with the
teacher's generator.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np

from autocurriculum.teachers.base import Feedback, Lesson, Teacher
from autocurriculum.teachers.registry import suggest
from autocurriculum.teachers.spaces import SubsetSpace, TaskSpace
from autocurriculum.teachers.validation import is_number

__all__ = [
    "ORDERINGS",
    "PACING_C",
    "PACING_FUNCTIONS",
    "CyclicalCurriculum",
    "FixedExponentialPacing",
    "FullData",
    "PacingCurriculum",
    "ccl_cycle",
    "ccl_schedule",
    "check_option",
    "fixed_exponential_pacing",
    "order_by_score",
    "pacing_size",
    "scores_from_losses",
]

#: Allowed values of ``ordering``.
ORDERINGS: tuple[str, ...] = ("curriculum", "anti_curriculum", "random")
#: Allowed values of ``pacing`` (Wu, Dyer & Neyshabur 2021).
PACING_FUNCTIONS: tuple[str, ...] = ("linear", "quadratic", "root", "step", "exponential", "logarithmic")
#: The constant ``c`` of the exponential and logarithmic pacing functions (Wu et al. 2021).
PACING_C: float = 10.0


# ---------------------------------------------------------------------- helpers
def check_option(value: Any, allowed: Sequence[str], name: str) -> str:
    """Return ``value`` if it is one of ``allowed``; otherwise raise naming ``name``, value and allowed set.

    The reference implementation of Hacohen & Weinshall silently ran a normal curriculum for a
    misspelt option; here a misspelling is an error with a suggestion.
    """
    if not isinstance(value, str):
        raise TypeError(f"{name}: expected one of {list(allowed)}, got {type(value).__name__} {value!r}")
    if value not in allowed:
        raise ValueError(f"{name}: unknown value {value!r}{suggest(value, list(allowed))}; allowed: {list(allowed)}")
    return value


def _check_real(value: Any, name: str, low: float, high: float, *, low_open: bool = False) -> float:
    if not is_number(value):
        raise TypeError(f"{name}: expected a number, got {type(value).__name__} {value!r}")
    v = float(value)
    ok = math.isfinite(v) and (v > low if low_open else v >= low) and v <= high
    if not ok:
        left = "(" if low_open else "["
        raise ValueError(f"{name}: got {value!r}; allowed: a number in {left}{low}, {high}]")
    return v


def scores_from_losses(losses: Any, eps: float = 1e-8) -> np.ndarray:
    """Difficulty scores from per-sample losses: ``1 / (loss + eps)`` (higher is easier).

    ``eps`` keeps a loss of exactly zero finite; losses must be finite and non-negative.
    """
    arr = np.asarray(losses, dtype=np.float64)
    if arr.ndim != 1:
        raise ValueError(f"losses: expected a 1-D array of per-sample losses, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)) or np.any(arr < 0):
        i = int(np.flatnonzero(~np.isfinite(arr) | (arr < 0))[0])
        raise ValueError(f"losses: entry {i} is {arr[i]}; allowed: finite non-negative losses")
    eps = _check_real(eps, "eps", 0.0, math.inf, low_open=True)
    return 1.0 / (arr + eps)


def order_by_score(scores: Any, ordering: str, rng: np.random.Generator) -> np.ndarray:
    """Sample indices in the order a curriculum presents them.

    ``"curriculum"``: highest score (easiest) first; ``"anti_curriculum"``: lowest score first,
    the exact reverse of the curriculum order when scores are distinct; ``"random"``: a random
    permutation. Ties are broken at random with ``rng``.
    """
    check_option(ordering, ORDERINGS, "ordering")
    s = np.asarray(scores, dtype=np.float64)
    if s.ndim != 1 or not np.all(np.isfinite(s)):
        raise ValueError(f"scores: expected a 1-D array of finite numbers, got shape {s.shape}")
    perm = rng.permutation(s.size)
    if ordering == "random":
        return perm
    key = -s[perm] if ordering == "curriculum" else s[perm]
    return perm[np.argsort(key, kind="stable")]


def pacing_size(pacing: str, t: float, total: float, n: int, a: float, b: float, c: float = PACING_C) -> float:
    """Wu, Dyer & Neyshabur (2021) pacing function ``g(t)``: the number of samples at time ``t``.

    With ``u = t / (a * total)`` and ``N_b = b * n``:

    * linear: ``N_b + (n - N_b) * u``; quadratic: ``u**2``; root: ``u**0.5`` in place of ``u``;
    * step: ``N_b + n * floor(u)``;
    * exponential: ``N_b + (n - N_b) * (exp(c*u) - 1) / (exp(c) - 1)``;
    * logarithmic: ``N_b + (n - N_b) * (1 + ln(u + exp(-c)) / c)``;

    clamped to ``[N_b, n]`` (a real number; the teachers round it up to whole samples).
    """
    check_option(pacing, PACING_FUNCTIONS, "pacing")
    if t < 0:
        raise ValueError(f"t: got {t!r}; allowed: a time >= 0")
    u = t / (a * total)
    nb = b * n
    if pacing == "linear":
        g = nb + (n - nb) * u
    elif pacing == "quadratic":
        g = nb + (n - nb) * u**2
    elif pacing == "root":
        g = nb + (n - nb) * u**0.5
    elif pacing == "step":
        g = nb + n * math.floor(u)
    elif pacing == "exponential":
        # exp(c*u) overflows for very large u; past u = 1 the size is n anyway.
        g = n if u >= 1 else nb + (n - nb) * math.expm1(c * u) / math.expm1(c)
    else:  # logarithmic
        g = nb + (n - nb) * (1 + math.log(u + math.exp(-c)) / c)
    return float(min(max(g, nb), n))


def fixed_exponential_pacing(i: float, n: int, starting_percent: float, increase: float, step_length: float) -> int:
    """Hacohen & Weinshall (2019) fixed exponential pacing: ``ceil(n * min(p0 * inc**floor(i / L), 1))``.

    ``i`` counts batches, ``L`` (``step_length``) is the number of batches between increases.
    """
    if i < 0:
        raise ValueError(f"i: got {i!r}; allowed: a batch count >= 0")
    k = math.floor(i / step_length)
    # inc**k overflows for huge k; the fraction is 1 as soon as p0 * inc**k >= 1.
    k_full = math.ceil(-math.log(starting_percent) / math.log(increase))
    frac = 1.0 if k >= k_full else min(starting_percent * increase**k, 1.0)
    return int(math.ceil(round(n * frac, 9)))


def ccl_cycle(sp: float, ep: float, alpha: float) -> list[float]:
    """One period of the Cyclical Curriculum Learning size schedule (fractions of ``N``).

    Starting at ``sp``, sizes rise ``s <- min(s / alpha, ep)`` until they reach ``ep``, then fall
    ``s <- max(s * alpha, sp)`` until they reach ``sp``, where the next period starts. With the
    defaults ``sp=0.25, ep=1.0, alpha=0.5`` the period is ``[0.25, 0.5, 1.0, 0.5]``.
    """
    cycle = [sp]
    s, rising = sp, True
    while True:
        if rising:
            s = min(s / alpha, ep)
            rising = s != ep
            if not rising and s == sp:  # sp == ep: the schedule is constant
                return cycle
        else:
            s = max(s * alpha, sp)
            if s == sp:
                return cycle
        cycle.append(s)


def ccl_schedule(total_epochs: float, sp: float = 0.25, ep: float = 1.0, alpha: float = 0.5) -> list[float]:
    """The finite CCL schedule: fractions of ``N`` per epoch until they sum to ``total_epochs``.

    Epochs are added while the running sum is below ``total_epochs`` (as in the authors' code), so
    the fractions sum to ``total_epochs`` whenever the cycle lands on it exactly (the defaults
    with ``total_epochs=30`` give 54 epochs summing to 30) and otherwise exceed it by less than
    the last epoch's fraction.
    """
    total = _check_real(total_epochs, "total_epochs", 0.0, math.inf, low_open=True)
    sp, ep, alpha = _check_ccl_params(sp, ep, alpha)
    cycle = ccl_cycle(sp, ep, alpha)
    out: list[float] = []
    acc = 0.0
    while acc < total:
        s = cycle[len(out) % len(cycle)]
        out.append(s)
        acc += s
    return out


def _check_ccl_params(sp: Any, ep: Any, alpha: Any) -> tuple[float, float, float]:
    sp_f = _check_real(sp, "sp", 0.0, 1.0, low_open=True)
    ep_f = _check_real(ep, "ep", 0.0, 1.0, low_open=True)
    if sp_f > ep_f:
        raise ValueError(f"sp: got sp={sp!r} > ep={ep!r}; allowed: 0 < sp <= ep <= 1")
    alpha_f = _check_real(alpha, "alpha", 0.0, 1.0, low_open=True)
    if alpha_f == 1.0:
        raise ValueError(f"alpha: got {alpha!r}; allowed: a multiplier in (0, 1) (1 would never change the size)")
    return sp_f, ep_f, alpha_f


# ---------------------------------------------------------------------- base class
class _DataTeacher(Teacher):
    """Shared machinery of the data teachers: the subset space, scores and self-pacing."""

    space_types: ClassVar[tuple[type[TaskSpace], ...]] = (SubsetSpace,)
    task_space: SubsetSpace

    def _lesson(self, indices: np.ndarray) -> np.ndarray:
        return self.rng_.permutation(np.asarray(indices, dtype=np.int64))

    def _metrics(self) -> dict[str, float]:
        return {
            "data_fraction": float(self.last_size_) / self.task_space.n,
            "epoch_equivalents": float(self.n_presented_) / self.task_space.n,
        }


class _ScoredTeacher(_DataTeacher):
    """A data teacher with per-sample scores, given or self-paced, and an ordering."""

    scores: Any
    ordering: str
    eps: float
    _more_state_keys: ClassVar[tuple[str, ...]] = ()  # state keys a subclass adds

    @property  # type: ignore[override]
    def requires(self) -> frozenset[str]:  # type: ignore[override]
        """Self-paced teachers (``scores=None``) need per-sample losses; scored ones need nothing."""
        return frozenset({"losses"}) if self.scores is None else frozenset()

    def _validate_scores(self, positive: bool) -> None:
        check_option(self.ordering, ORDERINGS, "ordering")
        self.eps_ = _check_real(self.eps, "eps", 0.0, math.inf, low_open=True)
        if self.scores is None:
            self.fixed_scores_: np.ndarray | None = None
            return
        try:
            s = np.array(self.scores, dtype=np.float64)
        except (TypeError, ValueError):
            raise TypeError(f"scores: expected an array of {self.task_space.n} numbers, got {self.scores!r}") from None
        if s.shape != (self.task_space.n,):
            raise ValueError(
                f"scores: expected one score per training sample, shape ({self.task_space.n},), got shape {s.shape}"
            )
        bad = ~np.isfinite(s) | (s <= 0) if positive else ~np.isfinite(s)
        if np.any(bad):
            i = int(np.flatnonzero(bad)[0])
            allowed = "finite positive scores (higher is easier)" if positive else "finite scores (higher is easier)"
            raise ValueError(f"scores: entry {i} is {s[i]}; allowed: {allowed}")
        s.flags.writeable = False
        self.fixed_scores_ = s

    def _init_state(self) -> None:
        n = self.task_space.n
        self.n_presented_ = 0
        self.last_size_ = 0
        self.losses_ = np.zeros(n, dtype=np.float64)
        self.seen_ = np.zeros(n, dtype=bool)

    def current_scores(self) -> np.ndarray:
        """Scores used for the next lesson (given, or ``1 / (loss + eps)`` of the latest losses)."""
        self._ensure_setup()
        if self.fixed_scores_ is not None:
            return self.fixed_scores_.copy()
        scores = np.ones(self.task_space.n, dtype=np.float64)
        if self.seen_.any():
            seen_scores = 1.0 / (self.losses_[self.seen_] + self.eps_)
            scores[self.seen_] = seen_scores
            scores[~self.seen_] = float(np.median(seen_scores))
        return scores

    def _update(self, lesson: Lesson, feedback: Feedback) -> None:
        if feedback.losses is None:
            return
        if np.any(feedback.losses < 0):
            i = int(np.flatnonzero(feedback.losses < 0)[0])
            raise ValueError(f"feedback.losses: entry {i} is {feedback.losses[i]}; allowed: non-negative losses")
        idx = np.asarray(lesson.task, dtype=np.int64)
        self.losses_[idx] = feedback.losses
        self.seen_[idx] = True

    def _get_state(self) -> dict[str, Any]:
        return {
            "n_presented": int(self.n_presented_),
            "last_size": int(self.last_size_),
            "losses": self.losses_.copy(),
            "seen": self.seen_.copy(),
        }

    def _set_state(self, state: dict[str, Any]) -> None:
        r = self._state_reader(state)
        r.keys(["n_presented", "last_size", "losses", "seen", *self._more_state_keys])
        n = self.task_space.n
        self.n_presented_ = r.int("n_presented", 0, n * self.n_sampled_)
        self.last_size_ = r.int("last_size", 0, n)
        self.losses_ = r.array("losses", "f", (n,), 0.0)
        self.seen_ = r.array("seen", "b", (n,))

    def _metrics(self) -> dict[str, float]:
        out = super()._metrics()
        if self.scores is None:
            out["seen_fraction"] = float(self.seen_.mean())
            out["mean_loss"] = float(self.losses_[self.seen_].mean()) if self.seen_.any() else 0.0
        return out

    def example_feedback(self, lesson: Lesson, rng: np.random.Generator) -> Feedback:
        """Per-sample losses in ``[0, 2)`` for every lesson, plus a validation accuracy."""
        n = np.asarray(lesson.task).shape[0]
        return Feedback(losses=rng.uniform(0.0, 2.0, size=n), extras={"val_accuracy": float(rng.uniform())})


# ---------------------------------------------------------------------- teachers
class FullData(_DataTeacher):
    """The full-data baseline: every training sample every epoch, in a fresh random order.

    Parameters
    ----------
    task_space:
        A :class:`~autocurriculum.teachers.spaces.SubsetSpace` over the ``N`` training samples.
    seed:
        Seed of the teacher's generator (the order of the samples).
    """

    name: ClassVar[str] = "full_data"
    requires: ClassVar[frozenset[str]] = frozenset()

    def __init__(self, task_space: SubsetSpace, *, seed: int | None = None) -> None:
        super().__init__(task_space, seed=seed)

    def _init_state(self) -> None:
        self.n_presented_ = 0
        self.last_size_ = 0

    def _sample(self) -> tuple[Any, str, dict[str, Any]]:
        n = self.task_space.n
        self.n_presented_ += n
        self.last_size_ = n
        return self._lesson(np.arange(n)), "full_data", {"fraction": 1.0}

    def _update(self, lesson: Lesson, feedback: Feedback) -> None:
        """The baseline ignores feedback (beyond validating it)."""

    def _get_state(self) -> dict[str, Any]:
        return {"n_presented": int(self.n_presented_), "last_size": int(self.last_size_)}

    def _set_state(self, state: dict[str, Any]) -> None:
        r = self._state_reader(state)
        r.keys(["n_presented", "last_size"])
        n = self.task_space.n
        # every lesson is the whole data set
        self.n_presented_ = r.int("n_presented", n * self.n_sampled_, n * self.n_sampled_)
        self.last_size_ = r.int("last_size", n if self.n_sampled_ else 0, n if self.n_sampled_ else 0)

    def example_feedback(self, lesson: Lesson, rng: np.random.Generator) -> Feedback:
        """Per-sample losses in ``[0, 2)``, as a supervised student reports them."""
        return Feedback(losses=rng.uniform(0.0, 2.0, size=np.asarray(lesson.task).shape[0]))


class _PacedTeacher(_ScoredTeacher):
    """Train on the first ``size(t)`` samples of the ordering; ``t`` in epoch equivalents.

    With ``ordering="random"`` the order is one random permutation drawn at set-up (random
    scores), so the growing subsets are nested as they are for the other orderings.
    """

    _more_state_keys: ClassVar[tuple[str, ...]] = ("random_order",)

    def _init_state(self) -> None:
        super()._init_state()
        self.random_order_ = self.rng_.permutation(self.task_space.n)

    def _get_state(self) -> dict[str, Any]:
        return {**super()._get_state(), "random_order": self.random_order_.copy()}

    def _set_state(self, state: dict[str, Any]) -> None:
        super()._set_state(state)
        r = self._state_reader(state)
        n = self.task_space.n
        order = r.array("random_order", "i", (n,), 0, n - 1)
        if np.unique(order).size != n:
            raise ValueError(f"{r.where('random_order')}: expected a permutation of 0..{n - 1}")
        self.random_order_ = order

    def _size(self, t: float) -> int:
        raise NotImplementedError

    def _sample(self) -> tuple[Any, str, dict[str, Any]]:
        n = self.task_space.n
        t = self.n_presented_ / n
        size = self._size(t)
        if self.ordering == "random":
            order = self.random_order_
        else:
            order = order_by_score(self.current_scores(), self.ordering, self.rng_)
        self.n_presented_ += size
        self.last_size_ = size
        return self._lesson(order[:size]), self.ordering, {"fraction": size / n, "t": t}


class PacingCurriculum(_PacedTeacher):
    """Pacing-function curriculum of Wu, Dyer & Neyshabur, "When do curricula work?", ICLR 2021.

    Each epoch trains on the ``g(t)`` easiest samples (by ``ordering``), where, with
    ``u = t / (a * total_epochs)``, ``N_b = b * N`` and ``c = 10``:

    ========== ====================================================
    linear      ``N_b + (N - N_b) * u``
    quadratic   ``N_b + (N - N_b) * u**2``
    root        ``N_b + (N - N_b) * u**0.5``
    step        ``N_b + N * floor(u)``
    exponential ``N_b + (N - N_b) * (exp(c u) - 1) / (exp(c) - 1)``
    logarithmic ``N_b + (N - N_b) * (1 + ln(u + exp(-c)) / c)``
    ========== ====================================================

    clamped to ``[N_b, N]`` and rounded up to whole samples. ``t`` is the number of samples
    proposed so far divided by ``N`` (epoch equivalents), so ``total_epochs`` is the training
    budget in full-data epochs and the full data set is reached after ``a * total_epochs``.

    Parameters
    ----------
    task_space:
        A :class:`~autocurriculum.teachers.spaces.SubsetSpace` over the ``N`` training samples.
    pacing:
        One of ``"linear"``, ``"quadratic"``, ``"root"``, ``"step"``, ``"exponential"``,
        ``"logarithmic"`` (default ``"linear"``).
    a:
        Fraction of the budget after which all data is used (> 0; default 0.8, from the grid
        ``{0.01, 0.1, 0.2, 0.4, 0.8, 1.6}`` of Wu et al.).
    b:
        Starting fraction of the data, in ``(0, 1]`` (default 0.2, from their grid
        ``{0.0025, 0.1, 0.2, 0.4, 0.8}``).
    total_epochs:
        The budget ``T`` in full-data epochs (> 0; default 30).
    scores:
        Per-sample difficulty scores, higher is easier (for example ``1 / loss`` of a reference
        model); ``None`` for self-paced scores from the reported training losses.
    ordering:
        ``"curriculum"`` (easy first, default), ``"anti_curriculum"`` (hard first) or
        ``"random"``.
    eps:
        Self-paced scores are ``1 / (loss + eps)`` (default ``1e-8``).
    seed:
        Seed of the teacher's generator (tie-breaking and the order within a lesson).
    """

    name: ClassVar[str] = "pacing"

    def __init__(
        self,
        task_space: SubsetSpace,
        *,
        pacing: str = "linear",
        a: float = 0.8,
        b: float = 0.2,
        total_epochs: float = 30.0,
        scores: Any = None,
        ordering: str = "curriculum",
        eps: float = 1e-8,
        seed: int | None = None,
    ) -> None:
        super().__init__(task_space, seed=seed)
        self.pacing = pacing
        self.a = a
        self.b = b
        self.total_epochs = total_epochs
        self.scores = scores
        self.ordering = ordering
        self.eps = eps

    def _validate_params(self) -> None:
        check_option(self.pacing, PACING_FUNCTIONS, "pacing")
        self.a_ = _check_real(self.a, "a", 0.0, math.inf, low_open=True)
        self.b_ = _check_real(self.b, "b", 0.0, 1.0, low_open=True)
        self.total_epochs_ = _check_real(self.total_epochs, "total_epochs", 0.0, math.inf, low_open=True)
        self._validate_scores(positive=False)

    def _size(self, t: float) -> int:
        g = pacing_size(self.pacing, t, self.total_epochs_, self.task_space.n, self.a_, self.b_)
        return int(math.ceil(round(g, 9)))


class FixedExponentialPacing(_PacedTeacher):
    """Fixed exponential pacing of Hacohen & Weinshall, "On the power of curriculum learning in
    training deep networks", ICML 2019.

    The number of samples is ``ceil(N * min(p0 * inc**floor(i / L), 1))`` where ``i`` counts
    batches so far (samples proposed divided by ``batch_size``), ``p0 = starting_percent``,
    ``inc = increase`` and ``L = step_length``. Defaults follow the paper: ``p0 = 0.04``,
    ``inc = 1.9``, ``L = 100`` batches of ``batch_size = 100``.

    Parameters
    ----------
    task_space:
        A :class:`~autocurriculum.teachers.spaces.SubsetSpace` over the ``N`` training samples.
    starting_percent:
        Starting fraction ``p0`` in ``(0, 1]`` (default 0.04).
    increase:
        Growth factor ``inc`` > 1 (default 1.9).
    step_length:
        Batches ``L`` between increases, > 0 (default 100).
    batch_size:
        The student's batch size, to turn samples into batches (default 100).
    scores, ordering, eps, seed:
        As in :class:`PacingCurriculum`.
    """

    name: ClassVar[str] = "fixed_exponential_pacing"

    def __init__(
        self,
        task_space: SubsetSpace,
        *,
        starting_percent: float = 0.04,
        increase: float = 1.9,
        step_length: float = 100,
        batch_size: int = 100,
        scores: Any = None,
        ordering: str = "curriculum",
        eps: float = 1e-8,
        seed: int | None = None,
    ) -> None:
        super().__init__(task_space, seed=seed)
        self.starting_percent = starting_percent
        self.increase = increase
        self.step_length = step_length
        self.batch_size = batch_size
        self.scores = scores
        self.ordering = ordering
        self.eps = eps

    def _validate_params(self) -> None:
        self.starting_percent_ = _check_real(self.starting_percent, "starting_percent", 0.0, 1.0, low_open=True)
        self.increase_ = _check_real(self.increase, "increase", 1.0, math.inf, low_open=True)
        self.step_length_ = _check_real(self.step_length, "step_length", 0.0, math.inf, low_open=True)
        if (
            isinstance(self.batch_size, bool)
            or not isinstance(self.batch_size, (int, np.integer))
            or self.batch_size < 1
        ):
            raise ValueError(f"batch_size: got {self.batch_size!r}; allowed: a positive integer")
        self._validate_scores(positive=False)

    def _size(self, t: float) -> int:
        batches = t * self.task_space.n / int(self.batch_size)
        return fixed_exponential_pacing(
            batches, self.task_space.n, self.starting_percent_, self.increase_, self.step_length_
        )


class CyclicalCurriculum(_ScoredTeacher):
    """Cyclical Curriculum Learning (CCL), Kesgin & Amasyali, IEEE TNNLS 2023.

    Epoch sizes, as fractions of ``N``, start at ``sp`` and rise by ``s <- min(s / alpha, ep)``
    until ``ep``, then fall by ``s <- max(s * alpha, sp)`` until ``sp``, and so on: with the
    defaults ``sp = 0.25``, ``ep = 1.0``, ``alpha = 0.5`` the sizes are
    ``0.25, 0.5, 1.0, 0.5, 0.25, 0.5, ...``. The schedule ``schedule_`` ends once the fractions sum
    to ``total_epochs`` (``T = 30`` gives 54 epochs), so CCL spends the sample presentations of
    ``T`` plain epochs; asked for more lessons, the teacher continues the cycle.

    Each epoch draws ``int(N * s)`` distinct samples without replacement with probability
    proportional to the score (easy-biased, not a hard cut): ``score`` for ``"curriculum"``,
    ``1 / score`` for ``"anti_curriculum"``, uniform for ``"random"``. The paper reports, on
    CIFAR-10 with a small 3-convolution CNN and Adam for 30 epochs, a best validation accuracy of
    0.703 plain vs 0.741 with CCL.

    Parameters
    ----------
    task_space:
        A :class:`~autocurriculum.teachers.spaces.SubsetSpace` over the ``N`` training samples.
    scores:
        Positive per-sample scores, higher is easier (the paper: ``1 / loss`` of a model trained
        normally); ``None`` for self-paced ``1 / (loss + eps)`` of the reported training losses.
    ordering:
        ``"curriculum"`` (default), ``"anti_curriculum"`` or ``"random"``.
    sp:
        Start (smallest) fraction, in ``(0, ep]`` (default 0.25); ``int(N * sp)`` must be >= 1.
    ep:
        End (largest) fraction, in ``[sp, 1]`` (default 1.0).
    alpha:
        Multiplier in ``(0, 1)`` (default 0.5).
    total_epochs:
        ``T``, the budget in full-data epochs that the schedule sums to (default 30).
    eps:
        Self-paced scores are ``1 / (loss + eps)`` (default ``1e-8``).
    seed:
        Seed of the teacher's generator (the draws).
    """

    name: ClassVar[str] = "ccl"

    def __init__(
        self,
        task_space: SubsetSpace,
        *,
        scores: Any = None,
        ordering: str = "curriculum",
        sp: float = 0.25,
        ep: float = 1.0,
        alpha: float = 0.5,
        total_epochs: float = 30.0,
        eps: float = 1e-8,
        seed: int | None = None,
    ) -> None:
        super().__init__(task_space, seed=seed)
        self.scores = scores
        self.ordering = ordering
        self.sp = sp
        self.ep = ep
        self.alpha = alpha
        self.total_epochs = total_epochs
        self.eps = eps

    def _validate_params(self) -> None:
        self.sp_, self.ep_, self.alpha_ = _check_ccl_params(self.sp, self.ep, self.alpha)
        n = self.task_space.n
        if int(n * self.sp_) < 1:
            raise ValueError(
                f"sp: got {self.sp!r}, which gives int(N * sp) = 0 samples for N = {n}; "
                f"allowed: sp >= {1 / n} for this data set"
            )
        self.schedule_ = ccl_schedule(self.total_epochs, self.sp_, self.ep_, self.alpha_)
        self.cycle_ = ccl_cycle(self.sp_, self.ep_, self.alpha_)
        self._validate_scores(positive=True)

    def fraction(self, epoch: int) -> float:
        """The data fraction of epoch ``epoch`` (0-based), continuing the cycle past the schedule."""
        self._ensure_setup()
        return self.cycle_[epoch % len(self.cycle_)]

    def probabilities(self) -> np.ndarray:
        """The per-sample draw weights of the next epoch, normalised to sum to 1."""
        scores = self.current_scores()
        if self.ordering == "curriculum":
            w = scores
        elif self.ordering == "anti_curriculum":
            w = 1.0 / scores
        else:
            w = np.ones_like(scores)
        return w / w.sum()

    def _sample(self) -> tuple[Any, str, dict[str, Any]]:
        n = self.task_space.n
        frac = self.fraction(self.n_sampled_)
        size = int(n * frac)
        idx = self.rng_.choice(n, size=size, replace=False, p=self.probabilities())
        self.n_presented_ += size
        self.last_size_ = size
        return idx.astype(np.int64), self.ordering, {"fraction": frac, "epoch": self.n_sampled_}

    def _metrics(self) -> dict[str, float]:
        out = super()._metrics()
        out["schedule_epochs_left"] = float(max(len(self.schedule_) - self.n_sampled_, 0))
        return out
