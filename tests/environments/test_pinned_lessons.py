"""PinnedLessons: each copy of a vector env replays its own lesson, episode after episode."""

from __future__ import annotations

import numpy as np
import pytest
from stable_baselines3.common.vec_env import DummyVecEnv

from autocurriculum.environments.task_wrapper import PinnedLessons, TaskVecEnv
from autocurriculum.teachers.base import Lesson
from tests.environments.countdown import SPACE, Countdown


def test_each_copy_replays_its_pinned_lesson_and_outcomes_are_kept_per_copy() -> None:
    source = PinnedLessons(SPACE)
    a, b = Lesson(task=np.array([2.0]), id=0), Lesson(task=np.array([3.0]), id=1)
    source.pin([a, b])
    env = TaskVecEnv(DummyVecEnv([Countdown] * 2), source)
    env.reset()
    for _ in range(12):
        _, _, _, infos = env.step(np.zeros(2, dtype=np.int64))
        assert infos[0]["lesson"] is a and infos[1]["lesson"] is b
        assert infos[0]["played"] == 2.0 and infos[1]["played"] == 3.0
    env.flush()  # outcomes reach the source while the next step runs, or on flush
    assert [fb.length for fb in source.outcomes[0]] == [2] * 6  # Countdown: task [n] lasts n steps
    assert [fb.length for fb in source.outcomes[1]] == [3] * 4
    # a new pin and a reset: every copy starts on its new lesson, old outcomes are forgotten
    c, d = Lesson(task=np.array([4.0]), id=2), Lesson(task=np.array([1.0]), id=3)
    source.pin([c, d])
    env.reset()
    _, _, _, infos = env.step(np.zeros(2, dtype=np.int64))
    env.flush()
    assert infos[0]["lesson"] is c and infos[1]["lesson"] is d
    assert source.outcomes == [[], [source.outcomes[1][0]]] and source.outcomes[1][0].length == 1


def test_pinned_lessons_errors_name_the_problem() -> None:
    source = PinnedLessons(SPACE)
    with pytest.raises(TypeError, match=r"lessons\[0\]"):
        source.pin([np.array([2.0])])  # type: ignore[list-item]
    with pytest.raises(ValueError, match=r"lessons\[0\].task"):
        source.pin([Lesson(task=np.array([99.0]))])
    with pytest.raises(IndexError, match="no pinned lesson"):
        source.lesson_for(0)
    with pytest.raises(RuntimeError, match="lesson_for"):
        source.sample()
