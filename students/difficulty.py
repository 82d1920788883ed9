"""Difficulty scores for data curricula (higher score = easier sample).

Three ways to score the ``N`` training samples (TEACHERS.md section 7):

* ``"reference"`` -- :func:`reference_scores`: train a reference model of the same architecture
  normally (full data, plain epochs), then score each sample by ``1 / loss`` of that model
  (``1 / (loss + eps)``, so a loss of exactly zero stays finite). This is how Kesgin & Amasyali
  (CCL, TNNLS 2023) and Hacohen & Weinshall (ICML 2019, "self-taught" scoring) obtain scores.
* ``"self_paced"`` -- no scores up front: the data teacher scores each sample by the latest
  training loss of the model being trained, refreshed every epoch the sample is trained on
  (pass ``scores=None`` to the teacher; :func:`make_scores` returns ``None``).
* ``"function"`` -- :func:`function_scores`: a user-supplied ``fn(X, y) -> scores``.

Orderings (``"curriculum"``: easy first, ``"anti_curriculum"``: hard first, ``"random"``) are
applied by the teachers (:func:`autocurriculum.teachers.data_curricula.order_by_score`). Option names are
checked against their allowed sets: a misspelling is an error naming the option, the value and
the allowed values, never a silent fallback.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from autocurriculum.students.supervised import DataSpec, ModelSpec, SupervisedStudent, train
from autocurriculum.teachers.data_curricula import ORDERINGS, check_option, order_by_score, scores_from_losses
from autocurriculum.teachers.spaces import SubsetSpace
from autocurriculum.teachers.validation import is_int

__all__ = [
    "ORDERINGS",
    "SCORINGS",
    "check_ordering",
    "check_scoring",
    "function_scores",
    "make_scores",
    "order_by_score",
    "reference_scores",
    "scores_from_losses",
]

#: Allowed values of ``scoring``.
SCORINGS: tuple[str, ...] = ("reference", "self_paced", "function")


def check_ordering(ordering: Any) -> str:
    """``ordering`` if it is one of :data:`ORDERINGS`, else a ``ValueError``/``TypeError`` naming it."""
    return check_option(ordering, ORDERINGS, "ordering")


def check_scoring(scoring: Any) -> str:
    """``scoring`` if it is one of :data:`SCORINGS`, else a ``ValueError``/``TypeError`` naming it."""
    return check_option(scoring, SCORINGS, "scoring")


def reference_scores(
    model: ModelSpec,
    train_data: DataSpec,
    *,
    epochs: int = 30,
    eps: float = 1e-8,
    seed: int | None = None,
    **student_params: Any,
) -> np.ndarray:
    """Scores ``1 / (loss + eps)`` from a reference model trained normally for ``epochs`` full epochs.

    Parameters
    ----------
    model:
        The architecture: a model factory (as for :class:`~autocurriculum.students.supervised.SupervisedStudent`);
        a fresh model is trained, so pass a factory rather than the module being trained.
    train_data:
        The training data the curriculum will use; scores are per sample of it, in its order.
    epochs:
        Full-data epochs of the reference training (default 30).
    eps:
        Added to the loss before inverting (default ``1e-8``).
    seed:
        Seed of the reference student (use a different one from the curriculum run's).
    student_params:
        Further :class:`SupervisedStudent` parameters (``lr``, ``batch_size``, ``optimizer``...).

    Returns
    -------
    numpy.ndarray
        One positive score per training sample (higher is easier).
    """
    from torch import nn

    from autocurriculum.teachers.data_curricula import FullData

    if isinstance(model, nn.Module):
        raise TypeError(
            "model: reference scoring trains a fresh model of the same architecture; pass a factory "
            f"(for example autocurriculum.students.supervised.mlp_factory(...)), got the module {type(model).__name__}"
        )
    if not is_int(epochs) or epochs < 1:
        raise ValueError(f"epochs: got {epochs!r}; allowed: a positive integer")
    student = SupervisedStudent(model, train_data, None, seed=seed, **student_params)
    teacher = FullData(SubsetSpace(student.n_train), seed=seed)
    train(teacher, student, budget=int(epochs) * student.n_train)
    return scores_from_losses(student.sample_losses(), eps=eps)


def function_scores(fn: Callable[[np.ndarray, np.ndarray], Any], X: Any, y: Any) -> np.ndarray:
    """Scores from a user function ``fn(X, y)`` returning one finite number per sample (higher is easier)."""
    if not callable(fn):
        raise TypeError(f"fn: expected a callable fn(X, y) -> scores, got {fn!r}")
    X_arr, y_arr = np.asarray(X), np.asarray(y)
    raw = fn(X_arr, y_arr)
    try:
        scores = np.asarray(raw, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"fn: returned {type(raw).__name__}, expected an array of numbers") from None
    if scores.shape != (y_arr.shape[0],):
        raise ValueError(f"fn: returned shape {scores.shape}; expected one score per sample, shape ({y_arr.shape[0]},)")
    if not np.all(np.isfinite(scores)):
        i = int(np.flatnonzero(~np.isfinite(scores))[0])
        raise ValueError(f"fn: score {i} is {scores[i]}; allowed: finite scores")
    return scores


def make_scores(
    scoring: str,
    *,
    model: ModelSpec | None = None,
    train_data: tuple[Any, Any] | None = None,
    fn: Callable[[np.ndarray, np.ndarray], Any] | None = None,
    **kwargs: Any,
) -> np.ndarray | None:
    """Scores for a data teacher by method name: an array, or ``None`` for self-paced scoring.

    ``"reference"`` needs ``model`` and ``train_data`` (further keyword arguments go to
    :func:`reference_scores`); ``"function"`` needs ``fn`` and ``train_data`` as ``(X, y)``;
    ``"self_paced"`` returns ``None`` (give it to the teacher as ``scores``); it uses neither
    ``model`` nor ``train_data`` (accepted so that one call site serves all three methods) and
    rejects ``fn`` and further arguments.
    """
    check_scoring(scoring)
    if scoring == "self_paced":
        if kwargs or fn is not None:
            raise ValueError("scoring='self_paced' takes no further arguments; the teacher scores from losses")
        return None
    if train_data is None:
        raise ValueError(f"train_data: scoring={scoring!r} needs the training data, got None")
    if scoring == "reference":
        if model is None:
            raise ValueError("model: scoring='reference' needs the model factory, got None")
        return reference_scores(model, train_data, **kwargs)
    if fn is None:
        raise ValueError("fn: scoring='function' needs a function fn(X, y) -> scores, got None")
    if kwargs:
        raise ValueError(f"scoring='function': unexpected arguments {sorted(kwargs)}")
    if not (isinstance(train_data, (tuple, list)) and len(train_data) == 2):
        raise TypeError("train_data: scoring='function' needs (X, y) arrays")
    return function_scores(fn, train_data[0], train_data[1])
