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
"""

from __future__ import annotations

import math
import pickle
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from autocurriculum.teachers.base import Feedback, Lesson, Teacher, _plain_equal

__all__ = ["ContractError", "builtin_examples", "check_teacher", "parametrize_with_checks", "teacher_checks"]

#: Steps driven before a checkpoint / pickle, and lessons compared after it.
N_BEFORE = 200
N_AFTER = 100


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


def check_samples_in_space(teacher: Teacher) -> None:
    """Every lesson lies in the task space and lesson ids count up from 0."""
    t = _fresh(teacher)
    lessons = _drive(t, N_BEFORE, np.random.default_rng(1))
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


def _continue_identically(original: Teacher, restored: Teacher, how: str) -> None:
    fb_rng = np.random.default_rng(4)
    a = _drive(original, N_AFTER, fb_rng)
    b = _drive(restored, N_AFTER, np.random.default_rng(4))
    i = _same(a, b, original.task_space.equal_tasks)
    if i is not None:
        raise ContractError(f"after {how}, lesson {i} differs: {a[i].task!r} (original) vs {b[i].task!r} (restored)")
    if original.metrics() != restored.metrics():
        raise ContractError(f"after {how}, metrics differ: {original.metrics()} vs {restored.metrics()}")


def check_state_dict_roundtrip(teacher: Teacher) -> None:
    """A state_dict saved mid-run and loaded into a fresh teacher gives identical next lessons."""
    t = _fresh(teacher)
    _drive(t, N_BEFORE, np.random.default_rng(3))
    state = t.state_dict()
    pickle.loads(pickle.dumps(state))
    restored = _fresh(teacher, seed=None if teacher.seed is None else int(teacher.seed) + 1)
    restored.load_state_dict(state)
    if not _plain_equal(_normalise_state(restored.state_dict()), _normalise_state(state)):
        raise ContractError("state_dict() after load_state_dict() differs from the state that was loaded")
    _continue_identically(t, restored, "state_dict/load_state_dict")


def _normalise_state(state: Any) -> Any:
    if isinstance(state, dict):
        return {k: _normalise_state(v) for k, v in state.items()}
    if isinstance(state, (list, tuple)):
        return [_normalise_state(v) for v in state]
    return state


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
        "extras": dict(fb.extras),
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
    check_metrics,
)


def teacher_checks(teacher: Teacher) -> list[Callable[[Teacher], None]]:
    """The checks that apply to ``teacher`` (currently all of them)."""
    if not isinstance(teacher, Teacher):
        raise TypeError(f"teacher_checks: expected a Teacher instance, got {teacher!r}")
    return list(ALL_CHECKS)


def check_teacher(teacher: Teacher) -> None:
    """Run every contract check on ``teacher``; raise :class:`ContractError` on the first failure."""
    for check in teacher_checks(teacher):
        try:
            check(teacher)
        except ContractError as e:
            raise ContractError(f"{type(teacher).__name__} fails {check.__name__}: {e}") from e


def parametrize_with_checks(teachers: Iterable[Teacher]) -> Any:
    """A ``pytest.mark.parametrize`` decorator over ``(teacher, check)`` pairs with readable ids."""
    import pytest

    cases = [(t, c) for t in teachers for c in teacher_checks(t)]
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
