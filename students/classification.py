"""A classification student for experiment files: a bundled data set, an MLP, a data curriculum.

Wraps :class:`~autocurriculum.students.supervised.SupervisedStudent` in the runner's
:class:`~autocurriculum.students.base.Student` interface. Its budget unit is sample *presentations* (one sample
seen once), so that curricula are compared at equal compute: ``budget: 30 * N`` is the compute of
30 full-data epochs. Every lesson is one epoch over the subset the teacher chooses; the runner's
checkpoints and evaluations fall on epoch boundaries, so a run may exceed its budget by less than
one epoch.

With ``scoring: reference`` the student trains a reference model of the same architecture
normally (score = 1 / loss, Hacohen & Weinshall 2019) and hands the scores to a data teacher that
takes a ``scores`` parameter (:meth:`teacher_defaults`); ``self_paced`` lets the teacher score
from the reported per-sample losses.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any, ClassVar

import numpy as np

from autocurriculum.students.base import EpisodeRecord, Student
from autocurriculum.students.datasets import load_dataset
from autocurriculum.students.difficulty import reference_scores
from autocurriculum.students.supervised import SupervisedStudent, mlp_factory
from autocurriculum.teachers.base import Teacher
from autocurriculum.teachers.spaces import SubsetSpace

__all__ = ["ClassificationStudent"]

SCORINGS = ("reference", "self_paced")


class ClassificationStudent(Student):
    """Train an MLP classifier on ``digits`` or ``noisy`` one teacher-chosen epoch at a time.

    Parameters
    ----------
    dataset:
        ``"digits"`` (scikit-learn's bundled digits) or ``"noisy"`` (generated, with label noise).
    dataset_params:
        Keyword arguments of the data set builder (``label_noise``, ``class_sep``, ...).
    hidden:
        Hidden layer widths of the MLP (default ``[128]``).
    lr, batch_size, optimizer, weight_decay:
        Optimiser settings (Adam, 1e-3, 32 by default).
    scoring:
        ``"reference"`` (default) or ``"self_paced"``.
    reference_epochs:
        Full-data epochs of the reference model (default 30).
    seed:
        Seed of the data split, the model and the reference model.
    """

    name: ClassVar[str] = "classification"
    unit: ClassVar[str] = "presentations"

    def __init__(
        self,
        dataset: str = "digits",
        dataset_params: dict[str, Any] | None = None,
        hidden: Sequence[int] = (128,),
        lr: float = 1e-3,
        batch_size: int = 32,
        optimizer: str = "adam",
        weight_decay: float = 0.0,
        scoring: str = "reference",
        reference_epochs: int = 30,
        seed: int = 0,
    ) -> None:
        if scoring not in SCORINGS:
            raise ValueError(f"scoring: got {scoring!r}; allowed: {list(SCORINGS)}")
        self.scoring = scoring
        self.reference_epochs = reference_epochs
        data_seed, model_seed, reference_seed = (
            int(s.generate_state(1)[0]) for s in np.random.SeedSequence(seed).spawn(3)
        )
        self.data = load_dataset(dataset, **{"seed": data_seed, **(dataset_params or {})})
        self.model_factory = mlp_factory(self.data.n_features, self.data.n_classes, hidden)
        self.optim = {"lr": lr, "batch_size": batch_size, "optimizer": optimizer, "weight_decay": weight_decay}
        self.reference_seed = reference_seed
        self.student = SupervisedStudent(
            self.model_factory,
            (self.data.X_train, self.data.y_train),
            (self.data.X_val, self.data.y_val),
            seed=model_seed,
            **self.optim,
        )
        self.student.setup()

    @property
    def task_space(self) -> SubsetSpace:
        return self.student.task_space()

    @property
    def progress(self) -> int:
        return self.student.n_presentations_

    def teacher_defaults(self, accepted: Collection[str]) -> dict[str, Any]:
        """``scores`` for data teachers that take them: reference-model scores, or ``None`` (self-paced)."""
        if "scores" not in accepted:
            return {}
        if self.scoring == "self_paced":
            return {"scores": None}
        scores = reference_scores(
            self.model_factory,
            (self.data.X_train, self.data.y_train),
            epochs=int(self.reference_epochs),
            seed=self.reference_seed,
            **self.optim,
        )
        return {"scores": scores}

    def learn(self, teacher: Teacher, amount: int) -> list[EpisodeRecord]:
        records = []
        start = self.progress
        while self.progress - start < amount:
            lesson = teacher.sample()
            feedback = self.student.train_epoch(lesson)
            teacher.update(lesson, feedback)
            records.append(EpisodeRecord(lesson, feedback, self.progress))
        return records

    def evaluate(self) -> dict[str, float]:
        result = self.student.evaluate()
        return {"val_accuracy": result["accuracy"], "val_loss": result["loss"]}

    def state_dict(self) -> dict[str, Any]:
        return self.student.state_dict()

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.student.load_state_dict(state)
