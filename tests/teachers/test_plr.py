"""PLR, Robust PLR and ACCEL (Jiang et al. 2021, 2021b; Parker-Holder et al. 2022).

Replay distribution against hand-computed values, buffer admission, replay schedule, ACCEL
edits and lineage, the train flag of each lesson origin, and feedback out of order.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
import pytest

from autocurriculum.teachers import PLR, PLR_PRESETS, BoxSpace, DiscreteSpace, Feedback, Lesson, Teacher, make_teacher
from autocurriculum.teachers.contract import parametrize_with_checks
from autocurriculum.teachers.plr import POWER_EPS, replay_distribution

BOX = BoxSpace([0.0, -1.0], [1.0, 1.0], names=["a", "b"])
CUBE = BoxSpace([0.0, 0.0, 0.0], [10.0, 10.0, 10.0])

CONTRACT_TEACHERS: list[Teacher] = [
    PLR(BOX, buffer_size=50, replay_prob=0.5, seed=0),
    PLR(BOX, buffer_size=30, seed=1),  # original schedule: replay with probability = fill
    PLR(BOX, buffer_size=40, prioritization="power", temperature=0.5, alpha=0.3, seed=2),
    PLR(BOX, buffer_size=40, initial_mean=[0.5, 0.0], initial_std=0.2, replay_prob=0.7, seed=3),
    PLR(DiscreteSpace(7), seed=0),
    PLR.from_preset("plr", DiscreteSpace(1000), buffer_size=25, seed=4),
    PLR.from_preset("robust_plr", BOX, buffer_size=40, seed=5),
    PLR.from_preset("robust_plr", DiscreteSpace(100), buffer_size=20, seed=6),
    PLR.from_preset("accel", BOX, buffer_size=30, seed=7),
    PLR.from_preset("accel", CUBE, buffer_size=20, edit_prob=0.5, num_edits=1, seed=8),
]


@parametrize_with_checks(CONTRACT_TEACHERS)
def test_plr_contract(teacher: Teacher, check: Any) -> None:
    check(teacher)


# ---------------------------------------------------------------------- helpers
def feed(teacher: PLR, lesson: Lesson, score: float) -> None:
    teacher.update(lesson, Feedback(score=score))


def fill_with(teacher: PLR, scores: list[float]) -> list[Lesson]:
    """Sample one new lesson per score and report it; the teacher must not replay meanwhile."""
    lessons = []
    for s in scores:
        lesson = teacher.sample()
        assert lesson.origin == "new"
        feed(teacher, lesson, s)
        lessons.append(lesson)
    return lessons


# ---------------------------------------------------------------------- the replay distribution
def test_rank_prioritisation_hand_computed() -> None:
    # ranks (3, 1, 2) -> h = (1/3, 1, 1/2); beta = 0.5 -> h^2 = (1/9, 1, 1/4), sum 49/36
    p = replay_distribution([0.5, 2.0, 1.0], [0, 0, 0], 5, prioritization="rank", temperature=0.5, staleness_coef=0.0)
    np.testing.assert_allclose(p, [4 / 49, 36 / 49, 9 / 49], rtol=1e-12)


def test_rank_ties_break_by_position_and_small_beta_does_not_underflow() -> None:
    p = replay_distribution([1.0, 1.0], [0, 0], 1, temperature=1.0, staleness_coef=0.0)
    np.testing.assert_allclose(p, [2 / 3, 1 / 3])
    # beta = 0.001 over 4000 levels: h^(1/beta) underflows in float64 without log space
    p = replay_distribution(np.arange(4000.0), np.zeros(4000), 1, temperature=1e-3, staleness_coef=0.0)
    assert p[-1] == pytest.approx(1.0) and np.isfinite(p).all()


def test_power_prioritisation_hand_computed() -> None:
    scores = [0.5, -1.0, 1.5]
    h = np.array([0.5 + POWER_EPS, POWER_EPS, 1.5 + POWER_EPS])
    p = replay_distribution(scores, [0, 0, 0], 1, prioritization="power", temperature=1.0, staleness_coef=0.0)
    np.testing.assert_allclose(p, h / h.sum(), rtol=1e-12)
    p = replay_distribution(scores, [0, 0, 0], 1, prioritization="power", temperature=0.25, staleness_coef=0.0)
    np.testing.assert_allclose(p, h**4 / (h**4).sum(), rtol=1e-12)


def test_staleness_term_hand_computed() -> None:
    # c = 10, C = (9, 5, 0): c - C = (1, 5, 10)
    p = replay_distribution([3.0, 2.0, 1.0], [9, 5, 0], 10, staleness_coef=1.0)
    np.testing.assert_allclose(p, [1 / 16, 5 / 16, 10 / 16], rtol=1e-12)
    # every level sampled at c: uniform staleness
    p = replay_distribution([3.0, 2.0], [4, 4], 4, temperature=1.0, staleness_coef=1.0)
    np.testing.assert_allclose(p, [0.5, 0.5])


def test_mixture_with_rho_hand_computed() -> None:
    p = replay_distribution([0.5, 2.0, 1.0], [9, 5, 0], 10, temperature=0.5, staleness_coef=0.3)
    expected = 0.7 * np.array([4, 36, 9]) / 49 + 0.3 * np.array([1, 5, 10]) / 16
    np.testing.assert_allclose(p, expected, rtol=1e-12)


def test_teacher_distribution_uses_its_buffer_and_episode_counts() -> None:
    t = PLR(DiscreteSpace(3), buffer_size=3, temperature=0.5, staleness_coef=0.3, replay_prob=1.0, min_fill=1.0, seed=0)
    by_task = {0: 0.5, 1: 2.0, 2: 1.0}
    lessons = []
    for _ in range(3):
        lessons.append(t.sample())
        feed(t, lessons[-1], by_task[lessons[-1].task])
    assert sorted(le.task for le in lessons) == [0, 1, 2]  # new discrete levels are ids not in the buffer
    data = t.plot_data()
    scores = data["score"]
    last = np.array([next(le.id for le in lessons if le.task == task) for task in data["tasks"]])
    expected = replay_distribution(scores, last, 3, temperature=0.5, staleness_coef=0.3)
    np.testing.assert_allclose(t.replay_distribution(), expected, rtol=1e-12)
    np.testing.assert_array_equal(data["staleness"], 3 - last)
    lesson = t.sample()  # buffer full and holds every id: a replay, which resets its staleness
    assert lesson.origin == "replay"
    assert t.plot_data()["staleness"][lesson.info["slot"]] == 1


def test_replays_follow_the_distribution() -> None:
    t = PLR(BOX, buffer_size=4, temperature=1.0, staleness_coef=0.0, replay_prob=1.0, min_fill=1.0, seed=0)
    fill_with(t, [0.1, 0.4, 0.3, 0.2])
    p = t.replay_distribution()
    np.testing.assert_allclose(p, np.array([1 / 4, 1, 1 / 2, 1 / 3]) / (25 / 12))
    n = 6000
    counts = np.bincount([t.sample().info["slot"] for _ in range(n)], minlength=4)
    sigma = np.sqrt(n * p * (1 - p))
    assert np.all(np.abs(counts - n * p) < 4 * sigma), (counts, n * p)


# ---------------------------------------------------------------------- the buffer
def test_admission_and_replacement_of_the_lowest_score() -> None:
    t = PLR(BOX, buffer_size=3, replay_prob=0.0, seed=0)
    lessons = fill_with(t, [0.2, 0.5, 0.9])
    assert t.metrics()["buffer_fill"] == 1.0
    feed(t, t.sample(), 0.1)  # below the lowest: rejected
    assert sorted(t.plot_data()["score"]) == [0.2, 0.5, 0.9]
    assert t.metrics()["n_rejected"] == 1.0
    equal = t.sample()
    feed(t, equal, 0.2)  # equal to the lowest: replaces it
    data = t.plot_data()
    assert sorted(data["score"]) == [0.2, 0.5, 0.9]
    tasks = [tuple(x) for x in data["tasks"]]
    assert tuple(equal.task) in tasks and tuple(lessons[0].task) not in tasks
    higher = t.sample()
    feed(t, higher, 0.7)  # replaces the 0.2 level that just entered
    data = t.plot_data()
    assert sorted(data["score"]) == [0.5, 0.7, 0.9]
    assert tuple(equal.task) not in [tuple(x) for x in data["tasks"]]
    assert t.metrics()["n_admitted"] == 5.0


def test_among_equal_lowest_scores_the_stalest_level_is_replaced() -> None:
    t = PLR(BOX, buffer_size=2, replay_prob=0.0, seed=0)
    first, second = fill_with(t, [0.1, 0.1])
    third = t.sample()
    feed(t, third, 0.1)
    tasks = [tuple(x) for x in t.plot_data()["tasks"]]
    assert tuple(first.task) not in tasks and tuple(second.task) in tasks and tuple(third.task) in tasks


def test_score_ema() -> None:
    t = PLR(BOX, buffer_size=2, alpha=0.25, replay_prob=1.0, min_fill=1.0, seed=0)
    fill_with(t, [1.0, 1.0])
    replay = t.sample()
    feed(t, replay, 3.0)
    assert t.plot_data()["score"][replay.info["slot"]] == pytest.approx(0.75 * 1.0 + 0.25 * 3.0)


# ---------------------------------------------------------------------- the replay schedule
def test_min_fill_and_replay_prob() -> None:
    t = PLR(BOX, buffer_size=100, replay_prob=0.8, min_fill=0.5, seed=0)
    origins = []
    for _ in range(3000):
        lesson = t.sample()
        origins.append(lesson.origin)
        feed(t, lesson, 1.0)
    assert origins[:50] == ["new"] * 50  # no replay before the buffer is half full
    assert "replay" in origins[50:52]  # ... and replays as soon as it is (p(2 news) = 0.04; seed fixed)
    rest = np.array(origins[50:]) == "replay"
    sigma = np.sqrt(0.8 * 0.2 / rest.size)
    assert abs(rest.mean() - 0.8) < 4 * sigma


def test_min_fill_blocks_replay_until_reached() -> None:
    t = PLR(BOX, buffer_size=10, replay_prob=1.0, min_fill=0.5, seed=0)
    fill_with(t, [1.0] * 4)
    assert {t.sample().origin for _ in range(200)} == {"new"}  # unreported new lessons never enter
    fill_with(t, [1.0])
    assert {t.sample().origin for _ in range(200)} == {"replay"}


def test_original_schedule_replays_with_the_fill_fraction() -> None:
    t = PLR(BOX, buffer_size=10, replay_prob=None, seed=0)
    assert t.sample().origin == "new"  # empty buffer
    t2 = PLR(BOX, buffer_size=10, replay_prob=0.0, seed=0)
    fill_with(t2, [1.0] * 4)
    t.load_state_dict(t2.state_dict())  # the same buffer, 4 of 10 levels
    replays = np.array([t.sample().origin == "replay" for _ in range(5000)])
    assert abs(replays.mean() - 0.4) < 4 * np.sqrt(0.24 / replays.size)


def test_discrete_space_new_levels_are_unseen_and_a_full_set_is_only_replayed() -> None:
    t = PLR(DiscreteSpace(5), buffer_size=4000, replay_prob=0.0, seed=0)
    lessons = fill_with(t, [1.0] * 5)
    assert sorted(le.task for le in lessons) == [0, 1, 2, 3, 4]
    assert t.metrics()["buffer_fill"] == 1.0  # capacity is min(buffer_size, n)
    assert {t.sample().origin for _ in range(50)} == {"replay"}


# ---------------------------------------------------------------------- Robust PLR: what to train on
def test_train_flag_per_origin() -> None:
    for robust in (False, True):
        t = PLR(BOX, buffer_size=10, replay_prob=0.5, robust=robust, edit_prob=0.5, num_edits=2, seed=0)
        seen: dict[str, set[bool]] = {}
        for _ in range(300):
            lesson = t.sample()
            seen.setdefault(lesson.origin, set()).add(lesson.info["train"])
            feed(t, lesson, 1.0)
        assert seen == {"new": {not robust}, "replay": {True}, "edit": {False}}


def test_robust_plr_preset_matches_teachers_md() -> None:
    t = PLR.from_preset("robust_plr", BOX)
    assert (t.prioritization, t.temperature, t.staleness_coef) == ("rank", 0.3, 0.3)
    assert (t.replay_prob, t.min_fill, t.buffer_size, t.robust) == (0.8, 0.5, 4000, True)
    a = PLR.from_preset("accel", BOX, seed=3)
    assert (a.prioritization, a.temperature, a.staleness_coef, a.replay_prob) == ("rank", 0.1, 0.5, 0.9)
    assert (a.buffer_size, a.num_edits, a.edit_prob, a.seed) == (1000, 3, 1.0, 3)
    p = PLR.from_preset("plr", BOX)
    assert (p.prioritization, p.temperature, p.staleness_coef, p.robust) == ("rank", 0.1, 0.1, False)
    assert set(PLR_PRESETS) == {"plr", "robust_plr", "accel"}
    built = make_teacher("plr", BOX, preset="accel", buffer_size=7)
    assert isinstance(built, PLR) and built.buffer_size == 7 and built.num_edits == 3
    with pytest.raises(ValueError, match="unknown preset 'acel'"):
        PLR.from_preset("acel", BOX)


# ---------------------------------------------------------------------- ACCEL
def _replay(task: np.ndarray, edits: list[list[int]], space: BoxSpace, step: float) -> np.ndarray:
    x = np.array(task, dtype=np.float64)
    for dim, sign in edits:
        x[dim] = min(space.high[dim], max(space.low[dim], x[dim] + sign * step * space.width[dim]))
    return x


def test_accel_edits_stay_in_space_follow_the_replay_and_record_lineage() -> None:
    step = 0.05
    t = PLR.from_preset("accel", CUBE, buffer_size=20, edit_step=step, seed=0)
    previous: Lesson | None = None
    n_interior = 0
    for _ in range(600):
        lesson = t.sample()
        if lesson.origin == "edit":
            assert previous is not None and previous.origin == "replay"  # edit_prob 1: right after
            assert lesson.info["parent"] == previous.info["level"]
            assert lesson.info["generation"] == previous.info["generation"] + 1
            edits = lesson.info["edits"]
            assert len(edits) == 3 and all(0 <= d < 3 and s in (-1, 1) for d, s in edits)
            assert CUBE.contains(lesson.task)
            np.testing.assert_array_equal(lesson.task, _replay(previous.task, edits, CUBE, step))
            if np.all(np.abs(previous.task - 5.0) <= 5.0 - 3 * step * 10.0):  # no clipping possible
                n_interior += 1
                moves = np.zeros(3)
                for d, s in edits:
                    moves[d] += s
                np.testing.assert_allclose(lesson.task - previous.task, moves * step * 10.0, atol=1e-12)
                assert np.abs(moves).sum() == 3 or np.abs(moves).sum() == 1  # 3 moves, or 2 that cancel
        if previous is not None and previous.origin == "replay":
            assert lesson.origin == "edit"
        feed(t, lesson, float(lesson.info["generation"]) + 0.1)  # children score higher: they enter
        previous = lesson
    assert n_interior > 10
    m = t.metrics()
    assert m["n_edits"] > 100 and m["mean_generation"] > 1.0 and m["max_generation"] >= 3
    data = t.plot_data()
    issued = set(range(t.next_level_id_))
    for level, parent, gen in zip(data["level"], data["parent"], data["generation"], strict=True):
        assert (parent == -1) == (gen == 0)
        assert parent == -1 or (parent in issued and parent < level)


def test_accel_edits_clip_at_the_bounds() -> None:
    space = BoxSpace([0.0], [1.0])
    t = PLR(space, buffer_size=5, replay_prob=1.0, edit_prob=1.0, num_edits=5, edit_step=0.3, seed=0)
    t.update(Lesson(task=[1.0]), Feedback(score=1.0))  # a level drawn outside the teacher
    replay = t.sample()
    assert replay.origin == "replay" and replay.task[0] == 1.0
    child = t.sample()
    assert child.origin == "edit" and space.contains(child.task)
    np.testing.assert_array_equal(child.task, _replay(replay.task, child.info["edits"], space, 0.3))


def test_single_edit_changes_one_coordinate_by_one_step() -> None:
    t = PLR(CUBE, buffer_size=5, replay_prob=1.0, edit_prob=1.0, num_edits=1, edit_step=0.1, seed=0)
    t.update(Lesson(task=[5.0, 5.0, 5.0]), Feedback(score=1.0))
    for _ in range(20):
        replay, child = t.sample(), t.sample()
        diff = child.task - replay.task
        assert np.count_nonzero(diff) == 1 and np.abs(diff).sum() == pytest.approx(1.0)
        feed(t, replay, 1.0)
        feed(t, child, 0.0)  # the buffer has room: children enter, and may be replayed and edited


def test_editing_a_discrete_space_is_an_error() -> None:
    with pytest.raises(ValueError, match="edit_prob.*BoxSpace"):
        PLR(DiscreteSpace(10), edit_prob=0.5).sample()
    with pytest.raises(ValueError, match="edit_prob"):
        PLR.from_preset("accel", DiscreteSpace(10)).sample()


def test_state_roundtrip_with_a_pending_edit() -> None:
    t = PLR(CUBE, buffer_size=5, replay_prob=1.0, edit_prob=1.0, seed=0)
    t.update(Lesson(task=[5.0, 5.0, 5.0]), Feedback(score=1.0))
    assert t.sample().origin == "replay"
    restored = t.clone()
    restored.load_state_dict(t.state_dict())
    a, b = t.sample(), restored.sample()
    assert a.origin == b.origin == "edit" and a == b


# ---------------------------------------------------------------------- feedback order
def test_reports_for_one_level_in_any_order() -> None:
    t = PLR(BOX, buffer_size=2, alpha=0.5, replay_prob=1.0, min_fill=1.0, staleness_coef=1.0, seed=0)
    fill_with(t, [1.0, 1.0])
    replays = [t.sample() for _ in range(12)]
    slot = replays[0].info["slot"]
    same = [le for le in replays if le.info["level"] == replays[0].info["level"]]
    assert len(same) >= 2
    feed(t, same[1], 3.0)  # the later lesson reports first
    feed(t, same[0], 5.0)
    assert t.plot_data()["score"][slot] == pytest.approx(0.5 * (0.5 * 1.0 + 0.5 * 3.0) + 0.5 * 5.0)


def test_report_about_an_evicted_level_is_ignored() -> None:
    t = PLR(BOX, buffer_size=2, replay_prob=0.5, min_fill=1.0, seed=0)
    fill_with(t, [0.1, 0.9])
    replay = next(le for le in iter(t.sample, None) if le.origin == "replay" and le.info["level"] == 0)
    new = next(le for le in iter(t.sample, None) if le.origin == "new")
    feed(t, new, 0.5)  # evicts level 0 (score 0.1); the new level takes its slot
    assert new.info["level"] in t.plot_data()["level"] and 0 not in t.plot_data()["level"]
    feed(t, replay, 100.0)  # the old slot's new occupant must keep its score
    assert sorted(t.plot_data()["score"]) == [0.5, 0.9]
    assert t.metrics()["n_stale_feedback"] == 1.0


def test_several_reports_for_one_new_level_enter_once() -> None:
    t = PLR(BOX, buffer_size=5, alpha=1.0, replay_prob=0.0, seed=0)
    lesson = t.sample()
    feed(t, lesson, 0.3)
    feed(t, lesson, 0.6)
    data = t.plot_data()
    assert data["score"].tolist() == [0.6] and t.metrics()["n_admitted"] == 1.0


def test_forged_lesson_info_is_rejected() -> None:
    t = PLR(BOX, buffer_size=5, seed=0)
    lesson = t.sample()
    forged = replace(lesson, info={**lesson.info, "level": 99})
    with pytest.raises(ValueError, match=r"info\['level'\]"):
        feed(t, forged, 1.0)
    with pytest.raises(ValueError, match="origin"):
        feed(t, replace(lesson, origin="gmm", info={}), 1.0)
    assert t.n_updates_ == 0


# ---------------------------------------------------------------------- parameters
@pytest.mark.parametrize(
    ("params", "exc", "match"),
    [
        ({"buffer_size": 0}, ValueError, "buffer_size"),
        ({"alpha": 0.0}, ValueError, "alpha"),
        ({"alpha": 1.5}, ValueError, "alpha"),
        ({"prioritization": "softmax"}, ValueError, "prioritization.*'rank', 'power'"),
        ({"temperature": 0.0}, ValueError, "temperature"),
        ({"staleness_coef": -0.1}, ValueError, "staleness_coef"),
        ({"replay_prob": 1.2}, ValueError, "replay_prob"),
        ({"replay_prob": "often"}, TypeError, "replay_prob"),
        ({"min_fill": 2.0}, ValueError, "min_fill"),
        ({"robust": 1}, TypeError, "robust"),
        ({"edit_prob": -1.0}, ValueError, "edit_prob"),
        ({"num_edits": 0}, ValueError, "num_edits"),
        ({"edit_step": 0.0}, ValueError, "edit_step"),
        ({"initial_std": 0.1}, ValueError, "initial_std"),
    ],
)
def test_invalid_parameters_are_named(params: dict[str, Any], exc: type[Exception], match: str) -> None:
    t = PLR(BOX, **params)  # the constructor only stores
    with pytest.raises(exc, match=match):
        t.sample()


def test_plot_data_keys_and_shapes() -> None:
    t = PLR(BOX, buffer_size=10, replay_prob=0.5, seed=0)
    empty = t.plot_data()
    assert empty["tasks"].shape == (0, 2) and empty["score"].shape == (0,)
    for _ in range(30):
        feed(t, t.sample(), 0.5)
    data = t.plot_data()
    assert data["tasks"].shape == (10, 2) and data["score"].shape == (10,)
    assert data["probability"].sum() == pytest.approx(1.0)
