"""Every built-in teacher passes the shipped contract suite."""

from __future__ import annotations

from autocurriculum.teachers import ALPGMM, BoxSpace, CovarGMM, DiscreteSpace, Random, Teacher
from autocurriculum.teachers.contract import parametrize_with_checks

BOX = BoxSpace([0.0, -1.0], [1.0, 1.0], names=["a", "b"])

TEACHERS: list[Teacher] = [
    Random(BOX, seed=0),
    Random(DiscreteSpace(7), seed=0),
    Random(BOX, initial_mean=[0.5, 0.0], seed=0),
    ALPGMM(BOX, fit_rate=40, potential_ks=[2, 3, 4], seed=0),
    CovarGMM(BOX, fit_rate=40, potential_ks=[2, 3], seed=0),
    CovarGMM(BOX, fit_rate=25, potential_ks=[1, 2], absolute_lp=True, return_bounds=(-1.0, 2.0), seed=1),
    ALPGMM(
        BOX,
        fit_rate=30,
        potential_ks=[1, 2],
        random_task_ratio=0.5,
        criterion="bic",
        n_init=2,
        initial_mean=[0.5, 0.0],
        return_bounds=(-1.0, 2.0),
        seed=3,
    ),
    # background refits swapped in at a fixed lag: reproducible, so the whole suite applies
    ALPGMM(BOX, fit_rate=40, potential_ks=[2, 3], refit="background", refit_lag=7, seed=4),
    CovarGMM(BOX, fit_rate=30, potential_ks=[2, 3], refit="background", refit_lag=30, seed=5),
]


@parametrize_with_checks(TEACHERS)
def test_teacher_contract(teacher: Teacher, check) -> None:
    check(teacher)
