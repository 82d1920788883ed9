"""The task wrapper: any teacher drives any gymnasium environment that accepts a task on reset.

The teacher lives in the main process. The wrapper asks it for a :class:`~autocurriculum.teachers.base.Lesson`
before each episode starts, sends the lesson's task to the environment copy that will play it,
adds up the raw rewards of the episode and, when the episode ends, reports
``Feedback(episode_return=..., length=..., success=...)`` about *that* lesson with
``teacher.update(lesson, feedback)``. Returns are the raw episodic returns: teachers normalise
them (ALP-GMM with ``return_bounds``). Outcomes of many environment copies arrive in any order;
each one names the lesson that was actually played.

Four kinds of environment are supported:

* a single ``gymnasium.Env``: :class:`TaskWrapper` (the task goes through
  ``reset(options={"task": ...})``);
* gymnasium vector envs (``SyncVectorEnv``, ``AsyncVectorEnv``): :class:`TaskVectorEnv`;
* Stable-Baselines3 vector envs (``DummyVecEnv``, ``SubprocVecEnv``, any ``VecEnv`` with
  ``env_method``): :class:`TaskVecEnv`.

:func:`with_teacher` picks the right one. Inside a vector env the environment copies reset
themselves (autoreset) with ``reset()`` and no options, so they must keep a task set by a method
``set_task(task)`` for their next resets (Stump Tracks and :mod:`autocurriculum.environments.parametric_cartpole`
do; :class:`SetTaskOnReset` adds it to any env that takes ``options={"task": ...}``).

How the next task survives autoreset, and why the wrapper costs little
----------------------------------------------------------------------
* SB3 vector envs and gymnasium's ``SAME_STEP`` autoreset reset an environment inside the step
  that ends its episode. The wrapper therefore *prefetches*: every copy always holds its current
  lesson and, already set through ``set_task``, the lesson of its next episode. When an episode
  ends, the prefetched lesson becomes current and a new one is sampled and sent.
* gymnasium's default ``NEXT_STEP`` autoreset resets on the step after the episode ended, so the
  next lesson is sampled when the episode ends and sent before that step (no prefetch needed).
* ``set_task`` messages are pipelined with the step: for ``SubprocVecEnv`` and ``AsyncVectorEnv``
  the wrapper writes the ``set_task`` request into the worker's pipe just before the step
  request, so the worker runs both back to back and no extra round trip is waited for (Syllabus'
  synchronisation waits for one, Samvelyan et al. 2023). In-process envs (``DummyVecEnv``,
  ``SyncVectorEnv``) are called directly.
* Teacher work overlaps the workers' step: once the step request is sent (``step_async``), the
  wrapper reports the episodes that ended on the previous step (all of them, one batch) and
  samples the lessons the episodes ending on this step will need, into a small buffer (as many
  as ended on the previous step, at least one); when the step returns, finished copies take
  their next lesson from the buffer, and only a shortfall is sampled on the spot. On short
  episodes (CartPole: one vector step in ten ends an episode with 8 copies) the teacher then
  costs the step loop almost nothing. A lesson is therefore sampled up to one vector step before
  it is needed (teachers see it as sampled before the last step's updates); a :class:`Teacher` is
  sampled ahead this way, other lesson sources (:class:`FixedLessons`, :class:`PinnedLessons`)
  only on demand.
* The main process keeps, per copy, the lesson being played; the pipes deliver messages in
  order, so the bookkeeping is exact. When the environment reports ``info["task"]`` at reset, the
  wrapper checks it against the lesson it assigned and raises ``RuntimeError`` on a mismatch.

Every step's info carries ``"lesson"`` (the lesson played during that transition) and the step
that ends an episode carries ``"episode_outcome"`` (an :class:`EpisodeOutcome`). For SB3 these are
keys of each env's info dict; for gymnasium vector envs they are object arrays with ``_lesson``/
``_episode_outcome`` masks.

A teacher in an existing loop, in three lines
---------------------------------------------
Stable-Baselines3::

    venv = SubprocVecEnv([lambda: gym.make("autocurriculum/StumpTracks-v0")] * 8)
    venv = with_teacher(venv, ALPGMM(stump_tracks_task_space(), return_bounds=(-150, 350)))
    PPO("MlpPolicy", VecNormalize(venv)).learn(1_000_000)

Plain gymnasium::

    envs = gym.make_vec("autocurriculum/ParametricCartPole-v0", num_envs=8, vectorization_mode="async")
    envs = with_teacher(envs, Random(cartpole_task_space(), seed=0))
    obs, info = envs.reset(seed=0)   # then step as usual; the teacher is updated every episode

Teachers that need learner-side signals (``requires`` containing ``"score"``, such as PLR) cannot
be updated by the wrapper: pass ``update_teacher=False`` and report from the learner
(:mod:`autocurriculum.students.sb3` does, once per rollout).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import gymnasium as gym
import numpy as np
from gymnasium.vector import AsyncVectorEnv, AutoresetMode, SyncVectorEnv, VectorEnv, VectorWrapper
from stable_baselines3.common.vec_env import SubprocVecEnv, VecEnv, VecEnvWrapper, VecNormalize
from stable_baselines3.common.vec_env.base_vec_env import VecEnvStepReturn

from autocurriculum.teachers.base import Feedback, Lesson, Teacher
from autocurriculum.teachers.spaces import TaskSpace

__all__ = [
    "ABANDONED",
    "EpisodeOutcome",
    "FixedLessons",
    "PinnedLessons",
    "LessonSource",
    "SetTaskOnReset",
    "TaskVecEnv",
    "TaskVectorEnv",
    "TaskWrapper",
    "with_teacher",
]

ABANDONED = "episode_abandoned"
"""``info[ABANDONED]`` on the step where a copy's episode ended without a result (its worker died,
see :class:`~autocurriculum.environments.ray_vec_env.RayVecEnv`): the lesson is counted as
abandoned and never reported to the teacher."""

#: Feedback fields the wrapper can fill from the environment alone.
WRAPPER_FIELDS = frozenset({"episode_return", "length", "success"})


@runtime_checkable
class LessonSource(Protocol):
    """What the wrapper needs from a teacher: ``sample()``, ``update()``, ``requires``, ``task_space``."""

    requires: frozenset[str]
    task_space: TaskSpace

    def sample(self) -> Lesson: ...

    def update(self, lesson: Lesson, feedback: Feedback) -> None: ...


@dataclass(frozen=True)
class EpisodeOutcome:
    """One finished episode: the lesson played and what came of it.

    Attributes
    ----------
    lesson:
        The lesson that was actually played.
    episode_return:
        Sum of the raw (unnormalised) rewards of the episode.
    length:
        Number of environment steps of the episode.
    env_index:
        Which environment copy played it.
    success:
        ``info["is_success"]`` of the last step when the environment reports it, else ``None``.
    """

    lesson: Lesson
    episode_return: float
    length: int
    env_index: int
    success: bool | None = None

    def feedback(self) -> Feedback:
        """The :class:`~autocurriculum.teachers.base.Feedback` reported to the teacher."""
        return Feedback(episode_return=self.episode_return, length=self.length, success=self.success)


class FixedLessons:
    """A lesson source that hands out a fixed list of tasks once, in order (for evaluation).

    After the list is exhausted it keeps handing out the first task with ``origin="padding"``, so
    that environment copies still running have something to play; outcomes of padding lessons
    are not part of the list's results (:attr:`results` only keeps ids ``< len(tasks)``).

    Parameters
    ----------
    tasks:
        The tasks, each a member of ``task_space``.
    task_space:
        Their space (every task is checked against it).
    """

    requires: frozenset[str] = frozenset()

    def __init__(self, tasks: Sequence[Any], task_space: TaskSpace) -> None:
        if len(tasks) == 0:
            raise ValueError("tasks: expected at least one task, got an empty sequence")
        self.task_space = task_space
        self.tasks = [task_space.check(t, f"tasks[{i}]") for i, t in enumerate(tasks)]
        self.n_sampled = 0
        self.results: dict[int, Feedback] = {}

    def sample(self) -> Lesson:
        i = self.n_sampled
        self.n_sampled += 1
        if i < len(self.tasks):
            return Lesson(task=self.tasks[i], id=i, origin="test")
        return Lesson(task=self.tasks[0], id=i, origin="padding")

    def update(self, lesson: Lesson, feedback: Feedback) -> None:
        if lesson.origin == "test":
            if lesson.id in self.results:
                raise ValueError(f"lesson.id: test task {lesson.id} was reported twice")
            self.results[int(lesson.id)] = feedback  # type: ignore[arg-type]

    @property
    def done(self) -> bool:
        """Whether every task of the list has been reported."""
        return len(self.results) == len(self.tasks)


class PinnedLessons:
    """A lesson source that gives each environment copy its own lesson, episode after episode.

    For learners that must play given levels for a whole rollout, such as PAIRED's protagonist
    and antagonist (Dennis et al., NeurIPS 2020): :meth:`pin` sets one lesson per copy; every
    episode of copy ``i`` then plays ``lessons[i]`` (the vector wrappers ask
    :meth:`lesson_for` instead of ``sample``), and the outcome of every finished episode is
    kept in :attr:`outcomes`, per copy, until the next :meth:`pin`. A full ``reset()`` of the
    vector env after :meth:`pin` starts every copy on its new lesson.

    Parameters
    ----------
    task_space:
        The space of the lessons.
    """

    requires: frozenset[str] = frozenset()

    def __init__(self, task_space: TaskSpace) -> None:
        self.task_space = task_space
        self.lessons: list[Lesson] = []
        self.outcomes: list[list[Feedback]] = []
        self._slots: dict[int, int] = {}

    def pin(self, lessons: Sequence[Lesson]) -> None:
        """Play ``lessons[i]`` on copy ``i`` from the next reset on; forget earlier outcomes."""
        lessons = list(lessons)
        for i, lesson in enumerate(lessons):
            if not isinstance(lesson, Lesson):
                raise TypeError(f"lessons[{i}]: expected a Lesson, got {type(lesson).__name__}")
            self.task_space.check(lesson.task, f"lessons[{i}].task")
        self.lessons = lessons
        self.outcomes = [[] for _ in lessons]
        self._slots = {id(lesson): i for i, lesson in enumerate(lessons)}

    def lesson_for(self, env_index: int) -> Lesson:
        """The lesson pinned to copy ``env_index``."""
        if not 0 <= env_index < len(self.lessons):
            raise IndexError(
                f"env_index: copy {env_index} has no pinned lesson ({len(self.lessons)} pinned); call pin() "
                "with one lesson per environment copy"
            )
        return self.lessons[env_index]

    def sample(self) -> Lesson:
        raise RuntimeError("PinnedLessons hands out lessons per environment copy (lesson_for), not by sample()")

    def update(self, lesson: Lesson, feedback: Feedback) -> None:
        slot = self._slots.get(id(lesson))
        if slot is not None:  # outcomes of lessons pinned before the last pin() are not kept
            self.outcomes[slot].append(feedback)


def _check_source(teacher: Any, update_teacher: bool) -> None:
    if not isinstance(teacher, LessonSource):
        raise TypeError(
            f"teacher: expected a autocurriculum.teachers.Teacher (or an object with sample(), update(), requires and "
            f"task_space), got {type(teacher).__name__}"
        )
    if not isinstance(update_teacher, bool):
        raise TypeError(f"update_teacher: expected a bool, got {update_teacher!r}")
    extra = sorted(set(teacher.requires) - WRAPPER_FIELDS)
    if update_teacher and extra:
        raise ValueError(
            f"teacher: {type(teacher).__name__} requires {extra}, which the task wrapper cannot compute "
            f"from the environment (it reports {sorted(WRAPPER_FIELDS)}); pass update_teacher=False and "
            "report from the learner (autocurriculum.students.sb3.PPOStudent computes regret scores)"
        )


class _Tracker:
    """Per-copy lesson bookkeeping shared by the vector wrappers.

    ``current[i]`` is the lesson env ``i`` plays; with ``prefetch`` ``upcoming[i]`` is the lesson
    already set for its next episode. ``resetting[i]`` marks a copy whose next step is an
    autoreset (gymnasium ``NEXT_STEP``), which is not a step of any episode.
    """

    def __init__(self, teacher: LessonSource, n_envs: int, update_teacher: bool, prefetch: bool) -> None:
        self.teacher = teacher
        self.n_envs = n_envs
        self.update_teacher = update_teacher
        self.prefetch = prefetch
        self.current: list[Lesson] = []
        self.upcoming: list[Lesson | None] = [None] * n_envs
        self.returns = np.zeros(n_envs, dtype=np.float64)
        self.lengths = np.zeros(n_envs, dtype=np.int64)
        self.resetting = np.zeros(n_envs, dtype=bool)
        self.resetting_list: list[int] = []  # np.flatnonzero(resetting), kept as a list
        self.teacher_seconds = 0.0
        self.n_episodes = 0
        self.n_abandoned = 0
        self.queue: list[EpisodeOutcome] = []
        self.ready: list[Lesson] = []  # lessons sampled ahead, oldest first
        self.ahead = isinstance(teacher, Teacher)  # only teachers are sampled ahead
        self.last_ends = 1  # episodes that ended on the last step (at least one)

    def sample(self, env_index: int) -> Lesson:
        """The next lesson of copy ``env_index`` (a :class:`PinnedLessons` source answers per copy)."""
        if self.ready:
            return self.ready.pop(0)
        t0 = time.perf_counter()
        lesson = self.teacher.lesson_for(env_index) if isinstance(self.teacher, PinnedLessons) else self.teacher.sample()
        self.teacher_seconds += time.perf_counter() - t0
        return lesson

    def overlap(self) -> None:
        """Teacher work while the workers step: report the queued outcomes, sample ahead."""
        self.flush()
        if self.ahead and len(self.ready) < self.last_ends:
            t0 = time.perf_counter()
            while len(self.ready) < self.last_ends:
                self.ready.append(self.teacher.sample())
            self.teacher_seconds += time.perf_counter() - t0

    def start(self) -> None:
        """New lessons for every copy (a full reset); lessons in flight are abandoned."""
        self.flush()
        if self.current:
            self.n_abandoned += self.n_envs
        self.current = [self.sample(i) for i in range(self.n_envs)]
        self.upcoming = [self.sample(i) for i in range(self.n_envs)] if self.prefetch else [None] * self.n_envs
        self.returns[:] = 0.0
        self.lengths[:] = 0
        self.resetting[:] = False
        self.resetting_list = []

    def record(
        self,
        rewards: np.ndarray,
        dones: np.ndarray,
        success: Callable[[int], bool | None],
        abandoned: Collection[int] = (),
    ) -> tuple[list[EpisodeOutcome], list[tuple[int, Any]]]:
        """Add a step; return the finished episodes and the ``(env, task)`` pairs to send.

        Copies in ``abandoned`` ended their episode without a result (their worker died): the
        lesson is counted in ``n_abandoned`` and never reported to the teacher.
        """
        if self.resetting_list:
            live = ~self.resetting
            self.returns += np.where(live, rewards, 0.0)
            self.lengths += live
            self.resetting[:] = False
            self.resetting_list = []
        else:
            self.returns += rewards
            self.lengths += 1
        ended = np.flatnonzero(dones).tolist()
        if not ended:
            return [], []
        self.last_ends = len(ended)
        outcomes: list[EpisodeOutcome] = []
        assignments: list[tuple[int, Any]] = []
        for i in ended:
            if i in abandoned:
                self.n_abandoned += 1
            else:
                outcome = EpisodeOutcome(self.current[i], float(self.returns[i]), int(self.lengths[i]), i, success(i))
                outcomes.append(outcome)
                self.n_episodes += 1
                if self.update_teacher:
                    self.queue.append(outcome)
            self.returns[i] = 0.0
            self.lengths[i] = 0
            if self.prefetch:
                nxt = self.upcoming[i]
                assert nxt is not None  # set by start()
                self.current[i] = nxt
                self.upcoming[i] = self.sample(i)
                assignments.append((i, _wire(self.upcoming[i].task)))  # type: ignore[union-attr]
            else:
                self.current[i] = self.sample(i)
                assignments.append((i, _wire(self.current[i].task)))
        return outcomes, assignments

    def flush(self) -> None:
        """Report the queued outcomes to the teacher (``teacher.update``), oldest first."""
        if not self.queue:
            return
        queue, self.queue = self.queue, []
        t0 = time.perf_counter()
        try:
            for outcome in queue:
                self.teacher.update(outcome.lesson, outcome.feedback())
        finally:
            self.teacher_seconds += time.perf_counter() - t0

    def check_task(self, i: int, reported: Any) -> None:
        """Raise when env ``i`` reports a reset task other than the one assigned."""
        expected = self.current[i].task
        space = self.teacher.task_space
        try:
            same = space.equal_tasks(expected, reported)
        except (TypeError, ValueError, KeyError):
            same = False
        if not same:
            raise RuntimeError(
                f"environment {i} reset with task {reported!r}, but the wrapper assigned lesson "
                f"{self.current[i].id} with task {expected!r}: the environment must keep the task given by "
                "set_task(task) for its next resets (see autocurriculum.environments.task_wrapper.SetTaskOnReset)"
            )


def _wire(task: Any) -> Any:
    """A task as sent to a worker: vectors as lists of floats (pickle faster than arrays)."""
    return task.tolist() if isinstance(task, np.ndarray) else task


def _is_success(info: Mapping[str, Any]) -> bool | None:
    value = info.get("is_success")
    return None if value is None else bool(value)


class SetTaskOnReset(gym.Wrapper):
    """Give an environment that takes ``reset(options={"task": ...})`` a ``set_task`` method.

    The task given to :meth:`set_task` (or through reset options) is passed as
    ``options={"task": task}`` to every later reset, until changed, so that it survives vector-env
    autoreset. Put it around the environment inside the vector env's factory.
    """

    def __init__(self, env: gym.Env) -> None:
        super().__init__(env)
        self._next_task: Any = None

    def set_task(self, task: Any) -> None:
        """Use ``task`` for every later reset (``None``: let the environment choose)."""
        self._next_task = task

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> tuple[Any, dict[str, Any]]:
        options = dict(options or {})
        if "task" in options:
            self._next_task = options["task"]
        elif self._next_task is not None:
            options["task"] = self._next_task
        return self.env.reset(seed=seed, options=options or None)


class TaskWrapper(gym.Wrapper):
    """A teacher chooses the task of every episode of one gymnasium environment.

    Parameters
    ----------
    env:
        An environment that accepts ``reset(options={"task": task})``.
    teacher:
        A :class:`~autocurriculum.teachers.base.Teacher` whose task space the environment accepts.
    update_teacher:
        Report ``Feedback(episode_return, length, success)`` to the teacher at the end of every
        episode (default ``True``). ``False`` for teachers that need learner-side signals.

    Notes
    -----
    ``reset(options={"task": t})`` plays ``t`` as an external lesson (``Lesson(task=t)``), reported
    like any other. An episode cut by a ``reset()`` before it ended is not reported; it is counted
    in :attr:`n_abandoned`.
    """

    def __init__(self, env: gym.Env, teacher: LessonSource, *, update_teacher: bool = True) -> None:
        _check_source(teacher, update_teacher)
        super().__init__(env)
        self.teacher = teacher
        self.update_teacher = update_teacher
        self.lesson: Lesson | None = None
        self.episode_return = 0.0
        self.episode_length = 0
        self.n_episodes = 0
        self.n_abandoned = 0
        self.teacher_seconds = 0.0
        self._running = False

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> tuple[Any, dict[str, Any]]:
        if self._running:
            self.n_abandoned += 1
        options = dict(options or {})
        if "task" in options:
            self.lesson = Lesson(task=self.teacher.task_space.check(options["task"], "options['task']"))
        else:
            t0 = time.perf_counter()
            self.lesson = self.teacher.sample()
            self.teacher_seconds += time.perf_counter() - t0
        options["task"] = self.lesson.task
        obs, info = self.env.reset(seed=seed, options=options)
        self.episode_return = 0.0
        self.episode_length = 0
        self._running = True
        info = dict(info)
        info["lesson"] = self.lesson
        return obs, info

    def step(self, action: Any) -> tuple[Any, float, bool, bool, dict[str, Any]]:
        if not self._running or self.lesson is None:
            raise RuntimeError("TaskWrapper.step: call reset() first (the episode has ended or never started)")
        obs, reward, terminated, truncated, info = self.env.step(action)
        self.episode_return += float(reward)
        self.episode_length += 1
        info = dict(info)
        info["lesson"] = self.lesson
        if terminated or truncated:
            outcome = EpisodeOutcome(self.lesson, self.episode_return, self.episode_length, 0, _is_success(info))
            info["episode_outcome"] = outcome
            self.n_episodes += 1
            self._running = False
            if self.update_teacher:
                t0 = time.perf_counter()
                self.teacher.update(outcome.lesson, outcome.feedback())
                self.teacher_seconds += time.perf_counter() - t0
        return obs, reward, terminated, truncated, info


# --------------------------------------------------------------------------- gymnasium vector envs


class _TrackerViews:
    """Counters and ``flush`` shared by the vector wrappers, read from their ``_tracker``."""

    _tracker: _Tracker

    @property
    def n_episodes(self) -> int:
        """Episodes finished (and reported, with ``update_teacher``) so far."""
        return self._tracker.n_episodes

    @property
    def n_abandoned(self) -> int:
        """Lessons dropped unfinished by a full ``reset()``."""
        return self._tracker.n_abandoned

    @property
    def teacher_seconds(self) -> float:
        """Wall time spent in ``teacher.sample`` and ``teacher.update``."""
        return self._tracker.teacher_seconds

    @property
    def current_lessons(self) -> list[Lesson]:
        """The lesson each copy is playing."""
        return list(self._tracker.current)

    def flush(self) -> None:
        """Report to the teacher the episodes that ended on the last step.

        The wrapper reports an episode's outcome while the workers run the next step (or at the
        start of the next step), so right after ``step`` the teacher may lag by one step;
        ``reset``, ``close`` and this method bring it up to date.
        """
        self._tracker.flush()


class TaskVectorEnv(_TrackerViews, VectorWrapper):
    """A teacher chooses the task of every episode of every copy of a gymnasium vector env.

    Parameters
    ----------
    env:
        A ``SyncVectorEnv`` or ``AsyncVectorEnv`` (possibly under other vector wrappers) whose
        copies have a ``set_task`` method, with autoreset mode ``NEXT_STEP`` (gymnasium's
        default) or ``SAME_STEP``.
    teacher:
        The teacher, in this (the main) process.
    update_teacher:
        Report every finished episode to the teacher (default ``True``).

    Notes
    -----
    ``infos["lesson"]`` holds the lesson of each copy's transition, ``infos["episode_outcome"]``
    the :class:`EpisodeOutcome` of copies whose episode ended (masks ``_lesson``,
    ``_episode_outcome``). For ``NEXT_STEP``, the autoreset step after an episode ends belongs
    to the next lesson and is not counted in any episode's length.
    """

    def __init__(self, env: VectorEnv, teacher: LessonSource, *, update_teacher: bool = True) -> None:
        _check_source(teacher, update_teacher)
        if not isinstance(env, VectorEnv):
            raise TypeError(f"env: expected a gymnasium VectorEnv, got {type(env).__name__}")
        base = env.unwrapped
        if not isinstance(base, (SyncVectorEnv, AsyncVectorEnv)):
            raise TypeError(
                f"env: expected a gymnasium SyncVectorEnv or AsyncVectorEnv underneath, got {type(base).__name__}"
            )
        mode = base.autoreset_mode
        if mode not in (AutoresetMode.NEXT_STEP, AutoresetMode.SAME_STEP):
            raise ValueError(
                f"env: autoreset_mode {mode.value!r} is not supported; allowed: 'NextStep', 'SameStep' "
                "(with autoreset disabled, reset copies yourself through TaskWrapper-style reset options)"
            )
        super().__init__(env)
        self.teacher = teacher
        self.update_teacher = update_teacher
        self._base = base
        self._same_step = mode == AutoresetMode.SAME_STEP
        self._tracker = _Tracker(teacher, base.num_envs, update_teacher, prefetch=self._same_step)
        self._pending: list[tuple[int, Any]] = []
        self._all_true = np.ones(base.num_envs, dtype=bool)
        self._pipelined = isinstance(base, AsyncVectorEnv) and env is base

    def close(self, **kwargs: Any) -> None:
        """Report the queued outcomes, then close the wrapped environment."""
        self._tracker.flush()
        super().close(**kwargs)

    # ------------------------------------------------------------------ task delivery
    def _send_tasks(self, pairs: Sequence[tuple[int, Any]]) -> None:
        """Deliver ``set_task`` to the given copies and wait for them."""
        if isinstance(self._base, SyncVectorEnv):
            for i, task in pairs:
                _set_task_in_process(self._base.envs[i], task, i)
        else:
            for i, task in pairs:
                self._base.parent_pipes[i].send(("_call", ("set_task", (task,), {})))
            self._recv_tasks(pairs)

    def _recv_tasks(self, pairs: Sequence[tuple[int, Any]]) -> None:
        base = self._base
        assert isinstance(base, AsyncVectorEnv)
        for i, _ in pairs:
            _, ok = base.parent_pipes[i].recv()
            if not ok:
                index, exctype, value, _trace = base.error_queue.get()
                raise RuntimeError(
                    f"environment {index}: set_task failed with {exctype.__name__}: {value} (the copies of the "
                    "vector env need a set_task(task) method; wrap them in autocurriculum.environments.task_wrapper.SetTaskOnReset)"
                )

    # ------------------------------------------------------------------ gymnasium API
    def reset(
        self, *, seed: int | list[int | None] | None = None, options: dict[str, Any] | None = None
    ) -> tuple[Any, dict[str, Any]]:
        """Reset every copy with a fresh lesson (lessons in flight are abandoned)."""
        if options and "reset_mask" in options:
            raise ValueError(
                "options: 'reset_mask' (partial reset) is not supported by TaskVectorEnv; copies reset themselves "
                "through autoreset, and reset() starts every copy on a new lesson"
            )
        tr = self._tracker
        tr.start()
        self._pending = []
        self._send_tasks([(i, _wire(lesson.task)) for i, lesson in enumerate(tr.current)])
        obs, infos = self.env.reset(seed=seed, options=options)
        self._check_reset_tasks(infos, range(self.num_envs))
        if tr.prefetch:
            self._send_tasks([(i, _wire(lesson.task)) for i, lesson in enumerate(tr.upcoming)])  # type: ignore[union-attr]
        return obs, self._add_lessons(infos, list(tr.current), [])

    def step(self, actions: Any) -> tuple[Any, Any, Any, Any, dict[str, Any]]:
        tr = self._tracker
        pending, self._pending = self._pending, []
        if self._pipelined:
            # pipelined: set_task goes down each pipe just ahead of the step request, and the
            # teacher learns from the last step's episodes and samples ahead while the workers step
            for i, task in pending:
                self._base.parent_pipes[i].send(("_call", ("set_task", (task,), {})))
            self._base.step_async(actions)
            tr.overlap()
            self._recv_tasks(pending)
            obs, rewards, terminated, truncated, infos = self._base.step_wait()
        else:
            tr.flush()
            if pending:
                self._send_tasks(pending)
            obs, rewards, terminated, truncated, infos = self.env.step(actions)
        if tr.resetting_list and not self._same_step:
            self._check_reset_tasks(infos, tr.resetting_list)
        played = list(tr.current)
        dones = np.logical_or(terminated, truncated)
        outcomes, self._pending = tr.record(np.asarray(rewards, dtype=np.float64), dones, self._success_getter(infos))
        if outcomes and self._same_step:
            self._check_reset_tasks(infos, [o.env_index for o in outcomes])
        if not self._same_step and (outcomes or self._pending):
            tr.resetting[:] = dones
            tr.resetting_list = np.flatnonzero(dones).tolist()
        return obs, rewards, terminated, truncated, self._add_lessons(infos, played, outcomes)

    # ------------------------------------------------------------------ helpers
    def _success_getter(self, infos: Mapping[str, Any]) -> Callable[[int], bool | None]:
        src = infos.get("final_info", {}) if self._same_step else infos
        values, mask = src.get("is_success"), src.get("_is_success")
        if values is None or mask is None:
            return lambda i: None
        return lambda i: bool(values[i]) if mask[i] else None

    def _check_reset_tasks(self, infos: Mapping[str, Any], indices: Any) -> None:
        tasks, mask = infos.get("task"), infos.get("_task")
        if tasks is None or mask is None:
            return
        for i in indices:
            if mask[i]:
                self._tracker.check_task(int(i), tasks[i])

    def _add_lessons(self, infos: dict[str, Any], played: list[Lesson], outcomes: list[EpisodeOutcome]) -> dict:
        infos = dict(infos)
        lessons = np.empty(self.num_envs, dtype=object)
        lessons[:] = played
        infos["lesson"] = lessons
        infos["_lesson"] = self._all_true.copy()
        if outcomes:
            arr = np.full(self.num_envs, None, dtype=object)
            mask = np.zeros(self.num_envs, dtype=bool)
            for o in outcomes:
                arr[o.env_index] = o
                mask[o.env_index] = True
            infos["episode_outcome"] = arr
            infos["_episode_outcome"] = mask
        return infos


def _set_task_in_process(env: gym.Env, task: Any, i: int) -> None:
    try:
        setter = env.get_wrapper_attr("set_task")
    except AttributeError:
        raise TypeError(
            f"environment {i} ({env}) has no set_task(task) method; wrap it in "
            "autocurriculum.environments.task_wrapper.SetTaskOnReset inside the vector env's factory"
        ) from None
    setter(task)


# --------------------------------------------------------------------------- Stable-Baselines3


class TaskVecEnv(_TrackerViews, VecEnvWrapper):
    """A teacher chooses the task of every episode of every copy of an SB3 vector env.

    Parameters
    ----------
    venv:
        A ``DummyVecEnv``, ``SubprocVecEnv`` or any SB3 ``VecEnv`` with ``env_method``, whose
        copies have a ``set_task`` method, possibly under other wrappers, but not under
        ``VecNormalize`` (the teacher must see raw returns: put ``VecNormalize`` outside).
    teacher:
        The teacher, in this (the main) process.
    update_teacher:
        Report every finished episode to the teacher (default ``True``).

    Notes
    -----
    SB3 resets a copy inside the step that ends its episode (Raffin et al. 2021,
    Stable-Baselines3), so every copy holds a prefetched lesson for its next episode.
    ``info["lesson"]`` is the lesson of each transition; ``info["episode_outcome"]`` is set on
    the step that ends an episode.
    """

    def __init__(self, venv: VecEnv, teacher: LessonSource, *, update_teacher: bool = True) -> None:
        _check_source(teacher, update_teacher)
        if not isinstance(venv, VecEnv):
            raise TypeError(f"venv: expected a stable-baselines3 VecEnv, got {type(venv).__name__}")
        inner = venv
        while isinstance(inner, VecEnvWrapper):
            if isinstance(inner, VecNormalize):
                raise ValueError(
                    "venv: contains VecNormalize, so the teacher would see normalised rewards; wrap the task "
                    "wrapper first and VecNormalize around it: VecNormalize(TaskVecEnv(venv, teacher))"
                )
            inner = inner.venv
        super().__init__(venv)
        self.teacher = teacher
        self.update_teacher = update_teacher
        self._pipes = inner.remotes if isinstance(inner, SubprocVecEnv) else None
        self._tracker = _Tracker(teacher, venv.num_envs, update_teacher, prefetch=True)
        self._pending: list[tuple[int, Any]] = []

    def close(self) -> None:
        """Report the queued outcomes, then close the wrapped environment."""
        self._tracker.flush()
        self.venv.close()

    def _send_tasks(self, pairs: Sequence[tuple[int, Any]]) -> None:
        if not pairs:
            return
        if self._pipes is not None:
            for i, task in pairs:
                self._pipes[i].send(("env_method", ("set_task", (task,), {})))
            for i, _ in pairs:
                self._pipes[i].recv()
        else:
            for i, task in pairs:
                self.venv.env_method("set_task", task, indices=[i])

    def reset(self) -> Any:
        """Reset every copy with a fresh lesson (lessons in flight are abandoned)."""
        if not self.venv.has_attr("set_task"):
            raise TypeError(
                "venv: its environments have no set_task(task) method; wrap each one in "
                "autocurriculum.environments.task_wrapper.SetTaskOnReset inside the env factory"
            )
        tr = self._tracker
        tr.start()
        self._pending = []
        self._send_tasks([(i, _wire(lesson.task)) for i, lesson in enumerate(tr.current)])
        obs = self.venv.reset()
        for i, info in enumerate(self.venv.reset_infos):
            if "task" in info:
                tr.check_task(i, info["task"])
        self._send_tasks([(i, _wire(lesson.task)) for i, lesson in enumerate(tr.upcoming)])  # type: ignore[union-attr]
        return obs

    def step_async(self, actions: np.ndarray) -> None:
        pending, self._pending = self._pending, []
        if self._pipes is not None:
            # pipelined: set_task goes down each pipe just ahead of the step request, and the
            # teacher learns from the last step's episodes and samples ahead while the workers step
            for i, task in pending:
                self._pipes[i].send(("env_method", ("set_task", (task,), {})))
            self.venv.step_async(actions)
            self._tracker.overlap()
            for i, _ in pending:
                self._pipes[i].recv()
        else:
            self._tracker.flush()
            self._send_tasks(pending)
            self.venv.step_async(actions)

    def step_wait(self) -> VecEnvStepReturn:
        obs, rewards, dones, infos = self.venv.step_wait()
        tr = self._tracker
        played = list(tr.current)
        abandoned = {i for i, info in enumerate(infos) if info.get(ABANDONED)}  # their worker died (RayVecEnv)
        outcomes, self._pending = tr.record(
            np.asarray(rewards, dtype=np.float64), dones, lambda i: _is_success(infos[i]), abandoned
        )
        for info, lesson in zip(infos, played, strict=True):
            info["lesson"] = lesson
        if outcomes or abandoned:
            reset_infos = self.venv.reset_infos
            for o in outcomes:
                infos[o.env_index]["episode_outcome"] = o
            for i in [o.env_index for o in outcomes] + sorted(abandoned):
                if "task" in reset_infos[i]:
                    tr.check_task(i, reset_infos[i]["task"])
        return obs, rewards, dones, infos


def with_teacher(env: Any, teacher: LessonSource, *, update_teacher: bool = True) -> Any:
    """Wrap ``env`` so that ``teacher`` chooses the task of every episode.

    Parameters
    ----------
    env:
        A ``gymnasium.Env`` (-> :class:`TaskWrapper`), a gymnasium ``VectorEnv``
        (-> :class:`TaskVectorEnv`) or a stable-baselines3 ``VecEnv`` (-> :class:`TaskVecEnv`).
    teacher:
        The teacher.
    update_teacher:
        Report every finished episode to the teacher (default ``True``).
    """
    if isinstance(env, VectorEnv):
        return TaskVectorEnv(env, teacher, update_teacher=update_teacher)
    if isinstance(env, gym.Env):
        return TaskWrapper(env, teacher, update_teacher=update_teacher)
    if isinstance(env, VecEnv):
        return TaskVecEnv(env, teacher, update_teacher=update_teacher)
    raise TypeError(
        f"env: expected a gymnasium Env, a gymnasium VectorEnv or a stable-baselines3 VecEnv, got {type(env).__name__}"
    )
