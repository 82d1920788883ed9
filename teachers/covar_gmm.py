"""Covar-GMM: learning progress as the time-return covariance of Gaussian mixture components.

Moulin-Frier, Nguyen & Oudeyer, "Self-organization of early vocal development in infants and
machines: the role of intrinsic motivation", Frontiers in Psychology 2014; as implemented in
teachDeepRL (Portelas et al., CoRL 2019) and TeachMyAgent (Romac et al., ICML 2021).

Window vectors are ``[task, t, r]`` with ``t`` the episode's relative time within the fitting
window (``i / fit_rate`` for the i-th episode of the window, in [0, 1)) and ``r`` the normalised
return. A component's learning progress is ``max(0, cov(t, r))`` read from its covariance
matrix (``absolute_lp=True``: ``|cov(t, r)|``); components are chosen in proportion to it.
Bootstrap, refit schedule, model selection and sampling are those of ALP-GMM
(:class:`~autocurriculum.teachers.mixture.MixtureTeacher`).

Presets: ``teachdeeprl`` (fit_rate 250, k in 2..10, 20% random) and ``teachmyagent``
(fit_rate 150, k in 2..14, 10% random).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np

from autocurriculum.teachers.gmm import GaussianMixture
from autocurriculum.teachers.mixture import MixtureTeacher
from autocurriculum.teachers.spaces import BoxSpace

__all__ = ["COVAR_GMM_PRESETS", "CovarGMM"]

COVAR_GMM_PRESETS: dict[str, dict[str, Any]] = {
    "teachdeeprl": {"fit_rate": 250, "potential_ks": tuple(range(2, 11)), "random_task_ratio": 0.2, "n_init": 1},
    "teachmyagent": {"fit_rate": 150, "potential_ks": tuple(range(2, 15)), "random_task_ratio": 0.1, "n_init": 1},
}


class CovarGMM(MixtureTeacher):
    """Covariance-based GMM teacher (Moulin-Frier et al. 2014; Portelas et al. 2019).

    Parameters are those of :class:`~autocurriculum.teachers.alp_gmm.ALPGMM` (same meanings and defaults:
    fit_rate 250, potential_ks 2..10, random_task_ratio 0.2, AIC, one EM initialisation,
    optional initial Gaussian, ``return_bounds``, ``refit``, ``refit_lag``), plus

    absolute_lp:
        Use ``|cov(t, r)|`` instead of ``max(0, cov(t, r))`` (default ``False``).
    """

    name: ClassVar[str] = "covar_gmm"
    PRESETS: ClassVar[dict[str, dict[str, Any]]] = COVAR_GMM_PRESETS
    extra_dims: ClassVar[int] = 2

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
        absolute_lp: bool = False,
        refit: str = "sync",
        refit_lag: int | None = None,
        seed: int | None = None,
    ) -> None:
        super().__init__(
            task_space,
            fit_rate=fit_rate,
            potential_ks=potential_ks,
            random_task_ratio=random_task_ratio,
            criterion=criterion,
            n_init=n_init,
            initial_mean=initial_mean,
            initial_std=initial_std,
            return_bounds=return_bounds,
            refit=refit,
            refit_lag=refit_lag,
            seed=seed,
        )
        self.absolute_lp = absolute_lp

    def _validate_params(self) -> None:
        super()._validate_params()
        if not isinstance(self.absolute_lp, (bool, np.bool_)):
            raise TypeError(f"CovarGMM.absolute_lp: expected a bool, got {self.absolute_lp!r}")

    def _window_row(self, task_unit: np.ndarray, reward: float) -> np.ndarray:
        t = (self.n_stored_ % self.fit_rate) / self.fit_rate
        return np.concatenate([task_unit, [t, reward]])

    def _component_weights(self, gmm: GaussianMixture) -> np.ndarray:
        cov_tr = gmm.covariances[:, -2, -1]
        return np.abs(cov_tr) if self.absolute_lp else np.maximum(cov_tr, 0.0)
