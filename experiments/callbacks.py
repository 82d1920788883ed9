"""Monitoring a teacher in one's own training loop, with the runner's tags.

``with_teacher`` puts a teacher in front of any env; these write what the experiment runner
writes about it (``teacher/`` scalars, ``teacher/task/`` histograms, ``task_space/`` images,
``student/episode_return`` and ``student/episode_length``), see
:mod:`autocurriculum.experiments.monitor`:

* :class:`TeacherCallback`: a Stable-Baselines3 callback. It reads the finished episodes from the
  wrapper's ``info["episode_outcome"]`` and writes into the model's own TensorBoard run
  (``tensorboard_log=``) or into ``log_dir``;
* :func:`teacher_logger`: the same for any other loop: a function ``log(step, outcomes)`` to call
  with the :class:`~autocurriculum.environments.task_wrapper.EpisodeOutcome` objects of the
  episodes that ended.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np
from stable_baselines3.common.callbacks import BaseCallback

from autocurriculum.environments.task_wrapper import EpisodeOutcome
from autocurriculum.experiments.monitor import TeacherMonitor
from autocurriculum.teachers.base import Teacher

__all__ = ["TeacherCallback", "teacher_logger"]


class _Schedule:
    """Writes a monitor's groups when the step crosses their periods (0 turns a group off)."""

    def __init__(self, monitor: TeacherMonitor, teacher: Teacher, scalars: int, histograms: int, images: int) -> None:
        for name, every in (("scalars_every", scalars), ("histogram_every", histograms), ("image_every", images)):
            if not isinstance(every, int) or every < 0:
                raise ValueError(f"{name}: expected a non-negative integer, got {every!r}")
        self.monitor, self.teacher = monitor, teacher
        self.periods = {"scalars": scalars, "histograms": histograms, "images": images}
        self.last = 0
        self._returns: list[float] = []
        self._lengths: list[int] = []

    def __call__(self, step: int, outcomes: Iterable[EpisodeOutcome] = ()) -> None:
        outcomes = list(outcomes)
        self.monitor.tasks([(o.lesson.task, o.episode_return) for o in outcomes])
        self._returns += [o.episode_return for o in outcomes]
        self._lengths += [o.length for o in outcomes]
        crossed = {k for k, every in self.periods.items() if every > 0 and step // every > self.last // every}
        self.last = step
        writer = self.monitor.writer
        if "scalars" in crossed:
            if self._returns:
                writer.add_scalar("student/episode_return", float(np.mean(self._returns)), step)
                writer.add_scalar("student/episode_length", float(np.mean(self._lengths)), step)
                self._returns, self._lengths = [], []
            self.monitor.teacher_scalars(self.teacher, step)
        if "histograms" in crossed:
            self.monitor.histograms(self.teacher, step)
        if "images" in crossed:
            self.monitor.task_space_image(self.teacher, step)


def _writer(log_dir: str | Path) -> Any:
    from torch.utils.tensorboard import SummaryWriter

    return SummaryWriter(log_dir=str(log_dir))


def teacher_logger(
    writer_or_log_dir: Any,
    teacher: Teacher,
    *,
    scalars_every: int = 1000,
    histogram_every: int = 10_000,
    image_every: int = 10_000,
) -> Callable[[int, Iterable[EpisodeOutcome]], None]:
    """A function ``log(step, outcomes)`` that writes the runner's teacher tags for any loop.

    Parameters
    ----------
    writer_or_log_dir
        A ``torch.utils.tensorboard.SummaryWriter`` or a directory for a new one.
    teacher
        The teacher given to ``with_teacher``.
    scalars_every, histogram_every, image_every
        Periods in ``step`` units (0: never); the runner's defaults.

    Call ``log(step, outcomes)`` as often as convenient (every step is fine) with the
    :class:`EpisodeOutcome` objects of the episodes that ended since the last call
    (``info["episode_outcome"]``; ``infos["episode_outcome"][infos["_episode_outcome"]]`` for a
    gymnasium vector env).
    """
    writer = _writer(writer_or_log_dir) if isinstance(writer_or_log_dir, (str, Path)) else writer_or_log_dir
    return _Schedule(TeacherMonitor(writer), teacher, scalars_every, histogram_every, image_every)


class TeacherCallback(BaseCallback):
    """SB3 callback: the runner's teacher tags for a model trained on ``with_teacher(venv, teacher)``.

    Parameters
    ----------
    teacher
        The teacher given to ``with_teacher``.
    log_dir
        Where to write; by default the model's own TensorBoard run (``tensorboard_log=``), so the
        teacher's tags sit beside SB3's ``rollout/`` and ``train/``.
    scalars_every, histogram_every, image_every
        Periods in environment steps (``model.num_timesteps``); 0 turns a group off.
    """

    def __init__(
        self,
        teacher: Teacher,
        log_dir: str | Path | None = None,
        *,
        scalars_every: int = 1000,
        histogram_every: int = 10_000,
        image_every: int = 10_000,
        verbose: int = 0,
    ) -> None:
        super().__init__(verbose)
        self.teacher = teacher
        self.log_dir = log_dir
        self.periods = (scalars_every, histogram_every, image_every)
        self._log: _Schedule | None = None
        self._own_writer: Any = None

    def _init_callback(self) -> None:
        from stable_baselines3.common.logger import TensorBoardOutputFormat

        writer = None
        if self.log_dir is None:
            formats = [f for f in self.logger.output_formats if isinstance(f, TensorBoardOutputFormat)]
            if not formats:
                raise ValueError(
                    "TeacherCallback: the model has no TensorBoard logger; pass tensorboard_log= to the model "
                    "or log_dir= to the callback"
                )
            writer = formats[0].writer
        else:
            writer = self._own_writer = _writer(self.log_dir)
        self._log = _Schedule(TeacherMonitor(writer), self.teacher, *self.periods)

    def _on_step(self) -> bool:
        assert self._log is not None
        outcomes = [info["episode_outcome"] for info in self.locals.get("infos", []) if "episode_outcome" in info]
        self._log(self.num_timesteps, outcomes)
        return True

    def _on_training_end(self) -> None:
        if self._own_writer is not None:
            self._own_writer.flush()
