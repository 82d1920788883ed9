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
one by one). Nearest neighbours come from a logarithmic forest of k-d trees
(:mod:`autocurriculum.teachers.nearest`): exact, the earliest task on ties, at a cost per episode that
does not grow with the history; the ALPs are computed 32 episodes at a time (and when the window is read),
with the same values as one by one.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from autocurriculum.teachers.gmm import GaussianMixture
from autocurriculum.teachers.mixture import MixtureTeacher, normalise_return
from autocurriculum.teachers.nearest import NearestHistory

__all__ = ["ALPGMM", "ALP_GMM_PRESETS", "ALPComputer", "normalise_return"]

#: Named hyperparameter presets. ``teachdeeprl``: Portelas et al. 2019 defaults;
#: ``teachmyagent``: the settings of the TeachMyAgent benchmark (Romac et al. 2021).
ALP_GMM_PRESETS: dict[str, dict[str, Any]] = {
    "teachdeeprl": {"fit_rate": 250, "potential_ks": tuple(range(2, 11)), "random_task_ratio": 0.2, "n_init": 1},
    "teachmyagent": {"fit_rate": 150, "potential_ks": tuple(range(2, 10)), "random_task_ratio": 0.05, "n_init": 1},
}

class ALPComputer:
    """Stores ``(task, reward)`` pairs and gives ``|r - r(nearest previous task)|`` for each.

    Nearest neighbours (Euclidean, the earliest on ties) come from
    :class:`~autocurriculum.teachers.nearest.NearestHistory`, a logarithmic forest of k-d trees
    whose cost per pair does not grow with the history. :meth:`push` stores a pair and
    :meth:`flush` returns the ALPs of the pairs pushed since the last flush, in order (one
    vectorised search per tree for the whole batch); :meth:`add` does both for one pair. The ALP
    is 0 while 5 or fewer pairs were stored before (Portelas et al. 2019).
    """

    def __init__(self, dim: int, *, block: int = 256, background: bool = True) -> None:
        self.dim = dim
        self.history = NearestHistory(dim, block=block, background=background)
        self._rewards: list[float] = []  # rewards of the pairs pushed since the last flush

    @property
    def n(self) -> int:
        return self.history.n

    def push(self, task: np.ndarray, reward: float) -> None:
        """Store a pair; its ALP comes with the next :meth:`flush`."""
        self.history.push(task, reward)
        self._rewards.append(float(reward))

    def flush(self) -> np.ndarray:
        """ALPs of the pairs pushed since the last flush, oldest first."""
        first = self.history.n_done
        rewards = np.array(self._rewards)
        self._rewards.clear()
        _, nearest = self.history.flush()
        alp = np.abs(rewards - nearest)
        alp[: max(0, 6 - first)] = 0.0  # pairs with index <= 5: 5 or fewer stored before them
        return alp

    def add(self, task: np.ndarray, reward: float) -> float:
        """Return the task's ALP, then store it (flushes any pushed pairs first)."""
        self.flush()
        self.push(task, reward)
        return float(self.flush()[0])

    def state(self) -> dict[str, Any]:
        tasks, rewards = self.history.history()
        return {"tasks": tasks, "rewards": rewards}

    def load(self, state: dict[str, Any]) -> None:
        tasks = np.asarray(state["tasks"], dtype=np.float64).reshape(-1, self.dim)
        rewards = np.asarray(state["rewards"], dtype=np.float64)
        self.history.load(tasks, rewards)
        self._rewards.clear()


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
    refit:
        ``"sync"`` (default): mixtures are fitted in the caller's thread at each refit point,
        reproducibly; ``"background"``: in a background thread (no pause); ``"process"``: in
        a shared worker process (no pause, no GIL shared with the fit). See
        :class:`~autocurriculum.teachers.mixture.MixtureTeacher` for the trade-off.
    refit_lag:
        With ``refit="background"`` or ``"process"``: ``None`` (default) swaps a new mixture in as soon as it is
        ready and never waits (a fit due while another runs is queued behind it; not reproducible
        from the seed); an integer ``k`` in [1, fit_rate] swaps it in exactly ``k`` updates after
        the refit point (reproducible; waits if the fit is slower).
    seed:
        Seed of the teacher's generator.

    Lessons record their origin: ``"bootstrap"``, ``"random"`` or ``"gmm"`` with
    ``info["component"]``.
    """

    name: ClassVar[str] = "alp_gmm"
    PRESETS: ClassVar[dict[str, dict[str, Any]]] = ALP_GMM_PRESETS
    _more_state_keys: ClassVar[tuple[str, ...]] = ("alp",)
    _finish_every: ClassVar[int] = 32  # ALPs computed 32 at a time (one tree search per batch)

    def _init_state(self) -> None:
        super()._init_state()
        self.alp_ = ALPComputer(self.task_space.dim)

    def _window_row(self, task_unit: np.ndarray, reward: float) -> np.ndarray:
        # The ALP is filled in by _finish_window, with the others of the interval.
        self.alp_.push(task_unit, reward)
        return task_unit  # the caller's window row keeps its ALP slot for _finish_window

    def _finish_window(self) -> None:
        alps = self.alp_.flush()[-self.fit_rate :]
        if alps.shape[0]:
            rows = (self.n_stored_ - alps.shape[0] + np.arange(alps.shape[0])) % self.fit_rate
            self.window_[rows, -1] = alps

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
