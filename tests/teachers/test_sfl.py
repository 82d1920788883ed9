"""SFL: probe rounds without gradients, learnability ranking, the top-K buffer, the training mix."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from autocurriculum.teachers import SFL, BoxSpace, DiscreteSpace, Feedback, MazeLevelSpace, Teacher
from autocurriculum.teachers.contract import parametrize_with_checks
from autocurriculum.teachers.sfl import learnability, top_learnable

MAZES = MazeLevelSpace(size=5, max_walls=6)

CONTRACT_TEACHERS: list[Teacher] = [
    SFL(MAZES, n_probe=6, probe_episodes=2, buffer_size=3, period=30, seed=0),
    SFL(BoxSpace([0.0, 0.0], [1.0, 2.0]), n_probe=5, probe_episodes=3, buffer_size=2, period=20, seed=1),
    SFL(DiscreteSpace(40), n_probe=8, probe_episodes=1, buffer_size=4, buffer_prob=1.0, period=10, seed=2),
]


@parametrize_with_checks(CONTRACT_TEACHERS)
def test_sfl_contract(teacher: Teacher, check: Any) -> None:
    check(teacher)


def test_learnability_ranks_half_solved_levels_first() -> None:
    rates = np.array([0.0, 1.0, 0.5, 0.75, 0.3, 0.5, 0.25])
    np.testing.assert_allclose(learnability(rates), [0.0, 0.0, 0.25, 0.1875, 0.21, 0.25, 0.1875])
    assert top_learnable(rates, 4).tolist() == [2, 5, 4, 3]  # ties keep the lower index first
    with pytest.raises(ValueError, match="rates in"):
        learnability([0.5, 1.5])


def _success_rate(task: Any) -> float:
    """A synthetic student on DiscreteSpace(100): level i is solved with probability i / 99."""
    return int(task) / 99


def _play(teacher: SFL, n: int, rng: np.random.Generator, length: int = 10) -> list:
    lessons = []
    for _ in range(n):
        lesson = teacher.sample()
        lessons.append(lesson)
        ok = bool(rng.random() < _success_rate(lesson.task))
        teacher.update(lesson, Feedback(success=ok, length=length))
    return lessons


def test_a_round_probes_every_level_then_keeps_the_most_learnable() -> None:
    teacher = SFL(DiscreteSpace(100), n_probe=60, probe_episodes=40, buffer_size=10, period=10_000, seed=0)
    rng = np.random.default_rng(0)
    lessons = _play(teacher, 60 * 40, rng)
    assert all(lesson.origin == "probe" and lesson.info["train"] is False for lesson in lessons)
    assert [lesson.info["index"] for lesson in lessons[:41]] == [0] * 40 + [1]
    probed = {lesson.info["index"]: int(lesson.task) for lesson in lessons}
    buffer = teacher.plot_data()
    kept = buffer["tasks"].tolist()
    assert len(kept) == 10 and set(kept) <= set(probed.values())
    # the kept levels have success rates near 0.5: learnability close to its maximum 0.25
    assert np.mean([_success_rate(t) * (1 - _success_rate(t)) for t in kept]) > 0.2
    assert np.all(np.diff(buffer["score"]) <= 0)
    m = teacher.metrics()
    assert m["probe_steps"] == 60 * 40 * 10 and m["probe_fraction"] == 1.0 and m["probing"] == 0.0


def test_training_mixes_buffer_and_random_levels_then_probes_again() -> None:
    teacher = SFL(DiscreteSpace(100), n_probe=20, probe_episodes=2, buffer_size=5, buffer_prob=0.5, period=1000, seed=1)
    rng = np.random.default_rng(1)
    _play(teacher, 40, rng)  # round 0
    kept = set(teacher.plot_data()["tasks"].tolist())
    training = _play(teacher, 100, rng, length=10)  # exactly `period` training steps
    origins = [lesson.origin for lesson in training]
    assert set(origins) == {"buffer", "random"} and all(lesson.info["train"] for lesson in training)
    assert 30 < origins.count("buffer") < 70
    assert all(int(lesson.task) in kept for lesson in training if lesson.origin == "buffer")
    nxt = teacher.sample()
    assert nxt.origin == "probe" and nxt.info["round"] == 1
    m = teacher.metrics()
    assert m["probe_steps"] == 400 and m["train_steps"] == 1000
    assert m["probe_fraction"] == pytest.approx(400 / 1400)


def test_reports_of_a_closed_round_are_ignored_and_counted() -> None:
    teacher = SFL(DiscreteSpace(50), n_probe=3, probe_episodes=1, buffer_size=2, period=5, seed=2)
    first = [teacher.sample() for _ in range(3)]
    for lesson in first[:2]:  # the third report never comes
        teacher.update(lesson, Feedback(success=True, length=1))
    training = teacher.sample()
    teacher.update(training, Feedback(success=False, length=5))
    second = teacher.sample()  # round 1 starts and closes round 0 with the two levels reported
    assert second.info["round"] == 1 and teacher.metrics()["buffer_levels"] == 2
    teacher.update(first[2], Feedback(success=True, length=1))
    assert teacher.metrics()["stale_probe_reports"] == 1


def test_state_round_trip_holds_level_encodings() -> None:
    teacher = SFL(MAZES, n_probe=8, probe_episodes=2, buffer_size=3, period=40, seed=3)
    rng = np.random.default_rng(3)
    for _ in range(25):
        lesson = teacher.sample()
        teacher.update(lesson, Feedback(success=bool(rng.random() < 0.5), length=4))
    state = teacher.state_dict()
    for key in ("buffer", "probe"):
        arr = state["state"][key]
        assert arr.dtype == np.int64 and arr.shape[1] == MAZES.encoding_length
    clone = SFL(MAZES, n_probe=8, probe_episodes=2, buffer_size=3, period=40, seed=99)
    clone.load_state_dict(state)
    assert [clone.sample() for _ in range(30)] == [teacher.sample() for _ in range(30)]


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"buffer_size": 10, "n_probe": 5}, "K <= n_probe"),
        ({"buffer_prob": 1.5}, "buffer_prob"),
        ({"period": 0}, "period"),
    ],
)
def test_bad_parameters_are_refused(params: dict, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        SFL(MAZES, **params).setup()
