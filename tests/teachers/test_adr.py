"""ADR (OpenAI et al. 2019, as in TeachMyAgent): probes, queues, widening/narrowing, attribution."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from autocurriculum.environments.unlock_grid import UnlockGrid, run_teacher
from autocurriculum.teachers import ADR, ADR_PRESETS, BoxSpace, Lesson, Random, make_teacher
from autocurriculum.teachers.contract import parametrize_with_checks

UNIT = BoxSpace([0.0, 0.0], [1.0, 1.0])
LINE = BoxSpace([0.0], [2.0])


@parametrize_with_checks(
    [
        ADR.from_preset("unlock_grid", UNIT, seed=0),
        ADR(BoxSpace([0.0, -2.0, 10.0], [3.0, 2.0, 20.0]), threshold_high=0.6, threshold_low=0.4, queue_len=3, seed=1),
        ADR.from_preset("teachmyagent", UNIT, initial_mean=[0.5, 0.5], seed=2),
    ]
)
def test_contract(teacher: ADR, check: object) -> None:
    check(teacher)  # type: ignore[operator]


def _probes(teacher: ADR, bound: str, n: int) -> list[Lesson]:
    """Sample until ``n`` lessons probing ``bound`` of dimension 0 (others stay unreported)."""
    out: list[Lesson] = []
    while len(out) < n:
        lesson = teacher.sample()
        if lesson.info.get("probe_bound") == bound:
            out.append(lesson)
    return out


def _line(**kw: object) -> ADR:
    params = {"threshold_high": 0.8, "threshold_low": 0.2, "boundary_sampling_p": 1.0, "initial_mean": [1.0]}
    return ADR(LINE, **{**params, **kw}, seed=0)  # type: ignore[arg-type]


def test_starts_from_one_point() -> None:
    low, high = _line().bounds()
    assert low.tolist() == high.tolist() == [1.0]
    random_start = ADR(UNIT, threshold_high=1.0, threshold_low=0.0, seed=3)
    low, high = random_start.bounds()
    np.testing.assert_array_equal(low, high)
    assert not np.array_equal(low, ADR(UNIT, threshold_high=1.0, threshold_low=0.0, seed=4).bounds()[0])


def test_widens_after_ten_good_probes_then_narrows_after_ten_bad_ones() -> None:
    teacher = _line()
    lessons = _probes(teacher, "high", 10)
    assert all(lesson.task.tolist() == [1.0] and lesson.origin == "boundary" for lesson in lessons)
    for lesson in lessons[:9]:
        teacher.update(lesson, 0.9)
    assert teacher.bounds()[1].tolist() == [1.0] and len(teacher.queues_["high"][0]) == 9
    teacher.update(lessons[9], 0.8)  # mean (9 * 0.9 + 0.8) / 10 = 0.89 >= 0.8: widen by 0.1 * 2
    assert teacher.bounds()[1].tolist() == [1.2] and teacher.queues_["high"][0] == []
    assert teacher.bounds()[0].tolist() == [1.0] and teacher.n_widened_ == 1
    for lesson in _probes(teacher, "high", 10):
        assert lesson.task.tolist() == [1.2]
        teacher.update(lesson, 0.1)  # mean 0.1 < 0.2: narrow
    assert teacher.bounds()[1].tolist() == [1.0] and teacher.n_narrowed_ == 1
    for lesson in _probes(teacher, "high", 10):
        teacher.update(lesson, 0.0)  # narrowing stops at the low bound
    assert teacher.bounds()[1].tolist() == [1.0] and teacher.n_narrowed_ == 2


def test_mean_between_thresholds_keeps_the_bound_and_clears_the_queue() -> None:
    teacher = _line()
    for lesson in _probes(teacher, "low", 10):
        teacher.update(lesson, 0.5)
    assert teacher.bounds()[0].tolist() == [1.0] and teacher.queues_["low"][0] == []
    assert teacher.n_widened_ == teacher.n_narrowed_ == 0


def test_low_bound_widens_downwards() -> None:
    teacher = _line()
    for lesson in _probes(teacher, "low", 10):
        teacher.update(lesson, 1.0)
    assert teacher.bounds()[0].tolist() == [0.8] and teacher.bounds()[1].tolist() == [1.0]


def test_probe_attributed_from_lesson_info_when_feedback_arrives_out_of_order() -> None:
    teacher = _line()
    highs = _probes(teacher, "high", 10)
    lows = _probes(teacher, "low", 10)
    # At the start low == high == 1.0, so every probe's task equals both bounds: only the
    # lesson's info tells which bound it probed. Report in an interleaved, reversed order.
    for high, low in zip(reversed(highs), reversed(lows), strict=True):
        teacher.update(low, 0.0)
        teacher.update(high, 1.0)
    assert teacher.bounds()[1].tolist() == [1.2]  # ten 1.0 returns on the high bound: widen
    assert teacher.bounds()[0].tolist() == [1.0]  # ten 0.0 returns on the low bound: narrow, stopped at high (1.0)
    assert teacher.n_widened_ == 1 and teacher.n_narrowed_ == 1


def test_reports_on_a_moved_bound_are_stale_and_not_queued() -> None:
    teacher = _line()
    lessons = _probes(teacher, "high", 12)
    for lesson in lessons[:10]:
        teacher.update(lesson, 1.0)
    assert teacher.bounds()[1].tolist() == [1.2]
    teacher.update(lessons[10], 1.0)  # probed 1.0, the bound is now 1.2
    assert teacher.n_stale_ == 1 and teacher.queues_["high"][0] == []
    teacher.update(Lesson(task=[1.2]), 1.0)  # an external lesson probed nothing
    assert teacher.queues_["high"][0] == [] and teacher.n_updates_ == 12 and teacher.n_stale_ == 1


def test_forged_probe_info_is_rejected() -> None:
    teacher = _line()
    lesson = _probes(teacher, "high", 1)[0]
    # a sampled lesson whose info changed is not the lesson the teacher issued
    with pytest.raises(ValueError, match="differs from the lesson this ADR issued"):
        teacher.update(replace(lesson, info={**lesson.info, "probe_bound": "top"}), 1.0)
    # nor is one whose task no longer matches its probe
    with pytest.raises(ValueError, match="probe_value"):
        teacher.update(replace(lesson, task=[0.5]), 1.0)
    # an external lesson's probe info must describe its task
    bad = Lesson(task=lesson.task, info={**lesson.info, "probe_bound": "top"})
    with pytest.raises(ValueError, match="probe_bound"):
        teacher.update(bad, 1.0)
    bad = Lesson(task=[0.5], info=lesson.info)
    with pytest.raises(ValueError, match="probe_value"):
        teacher.update(bad, 1.0)
    assert teacher.n_updates_ == 0


@pytest.mark.parametrize(("high", "low"), [(-1.0, -1.0), (5.0, 5.0)])
def test_bounds_never_leave_the_task_space(high: float, low: float) -> None:
    # (-1, -1): every full queue widens; (5, 5): every full queue narrows.
    space = BoxSpace([0.0, -3.0], [1.0, 0.7])
    teacher = ADR(space, threshold_high=high, threshold_low=low, step_size=0.3, queue_len=2, seed=0)
    rng = np.random.default_rng(0)
    for _ in range(500):
        lesson = teacher.sample()
        teacher.update(lesson, float(rng.random()))
        lo, hi = teacher.bounds()
        assert np.all(space.low <= lo) and np.all(lo <= hi) and np.all(hi <= space.high)
    if high < 0:
        lo, hi = teacher.bounds()
        np.testing.assert_array_equal(lo, space.low)
        np.testing.assert_array_equal(hi, space.high)


def test_capped_bounds_are_not_probed() -> None:
    teacher = ADR(LINE, threshold_high=0.5, threshold_low=0.0, boundary_sampling_p=1.0, initial_mean=[0.0], seed=0)
    lessons = [teacher.sample() for _ in range(200)]
    assert {lesson.info["probe_bound"] for lesson in lessons} == {"high"}


def test_repeated_steps_land_on_exact_grid_edges() -> None:
    teacher = ADR.from_preset("unlock_grid", BoxSpace([0.0], [1.0]), boundary_sampling_p=1.0, seed=0)
    for k in range(1, 11):
        for lesson in _probes(teacher, "high", 10):
            teacher.update(lesson, 1.0)
        assert teacher.bounds()[1][0] == k / 10


def test_thresholds_are_required_and_validated() -> None:
    with pytest.raises(ValueError, match=r"ADR\.threshold_high: required.*from_preset"):
        ADR(UNIT).sample()
    with pytest.raises(ValueError, match="threshold_low"):
        ADR(UNIT, threshold_high=0.2, threshold_low=0.5).sample()
    with pytest.raises(ValueError, match="boundary_sampling_p"):
        ADR(UNIT, threshold_high=1, threshold_low=0, boundary_sampling_p=1.5).sample()
    with pytest.raises(ValueError, match="step_size"):
        ADR(UNIT, threshold_high=1, threshold_low=0, step_size=0.0).sample()
    with pytest.raises(ValueError, match="queue_len"):
        ADR(UNIT, threshold_high=1, threshold_low=0, queue_len=0).sample()
    with pytest.raises(ValueError, match="initial_mean"):
        ADR(UNIT, threshold_high=1, threshold_low=0, initial_mean=[2.0, 0.0]).sample()


def test_presets_and_registry() -> None:
    tma = ADR.from_preset("teachmyagent", UNIT)
    assert (tma.threshold_high, tma.threshold_low, tma.boundary_sampling_p, tma.step_size) == (180.0, 0.0, 0.7, 0.1)
    assert ADR_PRESETS["unlock_grid"]["initial_mean"] == 0.0
    grid = make_teacher("adr", UNIT, preset="unlock_grid", seed=0)
    assert isinstance(grid, ADR) and grid.bounds()[0].tolist() == [0.0, 0.0]


def test_adr_from_the_origin_beats_random_on_the_grid() -> None:
    adr = run_teacher(ADR.from_preset("unlock_grid", UNIT, seed=0), UnlockGrid(2, 10), 10_000, 10_000).mastered[-1]
    rand = run_teacher(Random(UNIT, seed=0), UnlockGrid(2, 10), 10_000, 10_000).mastered[-1]
    assert adr > rand + 20
