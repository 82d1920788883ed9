"""Classification data sets that need no download, split into training and validation sets.

* :func:`load_digits_split` -- scikit-learn's bundled 8x8 handwritten digits (1797 samples,
  10 classes, 64 features scaled to ``[0, 1]``).
* :func:`make_noisy_classification` -- a generated data set of controllable difficulty:
  Gaussian clusters whose overlap is set by ``class_sep`` and an exact fraction of training
  labels replaced by a wrong class (``label_noise``). The validation labels stay clean, so
  validation accuracy measures what the model learnt about the true classes.

Both take a ``seed`` and return a :class:`DataSplit`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from autocurriculum.teachers.validation import is_int, is_number

__all__ = ["DATASETS", "DataSplit", "load_dataset", "load_digits_split", "make_noisy_classification"]


@dataclass(frozen=True)
class DataSplit:
    """A training/validation split of a classification data set.

    Attributes
    ----------
    X_train, y_train, X_val, y_val:
        Float32 features and int64 class ids.
    n_classes:
        Number of classes.
    name:
        The data set's name.
    noisy_train:
        Boolean mask of training samples whose label was corrupted (all ``False`` for clean data).
    info:
        The parameters that generated the split.
    """

    X_train: np.ndarray
    y_train: np.ndarray
    X_val: np.ndarray
    y_val: np.ndarray
    n_classes: int
    name: str
    noisy_train: np.ndarray
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def n_features(self) -> int:
        """Number of input features."""
        return int(self.X_train.shape[1])

    @property
    def n_train(self) -> int:
        """Number of training samples."""
        return int(self.X_train.shape[0])


def _check_fraction(value: Any, name: str, low_open: bool = True, high_open: bool = True) -> float:
    if not is_number(value):
        raise TypeError(f"{name}: expected a number, got {type(value).__name__} {value!r}")
    try:
        v = float(value)
    except OverflowError:
        v = math.inf  # an integer beyond float range: refused below as not finite
    lo_ok = v > 0 if low_open else v >= 0
    hi_ok = v < 1 if high_open else v <= 1
    if not (math.isfinite(v) and lo_ok and hi_ok):
        interval = f"{'(' if low_open else '['}0, 1{')' if high_open else ']'}"
        raise ValueError(f"{name}: got {value!r}; allowed: a number in {interval}")
    return v


def _check_int(value: Any, name: str, low: int) -> int:
    if not is_int(value) or value < low:
        raise ValueError(f"{name}: got {value!r}; allowed: an integer >= {low}")
    return int(value)


def _check_seed(seed: Any) -> int:
    if not is_int(seed) or seed < 0:
        raise ValueError(f"seed: got {seed!r}; allowed: a non-negative integer")
    return int(seed)


def _split(n: int, y: np.ndarray, val_fraction: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Stratified split: ``round(val_fraction * count)`` validation samples per class."""
    val_parts, train_parts = [], []
    for c in np.unique(y):
        members = rng.permutation(np.flatnonzero(y == c))
        k = int(round(val_fraction * members.size))
        val_parts.append(members[:k])
        train_parts.append(members[k:])
    train_idx = rng.permutation(np.concatenate(train_parts))
    val_idx = rng.permutation(np.concatenate(val_parts))
    if train_idx.size == 0 or val_idx.size == 0:
        raise ValueError(
            f"val_fraction: got {val_fraction!r}, leaving {train_idx.size} training and {val_idx.size} "
            f"validation samples of {n}; allowed: a fraction leaving both non-empty"
        )
    return train_idx, val_idx


def load_digits_split(val_fraction: float = 0.2, seed: int = 0) -> DataSplit:
    """scikit-learn's bundled digits (no download), features scaled to ``[0, 1]``, stratified split.

    Parameters
    ----------
    val_fraction:
        Fraction of each class held out for validation, in ``(0, 1)`` (default 0.2).
    seed:
        Seed of the split.
    """
    from sklearn.datasets import load_digits

    val_fraction = _check_fraction(val_fraction, "val_fraction")
    rng = np.random.default_rng(_check_seed(seed))
    digits = load_digits()
    X = (digits.data / 16.0).astype(np.float32)
    y = digits.target.astype(np.int64)
    tr, va = _split(y.size, y, val_fraction, rng)
    return DataSplit(
        X_train=X[tr],
        y_train=y[tr],
        X_val=X[va],
        y_val=y[va],
        n_classes=10,
        name="digits",
        noisy_train=np.zeros(tr.size, dtype=bool),
        info={"val_fraction": val_fraction, "seed": int(seed)},
    )


def make_noisy_classification(
    n_samples: int = 2000,
    n_features: int = 20,
    n_informative: int = 10,
    n_classes: int = 4,
    class_sep: float = 1.0,
    label_noise: float = 0.2,
    val_fraction: float = 0.25,
    seed: int = 0,
) -> DataSplit:
    """A generated classification set with controllable overlap and an exact fraction of noisy labels.

    Samples come from :func:`sklearn.datasets.make_classification` (Gaussian clusters on the
    vertices of a hypercube of side ``2 * class_sep``: a smaller ``class_sep`` means more
    overlap), standardised with the training set's mean and standard deviation. Then exactly
    ``round(label_noise * n_train)`` training samples, chosen at random, get a label drawn
    uniformly from the *other* classes; ``noisy_train`` marks them. Validation labels are clean.

    Parameters
    ----------
    n_samples:
        Total number of samples, before the split (default 2000).
    n_features, n_informative:
        Feature count and how many of them carry class information (defaults 20 and 10).
    n_classes:
        Number of classes >= 2 (default 4).
    class_sep:
        Cluster separation > 0 (default 1.0).
    label_noise:
        Fraction of training labels corrupted, in ``[0, 1)`` (default 0.2).
    val_fraction:
        Fraction of each class held out for validation, in ``(0, 1)`` (default 0.25).
    seed:
        Seed of the generator, the split and the noise.
    """
    from sklearn.datasets import make_classification

    n_samples = _check_int(n_samples, "n_samples", 4)
    n_features = _check_int(n_features, "n_features", 1)
    n_informative = _check_int(n_informative, "n_informative", 1)
    if n_informative > n_features:
        raise ValueError(f"n_informative: got {n_informative} > n_features={n_features}; allowed: <= n_features")
    n_classes = _check_int(n_classes, "n_classes", 2)
    if n_classes > 2**n_informative:
        raise ValueError(
            f"n_classes: got {n_classes}; allowed: at most 2**n_informative = {2**n_informative} (one hypercube "
            "vertex per class)"
        )
    if not is_number(class_sep) or not (0 < class_sep < math.inf):
        raise ValueError(f"class_sep: got {class_sep!r}; allowed: a finite number > 0")
    label_noise = _check_fraction(label_noise, "label_noise", low_open=False)
    val_fraction = _check_fraction(val_fraction, "val_fraction")
    seed = _check_seed(seed)
    rng = np.random.default_rng(seed)
    X, y = make_classification(
        n_samples=n_samples,
        n_features=n_features,
        n_informative=n_informative,
        n_redundant=0,
        n_repeated=0,
        n_classes=n_classes,
        n_clusters_per_class=1,
        class_sep=float(class_sep),
        flip_y=0.0,
        shuffle=True,
        random_state=seed,
    )
    y = y.astype(np.int64)
    tr, va = _split(n_samples, y, val_fraction, rng)
    X_train, X_val = X[tr], X[va]
    mean, std = X_train.mean(axis=0), X_train.std(axis=0)
    std = np.where(std > 0, std, 1.0)
    X_train = ((X_train - mean) / std).astype(np.float32)
    X_val = ((X_val - mean) / std).astype(np.float32)
    y_train = y[tr].copy()
    n_noisy = int(round(label_noise * tr.size))
    noisy = np.zeros(tr.size, dtype=bool)
    flip = rng.choice(tr.size, size=n_noisy, replace=False)
    noisy[flip] = True
    # A wrong label uniformly among the other classes: shift by 1..n_classes-1 modulo n_classes.
    y_train[flip] = (y_train[flip] + rng.integers(1, n_classes, size=n_noisy)) % n_classes
    return DataSplit(
        X_train=X_train,
        y_train=y_train,
        X_val=X_val,
        y_val=y[va],
        n_classes=n_classes,
        name="noisy",
        noisy_train=noisy,
        info={
            "n_samples": n_samples,
            "n_features": n_features,
            "n_informative": n_informative,
            "n_classes": n_classes,
            "class_sep": float(class_sep),
            "label_noise": label_noise,
            "val_fraction": val_fraction,
            "seed": seed,
        },
    )


#: Data sets by name, for benchmarks and experiment files.
DATASETS = {"digits": load_digits_split, "noisy": make_noisy_classification}


def load_dataset(name: str, **kwargs: Any) -> DataSplit:
    """Build the data set ``name`` (``"digits"`` or ``"noisy"``) with keyword arguments."""
    if name not in DATASETS:
        raise ValueError(f"dataset: unknown name {name!r}; allowed: {sorted(DATASETS)}")
    return DATASETS[name](**kwargs)
