"""Property-based tests: invalid teacher inputs get a ValueError/TypeError naming the field, and change nothing.

Hypothesis generates malformed feedback, forged lessons and corrupted states for the 12 built-in
teachers (:func:`~autocurriculum.teachers.contract.builtin_examples`). Each case asserts that only
``ValueError``/``TypeError`` is raised, that its message names the field or key, and that the
teacher's ``state_dict()`` is exactly what it was. About 1,200 cases run in CI (derandomised,
so the same ones every time); the ``slow`` variants run ten times as many with fresh draws.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import hypothesis.extra.numpy as hnp
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autocurriculum.teachers import BoxSpace, DiscreteSpace, Feedback, Lesson, SubsetSpace, Teacher
from autocurriculum.teachers.contract import _drive, _fields, builtin_examples, corrupted_states
from autocurriculum.teachers.validation import describe, state_difference


class Case:
    """A built-in teacher driven for a while, with an outstanding lesson and a saved state."""

    def __init__(self, example: Teacher) -> None:
        self.teacher = example.clone()
        _drive(self.teacher, 25, np.random.default_rng(0))
        self.lesson = self.teacher.sample()
        self.foreign = example.clone().sample()
        self.feedback = _fields(self.teacher.example_feedback(self.lesson, np.random.default_rng(1)))
        self.state = self.teacher.state_dict()
        self.paths = list(_leaf_paths(self.state))

    def refused(self, call: Callable[[], Any], name: str, what: Any) -> None:
        """``call`` raises ValueError/TypeError naming ``name`` and leaves the teacher as it was."""
        try:
            call()
        except (ValueError, TypeError) as e:
            error = e
        else:
            self.teacher.load_state_dict(self.state)  # keep the other cases meaningful
            pytest.fail(
                f"{type(self.teacher).__name__} accepted {describe(what, 300)} (expected an error naming {name!r})"
            )
        assert name in str(error), f"the error {error!r} does not name {name!r}"
        diff = state_difference(self.state, self.teacher.state_dict())
        assert diff is None, f"a refused input changed the teacher: {diff}"


def _leaf_paths(state: Any, path: tuple[Any, ...] = ()) -> Any:
    if isinstance(state, dict):
        for k, v in state.items():
            if path == () and k == "task_space":
                continue
            yield (*path, k), v
            yield from _leaf_paths(v, (*path, k))


CASES = [Case(t) for t in builtin_examples()]
cases = st.sampled_from(CASES)

# ---------------------------------------------------------------------- strategies of bad values
non_finite = st.sampled_from([math.nan, math.inf, -math.inf, np.float32("nan"), np.float64("-inf")])
huge_ints = st.one_of(st.integers(min_value=2**1024, max_value=2**4000), st.integers(max_value=-(2**1024)))
text = st.text(max_size=8)
bad_numbers = st.one_of(
    non_finite,
    huge_ints,
    text,
    st.booleans(),
    st.complex_numbers(allow_nan=False, allow_infinity=False).map(complex),
    hnp.arrays(hnp.unicode_string_dtypes(max_len=4), shape=()),
    hnp.arrays(np.float64, shape=st.integers(2, 4)),
    hnp.arrays(np.bool_, shape=()),
    st.lists(st.floats(), min_size=1, max_size=3),
    st.none().map(lambda _: {"a": 1}),
)
bad_arrays = st.one_of(
    hnp.arrays(st.sampled_from([np.bool_, np.complex128]), shape=st.integers(1, 5)),
    hnp.arrays(hnp.unicode_string_dtypes(max_len=3), shape=st.integers(1, 3)),
    hnp.arrays(np.float64, shape=st.integers(1, 5), elements=non_finite),
    hnp.arrays(np.float64, shape=st.sampled_from([(), (2, 2), (1, 1, 1)])),
    st.lists(st.one_of(text, st.booleans()), min_size=1, max_size=3).map(lambda x: [0.5, *x]),
    st.lists(huge_ints, min_size=1, max_size=2),
    text,
)
bad_success = st.one_of(
    st.floats(),
    st.integers().filter(lambda v: v not in (0, 1)),
    text,
    hnp.arrays(np.bool_, shape=st.integers(2, 4)),
    hnp.arrays(hnp.unicode_string_dtypes(max_len=4), shape=()),
    st.lists(st.booleans(), min_size=1, max_size=2),
)
bad_trajectories = st.one_of(
    bad_arrays.filter(lambda a: not (isinstance(a, np.ndarray) and a.ndim == 2 and np.isfinite(a).all())).map(
        lambda a: [a]
    ),
    hnp.arrays(np.float64, shape=(3, 2), elements=non_finite).map(lambda a: [a]),
    st.just([]),
    text,
    st.integers(),
)
bad_lengths = st.one_of(st.integers(max_value=-1), st.booleans(), st.floats(), text, huge_ints.map(lambda v: -abs(v)))
bad_extras = st.one_of(
    st.dictionaries(st.integers(), st.floats(0, 1), min_size=1, max_size=2),
    st.dictionaries(text, bad_numbers, min_size=1, max_size=2),
    st.lists(st.tuples(text, st.floats()), max_size=2),
    st.none(),
)
BAD_FIELDS = {
    "episode_return": bad_numbers,
    "score": bad_numbers,
    "success": bad_success,
    "losses": bad_arrays,
    "trajectories": bad_trajectories,
    "length": bad_lengths,
    "extras": bad_extras,
}


@st.composite
def bad_feedback(draw: st.DrawFn) -> tuple[Case, str, Any]:
    case = draw(cases)
    name = draw(st.sampled_from(sorted(BAD_FIELDS)))
    value = draw(BAD_FIELDS[name])
    fields = {**case.feedback, name: value}
    if draw(st.booleans()):
        return case, f"feedback.{name}", Feedback(**fields)
    return case, f"feedback.{name}", {k: v for k, v in fields.items() if v is not None or k == name}


def _bad_task(space: Any) -> st.SearchStrategy[Any]:
    if isinstance(space, BoxSpace):
        beyond = st.floats(min_value=1.0001, max_value=1e300).map(lambda v: space.high + v * (space.width + 1))
        return st.one_of(
            beyond,
            st.lists(st.floats(0, 1), min_size=space.dim + 1, max_size=space.dim + 3),
            st.lists(st.one_of(text, st.booleans()), min_size=space.dim, max_size=space.dim),
            hnp.arrays(np.float64, shape=space.dim, elements=non_finite),
            text,
        )
    if isinstance(space, DiscreteSpace):
        return st.one_of(st.integers(min_value=space.n), st.integers(max_value=-1), st.booleans(), st.floats(), text)
    assert isinstance(space, SubsetSpace)
    return st.one_of(
        st.lists(st.integers(min_value=space.n), min_size=1, max_size=3),
        st.lists(st.integers(0, space.n - 1), min_size=2, max_size=4).map(lambda v: [v[0], *v]),  # a repeat
        hnp.arrays(np.float64, shape=st.integers(1, 3)),
        st.just([]),
        text,
    )


@st.composite
def forged_lesson(draw: st.DrawFn) -> tuple[Case, str, Any]:
    case = draw(cases)
    lesson, t = case.lesson, case.teacher
    kind = draw(st.sampled_from(["id", "range", "no_uid", "uid", "foreign", "info", "origin", "task", "bare"]))
    if kind == "id":
        value = draw(st.one_of(st.booleans(), st.floats(), text, st.none().map(lambda _: np.float64(1.0))))
        return case, "lesson.id", replace(lesson, id=value)
    if kind == "range":
        value = draw(st.one_of(st.integers(max_value=-1), st.integers(min_value=t.n_sampled_)))
        return case, "lesson.id", replace(lesson, id=value)
    if kind == "no_uid":
        return case, "lesson.id", Lesson(task=lesson.task, id=draw(st.integers(0, t.n_sampled_ - 1)))
    if kind == "uid":
        return case, "lesson.teacher_uid", replace(lesson, teacher_uid=draw(text.filter(lambda u: u != t.uid_)))
    if kind == "foreign":
        return case, "lesson.teacher_uid", case.foreign
    if kind == "info":
        return case, "lesson.info", replace(lesson, info=draw(st.one_of(st.none(), text, st.lists(st.integers()))))
    if kind == "origin":
        return case, "lesson.origin", replace(lesson, origin=draw(st.one_of(st.none(), st.integers(), st.floats())))
    task = draw(_bad_task(t.task_space))
    if kind == "task":
        return case, "lesson.task", replace(lesson, task=task)
    return case, "lesson", task


def _garbage_for(value: Any) -> st.SearchStrategy[Any]:
    """Values no built-in teacher's state holds where ``value`` is."""
    if isinstance(value, str):
        return st.one_of(st.integers(), st.none(), st.floats())
    if isinstance(value, dict):  # (None is a valid value of some keys that may hold a mapping)
        return st.one_of(text, st.integers(), st.lists(st.integers(), max_size=2))
    if isinstance(value, np.ndarray):
        kinds = {"f": [np.float32, np.int64, np.complex128], "i": [np.float64, np.bool_], "u": [np.float64]}
        other = hnp.arrays(st.sampled_from(kinds.get(value.dtype.kind, [np.complex128])), shape=value.shape)
        extra_axis = st.just(value[..., None])
        options = [other, extra_axis, st.just(value.tolist()), text]
        if value.dtype.kind == "f" and value.size:
            options.append(
                st.integers(0, value.size - 1).flatmap(lambda i: non_finite.map(lambda v: _with(value, i, v)))
            )
        if value.dtype.kind in "iu" and value.size:
            bad = st.integers(min_value=-(2**63), max_value=-(10**6))
            options.append(bad.map(lambda v: _with(value.astype(np.int64), 0, v)))
        return st.one_of(*options)
    if isinstance(value, (bool, np.bool_)):
        return st.one_of(st.integers(2), text, st.floats())
    if isinstance(value, (int, np.integer)):
        # (random-generator states hold integers up to 2**128)
        return st.one_of(
            st.integers(max_value=-(10**6)), st.integers(min_value=2**128), st.booleans(), st.floats(), text
        )
    if isinstance(value, (float, np.floating)):
        return st.one_of(non_finite, text, st.booleans())
    if isinstance(value, list):
        return st.one_of(text, st.integers(), st.dictionaries(text, st.integers(), max_size=1))
    return text  # None and anything else


def _with(value: np.ndarray, i: int, new: Any) -> np.ndarray:
    out = value.copy()
    out.flat[i] = new
    return out


@st.composite
def corrupted_state(draw: st.DrawFn) -> tuple[Case, str, Any]:
    case = draw(cases)
    if draw(st.booleans()):  # one of the contract suite's own corruptions
        key, _, state = draw(st.sampled_from(_corruptions(case)))
        return case, key, state
    path, value = draw(st.sampled_from(case.paths))
    state = copy.deepcopy(case.state)
    node = state
    for k in path[:-1]:
        node = node[k]
    action = draw(st.sampled_from(["delete", "unknown", "garbage"]))
    if action == "delete":
        del node[path[-1]]
        return case, str(path[-1]), state
    if action == "unknown" and isinstance(value, dict):
        name = draw(text.filter(lambda k: k not in value))
        node[path[-1]][name] = draw(st.integers())
        return case, repr(name)[1:-1] if name else "unknown keys", state
    node[path[-1]] = draw(_garbage_for(value))
    return case, str(path[-1]), state


_CORRUPTIONS: dict[int, list[tuple[str, bool, Any]]] = {}


def _corruptions(case: Case) -> list[tuple[str, bool, Any]]:
    if id(case) not in _CORRUPTIONS:
        _CORRUPTIONS[id(case)] = list(corrupted_states(case.state))
    return _CORRUPTIONS[id(case)]


FAST = settings(max_examples=400, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
SLOW = settings(max_examples=4000, deadline=None, suppress_health_check=list(HealthCheck))


def _feedback_refused(data: tuple[Case, str, Any]) -> None:
    case, name, fb = data
    case.refused(lambda: case.teacher.update(case.lesson, fb), name, fb)


def _lesson_refused(data: tuple[Case, str, Any]) -> None:
    case, name, lesson = data
    fb = case.teacher.example_feedback(case.lesson, np.random.default_rng(2))
    case.refused(lambda: case.teacher.update(lesson, fb), name, lesson)


def _state_refused(data: tuple[Case, str, Any]) -> None:
    case, key, state = data
    case.refused(lambda: case.teacher.load_state_dict(state), key, key)


@FAST
@given(bad_feedback())
def test_malformed_feedback_is_refused(data: tuple[Case, str, Any]) -> None:
    _feedback_refused(data)


@FAST
@given(forged_lesson())
def test_forged_lessons_are_refused(data: tuple[Case, str, Any]) -> None:
    _lesson_refused(data)


@FAST
@given(corrupted_state())
def test_corrupted_states_are_refused_and_change_nothing(data: tuple[Case, str, Any]) -> None:
    _state_refused(data)


@pytest.mark.slow
@SLOW
@given(bad_feedback())
def test_malformed_feedback_is_refused_many(data: tuple[Case, str, Any]) -> None:
    _feedback_refused(data)


@pytest.mark.slow
@SLOW
@given(forged_lesson())
def test_forged_lessons_are_refused_many(data: tuple[Case, str, Any]) -> None:
    _lesson_refused(data)


@pytest.mark.slow
@SLOW
@given(corrupted_state())
def test_corrupted_states_are_refused_many(data: tuple[Case, str, Any]) -> None:
    _state_refused(data)


def test_every_refused_case_leaves_the_teachers_working() -> None:
    """After the fuzzing above, every teacher still takes its outstanding lesson."""
    for case in CASES:
        t = copy.deepcopy(case.teacher)
        t.update(case.lesson, Feedback(**case.feedback))
