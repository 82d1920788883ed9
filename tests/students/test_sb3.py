"""Deep-RL students: PPO + ALP-GMM on Stump Tracks, regret scores, discount changes, save/load."""

from __future__ import annotations

import base64
import io
import json
import pickle
import types
import zipfile
from typing import Any

import numpy as np
import pytest
import torch
from stable_baselines3.common.vec_env import VecNormalize

import autocurriculum.environments
from autocurriculum.students.sb3 import (
    SCORE_FUNCTIONS,
    MaskedRolloutBuffer,
    PPOStudent,
    RegretScorer,
    SACStudent,
    stump_tracks_test_set,
)
from autocurriculum.teachers.ads import ADS, discount_space
from autocurriculum.teachers.alp_gmm import ALPGMM
from autocurriculum.teachers.base import Feedback, Lesson, Teacher
from autocurriculum.teachers.random_teacher import Random
from autocurriculum.teachers.spaces import BoxSpace
from autocurriculum.teachers.state_codec import decode, encode
from autocurriculum.teachers.validation import state_difference

torch.set_num_threads(1)

CARTPOLE_TASKS = [[0.5, 0.1, 9.8], [1.5, 0.5, 15.0]]
SMALL_PPO = {"n_steps": 64, "batch_size": 64, "n_epochs": 2}


def cartpole_student(**kwargs: Any) -> PPOStudent:
    params: dict[str, Any] = {
        "n_envs": 2,
        "vec_env": "dummy",
        "algo_kwargs": SMALL_PPO,
        "test_tasks": CARTPOLE_TASKS,
        "n_eval_envs": 2,
    }
    params.update(kwargs)
    return PPOStudent(autocurriculum.environments.CARTPOLE_ID, **params)


# --------------------------------------------------------------------------- regret scores


def test_regret_scores_match_hand_computed_values_on_a_tiny_rollout() -> None:
    space = BoxSpace([0.0], [10.0])
    a, b, c, d = (Lesson(task=np.array([v]), id=k) for k, v in enumerate([1.0, 2.0, 3.0, 4.0]))
    scorer = RegretScorer(n_envs=2)
    key = lambda lesson: tuple(space.to_plain(lesson.task))  # noqa: E731

    def obj(rows: list[list[Lesson]]) -> np.ndarray:
        arr = np.empty((len(rows), 2), dtype=object)
        for t, row in enumerate(rows):
            arr[t, 0], arr[t, 1] = row
        return arr

    # rollout 1: env 0 plays A (ends at t=1) then B (cut); env 1 plays C throughout (cut)
    adv = np.array([[1.0, 0.5], [-2.0, 0.5], [3.0, 0.5], [-1.0, 0.5]])
    val = np.array([[0.5, 0.0], [1.0, 0.0], [2.0, 0.0], [1.0, 0.0]])
    rew = np.array([[1.0, 1.0], [1.0, 1.0], [2.0, 1.0], [2.0, 1.0]])
    done = np.array([[False, False], [True, False], [False, False], [False, False]])
    out = scorer.add_rollout(adv, val, rew, done, obj([[a, c], [a, c], [b, c], [b, c]]), key)
    assert [s.lesson for s in out] == [a]
    (sa,) = out
    assert sa.length == 2
    assert sa.positive_value_loss == pytest.approx(0.5)  # (1 + 0) / 2
    assert sa.l1_value_loss == pytest.approx(1.5)  # (1 + 2) / 2
    assert sa.max_mc == pytest.approx(2.0 - 0.75)  # R_max = return 2, mean V = 0.75

    # rollout 2: B continues and ends at t=1; C ends at t=0, then D starts (cut)
    adv2 = np.array([[2.0, -0.5], [-4.0, 1.0]])
    val2 = np.array([[0.0, 1.0], [3.0, 1.0]])
    rew2 = np.array([[1.0, 1.0], [0.0, 1.0]])
    done2 = np.array([[False, True], [True, False]])
    out = scorer.add_rollout(adv2, val2, rew2, done2, obj([[b, c], [b, d]]), key)
    by = {s.lesson.id: s for s in out}
    sb, sc = by[b.id], by[c.id]
    # B: step-weighted over both rollouts, advantages [3, -1, 2, -4], values [2, 1, 0, 3], rewards [2, 2, 1, 0]
    assert sb.length == 4
    assert sb.positive_value_loss == pytest.approx(5.0 / 4)
    assert sb.l1_value_loss == pytest.approx(10.0 / 4)
    assert sb.max_mc == pytest.approx(5.0 - 1.5)
    # C: advantages [0.5] * 4 + [-0.5], values all 0 then 1, return 5
    assert sc.length == 5
    assert sc.positive_value_loss == pytest.approx(2.0 / 5)
    assert sc.l1_value_loss == pytest.approx(2.5 / 5)
    assert sc.max_mc == pytest.approx(5.0 - 1.0 / 5)
    assert sc.score("positive_value_loss") == sc.positive_value_loss

    # rollout 3: level A again (a new lesson, same task) with a lower return: R_max stays 2
    a2 = Lesson(task=np.array([1.0]), id=9)
    out = scorer.add_rollout(
        np.array([[0.0, 0.0]]),
        np.array([[1.0, 0.0]]),
        np.array([[0.5, 0.0]]),
        np.array([[True, False]]),
        obj([[a2, d]]),
        key,
    )
    assert [s.lesson for s in out] == [a2]
    assert out[0].max_mc == pytest.approx(2.0 - 1.0)
    assert scorer.drop_open() == 1  # D is still open

    with pytest.raises(RuntimeError, match="left open"):
        scorer2 = RegretScorer(1)
        one = lambda x: np.array([[x]])  # noqa: E731
        scorer2.add_rollout(one(0.0), one(0.0), one(0.0), one(False), obj1(a), key)
        scorer2.add_rollout(one(0.0), one(0.0), one(0.0), one(True), obj1(b), key)


def obj1(lesson: Lesson) -> np.ndarray:
    arr = np.empty((1, 1), dtype=object)
    arr[0, 0] = lesson
    return arr


class ScoreRecorder(Teacher):
    """A PLR-like teacher stub: random tasks, requires the learner's score."""

    name = "score_recorder"
    requires = frozenset({"score"})

    def _init_state(self) -> None:
        self.seen: list[tuple[Lesson, Feedback]] = []

    def _sample(self) -> tuple[Any, str, dict]:
        return self.task_space.sample(self.rng_), "new", {}

    def _update(self, lesson: Lesson, feedback: Feedback) -> None:
        self.seen.append((lesson, feedback))


def test_a_teacher_requiring_score_gets_one_regret_score_per_episode_with_the_raw_return() -> None:
    student = cartpole_student()
    teacher = ScoreRecorder(student.task_space, seed=0)
    records = student.learn(teacher, 64 * 2 * 4)
    assert len(teacher.seen) == len(records) > 4
    assert student.task_env_.update_teacher is False  # the wrapper does not report these episodes
    ids = [lesson.id for lesson, _ in teacher.seen]
    assert len(set(ids)) == len(ids)
    for _, fb in teacher.seen:
        assert fb.score == fb.extras["positive_value_loss"] >= 0.0
        assert set(SCORE_FUNCTIONS) <= set(fb.extras)
        assert fb.episode_return == fb.length  # CartPole: +1 per step, raw (not normalised)
    student.close()


# --------------------------------------------------------------------------- no-gradient lessons


def test_masked_rollout_buffer_batches_exactly_the_trainable_transitions() -> None:
    import gymnasium as gym

    n_steps, n_envs = 6, 3
    buf = MaskedRolloutBuffer(
        n_steps, gym.spaces.Box(-1e6, 1e6, (1,)), gym.spaces.Box(-1, 1, (1,)), device="cpu", n_envs=n_envs
    )
    for t in range(n_steps):
        obs = np.array([[100.0 * t + i] for i in range(n_envs)], dtype=np.float32)  # names (step, env)
        buf.add(obs, np.zeros((n_envs, 1)), np.ones(n_envs), np.zeros(n_envs), torch.zeros(n_envs), torch.zeros(n_envs))
    buf.compute_returns_and_advantage(torch.zeros(n_envs), np.zeros(n_envs))
    assert buf.n_trainable == n_steps * n_envs  # reset() marks every transition trainable
    mask = np.random.default_rng(0).random((n_steps, n_envs)) < 0.5
    buf.train_mask[:] = mask
    expected = sorted(100.0 * t + i for t, i in zip(*np.nonzero(mask), strict=True))
    for _epoch in range(2):  # a second pass reads the already flattened arrays
        batches = [b.observations.numpy().ravel() for b in buf.get(4)]
        assert all(len(b) <= 4 for b in batches)
        assert sorted(np.concatenate(batches).tolist()) == expected


class TrainFlagTeacher(ScoreRecorder):
    """Random tasks whose lessons carry ``info["train"]``: every ``period``-th lesson trains (0: none)."""

    name = "train_flag"

    def __init__(self, task_space: Any, *, period: int = 0, seed: int | None = None) -> None:
        self.period = period
        super().__init__(task_space, seed=seed)

    def _sample(self) -> tuple[Any, str, dict]:
        trains = self.period > 0 and self.n_sampled_ % self.period == 0
        return self.task_space.sample(self.rng_), "new", {"train": trains}


def test_ppo_takes_no_gradient_step_on_lessons_marked_train_false() -> None:
    student = cartpole_student()
    teacher = TrainFlagTeacher(student.task_space, period=0, seed=0)
    student.setup(teacher)
    before = [p.detach().clone() for p in student.model.policy.parameters()]
    student.learn(teacher, 64 * 2 * 3)
    assert student.model.skipped_updates == 3
    assert all(torch.equal(a, b) for a, b in zip(before, student.model.policy.parameters(), strict=True))
    assert len(teacher.seen) > 0  # the episodes were still played and scored
    student.close()


def test_ppo_masks_the_transitions_of_no_gradient_lessons_and_trains_on_the_rest() -> None:
    student = cartpole_student()
    teacher = TrainFlagTeacher(student.task_space, period=2, seed=0)
    student.setup(teacher)
    lessons: list[np.ndarray] = []
    original = student.callback_._on_rollout_end

    def keep_lessons() -> None:
        lessons.append(student.callback_.lessons.copy())
        original()

    student.callback_._on_rollout_end = keep_lessons  # type: ignore[method-assign]
    before = [p.detach().clone() for p in student.model.policy.parameters()]
    student.learn(teacher, 64 * 2)
    mask = student.model.rollout_buffer.train_mask
    expected = np.vectorize(lambda lesson: lesson.info["train"], otypes=[bool])(lessons[-1])
    assert np.array_equal(mask, expected) and 0 < mask.sum() < mask.size
    assert student.model.skipped_updates == 0
    assert not all(torch.equal(a, b) for a, b in zip(before, student.model.policy.parameters(), strict=True))
    student.close()


def test_robust_plr_lessons_reach_the_mask() -> None:
    from autocurriculum.teachers.plr import PLR

    student = cartpole_student()
    teacher = PLR.from_preset("robust_plr", student.task_space, buffer_size=8, seed=0)
    student.learn(teacher, 64 * 2 * 4)
    # before the buffer is half full every lesson is new (no gradient); replays train afterwards
    assert student.model.skipped_updates >= 1
    assert teacher.counts_["replay"] > 0
    student.close()


# --------------------------------------------------------------------------- discount


def test_ppo_discount_change_reaches_the_gae_targets() -> None:
    student = cartpole_student(algo_kwargs={**SMALL_PPO, "gae_lambda": 0.9})
    records = student.learn(Random(student.task_space, seed=0), 128)
    # the teacher sees raw returns (CartPole: +1 per step), not VecNormalize's scaled rewards
    assert records and all(r.feedback.episode_return == r.feedback.length for r in records)
    student.set_gamma(0.5)
    assert student.gamma == 0.5 and isinstance(student.venv_, VecNormalize) and student.venv_.gamma == 0.5
    student.learn(amount=128)
    buf = student.model.rollout_buffer

    # PPO.train flattened values and advantages env-major (swap_and_flatten); back to (n_steps, n_envs)
    rows = lambda arr: arr if arr.shape == (64, 2) else np.asarray(arr).reshape(2, 64).T  # noqa: E731
    rewards, values, starts, adv = (rows(x) for x in (buf.rewards, buf.values, buf.episode_starts, buf.advantages))

    def gae_residual(gamma: float) -> float:
        # A_t = delta_t + gamma * lambda * (1 - start_{t+1}) * A_{t+1}, delta_t = r_t + gamma * V_{t+1} (1 - start_{t+1}) - V_t
        nonterminal = 1.0 - starts[1:]
        delta = rewards[:-1] + gamma * values[1:] * nonterminal - values[:-1]
        expected = delta + gamma * 0.9 * nonterminal * adv[1:]
        return float(np.max(np.abs(adv[:-1] - expected)))

    assert gae_residual(0.5) < 1e-5
    assert gae_residual(0.999) > 1e-2  # the old discount does not explain the targets
    student.close()


def cartpole_demos(n: int, steps: int) -> list[np.ndarray]:
    """Observation sequences of a hand-written balancing controller on CartPole."""
    import gymnasium as gym

    demos = []
    for seed in range(n):
        env = gym.make(autocurriculum.environments.CARTPOLE_ID)
        obs, _ = env.reset(seed=seed, options={"task": CARTPOLE_TASKS[0]})
        seq = []
        for _ in range(steps):
            seq.append(obs)
            obs, _, terminated, truncated, _ = env.step(int(3.0 * obs[2] + obs[3] > 0))
            assert not (terminated or truncated)
        demos.append(np.array(seq))
        env.close()
    return demos


class RecordingADS(ADS):
    """ADS that keeps the feedback it was given."""

    def _update(self, lesson: Lesson, feedback: Feedback) -> None:
        self.seen = [*getattr(self, "seen", []), feedback]
        super()._update(lesson, feedback)


def test_a_discount_teacher_sets_gamma_from_raw_evaluation_observations(tmp_path: Any) -> None:
    demos = cartpole_demos(3, 30)

    def build() -> tuple[PPOStudent, RecordingADS]:
        ads = RecordingADS(discount_space(), demos, horizon=25)
        student = cartpole_student(discount_teacher=ads, discount_every=128, discount_tasks=[CARTPOLE_TASKS[0]] * 3)
        return student, ads

    student, ads = build()
    teacher = Random(student.task_space, seed=0)
    student.setup(teacher)
    assert student.gamma == pytest.approx(0.2 ** (1 / 5))  # k starts at int(0.2 * 25)
    student.learn(teacher, 256)
    assert len(ads.seen) == 2 and len(student.discount_history) == 3
    for fb in ads.seen:
        assert len(fb.trajectories) == 3 and fb.length == sum(len(t) - 1 for t in fb.trajectories)
        for traj in fb.trajectories:
            assert traj.shape[1] == 4
            assert np.all(np.abs(traj[0]) <= 0.05)  # the raw reset state, not VecNormalize's output
            # ... and the raw terminal state last (T + 1 frames, as recorded demonstrations): the pole fell
            # or the cart left the track there, and nowhere before
            fell = (np.abs(traj[:, 0]) > 2.4) | (np.abs(traj[:, 2]) > 12 * 2 * np.pi / 360)
            assert fell[-1] and not fell[:-1].any()
    assert student.gamma == pytest.approx(ads.discount)
    assert student.model.rollout_buffer.gamma == pytest.approx(ads.discount)
    m = student.metrics()
    assert m["discount/progress"] == ads.progress_ and m["gamma"] == student.gamma

    path = student.save(tmp_path / "student.ckpt")
    again, ads2 = build()
    again.load(path, Random(again.task_space, seed=0))
    assert ads2.progress_ == ads.progress_ and again.gamma == pytest.approx(student.gamma)
    assert again.discount_history == student.discount_history and again.next_discount_ == student.next_discount_
    student.close()
    again.close()


def test_discount_teacher_parameters_are_checked() -> None:
    ads = ADS(discount_space(), cartpole_demos(2, 10))
    bad = [
        ({"discount_every": 64}, "discount_tasks: required"),
        ({"discount_tasks": [CARTPOLE_TASKS[0]]}, "discount_every: required"),
        ({"discount_every": 64, "discount_tasks": [[9.0, 0.1, 9.8]]}, r"discount_tasks\[0\]"),
    ]
    for kwargs, message in bad:
        student = cartpole_student(discount_teacher=ads, **kwargs)
        with pytest.raises(ValueError, match=message):
            student.setup(Random(student.task_space, seed=0))
        student.close()
    student = cartpole_student(discount_teacher=Random(BoxSpace([0.0, 0.0], [1.0, 1.0])), discount_every=64)
    with pytest.raises(ValueError, match="discount_teacher.task_space: expected a 1-D BoxSpace"):
        student.setup(Random(student.task_space, seed=0))
    student.close()


def test_sac_discount_change_reaches_the_critic_target(monkeypatch: pytest.MonkeyPatch) -> None:
    import stable_baselines3.sac.sac as sac_module

    student = SACStudent(
        "autocurriculum/StumpTracks-v0",
        n_envs=1,
        vec_env="dummy",
        test_tasks=[[0.0, 0.0]],
        algo_kwargs={
            "buffer_size": 500,
            "batch_size": 16,
            "learning_starts": 50,
            "ent_coef": 0.0,
            "policy_kwargs": {"net_arch": [16]},
        },
    )
    student.learn(Random(student.task_space, seed=0), 80)
    student.set_gamma(0.7)
    model = student.model
    q_next = 2.0
    model.critic_target.forward = lambda obs, act: (torch.full((obs.shape[0], 1), q_next),) * 2
    batches: list[Any] = []
    sample = model.replay_buffer.sample

    def recording_sample(*args: Any, **kwargs: Any) -> Any:
        batches.append(sample(*args, **kwargs))
        return batches[-1]

    targets: list[torch.Tensor] = []

    def spy(current: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        targets.append(target.detach().clone())
        return torch.nn.functional.mse_loss(current, target)

    monkeypatch.setattr(model.replay_buffer, "sample", recording_sample)
    monkeypatch.setattr(sac_module, "F", types.SimpleNamespace(mse_loss=spy))
    model.train(gradient_steps=1, batch_size=16)
    data = batches[0]
    expected = data.rewards + (1 - data.dones) * 0.7 * q_next  # entropy term is 0 (ent_coef=0)
    torch.testing.assert_close(targets[0], expected)
    assert not torch.allclose(targets[0], data.rewards + (1 - data.dones) * 0.99 * q_next)
    student.close()


# --------------------------------------------------------------------------- Stump Tracks run


def test_short_ppo_alp_gmm_run_on_stump_tracks_updates_evaluates_saves_and_reloads(tmp_path: Any) -> None:
    tasks = [[0.0, 0.0], [1.0, 3.0], [2.0, 5.0]]
    kwargs: dict[str, Any] = {
        "n_envs": 2,
        "vec_env": "dummy",
        "algo_kwargs": {"n_steps": 512, "batch_size": 256, "n_epochs": 2},
        "test_tasks": tasks,
        "eval_every": 2048,
        "n_eval_envs": 3,
        "seed": 3,
    }
    student = PPOStudent("autocurriculum/StumpTracks-v0", **kwargs)
    teacher = ALPGMM(student.task_space, **student.teacher_defaults({"return_bounds"}), seed=0)
    assert teacher.return_bounds == (-150.0, 350.0)
    records = student.learn(teacher, 3000)
    assert student.progress == 3072  # three rollouts of 2 x 512 steps
    # every finished episode was reported, with the lesson the teacher proposed
    assert len(records) == teacher.n_updates_ == student.metrics()["episodes"] > 0
    ids = [r.lesson.id for r in records]
    assert len(set(ids)) == len(ids) and max(ids) < teacher.n_sampled_
    assert all(r.feedback.episode_return is not None and r.feedback.length > 0 for r in records)
    assert all(teacher.task_space.contains(r.lesson.task) for r in records)
    # the evaluation ran once (at the 2048 crossing) on the small test set
    assert len(student.history) == 1 and student.history[0]["step"] == 2048
    result = student.evaluate()
    assert result["n_tasks"] == 3 and 0.0 <= result["mastered_percent"] <= 100.0
    assert len(student.history[-1]["returns"]) == 3
    obs_rms_before = student.venv_.obs_rms.mean.copy()
    student.evaluate()
    np.testing.assert_array_equal(student.venv_.obs_rms.mean, obs_rms_before)  # evaluation does not update stats

    path = student.save(tmp_path / "student.ckpt")
    again = PPOStudent("autocurriculum/StumpTracks-v0", **kwargs)
    teacher2 = ALPGMM(again.task_space, return_bounds=(-150.0, 350.0), seed=99)
    again.load(path, teacher2)
    assert again.progress == student.progress and again.history == student.history
    np.testing.assert_array_equal(again.venv_.obs_rms.mean, student.venv_.obs_rms.mean)
    np.testing.assert_array_equal(again.venv_.ret_rms.var, student.venv_.ret_rms.var)
    for p, q in zip(student.model.policy.parameters(), again.model.policy.parameters(), strict=True):
        torch.testing.assert_close(p, q)
    assert again.evaluate() == student.evaluate()
    assert teacher2.n_updates_ == teacher.n_updates_
    assert all(np.array_equal(teacher2.sample().task, teacher.sample().task) for _ in range(5))
    more = again.learn(teacher2, 1024)
    assert again.progress == 3072 + 1024 and teacher2.n_updates_ == teacher.n_updates_ + len(more)
    student.close()
    again.close()


def test_stump_tracks_test_set_is_the_10_by_10_grid() -> None:
    grid = stump_tracks_test_set()
    assert grid.shape == (100, 2)
    assert grid[:, 0].min() == 0.0 and grid[:, 0].max() == 3.0
    assert grid[:, 1].min() == 0.0 and grid[:, 1].max() == 6.0
    assert len({tuple(row) for row in grid}) == 100


def test_a_named_test_set_reports_solved_rate_and_return_per_name_over_several_episodes() -> None:
    tasks = {"short_pole": CARTPOLE_TASKS[0], "long_pole": CARTPOLE_TASKS[1]}
    student = cartpole_student(test_tasks=tasks, test_episodes=3, mastery_threshold=20.0)
    student.learn(Random(student.task_space, seed=0), 64)
    result = student.evaluate()
    assert set(result) == {
        "mastered_percent", "mean_return", "n_tasks",
        "solved_rate_short_pole", "return_short_pole", "solved_rate_long_pole", "return_long_pole",
    }  # fmt: skip
    returns = student.history[-1]["returns"]
    assert result["n_tasks"] == 2 and len(returns) == 2
    assert result["return_short_pole"] == pytest.approx(returns[0])
    assert result["return_long_pole"] == pytest.approx(returns[1])
    for name in tasks:
        assert result[f"solved_rate_{name}"] in (0.0, 1 / 3, 2 / 3, 1.0)
    assert result["mastered_percent"] == pytest.approx(50.0 * sum(r > 20.0 for r in returns))
    student.close()
    with pytest.raises(ValueError, match="test_episodes"):
        cartpole_student(test_episodes=0).learn(Random(student.task_space), 64)


def test_the_accel_walker_defaults_to_its_six_named_test_terrains() -> None:
    from autocurriculum.environments.accel_walker import TEST_TERRAINS

    student = PPOStudent("autocurriculum/AccelWalker-v0", n_envs=1, vec_env="dummy")
    tasks = student._test_tasks()
    assert student.test_names_ == list(TEST_TERRAINS)
    np.testing.assert_array_equal(np.array(tasks), np.array(list(TEST_TERRAINS.values())))


# --------------------------------------------------------------------------- errors


def test_errors_name_the_parameter_and_what_is_allowed() -> None:
    student = cartpole_student()
    with pytest.raises(ValueError, match="teacher.task_space"):
        student.learn(Random(BoxSpace([0.0], [1.0]), seed=0), 64)
    with pytest.raises(ValueError, match="score"):
        cartpole_student(score="regret").learn(Random(student.task_space), 64)
    with pytest.raises(ValueError, match="n_envs"):
        cartpole_student(n_envs=0).learn(Random(student.task_space), 64)
    with pytest.raises(ValueError, match="algo_kwargs"):
        cartpole_student(algo_kwargs={"seed": 1}).learn(Random(student.task_space), 64)
    with pytest.raises(ValueError, match="PPOStudent"):
        SACStudent("autocurriculum/StumpTracks-v0", vec_env="dummy", n_envs=1).setup(
            ScoreRecorder(BoxSpace([0.0, 0.0], [3.0, 6.0], names=["stump_height", "obstacle_spacing"]))
        )
    teacher = Random(student.task_space, seed=0)
    student.learn(teacher, 64)
    with pytest.raises(ValueError, match="gamma"):
        student.set_gamma(1.5)
    with pytest.raises(ValueError, match="another teacher"):
        student.learn(Random(student.task_space, seed=1), 64)
    with pytest.raises(ValueError, match="amount"):
        student.learn(teacher, 0)
    student.close()


# --------------------------------------------------------------------------- slow (run by hand: -m slow)


@pytest.mark.slow
def test_ppo_student_with_worker_processes_on_stump_tracks() -> None:
    """The SubprocVecEnv path (set_task pipelined into the workers) inside the student."""
    student = PPOStudent(
        "autocurriculum/StumpTracks-v0",
        n_envs=4,
        vec_env="subproc",
        algo_kwargs={"n_steps": 1024, "batch_size": 256, "n_epochs": 2},
        test_tasks=stump_tracks_test_set(3, 3),
        eval_every=8192,
    )
    teacher = ALPGMM(student.task_space, return_bounds=(-150.0, 350.0), seed=0)
    records = student.learn(teacher, 16384)
    assert student.progress == 16384 and len(records) == teacher.n_updates_ > 0
    assert [h["step"] for h in student.history] == [8192.0, 16384.0]
    assert all(h["n_tasks"] == 9 for h in student.history)
    assert 0.0 < student.teacher_seconds < student.wall_seconds
    student.close()


@pytest.mark.slow
def test_ppo_student_learns_parametric_cartpole() -> None:
    """End to end: with tasks from a teacher, PPO learns to balance poles of several tasks (500: the maximum)."""
    tasks = [[0.5, 0.1, 9.8], [1.0, 0.5, 15.0], [0.2, 0.05, 20.0], [1.5, 0.8, 5.0], [0.3, 0.3, 12.0], [2.0, 1.0, 20.0]]
    student = PPOStudent(
        autocurriculum.environments.CARTPOLE_ID,
        n_envs=4,
        vec_env="dummy",
        algo_kwargs={"n_steps": 256, "batch_size": 256, "n_epochs": 10, "gamma": 0.99, "learning_rate": 1e-3},
        test_tasks=tasks,
        mastery_threshold=195.0,
        seed=1,
    )
    student.setup(Random(student.task_space, seed=0))
    start = student.evaluate()
    assert start["mastered_percent"] < 50.0  # the untrained policy (seed 1) fails most tasks
    student.learn(amount=60_000)
    end = student.evaluate()
    assert end["mastered_percent"] >= 80.0 and end["mean_return"] > start["mean_return"] + 200.0
    student.close()


class _WritesAFile:
    """Unpickling this writes a file: the proof that a loader executed code."""

    def __init__(self, target: Any) -> None:
        self.target = target

    def __reduce__(self) -> tuple:
        return (type(self.target).write_text, (self.target, "code ran"))


def _with_data(model_zip: bytes, **entries: Any) -> bytes:
    """The SB3 zip with ``entries`` replacing keys of its ``data`` JSON."""
    src, out = zipfile.ZipFile(io.BytesIO(model_zip)), io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for name in src.namelist():
            content = src.read(name)
            if name == "data":
                content = json.dumps({**json.loads(content), **entries}).encode()
            dst.writestr(name, content)
    return out.getvalue()


def test_state_dict_is_plain_data_round_trips_through_a_checkpoint_and_never_unpickles(tmp_path: Any) -> None:
    student = cartpole_student(normalize=True)
    student.learn(Random(student.task_space, seed=0), 256)
    state = student.state_dict()
    assert isinstance(state["vecnormalize"]["obs_rms"]["mean"], np.ndarray)
    assert isinstance(state["episode_buffers"]["ep_info_buffer"], list)
    copies = []
    for s in (state, decode(encode(state))):  # the checkpoint format keeps everything exactly
        again = cartpole_student(normalize=True)
        teacher = Random(again.task_space, seed=1)
        again.setup(teacher)
        again.load_state_dict(s)
        assert list(again.model.ep_info_buffer) == list(student.model.ep_info_buffer)
        again.learn(teacher, 128)
        copies.append(again)
    for a, b in zip(copies[0].model.policy.parameters(), copies[1].model.policy.parameters(), strict=True):
        assert torch.equal(a, b)
    assert np.array_equal(copies[0].venv_.obs_rms.mean, copies[1].venv_.obs_rms.mean)

    proof = tmp_path / "pwned"
    payload = {":serialized:": base64.b64encode(pickle.dumps(_WritesAFile(proof))).decode()}
    copies[0].load_state_dict({**state, "model": _with_data(state["model"], observation_space=payload)})
    assert not proof.exists()  # taken from the student, not from the file
    with pytest.raises(ValueError, match="pickled attribute 'surprise' .* not unpickled"):
        copies[0].load_state_dict({**state, "model": _with_data(state["model"], surprise=payload)})
    assert not proof.exists()
    for s in (student, *copies):
        s.close()


def test_save_file_is_plain_data_and_a_pickle_is_refused_unopened(tmp_path: Any) -> None:
    student = PPOStudent(
        "autocurriculum/ParametricCartPole-v0",
        n_envs=1,
        vec_env="dummy",
        algo_kwargs={"n_steps": 64, "batch_size": 64, "n_epochs": 1},
        seed=0,
    )
    student.learn(Random(student.task_space, seed=0), 64)
    path = student.save(tmp_path / "student.ckpt")
    assert path.read_bytes().startswith(b"AUTOCURRICULUM-CHECKPOINT\n")

    class Boom:
        def __reduce__(self) -> tuple[object, tuple[str]]:
            return (print, ("unpickled",))

    bad = tmp_path / "bad.pkl"
    bad.write_bytes(pickle.dumps({"student": Boom(), "teacher": {}}))
    with pytest.raises(ValueError, match=r"bad\.pkl.*not a file written by PPOStudent\.save.*pickle"):
        student.load(bad)
    # a file whose teacher state is fine but whose student state is refused leaves both untouched
    data = decode(path.read_bytes())
    teacher = student.teacher
    assert teacher is not None
    student.learn(teacher, 64)  # both move on from the saved file
    data["student"] = {**data["student"], "model": b"not a zip"}
    broken = tmp_path / "broken.ckpt"
    broken.write_bytes(encode(data))
    teacher_before, progress_before = teacher.state_dict(), student.progress
    with pytest.raises(ValueError, match="not an SB3 model zip"):
        student.load(broken)
    assert state_difference(teacher.state_dict(), teacher_before) is None
    assert student.progress == progress_before
    student.close()
