"""The PPO student on mazes: teachers over levels and seeds, named held-out tasks, the sampled-level protocol."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest

from autocurriculum.environments.maze import held_out_mazes
from autocurriculum.students.sb3 import PPOStudent, cvar
from autocurriculum.teachers import PLR, SFL, DiscreteSpace, MazeLevel, MazeLevelSpace
from autocurriculum.teachers.levels import shortest_path_length

TINY_PPO = {"n_steps": 64, "batch_size": 64, "n_epochs": 1}
ENV_KWARGS = {"size": 5, "max_walls": 4}


@pytest.fixture(autouse=True)
def one_torch_thread() -> Iterator[None]:
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def test_cvar_is_the_mean_of_the_worst_fraction() -> None:
    rates = np.array([1.0, 0.0, 0.5, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.25])
    assert cvar(rates, 0.1) == 0.0  # the worst 1 of 10
    assert cvar(rates, 0.2) == pytest.approx(0.125)  # the worst 2: 0 and 0.25
    assert cvar(rates, 1.0) == pytest.approx(rates.mean())
    assert cvar(np.ones(7), 0.01) == 1.0  # at least one level
    with pytest.raises(ValueError, match="alpha"):
        cvar(rates, 0.0)


def _student(env: str = "autocurriculum/Maze-v0", **kwargs: object) -> PPOStudent:
    return PPOStudent(
        env,
        env_kwargs=dict(ENV_KWARGS, **kwargs.pop("env_kwargs", {})),  # type: ignore[arg-type]
        n_envs=2,
        vec_env="dummy",
        n_eval_envs=2,
        algo_kwargs=TINY_PPO,
        seed=0,
        **kwargs,  # type: ignore[arg-type]
    )


@pytest.mark.parametrize("preset", ["plr", "robust_plr", "accel"])
def test_plr_family_trains_on_levels(preset: str) -> None:
    student = _student(test_tasks={"open": {"size": 5, "agent": [0, 0], "agent_dir": 0, "goal": [2, 0], "walls": []}})
    assert student.task_space == MazeLevelSpace(5, 4)
    teacher = PLR.from_preset(preset, student.task_space, buffer_size=8, seed=0)
    records = student.learn(teacher, 256)
    assert records and all(isinstance(r.lesson.task, MazeLevel) for r in records)
    assert all(r.feedback.score is not None for r in records)
    result = student.evaluate()
    assert set(result) >= {"success/open", "success_mean", "mean_return"}
    student.close()


def test_plr_replays_seeds_of_the_seed_view() -> None:
    student = _student("autocurriculum/MazeSeeds-v0", env_kwargs={"n_seeds": 30})
    assert student.task_space == DiscreteSpace(30)
    teacher = PLR.from_preset("plr", student.task_space, buffer_size=10, seed=0)
    records = student.learn(teacher, 256)
    assert records and all(isinstance(r.lesson.task, int) for r in records)
    student.close()


def test_default_test_set_is_the_held_out_mazes_and_sampled_protocol_reports_cvar() -> None:
    student = _student(sampled_levels=6, sampled_attempts=2, eval_attempts=2)
    teacher = SFL(student.task_space, n_probe=4, probe_episodes=2, buffer_size=2, period=64, seed=0)
    student.learn(teacher, 128)
    result = student.evaluate()
    names = list(held_out_mazes())
    assert [k for k in result if k.startswith("success/")] == [f"success/{n}" for n in names]
    assert all(result[f"success/{n}"] in (0.0, 0.5, 1.0) for n in names)  # rates over 2 attempts
    for key in ("success_mean", "sampled_success", "sampled_cvar10", "sampled_cvar1"):
        assert 0.0 <= result[key] <= 1.0
    assert result["sampled_cvar1"] <= result["sampled_cvar10"] <= result["sampled_success"]
    levels = student.sampled_eval_levels()
    assert len(levels) == 6 and levels == student.sampled_eval_levels()  # the same levels every time
    assert all(shortest_path_length(lv) is not None for lv in levels)
    assert teacher.metrics()["probe_steps"] > 0
    student.close()


def test_sfl_probe_rollouts_take_no_gradient_step_but_count_in_the_budget() -> None:
    student = _student()
    teacher = SFL(student.task_space, n_probe=100, probe_episodes=2, buffer_size=5, period=1000, seed=0)
    student.learn(teacher, 256)  # two rollouts of 2 x 64 steps, all probe episodes
    assert student.progress >= 256
    assert student.model.skipped_updates == 2
    assert teacher.metrics()["probing"] == 1.0 and teacher.metrics()["train_steps"] == 0
    student.close()


def test_mazes_default_to_no_vec_normalize_unless_asked() -> None:
    from stable_baselines3.common.vec_env import VecNormalize

    from autocurriculum.teachers import Random

    for normalize, expected in ((None, False), (True, True), (False, False)):
        student = _student(normalize=normalize)
        student.learn(Random(student.task_space, seed=0), 64)
        assert student.normalize_ is expected
        assert isinstance(student.venv_, VecNormalize) is expected
        student.close()
    # environments without the hint keep the algorithm's default (PPO: VecNormalize)
    cartpole = PPOStudent("autocurriculum/ParametricCartPole-v0", n_envs=1, vec_env="dummy", algo_kwargs=TINY_PPO)
    assert cartpole._default_normalize() is True
