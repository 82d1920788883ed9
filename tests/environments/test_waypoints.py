"""Waypoints: the task sets the waypoints, the expert visits them in order, gymnasium's checks pass."""

from __future__ import annotations

import math

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

import autocurriculum.environments
from autocurriculum.environments.waypoints import Waypoints, expert_action, expert_demonstrations, waypoint_positions


def test_check_env_passes() -> None:
    env = gym.make(autocurriculum.environments.WAYPOINTS_ID)
    check_env(env.unwrapped)
    env.close()


def test_the_task_sets_the_waypoints() -> None:
    np.testing.assert_allclose(
        waypoint_positions(np.array([0.5, math.pi / 2])), [[0.5, 0.0], [0.5, 0.5], [0.0, 0.5]], atol=1e-12
    )
    env = Waypoints()
    _, info = env.reset(seed=0, options={"task": [1.0, 0.0]})
    assert info["task"].tolist() == [1.0, 0.0]
    np.testing.assert_allclose(env.waypoints, [[1.0, 0.0], [2.0, 0.0], [3.0, 0.0]])
    with pytest.raises(ValueError, match="task"):
        env.reset(options={"task": [2.0, 0.0]})  # outside [0.3, 1.0]: refused, not clipped


def test_waypoints_count_only_in_order() -> None:
    env = Waypoints()
    env.reset(seed=0, options={"task": [0.5, math.pi / 2]})
    env.position = np.array([0.5, 0.5])  # on the second waypoint before the first
    _, reward, *_ = env.step(np.zeros(2))
    assert reward == 0.0 and env.visited == 0
    env.position = np.array([0.5, 0.0])
    obs, reward, *_ = env.step(np.zeros(2))
    assert reward == 1.0 and env.visited == 1 and obs[4] == pytest.approx(1 / 3)


def test_the_expert_visits_all_three_for_any_task() -> None:
    rng = np.random.default_rng(0)
    for i in range(30):
        env = gym.make(autocurriculum.environments.WAYPOINTS_ID)
        env.reset(seed=i, options={"task": [rng.uniform(0.3, 1.0), rng.uniform(0.0, math.pi)]})
        total, steps = 0.0, 0
        truncated = False
        while not truncated:
            _, reward, terminated, truncated, info = env.step(expert_action(env.unwrapped))
            total += reward
            steps += 1
            assert not terminated
        assert total == 3.0 and info["is_success"] and steps == 100
        env.close()


def test_demonstrations_are_fixed_length_observation_sequences_and_reproducible() -> None:
    demos = expert_demonstrations([0.6, 1.0], 3, seed=5)
    assert [d.shape for d in demos] == [(101, 5)] * 3  # the reset's observation, then one per step
    assert np.all(demos[0][0, 2:] == 0.0) and abs(demos[0][0, :2]).max() <= 0.05  # at rest near the origin
    assert demos[0][-1, 4] == 1.0  # all visited
    again = expert_demonstrations([0.6, 1.0], 3, seed=5)
    assert all(np.array_equal(a, b) for a, b in zip(demos, again, strict=True))
    assert not np.array_equal(demos[0], demos[1])  # different start states


def test_renders_a_top_view() -> None:
    env = Waypoints(render_mode="rgb_array")
    env.reset(seed=0)
    image = env.render()
    assert image is not None and image.shape == (96, 96, 3) and image.dtype == np.uint8
    assert (image != 255).any()
