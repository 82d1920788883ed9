"""SPDL against the rule of Klink et al. 2020: the KL trust region holds, alpha pulls toward the target."""

from __future__ import annotations

import numpy as np
import pytest

from autocurriculum.teachers import SPDL, BoxSpace, Feedback, Teacher
from autocurriculum.teachers.contract import parametrize_with_checks
from autocurriculum.teachers.spdl import VALUE_KEY, Gaussian, spdl_alpha, spdl_update

BOX = BoxSpace([0.0, 0.0], [3.0, 6.0], names=["h", "s"])


def _contexts(old: Gaussian, n: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.array([old.sample(rng) for _ in range(n)])


def test_gaussian_kl_matches_the_closed_form_of_diagonal_gaussians() -> None:
    a = Gaussian.from_std(np.array([0.0, 1.0]), np.array([1.0, 2.0]))
    b = Gaussian.from_std(np.array([1.0, 0.0]), np.array([2.0, 1.0]))
    expected = sum(
        np.log(s1 / s0) + (s0**2 + (m0 - m1) ** 2) / (2 * s1**2) - 0.5
        for m0, s0, m1, s1 in [(0.0, 1.0, 1.0, 2.0), (1.0, 2.0, 0.0, 1.0)]
    )
    assert a.kl(b) == pytest.approx(expected)
    assert a.kl(a) == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize("max_kl", [0.01, 0.1, 0.5])
def test_update_respects_the_kl_bound_and_uses_it_when_the_value_pulls(max_kl: float) -> None:
    old = Gaussian.from_std(np.array([0.2, 0.2]), np.array([0.1, 0.1]))
    target = Gaussian.from_std(np.array([0.5, 0.5]), np.array([0.25, 0.25]))
    contexts = _contexts(old, 500)
    values = 10.0 * contexts[:, 0]  # more value to the right: the value term pushes the mean right
    new = spdl_update(old, target, contexts, values, alpha=0.0, max_kl=max_kl)
    kl = old.kl(new)
    assert kl <= max_kl + 1e-12
    assert kl >= 0.5 * max_kl  # the bound is active: the step goes as far as the trust region allows
    assert new.mean[0] > old.mean[0]


def test_moves_toward_the_target_more_as_alpha_grows() -> None:
    old = Gaussian.from_std(np.array([0.1, 0.1]), np.array([0.05, 0.05]))
    target = Gaussian.from_std(np.array([0.5, 0.5]), np.array([0.25, 0.25]))
    contexts = _contexts(old, 500, seed=1)
    values = np.ones(len(contexts))  # flat value: only the penalty says where to go
    kls = [spdl_update(old, target, contexts, values, alpha=a, max_kl=0.8).kl(target) for a in (0.0, 0.1, 1.0, 10.0)]
    assert all(b < a for a, b in zip(kls, kls[1:], strict=False)), kls
    assert kls[-1] < 0.75 * old.kl(target)


def test_alpha_schedule_is_zero_before_the_offset_then_a_share_of_the_value() -> None:
    values = np.array([2.0, 4.0])
    assert spdl_alpha(1, values, kl_to_target=3.0, zeta=0.1, alpha_offset=2) == 0.0
    assert spdl_alpha(2, values, kl_to_target=3.0, zeta=0.1, alpha_offset=2) == pytest.approx(0.1 * 3.0 / 3.0)
    assert spdl_alpha(5, -values, kl_to_target=3.0, zeta=0.1, alpha_offset=0) == 0.0


def test_teacher_updates_on_its_cadence_and_approaches_the_target() -> None:
    teacher = SPDL(BOX, update_every=50, update_offset=100, initial_mean=[0.0, 6.0], zeta=1.0, max_kl=0.1, seed=0)
    kl0 = None
    for i in range(1000):
        lesson = teacher.sample()
        teacher.update(lesson, Feedback(episode_return=1.0))
        if i == 0:
            kl0 = teacher.metrics()["kl_to_target"]
        if i == 98:
            assert teacher.metrics()["n_iterations"] == 0.0
        if i == 99:
            assert teacher.metrics()["n_iterations"] == 1.0
    m = teacher.metrics()
    assert m["n_iterations"] == 19.0
    assert m["kl_to_target"] < 0.5 * kl0


def test_value_extra_is_preferred_over_the_return_and_steps_are_counted_from_length() -> None:
    teacher = SPDL(BOX, update_every=1000, update_offset=0, count_steps=True, seed=0)
    lesson = teacher.sample()
    teacher.update(lesson, Feedback(episode_return=5.0, length=600, extras={VALUE_KEY: 2.0}))
    assert teacher.values_ == [2.0]
    assert teacher.metrics()["n_iterations"] == 0.0
    teacher.update(teacher.sample(), Feedback(episode_return=5.0, length=600))
    assert teacher.values_ == [] and teacher.metrics()["n_iterations"] == 1.0
    with pytest.raises(ValueError, match="length"):
        teacher.update(teacher.sample(), Feedback(episode_return=1.0))


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"update_every": 0}, "update_every"),
        ({"max_kl": 0.0}, "max_kl"),
        ({"zeta": -1.0}, "zeta"),
        ({"std_lower_bound": 0.1}, "kl_threshold"),
        ({"target_std": [1.0]}, "target_std"),
        ({"initial_mean": [9.0, 0.0]}, "initial_mean"),
        ({"count_steps": 1}, "count_steps"),
    ],
)
def test_bad_parameters_are_refused_by_name(params: dict, match: str) -> None:
    with pytest.raises((ValueError, TypeError), match=match):
        SPDL(BOX, **params).setup()


def test_presets() -> None:
    t = SPDL.from_preset("teachmyagent", BOX)
    assert (t.update_every, t.update_offset, t.count_steps, t.max_kl, t.zeta) == (100_000, 200_000, True, 0.8, 0.05)
    with pytest.raises(ValueError, match="preset"):
        SPDL.from_preset("nope", BOX)


TEACHERS: list[Teacher] = [
    SPDL(BOX, update_every=20, update_offset=40, seed=0),
    SPDL(BOX, update_every=25, update_offset=0, initial_mean=[0.0, 6.0], std_lower_bound=0.1, kl_threshold=0.5, seed=1),
]


@parametrize_with_checks(TEACHERS)
def test_spdl_contract(teacher: Teacher, check) -> None:
    check(teacher)


def test_analytic_gradients_match_finite_differences() -> None:
    from scipy.optimize import check_grad

    from autocurriculum.teachers.spdl import _kl_from, _objective

    old = Gaussian(np.array([0.3, 0.6]), np.array([[0.2, 0.0], [0.05, 0.1]]))
    target = Gaussian.from_std(np.array([0.5, 0.5]), np.array([0.25, 0.25]))
    x = _contexts(old, 50, seed=3)
    args = (x, old.log_pdf(x), x[:, 0] + 1.0, 0.3, target)
    theta = old.to_vector() + np.array([0.05, -0.02, 0.1, -0.1, 0.03])
    assert check_grad(lambda t: _objective(t, *args)[0], lambda t: _objective(t, *args)[1], theta) < 1e-5
    assert check_grad(lambda t: _kl_from(t, old)[0], lambda t: _kl_from(t, old)[1], theta) < 1e-5
