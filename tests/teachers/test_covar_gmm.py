"""Covar-GMM (Moulin-Frier et al. 2014, as in teachDeepRL): window vectors and component weights."""

from __future__ import annotations

import numpy as np
import pytest

from autocurriculum.environments.unlock_grid import UnlockGrid, run_teacher
from autocurriculum.teachers import BoxSpace, CovarGMM, Random
from autocurriculum.teachers.gmm import GaussianMixture

UNIT = BoxSpace([0.0, 0.0], [1.0, 1.0])


def test_window_holds_task_relative_time_and_return() -> None:
    teacher = CovarGMM(BoxSpace([0.0, 0.0], [2.0, 4.0]), fit_rate=4, potential_ks=[1, 2], seed=0)
    for i, r in enumerate([0.1, 0.2, 0.3]):
        teacher.update([1.0, float(i)], r)
    np.testing.assert_allclose(
        teacher.window_[:3], [[0.5, 0.0, 0.0, 0.1], [0.5, 0.25, 0.25, 0.2], [0.5, 0.5, 0.5, 0.3]]
    )


def _mixture(cov_tr: list[float]) -> GaussianMixture:
    k = len(cov_tr)
    cov = np.tile(np.eye(4) * 0.1, (k, 1, 1))
    cov[:, 2, 3] = cov[:, 3, 2] = cov_tr
    return GaussianMixture(np.full(k, 1 / k), np.full((k, 4), 0.5), cov, np.linalg.cholesky(cov), 0.0, 0.0, 1, True)


def test_component_weight_is_time_return_covariance() -> None:
    gmm = _mixture([0.05, -0.03, 0.0])
    np.testing.assert_allclose(CovarGMM(UNIT)._component_weights(gmm), [0.05, 0.0, 0.0])
    np.testing.assert_allclose(CovarGMM(UNIT, absolute_lp=True)._component_weights(gmm), [0.05, 0.03, 0.0])


def test_sampling_follows_positive_covariance() -> None:
    teacher = CovarGMM(UNIT, random_task_ratio=0.0, seed=0)
    teacher.setup()
    teacher.gmm_ = _mixture([0.02, 0.06, -0.05])
    counts = np.bincount([teacher.sample().info["component"] for _ in range(8000)], minlength=3)
    assert counts[2] == 0
    assert counts[1] / counts[:2].sum() == pytest.approx(0.75, abs=0.02)


def test_presets() -> None:
    t = CovarGMM.from_preset("teachmyagent", UNIT)
    assert (t.fit_rate, t.random_task_ratio, tuple(t.potential_ks)) == (150, 0.1, tuple(range(2, 15)))


def test_covar_gmm_beats_random_on_the_grid() -> None:
    covar = run_teacher(CovarGMM(UNIT, seed=0), UnlockGrid(2, 10), 20_000, 20_000).mastered[-1]
    rand = run_teacher(Random(UNIT, seed=0), UnlockGrid(2, 10), 20_000, 20_000).mastered[-1]
    assert covar > rand + 15
