"""Online learning progress (Kanitscheider et al. 2021, as in Syllabus): EMAs, reweighting, mix."""

from __future__ import annotations

import math

import numpy as np
import pytest

from autocurriculum.teachers import BoxSpace, DiscreteSpace, Feedback, LearningProgress, make_teacher
from autocurriculum.teachers.contract import parametrize_with_checks
from autocurriculum.teachers.learning_progress import reweight


@parametrize_with_checks(
    [
        LearningProgress(DiscreteSpace(7), seed=0),
        LearningProgress(DiscreteSpace(5), signal="episode_return", seed=1),
        LearningProgress(DiscreteSpace(3, names=["a", "b", "c"]), uniform_mix=0.0, p_theta=0.3, seed=2),
    ]
)
def test_contract(teacher: LearningProgress, check: object) -> None:
    check(teacher)  # type: ignore[operator]


def test_reweighting_function_values() -> None:
    # w(p) = p (1 - theta) / (p + theta (1 - 2p))
    np.testing.assert_allclose(reweight([0.0, 0.1, 0.5, 1.0]), [0.0, 0.5, 0.9, 1.0])
    assert float(reweight(0.2)) == pytest.approx(0.18 / 0.26)  # 0.2 * 0.9 / (0.2 + 0.1 * 0.6)
    assert float(reweight(0.5, theta=0.2)) == pytest.approx(0.8)


def test_fast_and_slow_emas_by_hand() -> None:
    teacher = LearningProgress(DiscreteSpace(2))
    for s in (True, False, True):
        teacher.update(0, {"success": s})
    # first report sets both to 1; then fast = 0.9, slow = 0.1 * 0.9 + 0.9 * 1 = 0.99;
    # then fast = 0.1 + 0.9 * 0.9 = 0.91, slow = 0.1 * 0.91 + 0.9 * 0.99 = 0.982
    assert teacher.p_fast_[0] == pytest.approx(0.91)
    assert teacher.p_slow_[0] == pytest.approx(0.982)
    expected = abs(0.91 * 0.9 / (0.91 + 0.1 * (1 - 1.82)) - 0.982 * 0.9 / (0.982 + 0.1 * (1 - 1.964)))
    assert teacher.learning_progress()[0] == pytest.approx(expected)
    assert teacher.learning_progress()[1] == 0.0 and teacher.counts_.tolist() == [3, 0]


def test_zscore_sigmoid_normalise_over_progressing_tasks() -> None:
    teacher = LearningProgress(DiscreteSpace(3))
    teacher.setup()
    # Two tasks with progress (z-scores +1 and -1), one seen without progress or success.
    teacher.counts_[:] = 1
    teacher.p_fast_[:] = [0.5, 0.2, 0.0]
    teacher.p_slow_[:] = [0.1, 0.1, 0.0]
    lp = teacher.learning_progress()
    assert lp[0] > lp[1] > 0 and lp[2] == 0
    e = math.e
    np.testing.assert_allclose(teacher.progress_distribution(), [e / (1 + e), 1 / (1 + e), 0.0])


def test_uniform_mix_is_25_percent() -> None:
    teacher = LearningProgress(DiscreteSpace(4), seed=0)
    teacher.update(0, {"success": True})
    teacher.update(0, {"success": False})  # task 0 progresses
    for task in (1, 2, 3):
        teacher.update(task, {"success": False})  # seen, no progress, no success
    np.testing.assert_allclose(teacher.progress_distribution(), [1.0, 0.0, 0.0, 0.0])
    # 0.75 * P_LP + 0.25 / 4
    np.testing.assert_allclose(teacher.task_probabilities(), [0.8125, 0.0625, 0.0625, 0.0625])
    lessons = [teacher.sample() for _ in range(20_000)]
    tasks = np.array([lesson.task for lesson in lessons])
    np.testing.assert_allclose(
        np.bincount(tasks, minlength=4) / tasks.size, [0.8125, 0.0625, 0.0625, 0.0625], atol=0.01
    )
    assert np.mean([lesson.origin == "uniform" for lesson in lessons]) == pytest.approx(0.25, abs=0.01)


def test_uniform_before_any_progress() -> None:
    teacher = LearningProgress(DiscreteSpace(5))
    np.testing.assert_allclose(teacher.task_probabilities(), np.full(5, 0.2))
    teacher.update(2, {"success": False})
    np.testing.assert_allclose(teacher.task_probabilities(), np.full(5, 0.2))


def test_tracks_the_task_being_learned() -> None:
    # Task 3 goes from failing to succeeding; the others never change: task 3 dominates.
    teacher = LearningProgress(DiscreteSpace(6), seed=0)
    for task in range(6):
        teacher.update(task, {"success": False})
    for _ in range(10):
        teacher.update(3, {"success": True})
    probs = teacher.task_probabilities()
    assert int(np.argmax(probs)) == 3 and probs[3] == pytest.approx(0.75 + 0.25 / 6)


def test_episode_return_signal_needs_normalised_returns() -> None:
    teacher = LearningProgress(DiscreteSpace(3), signal="episode_return")
    assert teacher.requires == frozenset({"episode_return"})
    teacher.update(1, 0.4)
    assert teacher.p_fast_[1] == pytest.approx(0.4)
    with pytest.raises(ValueError, match=r"episode_return=1\.5 lies outside \[0, 1\]"):
        teacher.update(1, 1.5)
    with pytest.raises(ValueError, match="success"):
        LearningProgress(DiscreteSpace(3)).update(1, 0.4)  # signal="success" needs the flag
    teacher.update(1, Feedback(episode_return=0.0, success=True))
    assert teacher.p_last_[1] == 0.0


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"signal": "reward"}, "signal"),
        ({"ema_alpha": 0.0}, "ema_alpha"),
        ({"p_theta": 1.0}, "p_theta"),
        ({"uniform_mix": -0.1}, "uniform_mix"),
    ],
)
def test_invalid_parameters(params: dict[str, object], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        LearningProgress(DiscreteSpace(3), **params).sample()  # type: ignore[arg-type]


def test_needs_a_discrete_space_and_is_registered() -> None:
    with pytest.raises(TypeError, match="DiscreteSpace"):
        LearningProgress(BoxSpace([0.0], [1.0])).sample()  # type: ignore[arg-type]
    assert isinstance(make_teacher("learning_progress", DiscreteSpace(4)), LearningProgress)
