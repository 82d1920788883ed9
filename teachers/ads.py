"""ADS: Automatic Discount Scheduling, a teacher whose lesson is the learner's discount factor.

Liu, Dong, Hu, Wen, Yin, Zhang & Gao, "Imitation Learning from Observation with Automatic
Discount Scheduling", ICLR 2024 (TEACHERS.md section 8).

In tasks with *progress dependency* the agent must master the expert's early behaviour before
the later one. ADS keeps a progress index ``k`` (how many steps of the expert's demonstrations the
agent has learnt to follow) and hands the learner the discount ``gamma = alpha^(1/k)``, so that
``gamma^k = alpha``: rewards beyond about ``k`` steps barely count until the agent has caught up.

The progress recognizer
-----------------------
For an agent trajectory ``o`` and an expert demonstration ``e`` (observation sequences) with cost
matrix ``C[i, j] = d(o_i, e_j)`` (Euclidean distance for state vectors, cosine distance
``1 - <x, y> / (|x| |y|)`` for features), the *match* at progress ``k`` is the length of the
longest strictly increasing subsequence of ``pos_i = argmin_{j < k} C[i, j]`` over the agent's
steps ``i < k``: how many of the agent's first ``k`` steps visit the expert's first ``k`` steps in
the expert's order.

* Reference: ``ref[k]`` is the ``ref_percentile`` (50, the median) of the match at ``k`` over all
  ordered pairs of different demonstrations (computed once, at set-up).
* Update (every evaluation, from the agent's evaluation episodes): the agent's score is the
  ``agent_percentile`` (90) of the match at ``k`` over all (episode, demonstration) pairs. While
  ``k < horizon`` and ``score >= int(threshold * ref[k])`` (threshold 0.9), ``k`` grows by one,
  at most ``max_progress_delta`` (5) times per update.
* ``k`` starts at ``int(progress_start * horizon)`` (``progress_start`` 0.2), with ``horizon``
  the episode length in agent steps (default: the shortest demonstration's length).
* The cost compares chosen features of each observation (``features``, :func:`make_features`:
  indices, a projection, or an encoder given in Python); the paper compares the current frame's
  visual features, no velocities. Demonstrations at one pace make ``ref[k]`` about ``k - 1``, so
  that any learner slower than the expert at any step stalls; the paper's come from a scripted
  policy on a different random task each (``autocurriculum.environments.demonstrations``).

Defaults are the paper's (``alpha`` 0.2, ``threshold`` 0.9, ``progress_start`` 0.2,
``max_progress_delta`` 5, percentiles 50 and 90). Without ADS the paper uses ``gamma = 0.99``.

The protocol
------------
The task space is a one-dimensional :class:`~autocurriculum.teachers.spaces.BoxSpace` holding the discount
(:func:`discount_space`: ``gamma`` in ``[0, 1]``). :meth:`~autocurriculum.teachers.base.Teacher.sample` returns
the current discount (``info["progress"]`` is ``k``); :meth:`~autocurriculum.teachers.base.Teacher.update`
takes ``Feedback(trajectories=[...])``, the observation sequences (``(T, obs_dim)`` arrays) of
the agent's evaluation episodes, and moves ``k``. A student applies the discount between its
updates (``SB3Student(discount_teacher=...)`` does, see :mod:`autocurriculum.students.sb3`).

Agent episodes may be shorter than ``k`` (an early termination): the match then uses the
episode's steps only, as a prefix of length ``k`` cannot be followed further. Demonstrations may
differ in length; the horizon must not exceed the shortest.
"""

from __future__ import annotations

import bisect
import math
import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from autocurriculum.teachers.base import Feedback, Lesson, Teacher
from autocurriculum.teachers.spaces import BoxSpace
from autocurriculum.teachers.validation import is_int, is_number

__all__ = [
    "ADS",
    "COSTS",
    "cost_matrix",
    "discount_space",
    "load_demonstrations",
    "longest_increasing_subsequence",
    "make_features",
    "match_scores",
    "prefix_argmin",
]

#: Cost functions between observations: ``"euclidean"`` (state vectors) and ``"cosine"``
#: (learned features; the paper's choice for pixels).
COSTS = ("euclidean", "cosine")


def discount_space() -> BoxSpace:
    """The task space of a discount-factor teacher: ``gamma`` in ``[0, 1]``."""
    return BoxSpace([0.0], [1.0], names=["gamma"])


def cost_matrix(x: np.ndarray, y: np.ndarray, cost: str = "euclidean") -> np.ndarray:
    """``C[i, j] = d(x_i, y_j)`` for observation sequences ``x (n, d)`` and ``y (m, d)``."""
    if cost == "euclidean":
        sq = (x * x).sum(1)[:, None] + (y * y).sum(1)[None, :] - 2.0 * (x @ y.T)
        return np.sqrt(np.maximum(sq, 0.0))
    if cost == "cosine":
        norms = np.linalg.norm(x, axis=1)[:, None] * np.linalg.norm(y, axis=1)[None, :]
        return 1.0 - (x @ y.T) / np.maximum(norms, 1e-12)
    raise ValueError(f"cost: got {cost!r}; allowed: {list(COSTS)}")


def prefix_argmin(c: np.ndarray) -> np.ndarray:
    """``P[i, j] = argmin_{j' <= j} C[i, j']`` (first index among ties), for every row at once."""
    n, m = c.shape
    if m == 0:
        return np.zeros((n, 0), dtype=np.int64)
    running = np.minimum.accumulate(c, axis=1)
    new_min = np.ones_like(c, dtype=bool)
    new_min[:, 1:] = c[:, 1:] < running[:, :-1]
    return np.maximum.accumulate(np.where(new_min, np.arange(m)[None, :], 0), axis=1)


def longest_increasing_subsequence(a: Sequence[int] | np.ndarray) -> int:
    """Length of the longest strictly increasing subsequence (patience sorting, O(n log n))."""
    tails: list[int] = []
    for v in np.asarray(a).tolist():
        i = bisect.bisect_left(tails, v)
        if i == len(tails):
            tails.append(v)
        else:
            tails[i] = v
    return len(tails)


def match_scores(prefix: np.ndarray, ks: Sequence[int]) -> np.ndarray:
    """The match at each progress ``k``: LIS of ``prefix[:k, k - 1]`` (see :func:`prefix_argmin`).

    ``prefix`` is ``(n, m)``; rows beyond ``n`` (an agent episode shorter than ``k``) are absent.
    Every ``k`` must be at most ``m``.
    """
    n = prefix.shape[0]
    return np.array([longest_increasing_subsequence(prefix[: min(k, n), k - 1]) for k in ks], dtype=np.float64)


def load_demonstrations(
    demos: Sequence[np.ndarray] | np.ndarray | str | os.PathLike[str], what: str, minimum: int = 1
) -> list[np.ndarray]:
    """Observation sequences as float arrays ``(T, obs_dim)``: from arrays, or an ``.npz`` path.

    An ``.npz`` file holds one array per demonstration (``numpy.savez(path, *demos)``), read in
    the order saved. Errors name ``what`` (the parameter) and the offending demonstration.
    """
    if isinstance(demos, (str, os.PathLike)):
        path = Path(demos)
        if not path.is_file():
            raise ValueError(f"{what}: no such file {str(path)!r}; expected an .npz file of demonstrations")
        with np.load(path, allow_pickle=False) as data:
            if not hasattr(data, "files"):
                raise ValueError(f"{what}: {str(path)!r} is not an .npz file (one array per demonstration)")
            demos = [data[name] for name in data.files]
    if isinstance(demos, np.ndarray) and demos.ndim == 3:
        demos = list(demos)
    if not isinstance(demos, Sequence) or isinstance(demos, (str, bytes)) or len(demos) < minimum:
        raise ValueError(
            f"{what}: expected at least {minimum} demonstration(s) ((T, obs_dim) arrays) or an .npz path, got {demos!r}"
        )
    out: list[np.ndarray] = []
    for i, d in enumerate(demos):
        arr = np.asarray(d, dtype=np.float64)
        if arr.ndim != 2 or arr.shape[0] < 1 or arr.shape[1] < 1:
            raise ValueError(f"{what}[{i}]: expected a (T, obs_dim) array, got shape {arr.shape}")
        if not np.all(np.isfinite(arr)):
            raise ValueError(f"{what}[{i}]: contains non-finite values")
        if out and arr.shape[1] != out[0].shape[1]:
            raise ValueError(
                f"{what}[{i}]: observation size {arr.shape[1]} differs from the first one's {out[0].shape[1]}"
            )
        out.append(arr)
    return out


FeatureSpec = Sequence[int] | Sequence[Sequence[float]] | np.ndarray | Callable[[np.ndarray], np.ndarray] | None


class _Features:
    """Picklable feature map: identity, index selection, projection, or a checked encoder."""

    def __init__(
        self,
        what: str,
        index: list[int] | None = None,
        weights: np.ndarray | None = None,
        encoder: Callable[[np.ndarray], np.ndarray] | None = None,
    ) -> None:
        self.what, self.index, self.weights, self.encoder = what, index, weights, encoder

    def __call__(self, x: np.ndarray) -> np.ndarray:
        if self.index is not None:
            return x[:, self.index]
        if self.weights is not None:
            return x @ self.weights
        if self.encoder is not None:
            y = np.asarray(self.encoder(x), dtype=np.float64)
            if y.ndim != 2 or y.shape[0] != x.shape[0] or not np.all(np.isfinite(y)):
                raise ValueError(f"{self.what}: the encoder must return finite (T, d) features, got shape {y.shape}")
            return y
        return x


def _finite(v: float) -> bool:
    """Whether ``v`` is a finite float (integers beyond float range are not)."""
    try:
        return math.isfinite(float(v))
    except OverflowError:
        return False


def make_features(spec: FeatureSpec, obs_dim: int, what: str) -> Callable[[np.ndarray], np.ndarray]:
    """The observation features a cost compares: ``(T, obs_dim)`` observations to ``(T, d)`` features.

    ``spec`` is ``None`` (all values, unchanged), a list of indices (``[0, 1]``: the first two
    values), a projection matrix ``(d, obs_dim)`` as nested lists or an array (``f(o) = W o``;
    weights below 1 make a feature count less, as a small object does in pixels), or, from
    Python only, a function (an encoder). YAML gives the first three: nothing is executed from
    a file. The paper compares features of the current frame only (no velocities).
    """
    if spec is None:
        return _Features(what)
    if callable(spec) and not isinstance(spec, np.ndarray):
        return _Features(what, encoder=spec)
    if isinstance(spec, (str, bytes, Mapping)) or not isinstance(spec, (Sequence, np.ndarray)) or len(spec) == 0:
        raise ValueError(
            f"{what}: expected None, a list of observation indices, a (d, {obs_dim}) projection matrix or "
            f"(from Python) a function, got {spec!r}"
        )
    if all(is_int(v) for v in spec):
        idx = [int(v) for v in spec]
        bad = [v for v in idx if not 0 <= v < obs_dim]
        if bad:
            raise ValueError(f"{what}: indices {bad} outside the observation's {obs_dim} values (0 to {obs_dim - 1})")
        return _Features(what, index=idx)
    rows = []
    for r, row in enumerate(spec):
        if isinstance(row, (str, bytes)) or not isinstance(row, (Sequence, np.ndarray)) or len(row) != obs_dim:
            raise ValueError(
                f"{what}[{r}]: expected a row of {obs_dim} weights (one per observation value), got {row!r}"
            )
        if not all(is_number(v) and _finite(v) for v in row):
            raise ValueError(f"{what}[{r}]: expected finite numbers (within float range), got {row!r}")
        rows.append([float(v) for v in row])
    return _Features(what, weights=np.array(rows, dtype=np.float64).T)


class ADS(Teacher):
    """Automatic Discount Scheduling (Liu et al., ICLR 2024): ``gamma = alpha^(1/k)``.

    Parameters
    ----------
    task_space:
        A one-dimensional :class:`~autocurriculum.teachers.spaces.BoxSpace` for the discount, containing
        ``[alpha, 1]`` (:func:`discount_space`).
    demos:
        The expert's observation sequences: a sequence of ``(T, obs_dim)`` arrays, or the path of
        an ``.npz`` file holding one array per demonstration (``numpy.savez(path, *demos)``).
        The paper uses 10.
    horizon:
        Episode length in agent steps, the largest progress (default: the shortest demonstration).
    alpha:
        ``gamma^k = alpha`` (default 0.2).
    threshold:
        The agent follows the first ``k`` steps when its score is at least
        ``int(threshold * ref[k])`` (default 0.9).
    progress_start:
        Initial progress as a fraction of the horizon (default 0.2).
    max_progress_delta:
        Most steps ``k`` may advance per update (default 5).
    ref_percentile, agent_percentile:
        Percentiles of the demonstration-pair matches (default 50) and of the agent's matches
        (default 90).
    cost:
        ``"euclidean"`` (default, state vectors) or ``"cosine"`` (features).
    features:
        What the cost compares (:func:`make_features`): ``None`` (every observation value), indices,
        a projection matrix, or (from Python) an encoder; the paper compares the current frame's
        features, no velocities (``[0, 1]``, the position, on Waypoints).
    seed:
        Seed of the teacher's generator (ADS draws no random numbers; kept for the protocol).
    """

    name: ClassVar[str] = "ads"
    requires: ClassVar[frozenset[str]] = frozenset({"trajectories"})
    space_types: ClassVar[tuple[type, ...]] = (BoxSpace,)

    def __init__(
        self,
        task_space: BoxSpace,
        demos: Sequence[np.ndarray] | str | os.PathLike[str],
        *,
        horizon: int | None = None,
        alpha: float = 0.2,
        threshold: float = 0.9,
        progress_start: float = 0.2,
        max_progress_delta: int = 5,
        ref_percentile: float = 50.0,
        agent_percentile: float = 90.0,
        cost: str = "euclidean",
        features: FeatureSpec = None,
        seed: int | None = None,
    ) -> None:
        super().__init__(task_space, seed=seed)
        self.features = features
        self.demos = demos
        self.horizon = horizon
        self.alpha = alpha
        self.threshold = threshold
        self.progress_start = progress_start
        self.max_progress_delta = max_progress_delta
        self.ref_percentile = ref_percentile
        self.agent_percentile = agent_percentile
        self.cost = cost

    # ------------------------------------------------------------------ set-up
    def _validate_params(self) -> None:
        if not is_number(self.alpha) or not 0.0 < self.alpha < 1.0:
            raise ValueError(f"ADS.alpha: expected a number in (0, 1), got {self.alpha!r}")
        if not is_number(self.threshold) or not self.threshold > 0.0:
            raise ValueError(f"ADS.threshold: expected a positive number, got {self.threshold!r}")
        if not is_number(self.progress_start) or not 0.0 <= self.progress_start <= 1.0:
            raise ValueError(f"ADS.progress_start: expected a fraction in [0, 1], got {self.progress_start!r}")
        space = self.task_space
        if space.dim != 1 or space.low[0] > self.alpha or space.high[0] < 1.0:  # type: ignore[attr-defined]
            raise ValueError(
                f"ADS.task_space: expected a 1-D BoxSpace containing [alpha, 1] = [{self.alpha}, 1] "
                f"(autocurriculum.teachers.ads.discount_space()), got {space!r}; ADS chooses a discount, not tasks: give it "
                "to a student as its discount_teacher (YAML: student.params.discount_teacher)"
            )
        for name in ("ref_percentile", "agent_percentile"):
            v = getattr(self, name)
            if not is_number(v) or not 0.0 <= v <= 100.0:
                raise ValueError(f"ADS.{name}: expected a percentile in [0, 100], got {v!r}")
        if not is_int(self.max_progress_delta) or self.max_progress_delta < 1:
            raise ValueError(f"ADS.max_progress_delta: expected a positive integer, got {self.max_progress_delta!r}")
        if self.cost not in COSTS:
            raise ValueError(f"ADS.cost: got {self.cost!r}; allowed: {list(COSTS)}")
        self.raw_demos_ = load_demonstrations(self.demos, "ADS.demos", minimum=2)
        self.obs_dim_ = int(self.raw_demos_[0].shape[1])
        self.features_ = make_features(self.features, self.obs_dim_, "ADS.features")
        self.demos_ = [self.features_(d) for d in self.raw_demos_]
        shortest = min(d.shape[0] for d in self.demos_)
        h = shortest if self.horizon is None else self.horizon
        if not is_int(h) or not 1 <= h <= shortest:
            raise ValueError(
                f"ADS.horizon: expected an integer in [1, {shortest}] (the shortest demonstration), got {h!r}"
            )
        self.horizon_ = int(h)

    def _init_state(self) -> None:
        self.ref_ = self._reference()
        self.progress_ = max(1, int(self.progress_start * self.horizon_))
        self.n_advanced_ = 0
        self.last_score_: float | None = None  # the latest update's agent score and reference
        self.last_ref_: float | None = None

    def _reference(self) -> np.ndarray:
        """``ref[k - 1]``: the ``ref_percentile`` of the match at ``k`` over ordered demo pairs."""
        h = self.horizon_
        ks = range(1, h + 1)
        rows = []
        for i, a in enumerate(self.demos_):
            for j, b in enumerate(self.demos_):
                if i != j:
                    rows.append(match_scores(prefix_argmin(cost_matrix(a[:h], b[:h], self.cost)), ks))
        return np.percentile(np.stack(rows), self.ref_percentile, axis=0)

    # ------------------------------------------------------------------ protocol
    @property
    def discount(self) -> float:
        """The current discount ``alpha^(1/k)``."""
        self._ensure_setup()
        return float(math.exp(math.log(self.alpha) / self.progress_))

    def _sample(self) -> tuple[Any, str, dict[str, Any]]:
        return np.array([self.discount]), "schedule", {"progress": int(self.progress_)}

    def _prefixes(self, trajectories: Sequence[np.ndarray], steps: int) -> list[np.ndarray]:
        """Prefix argmins of every (episode, demonstration) pair over their first ``steps`` steps."""
        dim = self.obs_dim_
        out = []
        for t, traj in enumerate(trajectories):
            arr = np.asarray(traj, dtype=np.float64)
            if arr.ndim != 2 or arr.shape[1] != dim or arr.shape[0] < 1:
                raise ValueError(
                    f"feedback.trajectories[{t}]: expected a (T, {dim}) array of observations (the demos' size), "
                    f"got shape {arr.shape}"
                )
            feats = self.features_(arr[:steps])
            out += [prefix_argmin(cost_matrix(feats, d[:steps], self.cost)) for d in self.demos_]
        return out

    def _update(self, lesson: Lesson, feedback: Feedback) -> None:
        # an update looks at progress k .. k + max_progress_delta only: no step beyond matters
        steps = min(self.progress_ + int(self.max_progress_delta), self.horizon_)
        prefixes = self._prefixes(feedback.trajectories or [], steps)
        for _ in range(int(self.max_progress_delta)):
            k = self.progress_
            score = float(np.percentile([match_scores(p, [k])[0] for p in prefixes], self.agent_percentile))
            ref = float(self.ref_[k - 1])
            self.last_score_, self.last_ref_ = score, ref
            if k >= self.horizon_ or score < int(self.threshold * ref):
                break
            self.progress_ = k + 1
            self.n_advanced_ += 1

    def example_feedback(self, lesson: Lesson, rng: np.random.Generator) -> Feedback:
        """Noisy copies of the demonstrations, as evaluation episodes."""
        self._ensure_setup()
        picks = rng.integers(len(self.raw_demos_), size=2)
        noise = float(rng.uniform(0.0, 0.5))
        demos = self.raw_demos_
        return Feedback(trajectories=[demos[i] + noise * rng.normal(size=demos[i].shape) for i in picks])

    # ------------------------------------------------------------------ state and metrics
    def _metrics(self) -> dict[str, float]:
        out = {
            "gamma": self.discount,
            "progress": float(self.progress_),
            "progress_fraction": self.progress_ / self.horizon_,
            "n_advanced": float(self.n_advanced_),
        }
        if self.last_score_ is not None and self.last_ref_ is not None:
            out["match_score"] = self.last_score_
            out["ref_score"] = self.last_ref_
        return out

    def _get_state(self) -> dict[str, Any]:
        return {
            "progress": int(self.progress_),
            "n_advanced": int(self.n_advanced_),
            "last_score": self.last_score_,
            "last_ref": self.last_ref_,
        }

    def _set_state(self, state: dict[str, Any]) -> None:
        r = self._state_reader(state)
        r.keys(["progress", "n_advanced", "last_score", "last_ref"])
        start = max(1, int(self.progress_start * self.horizon_))  # progress only grows from here
        self.progress_ = r.int("progress", start, self.horizon_)
        self.n_advanced_ = r.int("n_advanced", self.progress_ - start, self.progress_ - start)
        self.last_score_ = r.float("last_score", 0.0, none_ok=True)
        self.last_ref_ = r.float("last_ref", 0.0, none_ok=True)
        if (self.last_score_ is None) != (self.last_ref_ is None):
            raise ValueError(f"{r.where('last_ref')}: last_score and last_ref are both None or both numbers")
