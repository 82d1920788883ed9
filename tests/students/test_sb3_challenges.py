"""What the SB3 students give TeachMyAgent's teachers and challenges: SPDL's value, success, forgetting."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch

import autocurriculum.environments
from autocurriculum.students.sb3 import PPOStudent, RegretScorer, SACStudent
from autocurriculum.teachers import SPDL, GoalGAN

torch.set_num_threads(1)


def cartpole_student(**kwargs: Any) -> PPOStudent:
    params: dict[str, Any] = {
        "n_envs": 2,
        "vec_env": "dummy",
        "algo_kwargs": {"n_steps": 64, "batch_size": 64, "n_epochs": 1},
        "test_tasks": [[0.5, 0.1, 9.8]],
        "n_eval_envs": 1,
    }
    params.update(kwargs)
    return PPOStudent(autocurriculum.environments.CARTPOLE_ID, **params)


def test_initial_value_is_the_value_at_each_episodes_first_step_across_rollouts() -> None:
    scorer = RegretScorer(n_envs=1)
    lessons = np.array([["a"], ["a"], ["b"], ["b"]], dtype=object)
    zeros = np.zeros((4, 1))
    values = np.array([[1.0], [2.0], [3.0], [4.0]])
    dones = np.array([[False], [True], [False], [False]])
    first = scorer.add_rollout(zeros, values, zeros, dones, lessons, key=str)
    assert [ep.initial_value for ep in first] == [1.0]
    # episode "b" continues into the next rollout: its first value is still 3.0
    second = scorer.add_rollout(
        np.zeros((2, 1)),
        np.array([[9.0], [8.0]]),
        np.zeros((2, 1)),
        np.array([[True], [False]]),
        np.array([["b"], ["c"]], dtype=object),
        key=str,
    )
    assert [ep.initial_value for ep in second] == [3.0]


def test_spdl_gets_the_critic_value_from_ppo() -> None:
    student = cartpole_student()
    teacher = SPDL(student.task_space, update_every=10_000, seed=0)
    records = student.learn(teacher, 64 * 2 * 3)
    assert len(records) > 3
    assert teacher.metrics()["value_reports"] == len(records) == teacher.n_updates_
    assert student.task_env_.update_teacher is False  # reported at the rollout's end, with the value
    values = np.array(teacher.values_)
    returns = np.array([r.feedback.episode_return for r in records])
    assert np.all(np.isfinite(values)) and not np.allclose(values, returns)
    student.close()


def test_stump_tracks_students_supply_the_success_threshold() -> None:
    student = PPOStudent("autocurriculum/StumpTracks-v0")
    accepted = GoalGAN._param_names()
    assert student.teacher_defaults(accepted)["success_threshold"] == 230.0
    assert "success_threshold" not in cartpole_student().teacher_defaults(accepted)


def test_a_forgetting_student_rebuilds_its_networks_every_reset_every_steps() -> None:
    student = cartpole_student(reset_every=128)
    teacher = SPDL(student.task_space, update_every=10_000, seed=0)
    student.learn(teacher, 128)
    assert student.metrics()["resets"] == 1.0 and student.progress == 128
    before = [p.detach().clone() for p in student.model.policy.parameters()]
    student.learn(teacher, 256)
    assert student.metrics()["resets"] == 3.0 and student.progress == 384
    after = list(student.model.policy.parameters())
    weights = [(a, b) for a, b in zip(before, after, strict=True) if a.ndim == 2]  # biases start at 0
    assert weights and all(not torch.equal(a, b) for a, b in weights)
    assert student.state_dict()["n_resets"] == 3
    student.close()


def test_only_ppo_can_be_reset() -> None:
    with pytest.raises(ValueError, match="reset_every"):
        SACStudent(autocurriculum.environments.CARTPOLE_ID, reset_every=1000)._validate()
