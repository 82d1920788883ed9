"""The Teacher base class: lessons, feedback validation, out-of-order updates, checkpoints."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from autocurriculum.teachers import ALPGMM, BoxSpace, Feedback, Lesson, Random, make_teacher

BOX = BoxSpace([0.0, 0.0], [1.0, 1.0])


def test_lessons_carry_ids_and_origins() -> None:
    t = Random(BOX, seed=0)
    lessons = [t.sample() for _ in range(3)]
    assert [x.id for x in lessons] == [0, 1, 2]
    assert all(x.origin == "random" for x in lessons)


def test_feedback_coercion() -> None:
    assert Feedback.coerce(2).episode_return == 2.0
    fb = Feedback.coerce({"score": 0.5, "extras": {"val_acc": 0.9}})
    assert fb.score == 0.5 and fb.extras == {"val_acc": 0.9}
    with pytest.raises(ValueError, match=r"unknown fields \['retrun'\]"):
        Feedback.coerce({"retrun": 1.0})
    with pytest.raises(TypeError, match="expected a Feedback"):
        Feedback.coerce("1.0")
    with pytest.raises(ValueError, match=r"feedback.extras\['acc'\]: got inf"):
        Feedback.coerce({"extras": {"acc": float("inf")}})


def test_required_feedback_is_named() -> None:
    t = ALPGMM(BOX, seed=0)
    lesson = t.sample()
    with pytest.raises(ValueError, match=r"feedback lacks \['episode_return'\]"):
        t.update(lesson, {"score": 1.0})


def test_external_tasks_are_accepted_and_checked() -> None:
    t = ALPGMM(BOX, seed=0)
    t.update([0.5, 0.5], 0.3)
    assert t.n_updates_ == 1
    with pytest.raises(ValueError, match="lies outside its bounds"):
        t.update([1.5, 0.5], 0.3)


def test_unknown_lesson_id_rejected() -> None:
    t = Random(BOX, seed=0)
    lesson = t.sample()
    with pytest.raises(ValueError, match="lesson.id: 5 was never sampled"):
        t.update(replace(lesson, id=5), 0.0)
    with pytest.raises(ValueError, match="carries no teacher_uid"):
        t.update(Lesson(task=np.array([0.1, 0.1]), id=0), 0.0)


def test_state_dict_rejects_other_teacher_or_space() -> None:
    a = Random(BOX, seed=0)
    with pytest.raises(ValueError, match="belongs to"):
        ALPGMM(BOX, seed=0).load_state_dict(a.state_dict())
    other = Random(BoxSpace([0.0], [2.0]), seed=0)
    with pytest.raises(ValueError, match="saved task space"):
        other.load_state_dict(a.state_dict())


def test_constructor_validates_nothing_setup_does() -> None:
    t = ALPGMM(BOX, fit_rate=1)  # stored, not validated
    with pytest.raises(ValueError, match=r"ALPGMM.fit_rate: expected an integer >= 2, got 1"):
        t.sample()


def test_make_teacher_suggests_names() -> None:
    with pytest.raises(ValueError, match=r"unknown name 'alpgmm' \(did you mean 'alp_gmm'\?\)"):
        make_teacher("alpgmm", BOX)
    with pytest.raises(ValueError, match=r"unknown parameter 'fit_rat' \(did you mean 'fit_rate'\?\)"):
        make_teacher("alp_gmm", BOX, fit_rat=3)
    t = make_teacher("alp_gmm", BOX, preset="teachmyagent", seed=1)
    assert t.fit_rate == 150 and t.random_task_ratio == 0.05 and tuple(t.potential_ks) == tuple(range(2, 10))


def test_random_gaussian_initial_distribution() -> None:
    t = Random(BOX, initial_mean=[0.2, 0.8], seed=0)
    tasks = np.array([t.sample().task for _ in range(3000)])
    np.testing.assert_allclose(tasks.mean(axis=0), [0.2, 0.8], atol=0.01)
    np.testing.assert_allclose(tasks.std(axis=0), [0.1, 0.1], atol=0.01)
    with pytest.raises(ValueError, match="without initial_mean"):
        Random(BOX, initial_std=0.1).sample()
