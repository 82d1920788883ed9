"""The teacher contract suite: the rules every teacher, built-in or plugin, must follow.

Modelled on scikit-learn's ``check_estimator`` / ``parametrize_with_checks``. Use it from a
third-party package's tests::

    from autocurriculum.teachers.contract import parametrize_with_checks

    @parametrize_with_checks([MyTeacher(my_space, seed=0)])
    def test_my_teacher(teacher, check):
        check(teacher)

or all at once: ``check_teacher(MyTeacher(my_space, seed=0))``.

Each check works on fresh clones of the teacher given (``teacher.clone()``), drives them with
:meth:`~autocurriculum.teachers.base.Teacher.example_feedback`, and raises :class:`ContractError` (an
``AssertionError``) explaining the broken rule.

Quick checks
------------
``check_teacher(teacher, quick=True)`` runs a subset (:data:`QUICK_CHECKS`: construction,
samples in the space, the state round trip, refusal of malformed feedback, forged and foreign
lessons, and of corrupt states with the teacher left untouched) on fewer steps, in about a
second for the built-in teachers: what an experiment runner can afford the first time it meets a
plugin teacher. It raises :class:`ContractError` naming the teacher, the check and the rule.

The malformed inputs the checks feed are public (:func:`invalid_feedbacks`,
:func:`forged_lessons`, :func:`corrupted_states`) so that fuzzers and benchmarks use the same ones.
"""

from __future__ import annotations

import copy
import functools
import math
import pickle
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import replace
from typing import Any

import numpy as np

from autocurriculum.teachers.base import FEEDBACK_FIELDS, Feedback, Lesson, Teacher, _plain_equal
from autocurriculum.teachers.validation import state_difference

__all__ = [
    "ALL_CHECKS",
    "QUICK_CHECKS",
    "ContractError",
    "builtin_examples",
    "check_teacher",
    "corrupted_states",
    "forged_lessons",
    "invalid_feedbacks",
    "parametrize_with_checks",
    "teacher_checks",
]

#: Steps driven before a checkpoint / pickle, and lessons compared after it.
N_BEFORE = 200
N_AFTER = 100
#: Steps of the quick checks.
N_QUICK = 30


class ContractError(AssertionError):
    """A teacher broke a rule of the contract."""


def _fresh(teacher: Teacher, seed: int | None = None) -> Teacher:
    if seed is None:
        seed = 0 if teacher.seed is None else int(teacher.seed)
    return teacher.clone(seed=seed)


def _drive(teacher: Teacher, n: int, feedback_rng: np.random.Generator) -> list[Lesson]:
    lessons = []
    for _ in range(n):
        lesson = teacher.sample()
        teacher.update(lesson, teacher.example_feedback(lesson, feedback_rng))
        lessons.append(lesson)
    return lessons


def _same(a: list[Lesson], b: list[Lesson], space_equal: Callable[[Any, Any], bool]) -> int | None:
    """Index of the first differing lesson, or ``None``."""
    if len(a) != len(b):
        return min(len(a), len(b))
    for i, (x, y) in enumerate(zip(a, b, strict=True)):
        if not space_equal(x.task, y.task) or x.origin != y.origin or x.id != y.id:
            return i
    return None


def _raises(fn: Callable[[], Any], exc: tuple[type[BaseException], ...], what: str, must_mention: str = "") -> None:
    try:
        fn()
    except exc as e:  # noqa: PERF203
        if must_mention and must_mention not in str(e):
            raise ContractError(f"{what}: the error {e!r} does not name {must_mention!r}") from e
        return
    except Exception as e:
        raise ContractError(f"{what}: expected {[x.__name__ for x in exc]}, got {type(e).__name__}: {e}") from e
    raise ContractError(f"{what}: no error was raised")


# ---------------------------------------------------------------------- the checks
def check_constructor_has_no_side_effects(teacher: Teacher) -> None:
    """The constructor stores its arguments under their own names and builds nothing."""
    fresh = _fresh(teacher)
    params = fresh.get_params()
    if "task_space" not in params or "seed" not in params:
        raise ContractError("get_params() must include 'task_space' and 'seed' (constructor arguments)")
    if hasattr(fresh, "rng_") or getattr(fresh, "_is_setup", False):
        raise ContractError("the constructor must not build state (found rng_ before first use)")
    again = type(fresh)(**params)
    if not _plain_equal(_comparable(again.get_params()), _comparable(params)):
        raise ContractError("get_params() does not round-trip through the constructor")


def _comparable(params: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.to_dict() if hasattr(v, "to_dict") else v) for k, v in params.items()}


def check_samples_in_space(teacher: Teacher, steps: int = N_BEFORE) -> None:
    """Every lesson lies in the task space and lesson ids count up from 0."""
    t = _fresh(teacher)
    lessons = _drive(t, steps, np.random.default_rng(1))
    for i, lesson in enumerate(lessons):
        if not t.task_space.contains(lesson.task):
            raise ContractError(f"lesson {i} = {lesson.task!r} lies outside {t.task_space!r}")
        if lesson.id != i:
            raise ContractError(f"lesson {i} has id {lesson.id}; ids must count 0, 1, 2, ...")
        if not isinstance(lesson.origin, str) or not lesson.origin:
            raise ContractError(f"lesson {i} has origin {lesson.origin!r}; give a non-empty string")
    pickle.dumps(lessons)


def check_same_seed_same_lessons(teacher: Teacher) -> None:
    """Two teachers with the same seed and the same feedback propose the same lessons."""
    a = _drive(_fresh(teacher), N_BEFORE, np.random.default_rng(2))
    b = _drive(_fresh(teacher), N_BEFORE, np.random.default_rng(2))
    i = _same(a, b, teacher.task_space.equal_tasks)
    if i is not None:
        raise ContractError(f"same seed, different lessons from step {i}: {a[i].task!r} vs {b[i].task!r}")


def _continue_identically(original: Teacher, restored: Teacher, how: str, steps: int = N_AFTER) -> None:
    fb_rng = np.random.default_rng(4)
    a = _drive(original, steps, fb_rng)
    b = _drive(restored, steps, np.random.default_rng(4))
    i = _same(a, b, original.task_space.equal_tasks)
    if i is not None:
        raise ContractError(f"after {how}, lesson {i} differs: {a[i].task!r} (original) vs {b[i].task!r} (restored)")
    if original.metrics() != restored.metrics():
        raise ContractError(f"after {how}, metrics differ: {original.metrics()} vs {restored.metrics()}")


def check_state_dict_roundtrip(teacher: Teacher, steps: int = N_BEFORE) -> None:
    """A state_dict saved mid-run and loaded into a fresh teacher gives identical next lessons.

    States are compared with NaN equal to NaN, and a difference is reported by its key path.
    """
    t = _fresh(teacher)
    _drive(t, steps, np.random.default_rng(3))
    state = t.state_dict()
    pickle.loads(pickle.dumps(state))
    restored = _fresh(teacher, seed=None if teacher.seed is None else int(teacher.seed) + 1)
    try:
        restored.load_state_dict(state)
    except Exception as e:
        raise ContractError(f"load_state_dict() refused the teacher's own state_dict(): {type(e).__name__}: {e}") from e
    diff = state_difference(state, restored.state_dict())
    if diff is not None:
        raise ContractError(f"state_dict() after load_state_dict() differs from the state that was loaded: {diff}")
    _continue_identically(t, restored, "state_dict/load_state_dict", min(N_AFTER, steps))


def check_pickle_roundtrip(teacher: Teacher) -> None:
    """A teacher pickled mid-run continues identically."""
    t = _fresh(teacher)
    _drive(t, N_BEFORE, np.random.default_rng(5))
    restored = pickle.loads(pickle.dumps(t))
    _continue_identically(t, restored, "pickling")


def check_out_of_order_feedback(teacher: Teacher) -> None:
    """Feedback for outstanding lessons is accepted in any order."""
    t = _fresh(teacher)
    rng = np.random.default_rng(6)
    for _ in range(5):
        lessons = [t.sample() for _ in range(8)]
        for j in rng.permutation(len(lessons)):
            t.update(lessons[j], t.example_feedback(lessons[j], rng))
    if t.n_updates_ != 40:
        raise ContractError(f"expected 40 updates to be counted, got {t.n_updates_}")


def check_rejects_nonfinite_feedback(teacher: Teacher) -> None:
    """NaN or infinite numbers in feedback are rejected with a ValueError naming the field."""
    t = _fresh(teacher)
    rng = np.random.default_rng(7)
    lesson = t.sample()
    good = t.example_feedback(lesson, rng)
    for bad in (math.nan, math.inf, -math.inf):
        for name in ("episode_return", "score"):
            fb = Feedback(**{**_fields(good), name: bad})
            _raises(lambda fb=fb: t.update(lesson, fb), (ValueError,), f"feedback.{name}={bad}", name)
        if good.losses is not None and good.losses.size:
            losses = good.losses.copy()
            losses[0] = bad
            fb = Feedback(**{**_fields(good), "losses": losses})
            _raises(lambda fb=fb: t.update(lesson, fb), (ValueError,), f"feedback.losses with {bad}", "losses")
        fb = Feedback(**{**_fields(good), "trajectories": [np.full((3, 2), bad)]})
        _raises(lambda fb=fb: t.update(lesson, fb), (ValueError,), f"a trajectory of {bad}", "trajectories")
        fb = Feedback(**{**_fields(good), "extras": {"metric": bad}})
        _raises(lambda fb=fb: t.update(lesson, fb), (ValueError,), f"extras with {bad}", "extras")
    _raises(lambda: t.update(lesson, math.nan), (ValueError,), "a bare NaN return", "episode_return")
    if t.n_updates_ != 0:
        raise ContractError("rejected feedback must not be counted as an update")


def _fields(fb: Feedback) -> dict[str, Any]:
    return {
        "episode_return": fb.episode_return,
        "success": fb.success,
        "score": fb.score,
        "losses": fb.losses,
        "trajectories": fb.trajectories,
        "length": fb.length,
        "extras": dict(fb.extras) if isinstance(fb.extras, Mapping) else fb.extras,
    }


def check_rejects_missing_feedback(teacher: Teacher) -> None:
    """Feedback without a required field is rejected with an error naming that field."""
    t = _fresh(teacher)
    lesson = t.sample()
    good = t.example_feedback(lesson, np.random.default_rng(8))
    for name in sorted(t.requires):
        if name == "extras":
            continue
        fb = Feedback(**{**_fields(good), name: None})
        _raises(lambda fb=fb: t.update(lesson, fb), (ValueError,), f"feedback without {name!r}", name)


def check_rejects_lessons_outside_space(teacher: Teacher) -> None:
    """Tasks outside the space, of the wrong type or shape, are rejected with a clear error."""
    t = _fresh(teacher)
    rng = np.random.default_rng(9)
    lesson = t.sample()
    fb = t.example_feedback(lesson, rng)
    for bad in t.task_space.invalid_examples():
        _raises(lambda bad=bad: t.update(bad, fb), (ValueError, TypeError), f"update with task {bad!r}")
        forged = Lesson(task=bad, id=lesson.id, origin=lesson.origin, info=lesson.info)
        _raises(lambda f=forged: t.update(f, fb), (ValueError, TypeError), f"update with lesson.task={bad!r}")
    never = Lesson(task=lesson.task, id=10_000, origin=lesson.origin, info=lesson.info)
    _raises(lambda: t.update(never, fb), (ValueError,), "update with a lesson id never sampled", "id")
    if t.n_updates_ != 0:
        raise ContractError("rejected lessons must not be counted as updates")


def check_rejects_wrong_shapes(teacher: Teacher) -> None:
    """Feedback arrays of the wrong shape are rejected."""
    t = _fresh(teacher)
    lesson = t.sample()
    good = t.example_feedback(lesson, np.random.default_rng(10))
    fb = {**_fields(good), "losses": np.zeros((2, 2))}
    _raises(lambda: t.update(lesson, Feedback(**fb)), (ValueError,), "2-D losses", "losses")
    fb = {**_fields(good), "trajectories": [np.zeros(3)]}
    _raises(lambda: t.update(lesson, Feedback(**fb)), (ValueError,), "1-D trajectory", "trajectories")
    if good.losses is not None:
        fb = {**_fields(good), "losses": np.zeros(good.losses.shape[0] + 1)}
        _raises(lambda: t.update(lesson, Feedback(**fb)), (ValueError,), "one loss too many", "losses")


def check_metrics(teacher: Teacher) -> None:
    """metrics() is a flat dict of finite floats keyed by strings, before and after learning."""
    t = _fresh(teacher)
    for step in (0, N_BEFORE):
        _drive(t, step, np.random.default_rng(11))
        m = t.metrics()
        if not isinstance(m, dict):
            raise ContractError(f"metrics() must return a dict, got {type(m).__name__}")
        for k, v in m.items():
            if not isinstance(k, str) or not isinstance(v, float) or not math.isfinite(v):
                raise ContractError(f"metrics()[{k!r}] = {v!r}: keys must be strings, values finite floats")


# ---------------------------------------------------------------------- malformed inputs
_BAD_NUMBERS: tuple[Any, ...] = (
    math.nan,
    math.inf,
    10**400,
    -(10**400),
    "0.5",
    True,
    np.array("0.5"),
    np.array([0.5, 0.5]),
    1 + 2j,
    [0.5],
)
_BAD_FIELDS: dict[str, tuple[Any, ...]] = {
    "episode_return": _BAD_NUMBERS,
    "score": _BAD_NUMBERS,
    "success": (np.array([True, False]), "yes", 0.5, 2, np.array("True"), [True]),
    "losses": (
        np.array([True, False]),
        np.array([1 + 1j, 2.0]),
        ["0.5", 1.0],
        [10**400],
        np.array(0.5),
        np.zeros((2, 2)),
        np.array([math.nan]),
        np.array(["a"]),
        "losses",
    ),
    "trajectories": (
        [np.full((3, 2), math.nan)],
        [np.ones((3, 2), dtype=complex)],
        [np.zeros((3, 2), dtype=bool)],
        "abc",
        [],
        [np.zeros(3)],
        [np.zeros((0, 2))],
        [[["a", "b"]]],
        5,
    ),
    "length": (True, -1, 1.5, "3", np.array([1, 2])),
    "extras": (
        {"metric": math.nan},
        {"metric": -math.inf},
        {"metric": 10**400},
        {1: 0.5},
        {"metric": "x"},
        {"metric": True},
        {"metric": np.array([1.0, 2.0])},
        None,
        [("metric", 1.0)],
    ),
}


def invalid_feedbacks(teacher: Teacher, lesson: Lesson, rng: np.random.Generator) -> list[tuple[str, Any]]:
    """``(field, feedback)`` pairs that every teacher must refuse with an error naming ``field``.

    Each is the teacher's :meth:`~autocurriculum.teachers.base.Teacher.example_feedback` for ``lesson`` with one
    field replaced by a malformed value (NaN, infinities, integers too large for a float, numbers
    as strings, bools, complex numbers, arrays where one value is expected, 0-d arrays where
    arrays are, non-string extras keys...), a required field removed, or a malformed bare
    feedback. ``field`` is ``"feedback.<name>"``, or ``"feedback"`` for the bare ones.
    """
    good = _fields(teacher.example_feedback(lesson, rng))
    out: list[tuple[str, Any]] = []
    for name, values in _BAD_FIELDS.items():
        for value in values:
            out.append((f"feedback.{name}", Feedback(**{**good, name: value})))
    for name in sorted(teacher.requires):
        if name in FEEDBACK_FIELDS and name != "extras":
            out.append((name, Feedback(**{**good, name: None})))
    out += [("feedback", v) for v in (None, "0.5", True, np.array("0.5"), [0.5], object())]
    out += [("feedback.episode_return", v) for v in (math.nan, 10**400)]
    out.append(("feedback: unknown fields", {"episode_retrun": 0.5}))
    return out


def forged_lessons(teacher: Teacher, lesson: Lesson, foreign: Lesson) -> list[tuple[str, Any]]:
    """``(field, lesson)`` pairs that ``teacher`` must refuse with an error naming ``field``.

    ``lesson`` is an outstanding lesson of ``teacher``; ``foreign`` a lesson another teacher issued.
    The forgeries: ids that are not integers (``True``, ``1.5``, ``'0'``) or were never issued, a
    lesson with an id but no teacher uid, another teacher's lesson, ``info``/``origin`` of the
    wrong type, tasks outside the space (in a lesson and bare), and, for teachers that take one
    report per lesson, a lesson whose origin or info were altered.
    """
    out: list[tuple[str, Any]] = [
        ("lesson.id", replace(lesson, id=v)) for v in (True, 1.5, "0", np.float64(0.0), -1, 10**6, 10**400)
    ]
    out.append(("lesson.id", Lesson(task=lesson.task, id=0, origin=lesson.origin, info=lesson.info)))
    out.append(("lesson.teacher_uid", foreign))
    out += [("lesson.info", replace(lesson, info=v)) for v in (None, [("a", 1)], "info")]
    out += [("lesson.origin", replace(lesson, origin=v)) for v in (None, 3)]
    for bad in teacher.task_space.invalid_examples():
        out.append(("lesson.task", replace(lesson, task=bad)))
        out.append(("lesson", bad))
    if teacher.reports_per_lesson == "one":
        out.append(("lesson", replace(lesson, origin=lesson.origin + "_forged")))
        out.append(("lesson", replace(lesson, info={**dict(lesson.info), "forged": 1})))
    return out


def _paths(state: Any, path: tuple[Any, ...] = ()) -> Iterable[tuple[tuple[Any, ...], Any]]:
    """Every (key path, value) of the mappings in ``state``, depth first."""
    if isinstance(state, Mapping):
        for k, v in state.items():
            yield (*path, k), v
            yield from _paths(v, (*path, k))


def _set(state: Any, path: tuple[Any, ...], value: Any, delete: bool = False) -> Any:
    out = copy.deepcopy(state)
    node = out
    for k in path[:-1]:
        node = node[k]
    if delete:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return out


def corrupted_states(state: Mapping[str, Any], structural_only: bool = False) -> Iterator[tuple[str, bool, Any]]:
    """``(key, structural, state)`` corruptions of a teacher's ``state_dict()``.

    ``key`` is the key the refusal must name. Structural corruptions (``structural=True``: a key
    removed, an unknown key added, a value replaced by a string) must be refused by
    every teacher. Value corruptions (NaN or infinity in a float array or number, a negative or
    huge integer, a float array in another dtype, an array turned into a list or given an extra
    axis, a bool for a number) must be refused by teachers whose state cannot hold them (all the
    built-in ones); a teacher may accept one only if it keeps working with it. Each corrupted
    state is a deep copy made when it is drawn.
    """
    for path, value in _paths(state):
        key = str(path[-1])
        if path[0] == "task_space" and len(path) > 1:
            continue  # compared whole with the teacher's space
        yield key, True, _set(state, path, None, delete=True)
        yield key, True, _set(state, path, "corrupt" if not isinstance(value, str) else 12345)
        if isinstance(value, Mapping):
            yield "unknown_key", True, _set(state, (*path, "unknown_key"), 1)
        if structural_only:
            continue
        for bad in _bad_values(value):
            yield key, False, _set(state, path, bad)
    yield "unknown_key", True, {**state, "unknown_key": 1}


def _bad_values(value: Any) -> list[Any]:
    """Values of the same key that a state holding ``value`` there should not hold."""
    if isinstance(value, np.ndarray) and value.dtype.kind in "fiub":
        out = [value.tolist(), value[..., None]]
        if value.dtype.kind == "f":
            out += [value.astype(np.float32), value.astype(np.complex128)]
            for bad in (math.nan, math.inf) if value.size else ():
                v = value.copy()
                v.flat[0] = bad
                out.append(v)
        elif value.dtype.kind in "iu":
            out.append(value.astype(np.float64))
            if value.size:
                v = value.astype(np.int64)
                v.flat[0] = -(10**6)
                out.append(v)
        return out
    if isinstance(value, (float, np.floating)):
        return [math.nan, -math.inf]
    if isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_)):
        return [-1, 10**400, True, float(value) + 0.5]
    return []


# ---------------------------------------------------------------------- checks of malformed input
def _unchanged(t: Teacher, before: dict[str, Any], what: str) -> None:
    diff = state_difference(before, t.state_dict())
    if diff is not None:
        raise ContractError(f"{what} changed the teacher: {diff}")


def check_rejects_malformed_feedback(teacher: Teacher) -> None:
    """Malformed feedback (non-numeric, 0-d strings, huge integers...) is refused naming the field; nothing changes."""
    t = _fresh(teacher)
    _drive(t, 10, np.random.default_rng(12))
    lesson = t.sample()
    before = t.state_dict()
    for name, fb in invalid_feedbacks(t, lesson, np.random.default_rng(13)):
        what = f"update with {name} = {_short(fb)}"
        _raises(lambda fb=fb: t.update(lesson, fb), (ValueError, TypeError), what, name.split(": ")[0])
    _unchanged(t, before, "refused feedback")
    t.update(lesson, t.example_feedback(lesson, np.random.default_rng(13)))


def _short(value: Any) -> str:
    if isinstance(value, Feedback):
        return ", ".join(
            f"{k}={_short(v)}"
            for k, v in _fields(value).items()
            if v is not None and not (isinstance(v, dict) and not v)
        )
    text = f"{type(value).__name__} {value!r}" if not isinstance(value, int) or abs(value) < 2**64 else "a huge int"
    return text if len(text) < 60 else text[:57] + "..."


def check_rejects_forged_lessons(teacher: Teacher) -> None:
    """Forged ids, foreign lessons, bad info/origin and repeated reports are refused naming the field."""
    t = _fresh(teacher)
    rng = np.random.default_rng(14)
    _drive(t, 10, rng)
    other = _fresh(teacher)
    foreign = other.sample()
    lesson = t.sample()
    fb = t.example_feedback(lesson, rng)
    before = t.state_dict()
    for name, forged in forged_lessons(t, lesson, foreign):
        what = f"update with a forged {name} ({_short(forged)})"
        _raises(lambda f=forged: t.update(f, fb), (ValueError, TypeError), what, name)
    _unchanged(t, before, "a refused lesson")
    t.update(lesson, fb)
    if t.reports_per_lesson == "one":
        before = t.state_dict()
        _raises(lambda: t.update(lesson, fb), (ValueError,), "a second report of one lesson", "lesson.id")
        _unchanged(t, before, "a refused second report")
    else:
        t.update(lesson, fb)


def check_failed_load_leaves_teacher_untouched(
    teacher: Teacher, steps: int = 60, structural_only: bool = False
) -> None:
    """Corrupt and partial states are refused naming the key, and a refused load changes nothing.

    After every refusal the teacher's ``state_dict()`` is compared with the one before (NaN equal
    to NaN), and at the end its next lessons with those of a copy that never saw the bad states.
    A structural corruption must be refused; a value corruption may be accepted only by a teacher
    that keeps working with it.
    """
    t = _fresh(teacher)
    _drive(t, steps, np.random.default_rng(15))
    twin = pickle.loads(pickle.dumps(t))
    before = t.state_dict()
    for key, structural, bad in corrupted_states(before, structural_only=structural_only):
        what = f"load_state_dict with state[...][{key!r}] corrupted"
        try:
            t.load_state_dict(bad)
        except (ValueError, TypeError) as e:
            if structural and key not in str(e):
                raise ContractError(f"{what}: the error {e!r} does not name {key!r}") from e
            _unchanged(t, before, f"a refused {what}")
            continue
        except Exception as e:
            raise ContractError(f"{what}: expected ValueError/TypeError, got {type(e).__name__}: {e}") from e
        if structural:
            raise ContractError(
                f"{what}: the state was accepted; a state with a missing, unknown or mistyped key must be refused"
            )
        try:  # an accepted value corruption must leave a working teacher
            _drive(t, 5, np.random.default_rng(16))
        except Exception as e:
            raise ContractError(f"{what}: accepted, then the teacher failed ({type(e).__name__}: {e})") from e
        t.load_state_dict(before)
    _continue_identically(twin, t, "refused loads", 10)


def _int_param_variants(teacher: Teacher) -> list[Teacher]:
    """Clones with one integer hyperparameter halved or doubled (those whose set-up succeeds)."""
    out = []
    for name, value in teacher.get_params().items():
        if name == "seed" or isinstance(value, bool) or not isinstance(value, (int, np.integer)):
            continue
        for new in {int(value) * 2, max(int(value) // 2, 1)} - {int(value)}:
            variant = teacher.clone(**{name: new})
            try:
                variant.setup()
            except (ValueError, TypeError):
                continue
            out.append(variant)
    return out


def check_states_from_other_parameters(teacher: Teacher) -> None:
    """A state saved with other integer hyperparameters is refused cleanly, or loads into a working teacher."""
    for variant in _int_param_variants(_fresh(teacher)):
        _drive(variant, 40, np.random.default_rng(17))
        state = variant.state_dict()
        t = _fresh(teacher)
        _drive(t, 20, np.random.default_rng(18))
        before = t.state_dict()
        what = f"loading a state saved with {variant!r}"
        try:
            t.load_state_dict(state)
        except (ValueError, TypeError):
            _unchanged(t, before, f"refused {what}")
            continue
        except Exception as e:
            raise ContractError(f"{what}: expected ValueError/TypeError, got {type(e).__name__}: {e}") from e
        try:
            for lesson in _drive(t, 20, np.random.default_rng(19)):
                t.task_space.check(lesson.task)
            t.load_state_dict(t.state_dict())
        except Exception as e:
            raise ContractError(f"{what}: accepted, then the teacher failed ({type(e).__name__}: {e})") from e


ALL_CHECKS: tuple[Callable[[Teacher], None], ...] = (
    check_constructor_has_no_side_effects,
    check_samples_in_space,
    check_same_seed_same_lessons,
    check_state_dict_roundtrip,
    check_pickle_roundtrip,
    check_out_of_order_feedback,
    check_rejects_nonfinite_feedback,
    check_rejects_missing_feedback,
    check_rejects_lessons_outside_space,
    check_rejects_wrong_shapes,
    check_rejects_malformed_feedback,
    check_rejects_forged_lessons,
    check_failed_load_leaves_teacher_untouched,
    check_states_from_other_parameters,
    check_metrics,
)


def _quick(check: Callable[..., None], **kwargs: Any) -> Callable[[Teacher], None]:
    fn = functools.partial(check, **kwargs)
    functools.update_wrapper(fn, check)
    return fn  # type: ignore[return-value]


#: The quick subset (fewer steps, no statistical or long checks), for a runner's first use of a plugin.
QUICK_CHECKS: tuple[Callable[[Teacher], None], ...] = (
    check_constructor_has_no_side_effects,
    _quick(check_samples_in_space, steps=N_QUICK),
    _quick(check_state_dict_roundtrip, steps=N_QUICK),
    check_rejects_nonfinite_feedback,
    check_rejects_missing_feedback,
    check_rejects_malformed_feedback,
    check_rejects_forged_lessons,
    _quick(check_failed_load_leaves_teacher_untouched, steps=N_QUICK, structural_only=True),
)


def teacher_checks(teacher: Teacher, quick: bool = False) -> list[Callable[[Teacher], None]]:
    """The checks that apply to ``teacher``: all of them, or the :data:`QUICK_CHECKS` subset."""
    if not isinstance(teacher, Teacher):
        raise TypeError(f"teacher_checks: expected a Teacher instance, got {teacher!r}")
    return list(QUICK_CHECKS if quick else ALL_CHECKS)


def check_teacher(teacher: Teacher, quick: bool = False) -> None:
    """Run the contract checks on ``teacher``; raise :class:`ContractError` on the first failure.

    ``quick=True`` runs :data:`QUICK_CHECKS` only (about a second for the built-in teachers), as
    an experiment runner does the first time it uses a plugin teacher. Every check works on
    clones: ``teacher`` itself is not changed. Any exception a check meets is reported as a
    :class:`ContractError` naming the teacher and the check.
    """
    for check in teacher_checks(teacher, quick=quick):
        try:
            check(teacher)
        except ContractError as e:
            raise ContractError(f"{type(teacher).__name__} fails {check.__name__}: {e}") from e
        except Exception as e:  # a teacher that crashes inside a check breaks the contract too
            raise ContractError(
                f"{type(teacher).__name__} fails {check.__name__}: it raised {type(e).__name__}: {e}"
            ) from e


def parametrize_with_checks(teachers: Iterable[Teacher], quick: bool = False) -> Any:
    """A ``pytest.mark.parametrize`` decorator over ``(teacher, check)`` pairs with readable ids."""
    import pytest

    cases = [(t, c) for t in teachers for c in teacher_checks(t, quick=quick)]
    ids = [f"{type(t).__name__}-{c.__name__}" for t, c in cases]
    return pytest.mark.parametrize(("teacher", "check"), cases, ids=ids)


def builtin_examples() -> list[Teacher]:
    """One small instance of each of the 12 built-in teachers (for fuzzing, benchmarks and docs).

    Parameters are cut down so that a few dozen lessons reach every code path: GMM fits after 12
    episodes, RIAC splits after 10, ADR decides after 3 probes, PLR replays and edits, ADS runs on
    synthetic demonstrations of 12 steps.
    """
    from autocurriculum.teachers import (
        ADR,
        ADS,
        ALPGMM,
        PLR,
        RIAC,
        CovarGMM,
        CyclicalCurriculum,
        DiscreteSpace,
        FixedExponentialPacing,
        FullData,
        LearningProgress,
        PacingCurriculum,
        Random,
        SubsetSpace,
        discount_space,
    )
    from autocurriculum.teachers.spaces import BoxSpace

    box = BoxSpace([0.0, -1.0], [1.0, 1.0], names=["a", "b"])
    data = SubsetSpace(12)
    t = np.arange(12)[:, None] / 12.0
    demo_rng = np.random.default_rng(0)
    demos = [np.hstack([t, t**2]) + 0.01 * demo_rng.normal(size=(12, 2)) for _ in range(3)]
    return [
        Random(box, seed=0),
        ALPGMM(box, fit_rate=12, potential_ks=[1, 2], seed=0),
        CovarGMM(box, fit_rate=12, potential_ks=[1, 2], seed=0),
        RIAC(box, max_region_size=10, nb_split_attempts=5, seed=0),
        ADR(box, threshold_high=0.6, threshold_low=0.2, queue_len=3, boundary_sampling_p=0.7, seed=0),
        LearningProgress(DiscreteSpace(6), seed=0),
        PLR(box, buffer_size=10, replay_prob=0.5, edit_prob=0.5, num_edits=1, seed=0),
        FullData(data, seed=0),
        PacingCurriculum(data, total_epochs=3.0, seed=0),
        FixedExponentialPacing(data, batch_size=2, step_length=2, seed=0),
        CyclicalCurriculum(data, seed=0),
        ADS(discount_space(), demos, seed=0),
    ]
