"""PLR, Robust PLR and ACCEL over structured levels: replayed levels are levels, edits are level edits."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from autocurriculum.teachers import PLR, Feedback, MazeLevel, MazeLevelSpace, Teacher
from autocurriculum.teachers.contract import parametrize_with_checks

SPACE = MazeLevelSpace(size=5, max_walls=6)

CONTRACT_TEACHERS: list[Teacher] = [
    PLR(SPACE, buffer_size=20, replay_prob=0.5, seed=0),
    PLR.from_preset("robust_plr", SPACE, buffer_size=10, seed=1),
    PLR.from_preset("accel", SPACE, buffer_size=10, seed=2),
]


@parametrize_with_checks(CONTRACT_TEACHERS)
def test_plr_on_levels_contract(teacher: Teacher, check: Any) -> None:
    check(teacher)


def _run(teacher: PLR, n: int) -> list:
    lessons = []
    for i in range(n):
        lesson = teacher.sample()
        lessons.append(lesson)
        teacher.update(lesson, Feedback(score=float(len(lesson.task.walls)) + 0.01 * i))
    return lessons


def test_replayed_levels_are_the_admitted_levels() -> None:
    teacher = PLR(SPACE, buffer_size=8, replay_prob=0.9, min_fill=1.0, seed=0)
    lessons = _run(teacher, 60)
    new = {lesson.info["level"]: lesson.task for lesson in lessons if lesson.origin == "new"}
    replays = [lesson for lesson in lessons if lesson.origin == "replay"]
    assert replays, "the buffer filled, so some lessons must be replays"
    for lesson in replays:
        assert isinstance(lesson.task, MazeLevel)
        assert lesson.task == new[lesson.info["level"]]


def test_accel_children_are_edits_of_the_replayed_parent() -> None:
    teacher = PLR.from_preset("accel", SPACE, buffer_size=6, num_edits=1, seed=3)
    lessons = _run(teacher, 80)
    by_level = {lesson.info["level"]: lesson.task for lesson in lessons}
    edits = [lesson for lesson in lessons if lesson.origin == "edit"]
    assert edits
    for child in edits:
        parent = by_level[child.info["parent"]]
        assert child.task in SPACE and child.info["train"] is False
        changed = (set(child.task.walls) ^ set(parent.walls)) or (child.task.goal != parent.goal)
        assert changed and child.task.agent == parent.agent
        assert child.info["generation"] >= 1


def test_state_holds_level_encodings_and_round_trips() -> None:
    teacher = PLR.from_preset("accel", SPACE, buffer_size=6, seed=4)
    _run(teacher, 30)
    state = teacher.state_dict()
    tasks = state["state"]["tasks"]
    assert isinstance(tasks, np.ndarray) and tasks.dtype == np.int64 and tasks.shape[1] == SPACE.encoding_length
    clone = PLR.from_preset("accel", SPACE, buffer_size=6, seed=99)
    clone.load_state_dict(state)
    assert [clone.sample() for _ in range(20)] == [teacher.sample() for _ in range(20)]


def test_box_only_parameters_still_guard_discrete_spaces() -> None:
    from autocurriculum.teachers import DiscreteSpace

    with pytest.raises(ValueError, match="edit_prob"):
        PLR(DiscreteSpace(5), edit_prob=0.5).setup()


def test_loading_a_state_with_an_invalid_level_encoding_fails() -> None:
    teacher = PLR(SPACE, buffer_size=6, seed=5)
    _run(teacher, 10)
    state = teacher.state_dict()
    state["state"]["tasks"][0, 0] = state["state"]["tasks"][0, 1]  # goal on the agent's cell
    with pytest.raises(ValueError, match=r"state\['state'\]\['tasks'\]\[0\]\[1\]"):
        PLR(SPACE, buffer_size=6, seed=5).load_state_dict(state)
