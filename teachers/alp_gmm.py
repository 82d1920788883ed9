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

Implementation notes (same algorithm, made faster and better defined): see
:mod:`autocurriculum.teachers.mixture` for the shared schedule (unit-cube coordinates, zero-weight fallback)
and :mod:`autocurriculum.teachers.gmm` for the batched fitting (all candidate mixtures at once, k-means
initialisation then EM as scikit-learn's ``GaussianMixture``, about 10x faster than fitting them
one by one). Nearest neighbours come from a k-d tree over older tasks plus a brute-force scan of
the recent ones (the tree is rebuilt every ``_TREE_REBUILD`` tasks).
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
from scipy.spatial import cKDTree

from autocurriculum.teachers.gmm import GaussianMixture
from autocurriculum.teachers.mixture import MixtureTeacher, normalise_return

__all__ = ["ALPGMM", "ALP_GMM_PRESETS", "ALPComputer", "normalise_return"]

#: Named hyperparameter presets. ``teachdeeprl``: Portelas et al. 2019 defaults;
#: ``teachmyagent``: the settings of the TeachMyAgent benchmark (Romac et al. 2021).
ALP_GMM_PRESETS: dict[str, dict[str, Any]] = {
    "teachdeeprl": {"fit_rate": 250, "potential_ks": tuple(range(2, 11)), "random_task_ratio": 0.2, "n_init": 1},
    "teachmyagent": {"fit_rate": 150, "potential_ks": tuple(range(2, 10)), "random_task_ratio": 0.05, "n_init": 1},
}

_TREE_REBUILD = 512


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


class ALPGMM(MixtureTeacher):
    """Absolute Learning Progress Gaussian Mixture Model teacher (Portelas et al., CoRL 2019).

    Window vectors are ``[task, alp]``; a component's weight is its mean ALP.

    Parameters
    ----------
    task_space:
        A :class:`~autocurriculum.teachers.spaces.BoxSpace`.
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
    PRESETS: ClassVar[dict[str, dict[str, Any]]] = ALP_GMM_PRESETS
    _more_state_keys: ClassVar[tuple[str, ...]] = ("alp",)

    def _init_state(self) -> None:
        super()._init_state()
        self.alp_ = ALPComputer(self.task_space.dim)

    def _window_row(self, task_unit: np.ndarray, reward: float) -> np.ndarray:
        return np.append(task_unit, self.alp_.add(task_unit, reward))

    def _component_weights(self, gmm: GaussianMixture) -> np.ndarray:
        return gmm.means[:, -1]

    def _metrics(self) -> dict[str, float]:
        out = super()._metrics()
        recent = self._recent()
        out["mean_alp"] = float(recent[:, -1].mean()) if recent.shape[0] else 0.0
        return out

    def plot_data(self) -> dict[str, Any]:
        """Recent tasks with their ALP, and the current mixture in task coordinates, for plots."""
        data = super().plot_data()
        data["alp"] = data.pop("value")
        return data

    def _get_state(self) -> dict[str, Any]:
        return {**super()._get_state(), "alp": self.alp_.state()}

    def _set_state(self, state: dict[str, Any]) -> None:
        super()._set_state(state)
        a = self._state_reader(state).sub("alp")
        a.keys(["tasks", "rewards"])
        n, d = self.n_stored_, self.task_space.dim
        # one (unit-cube task, normalised return) pair per stored episode
        self.alp_.load(
            {"tasks": a.array("tasks", "f", (n, d), 0.0, 1.0), "rewards": a.array("rewards", "f", (n,), 0.0, 1.0)}
        )
