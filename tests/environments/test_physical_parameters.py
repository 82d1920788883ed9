"""Any gymnasium env's physical parameters as a task space, driven by a teacher."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest

from autocurriculum.environments.physical_parameters import PhysicalParameters
from autocurriculum.environments.task_wrapper import with_teacher
from autocurriculum.teachers import ALPGMM


def test_a_teacher_drives_pendulum_gravity_and_mass() -> None:
    env = PhysicalParameters(gym.make("Pendulum-v1", max_episode_steps=20), {"g": (2.0, 20.0), "m": (0.5, 2.0)})
    assert list(env.task_space.names) == ["g", "m"]
    teacher = ALPGMM(env.task_space, return_bounds=(-400, 0), fit_rate=8, potential_ks=[2, 3], seed=0)
    wrapped = with_teacher(env, teacher)
    played = []
    obs, info = wrapped.reset(seed=0)
    for _ in range(20 * 30):
        obs, reward, terminated, truncated, info = wrapped.step(wrapped.action_space.sample())
        if "episode_outcome" in info:
            outcome = info["episode_outcome"]
            played.append(outcome.lesson)
        if terminated or truncated:
            obs, info = wrapped.reset()
            pendulum = env.unwrapped
            assert (pendulum.g, pendulum.m) == tuple(info["task"])  # the physics of this episode
    assert len(played) >= 25 and teacher.n_sampled_ >= 25
    assert {lesson.origin for lesson in played} >= {"bootstrap", "gmm"}  # the teacher acted on Pendulum


def test_lunar_lander_gravity_reaches_the_box2d_world() -> None:
    pytest.importorskip("Box2D")
    env = PhysicalParameters(gym.make("LunarLander-v3"), {"gravity": (-11.0, -2.0)})
    env.set_task([-3.0])
    _, info = env.reset(seed=0)
    assert tuple(env.unwrapped.world.gravity) == pytest.approx((0.0, -3.0))
    assert info["task"] == pytest.approx([-3.0])
    env.set_task(None)  # back to the environment's own value
    env.reset(seed=0)
    assert tuple(env.unwrapped.world.gravity) == pytest.approx((0.0, -10.0))


def test_bad_parameters_are_named() -> None:
    with pytest.raises(ValueError, match=r"parameters\['gravity'\]: PendulumEnv has no attribute 'gravity'"):
        PhysicalParameters(gym.make("Pendulum-v1"), {"gravity": (1.0, 2.0)})
    with pytest.raises(ValueError, match=r"parameters\['g'\]: expected finite low < high, got \(5.0, 1.0\)"):
        PhysicalParameters(gym.make("Pendulum-v1"), {"g": (5.0, 1.0)})
    with pytest.raises(TypeError, match=r"parameters\['render_mode'\]: the attribute is None, not a number"):
        PhysicalParameters(gym.make("Pendulum-v1"), {"render_mode": (0.0, 1.0)})
    env = PhysicalParameters(gym.make("Pendulum-v1"), {"g": (2.0, 20.0)})
    with pytest.raises(ValueError, match="g"):
        env.set_task([50.0])  # outside the bounds: refused, never clipped
    assert np.array_equal(env.defaults, [10.0])
