"""Task spaces: the sets of lessons a teacher can propose.

A task space describes what a lesson is, independently of any teacher:

* :class:`BoxSpace` -- a continuous box with named dimensions (the task-parameter vector of a
  procedurally generated environment, a training setting such as the discount factor);
* :class:`DiscreteSpace` -- ``n`` tasks identified by integer ids (levels given by seeds,
  a fixed task set), optionally named;
* :class:`SubsetSpace` -- subsets of ``n`` training samples given as index arrays (data
  curricula for supervised students);
* :class:`ProductSpace` -- a named product of the above; a task is a ``dict``;
* :class:`~autocurriculum.teachers.levels.MazeLevelSpace` (in ``levels.py``) -- structured maze
  levels (walls, goal, start).

Every space checks membership and explains a rejection (:meth:`TaskSpace.check`), samples with
a caller-supplied :class:`numpy.random.Generator`, and round-trips through plain Python data
(:meth:`TaskSpace.to_dict` / :func:`space_from_dict`) so that YAML files and checkpoints can hold
it. Continuous spaces also convert to and from the unit cube.
"""

from __future__ import annotations

import abc
import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from autocurriculum.teachers.validation import describe, is_int, real_array, real_number

__all__ = [
    "BoxSpace",
    "DiscreteSpace",
    "ProductSpace",
    "SubsetSpace",
    "TaskSpace",
    "space_from_dict",
]


class TaskSpace(abc.ABC):
    """A set of tasks (lessons) with membership tests, sampling and serialisation."""

    kind: str = ""

    @abc.abstractmethod
    def check(self, task: Any, name: str = "task") -> Any:
        """Return ``task`` in canonical form, or raise ``ValueError``/``TypeError``.

        The error names ``name``, the offending value and what the space allows.
        """

    def contains(self, task: Any) -> bool:
        """Whether ``task`` belongs to the space."""
        try:
            self.check(task)
        except (TypeError, ValueError):
            return False
        return True

    def __contains__(self, task: Any) -> bool:
        return self.contains(task)

    @abc.abstractmethod
    def sample(self, rng: np.random.Generator) -> Any:
        """Draw one task uniformly with the caller's generator."""

    @abc.abstractmethod
    def to_dict(self) -> dict[str, Any]:
        """Plain Python data (``dict``/``list``/``float``/``int``/``str``) describing the space."""

    @abc.abstractmethod
    def invalid_examples(self) -> list[Any]:
        """Values that are *not* tasks of this space (used by the teacher contract suite)."""

    def equal_tasks(self, a: Any, b: Any) -> bool:
        """Whether two tasks of this space are identical."""
        return bool(np.array_equal(np.asarray(a), np.asarray(b)))

    def to_plain(self, task: Any) -> Any:
        """A task as plain Python data (for JSON, YAML and logs)."""
        return np.asarray(task).tolist()

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TaskSpace) and self.to_dict() == other.to_dict()

    def __hash__(self) -> int:
        return hash(repr(self.to_dict()))

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.to_dict().items() if k != "kind")
        return f"{type(self).__name__}({args})"


def _check_names(names: Sequence[str] | None, size: int, what: str) -> tuple[str, ...] | None:
    if names is None:
        return None
    names = tuple(names)
    if len(names) != size:
        raise ValueError(f"{what}: got {len(names)} names {list(names)} for {size} entries; give one name per entry")
    for n in names:
        if not isinstance(n, str) or not n:
            raise TypeError(f"{what}: every name must be a non-empty string, got {n!r}")
    if len(set(names)) != len(names):
        raise ValueError(f"{what}: names must be unique, got {list(names)}")
    return names


class BoxSpace(TaskSpace):
    """A continuous box ``[low, high]`` of float vectors with named dimensions.

    Parameters
    ----------
    low, high:
        Per-dimension bounds (sequences of equal length, ``low <= high``, finite).
    names:
        One name per dimension (defaults to ``x0, x1, ...``).

    Examples
    --------
    >>> space = BoxSpace([0.0, 0.0], [3.0, 6.0], names=["stump_height", "obstacle_spacing"])
    >>> space.contains([1.5, 2.0])
    True
    """

    kind = "box"

    def __init__(self, low: Sequence[float], high: Sequence[float], names: Sequence[str] | None = None) -> None:
        low_arr = np.asarray(low, dtype=np.float64)
        high_arr = np.asarray(high, dtype=np.float64)
        if low_arr.ndim != 1 or high_arr.ndim != 1 or low_arr.shape != high_arr.shape or low_arr.size == 0:
            raise ValueError(
                f"BoxSpace: low and high must be non-empty 1-D sequences of the same length, "
                f"got low={np.asarray(low).tolist()} and high={np.asarray(high).tolist()}"
            )
        if not (np.all(np.isfinite(low_arr)) and np.all(np.isfinite(high_arr))):
            raise ValueError(f"BoxSpace: bounds must be finite, got low={low_arr.tolist()} high={high_arr.tolist()}")
        bad = np.flatnonzero(low_arr > high_arr)
        if bad.size:
            i = int(bad[0])
            raise ValueError(
                f"BoxSpace: low[{i}]={low_arr[i]} is greater than high[{i}]={high_arr[i]}; need low <= high"
            )
        self.low = low_arr
        self.high = high_arr
        self.low.flags.writeable = False
        self.high.flags.writeable = False
        self.names = _check_names(names, low_arr.size, "BoxSpace") or tuple(f"x{i}" for i in range(low_arr.size))
        self._set_cache()

    def _set_cache(self) -> None:
        """Values derived from the (read-only) bounds, for the per-episode methods."""
        width = self.high - self.low
        width.flags.writeable = False
        self._width = width
        self._unit_width = np.where(width > 0, width, 1.0)
        self._unit_width.flags.writeable = False
        self._bounds_list = list(zip(self.low.tolist(), self.high.tolist(), strict=True))

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._set_cache()  # spaces pickled without the cache

    @property
    def dim(self) -> int:
        """Number of dimensions."""
        return int(self.low.size)

    @property
    def shape(self) -> tuple[int]:
        return (self.dim,)

    @property
    def width(self) -> np.ndarray:
        """``high - low`` per dimension (read-only)."""
        return self._width

    def check(self, task: Any, name: str = "task") -> np.ndarray:
        if type(task) is np.ndarray and task.dtype == np.float64 and task.ndim == 1 and task.size == len(self._bounds_list):
            # fast path (a float vector of the right length inside the bounds); NaN fails the comparisons
            if all(lo <= v <= hi for (lo, hi), v in zip(self._bounds_list, task.tolist(), strict=True)):
                return task
        if isinstance(task, Mapping):
            task = self.from_mapping(task, name)
        if isinstance(task, np.ndarray) and task.dtype.kind in "iuf":
            arr = task.astype(np.float64, copy=False)
        else:  # never turn strings or bools into numbers
            try:
                arr = real_array(task, name).astype(np.float64)
            except TypeError:
                raise TypeError(
                    f"{name}: expected a vector of {self.dim} numbers for {self!r}, got {describe(task)}"
                ) from None
        if arr.ndim == 0 and self.dim == 1:
            arr = arr.reshape(1)
        if arr.shape == (self.dim,) and (arr >= self.low).all() and (arr <= self.high).all():
            return arr  # fast path; NaN fails the comparisons and gets the detailed message below
        if arr.shape != (self.dim,):
            raise ValueError(
                f"{name}: expected shape ({self.dim},) with dimensions {list(self.names)}, got shape {arr.shape}"
            )
        for i in range(self.dim):
            v = arr[i]
            if not math.isfinite(v):
                raise ValueError(f"{name}: dimension {self.names[i]!r} is {v}; tasks must be finite numbers")
            if v < self.low[i] or v > self.high[i]:
                raise ValueError(
                    f"{name}: dimension {self.names[i]!r} = {float(v)!r} lies outside its bounds "
                    f"[{float(self.low[i])!r}, {float(self.high[i])!r}]"
                )
        return arr

    def from_mapping(self, task: Mapping[str, Any], name: str = "task") -> np.ndarray:
        """Build a vector from ``{dimension name: value}``; every dimension must be given once."""
        missing = [n for n in self.names if n not in task]
        extra = [k for k in task if k not in self.names]
        if missing or extra:
            raise ValueError(
                f"{name}: mapping keys {sorted(map(str, task))} do not match the dimensions {list(self.names)}"
                + (f" (missing {missing})" if missing else "")
                + (f" (unknown {extra})" if extra else "")
            )
        return np.array([real_number(task[n], f"{name}[{n!r}]", finite=False) for n in self.names], dtype=np.float64)

    def sample(self, rng: np.random.Generator) -> np.ndarray:
        # = rng.uniform(low, high): NumPy computes low + (high - low) * next_double, the same
        # values and generator state, without uniform's broadcasting set-up (8 us -> 1.5 us)
        return self.low + self._width * rng.random(self.low.size)

    def to_unit(self, task: Any) -> np.ndarray:
        """Map tasks (shape ``(dim,)`` or ``(n, dim)``) affinely onto ``[0, 1]^dim``.

        Degenerate dimensions (``low == high``) map to 0.
        """
        return (np.asarray(task, dtype=np.float64) - self.low) / self._unit_width

    def from_unit(self, unit: Any) -> np.ndarray:
        """Inverse of :meth:`to_unit`."""
        return self.low + np.asarray(unit, dtype=np.float64) * self._width

    def clip(self, task: Any) -> np.ndarray:
        """Project onto the box (used by algorithms whose definition clips, such as ALP-GMM)."""
        return np.minimum(np.maximum(np.asarray(task, dtype=np.float64), self.low), self.high)  # = np.clip, faster

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "low": self.low.tolist(), "high": self.high.tolist(), "names": list(self.names)}

    def invalid_examples(self) -> list[Any]:
        above = self.high.copy()
        above[0] = self.high[0] + max(1.0, float(self.width[0]))
        nan = self.low.copy()
        nan[-1] = np.nan
        mixed: list[Any] = [True, *self.low.tolist()[1:]]
        return [
            above,
            nan,
            np.zeros(self.dim + 1),
            np.zeros((2, self.dim)),
            "not a task",
            [str(v) for v in self.low.tolist()],  # numbers as strings are not numbers
            mixed,  # nor are bools
            np.zeros(self.dim, dtype=bool),
            np.full(self.dim, 10**400, dtype=object),
        ]

    def to_plain(self, task: Any) -> list[float]:
        return [float(v) for v in np.asarray(task, dtype=np.float64)]


class DiscreteSpace(TaskSpace):
    """``n`` tasks identified by the integers ``0 .. n-1`` (for example level seeds).

    Parameters
    ----------
    n:
        Number of tasks (>= 1).
    names:
        Optional task names; ``index(name)`` maps a name to its id.
    """

    kind = "discrete"

    def __init__(self, n: int, names: Sequence[str] | None = None) -> None:
        if not is_int(n) or n < 1:
            raise ValueError(f"DiscreteSpace: n must be a positive integer, got {n!r}")
        self.n = int(n)
        self.names = _check_names(names, self.n, "DiscreteSpace")

    def check(self, task: Any, name: str = "task") -> int:
        if isinstance(task, str):
            if self.names is None or task not in self.names:
                raise ValueError(f"{name}: unknown task name {task!r}; allowed: {list(self.names or [])}")
            return self.names.index(task)
        if isinstance(task, np.ndarray) and task.ndim == 0:
            task = task.item()
        if not is_int(task):
            raise TypeError(f"{name}: expected an integer task id in [0, {self.n - 1}], got {describe(task)}")
        if not 0 <= task < self.n:
            shown = int(task) if abs(int(task)) < 2**63 else describe(task)
            raise ValueError(f"{name}: task id {shown} lies outside [0, {self.n - 1}]")
        return int(task)

    def index(self, name: str) -> int:
        return self.check(name, "name")

    def sample(self, rng: np.random.Generator) -> int:
        return int(rng.integers(self.n))

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "n": self.n, "names": None if self.names is None else list(self.names)}

    def invalid_examples(self) -> list[Any]:
        return [self.n, -1, 0.5, [0, 1], "not a task", True, np.array("0"), 10**400]

    def equal_tasks(self, a: Any, b: Any) -> bool:
        return int(a) == int(b)

    def to_plain(self, task: Any) -> int:
        return int(task)


class SubsetSpace(TaskSpace):
    """Subsets of ``n`` training samples, given as 1-D arrays of distinct indices.

    A lesson of a data curriculum: the samples (and their order) to train on next epoch.
    The empty subset is not a lesson.
    """

    kind = "subset"

    def __init__(self, n: int) -> None:
        if not is_int(n) or n < 1:
            raise ValueError(f"SubsetSpace: n must be a positive integer, got {n!r}")
        self.n = int(n)

    def check(self, task: Any, name: str = "task") -> np.ndarray:
        if isinstance(task, (list, tuple)) and len(task) == 0:
            raise ValueError(
                f"{name}: expected a non-empty 1-D array of sample indices, got an empty {type(task).__name__}"
            )
        arr = real_array(task, name, integer=True)
        if arr.ndim != 1 or arr.size == 0:
            raise ValueError(f"{name}: expected a non-empty 1-D array of sample indices, got shape {arr.shape}")
        if not np.issubdtype(arr.dtype, np.integer):
            raise TypeError(f"{name}: sample indices must be integers, got dtype {arr.dtype}")
        lo, hi = int(arr.min()), int(arr.max())
        if lo < 0 or hi >= self.n:
            bad = lo if lo < 0 else hi
            raise ValueError(f"{name}: sample index {bad} lies outside [0, {self.n - 1}]")
        if np.unique(arr).size != arr.size:
            raise ValueError(f"{name}: sample indices must be distinct")
        return arr.astype(np.int64, copy=False)

    def sample(self, rng: np.random.Generator) -> np.ndarray:
        size = int(rng.integers(1, self.n + 1))
        return rng.choice(self.n, size=size, replace=False).astype(np.int64)

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "n": self.n}

    def invalid_examples(self) -> list[Any]:
        return [
            np.array([0, self.n]),
            np.array([-1]),
            np.array([], dtype=np.int64),
            np.zeros((2, 1), dtype=np.int64),
            [0, True],
            np.array([0.0, 1.0]),
            ["0"],
        ]


class ProductSpace(TaskSpace):
    """A named product of spaces; a task is a ``dict`` with one entry per component.

    Examples
    --------
    >>> space = ProductSpace({"terrain": BoxSpace([0.0], [3.0]), "seed": DiscreteSpace(100)})
    >>> space.contains({"terrain": [1.0], "seed": 7})
    True
    """

    kind = "product"

    def __init__(self, spaces: Mapping[str, TaskSpace]) -> None:
        if not isinstance(spaces, Mapping) or not spaces:
            raise ValueError(f"ProductSpace: expected a non-empty mapping of name -> TaskSpace, got {spaces!r}")
        for key, sp in spaces.items():
            if not isinstance(key, str) or not isinstance(sp, TaskSpace):
                raise TypeError(f"ProductSpace: entry {key!r} must map a string to a TaskSpace, got {sp!r}")
        self.spaces: dict[str, TaskSpace] = dict(spaces)

    def check(self, task: Any, name: str = "task") -> dict[str, Any]:
        if not isinstance(task, Mapping):
            raise TypeError(f"{name}: expected a mapping with keys {list(self.spaces)}, got {task!r}")
        if set(task) != set(self.spaces):
            raise ValueError(f"{name}: keys {sorted(map(str, task))} do not match the components {list(self.spaces)}")
        return {k: sp.check(task[k], f"{name}[{k!r}]") for k, sp in self.spaces.items()}

    def sample(self, rng: np.random.Generator) -> dict[str, Any]:
        return {k: sp.sample(rng) for k, sp in self.spaces.items()}

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "spaces": {k: sp.to_dict() for k, sp in self.spaces.items()}}

    def invalid_examples(self) -> list[Any]:
        first = next(iter(self.spaces))
        good = {k: sp.sample(np.random.default_rng(0)) for k, sp in self.spaces.items()}
        examples: list[Any] = [{first: good[first]}, "not a task"]
        for bad in self.spaces[first].invalid_examples()[:2]:
            examples.append({**good, first: bad})
        return examples

    def equal_tasks(self, a: Any, b: Any) -> bool:
        return all(sp.equal_tasks(a[k], b[k]) for k, sp in self.spaces.items())

    def to_plain(self, task: Any) -> dict[str, Any]:
        return {k: sp.to_plain(task[k]) for k, sp in self.spaces.items()}


_KINDS: dict[str, type[TaskSpace]] = {
    "box": BoxSpace,
    "discrete": DiscreteSpace,
    "subset": SubsetSpace,
    "product": ProductSpace,
}


def space_from_dict(data: Mapping[str, Any]) -> TaskSpace:
    """Rebuild a space from :meth:`TaskSpace.to_dict` output (or a YAML mapping of that shape)."""
    from autocurriculum.teachers.levels import MazeLevelSpace  # levels.py imports this module

    kinds: dict[str, type[TaskSpace]] = {**_KINDS, "maze": MazeLevelSpace}
    if not isinstance(data, Mapping) or "kind" not in data:
        raise ValueError(f"task space: expected a mapping with a 'kind' key (one of {sorted(kinds)}), got {data!r}")
    kind = data["kind"]
    if kind not in kinds:
        raise ValueError(f"task space: unknown kind {kind!r}; allowed: {sorted(kinds)}")
    fields = {k: v for k, v in data.items() if k != "kind"}
    allowed = {
        "box": {"low", "high", "names"},
        "discrete": {"n", "names"},
        "subset": {"n"},
        "product": {"spaces"},
        "maze": {"size", "max_walls"},
    }[kind]
    unknown = set(fields) - allowed
    if unknown:
        raise ValueError(f"task space of kind {kind!r}: unknown keys {sorted(unknown)}; allowed: {sorted(allowed)}")
    if kind == "product":
        spaces = fields.get("spaces")
        if not isinstance(spaces, Mapping):
            raise ValueError(f"task space of kind 'product': 'spaces' must be a mapping, got {spaces!r}")
        return ProductSpace({k: space_from_dict(v) for k, v in spaces.items()})
    return kinds[kind](**fields)
