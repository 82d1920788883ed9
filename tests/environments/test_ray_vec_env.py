"""RayVecEnv: the SB3 VecEnv interface on Ray actors, same lessons as SubprocVecEnv, dead actors replaced."""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
import pytest
from stable_baselines3.common.monitor import Monitor
from stable_baselines3.common.utils import check_for_correct_spaces
from stable_baselines3.common.vec_env import DummyVecEnv, SubprocVecEnv

import autocurriculum.environments  # noqa: F401 - registers the ids
from autocurriculum.environments.task_wrapper import ABANDONED, TaskVecEnv
from tests.environments.countdown import Countdown
from tests.environments.test_task_wrapper import Recorder, check_outcomes

pytest.importorskip("ray")
from autocurriculum.environments.ray_vec_env import RayVecEnv  # noqa: E402

CARTPOLE = "autocurriculum/ParametricCartPole-v0"


def cartpole() -> gym.Env:
    return Monitor(gym.make(CARTPOLE))


def test_steps_like_dummy_vec_env_with_seeds_and_sb3_methods(ray_local: Any) -> None:
    ray_env = RayVecEnv([cartpole] * 3, envs_per_actor=2)
    ref = DummyVecEnv([cartpole] * 3)
    check_for_correct_spaces(ray_env, ref.observation_space, ref.action_space)
    assert ray_env.num_envs == 3 and len(ray_env._actors) == 2
    for venv in (ray_env, ref):
        venv.seed(7)
        venv.set_options({"task": [1.0, 0.2, 9.8]})
    np.testing.assert_array_equal(ray_env.reset(), ref.reset())
    assert [i["task"].tolist() for i in ray_env.reset_infos] == [[1.0, 0.2, 9.8]] * 3
    actions = np.random.default_rng(0).integers(0, 2, size=(120, 3))
    n_done = 0
    for a in actions:
        o1, r1, d1, i1 = ray_env.step(a)
        o2, r2, d2, i2 = ref.step(a)
        np.testing.assert_array_equal(o1, o2)
        np.testing.assert_array_equal(r1, r2)
        np.testing.assert_array_equal(d1, d2)
        for x, y in zip(i1, i2, strict=True):
            assert x.keys() == y.keys()
            if "terminal_observation" in x:
                np.testing.assert_array_equal(x["terminal_observation"], y["terminal_observation"])
        n_done += int(d1.sum())
    assert n_done > 0
    # the rest of SB3's VecEnv interface, by index across actors
    assert ray_env.get_attr("spec", indices=[0, 2])[1].id == CARTPOLE
    ray_env.set_attr("marker", 5, indices=[2])
    assert ray_env.get_attr("marker", indices=2) == [5]
    assert ray_env.env_is_wrapped(Monitor) == [True, True, True]
    assert len(ray_env.env_method("get_episode_rewards")) == 3
    ray_env.close()
    assert ray_env.closed


def test_same_lessons_to_the_same_copies_as_subproc_vec_env(ray_local: Any) -> None:
    per_step: list[list[list[tuple]]] = []
    for venv in (RayVecEnv([Countdown] * 3, envs_per_actor=3), SubprocVecEnv([Countdown] * 3)):
        env = TaskVecEnv(venv, Recorder(SPACE_OF_COUNTDOWN, seed=3))
        env.reset()
        steps = []
        for _ in range(40):
            _, rewards, dones, infos = env.step(np.zeros(3, dtype=np.int64))
            steps.append(
                [
                    (info["lesson"].id, float(info["lesson"].task[0]), float(r), bool(d))
                    for info, r, d in zip(infos, rewards, dones, strict=True)
                ]
            )
        per_step.append(steps)
        env.close()
    assert per_step[0] == per_step[1]


def test_a_killed_actor_is_replaced_and_its_lessons_abandoned(ray_local: Any) -> None:
    teacher = Recorder(SPACE_OF_COUNTDOWN, seed=5)
    venv = RayVecEnv([Countdown] * 4, envs_per_actor=2)
    env = TaskVecEnv(venv, teacher)
    env.reset()
    env.step(np.zeros(4, dtype=np.int64))  # mid-episode: every task is at least 1 step long... and most longer
    killed_lessons = [lesson.id for lesson in env.current_lessons[:2]]
    ray_local.kill(venv._actors[0])
    _, rewards, dones, infos = env.step(np.zeros(4, dtype=np.int64))
    assert dones[:2].all() and rewards[:2].tolist() == [0.0, 0.0]
    assert all(infos[i][ABANDONED] for i in (0, 1)) and not any(ABANDONED in infos[i] for i in (2, 3))
    assert all("episode_outcome" not in infos[i] for i in (0, 1))
    assert venv.n_replaced == 1 and env.n_abandoned == 2
    for _ in range(80):  # training goes on: every later outcome names the task really played
        lessons = env.current_lessons
        _, _, _, infos = env.step(np.zeros(4, dtype=np.int64))
        for i, info in enumerate(infos):
            assert info["lesson"] is lessons[i]
            np.testing.assert_array_equal(info["played"], info["lesson"].task)
    env.close()
    reported = [lesson.id for lesson, _ in teacher.seen]
    assert not set(killed_lessons) & set(reported)  # abandoned, never a result
    check_outcomes(teacher, 20)


@pytest.mark.slow
def test_ppo_student_with_vec_env_ray_keeps_training_when_an_env_actor_is_killed(ray_local: Any) -> None:
    from autocurriculum.environments.parametric_cartpole import cartpole_task_space
    from autocurriculum.students.sb3 import PPOStudent
    from autocurriculum.teachers import Random

    student = PPOStudent(
        CARTPOLE, n_envs=2, vec_env="ray", algo_kwargs={"n_steps": 64, "batch_size": 64, "n_epochs": 1}, seed=0
    )
    teacher = Random(cartpole_task_space(), seed=0)
    student.setup(teacher)
    venv = student.task_env_.venv
    assert isinstance(venv, RayVecEnv) and len(venv._actors) == 2
    student.learn(teacher, 128)
    ray_local.kill(venv._actors[1])  # between rollouts, mid-episode for its copy
    records = student.learn(teacher, 256)
    assert student.progress >= 384 and records
    assert venv.n_replaced == 1 and student.task_env_.n_abandoned == 1
    assert teacher.n_updates_ == student.task_env_.n_episodes  # the abandoned lesson never reached it
    student.close()


SPACE_OF_COUNTDOWN = Countdown().task_space
