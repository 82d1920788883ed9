"""Batched Gaussian-mixture fitting with model selection, for the GMM-based teachers.

ALP-GMM and Covar-GMM refit mixtures with every number of components ``k`` in a candidate
list and keep the best by an information criterion (Portelas et al., CoRL 2019). Fitting
the candidates one by one with scikit-learn's ``GaussianMixture`` costs about 190 ms per
refit on 250 points (measured on this project's 2-core machines), which dominates a
teacher's cost. This module fits all candidates *at once*: the parameters of every model
live in padded ``(models, k_max, ...)`` arrays and each EM iteration is a handful of
vectorised numpy operations over all of them.

The algorithm is scikit-learn's default for ``GaussianMixture(covariance_type="full")``:
k-means initialisation (k-means++ seeding, then Lloyd iterations until the labels stop
changing), EM with ``reg_covar`` added to every covariance diagonal, convergence when the
per-sample lower bound changes by less than ``tol``, at most ``max_iter`` iterations, and
the information criteria AIC, BIC and AICc computed from the final model's log-likelihood.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = ["CRITERIA", "GaussianMixture", "fit_best_gmm"]

CRITERIA = ("aic", "bic", "aicc")
_EPS10 = 10 * np.finfo(np.float64).eps
_LOG_2PI = math.log(2 * math.pi)


@dataclass
class GaussianMixture:
    """A fitted mixture: ``weights (k,)``, ``means (k, d)``, ``covariances (k, d, d)``.

    ``chol`` holds the lower Cholesky factors of the covariances (for sampling),
    ``criterion`` the value of the selection criterion it won with, ``n_iter`` its EM
    iterations and ``converged`` whether EM met the tolerance.
    """

    weights: np.ndarray
    means: np.ndarray
    covariances: np.ndarray
    chol: np.ndarray
    criterion: float
    log_likelihood: float
    n_iter: int
    converged: bool

    @property
    def n_components(self) -> int:
        return int(self.weights.shape[0])

    def sample_component(self, j: int, rng: np.random.Generator) -> np.ndarray:
        """Draw one point from component ``j``."""
        z = rng.standard_normal(self.means.shape[1])
        return self.means[j] + self.chol[j] @ z

    def log_prob(self, x: np.ndarray) -> np.ndarray:
        """Per-sample log-density of ``x (n, d)`` under the mixture."""
        pack = _Packing(np.array([self.n_components]))
        x = np.asarray(x, dtype=np.float64)
        return _e_step(x, _outer_rows(x), self.weights, self.means, self.chol, pack)[0][0]

    def to_state(self) -> dict[str, object]:
        return {
            "weights": self.weights.copy(),
            "means": self.means.copy(),
            "covariances": self.covariances.copy(),
            "chol": self.chol.copy(),
            "criterion": self.criterion,
            "log_likelihood": self.log_likelihood,
            "n_iter": self.n_iter,
            "converged": self.converged,
        }

    @classmethod
    def from_state(cls, state: dict[str, object]) -> GaussianMixture:
        return cls(**state)  # type: ignore[arg-type]


def _cholesky(cov: np.ndarray) -> np.ndarray:
    try:
        return np.linalg.cholesky(cov)
    except np.linalg.LinAlgError:
        # A collapsed component: regularise harder rather than fail the whole refit.
        d = cov.shape[-1]
        return np.linalg.cholesky(cov + 1e-3 * np.eye(d))


def _outer_rows(x: np.ndarray) -> np.ndarray:
    """``x_n x_n^T`` flattened per sample: ``(N, d*d)``."""
    return (x[:, :, None] * x[:, None, :]).reshape(x.shape[0], -1)


def _log_gauss(x: np.ndarray, xx: np.ndarray, means: np.ndarray, chol: np.ndarray) -> np.ndarray:
    """``log N(x_n | mean_c, L_c L_c^T)`` for components ``c``: shape ``(C, N)``.

    ``means (C, d)``, ``chol (C, d, d)``, ``xx = _outer_rows(x)``. The Mahalanobis terms are
    expanded as ``x^T P x - 2 (P mu)^T x + mu^T P mu`` so that everything is a plain matrix
    product over all components at once.
    """
    c, d = means.shape
    inv = np.linalg.inv(chol)
    prec = inv.swapaxes(-1, -2) @ inv  # (C, d, d)
    p_mu = (prec @ means[:, :, None])[:, :, 0]  # (C, d)
    maha = prec.reshape(c, d * d) @ xx.T - 2.0 * (p_mu @ x.T) + np.sum(p_mu * means, axis=1)[:, None]
    np.maximum(maha, 0.0, out=maha)
    log_det = 2.0 * np.sum(np.log(np.diagonal(chol, axis1=-2, axis2=-1)), axis=-1)  # (C,)
    return -0.5 * (d * _LOG_2PI + log_det[:, None] + maha)


def _kmeans_labels(x: np.ndarray, ks: np.ndarray, rng: np.random.Generator, max_lloyd: int = 100) -> np.ndarray:
    """k-means++ seeding then Lloyd iterations, for every model at once; labels ``(M, N)``."""
    n, d = x.shape
    m = ks.shape[0]
    k_max = int(ks.max())
    valid = np.arange(k_max)[None, :] < ks[:, None]  # (M, K)
    centers = np.zeros((m, k_max, d))
    first = rng.integers(n, size=m)
    centers[:, 0] = x[first]
    closest = np.sum((x[None, :, :] - centers[:, 0, None, :]) ** 2, axis=-1)  # (M, N)
    for j in range(1, k_max):
        total = closest.sum(axis=1)
        u = rng.random(m) * total
        cum = np.cumsum(closest, axis=1)
        idx = np.minimum((cum < u[:, None]).sum(axis=1), n - 1)
        degenerate = total <= 0
        if np.any(degenerate):
            idx = np.where(degenerate, rng.integers(n, size=m), idx)
        centers[:, j] = x[idx]
        d2 = np.sum((x[None, :, :] - centers[:, j, None, :]) ** 2, axis=-1)
        active = (ks > j)[:, None]
        closest = np.where(active, np.minimum(closest, d2), closest)
    labels = np.full((m, n), -1)
    ar = np.arange(k_max)
    for _ in range(max_lloyd):
        d2 = np.sum(centers * centers, axis=-1)[..., None] - 2.0 * (centers @ x.T)  # (M, K, N), minus |x|^2
        d2 = np.where(valid[:, :, None], d2, np.inf)
        new_labels = np.argmin(d2, axis=1)
        if np.array_equal(new_labels, labels):
            break
        labels = new_labels
        onehot = (labels[:, None, :] == ar[None, :, None]).astype(np.float64)  # (M, K, N)
        counts = onehot.sum(axis=2)
        sums = onehot @ x
        centers = np.where(counts[..., None] > 0, sums / np.maximum(counts, 1)[..., None], centers)
    return labels


class _Packing:
    """Components of several models stored back to back: model ``m`` owns ``ks[m]`` rows."""

    def __init__(self, ks: np.ndarray) -> None:
        self.ks = ks
        self.starts = np.concatenate([[0], np.cumsum(ks)[:-1]]).astype(np.int64)
        self.seg = np.repeat(np.arange(ks.size), ks)  # model of each component
        self.local = np.arange(int(ks.sum())) - self.starts[self.seg]  # index within its model

    def subset(self, models: np.ndarray) -> tuple[_Packing, np.ndarray]:
        """The packing of ``models`` (sorted) and the global rows of their components."""
        rows = np.flatnonzero(np.isin(self.seg, models))
        return _Packing(self.ks[models]), rows

    def segment_sum(self, a: np.ndarray) -> np.ndarray:
        return np.add.reduceat(a, self.starts, axis=0)

    def segment_logsumexp(self, a: np.ndarray) -> np.ndarray:
        m = np.maximum.reduceat(a, self.starts, axis=0)
        m = np.where(np.isfinite(m), m, 0.0)
        return m + np.log(np.add.reduceat(np.exp(a - m[self.seg]), self.starts, axis=0))


def _m_step(
    x: np.ndarray, xx: np.ndarray, resp: np.ndarray, pack: _Packing, reg_covar: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Weights ``(C,)``, means ``(C, d)`` and covariances ``(C, d, d)`` from responsibilities ``(C, N)``.

    Covariances come from the weighted second moments, ``sum_n r_cn x_n x_n^T / n_c - mu mu^T``.
    """
    c, d = resp.shape[0], x.shape[1]
    nk = resp.sum(axis=1) + _EPS10
    means = (resp @ x) / nk[:, None]
    cov = (resp @ xx).reshape(c, d, d) / nk[:, None, None] - means[:, :, None] * means[:, None, :]
    cov += reg_covar * np.eye(d)
    weights = nk / pack.segment_sum(nk)[pack.seg]
    return weights, means, cov


def _e_step(
    x: np.ndarray, xx: np.ndarray, weights: np.ndarray, means: np.ndarray, chol: np.ndarray, pack: _Packing
) -> tuple[np.ndarray, np.ndarray]:
    """Per-model log-likelihood of each sample ``(M, N)`` and log-responsibilities ``(C, N)``."""
    weighted = _log_gauss(x, xx, means, chol) + np.log(weights)[:, None]
    log_norm = pack.segment_logsumexp(weighted)
    return log_norm, weighted - log_norm[pack.seg]


def fit_best_gmm(
    x: np.ndarray,
    ks: np.ndarray | list[int] | tuple[int, ...],
    rng: np.random.Generator,
    *,
    criterion: str = "aic",
    n_init: int = 1,
    reg_covar: float = 1e-6,
    tol: float = 1e-3,
    max_iter: int = 100,
) -> GaussianMixture:
    """Fit a full-covariance mixture for every ``k`` in ``ks`` and return the best by ``criterion``.

    With ``n_init > 1`` each ``k`` is fitted from several initialisations and the one with the
    highest final lower bound is kept (as scikit-learn does).
    """
    if criterion not in CRITERIA:
        raise ValueError(f"criterion: got {criterion!r}; allowed: {list(CRITERIA)}")
    x = np.asarray(x, dtype=np.float64)
    n, d = x.shape
    ks_arr = np.repeat(np.asarray(ks, dtype=np.int64), n_init)
    if np.any(ks_arr < 1) or np.any(ks_arr > n):
        raise ValueError(f"ks: every number of components must lie in [1, {n}] for {n} points, got {list(ks)}")
    m = ks_arr.shape[0]

    labels = _kmeans_labels(x, ks_arr, rng)
    pack = _Packing(ks_arr)
    resp = (labels[pack.seg] == pack.local[:, None]).astype(np.float64)  # (C, N)
    xx = _outer_rows(x)
    weights, means, cov = _m_step(x, xx, resp, pack, reg_covar)
    chol = _cholesky(cov)

    lower = np.full(m, -np.inf)
    n_iter = np.zeros(m, dtype=np.int64)
    converged = np.zeros(m, dtype=bool)
    for it in range(1, max_iter + 1):
        act = np.flatnonzero(~converged)
        if act.size == 0:
            break
        sub, rows = (pack, slice(None)) if act.size == m else pack.subset(act)
        log_norm, log_resp = _e_step(x, xx, weights[rows], means[rows], chol[rows], sub)
        w, mu, c = _m_step(x, xx, np.exp(log_resp), sub, reg_covar)
        weights[rows], means[rows], cov[rows] = w, mu, c
        chol[rows] = _cholesky(c)
        new_lower = log_norm.mean(axis=1)
        converged[act] = np.abs(new_lower - lower[act]) < tol
        lower[act] = new_lower
        n_iter[act] = it

    final_ll = _e_step(x, xx, weights, means, chol, pack)[0].sum(axis=1)  # total log-likelihood per model
    # n_init: keep, for each k, the initialisation with the best final lower bound.
    keep = np.zeros(m, dtype=bool)
    for i in range(0, m, n_init):
        keep[i + int(np.argmax(lower[i : i + n_init]))] = True
    n_params = ks_arr * d * (d + 1) / 2 + ks_arr * d + ks_arr - 1
    if criterion == "aic":
        score = -2 * final_ll + 2 * n_params
    elif criterion == "bic":
        score = -2 * final_ll + n_params * math.log(n)
    else:
        denom = n - n_params - 1
        with np.errstate(divide="ignore"):
            score = np.where(denom > 0, -2 * final_ll + 2 * n_params + 2 * n_params * (n_params + 1) / denom, np.inf)
    score = np.where(keep, score, np.inf)
    best = int(np.argmin(score))
    rows_best = slice(int(pack.starts[best]), int(pack.starts[best] + ks_arr[best]))
    return GaussianMixture(
        weights=weights[rows_best].copy(),
        means=means[rows_best].copy(),
        covariances=cov[rows_best].copy(),
        chol=chol[rows_best].copy(),
        criterion=float(score[best]),
        log_likelihood=float(final_ll[best]),
        n_iter=int(n_iter[best]),
        converged=bool(converged[best]),
    )
