"""ALP-GMM: absolute learning progress Gaussian mixture teacher.

Portelas, Colas, Hofmann & Oudeyer, "Teacher algorithms for curriculum learning of Deep RL in
continuously parameterized environments", CoRL 2019 (reference implementation: teachDeepRL;
benchmark settings: Romac et al., "TeachMyAgent", ICML 2021).

The algorithm, per episode on task ``p`` with normalised return ``r``:

1. absolute learning progress ``alp = |r - r(p')|`` with ``p'`` the nearest previously seen task
   (Euclidean; ``alp = 0`` while 5 or fewer tasks are stored); then ``(p, r)`` is stored;
2. every ``fit_rate`` episodes, Gaussian mixtures with ``k`` components for each ``k`` in
   ``potential_ks`` (full covariance) are fitted on the last ``fit_rate`` vectors ``[p, alp]``
   and the one with the lowest AIC (or BIC/AICc) is kept;
3. sampling: the first ``fit_rate`` tasks are drawn uniformly (or from the initial Gaussian);
   afterwards, with probability ``random_task_ratio`` uniformly, otherwise a component is chosen
   with probability proportional to its mean ALP (the last coordinate of its mean), a point is
   drawn from it, the ALP coordinate dropped, and the task clipped to the bounds.

Implementation notes (same algorithm, made faster and better defined):

* tasks are handled in unit-cube coordinates (``task_space.to_unit``), so that the nearest
  neighbour and the mixtures weigh every dimension by its range, whatever its units;
* nearest neighbours come from a k-d tree over older tasks plus a brute-force scan of the recent
  ones (the tree is rebuilt every ``_TREE_REBUILD`` tasks);
* all candidate mixtures are fitted at once by :func:`teachers.gmm.fit_best_gmm` (k-means
  initialisation then EM, as scikit-learn's ``GaussianMixture``), about 10x faster than fitting
  them one by one;
* when every component has zero mean ALP, the component is chosen uniformly (the reference
  divided by zero).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np
from scipy.spatial import cKDTree

from teachers.base import Feedback, Lesson, Teacher
from teachers.gmm import CRITERIA, GaussianMixture, fit_best_gmm
from teachers.random_teacher import gaussian_params
from teachers.spaces import BoxSpace

__all__ = ["ALPGMM", "ALP_GMM_PRESETS", "ALPComputer", "normalise_return"]

#: Named hyperparameter presets. ``teachdeeprl``: Portelas et al. 2019 defaults;
#: ``teachmyagent``: the settings of the TeachMyAgent benchmark (Romac et al. 2021).
ALP_GMM_PRESETS: dict[str, dict[str, Any]] = {
    "teachdeeprl": {"fit_rate": 250, "potential_ks": tuple(range(2, 11)), "random_task_ratio": 0.2, "n_init": 1},
    "teachmyagent": {"fit_rate": 150, "potential_ks": tuple(range(2, 10)), "random_task_ratio": 0.05, "n_init": 1},
}

_TREE_REBUILD = 512


def normalise_return(value: float, bounds: tuple[float, float] | None, owner: str) -> float:
    """Map an episodic return linearly from ``bounds`` to [0, 1], clipped (Portelas et al. 2019).

    With ``bounds=None`` the return must already lie in [0, 1].
    """
    if bounds is None:
        if not 0.0 <= value <= 1.0:
            raise ValueError(
                f"{owner}: episode_return={value!r} lies outside [0, 1]; pass return_bounds=(low, high) "
                "to normalise raw returns (BipedalWalker tracks use (-150, 350))"
            )
        return value
    low, high = bounds
    return float(min(1.0, max(0.0, (value - low) / (high - low))))


def check_return_bounds(bounds: Sequence[float] | None, owner: str) -> tuple[float, float] | None:
    if bounds is None:
        return None
    b = tuple(float(v) for v in bounds)
    if len(b) != 2 or not np.all(np.isfinite(b)) or not b[0] < b[1]:
        raise ValueError(f"{owner}.return_bounds: expected (low, high) with finite low < high, got {bounds!r}")
    return b  # type: ignore[return-value]


class ALPComputer:
    """Stores ``(task, reward)`` pairs and returns ``|r - r(nearest previous task)|``.

    Nearest neighbours: a k-d tree over the first ``n_tree`` tasks and a brute-force scan of the
    rest; the tree is rebuilt whenever the unindexed tail reaches ``rebuild`` tasks.
    """

    def __init__(self, dim: int, rebuild: int = _TREE_REBUILD) -> None:
        self.dim = dim
        self.rebuild = rebuild
        self.tasks = np.empty((1024, dim))
        self.rewards = np.empty(1024)
        self.n = 0
        self.n_tree = 0
        self._tree: cKDTree | None = None

    def nearest(self, task: np.ndarray) -> int:
        """Index of the nearest stored task (earliest on ties); needs ``n > 0``."""
        best_i, best_d = -1, np.inf
        if self.n_tree:
            if self._tree is None:
                self._tree = cKDTree(self.tasks[: self.n_tree])
            d, i = self._tree.query(task)
            best_i, best_d = int(i), float(d) ** 2
        if self.n > self.n_tree:
            tail = self.tasks[self.n_tree : self.n] - task
            d2 = np.einsum("ij,ij->i", tail, tail)
            j = int(np.argmin(d2))
            if d2[j] < best_d:
                best_i = self.n_tree + j
        return best_i

    def add(self, task: np.ndarray, reward: float) -> float:
        """Return the task's ALP, then store it."""
        alp = 0.0
        if self.n > 5:
            alp = abs(reward - float(self.rewards[self.nearest(task)]))
        if self.n == self.tasks.shape[0]:
            self.tasks = np.concatenate([self.tasks, np.empty_like(self.tasks)])
            self.rewards = np.concatenate([self.rewards, np.empty_like(self.rewards)])
        self.tasks[self.n] = task
        self.rewards[self.n] = reward
        self.n += 1
        if self.n - self.n_tree >= self.rebuild:
            self.n_tree = self.n
            self._tree = None
        return alp

    def state(self) -> dict[str, Any]:
        return {"tasks": self.tasks[: self.n].copy(), "rewards": self.rewards[: self.n].copy()}

    def load(self, state: dict[str, Any]) -> None:
        tasks = np.asarray(state["tasks"], dtype=np.float64).reshape(-1, self.dim)
        rewards = np.asarray(state["rewards"], dtype=np.float64)
        self.n = tasks.shape[0]
        cap = max(1024, 1 << int(np.ceil(np.log2(max(self.n, 1)))))
        self.tasks = np.empty((cap, self.dim))
        self.rewards = np.empty(cap)
        self.tasks[: self.n] = tasks
        self.rewards[: self.n] = rewards
        # Replay the rebuild schedule exactly: the tree covers tasks up to the last rebuild point.
        self.n_tree = (self.n // self.rebuild) * self.rebuild
        self._tree = None

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["_tree"] = None
        return state


class ALPGMM(Teacher):
    """Absolute Learning Progress Gaussian Mixture Model teacher (Portelas et al., CoRL 2019).

    Parameters
    ----------
    task_space:
        A :class:`~teachers.spaces.BoxSpace`.
    fit_rate:
        Episodes between two mixture fits, also the bootstrap length and the fitting window
        (teachDeepRL: 250; TeachMyAgent: 150).
    potential_ks:
        Candidate numbers of components (teachDeepRL: 2..10; TeachMyAgent: 2..9).
    random_task_ratio:
        Probability of a uniform task after the bootstrap (teachDeepRL: 0.2; TeachMyAgent: 0.05).
    criterion:
        Model selection: ``"aic"`` (default), ``"bic"`` or ``"aicc"``.
    n_init:
        EM initialisations per candidate (default 1).
    initial_mean, initial_std:
        Optional Gaussian initial distribution for the bootstrap (std defaults to 10% of range).
    return_bounds:
        ``(low, high)`` raw returns mapped linearly to [0, 1] and clipped; BipedalWalker
        tracks use ``(-150, 350)``. ``None`` (default): returns are already in [0, 1].
    seed:
        Seed of the teacher's generator.

    Lessons record their origin: ``"bootstrap"``, ``"random"`` or ``"gmm"`` with
    ``info["component"]``.
    """

    name: ClassVar[str] = "alp_gmm"
    requires: ClassVar[frozenset[str]] = frozenset({"episode_return"})
    space_types: ClassVar[tuple[type, ...]] = (BoxSpace,)
    task_space: BoxSpace

    def __init__(
        self,
        task_space: BoxSpace,
        *,
        fit_rate: int = 250,
        potential_ks: Sequence[int] = tuple(range(2, 11)),
        random_task_ratio: float = 0.2,
        criterion: str = "aic",
        n_init: int = 1,
        initial_mean: Sequence[float] | None = None,
        initial_std: Sequence[float] | float | None = None,
        return_bounds: tuple[float, float] | None = None,
        seed: int | None = None,
    ) -> None:
        super().__init__(task_space, seed=seed)
        self.fit_rate = fit_rate
        self.potential_ks = potential_ks
        self.random_task_ratio = random_task_ratio
        self.criterion = criterion
        self.n_init = n_init
        self.initial_mean = initial_mean
        self.initial_std = initial_std
        self.return_bounds = return_bounds

    @classmethod
    def from_preset(cls, preset: str, task_space: BoxSpace, **overrides: Any) -> ALPGMM:
        """Build with a named preset (``"teachdeeprl"`` or ``"teachmyagent"``) and overrides."""
        if preset not in ALP_GMM_PRESETS:
            raise ValueError(f"{cls.__name__}: unknown preset {preset!r}; allowed: {sorted(ALP_GMM_PRESETS)}")
        return cls(task_space, **{**ALP_GMM_PRESETS[preset], **overrides})

    # ------------------------------------------------------------------ set-up
    def _validate_params(self) -> None:
        owner = type(self).__name__
        if isinstance(self.fit_rate, bool) or not isinstance(self.fit_rate, (int, np.integer)) or self.fit_rate < 2:
            raise ValueError(f"{owner}.fit_rate: expected an integer >= 2, got {self.fit_rate!r}")
        ks = list(self.potential_ks)
        if not ks or any(isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1 for k in ks):
            raise ValueError(
                f"{owner}.potential_ks: expected a non-empty list of positive integers, got {self.potential_ks!r}"
            )
        if max(ks) > self.fit_rate:
            raise ValueError(
                f"{owner}.potential_ks: {max(ks)} components cannot be fitted on fit_rate={self.fit_rate} points"
            )
        if not 0.0 <= float(self.random_task_ratio) <= 1.0:
            raise ValueError(
                f"{owner}.random_task_ratio: expected a probability in [0, 1], got {self.random_task_ratio!r}"
            )
        if self.criterion not in CRITERIA:
            raise ValueError(f"{owner}.criterion: got {self.criterion!r}; allowed: {list(CRITERIA)}")
        if isinstance(self.n_init, bool) or not isinstance(self.n_init, (int, np.integer)) or self.n_init < 1:
            raise ValueError(f"{owner}.n_init: expected a positive integer, got {self.n_init!r}")
        self.mean_, self.std_ = gaussian_params(self.task_space, self.initial_mean, self.initial_std, owner)
        self.bounds_ = check_return_bounds(self.return_bounds, owner)

    def _init_state(self) -> None:
        d = self.task_space.dim
        self.alp_ = ALPComputer(d)
        self.window_ = np.empty((self.fit_rate, d + 1))  # ring buffer of [p_unit, alp]
        self.gmm_: GaussianMixture | None = None
        self.n_fits_ = 0
        self.origin_counts_ = {"bootstrap": 0, "random": 0, "gmm": 0}

    # ------------------------------------------------------------------ protocol
    def _sample(self) -> tuple[np.ndarray, str, dict[str, Any]]:
        space = self.task_space
        if self.gmm_ is None:
            self.origin_counts_["bootstrap"] += 1
            if self.mean_ is not None:
                return space.clip(self.rng_.normal(self.mean_, self.std_)), "bootstrap", {}
            return space.sample(self.rng_), "bootstrap", {}
        if self.rng_.random() < self.random_task_ratio:
            self.origin_counts_["random"] += 1
            return space.sample(self.rng_), "random", {}
        gmm = self.gmm_
        alps = np.maximum(gmm.means[:, -1], 0.0)
        total = alps.sum()
        probs = alps / total if total > 0 else np.full(alps.shape, 1.0 / alps.size)
        j = int(self.rng_.choice(probs.size, p=probs))
        point = gmm.sample_component(j, self.rng_)[:-1]
        self.origin_counts_["gmm"] += 1
        task = space.clip(space.from_unit(point))
        return task, "gmm", {"component": j}

    def _update(self, lesson: Lesson, feedback: Feedback) -> None:
        assert feedback.episode_return is not None
        r = normalise_return(feedback.episode_return, self.bounds_, f"{type(self).__name__}.update")
        p = self.task_space.to_unit(lesson.task)
        alp = self.alp_.add(p, r)
        n = self.alp_.n
        row = self.window_[(n - 1) % self.fit_rate]
        row[:-1] = p
        row[-1] = alp
        if n % self.fit_rate == 0:
            self._fit()

    def _fit(self) -> None:
        # The window holds exactly the last fit_rate vectors (order does not matter for EM).
        self.gmm_ = fit_best_gmm(
            self.window_, list(self.potential_ks), self.rng_, criterion=self.criterion, n_init=int(self.n_init)
        )
        self.n_fits_ += 1

    def _metrics(self) -> dict[str, float]:
        out = {
            "n_fits": float(self.n_fits_),
            "n_components": float(self.gmm_.n_components if self.gmm_ is not None else 0),
            "mean_alp": float(self.window_[: min(self.alp_.n, self.fit_rate), -1].mean()) if self.alp_.n else 0.0,
        }
        out.update({f"origin/{k}": float(v) for k, v in self.origin_counts_.items()})
        return out

    def plot_data(self) -> dict[str, Any]:
        """Recent tasks with their ALP, and the current mixture in task coordinates, for plots."""
        self._ensure_setup()
        n = min(self.alp_.n, self.fit_rate)
        window = self.window_[:n]
        out: dict[str, Any] = {
            "tasks": self.task_space.from_unit(window[:, :-1]),
            "alp": window[:, -1].copy(),
            "means": None,
            "covariances": None,
            "weights": None,
        }
        if self.gmm_ is not None:
            scale = self.task_space.width
            out["means"] = self.task_space.from_unit(self.gmm_.means[:, :-1])
            out["covariances"] = self.gmm_.covariances[:, :-1, :-1] * np.outer(scale, scale)
            out["weights"] = self.gmm_.means[:, -1].copy()
        return out

    # ------------------------------------------------------------------ checkpoints
    def _get_state(self) -> dict[str, Any]:
        return {
            "alp": self.alp_.state(),
            "window": self.window_.copy(),
            "gmm": None if self.gmm_ is None else self.gmm_.to_state(),
            "n_fits": self.n_fits_,
            "origin_counts": dict(self.origin_counts_),
        }

    def _set_state(self, state: dict[str, Any]) -> None:
        self.alp_.load(state["alp"])
        self.window_ = np.asarray(state["window"], dtype=np.float64).copy()
        self.gmm_ = None if state["gmm"] is None else GaussianMixture.from_state(state["gmm"])
        self.n_fits_ = int(state["n_fits"])
        self.origin_counts_ = dict(state["origin_counts"])
