"""Setter-Solver against the rule of Racanière et al. 2020: the judge learns feasibility, the setter follows it."""

from __future__ import annotations

import numpy as np
import pytest

from autocurriculum.teachers import BoxSpace, Feedback, SetterSolver, Teacher
from autocurriculum.teachers.contract import parametrize_with_checks
from autocurriculum.teachers.networks import single_thread

BOX = BoxSpace([0.0, 0.0], [3.0, 6.0], names=["h", "s"])
SQUARE = BoxSpace([0.0, 0.0], [1.0, 1.0], names=["x", "y"])


def test_setter_log_likelihood_is_exact() -> None:
    """The flow's density integrates to 1 over the unit square and inverts its own samples."""
    teacher = SetterSolver(SQUARE, seed=0).setup()
    with single_thread() as torch:
        for net in teacher.couplings_:  # a non-trivial flow
            for p in net.parameters():
                p.data.normal_(0.0, 0.3, generator=teacher.torch_rng_)
        grid = (torch.arange(200, dtype=torch.float32) + 0.5) / 200
        xs = torch.cartesian_prod(grid, grid)
        f = torch.full((xs.shape[0], 1), 0.3)
        with torch.no_grad():
            mass = float(torch.exp(teacher._log_prob(xs, f)).mean())
            z = torch.randn(50, 2, generator=teacher.torch_rng_)
            x, log_p = teacher._forward(z, f[:50])
            again = teacher._log_prob(x.clamp(1e-6, 1 - 1e-6), f[:50])
    assert mass == pytest.approx(1.0, abs=0.03)
    assert torch.allclose(log_p, again, atol=1e-3)


def _train(teacher: SetterSolver, episodes: int, p_success: callable, rng: np.random.Generator) -> None:
    for _ in range(episodes):
        lesson = teacher.sample()
        teacher.update(lesson, Feedback(episode_return=0.0, success=bool(rng.random() < p_success(lesson.task))))


def test_judge_learns_a_known_feasibility_function() -> None:
    """Outcomes of uniform goals, solved iff x < 0.5: the judge separates the two halves."""
    teacher = SetterSolver(
        SQUARE, update_frequency=600, train_steps=300, steps_per_update=300, learning_rate=3e-3, seed=0
    )
    rng = np.random.default_rng(0)
    for _ in range(600):
        task = SQUARE.sample(rng)
        teacher.update(task, Feedback(episode_return=0.0, success=bool(task[0] < 0.5)))
    judged = teacher.judge(np.array([[0.1, 0.2], [0.3, 0.9], [0.7, 0.1], [0.9, 0.6]]))
    assert np.all(judged[:2] > 0.8) and np.all(judged[2:] < 0.2), judged


@pytest.mark.slow
def test_judge_learns_a_known_feasibility_and_the_setter_follows_the_request() -> None:
    feasibility = lambda task: 1.0 - float(task[0])  # noqa: E731 - easy on the left, impossible on the right
    teacher = SetterSolver(
        SQUARE, update_frequency=50, train_steps=100, steps_per_update=50, learning_rate=3e-3, seed=0
    )
    _train(teacher, 2500, feasibility, np.random.default_rng(0))
    probe = np.array([[0.05, 0.5], [0.3, 0.5], [0.7, 0.5], [0.95, 0.5]])
    judged = teacher.judge(probe)
    assert np.all(np.diff(judged) < 0), judged
    assert np.max(np.abs(judged - (1.0 - probe[:, 0]))) < 0.25, judged
    easy = np.mean([feasibility(g) for g in teacher.set_goals(0.9, 500)])
    hard = np.mean([feasibility(g) for g in teacher.set_goals(0.1, 500)])
    assert easy > hard + 0.3, (easy, hard)


def test_training_rounds_follow_the_update_frequency() -> None:
    teacher = SetterSolver(
        SQUARE, success_threshold=0.5, update_frequency=10, train_steps=15, steps_per_update=10, seed=0
    )
    for _ in range(25):
        teacher.update(teacher.sample(), 1.0)
    m = teacher.metrics()
    assert (m["n_training_rounds"], m["n_train_steps"]) == (2.0, 30.0)
    with pytest.raises(ValueError, match="success"):
        SetterSolver(SQUARE, seed=0).update(SQUARE.sample(np.random.default_rng(0)), Feedback(episode_return=1.0))


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"update_frequency": 0}, "update_frequency"),
        ({"loss_noise": 1.0}, "loss_noise"),
        ({"judge_hidden": [0]}, "judge_hidden"),
    ],
)
def test_bad_parameters_are_refused_by_name(params: dict, match: str) -> None:
    with pytest.raises((ValueError, TypeError), match=match):
        SetterSolver(SQUARE, **params).setup()


TEACHERS: list[Teacher] = [
    SetterSolver(BOX, success_threshold=0.5, update_frequency=20, train_steps=15, seed=0),
    SetterSolver(BOX, success_threshold=0.2, update_frequency=7, train_steps=5, n_couplings=1, buffer_size=1, seed=1),
]


@parametrize_with_checks(TEACHERS)
def test_setter_solver_contract(teacher: Teacher, check) -> None:
    check(teacher)
