"""The contract suite fails teachers that break its rules."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import pytest

from autocurriculum.teachers import BoxSpace, Feedback, Lesson, Teacher
from autocurriculum.teachers.contract import (
    ContractError,
    check_pickle_roundtrip,
    check_same_seed_same_lessons,
    check_state_dict_roundtrip,
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
