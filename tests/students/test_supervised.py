"""The supervised student: losses in lesson order, presentation counting, save/load, data sets, scoring."""

from __future__ import annotations

import pickle
from typing import Any

import numpy as np
import pytest
import torch
from torch import nn
from torch.utils.data import TensorDataset

from autocurriculum.students.datasets import load_dataset, load_digits_split, make_noisy_classification
from autocurriculum.students.difficulty import (
    check_ordering,
    check_scoring,
    function_scores,
    make_scores,
    reference_scores,
)
from autocurriculum.students.supervised import SupervisedStudent, init_parameters, mlp_factory, train
from autocurriculum.teachers import CyclicalCurriculum, Feedback, FullData, Lesson, PacingCurriculum, SubsetSpace
from autocurriculum.teachers.base import Teacher

torch.set_num_threads(1)


def _data(n: int = 60, d: int = 5, k: int = 3, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d)).astype(np.float32)
    y = rng.integers(0, k, size=n)  # random labels: per-sample losses differ a lot
    return X, y


def _student(seed: int = 0, **kw: Any) -> SupervisedStudent:
    X, y = _data()
    Xv, yv = _data(30, seed=1)
    kw.setdefault("batch_size", 8)
    return SupervisedStudent(mlp_factory(5, 3, hidden=(16,)), (X, y), (Xv, yv), seed=seed, **kw)


class Recorder(FullData):
    """A full-data teacher that keeps every lesson and feedback it receives (and proposes shuffled subsets)."""

    def _init_state(self) -> None:
        super()._init_state()
        self.received: list[tuple[np.ndarray, Feedback]] = []

    def _sample(self) -> tuple[Any, str, dict[str, Any]]:
        n = self.task_space.n
        size = int(self.rng_.integers(n // 2, n + 1))
        self.n_presented_ += size
        self.last_size_ = size
        return self.rng_.choice(n, size=size, replace=False), "recorder", {}

    def _update(self, lesson: Lesson, feedback: Feedback) -> None:
        self.received.append((np.asarray(lesson.task).copy(), feedback))


# ---------------------------------------------------------------------- losses in lesson order
def test_single_batch_losses_match_each_sample_in_lesson_order() -> None:
    student = _student(batch_size=1000, shuffle=True)
    lesson = np.random.default_rng(3).permutation(60)[:45]
    before = student.sample_losses(lesson)  # the model's losses before the step, in lesson order
    fb = student.train_epoch(lesson)
    np.testing.assert_allclose(fb.losses, before, rtol=1e-5)
    assert np.std(before) > 0.1  # distinct losses: a misalignment would show
    assert not np.allclose(fb.losses, np.sort(before))


def test_losses_reach_the_teacher_in_the_order_of_the_sample_indices() -> None:
    # Many shuffled minibatches and a negligible learning rate: every reported loss must be the
    # loss of the sample at the same position of the lesson.
    student = _student(lr=1e-12, shuffle=True, seed=4)
    teacher = Recorder(SubsetSpace(60), seed=0)
    expected = []
    for _ in range(3):
        lesson = teacher.sample()
        expected.append(student.sample_losses(lesson.task))
        teacher.update(lesson, student.train_epoch(lesson))
    for (task, fb), exp in zip(teacher.received, expected, strict=True):
        assert fb.losses.shape == task.shape
        np.testing.assert_allclose(fb.losses, exp, rtol=1e-4)
    assert student.n_steps_ > 3  # several minibatches per epoch


def test_feedback_extras_and_validation_metrics() -> None:
    student = _student()
    fb = student.train_epoch(np.arange(30))
    assert set(fb.extras) == {
        "train_loss",
        "train_accuracy",
        "data_fraction",
        "presentations",
        "val_loss",
        "val_accuracy",
    }
    assert fb.extras["data_fraction"] == 0.5
    assert fb.extras["train_loss"] == pytest.approx(fb.losses.mean())
    ev = student.evaluate()
    assert ev == {"loss": fb.extras["val_loss"], "accuracy": fb.extras["val_accuracy"]}
    assert 0.0 <= ev["accuracy"] <= 1.0


def test_student_learns_digits() -> None:
    data = load_digits_split(seed=0)
    student = SupervisedStudent(
        mlp_factory(64, 10), (data.X_train, data.y_train), (data.X_val, data.y_val), seed=0, batch_size=32
    )
    result = train(FullData(student.task_space(), seed=0), student, budget=3 * student.n_train)
    assert result.final_val_accuracy > 0.85
    assert result.column("val_accuracy")[0] < result.best_val_accuracy


# ---------------------------------------------------------------------- presentation counting
def test_presentations_are_counted_and_the_budget_is_exact() -> None:
    student = _student()
    student.train_epoch(np.arange(7))
    student.train_epoch(np.array([3, 1]))
    assert student.n_presentations_ == 9 and student.n_epochs_ == 2
    assert student.n_steps_ == 1 + 1  # batch size 8: 7 samples then 2 samples

    student = _student()
    teacher = PacingCurriculum(SubsetSpace(60), pacing="root", b=0.3, total_epochs=4, seed=0)
    result = train(teacher, student, budget=4 * 60 + 5)
    assert result.presentations == student.n_presentations_ == 245
    sizes = result.column("lesson_size")
    assert sizes.sum() == 245 and result.column("presentations")[-1] == 245
    assert result.column("truncated")[-1] == 1.0 and result.column("truncated")[:-1].sum() == 0
    assert "teacher/data_fraction" in result.history[0]


def test_ccl_spends_exactly_t_plain_epochs() -> None:
    student = _student()
    teacher = CyclicalCurriculum(SubsetSpace(60), total_epochs=3, seed=0)
    result = train(teacher, student, budget=3 * 60)
    assert result.column("lesson_size").tolist() == [15, 30, 60, 30, 15, 30]
    assert result.column("truncated").sum() == 0 and result.presentations == 180


def test_untruncated_last_lesson_may_exceed_the_budget() -> None:
    student = _student()
    result = train(FullData(SubsetSpace(60), seed=0), student, budget=70, truncate_last=False)
    assert result.presentations == 120 and len(result.history) == 2


def test_train_rejects_bad_arguments() -> None:
    student = _student()
    with pytest.raises(ValueError, match="budget"):
        train(FullData(SubsetSpace(60)), student, budget=0)
    with pytest.raises(ValueError, match="SubsetSpace"):
        train(FullData(SubsetSpace(61)), student, budget=10)
    with pytest.raises(ValueError, match="max_epochs"):
        train(FullData(SubsetSpace(60)), student, budget=600, max_epochs=2)


# ---------------------------------------------------------------------- save / load
def _run(teacher: Teacher, student: SupervisedStudent, epochs: int) -> list[tuple[np.ndarray, np.ndarray]]:
    out = []
    for _ in range(epochs):
        lesson = teacher.sample()
        fb = student.train_epoch(lesson)
        teacher.update(lesson, fb)
        out.append((lesson.task, fb.losses))
    return out


@pytest.mark.parametrize(
    "make_teacher",
    [
        lambda: CyclicalCurriculum(SubsetSpace(60), seed=1),
        lambda: PacingCurriculum(SubsetSpace(60), total_epochs=5, seed=1),
    ],
)
def test_save_load_mid_curriculum_continues_identically(make_teacher) -> None:
    from autocurriculum.experiments.checkpoints import decode, encode

    teacher, student = make_teacher(), _student(seed=0)
    _run(teacher, student, 4)
    checkpoint = encode({"teacher": teacher.state_dict(), "student": student.state_dict()})  # the runner's format
    after_original = _run(teacher, student, 5)

    restored_teacher, restored_student = make_teacher().clone(seed=99), _student(seed=99)
    saved = decode(checkpoint)
    restored_teacher.load_state_dict(saved["teacher"])
    restored_student.load_state_dict(saved["student"])
    after_restored = _run(restored_teacher, restored_student, 5)

    for (ta, la), (tb, lb) in zip(after_original, after_restored, strict=True):
        np.testing.assert_array_equal(ta, tb)
        np.testing.assert_array_equal(la, lb)
    for pa, pb in zip(student.model_.parameters(), restored_student.model_.parameters(), strict=True):
        assert torch.equal(pa, pb)
    assert restored_student.n_presentations_ == student.n_presentations_
    assert restored_student.n_epochs_ == student.n_epochs_ == 9


def test_state_dict_is_a_snapshot_and_pickles() -> None:
    student = _student()
    student.train_epoch(np.arange(60))
    state = student.state_dict()
    weights = state["model"]["0.weight"].clone()
    student.train_epoch(np.arange(60))
    assert torch.equal(state["model"]["0.weight"], weights)  # later training does not change a saved state
    pickle.loads(pickle.dumps(state))


def test_load_state_dict_rejects_foreign_states() -> None:
    student = _student()
    with pytest.raises(ValueError, match="belongs to"):
        student.load_state_dict({"student": "other.Student"})
    X, y = _data(50)
    other = SupervisedStudent(mlp_factory(5, 3, hidden=(16,)), (X, y), seed=0)
    with pytest.raises(ValueError, match="60 training samples"):
        other.load_state_dict(student.state_dict())


# ---------------------------------------------------------------------- seeding and inputs
def test_seeds_give_identical_or_different_initialisations() -> None:
    a, b, c = _student(seed=5), _student(seed=5), _student(seed=6)
    a.setup(), b.setup(), c.setup()
    for pa, pb in zip(a.model_.parameters(), b.model_.parameters(), strict=True):
        assert torch.equal(pa, pb)
    assert not torch.equal(next(a.model_.parameters()), next(c.model_.parameters()))


def test_factory_without_generator_is_reinitialised_from_the_seed() -> None:
    X, y = _data()

    def factory() -> nn.Module:
        return nn.Sequential(nn.Linear(5, 8), nn.ReLU(), nn.Linear(8, 3))

    a = SupervisedStudent(factory, (X, y), seed=1).setup()
    b = SupervisedStudent(factory, (X, y), seed=1).setup()
    assert all(torch.equal(p, q) for p, q in zip(a.model_.parameters(), b.model_.parameters(), strict=True))

    class Custom(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.w = nn.Parameter(torch.zeros(5, 3))

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return x @ self.w

    with pytest.raises(TypeError, match="generator="):
        SupervisedStudent(Custom, (X, y), seed=1).setup()
    with pytest.raises(TypeError, match="Custom"):
        init_parameters(Custom(), torch.Generator())


def test_dataset_input_matches_array_input() -> None:
    X, y = _data()
    arrays = SupervisedStudent(mlp_factory(5, 3), (X, y), seed=2, batch_size=8)
    dataset = SupervisedStudent(
        mlp_factory(5, 3), TensorDataset(torch.as_tensor(X), torch.as_tensor(y)), seed=2, batch_size=8
    )
    lesson = np.arange(0, 60, 2)
    np.testing.assert_allclose(arrays.train_epoch(lesson).losses, dataset.train_epoch(lesson).losses, rtol=1e-6)


@pytest.mark.parametrize(
    ("kwargs", "needle"),
    [
        ({"optimizer": "adamw"}, "optimizer: unknown value 'adamw'"),
        ({"lr": 0.0}, "lr"),
        ({"batch_size": 0}, "batch_size"),
        ({"momentum": 1.0}, "momentum"),
        ({"weight_decay": -0.1}, "weight_decay"),
    ],
)
def test_invalid_student_parameters(kwargs: dict[str, Any], needle: str) -> None:
    with pytest.raises(ValueError) as info:
        _student(**kwargs).setup()
    assert needle in str(info.value)


def test_invalid_lessons_and_data_are_rejected() -> None:
    student = _student()
    with pytest.raises(ValueError, match="distinct"):
        student.train_epoch(np.array([1, 1]))
    with pytest.raises(ValueError, match="outside"):
        student.train_epoch(np.array([60]))
    assert student.n_presentations_ == 0
    X, y = _data()
    with pytest.raises(ValueError, match="labels"):
        SupervisedStudent(mlp_factory(5, 3), (X, y.astype(float))).setup()
    with pytest.raises(ValueError, match="matching"):
        SupervisedStudent(mlp_factory(5, 3), (X[:10], y)).setup()
    with pytest.raises(TypeError, match="train_data"):
        SupervisedStudent(mlp_factory(5, 3), X).setup()


# ---------------------------------------------------------------------- data sets
def test_noisy_dataset_has_the_exact_noise_fraction_and_clean_validation() -> None:
    data = make_noisy_classification(n_samples=400, label_noise=0.25, seed=3)
    assert data.n_train == 300 and data.X_val.shape == (100, 20)
    assert data.noisy_train.sum() == 75
    clean = make_noisy_classification(n_samples=400, label_noise=0.0, seed=3)
    np.testing.assert_array_equal(clean.X_train, data.X_train)
    flipped = clean.y_train != data.y_train
    np.testing.assert_array_equal(flipped, data.noisy_train)  # every noisy label is wrong
    np.testing.assert_array_equal(clean.y_val, data.y_val)
    again = make_noisy_classification(n_samples=400, label_noise=0.25, seed=3)
    np.testing.assert_array_equal(again.y_train, data.y_train)
    with pytest.raises(ValueError, match="label_noise"):
        make_noisy_classification(label_noise=1.0)
    with pytest.raises(ValueError, match="class_sep"):
        make_noisy_classification(class_sep=0)


def test_digits_split() -> None:
    data = load_digits_split(val_fraction=0.2, seed=1)
    assert data.n_train + data.X_val.shape[0] == 1797 and data.n_features == 64
    assert 0.0 <= data.X_train.min() and data.X_train.max() <= 1.0
    assert set(np.unique(data.y_val)) == set(range(10))
    other = load_digits_split(seed=2)
    assert not np.array_equal(other.y_train, data.y_train)
    with pytest.raises(ValueError, match="dataset: unknown name 'mnist'"):
        load_dataset("mnist")


# ---------------------------------------------------------------------- difficulty scoring
def test_reference_scores_rank_noisy_labels_as_hard() -> None:
    data = make_noisy_classification(n_samples=400, label_noise=0.2, class_sep=2.0, seed=0)
    scores = reference_scores(
        mlp_factory(20, 4, hidden=(32,)), (data.X_train, data.y_train), epochs=20, seed=1, batch_size=32, lr=1e-2
    )
    assert scores.shape == (300,) and np.all(scores > 0)
    assert np.median(scores[data.noisy_train]) < np.median(scores[~data.noisy_train]) / 2


def test_scoring_options_and_user_function() -> None:
    X, y = _data()
    assert make_scores("self_paced") is None
    s = make_scores("function", fn=lambda X, y: -np.abs(X[:, 0]), train_data=(X, y))
    np.testing.assert_allclose(s, -np.abs(X[:, 0]))
    with pytest.raises(ValueError, match="scoring: unknown value 'selfpaced'"):
        check_scoring("selfpaced")
    with pytest.raises(ValueError, match="allowed: \\['curriculum', 'anti_curriculum', 'random'\\]"):
        check_ordering("easy_first")
    with pytest.raises(ValueError, match="one score per sample"):
        function_scores(lambda X, y: np.ones(3), X, y)
    with pytest.raises(ValueError, match="finite"):
        function_scores(lambda X, y: np.full(len(y), np.inf), X, y)
    with pytest.raises(TypeError, match="factory"):
        reference_scores(nn.Linear(5, 3), (X, y))


@pytest.mark.parametrize("hidden", [[float("inf")], [16.0], [0], [True], "16", 16])
def test_mlp_hidden_widths_are_positive_integers_or_a_clear_error(hidden: Any) -> None:
    with pytest.raises((ValueError, TypeError), match="hidden"):
        mlp_factory(5, 3, hidden=hidden)
