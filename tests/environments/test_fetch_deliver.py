"""FetchDeliver: pick-up and delivery, the varied-pace expert, the recorder, and the lure's reward ordering."""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

from autocurriculum.environments import FETCH_DELIVER_ID
from autocurriculum.environments.demonstrations import record_demonstrations
from autocurriculum.environments.fetch_deliver import (
    EPISODE_STEPS,
    LURE_FEATURES,
    FetchDeliver,
    expert_action,
    expert_policy,
    fetch_deliver_task_space,
    straight_to_goal_action,
)
from autocurriculum.students.imitation import OTRewarder
from autocurriculum.teachers.ads import ADS, discount_space


def test_check_env_passes() -> None:
    env = gym.make(FETCH_DELIVER_ID)
    check_env(env.unwrapped)
    env.close()


def test_the_goal_counts_only_with_the_object_picked_up_slowly() -> None:
    env = FetchDeliver()
    obs, info = env.reset(seed=0, options={"task": [-0.3, 0.0, 1.2, 0.0]})
    assert info["task"].tolist() == [-0.3, 0.0, 1.2, 0.0] and obs.shape == (9,)
    env.position, env.velocity = np.array([1.2, 0.0]), np.zeros(2)  # at the goal without the object
    _, reward, *_, info = env.step(np.zeros(2))
    assert reward == 0.0 and not info["is_success"]
    env.position, env.velocity = np.array([-0.3, 0.0]), np.array([0.9, 0.0])  # on the object, too fast
    _, reward, *_ = env.step(np.zeros(2))
    assert reward == 0.0 and not env.held
    env.position, env.velocity = np.array([-0.3, 0.0]), np.zeros(2)  # slowly: picked up
    obs, reward, *_ = env.step(np.zeros(2))
    assert reward == 0.5 and env.held and obs[8] == 1.0 and np.allclose(obs[4:6], obs[:2])
    env.position = np.array([1.2, 0.0])
    _, reward, *_, info = env.step(np.zeros(2))
    assert reward == 0.5 and info["is_success"]
    _, reward, *_, info = env.step(np.zeros(2))
    assert reward == 0.0 and info["is_success"]  # once
    with pytest.raises(ValueError, match="task"):
        env.reset(options={"task": [0.0, 0.0, 1.2, 0.0]})  # object_x outside [-0.35, -0.25]: refused


def test_the_expert_delivers_at_every_pace_and_the_recorder_starts_at_the_reset() -> None:
    demos = record_demonstrations(FETCH_DELIVER_ID, expert_policy(0.6, 1.0), 8, seed=3)
    assert [d.shape for d in demos] == [(EPISODE_STEPS + 1, 9)] * 8
    delivered = [int(np.argmax(np.linalg.norm(d[:, :2] - d[:, 6:8], axis=1) < 0.1)) for d in demos]
    assert all(0 < t < EPISODE_STEPS - 10 for t in delivered) and len(set(delivered)) > 3  # varied pace
    assert all(d[-1, 8] == 1.0 and np.all(d[0, 2:4] == 0.0) for d in demos)
    again = record_demonstrations(FETCH_DELIVER_ID, expert_policy(0.6, 1.0), 8, seed=3)
    assert all(np.array_equal(a, b) for a, b in zip(demos, again, strict=True))
    tasks = {tuple(np.round(d[0, 4:8], 6)) for d in demos}
    assert len(tasks) == 8  # a random task each
    slowest = record_demonstrations(FETCH_DELIVER_ID, expert_policy(0.6, 0.6), 5, seed=0, successful_only=True)
    assert len(slowest) == 5
    with pytest.raises(ValueError, match="expert_policy"):
        expert_policy(0.0, 1.0)


def test_the_recorder_plays_an_sb3_model_and_fixed_tasks() -> None:
    from stable_baselines3 import SAC

    model = SAC("MlpPolicy", gym.make(FETCH_DELIVER_ID), policy_kwargs={"net_arch": [8]}, seed=0, device="cpu")
    task = [-0.3, 0.1, 1.1, -0.2]
    demos = record_demonstrations(FETCH_DELIVER_ID, model, 2, tasks=[task, task], max_steps=7)
    assert [d.shape for d in demos] == [(8, 9), (8, 9)]
    np.testing.assert_allclose(demos[0][0, 4:8], task, rtol=1e-6)
    with pytest.raises(ValueError, match=r"tasks: expected one task per demonstration \(3\), got 2"):
        record_demonstrations(FETCH_DELIVER_ID, model, 3, tasks=[task, task])
    with pytest.raises(TypeError, match="expert: expected an SB3 model"):
        record_demonstrations(FETCH_DELIVER_ID, object(), 1)
    with pytest.raises(RuntimeError, match="only 0 of 2 episodes succeeded"):
        record_demonstrations(FETCH_DELIVER_ID, model, 1, successful_only=True, max_attempts=2, max_steps=3)


def _play(task: np.ndarray, seed: int, act: Any) -> np.ndarray:
    env = gym.make(FETCH_DELIVER_ID)
    obs, _ = env.reset(seed=seed, options={"task": task})
    frames = [obs]
    for _ in range(EPISODE_STEPS):
        obs, *_ = env.step(act(env.unwrapped))
        frames.append(obs)
    env.close()
    return np.array(frames, dtype=np.float64)


def _discounted(rewards: np.ndarray, gamma: float) -> float:
    return float(np.sum(rewards * gamma ** np.arange(len(rewards))))


def test_the_lure_straight_to_goal_pays_under_gamma_099_and_the_pick_up_under_the_start_gamma() -> None:
    # The learner's view: OT rewards (Euclidean, the object at weight 0.1) against 10 expert
    # demonstrations at paces 0.6 to 1 on random tasks. Straight to the goal (at pace 0.6) misses
    # the short detour to the object: it pays early. Picking up at pace 0.8, then carrying at a
    # quarter of the expert's pace (a learner that has not mastered the carry), pays late.
    demos = record_demonstrations(FETCH_DELIVER_ID, expert_policy(0.6, 1.0), 10, seed=1000, successful_only=True)
    rewarder = OTRewarder(demos, features=LURE_FEATURES, cost="euclidean", auto_scale_factor=None)
    start_gamma = ADS(discount_space(), demos, features=LURE_FEATURES).setup().discount
    assert start_gamma == pytest.approx(0.2 ** (1 / 12))  # k starts at int(0.2 * 61)
    space = fetch_deliver_task_space()
    rng = np.random.default_rng(5)
    gaps = []  # (straight - pick) under 0.99 and under the start gamma
    for seed in range(10):
        task = space.sample(rng)
        straight = rewarder.unscaled(_play(task, seed, lambda e: straight_to_goal_action(e, 0.6)))[0][1:]
        pick = rewarder.unscaled(_play(task, seed, lambda e: expert_action(e, 0.25 if e.held else 0.8)))[0][1:]
        expert = rewarder.unscaled(_play(task, seed, lambda e: expert_action(e, 0.8)))[0][1:]
        assert _discounted(expert, 0.99) > max(_discounted(straight, 0.99), _discounted(pick, 0.99))  # the optimum
        gaps.append(
            [
                _discounted(straight, 0.99) - _discounted(pick, 0.99),
                _discounted(straight, start_gamma) - _discounted(pick, start_gamma),
            ]
        )
    long_gap, short_gap = np.mean(gaps, axis=0)
    assert long_gap > 0.0  # gamma 0.99: skipping the object pays
    assert short_gap < 0.0  # the start gamma: heading for the object pays
