"""Data curricula: contract suite, the CCL schedule, pacing functions, score-proportional sampling."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from autocurriculum.teachers import (
    TEACHERS,
    CyclicalCurriculum,
    Feedback,
    FixedExponentialPacing,
    FullData,
    PacingCurriculum,
    SubsetSpace,
    Teacher,
    make_teacher,
)
from autocurriculum.teachers.contract import parametrize_with_checks
from autocurriculum.teachers.data_curricula import (
    ORDERINGS,
    PACING_FUNCTIONS,
    ccl_cycle,
    ccl_schedule,
    fixed_exponential_pacing,
    order_by_score,
    pacing_size,
    scores_from_losses,
)

SPACE = SubsetSpace(40)
SCORES = np.linspace(0.1, 4.0, 40)

CONTRACT_TEACHERS: list[Teacher] = [
    FullData(SPACE, seed=0),
    PacingCurriculum(SPACE, seed=0),
    PacingCurriculum(SPACE, pacing="exponential", scores=SCORES, ordering="anti_curriculum", seed=1),
    PacingCurriculum(SPACE, pacing="step", a=0.2, b=0.1, ordering="random", total_epochs=5, seed=2),
    FixedExponentialPacing(SPACE, batch_size=4, step_length=3, seed=0),
    CyclicalCurriculum(SPACE, seed=0),
    CyclicalCurriculum(SPACE, scores=SCORES, sp=0.1, alpha=0.3, seed=3),
    CyclicalCurriculum(SPACE, scores=SCORES, ordering="anti_curriculum", seed=4),
]


@parametrize_with_checks(CONTRACT_TEACHERS)
def test_data_teacher_contract(teacher: Teacher, check) -> None:
    check(teacher)


def test_registered_names() -> None:
    assert TEACHERS["full_data"] is FullData
    assert TEACHERS["pacing"] is PacingCurriculum
    assert TEACHERS["fixed_exponential_pacing"] is FixedExponentialPacing
    assert TEACHERS["ccl"] is CyclicalCurriculum
    t = make_teacher("ccl", SubsetSpace(20), sp=0.5, seed=0)
    assert isinstance(t, CyclicalCurriculum) and t.sp == 0.5


# ---------------------------------------------------------------------- CCL schedule
def test_ccl_schedule_defaults_start() -> None:
    assert ccl_schedule(30)[:9] == [0.25, 0.5, 1.0, 0.5, 0.25, 0.5, 1.0, 0.5, 0.25]
    assert ccl_cycle(0.25, 1.0, 0.5) == [0.25, 0.5, 1.0, 0.5]


def test_ccl_schedule_t30_has_54_epochs_summing_to_30() -> None:
    schedule = ccl_schedule(30)
    assert len(schedule) == 54
    assert math.fsum(schedule) == 30.0
    teacher = CyclicalCurriculum(SubsetSpace(100), seed=0).setup()
    assert teacher.schedule_ == schedule
    assert teacher.metrics()["schedule_epochs_left"] == 54.0


def test_ccl_schedule_other_parameters() -> None:
    # rising by /alpha capped at ep, falling by *alpha floored at sp
    assert ccl_cycle(0.1, 1.0, 0.5) == [0.1, 0.2, 0.4, 0.8, 1.0, 0.5, 0.25, 0.125]
    assert ccl_cycle(0.3, 0.9, 0.5) == [0.3, 0.6, 0.9, 0.45]
    assert ccl_cycle(0.4, 0.4, 0.5) == [0.4]
    # the schedule stops at the first epoch whose running sum reaches T (the authors' rule)
    assert ccl_schedule(1.0) == [0.25, 0.5, 1.0]
    assert ccl_schedule(0.75) == [0.25, 0.5]


def test_ccl_lesson_sizes_follow_the_schedule_and_continue_the_cycle() -> None:
    n = 103
    teacher = CyclicalCurriculum(SubsetSpace(n), scores=np.ones(n), total_epochs=3, seed=0)
    sizes = []
    for _ in range(10):
        lesson = teacher.sample()
        assert np.unique(lesson.task).size == lesson.task.size
        sizes.append(lesson.task.size)
    fractions = [0.25, 0.5, 1.0, 0.5, 0.25, 0.5, 1.0, 0.5, 0.25, 0.5]
    assert sizes == [int(n * s) for s in fractions]
    assert teacher.schedule_ == [0.25, 0.5, 1.0, 0.5, 0.25, 0.5]


def test_ccl_sampling_frequency_proportional_to_score() -> None:
    # One draw per epoch (sp = ep = 1/4 of 4 samples): the draw follows p = score / sum(score) exactly.
    scores = np.array([1.0, 2.0, 3.0, 4.0])
    teacher = CyclicalCurriculum(SubsetSpace(4), scores=scores, sp=0.25, ep=0.25, seed=123)
    draws = np.array([int(teacher.sample().task[0]) for _ in range(4000)])
    counts = np.bincount(draws, minlength=4)
    expected = 4000 * scores / scores.sum()
    assert stats.chisquare(counts, expected).pvalue > 0.01
    # and not uniform: the test can fail
    assert stats.chisquare(counts, np.full(4, 1000.0)).pvalue < 1e-6


def test_ccl_anti_curriculum_draws_proportional_to_inverse_score() -> None:
    scores = np.array([1.0, 2.0, 4.0, 8.0])
    teacher = CyclicalCurriculum(SubsetSpace(4), scores=scores, ordering="anti_curriculum", sp=0.25, ep=0.25, seed=7)
    draws = np.array([int(teacher.sample().task[0]) for _ in range(3000)])
    w = 1.0 / scores
    assert stats.chisquare(np.bincount(draws, minlength=4), 3000 * w / w.sum()).pvalue > 0.01


def test_ccl_inclusion_frequency_increases_with_score() -> None:
    n = 60
    scores = np.repeat([1.0, 3.0, 9.0], 20)
    teacher = CyclicalCurriculum(SubsetSpace(n), scores=scores, sp=0.25, ep=0.25, seed=5)
    counts = np.zeros(n)
    for _ in range(2000):
        counts[teacher.sample().task] += 1
    per_level = counts.reshape(3, 20).mean(axis=1) / 2000
    assert per_level[0] < per_level[1] < per_level[2]
    # easy-biased, not a hard cut: even the hardest samples are drawn
    assert counts.min() > 0


# ---------------------------------------------------------------------- pacing functions
def _wu(kind: str, t: float, T: float, n: int, a: float, b: float, c: float = 10.0) -> float:
    u, nb = t / (a * T), b * n
    raw = {
        "linear": nb + (n - nb) * u,
        "quadratic": nb + (n - nb) * u * u,
        "root": nb + (n - nb) * math.sqrt(u),
        "step": nb + n * math.floor(u),
        "exponential": nb + (n - nb) * (math.exp(c * min(u, 1.0)) - 1) / (math.exp(c) - 1),
        "logarithmic": nb + (n - nb) * (1 + math.log(u + math.exp(-c)) / c),
    }[kind]
    return min(max(raw, nb), n)


@pytest.mark.parametrize("kind", PACING_FUNCTIONS)
def test_pacing_function_start_end_and_midpoint(kind: str) -> None:
    n, T, a, b = 100, 10.0, 0.5, 0.2
    assert pacing_size(kind, 0.0, T, n, a, b) == pytest.approx(20.0)
    assert pacing_size(kind, a * T, T, n, a, b) == pytest.approx(100.0)
    assert pacing_size(kind, 9.0, T, n, a, b) == 100.0
    assert pacing_size(kind, 2.5, T, n, a, b) == pytest.approx(_wu(kind, 2.5, T, n, a, b))


def test_pacing_known_values_at_half_way() -> None:
    n, T, a, b = 100, 10.0, 0.5, 0.2  # u = 0.5 at t = 2.5
    expected = {
        "linear": 60.0,
        "quadratic": 40.0,
        "root": 20 + 80 * math.sqrt(0.5),
        "step": 20.0,
        "exponential": 20 + 80 * (math.exp(5) - 1) / (math.exp(10) - 1),
        "logarithmic": 20 + 80 * (1 + math.log(0.5 + math.exp(-10)) / 10),
    }
    for kind, value in expected.items():
        assert pacing_size(kind, 2.5, T, n, a, b) == pytest.approx(value, rel=1e-12), kind
    # ordering of the shapes at the midpoint
    assert expected["exponential"] < expected["quadratic"] < expected["linear"] < expected["root"]
    assert expected["root"] < expected["logarithmic"]


@pytest.mark.parametrize("kind", PACING_FUNCTIONS)
def test_pacing_functions_are_monotone(kind: str) -> None:
    ts = np.linspace(0, 12, 241)
    sizes = [pacing_size(kind, float(t), 10.0, 500, 0.8, 0.1) for t in ts]
    assert np.all(np.diff(sizes) >= 0)
    assert sizes[0] == pytest.approx(50.0) and sizes[-1] == 500.0


@pytest.mark.parametrize("kind", PACING_FUNCTIONS)
def test_pacing_a_scales_time_and_b_sets_the_start(kind: str) -> None:
    for t in (0.5, 1.0, 2.0, 3.0):
        # g(t; a) == g(t * a2 / a; a2): a stretches the time axis
        assert pacing_size(kind, t, 10.0, 200, 0.4, 0.1) == pytest.approx(pacing_size(kind, 2 * t, 10.0, 200, 0.8, 0.1))
    for b in (0.05, 0.3, 0.9):
        assert pacing_size(kind, 0.0, 10.0, 200, 0.8, b) == pytest.approx(200 * b)
    # full data is reached at t = a T and not before (step jumps exactly there)
    assert pacing_size(kind, 0.99 * 4.0, 10.0, 200, 0.4, 0.1) < 200
    assert pacing_size(kind, 4.0, 10.0, 200, 0.4, 0.1) == pytest.approx(200)


def test_pacing_teacher_sizes_follow_g_of_presented_samples() -> None:
    n, T = 50, 6.0
    teacher = PacingCurriculum(SubsetSpace(n), pacing="linear", a=0.5, b=0.2, total_epochs=T, seed=0)
    presented = 0
    for _ in range(12):
        lesson = teacher.sample()
        assert lesson.task.size == math.ceil(_wu("linear", presented / n, T, n, 0.5, 0.2) - 1e-9)
        presented += lesson.task.size
    assert lesson.task.size == n


def test_fixed_exponential_pacing_known_points() -> None:
    # Hacohen & Weinshall: ceil(N * min(p0 * inc^floor(i / L), 1)), p0 = 0.04, inc = 1.9, L = 100
    assert fixed_exponential_pacing(0, 1000, 0.04, 1.9, 100) == 40
    assert fixed_exponential_pacing(99, 1000, 0.04, 1.9, 100) == 40
    assert fixed_exponential_pacing(100, 1000, 0.04, 1.9, 100) == 76
    assert fixed_exponential_pacing(250, 1000, 0.04, 1.9, 100) == 145  # 1000 * 0.1444 = 144.4
    assert fixed_exponential_pacing(500, 1000, 0.04, 1.9, 100) == 991  # 1000 * 0.04 * 1.9**5 = 990.4
    assert fixed_exponential_pacing(600, 1000, 0.04, 1.9, 100) == 1000
    assert fixed_exponential_pacing(10**9, 1000, 0.04, 1.9, 100) == 1000
    teacher = FixedExponentialPacing(SubsetSpace(1000), batch_size=10, step_length=5, seed=0)
    sizes = [teacher.sample().task.size for _ in range(4)]
    # batches so far (samples / 10): 0, 4, 8, 15.6 -> floor(i / 5) = 0, 0, 1, 3
    assert sizes == [40, 40, 76, math.ceil(1000 * 0.04 * 1.9**3)]
    assert sizes[3] == 275


# ---------------------------------------------------------------------- orderings
def test_anti_curriculum_reverses_the_order() -> None:
    rng = np.random.default_rng(0)
    scores = rng.permutation(50).astype(float)
    cur = order_by_score(scores, "curriculum", np.random.default_rng(1))
    anti = order_by_score(scores, "anti_curriculum", np.random.default_rng(2))
    assert np.array_equal(cur, np.argsort(-scores))
    assert np.array_equal(anti, cur[::-1])
    rand = order_by_score(scores, "random", np.random.default_rng(3))
    assert sorted(rand) == list(range(50)) and not np.array_equal(rand, cur)


def test_pacing_teacher_curriculum_takes_easiest_anti_takes_hardest() -> None:
    n = 30
    scores = np.random.default_rng(4).permutation(n).astype(float) + 1.0
    first = {}
    for ordering in ORDERINGS:
        t = PacingCurriculum(SubsetSpace(n), scores=scores, b=0.2, ordering=ordering, seed=0)
        first[ordering] = set(t.sample().task.tolist())
    assert first["curriculum"] == set(np.argsort(-scores)[:6].tolist())
    assert first["anti_curriculum"] == set(np.argsort(scores)[:6].tolist())
    assert first["random"] not in (first["curriculum"], first["anti_curriculum"])


@pytest.mark.parametrize(("ordering", "pick"), [("curriculum", "lowest"), ("anti_curriculum", "highest")])
def test_self_paced_scores_come_from_reported_losses(ordering: str, pick: str) -> None:
    n = 10
    teacher = PacingCurriculum(
        SubsetSpace(n), pacing="step", a=1.0, b=0.3, total_epochs=1000, ordering=ordering, seed=0
    )
    assert teacher.requires == frozenset({"losses"})
    teacher.sample()
    losses = np.array([5.0, 0.1, 3.0, 0.2, 9.0, 0.3, 7.0, 4.0, 6.0, 8.0])
    everything = np.random.default_rng(0).permutation(n)
    teacher.update(everything, Feedback(losses=losses[everything]))  # losses aligned with the lesson's indices
    chosen = set(teacher.sample().task.tolist())
    assert chosen == ({1, 3, 5} if pick == "lowest" else {4, 9, 6})
    np.testing.assert_allclose(teacher.current_scores(), scores_from_losses(losses))


def test_self_paced_ccl_refreshes_scores_every_epoch() -> None:
    teacher = CyclicalCurriculum(SubsetSpace(4), seed=0)
    teacher.update(np.array([0, 1, 2, 3]), Feedback(losses=np.array([1.0, 1.0, 1.0, 1.0])))
    np.testing.assert_allclose(teacher.probabilities(), 0.25)
    teacher.update(np.array([3, 0]), Feedback(losses=np.array([0.5, 4.0])))
    w = 1.0 / (np.array([4.0, 1.0, 1.0, 0.5]) + 1e-8)
    np.testing.assert_allclose(teacher.probabilities(), w / w.sum())


def test_self_paced_unseen_samples_get_the_median_score() -> None:
    teacher = PacingCurriculum(SubsetSpace(5), seed=0)
    np.testing.assert_array_equal(teacher.current_scores(), np.ones(5))
    teacher.update(np.array([0, 1, 2]), Feedback(losses=np.array([1.0, 3.0, 0.5])))
    s = teacher.current_scores()
    assert s[3] == s[4] == pytest.approx(np.median(1 / (np.array([1.0, 3.0, 0.5]) + 1e-8)))


def test_given_scores_need_no_losses() -> None:
    teacher = CyclicalCurriculum(SubsetSpace(8), scores=np.arange(1, 9), seed=0)
    assert teacher.requires == frozenset()
    lesson = teacher.sample()
    teacher.update(lesson, Feedback(extras={"val_accuracy": 0.5}))
    assert teacher.n_updates_ == 1


# ---------------------------------------------------------------------- validation
@pytest.mark.parametrize(
    ("make", "needle"),
    [
        (lambda: PacingCurriculum(SPACE, pacing="linaer"), "pacing: unknown value 'linaer' (did you mean 'linear'?)"),
        (lambda: PacingCurriculum(SPACE, ordering="anti"), "ordering: unknown value 'anti'"),
        (lambda: CyclicalCurriculum(SPACE, ordering="anticurriculum"), "'anti_curriculum'"),
        (
            lambda: FixedExponentialPacing(SPACE, ordering="Random"),
            "allowed: ['curriculum', 'anti_curriculum', 'random']",
        ),
    ],
)
def test_invalid_option_names_are_rejected(make, needle: str) -> None:
    with pytest.raises(ValueError) as info:
        make().sample()
    assert needle in str(info.value)


def test_invalid_option_type_is_rejected() -> None:
    with pytest.raises(TypeError, match="pacing"):
        PacingCurriculum(SPACE, pacing=3).setup()


@pytest.mark.parametrize(
    ("make", "name"),
    [
        (lambda: PacingCurriculum(SPACE, a=0.0), "a:"),
        (lambda: PacingCurriculum(SPACE, b=1.5), "b:"),
        (lambda: PacingCurriculum(SPACE, b=0.0), "b:"),
        (lambda: PacingCurriculum(SPACE, total_epochs=-1), "total_epochs"),
        (lambda: PacingCurriculum(SPACE, scores=np.ones(39)), "scores"),
        (lambda: PacingCurriculum(SPACE, scores=np.full(40, np.nan)), "scores"),
        (lambda: FixedExponentialPacing(SPACE, increase=1.0), "increase"),
        (lambda: FixedExponentialPacing(SPACE, starting_percent=0), "starting_percent"),
        (lambda: FixedExponentialPacing(SPACE, batch_size=0), "batch_size"),
        (lambda: CyclicalCurriculum(SPACE, sp=0.8, ep=0.5), "sp"),
        (lambda: CyclicalCurriculum(SPACE, alpha=1.0), "alpha"),
        (lambda: CyclicalCurriculum(SPACE, ep=1.5), "ep"),
        (lambda: CyclicalCurriculum(SPACE, sp=0.01), "int(N * sp) = 0"),
        (lambda: CyclicalCurriculum(SPACE, scores=np.zeros(40)), "scores: entry 0"),
    ],
)
def test_invalid_hyperparameters_name_the_parameter(make, name: str) -> None:
    teacher = make()  # the constructor only stores
    with pytest.raises(ValueError) as info:
        teacher.setup()
    assert name in str(info.value)


def test_wrong_space_is_rejected() -> None:
    from autocurriculum.teachers import DiscreteSpace

    with pytest.raises(TypeError, match="SubsetSpace"):
        CyclicalCurriculum(DiscreteSpace(5)).sample()


def test_negative_losses_rejected() -> None:
    teacher = PacingCurriculum(SubsetSpace(3), seed=0)
    with pytest.raises(ValueError, match="losses"):
        teacher.update(np.array([0, 1]), Feedback(losses=np.array([0.5, -1.0])))
    assert teacher.n_updates_ == 0
