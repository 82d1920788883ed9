"""RIAC (Baranes & Oudeyer 2009, as in teachDeepRL): region ALP, split criterion, trimming, sampling."""

from __future__ import annotations

import numpy as np
import pytest

from autocurriculum.environments.unlock_grid import UnlockGrid, run_teacher
from autocurriculum.teachers import RIAC, RIAC_PRESETS, BoxSpace, Random, make_teacher
from autocurriculum.teachers.contract import parametrize_with_checks
from autocurriculum.teachers.riac import region_alp

UNIT = BoxSpace([0.0, 0.0], [1.0, 1.0])
LINE = BoxSpace([0.0], [1.0])
# Nine tasks x = 0.1 .. 0.9 arriving in this order, with these returns (see the split test).
XS = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]
RS = [0.25, 0.75, 0.25, 0.75, 1.0, 0.25, 0.0, 0.25, 0.5]


@parametrize_with_checks(
    [
        RIAC(UNIT, seed=0),
        RIAC(BoxSpace([0.0, -2.0, 10.0], [3.0, 2.0, 20.0]), max_region_size=20, seed=1),
        RIAC.from_preset("teachmyagent", UNIT, max_region_size=30, return_bounds=(-1.0, 2.0), seed=2),
        RIAC.from_preset("leaves", UNIT, max_region_size=30, seed=3),
    ]
)
def test_contract(teacher: RIAC, check: object) -> None:
    check(teacher)  # type: ignore[operator]


def test_region_alp_is_the_gap_between_window_halves() -> None:
    # n = 5: newer half = last 2 (mean 0.75), older half = first 3 (mean 0.2).
    assert region_alp([0.1, 0.2, 0.3, 0.6, 0.9]) == pytest.approx(0.55)
    # n = 4: |mean(0.0, 0.2) - mean(1.0, 0.6)| = 0.7
    assert region_alp([1.0, 0.6, 0.0, 0.2]) == pytest.approx(0.7)
    assert region_alp([0.0, 1.0]) == 0.0
    assert region_alp([]) == 0.0


def _feed(teacher: RIAC, xs: list[float], rs: list[float]) -> None:
    for x, r in zip(xs, rs, strict=True):
        teacher.update([x], r)


def test_split_maximises_n1_n2_times_alp_gap() -> None:
    # Cuts after the k-th task (k pairs left, 9 - k right), by hand:
    #   k=1: ALP1 = 0 (1 pair), ALP2 = |mean(.25,0,.25,.5) - mean(.75,.25,.75,1)| = |.25 - .6875| = .4375
    #        score 1 * 8 * .4375 = 3.5   (the largest |ALP1 - ALP2|)
    #   k=2: ALP1 = 0 (2 pairs), ALP2 = |mean(0,.25,.5) - mean(.25,.75,1,.25)| = |.25 - .5625| = .3125
    #        score 2 * 7 * .3125 = 4.375 (the largest n1 * n2 * |ALP1 - ALP2|)
    #   k=5: ALP1 = |mean(.75,1) - mean(.25,.75,.25)| = .4583, ALP2 = |mean(.25,.5) - mean(.25,0)| = .25
    #        score 5 * 4 * .2083 = 4.1667
    teacher = RIAC(LINE, max_region_size=8, nb_split_attempts=500, seed=0)
    _feed(teacher, XS[:8], RS[:8])
    assert teacher.leaves() == [0]
    _feed(teacher, XS[8:], RS[8:])  # the 9th pair overfills the window: split
    leaves = teacher.leaves()
    assert len(leaves) == 2 and teacher.n_splits_ == 1 and teacher.n_trims_ == 0
    threshold = teacher.cut_threshold_[0]
    assert 0.2 < threshold <= 0.3
    first, second = leaves
    np.testing.assert_array_equal(teacher.rewards_[first], RS[:2])
    np.testing.assert_array_equal(teacher.rewards_[second], RS[2:])
    assert teacher.alp_[first] == 0.0
    assert teacher.alp_[second] == pytest.approx(0.3125)
    np.testing.assert_allclose([teacher.high_[first][0], teacher.low_[second][0]], [threshold, threshold])
    assert teacher.region_of([0.25]) == (first if 0.25 < threshold else second)
    assert teacher.region_of([0.9]) == second


def test_no_valid_cut_drops_the_oldest_quarter() -> None:
    # Children must span 0.6 of the range: no cut of [0, 1] can satisfy both.
    teacher = RIAC(LINE, max_region_size=8, min_dims_range_ratio=0.6, seed=0)
    _feed(teacher, XS, RS)
    assert teacher.leaves() == [0] and teacher.n_trims_ == 1 and teacher.n_splits_ == 0
    np.testing.assert_array_equal(teacher.rewards_[0], RS[2:])  # 9 // 4 = 2 oldest pairs dropped
    np.testing.assert_array_equal(teacher.tasks_[0][:, 0], XS[2:])
    assert teacher.alp_[0] == pytest.approx(region_alp(RS[2:]))


def test_no_cut_leaves_enough_pairs_on_both_sides_when_all_tasks_coincide() -> None:
    teacher = RIAC(LINE, max_region_size=40, seed=0)  # children need >= 40 / 20 = 2 pairs
    _feed(teacher, [0.3] * 41, list(np.linspace(0, 1, 41)))
    assert teacher.leaves() == [0] and teacher.n_trims_ == 1
    assert teacher.rewards_[0].shape == (31,)


def test_region_choice_is_proportional_to_alp() -> None:
    teacher = RIAC(LINE, max_region_size=8, nb_split_attempts=500, random_task_ratio=0.0, perturbed_task_ratio=0.0)
    _feed(teacher, XS, RS)
    first, second = teacher.leaves()
    teacher._set_alp(first, 0.1)  # set by hand: P(first) = 0.1 / 0.4
    teacher._set_alp(second, 0.3)
    lessons = [teacher.sample() for _ in range(8000)]
    regions = np.array([lesson.info["region"] for lesson in lessons])
    assert np.mean(regions == first) == pytest.approx(0.25, abs=0.02)
    for lesson in lessons[:200]:
        leaf = lesson.info["region"]
        assert teacher.low_[leaf][0] <= lesson.task[0] <= teacher.high_[leaf][0]


def test_mode_shares_are_70_20_10() -> None:
    teacher = RIAC(UNIT, seed=3)
    teacher.update([0.5, 0.5], 0.2)
    origins = [teacher.sample().origin for _ in range(10_000)]
    shares = {o: origins.count(o) / len(origins) for o in ("region", "random", "perturbed")}
    assert shares == pytest.approx({"region": 0.7, "random": 0.2, "perturbed": 0.1}, abs=0.015)


def test_perturbation_starts_from_the_lowest_return_task() -> None:
    space = BoxSpace([0.0, 0.0], [10.0, 100.0])
    teacher = RIAC(space, random_task_ratio=0.0, perturbed_task_ratio=1.0, seed=0)
    for task, r in (([1.0, 10.0], 0.9), ([5.0, 50.0], 0.1), ([9.0, 90.0], 0.5)):
        teacher.update(task, r)
    tasks = np.array([teacher.sample().task for _ in range(4000)])
    # N(0, 0.1 * range): std (1, 10) around the worst task (5, 50), far from the box edges.
    np.testing.assert_allclose(tasks.mean(axis=0), [5.0, 50.0], atol=0.1)
    np.testing.assert_allclose(tasks.std(axis=0), [1.0, 10.0], rtol=0.05)


def test_perturbation_is_clipped_to_its_region() -> None:
    teacher = RIAC(LINE, random_task_ratio=0.0, perturbed_task_ratio=1.0, perturbation_std=1.0, seed=0)
    teacher.update([0.0], 0.0)
    xs = np.array([teacher.sample().task[0] for _ in range(1000)])
    assert xs.min() == 0.0 and xs.max() <= 1.0 and np.mean(xs == 0.0) > 0.4


def test_presets_and_registry() -> None:
    assert RIAC_PRESETS["teachdeeprl"] == {
        "max_region_size": 200,
        "nb_split_attempts": 50,
        "min_dims_range_ratio": 1 / 15,
        "sampled_regions": "all",
    }
    t = RIAC.from_preset("teachmyagent", UNIT, seed=4)
    assert (t.max_region_size, t.nb_split_attempts, t.min_dims_range_ratio, t.seed) == (150, 75, 1 / 6, 4)
    assert t.sampled_regions == "all" and RIAC.from_preset("leaves", UNIT).sampled_regions == "leaves"
    assert isinstance(make_teacher("riac", UNIT, preset="teachmyagent"), RIAC)
    with pytest.raises(ValueError, match="unknown preset 'tma'"):
        RIAC.from_preset("tma", UNIT)


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"max_region_size": 1}, "max_region_size"),
        ({"nb_split_attempts": 0}, "nb_split_attempts"),
        ({"min_dims_range_ratio": 1.5}, "min_dims_range_ratio"),
        ({"random_task_ratio": 0.8, "perturbed_task_ratio": 0.3}, "sum to at most 1"),
        ({"perturbation_std": -0.1}, "perturbation_std"),
        ({"return_bounds": (1.0, 0.0)}, "return_bounds"),
    ],
)
def test_invalid_parameters(params: dict[str, object], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        RIAC(UNIT, **params).sample()  # type: ignore[arg-type]


def test_returns_must_be_normalised_or_bounded() -> None:
    teacher = RIAC(UNIT)
    with pytest.raises(ValueError, match="return_bounds"):
        teacher.update([0.5, 0.5], 3.0)
    bounded = RIAC(UNIT, return_bounds=(-150.0, 350.0))
    bounded.update([0.5, 0.5], 100.0)
    assert bounded.rewards_[0].tolist() == [0.5]


def test_riac_beats_random_on_the_grid() -> None:
    riac = run_teacher(RIAC(UNIT, seed=0), UnlockGrid(2, 10), 15_000, 15_000).mastered[-1]
    rand = run_teacher(Random(UNIT, seed=0), UnlockGrid(2, 10), 15_000, 15_000).mastered[-1]
    assert riac > rand + 15


def test_sampling_all_regions_keeps_rolling_windows_in_every_region() -> None:
    """teachDeepRL/TeachMyAgent: every pair enters every region containing it; all regions are sampled."""
    teacher = RIAC(UNIT, max_region_size=20, sampled_regions="all", seed=5)
    rng = np.random.default_rng(0)
    for x in rng.random((600, 2)):
        teacher.update(x, float(x[0] > 0.5) * rng.random())
    internal = [i for i, c in enumerate(teacher.children_) if c is not None]
    assert internal and teacher.rewards_[0].shape[0] == 21  # the root: the last max_region_size + 1 pairs
    for node in internal:
        assert 0 < teacher.rewards_[node].shape[0] <= 21
        assert teacher.alp_[node] == region_alp(teacher.rewards_[node][-20:])
    regions = {teacher.sample().info.get("region") for _ in range(3000)}
    assert regions & set(internal)  # ancestors are sampled too
    leaves_only = RIAC(UNIT, max_region_size=20, seed=5)
    for x in np.random.default_rng(0).random((600, 2)):
        leaves_only.update(x, 0.5)
    assert all(leaves_only.rewards_[i].shape[0] == 0 for i, c in enumerate(leaves_only.children_) if c is not None)
