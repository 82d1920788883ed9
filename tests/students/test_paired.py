"""PAIRED's student: regret, both learners on the same levels, budget, resume."""

from __future__ import annotations

import pickle
from typing import Any

import numpy as np
import pytest
import torch

import autocurriculum.environments
from autocurriculum.students.paired import PAIREDStudent, paired_regret
from autocurriculum.teachers import PAIRED, Random

torch.set_num_threads(1)

TINY_PPO = {"n_steps": 32, "batch_size": 32, "n_epochs": 1, "policy_kwargs": {"net_arch": [8]}}
CARTPOLE_TASKS = [[0.5, 0.1, 9.8]]


def test_regret_on_hand_built_returns() -> None:
    # antagonist best 10, protagonist mean (2 + 4) / 2 = 3 -> regret 7
    assert paired_regret([2.0, 4.0], [1.0, 10.0, 5.0]) == pytest.approx(7.0)
    # the protagonist does better than the antagonist's best: regret is clipped at 0
    assert paired_regret([8.0, 12.0], [9.0]) == 0.0
    assert paired_regret([0.0], [0.0]) == 0.0
    with pytest.raises(ValueError, match="protagonist_returns"):
        paired_regret([], [1.0])
    with pytest.raises(ValueError, match="antagonist_returns"):
        paired_regret([1.0], [float("nan")])


def cartpole_student(**kwargs: Any) -> PAIREDStudent:
    params: dict[str, Any] = {
        "n_envs": 2,
        "vec_env": "dummy",
        "algo_kwargs": TINY_PPO,
        "test_tasks": CARTPOLE_TASKS,
        "n_eval_envs": 1,
        "seed": 0,
    }
    params.update(kwargs)
    return PAIREDStudent(autocurriculum.environments.CARTPOLE_ID, **params)


def test_both_learners_play_the_same_levels_and_the_teacher_gets_the_regret() -> None:
    student = cartpole_student()
    teacher = PAIRED(student.task_space, batch_size=2, hidden=(8,), noise_dim=4, seed=0)
    records = student.learn(teacher, 100)
    # a round: 2 levels x 32 steps x 2 learners = 128 steps, the budget counts both
    assert student.progress == 128
    assert student.protagonist.progress == student.antagonist.progress == 64
    assert [r.lesson.id for r in records] == [0, 1]
    assert teacher.n_updates_ == 2 and teacher.metrics()["policy_updates"] == 1.0
    for i, record in enumerate(records):
        fb = record.feedback
        # copy i of each learner plays level i, now and for its next episode
        for learner in (student.protagonist, student.antagonist):
            tracker = learner.task_env_._tracker
            assert tracker.current[i] is record.lesson and tracker.upcoming[i] is record.lesson
        assert len(student.protagonist.teacher.outcomes[i]) == fb.extras["protagonist_episodes"]
        assert len(student.antagonist.teacher.outcomes[i]) == fb.extras["antagonist_episodes"]
        assert fb.score == pytest.approx(max(0.0, fb.extras["antagonist_return"] - fb.episode_return))
        # CartPole: +1 per step, so the protagonist's finished episodes fill at most its 32 steps
        assert fb.extras["protagonist_episodes"] >= 1
        assert fb.length <= 32
    # every finished episode of each learner was kept for exactly one level
    for learner in (student.protagonist, student.antagonist):
        assert sum(len(o) for o in learner.teacher.outcomes) == learner.n_episodes_
    assert student.metrics()["round/regret"] == pytest.approx(np.mean([r.feedback.score for r in records]))
    result = student.evaluate()
    assert result["n_tasks"] == 1.0
    student.close()


def test_resume_restores_both_learners_and_the_adversary() -> None:
    def build() -> tuple[PAIREDStudent, PAIRED]:
        s = cartpole_student()
        return s, PAIRED(s.task_space, batch_size=2, hidden=(8,), noise_dim=4, seed=1)

    student, teacher = build()
    student.learn(teacher, 128)
    state = pickle.loads(pickle.dumps({"student": student.state_dict(), "teacher": teacher.state_dict()}))
    other, other_teacher = build()
    other.bind(other_teacher)
    other.load_state_dict(state["student"])
    other_teacher.load_state_dict(state["teacher"])
    assert other.progress == student.progress == 128
    for role in ("protagonist", "antagonist"):
        a = getattr(student, role).model_.policy.state_dict()
        b = getattr(other, role).model_.policy.state_dict()
        assert all(torch.equal(a[k], b[k]) for k in a)
        np.testing.assert_array_equal(getattr(student, role).venv_.obs_rms.mean, getattr(other, role).venv_.obs_rms.mean)
    # the adversary proposes the same next levels
    np.testing.assert_array_equal(teacher.sample().task, other_teacher.sample().task)
    other.learn(other_teacher, 128)
    assert other.progress == 256
    student.close()
    other.close()


def test_any_teacher_can_drive_it_and_errors_are_named() -> None:
    student = cartpole_student()
    with pytest.raises(ValueError, match="no teacher"):
        student.learn(None, 10)
    teacher = Random(student.task_space, seed=0)
    records = student.learn(teacher, 1)
    assert len(records) == 2 and all(r.feedback.score is not None for r in records)
    with pytest.raises(ValueError, match="amount"):
        student.learn(teacher, 0)
    student.close()


def test_smoke_on_the_maze_env_with_the_sequential_adversary() -> None:
    from autocurriculum.teachers import MazeLevel

    student = PAIREDStudent(
        "autocurriculum/Maze-v0",
        n_envs=2,
        vec_env="dummy",
        n_eval_envs=2,
        sampled_levels=2,
        algo_kwargs={"n_steps": 32, "batch_size": 32, "n_epochs": 1, "policy_kwargs": {"net_arch": [8]}},
        seed=0,
    )
    teacher = PAIRED(student.task_space, batch_size=2, hidden=(8,), channels=2, noise_dim=4, seed=0)
    records = student.learn(teacher, 128)
    assert student.progress == 128 and len(records) == 2
    for record in records:
        assert isinstance(record.lesson.task, MazeLevel)
        assert record.feedback.score >= 0.0
    assert teacher.metrics()["policy_updates"] == 1.0
    result = student.evaluate()  # the protagonist on the env's held-out mazes and sampled levels
    assert "success_mean" in result and "sampled_success" in result
    assert student.metrics()["evaluations"] == 1.0
    student.close()
