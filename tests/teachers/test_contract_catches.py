"""The contract suite fails teachers that break its rules."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import pytest

from autocurriculum.teachers import BoxSpace, Feedback, Lesson, Random, Teacher
from autocurriculum.teachers.contract import (
    ALL_CHECKS,
    QUICK_CHECKS,
    ContractError,
    builtin_examples,
    check_failed_load_leaves_teacher_untouched,
    check_pickle_roundtrip,
    check_same_seed_same_lessons,
    check_state_dict_roundtrip,
    check_states_from_other_parameters,
    check_teacher,
)

BOX = BoxSpace([0.0], [1.0])


class Counter(Teacher):
    """Proposes tasks drifting with the number of updates; forgets the counter in its state_dict."""

    name: ClassVar[str] = "counter"

    def _init_state(self) -> None:
        self.count_ = 0

    def _sample(self) -> tuple[Any, str, dict[str, Any]]:
        return np.array([(self.count_ % 97) / 97]), "drift", {}

    def _update(self, lesson: Lesson, feedback: Feedback) -> None:
        self.count_ += 1


class GlobalRandom(Teacher):
    """Draws from a generator it does not own (and cannot checkpoint)."""

    name: ClassVar[str] = "global_random"
    _shared = np.random.default_rng()

    def _sample(self) -> tuple[Any, str, dict[str, Any]]:
        return self._shared.random(1), "random", {}

    def _update(self, lesson: Lesson, feedback: Feedback) -> None:
        pass


def test_forgotten_state_is_caught() -> None:
    with pytest.raises(ContractError, match="after state_dict/load_state_dict, lesson 0 differs"):
        check_state_dict_roundtrip(Counter(BOX, seed=0))
    check_pickle_roundtrip(Counter(BOX, seed=0))  # pickling copies everything, so this one passes


def test_unowned_randomness_is_caught() -> None:
    with pytest.raises(ContractError, match="same seed, different lessons"):
        check_same_seed_same_lessons(GlobalRandom(BOX, seed=0))
    with pytest.raises(ContractError, match="GlobalRandom fails"):
        check_teacher(GlobalRandom(BOX, seed=0))


# ---------------------------------------------------------------------- states, loads and malformed input
class NanState(Teacher):
    """Keeps a running statistic that is NaN until the first report: a legitimate NaN in its state."""

    name: ClassVar[str] = "nan_state"

    def _init_state(self) -> None:
        self.last_ = np.full(2, np.nan)

    def _sample(self) -> tuple[Any, str, dict[str, Any]]:
        return self.rng_.random(1), "random", {}

    def _update(self, lesson: Lesson, feedback: Feedback) -> None:
        self.last_ = np.array([feedback.episode_return or 0.0, np.nan])

    def _get_state(self) -> dict[str, Any]:
        return {"last": self.last_.copy()}

    def _set_state(self, state: dict[str, Any]) -> None:
        self.last_ = self._state_reader(state).array("last", "f", (2,), finite=False)


class Forgetful(Counter):
    """Saves its counter but does not restore it."""

    name: ClassVar[str] = "forgetful"

    def _get_state(self) -> dict[str, Any]:
        return {"count": self.count_}

    def _set_state(self, state: dict[str, Any]) -> None:
        pass


class Lenient(Random):
    """Accepts any lesson without the base class's checks."""

    name: ClassVar[str] = "lenient"

    def _coerce_lesson(self, lesson: Any) -> Lesson:
        return lesson if isinstance(lesson, Lesson) else Lesson(task=lesson)


class PartialLoad(Counter):
    """Writes its counter before the base class checks the state (a non-atomic load)."""

    name: ClassVar[str] = "partial_load"

    def _get_state(self) -> dict[str, Any]:
        return {"count": self.count_}

    def _set_state(self, state: dict[str, Any]) -> None:
        self.count_ = int(state["count"])

    def load_state_dict(self, state: Any) -> None:
        self.count_ = -1
        super().load_state_dict(state)


class Buffer(Teacher):
    """A ring of ``size`` values whose _set_state takes any length: other parameters break it later."""

    name: ClassVar[str] = "buffer"

    def __init__(self, task_space: BoxSpace, *, size: int = 4, seed: int | None = None) -> None:
        super().__init__(task_space, seed=seed)
        self.size = size

    def _init_state(self) -> None:
        self.buf_ = np.zeros(self.size)

    def _sample(self) -> tuple[Any, str, dict[str, Any]]:
        return np.array([self.buf_[int(self.rng_.integers(self.size))]]), "ring", {}

    def _update(self, lesson: Lesson, feedback: Feedback) -> None:
        self.buf_[int(lesson.id or 0) % self.size] = feedback.episode_return

    def _get_state(self) -> dict[str, Any]:
        return {"buf": self.buf_.copy()}

    def _set_state(self, state: dict[str, Any]) -> None:
        self.buf_ = np.asarray(state["buf"])

    def example_feedback(self, lesson: Lesson, rng: np.random.Generator) -> Feedback:
        return Feedback(episode_return=float(rng.uniform()))


def test_a_nan_in_a_state_is_not_a_difference() -> None:
    check_state_dict_roundtrip(NanState(BOX, seed=0))
    check_failed_load_leaves_teacher_untouched(NanState(BOX, seed=0))


def test_a_state_that_does_not_come_back_is_named_by_its_key() -> None:
    with pytest.raises(ContractError, match=r"refused the teacher's own state_dict.*state\['state'\]\['count'\]"):
        check_state_dict_roundtrip(Forgetful(BOX, seed=0))


def test_lenient_lesson_checks_are_caught_by_the_quick_checks() -> None:
    with pytest.raises(
        ContractError, match=r"Lenient fails check_rejects_forged_lessons: update with a forged lesson.id"
    ):
        check_teacher(Lenient(BOX, seed=0), quick=True)


def test_a_non_atomic_load_is_caught() -> None:
    with pytest.raises(ContractError, match=r"changed the teacher|differs"):
        check_failed_load_leaves_teacher_untouched(PartialLoad(BOX, seed=0))


def test_a_state_from_other_parameters_that_breaks_the_teacher_is_caught() -> None:
    with pytest.raises(ContractError, match=r"Buffer\(.*size=2.*accepted, then the teacher failed \(IndexError"):
        check_states_from_other_parameters(Buffer(BOX, size=4, seed=0))


def test_the_quick_checks_pass_the_built_in_teachers_and_are_a_subset() -> None:
    assert {c.__name__ for c in QUICK_CHECKS} <= {c.__name__ for c in ALL_CHECKS}
    for teacher in builtin_examples():
        check_teacher(teacher, quick=True)


class Crashing(Random):
    """Raises something other than ValueError/TypeError when it samples."""

    name: ClassVar[str] = "crashing"

    def _sample(self) -> tuple[Any, str, dict[str, Any]]:
        raise RuntimeError("boom")


def test_a_crash_inside_a_check_is_a_contract_error_and_the_teacher_is_not_touched() -> None:
    teacher = Crashing(BOX, seed=0)
    with pytest.raises(ContractError, match=r"Crashing fails check_samples_in_space: it raised RuntimeError: boom"):
        check_teacher(teacher, quick=True)
    assert not hasattr(teacher, "rng_")  # the checks work on clones
