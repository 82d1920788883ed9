"""Checks shared by every package: type tests, real-number arrays, and saved-state validation.

* :func:`is_int` / :func:`is_number`: ``bool`` is never a number here.
* :func:`real_number` / :func:`real_array`: accept real numbers (and arrays of them) only, never
  strings, bools or complex numbers, with an error naming the field.
* :func:`describe`: a short, safe description of any value for error messages (a 400-digit
  integer or a large array is summarised, not printed).
* :class:`StateReader`: reads one mapping of a saved state (``load_state_dict``) and refuses
  missing or unknown keys, wrong types, wrong shapes, non-finite numbers and out-of-range values
  with a ``ValueError``/``TypeError`` that names the key path.
* :func:`state_difference`: the first difference between two saved states, as a key path
  (NaN equals NaN), used by the round-trip check of ``Teacher.load_state_dict`` and the
  contract suite.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

__all__ = [
    "StateReader",
    "describe",
    "is_int",
    "is_number",
    "real_array",
    "real_number",
    "state_difference",
]


def is_int(value: Any) -> bool:
    """Whether ``value`` is a Python or numpy integer (not a ``bool``)."""
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def is_number(value: Any) -> bool:
    """Whether ``value`` is a Python or numpy real number (not a ``bool``)."""
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_))


def describe(value: Any, limit: int = 80) -> str:
    """A short description of ``value`` for an error message: its type and a bounded repr."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_)):
        v = int(value)
        if v.bit_length() > 64:
            return f"int of {v.bit_length()} bits ({'-' if v < 0 else ''}about 2**{v.bit_length() - 1})"
        return f"{type(value).__name__} {v}"
    if isinstance(value, np.ndarray):
        if value.size <= 8 and value.dtype.kind in "biufcUS":
            return f"array of dtype {value.dtype} and shape {value.shape}: {value.tolist()!r}"
        return f"array of dtype {value.dtype} and shape {value.shape}"
    try:
        text = repr(value)
    except Exception:  # noqa: BLE001 - a repr that fails must not hide the real error
        text = "<unprintable>"
    if len(text) > limit:
        text = text[: limit - 3] + "..."
    return f"{type(value).__name__} {text}"


def _has_non_real_element(value: Sequence[Any], depth: int = 0) -> Any:
    """The first bool, string or bytes element of a (nested) Python sequence, or ``None``."""
    for x in value:
        if isinstance(x, (bool, np.bool_, str, bytes)):
            return x
        if depth < 3 and isinstance(x, (list, tuple)):
            bad = _has_non_real_element(x, depth + 1)
            if bad is not None:
                return bad
    return None


def real_number(value: Any, name: str, *, finite: bool = True) -> float:
    """``value`` as a float if it is a real number (or a 0-d array of one); else raise naming ``name``.

    Strings, bools, complex numbers and arrays with more than one element are refused, never
    converted. Integers too large for a float and (with ``finite``) NaN and infinities are
    refused with a ``ValueError``.
    """
    if type(value) is float and (not finite or math.isfinite(value)):  # the common case, fast
        return value
    v = value
    if isinstance(v, np.ndarray):
        if v.shape != ():
            raise ValueError(f"{name}: expected one number, got {describe(value)}")
        if v.dtype.kind not in "iuf":
            raise TypeError(f"{name}: expected a real number, got {describe(value)}")
        v = v.item()
    if not is_number(v):
        raise TypeError(f"{name}: expected a real number, got {describe(value)}")
    try:
        f = float(v)
    except OverflowError:
        raise ValueError(f"{name}: got {describe(value)}, too large for a float; allowed: finite numbers") from None
    if finite and not math.isfinite(f):
        raise ValueError(f"{name}: got {f}; allowed: finite numbers")
    return f


def real_array(value: Any, name: str, *, integer: bool = False) -> np.ndarray:
    """``value`` as a numpy array of real numbers (integers with ``integer``), never converting others.

    Refuses strings, bools, complex numbers, objects and integers too large for a float with a
    ``TypeError``/``ValueError`` naming ``name`` and the dtype or element. The array is not copied
    when it already has a real dtype.
    """
    if isinstance(value, (str, bytes, bool, np.bool_)):
        raise TypeError(f"{name}: expected {'integers' if integer else 'real numbers'}, got {describe(value)}")
    if isinstance(value, (list, tuple)):
        bad = _has_non_real_element(value)
        if bad is not None:
            raise TypeError(
                f"{name}: expected {'integers' if integer else 'real numbers'}, got an element {describe(bad)}"
            )
    try:
        arr = np.asarray(value)
    except (TypeError, ValueError) as e:  # ragged nesting
        raise TypeError(f"{name}: expected an array of numbers, got {describe(value)} ({e})") from None
    kinds = "iu" if integer else "iuf"
    if arr.dtype.kind == "O":
        flat = arr.ravel().tolist()
        for x in flat:
            if not (is_int(x) if integer else is_number(x)):
                raise TypeError(
                    f"{name}: expected {'integers' if integer else 'real numbers'}, got an element {describe(x)}"
                )
        try:
            arr = np.array(flat, dtype=np.int64 if integer else np.float64).reshape(arr.shape)
        except OverflowError:
            big = max(flat, key=lambda x: abs(int(x)) if is_int(x) else 0)
            raise ValueError(
                f"{name}: an element ({describe(big)}) is too large for {'int64' if integer else 'a float'}"
            ) from None
    if arr.dtype.kind not in kinds:
        raise TypeError(f"{name}: expected {'integers' if integer else 'real numbers'}, got dtype {arr.dtype}")
    return arr


# ---------------------------------------------------------------------- saved states
_INT64_MAX = int(np.iinfo(np.int64).max)


def _key_path(path: str, key: Any) -> str:
    return f"{path}[{key!r}]"


def _category(x: Any) -> str:
    if x is None:
        return "None"
    if isinstance(x, (bool, np.bool_)):
        return "bool"
    if isinstance(x, (int, np.integer)):
        return "int"
    if isinstance(x, (float, np.floating)):
        return "float"
    if isinstance(x, str):
        return "str"
    if isinstance(x, Mapping):
        return "mapping"
    if isinstance(x, (list, tuple)):
        return "sequence"
    if isinstance(x, np.ndarray):
        return "array"
    if type(x).__name__ == "Tensor" and hasattr(x, "detach"):
        return "tensor"
    return type(x).__name__


def state_difference(a: Any, b: Any, path: str = "state") -> str | None:
    """The first difference between two saved states as ``"<key path>: <what differs>"``, or ``None``.

    Plain data is compared by kind and value: mappings by keys, lists and tuples alike by
    length and items, arrays by shape, dtype and values, with NaN equal to NaN (a state may
    legitimately hold NaN); ``True`` differs from ``1`` and ``1`` from ``1.0``. Torch tensors are
    compared through numpy.
    """
    ca, cb = _category(a), _category(b)
    if ca == "tensor":
        a, ca = a.detach().cpu().numpy(), "array"
    if cb == "tensor":
        b, cb = b.detach().cpu().numpy(), "array"
    if ca != cb:
        return f"{path}: {describe(a)} vs {describe(b)}"
    if ca == "mapping":
        ka, kb = set(a), set(b)
        if ka != kb:
            only_a = sorted(map(repr, ka - kb))
            only_b = sorted(map(repr, kb - ka))
            return f"{path}: keys differ (only in the first: {only_a}, only in the second: {only_b})"
        for k in sorted(a, key=repr):
            diff = state_difference(a[k], b[k], _key_path(path, k))
            if diff is not None:
                return diff
        return None
    if ca == "sequence":
        if len(a) != len(b):
            return f"{path}: lengths differ ({len(a)} vs {len(b)})"
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            diff = state_difference(x, y, f"{path}[{i}]")
            if diff is not None:
                return diff
        return None
    if ca == "array":
        if a.shape != b.shape:
            return f"{path}: shapes differ ({a.shape} vs {b.shape})"
        if a.dtype != b.dtype:
            return f"{path}: dtypes differ ({a.dtype} vs {b.dtype})"
        nan_ok = a.dtype.kind in "fc"
        if not np.array_equal(a, b, equal_nan=nan_ok):
            same = (a == b) | ((a != a) & (b != b)) if nan_ok else (a == b)
            i = tuple(int(j) for j in np.argwhere(~np.asarray(same))[0])
            return f"{path}: values differ at index {i} ({a[i]!r} vs {b[i]!r})"
        return None
    if ca == "float":
        if not (a == b or (math.isnan(a) and math.isnan(b))):
            return f"{path}: {a!r} vs {b!r}"
        return None
    if ca in ("None", "bool", "int", "str"):
        return None if a == b else f"{path}: {describe(a)} vs {describe(b)}"
    return None if a is b or a == b else f"{path}: {describe(a)} vs {describe(b)}"


class StateReader:
    """Reads one mapping of a saved state; every refusal names the key path.

    Built on a candidate copy of a teacher (see ``Teacher.load_state_dict``), a reader lets a
    ``_set_state`` hook check and convert each entry in one line, for example
    ``self.window_ = r.array("window", "f", shape=(self.fit_rate, d + 1))``.

    Parameters
    ----------
    state:
        The mapping to read.
    path:
        Its key path in the saved state, for messages (``"state['state']"``).
    """

    def __init__(self, state: Any, path: str) -> None:
        if not isinstance(state, Mapping):
            raise TypeError(f"{path}: expected a mapping, got {describe(state)}")
        self.state = state
        self.path = path

    def where(self, key: Any) -> str:
        """The key path of ``key``."""
        return _key_path(self.path, key)

    def keys(self, required: Iterable[str], optional: Iterable[str] = ()) -> None:
        """Refuse missing and unknown keys (naming them)."""
        required, optional = set(required), set(optional)
        missing = sorted(required - set(self.state))
        unknown = sorted(map(repr, set(self.state) - required - optional))
        if missing or unknown:
            parts = ([f"missing keys {missing}"] if missing else []) + (
                [f"unknown keys [{', '.join(unknown)}]"] if unknown else []
            )
            raise ValueError(f"{self.path}: {'; '.join(parts)}; expected keys {sorted(required | optional)}")

    def get(self, key: str) -> Any:
        """The raw value of ``key`` (which must be present)."""
        if key not in self.state:
            raise ValueError(f"{self.where(key)}: missing")
        return self.state[key]

    def sub(self, key: str) -> StateReader:
        """A reader of the nested mapping under ``key``."""
        return StateReader(self.get(key), self.where(key))

    def int(self, key: str, low: int | None = 0, high: int | None = None) -> int:
        """An integer in ``[low, high]`` (``low=None``: unbounded below; ``high=None``: the int64 maximum)."""
        v = self.get(key)
        if not is_int(v):
            raise TypeError(f"{self.where(key)}: expected an integer, got {describe(v)}")
        v = int(v)
        top = _INT64_MAX if high is None else high
        if (low is not None and v < low) or v > top:
            raise ValueError(f"{self.where(key)}: got {describe(v)}; allowed: integers in [{low}, {top}]")
        return v

    def float(self, key: str, low: float = -math.inf, high: float = math.inf, *, none_ok: bool = False) -> float | None:
        """A finite float in ``[low, high]`` (or ``None`` with ``none_ok``)."""
        v = self.get(key)
        if v is None and none_ok:
            return None
        if not isinstance(v, (float, np.floating)) and not is_int(v):
            raise TypeError(f"{self.where(key)}: expected a float{' or None' if none_ok else ''}, got {describe(v)}")
        f = real_number(v, self.where(key))
        if not low <= f <= high:
            raise ValueError(f"{self.where(key)}: got {f!r}; allowed: numbers in [{low}, {high}]")
        return f

    def bool(self, key: str) -> bool:
        """A bool (``numpy.bool_`` included)."""
        v = self.get(key)
        if not isinstance(v, (bool, np.bool_)):
            raise TypeError(f"{self.where(key)}: expected a bool, got {describe(v)}")
        return bool(v)

    def array(
        self,
        key: str,
        kind: str,
        shape: tuple[int | None, ...],
        low: Any = None,
        high: Any = None,
        *,
        finite: bool = True,
    ) -> np.ndarray:
        """A numpy array copied as float64 (``kind="f"``), int64 (``"i"``) or bool (``"b"``).

        ``shape`` gives each axis's length (``None``: any). Float arrays must be finite (unless
        ``finite=False``, for a state that may hold NaN); ``low``
        and ``high`` (scalars or arrays broadcasting to the shape) bound the values. The dtype
        must be of that kind already: a float array is not accepted for integers, nor a bool
        array for numbers. A torch tensor is read as the numpy array it holds.
        """
        v = self.get(key)
        where = self.where(key)
        if _category(v) == "tensor":  # a checkpoint format may hand arrays back as torch tensors
            v = v.detach().cpu().numpy()
        if not isinstance(v, np.ndarray):
            raise TypeError(f"{where}: expected a numpy array, got {describe(v)}")
        allowed = {"f": "f", "i": "iu", "b": "b"}[kind]
        if v.dtype.kind not in allowed:
            expected = {"f": "a float", "i": "an integer", "b": "a bool"}[kind]
            raise TypeError(f"{where}: expected {expected} array, got dtype {v.dtype}")
        if len(v.shape) != len(shape) or any(s is not None and s != n for s, n in zip(shape, v.shape, strict=False)):
            want = (
                "(" + ", ".join("any" if s is None else str(s) for s in shape) + ("," if len(shape) == 1 else "") + ")"
            )
            raise ValueError(f"{where}: expected shape {want}, got {v.shape}")
        out = np.array(v, dtype={"f": np.float64, "i": np.int64, "b": bool}[kind])
        if kind == "i" and v.dtype.kind == "u" and v.size and int(v.max()) > np.iinfo(np.int64).max:
            raise ValueError(f"{where}: values too large for int64")
        if kind == "f" and finite and not np.all(np.isfinite(out)):
            i = tuple(int(j) for j in np.argwhere(~np.isfinite(out))[0])
            raise ValueError(f"{where}: entry {i} is {out[i]}; allowed: finite numbers")
        if kind != "b" and out.size:
            for bound, bad_mask, word in ((low, lambda b: out < b, "below"), (high, lambda b: out > b, "above")):
                if bound is None:
                    continue
                bad = np.broadcast_to(bad_mask(np.asarray(bound)), out.shape)
                if bad.any():
                    i = tuple(int(j) for j in np.argwhere(bad)[0])
                    limit = np.broadcast_to(np.asarray(bound), out.shape)[i]
                    raise ValueError(f"{where}: entry {i} is {out[i]!r}, {word} its bound {limit!r}")
        return out

    def counts(self, key: str, names: Iterable[str], total: int | None = None) -> dict[str, int]:
        """A mapping ``name -> non-negative integer`` with exactly ``names`` (summing to ``total``)."""
        names = list(names)
        r = self.sub(key)
        r.keys(names)
        out = {n: r.int(n) for n in names}
        if total is not None and sum(out.values()) != total:
            raise ValueError(
                f"{self.where(key)}: the counts sum to {sum(out.values())}, but the state records {total} "
                "(the state is inconsistent)"
            )
        return out
