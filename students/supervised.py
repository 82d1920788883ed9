"""A supervised student: a PyTorch classifier trained one epoch at a time on a teacher's subset.

The student is the other half of a data curriculum. A data teacher works over a
:class:`~autocurriculum.teachers.spaces.SubsetSpace` of the ``N`` training samples; each lesson is the array of
sample indices to train on next. :meth:`SupervisedStudent.train_epoch` trains one pass over
those samples and returns a :class:`~autocurriculum.teachers.base.Feedback` whose ``losses`` are the
per-sample training losses *in the order of the lesson's indices* (for self-paced scoring) and
whose ``extras`` hold the validation loss and accuracy. :func:`train` runs the loop
``teacher.sample() -> student.train_epoch(lesson) -> teacher.update(lesson, feedback)`` until a
budget of sample presentations is spent, so that curricula are compared at equal compute.

The student owns its randomness: a :class:`torch.Generator` (parameter initialisation) and a
:class:`numpy.random.Generator` (the order of samples within an epoch), both seeded from
``seed``; it never touches torch's or numpy's global generators. Layers that draw random numbers
while training (dropout) use torch's global generator, which the student neither seeds nor
saves: use models without them when runs must repeat bit for bit.

Examples
--------
>>> from autocurriculum.students.datasets import load_digits_split
>>> from teachers import CyclicalCurriculum, SubsetSpace
>>> data = load_digits_split(seed=0)
>>> student = SupervisedStudent(mlp_factory(64, 10), (data.X_train, data.y_train),
...                             (data.X_val, data.y_val), seed=0)
>>> teacher = CyclicalCurriculum(SubsetSpace(student.n_train), total_epochs=2, seed=0)
>>> result = train(teacher, student, budget=2 * student.n_train)
>>> result.presentations == 2 * student.n_train
True
"""

from __future__ import annotations

import copy
import inspect
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F  # noqa: N812 - the usual name
from torch.utils.data import Dataset

from autocurriculum.teachers.base import Feedback, Lesson, Teacher
from autocurriculum.teachers.spaces import SubsetSpace
from autocurriculum.teachers.validation import is_int, is_number

__all__ = [
    "OPTIMIZERS",
    "SupervisedStudent",
    "TrainResult",
    "init_parameters",
    "mlp_factory",
    "train",
]

#: Optimisers the student can build by name.
OPTIMIZERS: tuple[str, ...] = ("adam", "sgd")

ModelSpec = nn.Module | Callable[..., nn.Module]
DataSpec = tuple[Any, Any] | Dataset


# ---------------------------------------------------------------------- models
def mlp_factory(n_inputs: int, n_classes: int, hidden: Sequence[int] = (128,)) -> Callable[..., nn.Module]:
    """A factory for a ReLU multilayer perceptron classifier ``n_inputs -> hidden -> n_classes``.

    The returned callable takes ``generator=`` (a :class:`torch.Generator`) and initialises the
    weights with it.
    """
    for name, v in (("n_inputs", n_inputs), ("n_classes", n_classes)):
        if not is_int(v) or v < 1:
            raise ValueError(f"{name}: got {v!r}; allowed: a positive integer")
    if isinstance(hidden, (str, bytes)) or not isinstance(hidden, Sequence):
        raise TypeError(f"hidden: got {hidden!r}; allowed: a sequence of positive integer layer widths")
    if not all(is_int(h) and h >= 1 for h in hidden):
        raise ValueError(f"hidden: got {list(hidden)!r}; allowed: positive integer layer widths")
    widths = [int(h) for h in hidden]

    def build(generator: torch.Generator | None = None) -> nn.Module:
        layers: list[nn.Module] = []
        prev = int(n_inputs)
        for h in widths:
            layers += [nn.Linear(prev, h), nn.ReLU()]
            prev = h
        layers.append(nn.Linear(prev, int(n_classes)))
        model = nn.Sequential(*layers)
        if generator is not None:
            init_parameters(model, generator)
        return model

    return build


_NO_PARAMS = (nn.ReLU, nn.Sequential, nn.Flatten, nn.Dropout, nn.Identity, nn.Tanh, nn.Sigmoid, nn.GELU)


def init_parameters(model: nn.Module, generator: torch.Generator) -> nn.Module:
    """Re-initialise ``model``'s layers with PyTorch's default schemes, drawing from ``generator``.

    Linear and convolution layers get ``kaiming_uniform_(a=sqrt(5))`` weights and
    ``U(-1/sqrt(fan_in), 1/sqrt(fan_in))`` biases (PyTorch's defaults); normalisation layers get
    ones and zeros; embeddings ``N(0, 1)``. A layer with parameters of another type raises
    ``TypeError``: give the student a factory that accepts ``generator=`` instead.
    """
    with torch.no_grad():
        for name, module in model.named_modules():
            own = list(module.parameters(recurse=False))
            if not own:
                continue
            if isinstance(module, (nn.Linear, nn.Conv1d, nn.Conv2d, nn.Conv3d)):
                nn.init.kaiming_uniform_(module.weight, a=math.sqrt(5), generator=generator)
                if module.bias is not None:
                    fan_in = module.weight[0].numel()
                    bound = 1.0 / math.sqrt(fan_in) if fan_in > 0 else 0.0
                    nn.init.uniform_(module.bias, -bound, bound, generator=generator)
            elif isinstance(module, (nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d, nn.LayerNorm, nn.GroupNorm)):
                if getattr(module, "weight", None) is not None:
                    nn.init.ones_(module.weight)
                if getattr(module, "bias", None) is not None:
                    nn.init.zeros_(module.bias)
            elif isinstance(module, nn.Embedding):
                nn.init.normal_(module.weight, generator=generator)
            else:
                raise TypeError(
                    f"model: layer {name or '<root>'!r} of type {type(module).__name__} has parameters the "
                    "student cannot seed; allowed: Linear, Conv1d/2d/3d, BatchNorm, LayerNorm, GroupNorm, "
                    "Embedding, or a model factory that accepts generator= and initialises itself"
                )
    return model


def _accepts_generator(factory: Callable[..., nn.Module]) -> bool:
    try:
        params = inspect.signature(factory).parameters
    except (TypeError, ValueError):
        return False
    return "generator" in params or any(p.kind is p.VAR_KEYWORD for p in params.values())


# ---------------------------------------------------------------------- data
class _Data:
    """Training or validation data: arrays held as tensors, or a torch Dataset of ``(x, y)`` pairs."""

    def __init__(self, data: DataSpec, name: str, device: torch.device) -> None:
        self.name = name
        self.dataset: Dataset | None = None
        self.X: torch.Tensor | None = None
        self.y: torch.Tensor | None = None
        if isinstance(data, Dataset):
            try:
                self.n = len(data)  # type: ignore[arg-type]
            except TypeError:
                raise TypeError(f"{name}: the Dataset must define __len__, got {type(data).__name__}") from None
            self.dataset = data
        elif isinstance(data, (tuple, list)) and len(data) == 2:
            X = torch.as_tensor(np.asarray(data[0]), dtype=torch.float32)
            y_arr = np.asarray(data[1])
            if y_arr.ndim != 1 or not np.issubdtype(y_arr.dtype, np.integer):
                raise ValueError(
                    f"{name}: labels must be a 1-D integer array of class ids, got dtype {y_arr.dtype} shape {y_arr.shape}"
                )
            if X.ndim < 2 or X.shape[0] != y_arr.shape[0]:
                raise ValueError(
                    f"{name}: X must have shape (n_samples, ...) matching {y_arr.shape[0]} labels, got {tuple(X.shape)}"
                )
            if not torch.isfinite(X).all():
                raise ValueError(f"{name}: X contains non-finite values")
            if y_arr.size and y_arr.min() < 0:
                raise ValueError(f"{name}: labels must be class ids >= 0, got {int(y_arr.min())}")
            self.X = X.to(device)
            self.y = torch.as_tensor(y_arr, dtype=torch.int64).to(device)
            self.n = int(y_arr.shape[0])
        else:
            raise TypeError(
                f"{name}: expected a pair (X, y) of arrays or a torch.utils.data.Dataset of (x, y) pairs, "
                f"got {type(data).__name__}"
            )
        if self.n < 1:
            raise ValueError(f"{name}: the data set is empty; allowed: at least one sample")
        self.device = device

    def batch(self, idx: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
        if self.X is not None and self.y is not None:
            t = torch.as_tensor(idx, dtype=torch.int64, device=self.device)
            return self.X[t], self.y[t]
        assert self.dataset is not None
        xs, ys = [], []
        for i in idx:
            item = self.dataset[int(i)]
            if not isinstance(item, (tuple, list)) or len(item) != 2:
                raise TypeError(f"{self.name}[{int(i)}]: expected an (x, y) pair, got {type(item).__name__}")
            xs.append(torch.as_tensor(item[0], dtype=torch.float32))
            ys.append(torch.as_tensor(item[1], dtype=torch.int64))
        return torch.stack(xs).to(self.device), torch.stack(ys).reshape(-1).to(self.device)


# ---------------------------------------------------------------------- the student
class SupervisedStudent:
    """Train a PyTorch classifier one epoch at a time on the samples a data teacher chooses.

    Parameters
    ----------
    model:
        An :class:`torch.nn.Module` (used as given), or a factory returning one. A factory that
        accepts ``generator=`` is called with the student's :class:`torch.Generator`; any other
        factory's model is re-initialised with it by :func:`init_parameters`. The model maps a
        batch of inputs to class logits.
    train_data:
        ``(X, y)`` arrays (``y`` integer class ids) or a :class:`torch.utils.data.Dataset` of
        ``(x, y)`` pairs. Lessons index into it.
    val_data:
        Validation data in the same forms, or ``None`` (no validation metrics).
    optimizer:
        ``"adam"`` (default) or ``"sgd"`` (with ``momentum``).
    lr:
        Learning rate (default ``1e-3``).
    weight_decay:
        L2 penalty of the optimiser (default 0).
    momentum:
        Momentum of SGD (default 0.9; ignored by Adam).
    batch_size:
        Minibatch size (default 32); the last batch of an epoch may be smaller.
    shuffle:
        Present a lesson's samples in a random order (default ``True``); ``False`` keeps the
        lesson's order. Losses are reported in the lesson's order either way.
    eval_batch_size:
        Batch size of evaluation passes (default 1024).
    device:
        Torch device (default ``"cpu"``).
    seed:
        Seed of the student's generators.

    Attributes
    ----------
    model_, optimizer_:
        The model and optimiser, built by :meth:`setup` (on first use).
    torch_generator_, rng_:
        The student's :class:`torch.Generator` and :class:`numpy.random.Generator`.
    n_presentations_:
        Sample presentations so far (each sample of each epoch counts once).
    n_epochs_, n_steps_:
        Epochs (lessons) trained and optimiser steps taken.
    """

    def __init__(
        self,
        model: ModelSpec,
        train_data: DataSpec,
        val_data: DataSpec | None = None,
        *,
        optimizer: str = "adam",
        lr: float = 1e-3,
        weight_decay: float = 0.0,
        momentum: float = 0.9,
        batch_size: int = 32,
        shuffle: bool = True,
        eval_batch_size: int = 1024,
        device: str = "cpu",
        seed: int | None = None,
    ) -> None:
        self.model = model
        self.train_data = train_data
        self.val_data = val_data
        self.optimizer = optimizer
        self.lr = lr
        self.weight_decay = weight_decay
        self.momentum = momentum
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.eval_batch_size = eval_batch_size
        self.device = device
        self.seed = seed

    # ------------------------------------------------------------------ set-up
    def setup(self) -> SupervisedStudent:
        """Validate the parameters, load the data and build model, optimiser and generators."""
        for name in ("batch_size", "eval_batch_size"):
            v = getattr(self, name)
            if not is_int(v) or v < 1:
                raise ValueError(f"{name}: got {v!r}; allowed: a positive integer")
        checks = (
            ("lr", lambda v: v > 0, "a finite number > 0"),
            ("weight_decay", lambda v: v >= 0, "a finite number >= 0"),
            ("momentum", lambda v: 0 <= v < 1, "a number in [0, 1)"),
        )
        for name, ok, allowed in checks:
            v = getattr(self, name)
            if not is_number(v):
                raise TypeError(f"{name}: expected a number, got {type(v).__name__} {v!r}")
            if not (math.isfinite(v) and ok(v)):
                raise ValueError(f"{name}: got {v!r}; allowed: {allowed}")
        if not isinstance(self.shuffle, (bool, np.bool_)):
            raise TypeError(f"shuffle: expected a bool, got {self.shuffle!r}")
        if not isinstance(self.optimizer, str) or self.optimizer not in OPTIMIZERS:
            raise ValueError(f"optimizer: unknown value {self.optimizer!r}; allowed: {list(OPTIMIZERS)}")
        if self.seed is not None and (not is_int(self.seed)):
            raise TypeError(f"seed: expected an integer or None, got {self.seed!r}")
        self.device_ = torch.device(self.device)
        self.train_ = _Data(self.train_data, "train_data", self.device_)
        self.val_ = None if self.val_data is None else _Data(self.val_data, "val_data", self.device_)

        seed_seq = np.random.SeedSequence(self.seed)
        torch_seed, numpy_seq = seed_seq.spawn(2)
        self.torch_generator_ = torch.Generator(device="cpu")
        self.torch_generator_.manual_seed(int(torch_seed.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1)))
        self.rng_ = np.random.default_rng(numpy_seq)

        self.model_ = self._build_model().to(self.device_)
        params = list(self.model_.parameters())
        if not params:
            raise ValueError("model: the model has no trainable parameters")
        if self.optimizer == "adam":
            self.optimizer_: torch.optim.Optimizer = torch.optim.Adam(
                params, lr=float(self.lr), weight_decay=float(self.weight_decay)
            )
        else:
            self.optimizer_ = torch.optim.SGD(
                params, lr=float(self.lr), momentum=float(self.momentum), weight_decay=float(self.weight_decay)
            )
        self.n_presentations_ = 0
        self.n_epochs_ = 0
        self.n_steps_ = 0
        self._is_setup = True
        return self

    def _build_model(self) -> nn.Module:
        if isinstance(self.model, nn.Module):
            return self.model
        if not callable(self.model):
            raise TypeError(f"model: expected an nn.Module or a factory returning one, got {self.model!r}")
        if _accepts_generator(self.model):
            built = self.model(generator=self.torch_generator_)
        else:
            built = self.model()
            if isinstance(built, nn.Module):
                init_parameters(built, self.torch_generator_)
        if not isinstance(built, nn.Module):
            raise TypeError(f"model: the factory returned {type(built).__name__}, expected an nn.Module")
        return built

    def _ensure_setup(self) -> None:
        if not getattr(self, "_is_setup", False):
            self.setup()

    @property
    def n_train(self) -> int:
        """Number of training samples ``N`` (the size of the teacher's SubsetSpace)."""
        self._ensure_setup()
        return self.train_.n

    def task_space(self) -> SubsetSpace:
        """The :class:`~autocurriculum.teachers.spaces.SubsetSpace` of this student's training samples."""
        return SubsetSpace(self.n_train)

    # ------------------------------------------------------------------ training
    def train_epoch(self, lesson: Lesson | Any) -> Feedback:
        """Train one pass over the lesson's samples and report what happened.

        Parameters
        ----------
        lesson:
            A :class:`~autocurriculum.teachers.base.Lesson` of a data teacher, or directly a 1-D array of
            distinct sample indices in ``[0, N)``.

        Returns
        -------
        Feedback
            ``losses``: the training loss of each sample, computed in the forward pass of the
            step that trained on it, in the order of the lesson's indices. ``extras``:
            ``train_loss`` (mean of ``losses``), ``train_accuracy``, ``data_fraction``,
            ``presentations`` (total so far) and, with validation data, ``val_loss`` and
            ``val_accuracy``.
        """
        self._ensure_setup()
        task = lesson.task if isinstance(lesson, Lesson) else lesson
        idx = SubsetSpace(self.train_.n).check(task, "lesson")
        order = self.rng_.permutation(idx.size) if self.shuffle else np.arange(idx.size)
        losses = np.empty(idx.size, dtype=np.float64)
        correct = 0
        self.model_.train()
        bs = int(self.batch_size)
        for start in range(0, idx.size, bs):
            pos = order[start : start + bs]
            x, y = self.train_.batch(idx[pos])
            logits = self.model_(x)
            per_sample = F.cross_entropy(logits, y, reduction="none")
            self.optimizer_.zero_grad(set_to_none=True)
            per_sample.mean().backward()
            self.optimizer_.step()
            losses[pos] = per_sample.detach().cpu().double().numpy()
            correct += int((logits.detach().argmax(dim=1) == y).sum())
            self.n_steps_ += 1
        if not np.all(np.isfinite(losses)):
            raise FloatingPointError(
                f"training diverged: {int((~np.isfinite(losses)).sum())} non-finite sample losses in epoch "
                f"{self.n_epochs_} (lower lr={self.lr!r})"
            )
        self.n_presentations_ += int(idx.size)
        self.n_epochs_ += 1
        extras = {
            "train_loss": float(losses.mean()),
            "train_accuracy": correct / idx.size,
            "data_fraction": idx.size / self.train_.n,
            "presentations": float(self.n_presentations_),
        }
        if self.val_ is not None:
            val_loss, val_acc = self._evaluate(self.val_)
            extras["val_loss"] = val_loss
            extras["val_accuracy"] = val_acc
        return Feedback(losses=losses, extras=extras)

    @torch.no_grad()
    def _evaluate(self, data: _Data) -> tuple[float, float]:
        self.model_.eval()
        total, correct = 0.0, 0
        for start in range(0, data.n, int(self.eval_batch_size)):
            x, y = data.batch(np.arange(start, min(start + int(self.eval_batch_size), data.n)))
            logits = self.model_(x)
            total += float(F.cross_entropy(logits, y, reduction="sum"))
            correct += int((logits.argmax(dim=1) == y).sum())
        return total / data.n, correct / data.n

    def evaluate(self, data: DataSpec | None = None) -> dict[str, float]:
        """Mean loss and accuracy on ``data`` (default: the validation data)."""
        self._ensure_setup()
        if data is None:
            if self.val_ is None:
                raise ValueError("evaluate: no data given and the student has no val_data")
            target = self.val_
        else:
            target = _Data(data, "data", self.device_)
        loss, acc = self._evaluate(target)
        return {"loss": loss, "accuracy": acc}

    @torch.no_grad()
    def sample_losses(self, indices: Any | None = None) -> np.ndarray:
        """Per-sample losses of the current model on training samples (all by default), in index order.

        Evaluation mode, no training: this is how a reference model scores difficulty.
        """
        self._ensure_setup()
        idx = np.arange(self.train_.n) if indices is None else SubsetSpace(self.train_.n).check(indices, "indices")
        self.model_.eval()
        out = np.empty(idx.size, dtype=np.float64)
        step = int(self.eval_batch_size)
        for start in range(0, idx.size, step):
            x, y = self.train_.batch(idx[start : start + step])
            out[start : start + step] = F.cross_entropy(self.model_(x), y, reduction="none").double().cpu().numpy()
        return out

    # ------------------------------------------------------------------ checkpoints
    def state_dict(self) -> dict[str, Any]:
        """Model, optimiser, both generators and the counters: everything to continue exactly."""
        self._ensure_setup()
        return {
            "student": f"{type(self).__module__}.{type(self).__qualname__}",
            "n_train": self.train_.n,
            "model": copy.deepcopy(self.model_.state_dict()),
            "optimizer": copy.deepcopy(self.optimizer_.state_dict()),
            "torch_rng": self.torch_generator_.get_state().clone(),
            "numpy_rng": copy.deepcopy(self.rng_.bit_generator.state),
            "n_presentations": self.n_presentations_,
            "n_epochs": self.n_epochs_,
            "n_steps": self.n_steps_,
        }

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Restore a :meth:`state_dict` into this student (built with the same model and data)."""
        expected = f"{type(self).__module__}.{type(self).__qualname__}"
        if not isinstance(state, Mapping) or state.get("student") != expected:
            got = state.get("student") if isinstance(state, Mapping) else type(state).__name__
            raise ValueError(f"load_state_dict: state belongs to {got!r}, not to {expected!r}")
        self._ensure_setup()
        if state["n_train"] != self.train_.n:
            raise ValueError(
                f"load_state_dict: the state was saved with {state['n_train']} training samples, "
                f"this student has {self.train_.n}"
            )
        self.model_.load_state_dict(copy.deepcopy(state["model"]))
        self.optimizer_.load_state_dict(copy.deepcopy(state["optimizer"]))
        self.torch_generator_.set_state(state["torch_rng"].clone())
        self.rng_.bit_generator.state = copy.deepcopy(state["numpy_rng"])
        self.n_presentations_ = int(state["n_presentations"])
        self.n_epochs_ = int(state["n_epochs"])
        self.n_steps_ = int(state["n_steps"])

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(optimizer={self.optimizer!r}, lr={self.lr!r}, batch_size={self.batch_size!r}, "
            f"shuffle={self.shuffle!r}, seed={self.seed!r})"
        )


# ---------------------------------------------------------------------- the loop
@dataclass
class TrainResult:
    """What :func:`train` did: one row of numbers per epoch, and summaries.

    ``history`` rows hold ``epoch``, ``lesson_size``, ``truncated`` (1.0 when the last lesson
    was cut to fit the budget), ``presentations`` and the student's feedback extras
    (``train_loss``, ``val_accuracy``, ...), plus the teacher's metrics prefixed ``teacher/``.
    """

    history: list[dict[str, float]] = field(default_factory=list)
    presentations: int = 0

    def column(self, key: str) -> np.ndarray:
        """One column of :attr:`history` as an array."""
        missing = [i for i, row in enumerate(self.history) if key not in row]
        if missing:
            keys = sorted(self.history[0]) if self.history else []
            raise KeyError(f"history has no {key!r} in epoch {missing[0]}; keys: {keys}")
        return np.array([row[key] for row in self.history], dtype=np.float64)

    @property
    def best_val_accuracy(self) -> float:
        """Highest validation accuracy over the epochs."""
        return float(self.column("val_accuracy").max())

    @property
    def final_val_accuracy(self) -> float:
        """Validation accuracy after the last epoch."""
        return float(self.column("val_accuracy")[-1])


def train(
    teacher: Teacher,
    student: SupervisedStudent,
    *,
    budget: int,
    truncate_last: bool = True,
    max_epochs: int | None = None,
    callback: Callable[[int, Lesson, Feedback], None] | None = None,
) -> TrainResult:
    """Run ``teacher.sample() -> student.train_epoch(lesson) -> teacher.update(lesson, feedback)``.

    Parameters
    ----------
    teacher:
        A data teacher over ``SubsetSpace(student.n_train)``.
    student:
        The student.
    budget:
        Stop once the student has had this many sample presentations *in this call*
        (``budget = T * N`` is the compute of ``T`` full-data epochs).
    truncate_last:
        If ``True`` (default) the last lesson is cut to the samples left in the budget (its first
        ones, in the teacher's order; the teacher is told about the samples actually trained
        on), so every method gets exactly ``budget`` presentations. If ``False`` the last lesson
        is trained in full and the total may exceed ``budget``.
    max_epochs:
        Optional cap on the number of epochs (``ValueError`` if it stops the run before the budget).
    callback:
        Called as ``callback(epoch, lesson, feedback)`` after every update.

    Returns
    -------
    TrainResult
    """
    if not is_int(budget) or budget < 1:
        raise ValueError(f"budget: got {budget!r}; allowed: a positive number of sample presentations")
    if max_epochs is not None and (not is_int(max_epochs) or max_epochs < 1):
        raise ValueError(f"max_epochs: got {max_epochs!r}; allowed: a positive integer or None")
    space = teacher.task_space
    if not isinstance(space, SubsetSpace) or space.n != student.n_train:
        raise ValueError(
            f"teacher.task_space: got {space!r}; the student needs SubsetSpace(n={student.n_train}) "
            "(one index per training sample)"
        )
    result = TrainResult()
    start = student.n_presentations_
    epoch = 0
    while student.n_presentations_ - start < budget:
        if max_epochs is not None and epoch >= max_epochs:
            raise ValueError(
                f"max_epochs: {max_epochs} epochs spent only {student.n_presentations_ - start} of the "
                f"budget of {budget} presentations; raise max_epochs or lower budget"
            )
        lesson = teacher.sample()
        left = budget - (student.n_presentations_ - start)
        size = int(np.asarray(lesson.task).shape[0])
        truncated = truncate_last and size > left
        if truncated:
            lesson = replace(lesson, task=np.asarray(lesson.task)[:left])
        feedback = student.train_epoch(lesson)
        teacher.update(lesson, feedback)
        row = {
            "epoch": float(epoch),
            "lesson_size": float(np.asarray(lesson.task).shape[0]),
            "truncated": float(truncated),
            **feedback.extras,
            "presentations": float(student.n_presentations_ - start),
        }
        row.update({f"teacher/{k}": v for k, v in teacher.metrics().items()})
        result.history.append(row)
        if callback is not None:
            callback(epoch, lesson, feedback)
        epoch += 1
    result.presentations = student.n_presentations_ - start
    return result
