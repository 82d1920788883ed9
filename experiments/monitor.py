"""TensorBoard monitoring of a run, or of a user's own loop. Teachers never log; this layer reads them.

Tags are grouped by prefix, keyed by the student's progress (steps, episodes or epochs):

* ``task_space/<colour>``: the teacher's view of the task space, one image tag per run, one click
  away in the Images tab: recent tasks (first two dimensions, named axes, the space's bounds)
  coloured by what the teacher ranks them by (``learning_progress``, ``regret``, ``return``...)
  with a named colour bar on a fixed scale where one is known (learning progress of normalised
  returns in [0, 1]; returns within the teacher's ``return_bounds``), the GMM ellipses or RIAC
  regions on top; for discrete levels, a bar per level;
* ``student/``: ``episode_return``, ``episode_length``, ``score`` and every named number of the
  feedback's ``extras``, as means over the lessons since the last write, ``episodes`` (lessons
  since the last write), and the student's own ``metrics()``;
* ``eval/``: whatever the student's evaluation returns (``mastered_percent``, ``mean_return``);
* ``teacher/``: the teacher's ``metrics()``; ``teacher/task/<dimension>``: task histograms;
* ``final/``: the last evaluation, at the last step, shown in the HParams tab beside the run's
  hyperparameters (teacher name and label, seed, the teacher's parameters, student, budget);
  they are written into the run's own event file, so each run is one entry.

The student's own counters are written only once they change: one that stays at its first
value (a fixed ``gamma``, ``discount_seconds`` without a discount teacher) never appears; one that
changes appears from its first value on. Teachers' metrics (``teacher/``, and a discount
teacher's ``student/discount/`` with the ``student/gamma`` it sets) are always written: a teacher
that stays put is news.
* ``teacher/levels/generated`` and ``teacher/levels/replayed``: over a maze level space, the
  most recent levels the teacher generated (new, random, edited, probed) and replayed (from a
  buffer), drawn side by side (:func:`~autocurriculum.experiments.plots.level_mosaic`).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from autocurriculum.experiments.config import LoggingConfig
from autocurriculum.experiments.plots import (
    ColourScale,
    figure_to_array,
    level_mosaic,
    levels_figure,
    task_space_figure,
)
from autocurriculum.students.base import EpisodeRecord
from autocurriculum.teachers.base import Teacher
from autocurriculum.teachers.levels import MazeLevel, MazeLevelSpace
from autocurriculum.teachers.spaces import BoxSpace, DiscreteSpace

__all__ = ["RunMonitor", "TeacherMonitor", "bootstrap_warning", "colour_scale"]

RECENT = 2000  # tasks kept for histograms and images
#: Levels per image of ``teacher/levels/...``.
LEVELS_PER_IMAGE = 16
#: Lesson origins that replay a stored level; every other origin counts as generated.
REPLAY_ORIGINS = frozenset({"replay", "buffer"})
#: Keys of a teacher's ``plot_data()`` that colour its tasks, in order of preference, with what they are.
PLOT_VALUE_KEYS = {
    "alp": "learning_progress",
    "score": "regret",
    "values": "value",
    "value": "value",
}
_LABELS = {
    "learning_progress": "absolute learning progress (normalised return)",
    "regret": "regret score",
    "value": "teacher's value of the task",
    "return": "episode return",
}


def colour_scale(kind: str, teacher: Teacher, seen: tuple[float, float]) -> ColourScale:
    """The colour scale of ``kind``: fixed where the quantity has known bounds, else ``seen``.

    Learning progress of GMM/RIAC teachers is computed on returns normalised to [0, 1], so its
    scale is [0, 1] (square-root spread, as most values are small); returns use the teacher's
    ``return_bounds`` when it has them. Other quantities use the range seen so far in the run
    (it only widens), said on the colour bar.
    """
    label = _LABELS.get(kind, kind)
    if kind == "learning_progress":
        return ColourScale(label, 0.0, 1.0, gamma=0.5)
    bounds = getattr(teacher, "return_bounds", None)
    if kind == "return" and bounds is not None:
        return ColourScale(label, float(bounds[0]), float(bounds[1]))
    lo, hi = seen
    if not hi > lo:
        hi = lo + 1.0
    return ColourScale(f"{label} (range seen in this run)", lo, hi)


class TeacherMonitor:
    """Writes a teacher's scalars, task histograms and task-space image to a TensorBoard writer.

    Shared by the experiment runner (:class:`RunMonitor`) and a user's own loop
    (:func:`autocurriculum.experiments.callbacks.log_teacher`, :class:`~autocurriculum.experiments.callbacks.TeacherCallback`).
    ``writer`` is a ``torch.utils.tensorboard.SummaryWriter`` (or anything with its methods).
    """

    def __init__(self, writer: Any) -> None:
        self.writer = writer
        self._recent: deque[tuple[np.ndarray | int, float | None]] = deque(maxlen=RECENT)
        self._recent_levels: deque[tuple[str, Any]] = deque(maxlen=2 * LEVELS_PER_IMAGE * 8)  # (origin, level)
        self._first: dict[str, tuple[int, float]] = {}
        self._changed: set[str] = set()
        self._range: dict[str, tuple[float, float]] = {}

    def tasks(self, lessons_and_values: Sequence[tuple[Any, float | None]]) -> None:
        """Remember played tasks with the value that colours them when the teacher has none (return, score)."""
        self._recent.extend(lessons_and_values)

    def levels(self, origins_and_levels: Sequence[tuple[str, Any]]) -> None:
        """Remember played maze levels with their lessons' origins (``teacher/levels/...`` images)."""
        self._recent_levels.extend(origins_and_levels)

    def scalar(self, tag: str, value: float, step: int) -> None:
        """Write ``value`` once ``tag`` has changed from its first value (then from the first on): student counters."""
        value = float(value)
        if not np.isfinite(value) or self.writer is None:
            return
        if tag not in self._changed:
            first = self._first.setdefault(tag, (step, value))
            if value == first[1]:
                return
            self._changed.add(tag)
            if first[0] != step:
                self.writer.add_scalar(tag, first[1], first[0])
        self.writer.add_scalar(tag, value, step)

    def teacher_scalars(self, teacher: Teacher, step: int) -> None:
        if self.writer is None:
            return
        for key, value in teacher.metrics().items():
            if np.isfinite(value):
                self.writer.add_scalar(f"teacher/{key}", float(value), step)

    def histograms(self, teacher: Teacher, step: int) -> None:
        if self.writer is None or not self._recent:
            return
        space = teacher.task_space
        if isinstance(space, BoxSpace):
            tasks = np.array([t for t, _ in self._recent], dtype=np.float64).reshape(len(self._recent), -1)
            for i, name in enumerate(space.names):
                self.writer.add_histogram(f"teacher/task/{name}", tasks[:, i], step)
        elif isinstance(space, DiscreteSpace):
            self.writer.add_histogram("teacher/task/id", np.array([t for t, _ in self._recent], dtype=np.int64), step)

    def level_images(self, step: int) -> None:
        """The most recent generated and replayed levels, as two mosaics (``teacher/levels/...``)."""
        if self.writer is None:
            return
        groups: dict[str, list[Any]] = {"generated": [], "replayed": []}
        for origin, level in reversed(self._recent_levels):
            key = "replayed" if origin in REPLAY_ORIGINS else "generated"
            if len(groups[key]) < LEVELS_PER_IMAGE:
                groups[key].append(level)
            if all(len(v) >= LEVELS_PER_IMAGE for v in groups.values()):
                break
        for key, levels in groups.items():
            if levels:
                self.writer.add_image(f"teacher/levels/{key}", level_mosaic(levels[::-1]), step, dataformats="HWC")

    def _scale(self, kind: str, teacher: Teacher, values: np.ndarray) -> ColourScale:
        finite = values[np.isfinite(values)]
        if finite.size:
            lo, hi = self._range.get(kind, (float(finite.min()), float(finite.max())))
            self._range[kind] = (min(lo, float(finite.min())), max(hi, float(finite.max())))
        return colour_scale(kind, teacher, self._range.get(kind, (0.0, 1.0)))

    def task_space_image(
        self, teacher: Teacher, step: int, render: Callable[[Any], np.ndarray | None] | None = None
    ) -> None:
        """The teacher's view of the task space as ``task_space/<colour>`` (see the module docstring).

        ``render(task)`` (optional) returns an RGB image of a discrete level, shown beside its bar.
        """
        if self.writer is None:
            return
        space = teacher.task_space
        if isinstance(space, MazeLevelSpace):
            self.level_images(step)
            return
        plot_data = getattr(teacher, "plot_data", None)
        data = plot_data() if callable(plot_data) else None
        key = next((k for k in PLOT_VALUE_KEYS if data is not None and data.get(k) is not None), None)
        regions = means = covariances = None
        if data is not None and key is not None and "low" in data and "high" in data:
            kind, values, tasks = PLOT_VALUE_KEYS[key], np.asarray(data[key], dtype=np.float64), np.zeros((0, space.dim))
            regions = (np.asarray(data["low"]), np.asarray(data["high"]))
        elif data is not None and key is not None and len(data.get("tasks", [])):
            kind, values, tasks = PLOT_VALUE_KEYS[key], np.asarray(data[key], dtype=np.float64), np.asarray(data["tasks"])
            means, covariances = data.get("means"), data.get("covariances")
        else:
            recent = [(t, v) for t, v in self._recent if v is not None]
            if not recent:
                return
            kind = "return"
            tasks = np.array([t for t, _ in recent])
            values = np.array([v for _, v in recent], dtype=np.float64)
        scale = self._scale(kind, teacher, values)
        title = f"{type(teacher).__name__} at {step:,}"
        if isinstance(space, BoxSpace):
            fig = task_space_figure(
                space, tasks, values, scale, means=means, covariances=covariances, regions=regions, title=title
            )
        elif isinstance(space, DiscreteSpace):
            levels = [int(t) for t in np.asarray(tasks).ravel()]  # the level ids of the space
            renders = [render(t) for t in np.asarray(tasks).ravel()] if render is not None else None
            if renders is not None and any(r is None for r in renders):
                renders = None
            fig = levels_figure(levels, values, scale, renders=renders, title=title)
        else:
            return
        self.writer.add_image(f"task_space/{kind}", figure_to_array(fig), step, dataformats="HWC")


class RunMonitor(TeacherMonitor):
    """Writes one run's TensorBoard events (or nothing when ``cfg.tensorboard`` is false)."""

    def __init__(self, run_dir: Path, cfg: LoggingConfig, purge_step: int | None = None) -> None:
        writer = None
        if cfg.tensorboard:
            from torch.utils.tensorboard import SummaryWriter

            writer = SummaryWriter(log_dir=str(run_dir / "tensorboard"), purge_step=purge_step)
        super().__init__(writer)
        self.cfg = cfg
        self._pending: list[EpisodeRecord] = []
        self.origins: dict[str, int] = {}

    def config(self, config: dict[str, Any]) -> None:
        if self.writer is not None:
            text = yaml.safe_dump(config, sort_keys=False)
            self.writer.add_text("config", "```\n" + text + "\n```", 0)

    def episodes(self, records: Sequence[EpisodeRecord]) -> None:
        self._pending.extend(records)
        for r in records:
            self.origins[r.lesson.origin] = self.origins.get(r.lesson.origin, 0) + 1
        if records and isinstance(records[0].lesson.task, MazeLevel):
            self.levels([(r.lesson.origin, r.lesson.task) for r in records])
        else:
            self.tasks([(r.lesson.task, _value(r)) for r in records])

    def scalars(self, teacher: Teacher, step: int, student_metrics: dict[str, float] | None = None) -> None:
        """Student means since the last call, the student's own counters, and the teacher's metrics."""
        if self.writer is None:
            self._pending.clear()
            return
        metrics = student_metrics or {}
        teacher_set = {k for k in metrics if k.startswith("discount/")}
        if teacher_set:
            teacher_set.add("gamma")  # the discount teacher's output
        for key, value in metrics.items():
            if key in teacher_set:  # the discount teacher's metrics
                if np.isfinite(value):
                    self.writer.add_scalar(f"student/{key}", float(value), step)
            else:
                self.scalar(f"student/{key}", value, step)
        if self._pending:
            fields = {
                "episode_return": [r.feedback.episode_return for r in self._pending],
                "episode_length": [r.feedback.length for r in self._pending],
                "score": [r.feedback.score for r in self._pending],
            }
            for key, values in fields.items():
                present = [v for v in values if v is not None]
                if present:
                    self.writer.add_scalar(f"student/{key}", float(np.mean(present)), step)
            self.writer.add_scalar("student/episodes", float(len(self._pending)), step)
            extras: dict[str, list[float]] = {}
            for r in self._pending:
                for key, value in r.feedback.extras.items():
                    extras.setdefault(key, []).append(value)
            for key, values in extras.items():
                self.writer.add_scalar(f"student/{key}", float(np.mean(values)), step)
            self._pending.clear()
        self.teacher_scalars(teacher, step)

    def evaluation(self, results: dict[str, float], step: int) -> None:
        if self.writer is not None:
            for key, value in results.items():
                self.writer.add_scalar(f"eval/{key}", value, step)

    def hparams(self, config: dict[str, Any], final: dict[str, float], step: int) -> None:
        """The run's hyperparameters and ``final/*`` metrics (at ``step``) in its own event file."""
        if self.writer is None:
            return
        from torch.utils.tensorboard.summary import hparams

        params = run_hparams(config)
        metrics = {f"final/{k}": float(v) for k, v in final.items()}
        experiment, start, end = hparams(params, metrics)
        file_writer = self.writer._get_file_writer()
        for summary in (experiment, start, end):
            file_writer.add_summary(summary)
        for key, value in metrics.items():
            self.writer.add_scalar(key, value, step)

    def flush(self) -> None:
        """Write the pending events to disk (before a checkpoint: resume keeps what precedes it)."""
        if self.writer is not None:
            self.writer.flush()

    def close(self) -> None:
        if self.writer is not None:
            self.writer.flush()
            self.writer.close()


def bootstrap_warning(teacher: Teacher, budget: int, unit: str, origins: dict[str, int] | None = None) -> None:
    """Warn (``UserWarning``) when a budget ends before the teacher's bootstrap does.

    Before the run (``origins`` is None) this is known for budgets in episodes: a GMM teacher's
    bootstrap is its first ``fit_rate`` lessons. After the run, ``origins`` (lesson origin ->
    count) tells for any unit: every lesson came from the bootstrap.
    """
    import warnings

    bootstrap = getattr(teacher, "fit_rate", None)
    name = type(teacher).__name__
    what = f"{name}'s bootstrap ({bootstrap} lessons, fit_rate)" if bootstrap is not None else f"{name}'s bootstrap"
    if origins is None:
        if unit == "episodes" and bootstrap is not None and budget <= bootstrap:
            warnings.warn(
                f"the budget ({budget:,} episodes) ends before {what} does: the teacher never acts; "
                "raise the budget or lower fit_rate",
                UserWarning,
                stacklevel=2,
            )
        return
    n = sum(origins.values())
    if n and origins.get("bootstrap", 0) == n:
        warnings.warn(
            f"the budget ({budget:,} {unit}) ended before {what} did: all {n} lessons were bootstrap lessons, "
            "so the teacher never acted; raise the budget or lower fit_rate",
            UserWarning,
            stacklevel=2,
        )


def run_hparams(config: dict[str, Any]) -> dict[str, Any]:
    """The HParams columns of a run: teacher, label, seed first, then what the file sets."""
    teacher = config.get("teacher", {})
    out: dict[str, Any] = {
        "teacher": teacher.get("name", "?"),
        "teacher_label": teacher.get("label", teacher.get("name", "?")),
        "seed": int(config.get("seed", 0)),
        "student": config.get("student", {}).get("name", "?"),
        "budget": config.get("budget", 0),
    }
    for key, value in _flatten(teacher.get("params", {}), "teacher.").items():
        out[key] = value if isinstance(value, (int, float, str, bool)) else str(value)
    for key, value in _flatten(config.get("student", {}).get("params", {}), "student.").items():
        out[key] = value if isinstance(value, (int, float, str, bool)) else str(value)
    if config.get("environment"):
        out["environment"] = str(config["environment"].get("id", ""))
    return out


def _value(record: EpisodeRecord) -> float | None:
    return record.feedback.episode_return


def _flatten(data: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(data, dict):
        out: dict[str, Any] = {}
        for k, v in data.items():
            out.update(_flatten(v, f"{prefix}{k}."))
        return out
    if isinstance(data, list):
        return {prefix[:-1]: str(data)}
    return {prefix[:-1]: data}
