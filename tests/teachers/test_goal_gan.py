"""GoalGAN against the rule of Florensa et al. 2018: labels by the success band, generator follows them."""

from __future__ import annotations

import numpy as np
import pytest

from autocurriculum.teachers import BoxSpace, Feedback, GoalGAN, Teacher
from autocurriculum.teachers.contract import parametrize_with_checks

LINE = BoxSpace([0.0], [1.0], names=["x"])
BOX = BoxSpace([0.0, 0.0], [3.0, 6.0], names=["h", "s"])


def _play(teacher: GoalGAN, n: int, success: callable, rng: np.random.Generator) -> list:
    lessons = []
    for _ in range(n):
        lesson = teacher.sample()
        teacher.update(lesson, Feedback(episode_return=0.0, success=bool(success(lesson.task, rng))))
        lessons.append(lesson)
    return lessons


def test_goals_are_labelled_good_inside_the_success_band_only() -> None:
    teacher = GoalGAN(LINE, n_rollouts=4, update_size=1000, pretrain_iters=0, p_old=0.0, seed=0).setup()
    outcomes = {0: [True] * 4, 1: [True, False, False, False], 2: [True, True, False, False], 3: [False] * 4}
    for goal, results in outcomes.items():
        lessons = [teacher.sample() for _ in range(4)]
        assert {lesson.info["goal"] for lesson in lessons} == {goal}  # one goal, n_rollouts attempts
        for lesson, ok in zip(lessons, results, strict=True):
            teacher.update(lesson, Feedback(episode_return=0.0, success=ok))
    # rates 1.0, 0.25, 0.5, 0.0 against the band [0.25, 0.75]
    assert teacher.labels_ == [False, True, True, False]
    assert teacher.solved_.shape[0] == 1  # the goal solved every time joins the replay buffer


def test_success_comes_from_the_return_threshold_when_one_is_given() -> None:
    teacher = GoalGAN(
        LINE, success_threshold=230.0, n_rollouts=1, update_size=1000, pretrain_iters=0, p_old=0.0, seed=0
    )
    for ret in (231.0, 230.0, 100.0):
        teacher.update(teacher.sample(), Feedback(episode_return=ret))
    assert teacher.labels_ == [False, False, False]
    assert teacher.metrics()["n_solved_buffer"] == 1.0
    bare = GoalGAN(LINE, pretrain_iters=0, seed=0)
    with pytest.raises(ValueError, match="success"):
        bare.update(bare.sample(), Feedback(episode_return=1.0))


def test_generator_shifts_toward_the_labelled_region() -> None:
    # x < 0.4: always solved; x > 0.6: never; in between: a coin flip, the only goals of intermediate difficulty.
    def success(task: np.ndarray, rng: np.random.Generator) -> bool:
        x = float(task[0])
        return x < 0.4 or (x <= 0.6 and rng.random() < 0.5)

    # p_random: uniform goals get labelled too, so training goes on after the pre-trained generator collapsed
    teacher = GoalGAN(
        LINE, pretrain_iters=200, gan_train_iters=200, steps_per_update=50, p_old=0.0, p_random=0.2, seed=1
    )
    rng = np.random.default_rng(0)
    _play(teacher, 200, success, rng)  # pre-training on uniform draws is over
    before = teacher.generate(2000)[:, 0]
    _play(teacher, 1300, success, rng)
    after = teacher.generate(2000)[:, 0]
    in_band = lambda x: float(np.mean((x >= 0.4) & (x <= 0.6)))  # noqa: E731
    assert teacher.metrics()["n_training_rounds"] >= 3
    assert in_band(after) > in_band(before) + 0.2, (in_band(before), in_band(after))


def test_training_is_spread_over_update_calls() -> None:
    teacher = GoalGAN(LINE, pretrain_iters=25, steps_per_update=10, success_threshold=0.5, seed=0)
    steps = []
    for _ in range(4):
        teacher.update(teacher.sample(), 1.0)
        steps.append(teacher.metrics()["n_train_steps"])
    assert steps == [10.0, 20.0, 25.0, 25.0]
    assert teacher.metrics()["bootstrap"] == 0.0


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"goid_lb": 0.8, "goid_ub": 0.2}, "goid_lb"),
        ({"n_rollouts": 0}, "n_rollouts"),
        ({"generator_hidden": []}, "generator_hidden"),
        ({"p_old": 1.5}, "p_old"),
        ({"success_threshold": float("nan")}, "success_threshold"),
        ({"steps_per_update": 0}, "steps_per_update"),
    ],
)
def test_bad_parameters_are_refused_by_name(params: dict, match: str) -> None:
    with pytest.raises((ValueError, TypeError), match=match):
        GoalGAN(LINE, **params).setup()


def test_presets() -> None:
    t = GoalGAN.from_preset("teachmyagent", BOX)
    assert (t.update_size, t.n_rollouts, t.goid_lb, t.goid_ub, t.p_old) == (100, 2, 0.25, 0.75, 0.2)


TEACHERS: list[Teacher] = [
    GoalGAN(BOX, success_threshold=0.5, update_size=10, pretrain_iters=30, gan_train_iters=20, seed=0),
    GoalGAN(
        BOX,
        success_threshold=0.3,
        n_rollouts=1,
        update_size=8,
        pretrain_iters=0,
        gan_train_iters=15,
        initial_mean=[0.0, 6.0],
        generator_hidden=[8],
        discriminator_hidden=[8],
        seed=1,
    ),
]


@parametrize_with_checks(TEACHERS)
def test_goal_gan_contract(teacher: Teacher, check) -> None:
    check(teacher)


def test_a_state_from_other_layer_sizes_is_refused_by_name() -> None:
    small = GoalGAN(LINE, generator_hidden=[8], pretrain_iters=0, seed=0)
    small.update(small.sample(), Feedback(episode_return=0.0, success=True))
    with pytest.raises(ValueError, match="layer sizes"):
        GoalGAN(LINE, pretrain_iters=0, seed=0).load_state_dict(small.state_dict())
