"""The student side of the protocol, as the experiment runner sees it.

A :class:`Student` takes lessons from a teacher, trains on them, reports feedback to the teacher,
and can be evaluated, checkpointed and resumed. Its budget is counted in one unit
(:attr:`Student.unit`: environment ``"steps"``, ``"episodes"``, ``"epochs"`` or sample
``"presentations"``), so that the runner can interleave training, evaluation, logging and
checkpoints at the right moments without knowing what kind of learner it drives.
"""

from __future__ import annotations

import abc
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any, ClassVar

from autocurriculum.teachers.base import Feedback, Lesson, Teacher
from autocurriculum.teachers.spaces import TaskSpace

__all__ = ["EpisodeRecord", "Student"]


@dataclass
class EpisodeRecord:
    """One lesson taken and the feedback it produced, for logging."""

    lesson: Lesson
    feedback: Feedback
    progress: int


class Student(abc.ABC):
    """A learner the experiment runner can drive.

    Subclasses implement :attr:`task_space`, :meth:`learn`, :meth:`evaluate`, :attr:`progress`, :meth:`state_dict`
    and :meth:`load_state_dict`, and set :attr:`unit` and :attr:`name`.
    """

    name: ClassVar[str] = ""
    unit: ClassVar[str] = "steps"

    @property
    @abc.abstractmethod
    def task_space(self) -> TaskSpace:
        """The space of lessons this student can take (the teacher is built over it)."""

    @property
    @abc.abstractmethod
    def progress(self) -> int:
        """Units of budget used so far."""

    @abc.abstractmethod
    def learn(self, teacher: Teacher, amount: int) -> list[EpisodeRecord]:
        """Train for at least ``amount`` more units with lessons from ``teacher``.

        Every finished lesson is reported to the teacher with ``teacher.update`` and returned.
        """

    @abc.abstractmethod
    def evaluate(self) -> dict[str, float]:
        """Evaluation metrics (for RL students: ``mastered_percent`` and ``mean_return``)."""

    @abc.abstractmethod
    def state_dict(self) -> dict[str, Any]:
        """Everything needed to continue training exactly (picklable)."""

    @abc.abstractmethod
    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore :meth:`state_dict`."""

    def bind(self, teacher: Teacher) -> None:  # noqa: B027 - optional hook
        """Attach the run's teacher before anything else (students that build environments around it)."""

    def teacher_defaults(self, accepted: Collection[str]) -> dict[str, Any]:
        """Teacher parameters this student supplies (for example difficulty ``scores``).

        ``accepted`` lists the teacher's constructor parameters; values set in the experiment file
        take precedence.
        """
        return {}

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release environments and worker processes."""
