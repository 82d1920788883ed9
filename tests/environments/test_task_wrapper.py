"""The task wrapper: lessons reach the right copy, survive autoreset, and outcomes name them.

The test environment :class:`~tests.environments.countdown.Countdown` makes misattribution
visible: a task ``[n]`` gives an episode of exactly ``round(n)`` steps whose reward per step is
``n / 10``, and every step's info says which task the copy is really playing.
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.vector import AsyncVectorEnv, AutoresetMode, SyncVectorEnv
from stable_baselines3.common.vec_env import DummyVecEnv, SubprocVecEnv, VecNormalize

import autocurriculum.environments
from autocurriculum.environments.parametric_cartpole import cartpole_task_space
from autocurriculum.environments.task_wrapper import (
    EpisodeOutcome,
    FixedLessons,
    SetTaskOnReset,
    TaskVecEnv,
    TaskVectorEnv,
    TaskWrapper,
    with_teacher,
)
from autocurriculum.teachers.alp_gmm import ALPGMM
from autocurriculum.teachers.base import Feedback, Lesson, Teacher
from autocurriculum.teachers.random_teacher import Random
from tests.environments.countdown import SPACE, Countdown, CountdownOptions, Stubborn


class Recorder(Teacher):
    """Random lengths; remembers every (lesson, feedback) in arrival order."""

    name = "recorder"
    requires = frozenset({"episode_return"})

    def _init_state(self) -> None:
        self.seen: list[tuple[Lesson, Feedback]] = []

    def _sample(self) -> tuple[Any, str, dict]:
        return np.array([float(self.rng_.integers(1, 13))]), "random", {}

    def _update(self, lesson: Lesson, feedback: Feedback) -> None:
        self.seen.append((lesson, feedback))


def check_outcomes(teacher: Recorder, min_episodes: int) -> None:
    """Every report matches the task its lesson asked for; each lesson reported once."""
    assert len(teacher.seen) >= min_episodes
    ids = [lesson.id for lesson, _ in teacher.seen]
    assert len(set(ids)) == len(ids)
    for lesson, fb in teacher.seen:
        n = round(float(lesson.task[0]))
        assert fb.length == n, (lesson, fb)
        assert fb.episode_return == pytest.approx(n * float(lesson.task[0]) / 10.0)
    # different lengths in parallel: reports arrive out of sampling order
    assert ids != sorted(ids)


def run_sb3(venv: Any, teacher: Recorder, steps: int) -> None:
    env = TaskVecEnv(venv, teacher)
    env.reset()
    for _ in range(steps):
        lessons = env.current_lessons
        _, _, dones, infos = env.step(np.zeros(env.num_envs, dtype=np.int64))
        for i, info in enumerate(infos):
            # the transition's lesson is the one really played, and the one the copy held before the step
            assert info["lesson"] is lessons[i]
            np.testing.assert_array_equal(info["played"], info["lesson"].task)
            if dones[i]:
                outcome = info["episode_outcome"]
                assert isinstance(outcome, EpisodeOutcome) and outcome.lesson is lessons[i]
    env.close()


def test_subproc_vec_env_attributes_outcomes_to_the_played_task() -> None:
    teacher = Recorder(SPACE, seed=0)
    run_sb3(SubprocVecEnv([Countdown] * 4), teacher, 150)
    check_outcomes(teacher, 60)


def test_dummy_vec_env_attributes_outcomes_to_the_played_task() -> None:
    teacher = Recorder(SPACE, seed=1)
    run_sb3(DummyVecEnv([Countdown] * 3), teacher, 150)
    check_outcomes(teacher, 40)


def run_gymnasium(envs: Any, teacher: Recorder, steps: int) -> None:
    env = TaskVectorEnv(envs, teacher)
    env.reset(seed=0)
    for _ in range(steps):
        lessons = env.current_lessons
        _, _, term, trunc, infos = env.step(np.zeros(env.num_envs, dtype=np.int64))
        assert infos["_lesson"].all()
        for i in range(env.num_envs):
            assert infos["lesson"][i] is lessons[i]
            if "_played" in infos and infos["_played"][i]:
                np.testing.assert_array_equal(infos["played"][i], lessons[i].task)
            if term[i] or trunc[i]:
                assert infos["_episode_outcome"][i] and infos["episode_outcome"][i].lesson is lessons[i]
    env.close()


@pytest.mark.parametrize("mode", [AutoresetMode.NEXT_STEP, AutoresetMode.SAME_STEP])
def test_gymnasium_sync_vector_env(mode: AutoresetMode) -> None:
    teacher = Recorder(SPACE, seed=2)
    run_gymnasium(SyncVectorEnv([Countdown] * 3, autoreset_mode=mode), teacher, 150)
    check_outcomes(teacher, 30)


@pytest.mark.parametrize("mode", [AutoresetMode.NEXT_STEP, AutoresetMode.SAME_STEP])
def test_gymnasium_async_vector_env(mode: AutoresetMode) -> None:
    teacher = Recorder(SPACE, seed=3)
    run_gymnasium(AsyncVectorEnv([Countdown] * 4, autoreset_mode=mode), teacher, 150)
    check_outcomes(teacher, 40)


def test_next_step_autoreset_step_is_not_counted_in_any_episode() -> None:
    teacher = Recorder(SPACE, seed=4)
    env = TaskVectorEnv(SyncVectorEnv([Countdown]), teacher)
    env.reset(seed=0)
    n = round(float(env.current_lessons[0].task[0]))
    for _ in range(n):
        env.step(np.zeros(1, dtype=np.int64))
    assert len(teacher.seen) == 0  # reported while the next step runs ...
    env.flush()  # ... or now
    assert len(teacher.seen) == 1
    second = env.current_lessons[0]
    m = round(float(second.task[0]))
    for _ in range(m + 1):  # one autoreset step, then the m steps of the second episode
        env.step(np.zeros(1, dtype=np.int64))
    env.flush()
    assert len(teacher.seen) == 2 and teacher.seen[1][0] == second and teacher.seen[1][1].length == m


def test_single_env_wrapper_reports_each_episode_and_external_tasks() -> None:
    teacher = Recorder(SPACE, seed=5)
    env = TaskWrapper(Countdown(), teacher)
    for _ in range(5):
        _, info = env.reset()
        lesson = info["lesson"]
        done = False
        while not done:
            _, _, term, trunc, info = env.step(0)
            np.testing.assert_array_equal(info["played"], lesson.task)
            done = term or trunc
        assert info["episode_outcome"].lesson is lesson
    env.reset(options={"task": [4.0]})
    for _ in range(4):
        env.step(0)
    assert teacher.seen[-1][0].id is None and teacher.seen[-1][1].length == 4
    assert [fb.length for _, fb in teacher.seen[:5]] == [round(float(lsn.task[0])) for lsn, _ in teacher.seen[:5]]
    with pytest.raises(RuntimeError, match="call reset"):
        env.step(0)


def test_alp_gmm_and_random_drive_parametric_cartpole_through_with_teacher() -> None:
    space = cartpole_task_space()
    for teacher in (ALPGMM(space, return_bounds=(0.0, 500.0), seed=0), Random(space, seed=0)):
        envs = gym.make_vec(autocurriculum.environments.CARTPOLE_ID, num_envs=2, vectorization_mode="sync")
        env = with_teacher(envs, teacher)
        assert isinstance(env, TaskVectorEnv)
        env.reset(seed=0)
        rng = np.random.default_rng(0)
        for _ in range(300):
            *_, infos = env.step(rng.integers(0, 2, size=2))
            if "_task" in infos:  # NEXT_STEP reset steps report the task the copy really took
                for i in np.flatnonzero(infos["_task"]):
                    np.testing.assert_array_equal(infos["task"][i], infos["lesson"][i].task)
        assert env.n_episodes - 2 <= teacher.n_updates_ <= env.n_episodes  # at most the last step's episodes wait
        env.flush()
        assert teacher.n_updates_ == env.n_episodes > 5
        env.close()


def test_set_task_on_reset_makes_an_options_only_env_work_in_a_vector_env() -> None:
    teacher = Recorder(SPACE, seed=6)
    run_sb3(DummyVecEnv([lambda: SetTaskOnReset(CountdownOptions())] * 2), teacher, 80)
    check_outcomes(teacher, 10)


def test_fixed_lessons_play_every_task_once_then_pad() -> None:
    tasks = [[2.0], [5.0], [3.0]]
    source = FixedLessons(tasks, SPACE)
    env = TaskVecEnv(DummyVecEnv([Countdown] * 2), source)
    env.reset()
    while not source.done:
        env.step(np.zeros(2, dtype=np.int64))
    assert sorted(source.results) == [0, 1, 2]
    assert [source.results[i].length for i in range(3)] == [2, 5, 3]


def test_errors_name_the_problem() -> None:
    class NeedsScore(Recorder):
        requires = frozenset({"score"})

    with pytest.raises(ValueError, match="update_teacher=False"):
        TaskVecEnv(DummyVecEnv([Countdown]), NeedsScore(SPACE))
    TaskVecEnv(DummyVecEnv([Countdown]), NeedsScore(SPACE), update_teacher=False)  # allowed
    with pytest.raises(ValueError, match="VecNormalize"):
        TaskVecEnv(VecNormalize(DummyVecEnv([Countdown])), Recorder(SPACE))
    with pytest.raises(TypeError, match="teacher"):
        TaskWrapper(Countdown(), "random")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="set_task"):
        TaskVecEnv(DummyVecEnv([CountdownOptions]), Recorder(SPACE)).reset()
    with pytest.raises(ValueError, match="autoreset_mode"):
        TaskVectorEnv(SyncVectorEnv([Countdown], autoreset_mode=AutoresetMode.DISABLED), Recorder(SPACE))
    with pytest.raises(TypeError, match="env"):
        with_teacher(object(), Recorder(SPACE))
    with pytest.raises(ValueError, match="reset_mask"):
        TaskVectorEnv(SyncVectorEnv([Countdown]), Recorder(SPACE)).reset(options={"reset_mask": np.array([True])})


def test_wrapper_detects_an_env_that_does_not_play_the_assigned_task() -> None:
    env = TaskVecEnv(DummyVecEnv([Stubborn]), Random(SPACE, seed=0))
    with pytest.raises(RuntimeError, match="assigned lesson"):
        env.reset()
        for _ in range(50):
            env.step(np.zeros(1, dtype=np.int64))


@pytest.mark.parametrize("backend", ["gymnasium", "sb3"])
def test_lessons_are_sampled_while_the_workers_step(backend: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Multi-process envs: finished copies mostly take lessons sampled between step_async and step_wait."""
    from autocurriculum.environments import task_wrapper

    inside = {"record": False}
    where: list[bool] = []
    real_record = task_wrapper._Tracker.record

    def record(self: Any, *args: Any, **kwargs: Any) -> Any:
        inside["record"] = True
        try:
            return real_record(self, *args, **kwargs)
        finally:
            inside["record"] = False

    class Spy(Recorder):
        def _sample(self) -> tuple[Any, str, dict]:
            where.append(inside["record"])
            return super()._sample()

    monkeypatch.setattr(task_wrapper._Tracker, "record", record)
    teacher = Spy(SPACE, seed=4)
    if backend == "gymnasium":
        run_gymnasium(AsyncVectorEnv([Countdown] * 4), teacher, 150)
    else:
        run_sb3(SubprocVecEnv([Countdown] * 4), teacher, 150)
    check_outcomes(teacher, 40)
    assert len(where) > 40
    assert sum(where) < 0.4 * len(where)  # before: every lesson after the first ones, inside record()
