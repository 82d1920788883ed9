"""Simulated students: learners without any neural network, for testing and comparing teachers.

:class:`UnlockGridStudent` drives the unlock grid (Portelas et al., CoRL 2019, the "toy
environment" of teachDeepRL; rules in :mod:`autocurriculum.environments.unlock_grid`) through the
:class:`~autocurriculum.students.base.Student` interface, so that teachers can be compared from YAML in seconds.
"""

from __future__ import annotations

from typing import Any, ClassVar

from autocurriculum.environments.unlock_grid import UnlockGrid
from autocurriculum.students.base import EpisodeRecord, Student
from autocurriculum.teachers.base import Feedback, Teacher
from autocurriculum.teachers.spaces import BoxSpace

__all__ = ["UnlockGridStudent"]


class UnlockGridStudent(Student):
    """One unlock-grid episode per lesson; evaluation is the % of cells mastered.

    Parameters
    ----------
    d:
        Task dimensions (default 2).
    n:
        Bins per dimension (default 10).
    """

    name: ClassVar[str] = "unlock_grid"
    unit: ClassVar[str] = "episodes"

    def __init__(self, d: int = 2, n: int = 10) -> None:
        self.d = d
        self.n = n
        self.grid = UnlockGrid(d, n)

    @property
    def task_space(self) -> BoxSpace:
        return self.grid.task_space

    @property
    def progress(self) -> int:
        return self.grid.n_episodes

    def learn(self, teacher: Teacher, amount: int) -> list[EpisodeRecord]:
        records = []
        for _ in range(amount):
            lesson = teacher.sample()
            reward = self.grid.play(lesson.task)
            feedback = Feedback(episode_return=reward, success=reward > 0.75, length=1)
            teacher.update(lesson, feedback)
            records.append(EpisodeRecord(lesson, feedback, self.grid.n_episodes))
        return records

    def evaluate(self) -> dict[str, float]:
        return {"mastered_percent": self.grid.mastered_percent()}

    def state_dict(self) -> dict[str, Any]:
        return self.grid.state_dict()

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.grid.load_state_dict(state)
