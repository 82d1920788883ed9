"""A teacher in one's own SB3 loop gets the runner's TensorBoard tags (callback and plain function)."""

from __future__ import annotations

from pathlib import Path

import gymnasium as gym
import numpy as np
from stable_baselines3 import PPO
from stable_baselines3.common.vec_env import DummyVecEnv

import autocurriculum.environments  # noqa: F401 - registers the ids
from autocurriculum.environments.parametric_cartpole import cartpole_task_space
from autocurriculum.environments.task_wrapper import EpisodeOutcome, with_teacher
from autocurriculum.experiments.callbacks import TeacherCallback, teacher_logger
from autocurriculum.teachers import ALPGMM, Lesson


def _tags(log_dir: Path) -> dict[str, list[str]]:
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    acc = EventAccumulator(str(log_dir))
    acc.Reload()
    return acc.Tags()


def test_sb3_callback_writes_teacher_scalars_histograms_and_task_space_beside_sb3(tmp_path: Path) -> None:
    teacher = ALPGMM(cartpole_task_space(), return_bounds=(0, 500), fit_rate=20, seed=0)
    venv = with_teacher(DummyVecEnv([lambda: gym.make("autocurriculum/ParametricCartPole-v0")] * 2), teacher)
    model = PPO("MlpPolicy", venv, n_steps=128, batch_size=64, n_epochs=1, tensorboard_log=str(tmp_path), seed=0)
    callback = TeacherCallback(teacher, scalars_every=256, histogram_every=512, image_every=512)
    model.learn(1024, callback=callback, tb_log_name="ppo")
    tags = _tags(tmp_path / "ppo_1")
    assert {"student/episode_return", "teacher/n_components"} <= set(tags["scalars"])
    assert any(t.startswith("train/") for t in tags["scalars"])  # SB3's own, in the same run
    assert {"teacher/task/pole_length", "teacher/task/gravity"} <= set(tags["histograms"])
    assert tags["images"] == ["task_space/learning_progress"]


def test_plain_function_for_other_loops(tmp_path: Path) -> None:
    teacher = ALPGMM(cartpole_task_space(), return_bounds=(0, 500), fit_rate=20, seed=0)
    log = teacher_logger(tmp_path, teacher, scalars_every=10, histogram_every=50, image_every=50)
    rng = np.random.default_rng(0)
    for step in range(1, 101):
        lesson: Lesson = teacher.sample()
        ret = float(rng.random() * 500)
        teacher.update(lesson, ret)
        log(step, [EpisodeOutcome(lesson=lesson, episode_return=ret, length=10, env_index=0)])
    log.monitor.writer.flush()
    tags = _tags(tmp_path)
    assert "student/episode_return" in tags["scalars"] and "teacher/task/gravity" in tags["histograms"]
    assert tags["images"] == ["task_space/learning_progress"]
