"""Reports that break the protocol are refused with the rule, the field and the value (issue 10, point 10)."""

from __future__ import annotations

import pickle
from dataclasses import replace
from typing import Any

import numpy as np
import pytest

from autocurriculum.teachers import PLR, BoxSpace, Feedback, Lesson, Teacher
from autocurriculum.teachers.contract import _drive, _fields, builtin_examples
from autocurriculum.teachers.validation import state_difference

EXAMPLES = builtin_examples()
IDS = [type(t).__name__ for t in EXAMPLES]


def setup_teacher(teacher: Teacher) -> tuple[Teacher, Lesson, Feedback]:
    t = teacher.clone()
    _drive(t, 15, np.random.default_rng(0))
    lesson = t.sample()
    return t, lesson, t.example_feedback(lesson, np.random.default_rng(1))


def refused(t: Teacher, lesson: Any, feedback: Any, exc: type[Exception], match: str) -> None:
    """The report raises ``exc`` matching ``match`` and changes nothing in the teacher."""
    before = t.state_dict()
    with pytest.raises(exc, match=match):
        t.update(lesson, feedback)
    assert state_difference(before, t.state_dict()) is None


@pytest.mark.parametrize("teacher", EXAMPLES, ids=IDS)
def test_a_lesson_takes_one_report_unless_the_teacher_says_many(teacher: Teacher) -> None:
    t, lesson, fb = setup_teacher(teacher)
    t.update(lesson, fb)
    if t.reports_per_lesson == "one":
        refused(
            t, lesson, fb, ValueError, rf"lesson.id: lesson {lesson.id} was already reported; .* one report per lesson"
        )
    else:
        t.update(lesson, fb)  # PLR: several episodes on one level each update its score
    # external lessons carry no id and may be reported again and again
    external = Lesson(task=lesson.task)
    t.update(external, fb)
    t.update(external, fb)


def test_plr_applies_every_report_of_a_lesson() -> None:
    t = PLR(BoxSpace([0.0], [1.0]), buffer_size=5, alpha=0.5, replay_prob=0.0, seed=0)
    lesson = t.sample()
    t.update(lesson, Feedback(score=1.0))
    t.update(lesson, Feedback(score=0.0))
    assert t.scores_[0] == 0.5


@pytest.mark.parametrize("teacher", EXAMPLES, ids=IDS)
def test_lessons_of_another_teacher_and_forged_lessons_are_refused(teacher: Teacher) -> None:
    t, lesson, fb = setup_teacher(teacher)
    other, foreign, _ = setup_teacher(teacher)  # same parameters and seed, another instance
    refused(t, foreign, fb, ValueError, r"lesson.teacher_uid: lesson int \d+ was issued by another teacher")
    refused(
        t, Lesson(task=lesson.task, id=0), fb, ValueError, r"lesson.id: got 0 on a lesson that carries no teacher_uid"
    )
    for forged in (True, 1.5, "0", np.float64(0.0)):
        refused(t, replace(lesson, id=forged), fb, TypeError, r"lesson.id: expected an integer .* got (bool|float|str)")
    refused(t, replace(lesson, id=10**6), fb, ValueError, "lesson.id: 1000000 was never sampled")
    refused(t, replace(lesson, info=None), fb, TypeError, "lesson.info: expected a mapping .* got NoneType None")
    refused(t, replace(lesson, origin=None), fb, TypeError, "lesson.origin: expected a string")
    if t.reports_per_lesson == "one":
        refused(t, replace(lesson, origin="forged"), fb, ValueError, "differs from the lesson this .* issued")
        refused(t, replace(lesson, info={**lesson.info, "forged": 1}), fb, ValueError, "differs from the lesson")
    t.update(lesson, fb)  # the real lesson is still accepted after all that


@pytest.mark.parametrize("teacher", EXAMPLES, ids=IDS)
def test_malformed_feedback_is_refused(teacher: Teacher) -> None:
    t, lesson, fb = setup_teacher(teacher)
    good = _fields(fb)
    cases: list[tuple[dict[str, Any], type[Exception], str]] = [
        ({"episode_return": 10**400}, ValueError, r"feedback.episode_return: got int of 1329 bits.*too large"),
        ({"score": -(10**400)}, ValueError, r"feedback.score: .*too large"),
        ({"episode_return": np.array("0.5")}, TypeError, r"feedback.episode_return: expected a real number, got array"),
        ({"score": "0.5"}, TypeError, r"feedback.score: expected a real number, got str '0.5'"),
        ({"episode_return": True}, TypeError, r"feedback.episode_return: expected a real number, got bool"),
        ({"score": np.array([0.5, 0.5])}, ValueError, r"feedback.score: expected one number"),
        ({"score": 1 + 2j}, TypeError, r"feedback.score: expected a real number, got complex"),
        ({"success": np.array([True, False])}, ValueError, r"feedback.success: expected one bool, got array"),
        ({"success": "yes"}, TypeError, r"feedback.success: expected a bool"),
        ({"success": 0.5}, TypeError, r"feedback.success: expected a bool"),
        ({"losses": np.array([True, False])}, TypeError, r"feedback.losses: expected real numbers, got dtype bool"),
        ({"losses": np.array([1 + 1j, 2])}, TypeError, r"feedback.losses: expected real numbers, got dtype complex"),
        ({"losses": ["0.5", 1.0]}, TypeError, r"feedback.losses: expected real numbers, got an element str"),
        ({"losses": [10**400]}, ValueError, r"feedback.losses: an element \(int of 1329 bits"),
        ({"losses": np.array(0.5)}, ValueError, r"feedback.losses: expected a 1-D array"),
        ({"length": True}, TypeError, r"feedback.length: expected a non-negative integer"),
        ({"length": -1}, ValueError, r"feedback.length: got int -1"),
        ({"trajectories": [np.full((3, 2), np.inf)]}, ValueError, r"feedback.trajectories\[0\]: contains non-finite"),
        ({"trajectories": [np.ones((3, 2), dtype=complex)]}, TypeError, r"feedback.trajectories\[0\]: .*complex"),
        ({"trajectories": "abc"}, TypeError, r"feedback.trajectories: expected a sequence"),
        ({"extras": {"acc": np.nan}}, ValueError, r"feedback.extras\['acc'\]: got nan"),
        ({"extras": {"acc": 10**400}}, ValueError, r"feedback.extras\['acc'\]: .*too large"),
        ({"extras": {1: 0.5}}, TypeError, r"feedback.extras: keys must be strings, got the key int 1"),
        ({"extras": {"ok": True}}, TypeError, r"feedback.extras\['ok'\]: expected a real number, got bool"),
        ({"extras": None}, TypeError, r"feedback.extras: expected a mapping"),
    ]
    for change, exc, match in cases:
        refused(t, lesson, Feedback(**{**good, **change}), exc, match)
        refused(t, lesson, {**{k: v for k, v in good.items() if v is not None}, **change}, exc, match)
    refused(t, lesson, 10**400, ValueError, "feedback.episode_return")
    refused(t, lesson, np.array("0.5"), TypeError, "feedback: expected a Feedback")
    refused(t, lesson, None, TypeError, "feedback: expected a Feedback")
    t.update(lesson, fb)


def test_zero_d_numeric_feedback_counts_as_the_number() -> None:
    space = BoxSpace([0.0], [1.0])
    a, b = (PLR(space, buffer_size=4, seed=0) for _ in range(2))
    la, lb = a.sample(), b.sample()
    a.update(la, Feedback(score=np.array(0.25), success=np.array(True), length=np.array(3)))
    b.update(lb, Feedback(score=0.25, success=True, length=3))
    assert (
        state_difference(
            {k: v for k, v in a.state_dict().items() if k != "uid"},
            {k: v for k, v in b.state_dict().items() if k != "uid"},
        )
        is None
    )


def test_a_resumed_teacher_recognises_its_outstanding_lessons() -> None:
    t = builtin_examples()[1]  # ALP-GMM
    lessons = [t.sample() for _ in range(3)]
    t.update(lessons[0], 0.5)
    restored = t.clone(seed=9)
    restored.load_state_dict(pickle.loads(pickle.dumps(t.state_dict())))
    restored.update(lessons[2], 0.5)
    restored.update(lessons[1], 0.5)
    with pytest.raises(ValueError, match="already reported"):
        restored.update(lessons[0], 0.5)
    with pytest.raises(ValueError, match="another teacher"):
        t.clone().update(lessons[1], 0.5)
