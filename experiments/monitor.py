"""TensorBoard monitoring of a run. Teachers never log; this layer reads their metrics.

Tags are grouped by prefix, keyed by the student's progress (steps, episodes or epochs):

* ``student/``: ``episode_return``, ``episode_length``, ``score`` and every named number of the
  feedback's ``extras`` (``data_fraction``, ``train_loss``, ``val_accuracy``...), as means over
  the lessons since the last write, ``episodes`` (lessons since the last write), and the
  student's own ``metrics()`` where it has them (gamma, wall and teacher seconds, ...);
* ``eval/``: whatever the student's evaluation returns (``mastered_percent``, ``mean_return``);
* ``teacher/``: the teacher's ``metrics()`` (GMM components, mean ALP, buffer fill, gamma...);
* ``teacher/task/<dimension>``: histograms of the sampled task dimensions;
* ``teacher/task_space``: an image of the task space (first two dimensions) with recent tasks
  coloured by learning progress, score or return, and the teacher's mixture drawn on top where
  it has one;
* ``teacher/levels/generated`` and ``teacher/levels/replayed``: over a maze level space, the
  most recent levels the teacher generated (new, random, edited, probed) and replayed (from a
  buffer), drawn side by side (:func:`~autocurriculum.experiments.plots.level_mosaic`);
* ``config``: the resolved configuration as text, and as hyperparameters at the end.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from autocurriculum.experiments.config import LoggingConfig
from autocurriculum.experiments.plots import level_mosaic, task_space_image
from autocurriculum.students.base import EpisodeRecord
from autocurriculum.teachers.base import Teacher
from autocurriculum.teachers.levels import MazeLevelSpace
from autocurriculum.teachers.spaces import BoxSpace, DiscreteSpace

__all__ = ["RunMonitor"]

RECENT = 2000  # tasks kept for histograms and images
#: Levels per image of ``teacher/levels/...``.
LEVELS_PER_IMAGE = 16
#: Lesson origins that replay a stored level; every other origin counts as generated.
REPLAY_ORIGINS = frozenset({"replay", "buffer"})
#: Keys of a teacher's ``plot_data()`` that colour its tasks, in order of preference.
PLOT_VALUE_KEYS = ("values", "alp", "score", "value")


class RunMonitor:
    """Writes one run's TensorBoard events (or nothing when ``cfg.tensorboard`` is false)."""

    def __init__(self, run_dir: Path, cfg: LoggingConfig, purge_step: int | None = None) -> None:
        self.cfg = cfg
        self.writer = None
        if cfg.tensorboard:
            from torch.utils.tensorboard import SummaryWriter

            self.writer = SummaryWriter(log_dir=str(run_dir / "tensorboard"), purge_step=purge_step)
        self._pending: list[EpisodeRecord] = []
        self._recent: deque[EpisodeRecord] = deque(maxlen=RECENT)

    def config(self, config: dict[str, Any]) -> None:
        if self.writer is not None:
            text = yaml.safe_dump(config, sort_keys=False)
            self.writer.add_text("config", "```\n" + text + "\n```", 0)

    def episodes(self, records: Sequence[EpisodeRecord]) -> None:
        self._pending.extend(records)
        self._recent.extend(records)

    def scalars(self, teacher: Teacher, step: int, student_metrics: dict[str, float] | None = None) -> None:
        """Student means since the last call, the student's own counters, and the teacher's metrics."""
        if self.writer is None:
            self._pending.clear()
            return
        for key, value in (student_metrics or {}).items():
            if np.isfinite(value):
                self.writer.add_scalar(f"student/{key}", float(value), step)
        if self._pending:
            returns = [r.feedback.episode_return for r in self._pending if r.feedback.episode_return is not None]
            lengths = [r.feedback.length for r in self._pending if r.feedback.length is not None]
            scores = [r.feedback.score for r in self._pending if r.feedback.score is not None]
            if returns:
                self.writer.add_scalar("student/episode_return", float(np.mean(returns)), step)
            if lengths:
                self.writer.add_scalar("student/episode_length", float(np.mean(lengths)), step)
            if scores:
                self.writer.add_scalar("student/score", float(np.mean(scores)), step)
            self.writer.add_scalar("student/episodes", float(len(self._pending)), step)
            extras: dict[str, list[float]] = {}
            for r in self._pending:
                for key, value in r.feedback.extras.items():
                    extras.setdefault(key, []).append(value)
            for key, values in extras.items():
                self.writer.add_scalar(f"student/{key}", float(np.mean(values)), step)
            self._pending.clear()
        for key, value in teacher.metrics().items():
            self.writer.add_scalar(f"teacher/{key}", value, step)

    def histograms(self, teacher: Teacher, step: int) -> None:
        if self.writer is None or not self._recent:
            return
        space = teacher.task_space
        if isinstance(space, BoxSpace):
            tasks = np.array([r.lesson.task for r in self._recent], dtype=np.float64)
            for i, name in enumerate(space.names):
                self.writer.add_histogram(f"teacher/task/{name}", tasks[:, i], step)
        elif isinstance(space, DiscreteSpace):
            ids = np.array([r.lesson.task for r in self._recent], dtype=np.int64)
            self.writer.add_histogram("teacher/task/id", ids, step)

    def task_space_image(self, teacher: Teacher, step: int) -> None:
        space = teacher.task_space
        if self.writer is not None and isinstance(space, MazeLevelSpace) and self._recent:
            self.level_images(step)
            return
        if self.writer is None or not isinstance(space, BoxSpace) or not self._recent:
            return
        means = covariances = None
        plot_data = getattr(teacher, "plot_data", None)
        data = plot_data() if callable(plot_data) else None
        value_key = next((k for k in PLOT_VALUE_KEYS if data is not None and data.get(k) is not None), None)
        if data is not None and value_key is not None and len(data.get("tasks", [])):
            tasks, values = np.asarray(data["tasks"]), np.asarray(data[value_key], dtype=np.float64)
            means, covariances = data.get("means"), data.get("covariances")
        else:
            recent = list(self._recent)
            tasks = np.array([r.lesson.task for r in recent], dtype=np.float64)
            values = np.array([_value(r) for r in recent], dtype=np.float64)
        img = task_space_image(tasks, values, space.low, space.high, means=means, covariances=covariances)
        self.writer.add_image("teacher/task_space", img, step, dataformats="HWC")

    def level_images(self, step: int) -> None:
        """The most recent generated and replayed levels, as two mosaics (``teacher/levels/...``)."""
        if self.writer is None:
            return
        groups: dict[str, list[Any]] = {"generated": [], "replayed": []}
        for record in reversed(self._recent):
            key = "replayed" if record.lesson.origin in REPLAY_ORIGINS else "generated"
            if len(groups[key]) < LEVELS_PER_IMAGE:
                groups[key].append(record.lesson.task)
            if all(len(v) >= LEVELS_PER_IMAGE for v in groups.values()):
                break
        for key, levels in groups.items():
            if levels:
                self.writer.add_image(f"teacher/levels/{key}", level_mosaic(levels[::-1]), step, dataformats="HWC")

    def evaluation(self, results: dict[str, float], step: int) -> None:
        if self.writer is not None:
            for key, value in results.items():
                self.writer.add_scalar(f"eval/{key}", value, step)

    def hparams(self, config: dict[str, Any], final: dict[str, float]) -> None:
        if self.writer is None:
            return
        flat = {k: v for k, v in _flatten(config).items() if isinstance(v, (int, float, str, bool))}
        self.writer.add_hparams(flat, {f"final/{k}": v for k, v in final.items()}, run_name="hparams")

    def close(self) -> None:
        if self.writer is not None:
            self.writer.flush()
            self.writer.close()


def _value(record: EpisodeRecord) -> float:
    fb = record.feedback
    if fb.score is not None:
        return fb.score
    if fb.episode_return is not None:
        return fb.episode_return
    return 0.0


def _flatten(data: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(data, dict):
        out: dict[str, Any] = {}
        for k, v in data.items():
            out.update(_flatten(v, f"{prefix}{k}."))
        return out
    if isinstance(data, list):
        return {prefix[:-1]: str(data)}
    return {prefix[:-1]: data}
