"""OT rewards for imitation from observation: Sinkhorn, the rewarder, the relabelling buffer, SAC."""

from __future__ import annotations

import warnings
from typing import Any

import gymnasium as gym
import numpy as np
import pytest
import torch

import autocurriculum.environments  # noqa: F401 - registers the ids
from autocurriculum.students.imitation import OTReplayBuffer, OTRewarder, sinkhorn_plan
from autocurriculum.students.sb3 import PPOStudent, SACStudent
from autocurriculum.teachers.ads import cost_matrix
from autocurriculum.teachers.random_teacher import Random

torch.set_num_threads(1)


def naive_sinkhorn(cost: np.ndarray, epsilon: float, n_iter: int) -> np.ndarray:
    """Sinkhorn with scaling vectors (Cuturi 2013), fine when exp(-C / epsilon) does not underflow."""
    n, m = cost.shape
    k = np.exp(-cost / epsilon)
    u, v = np.ones(n), np.ones(m)
    for _ in range(n_iter):
        v = (1.0 / m) / (k.T @ u)
        u = (1.0 / n) / (k @ v)
    return u[:, None] * k * v[None, :]


def test_sinkhorn_equals_the_scaling_form_and_survives_small_epsilon() -> None:
    rng = np.random.default_rng(0)
    c = rng.uniform(0.0, 1.0, size=(6, 9))
    np.testing.assert_allclose(sinkhorn_plan(c, 0.2, 100), naive_sinkhorn(c, 0.2, 100), rtol=1e-9, atol=1e-15)
    cosine = rng.uniform(0.0, 2.0, size=(3, 40, 30))  # the default cost's range at epsilon 0.01, batched
    np.testing.assert_allclose(
        sinkhorn_plan(cosine, 0.01, 100), sinkhorn_plan(cosine, 0.01, 100, log_domain=True), rtol=1e-8, atol=1e-300
    )
    np.testing.assert_allclose(sinkhorn_plan(cosine[1], 0.01, 100), sinkhorn_plan(cosine, 0.01, 100)[1])
    big = rng.uniform(0.0, 20.0, size=(30, 25))  # exp(-20 / 0.01) underflows in the scaling form
    p = sinkhorn_plan(big, 0.01, 100)
    assert np.all(np.isfinite(p))
    np.testing.assert_allclose(p.sum(axis=1), 1 / 30, rtol=1e-6)  # the last update fits the rows
    assert p.sum() == pytest.approx(1.0)  # (100 iterations at epsilon 0.01 need not fit the columns yet)


@pytest.mark.parametrize("shape", [(5, 5), (17, 11), (40, 60)])
def test_sinkhorn_matches_pots_ot_sinkhorn_the_references_solver(shape: tuple[int, int]) -> None:
    ot = pytest.importorskip("ot")  # the test extra installs POT
    rng = np.random.default_rng(shape[0])
    n, m = shape
    a, b = np.full(n, 1.0 / n), np.full(m, 1.0 / m)
    for trial in range(5):
        x, y = rng.normal(size=(n, 3)), rng.normal(size=(m, 3))
        c = cost_matrix(x, y, "cosine") if trial % 2 else rng.uniform(0.0, 2.0, size=shape)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # POT warns that 100 iterations did not converge
            reference = ot.sinkhorn(a, b, c, 0.01, numItermax=100, stopThr=0.0)  # all 100 iterations
            stopped = ot.sinkhorn(a, b, c, 0.01, numItermax=100)  # POT's default early stop
        plan = sinkhorn_plan(c, 0.01, 100)
        np.testing.assert_allclose(plan, reference, rtol=1e-9, atol=1e-15)
        np.testing.assert_allclose(plan, sinkhorn_plan(c, 0.01, 100, log_domain=True), rtol=1e-7, atol=1e-15)
        rewards = -(plan * c).sum(axis=1)
        np.testing.assert_allclose(rewards, -(reference * c).sum(axis=1), rtol=1e-9, atol=1e-15)
        np.testing.assert_allclose(rewards, -(stopped * c).sum(axis=1), rtol=1e-6, atol=1e-9)
        np.testing.assert_allclose(plan.sum(axis=1), a, rtol=1e-12)  # the row scaling comes last


def demos(n: int = 3, steps: int = 20, dim: int = 4, seed: int = 0) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    t = np.linspace(0.1, 1.0, steps)[:, None]
    return [
        np.hstack([t, np.sin(t + k), np.cos(2 * t), np.ones((steps, dim - 3))]) + 0.01 * rng.normal(size=(steps, dim))
        for k in range(n)
    ]


def test_rewards_are_minus_the_transported_cost_against_the_closest_demo() -> None:
    d = demos()
    ot = OTRewarder(d, auto_scale_factor=None)
    rewards, k = ot.unscaled(d[1])
    assert k == 1
    c = cost_matrix(d[1], d[1], "cosine")
    np.testing.assert_allclose(rewards, -(sinkhorn_plan(c) * c).sum(axis=1))
    far, _ = ot.unscaled(d[1] * np.array([1.0, -1.0, -1.0, 1.0]))  # elsewhere: costs more
    assert far.sum() < rewards.sum() <= 0.0
    backwards, _ = ot.unscaled(d[1][::-1])  # OT matches sets, not orders (why ADS recognises progress)
    assert backwards.sum() == pytest.approx(rewards.sum())


def test_batched_sinkhorn_over_demos_of_several_lengths_equals_one_at_a_time() -> None:
    rng = np.random.default_rng(4)
    d = [rng.normal(size=(t, 4)) for t in (12, 15, 12, 9)]
    x = rng.normal(size=(10, 4))
    ot = OTRewarder(d, cost="euclidean")
    rewards, k = ot.unscaled(x)
    singles = []
    for demo in d:
        c = cost_matrix(x, demo, "euclidean")
        singles.append(-(sinkhorn_plan(c) * c).sum(axis=1))
    best = int(np.argmax([r.sum() for r in singles]))
    assert k == best
    np.testing.assert_allclose(rewards, singles[best], rtol=1e-10)


def test_the_first_episode_sets_the_scale_so_that_it_sums_to_minus_ten() -> None:
    d = demos()
    ot = OTRewarder(d)
    first = ot(d[0][::-1])
    assert first.sum() == pytest.approx(-10.0)
    scale = ot.scale
    second = ot(d[2])
    assert ot.scale == scale and second.sum() == pytest.approx(scale * ot.unscaled(d[2])[0].sum())
    again = OTRewarder(d)
    again.load_state_dict(ot.state_dict())
    assert again.scale == scale and again.n_episodes == 2


def test_bad_rewarder_arguments_name_the_field() -> None:
    with pytest.raises(ValueError, match=r"demos\[1\]: observation size 4 differs"):
        OTRewarder([np.zeros((3, 2)), np.zeros((3, 4))])
    with pytest.raises(ValueError, match="cost: got 'l2'"):
        OTRewarder(demos(), cost="l2")
    with pytest.raises(ValueError, match="epsilon"):
        OTRewarder(demos(), epsilon=0)
    with pytest.raises(ValueError, match=r"observations: expected a \(T, 4\) array"):
        OTRewarder(demos()).unscaled(np.zeros((5, 3)))


def test_the_buffer_stores_each_episode_relabelled_when_it_ends_and_samples_only_finished_ones() -> None:
    d = demos(dim=4)
    ot = OTRewarder(d, auto_scale_factor=None)
    box = gym.spaces.Box(-1000, 1000, (4,))
    buf = OTReplayBuffer(50, box, gym.spaces.Box(-1, 1, (1,)), device="cpu", n_envs=2, rewarder=ot)
    rng = np.random.default_rng(1)
    ends = {0: [4, 9], 1: [6]}  # env 0 ends two episodes, env 1 one, then stays open
    frames: dict[int, list[np.ndarray]] = {0: [], 1: []}
    for t in range(12):
        obs = rng.normal(size=(2, 4)).astype(np.float32)
        nxt = obs + 100.0 * (t + 1)  # next observations mark the step
        nxt[:, 3] = [0.0, 1.0]  # and the env
        done = np.array([t in ends[0], t in ends[1]])
        for e in (0, 1):
            if not frames[e] or frames[e][-1] is None:
                frames[e] = [obs[e]]
            frames[e].append(nxt[e])
        buf.add(obs, nxt, np.zeros((2, 1)), np.full(2, 5.0), done, [{}, {}])
        if t == 4:  # the first episode (of env 0) was written alone, from the reset's observation on
            seq = np.stack(frames[0]).astype(np.float64)
            np.testing.assert_allclose(buf.rewards[:5, 0], ot.unscaled(seq)[0][1:], rtol=1e-6)
        for e in (0, 1):
            if done[e]:
                frames[e] = []
    assert buf.n_relabelled == 3 and buf.pos == 5 + 7 + 5  # episodes of 5, 7 and 5 steps, in order of ending
    steps = np.round(buf.next_observations[: buf.pos, 0, 0] / 100.0).astype(int) - 1
    assert steps.tolist() == [0, 1, 2, 3, 4, 0, 1, 2, 3, 4, 5, 6, 5, 6, 7, 8, 9]
    assert not np.any(buf.rewards[: buf.pos] == 5.0)  # never the environment's reward
    batch = buf.sample(500)
    marks = np.round(batch.next_observations.numpy()[:, 0] / 100.0).astype(int) - 1
    assert set(marks.tolist()) <= set(range(10)) and 10 not in marks and 11 not in marks  # open ones wait
    assert buf.abandon_open_episodes() == 2

    empty = OTReplayBuffer(10, box, gym.spaces.Box(-1, 1, (1,)), device="cpu", rewarder=ot)
    empty.add(np.zeros((1, 4)), np.zeros((1, 4)), np.zeros((1, 1)), np.zeros(1), np.array([False]), [{}])
    with pytest.raises(RuntimeError, match="no finished episode yet"):
        empty.sample(4)


def test_n_step_targets_use_the_scheduled_discount() -> None:
    ot = OTRewarder(stump_demos(2, 12), cost="euclidean")
    teacher_gamma = 0.5
    student = SACStudent(
        "autocurriculum/StumpTracks-v0",
        n_envs=1,
        vec_env="dummy",
        test_tasks=None,
        imitation=ot,
        algo_kwargs={"n_steps": 3, "learning_starts": 10_000, "batch_size": 8, "policy_kwargs": {"net_arch": [8]}},
        seed=0,
    )
    teacher = Random(student.task_space, seed=0)
    student.setup(teacher)
    buf = student.model.replay_buffer
    assert isinstance(buf, OTReplayBuffer) and buf.n_steps == 3 and buf.gamma == 0.99
    student.set_gamma(teacher_gamma)  # what a discount teacher does between updates
    assert buf.gamma == teacher_gamma
    box = buf.observation_space
    obs = np.zeros((1, box.shape[0]), dtype=np.float32)
    rewards_seen = []
    for t in range(6):  # one 6-step episode; each transition's next observation marks its step
        nxt = obs.copy()
        nxt[0, 0] = t + 1
        buf.add(obs, nxt, np.zeros((1, 4)), np.zeros(1), np.array([t == 5]), [{}])
        obs = nxt
    rewards_seen = buf.rewards[:6, 0].astype(np.float64)
    batch = buf.sample(64)
    starts = np.round(batch.observations.numpy()[:, 0]).astype(int)
    for t, r, disc, done in zip(
        starts, batch.rewards.numpy()[:, 0], batch.discounts.numpy()[:, 0], batch.dones.numpy()[:, 0], strict=True
    ):
        n = min(3, 6 - t)  # the episode ends after step 5
        expected = sum(teacher_gamma**i * rewards_seen[t + i] for i in range(n))
        assert r == pytest.approx(expected, rel=1e-5)
        assert disc == pytest.approx(teacher_gamma**n)
        assert done == float(t + n == 6)
    assert len(set(starts.tolist())) > 3
    student.close()


def stump_demos(n: int, steps: int) -> list[np.ndarray]:
    out = []
    for seed in range(n):
        env = gym.make("autocurriculum/StumpTracks-v0")
        env.reset(seed=seed, options={"task": [0.0, 6.0]})
        env.action_space.seed(seed)
        out.append(np.array([env.step(env.action_space.sample())[0] for _ in range(steps)]))
        env.close()
    return out


def test_sac_learns_from_ot_rewards_while_the_teacher_gets_the_environment_returns(tmp_path: Any) -> None:
    ot = OTRewarder(stump_demos(2, 30))
    student = SACStudent(
        env_kwargs={"max_episode_steps": 30},
        n_envs=1,
        vec_env="dummy",
        test_tasks=[[0.0, 6.0]],
        n_eval_envs=1,
        imitation=ot,
        algo_kwargs={"learning_starts": 10, "batch_size": 16, "buffer_size": 1000, "policy_kwargs": {"net_arch": [32]}},
    )
    records = student.learn(Random(student.task_space, seed=0), 120)
    # training waited for the first finished episode (30 steps), not for learning_starts (10)
    assert 0 < student.model._n_updates <= 120 - 30 + 1
    buf = student.model.replay_buffer
    assert isinstance(buf, OTReplayBuffer) and buf.n_relabelled == len(records) >= 3
    assert ot.n_episodes == len(records) and ot.scale != 1.0
    first = buf.rewards[:30, 0]
    frames = np.concatenate([buf.observations[:1, 0], buf.next_observations[:30, 0]]).astype(np.float64)
    unscaled = ot.unscaled(frames)[0]  # the reset's frame, then one per transition
    assert ot.scale * unscaled.sum() == pytest.approx(-10.0, rel=1e-5)  # the first episode set the scale
    np.testing.assert_allclose(first, ot.scale * unscaled[1:], rtol=1e-5)
    assert not np.allclose(first, 0.0)
    returns = [r.feedback.episode_return for r in records]
    assert any(abs(r - (-10.0)) > 1 for r in returns)  # the teacher saw BipedalWalker returns, not OT ones
    assert student.metrics()["imitation/scale"] == ot.scale

    path = student.save(tmp_path / "sac.pkl")
    again = SACStudent(
        env_kwargs={"max_episode_steps": 30},
        n_envs=1,
        vec_env="dummy",
        test_tasks=[[0.0, 6.0]],
        n_eval_envs=1,
        imitation=OTRewarder(stump_demos(2, 30)),
        algo_kwargs={"learning_starts": 40, "batch_size": 16, "buffer_size": 1000, "policy_kwargs": {"net_arch": [32]}},
    )
    again.load(path, Random(again.task_space, seed=0))
    assert again.imitation.scale == ot.scale and again.model.replay_buffer.rewarder is again.imitation
    student.close()
    again.close()


def test_imitation_needs_an_off_policy_student_without_normalisation() -> None:
    ot = OTRewarder(stump_demos(2, 5))
    ppo = PPOStudent(n_envs=1, vec_env="dummy", imitation=ot)
    with pytest.raises(ValueError, match="imitation: PPOStudent is on-policy"):
        ppo.setup(Random(ppo.task_space, seed=0))
    sac = SACStudent(n_envs=1, vec_env="dummy", imitation=ot, normalize=True, algo_kwargs={"buffer_size": 100})
    with pytest.raises(ValueError, match="imitation: needs normalize=False"):
        sac.setup(Random(sac.task_space, seed=0))
