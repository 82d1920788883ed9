"""load_state_dict is atomic and refuses states inconsistent with the teacher, naming the key."""

from __future__ import annotations

import copy
import pickle
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from autocurriculum.teachers import ALPGMM, PLR, BoxSpace, CovarGMM, Lesson, Teacher
from autocurriculum.teachers.contract import _drive, builtin_examples
from autocurriculum.teachers.validation import state_difference

BOX = BoxSpace([0.0, -1.0], [1.0, 1.0], names=["a", "b"])
EXAMPLES = builtin_examples()
IDS = [type(t).__name__ for t in EXAMPLES]


def driven(teacher: Teacher, n: int = 60) -> Teacher:
    t = teacher.clone()
    _drive(t, n, np.random.default_rng(0))
    return t


def assert_refused_untouched(teacher: Teacher, state: Any, match: str) -> None:
    """Loading ``state`` raises naming ``match`` and leaves ``teacher`` exactly as it was."""
    before = teacher.state_dict()
    twin = pickle.loads(pickle.dumps(teacher))
    with pytest.raises((ValueError, TypeError), match=match):
        teacher.load_state_dict(state)
    assert state_difference(before, teacher.state_dict()) is None
    a = _drive(teacher, 20, np.random.default_rng(9))
    b = _drive(twin, 20, np.random.default_rng(9))
    assert all(
        teacher.task_space.equal_tasks(x.task, y.task) and x.origin == y.origin for x, y in zip(a, b, strict=True)
    )


def mutated(state: dict[str, Any], path: list[Any], change: Callable[[Any], Any] | None) -> dict[str, Any]:
    """A deep copy of ``state`` with the entry at ``path`` changed (``change=None``: deleted)."""
    out = copy.deepcopy(state)
    node = out
    for key in path[:-1]:
        node = node[key]
    if change is None:
        del node[path[-1]]
    else:
        node[path[-1]] = change(node.get(path[-1]))
    return out


@pytest.mark.parametrize("teacher", EXAMPLES, ids=IDS)
def test_every_teacher_refuses_broken_states_and_stays_untouched(teacher: Teacher) -> None:
    t = driven(teacher)
    state = t.state_dict()
    inner = state["state"]
    assert_refused_untouched(t, mutated(state, ["n_sampled"], lambda v: -1), r"state\['n_sampled'\]")
    assert_refused_untouched(t, mutated(state, ["n_updates"], lambda v: True), r"state\['n_updates'\]")
    assert_refused_untouched(t, mutated(state, ["rng", "bit_generator"], lambda v: "MT19937"), "bit_generator")
    assert_refused_untouched(t, mutated(state, ["rng", "state", "state"], lambda v: 1.5), r"\['state'\]\['state'\]")
    assert_refused_untouched(t, mutated(state, ["uid"], lambda v: 7), "uid")
    assert_refused_untouched(t, mutated(state, ["pending"], lambda v: {"ids": np.array([10**6])}), "pending")
    assert_refused_untouched(t, mutated(state, ["state", "surprise"], lambda v: 1), "surprise")
    assert_refused_untouched(t, {k: v for k, v in state.items() if k != "rng"}, r"missing keys \['rng'\]")
    for key in inner:
        assert_refused_untouched(t, mutated(state, ["state", key], None), f"missing keys \\['{key}'\\]")
        assert_refused_untouched(t, mutated(state, ["state", key], lambda v: "corrupt"), key)
    # the state it refused nothing of still loads
    t.load_state_dict(state)


def _first_array(state: Any, kinds: str, path: list[Any]) -> list[Any] | None:
    """The path of the first non-empty array of a dtype kind in ``kinds`` inside ``state``."""
    if isinstance(state, dict):
        for k, v in state.items():
            found = _first_array(v, kinds, [*path, k])
            if found is not None:
                return found
    if isinstance(state, np.ndarray) and state.dtype.kind in kinds and state.size:
        return path
    return None


def _set_first(value: np.ndarray, new: Any) -> np.ndarray:
    out = value.copy()
    out.flat[0] = new
    return out


@pytest.mark.parametrize("teacher", EXAMPLES, ids=IDS)
def test_non_finite_negative_and_wrongly_typed_arrays_are_refused(teacher: Teacher) -> None:
    t = driven(teacher)
    state = t.state_dict()
    floats = _first_array(state["state"], "f", ["state"])
    if floats is not None:
        assert_refused_untouched(t, mutated(state, floats, lambda v: _set_first(v, np.nan)), str(floats[-1]))
        assert_refused_untouched(t, mutated(state, floats, lambda v: v.astype(np.float32)), str(floats[-1]))
        assert_refused_untouched(t, mutated(state, floats, lambda v: v.astype(np.complex128)), str(floats[-1]))
        assert_refused_untouched(t, mutated(state, floats, lambda v: v.tolist()), str(floats[-1]))
        # a shorter array: refused as inconsistent with its own shape or with the arrays sized by it
        assert_refused_untouched(t, mutated(state, floats, lambda v: v[:-1]), r"state\['state'\]\[")
    ints = _first_array(state["state"], "iu", ["state"])
    if ints is not None:
        assert_refused_untouched(t, mutated(state, ints, lambda v: _set_first(v, -(10**6))), str(ints[-1]))
        assert_refused_untouched(t, mutated(state, ints, lambda v: v.astype(np.float64)), str(ints[-1]))


def test_a_gmm_state_from_another_fit_rate_is_refused() -> None:
    for cls in (ALPGMM, CovarGMM):
        small = cls(BOX, fit_rate=12, potential_ks=[1, 2], seed=0)
        _drive(small, 30, np.random.default_rng(0))
        big = driven(cls(BOX, fit_rate=20, potential_ks=[1, 2], seed=0), 25)
        assert_refused_untouched(big, small.state_dict(), r"state\['state'\]\['window'\]: expected shape \(20, ")


def test_a_plr_buffer_beyond_capacity_is_refused() -> None:
    large = PLR(BOX, buffer_size=50, replay_prob=0.0, seed=0)
    _drive(large, 40, np.random.default_rng(0))
    small = driven(PLR(BOX, buffer_size=20, replay_prob=0.0, seed=0), 10)
    assert_refused_untouched(small, large.state_dict(), r"holds 40 levels, more than this PLR's capacity 20")


def test_inconsistent_counters_are_refused() -> None:
    t = driven(ALPGMM(BOX, fit_rate=12, potential_ks=[1, 2], seed=0), 30)
    state = t.state_dict()
    assert_refused_untouched(t, mutated(state, ["state", "n_fits"], lambda v: v + 1), "n_fits")
    assert_refused_untouched(t, mutated(state, ["state", "gmm"], lambda v: None), "gmm")
    assert_refused_untouched(t, mutated(state, ["state", "origin_counts", "gmm"], lambda v: v + 1), "origin_counts")


class Fragile(Teacher):
    """A plugin whose _set_state checks nothing and fails half-way with a KeyError."""

    def _init_state(self) -> None:
        self.count_ = 0
        self.history_: list[int] = []

    def _sample(self) -> tuple[Any, str, dict[str, Any]]:
        return self.task_space.sample(self.rng_), "random", {}

    def _update(self, lesson: Lesson, feedback: Any) -> None:
        self.count_ += 1
        self.history_.append(self.count_)

    def _get_state(self) -> dict[str, Any]:
        return {"count": self.count_, "history": list(self.history_)}

    def _set_state(self, state: dict[str, Any]) -> None:
        self.count_ = state["count"]
        self.history_ = list(state["history"])


def test_a_failing_set_state_hook_is_reported_and_changes_nothing() -> None:
    t = Fragile(BOX, seed=0)
    _drive(t, 5, np.random.default_rng(0))
    state = t.state_dict()
    assert_refused_untouched(t, mutated(state, ["state", "history"], None), r"KeyError: 'history'")
    # accepted by the hook without a check: the round trip still refuses what the teacher converts or drops
    assert_refused_untouched(t, mutated(state, ["state", "history"], lambda v: np.array(v)), "history")
    assert_refused_untouched(t, mutated(state, ["state", "extra"], lambda v: 1), "extra")
