"""Run experiments: run directories, the training loop, evaluation, checkpoints and resume.

A run directory (``{output_dir}/{name}/{teacher label}__seed{seed}/``) holds

* ``run.yaml``: the resolved configuration of this run;
* ``tensorboard/``: the event files;
* ``checkpoint.pkl``: everything needed to continue (teacher state with its RNG, student,
  counters, evaluation history), written atomically (temporary file, fsync, rename);
* ``eval.jsonl``: one JSON line per evaluation;
* ``summary.json``: written when the run finishes.

An existing run directory is never overwritten: :func:`run_experiment` refuses unless told to
``overwrite`` (which deletes it first) and :func:`resume_run` continues it from its checkpoint.
"""

from __future__ import annotations

import json
import os
import pickle
import shutil
import sys
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import yaml

from autocurriculum.experiments.config import ConfigError, ExperimentConfig, RunSpec, parse_config
from autocurriculum.experiments.monitor import RunMonitor
from autocurriculum.experiments.registry import build_student, build_teacher, run_seeds
from autocurriculum.students.base import Student

__all__ = [
    "RunDirectoryExists",
    "find_run_dirs",
    "load_checkpoint",
    "resume_run",
    "run_experiment",
    "run_single",
    "save_checkpoint",
]

CHECKPOINT = "checkpoint.pkl"
RUN_CONFIG = "run.yaml"
EVALS = "eval.jsonl"
SUMMARY = "summary.json"
CHECKPOINT_VERSION = 1


class RunDirectoryExists(FileExistsError):
    """A run directory is already there; the message says how to resume or overwrite it."""


# ---------------------------------------------------------------------- checkpoints
def save_checkpoint(path: Path, state: dict[str, Any]) -> float:
    """Write ``state`` to ``path`` atomically; return the seconds it took."""
    start = time.perf_counter()
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    with open(tmp, "wb") as f:
        pickle.dump({"version": CHECKPOINT_VERSION, **state}, f, protocol=pickle.HIGHEST_PROTOCOL)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
    return time.perf_counter() - start


def load_checkpoint(path: Path) -> dict[str, Any]:
    """Read a checkpoint written by :func:`save_checkpoint` (a file of this project's own runs)."""
    with open(path, "rb") as f:
        state = pickle.load(f)  # noqa: S301 - checkpoints are written by this runner
    if not isinstance(state, dict) or state.get("version") != CHECKPOINT_VERSION:
        raise ValueError(f"{path}: not a checkpoint of version {CHECKPOINT_VERSION}")
    return state


# ---------------------------------------------------------------------- progress display
class Progress:
    """A one-line progress bar on stderr: progress, latest evaluation, ETA."""

    def __init__(self, label: str, unit: str, budget: int, start: int, enabled: bool) -> None:
        self.label, self.unit, self.budget = label, unit, budget
        self.start_progress, self.start_time = start, time.monotonic()
        self.enabled = enabled
        self.tty = sys.stderr.isatty()
        self.last_line_pct = -1
        self.latest = ""

    def update(self, progress: int, evaluation: dict[str, float] | None = None) -> None:
        if evaluation:
            self.latest = " ".join(f"{k}={v:.3g}" for k, v in list(evaluation.items())[:2])
        if not self.enabled:
            return
        done = progress - self.start_progress
        elapsed = time.monotonic() - self.start_time
        eta = elapsed / done * (self.budget - progress) if done > 0 else float("nan")
        pct = min(100, int(100 * progress / self.budget))
        width = 24
        bar = "#" * (pct * width // 100) + "." * (width - pct * width // 100)
        line = f"{self.label} [{bar}] {progress}/{self.budget} {self.unit} {self.latest} ETA {_fmt(eta)}"
        if self.tty:
            sys.stderr.write("\r" + line[:160].ljust(160))
            sys.stderr.flush()
        elif pct // 10 != self.last_line_pct // 10 or evaluation:
            sys.stderr.write(line + "\n")
        self.last_line_pct = pct

    def close(self) -> None:
        if self.enabled and self.tty:
            sys.stderr.write("\n")


def _fmt(seconds: float) -> str:
    if seconds != seconds:  # NaN
        return "?"
    m, s = divmod(int(seconds), 60)
    h, m = divmod(m, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


# ---------------------------------------------------------------------- the loop
def _student_metrics(student: Student) -> dict[str, float]:
    metrics = getattr(student, "metrics", None)
    return dict(metrics()) if callable(metrics) else {}


def _next_multiple(progress: int, every: int) -> int:
    return (progress // every + 1) * every


def run_single(
    spec: RunSpec,
    run_dir: Path,
    *,
    resume: bool,
    progress_bar: bool = True,
    on_evaluation: Callable[[dict[str, Any]], None] | None = None,
    on_checkpoint: Callable[[int], None] | None = None,
) -> dict[str, Any]:
    """Train one (teacher, seed) run in ``run_dir`` (fresh, or continuing its checkpoint).

    ``on_evaluation(record)`` is called after each evaluation line is written and
    ``on_checkpoint(progress)`` after each checkpoint (the Ray trial reports both to Tune).
    """
    exp = spec.experiment
    teacher_seed, student_seed = run_seeds(spec.seed)
    student = build_student(exp.student, exp.environment, exp.evaluation, student_seed)
    teacher_path = "teacher" if len(exp.teachers) == 1 else f"teachers[{exp.teachers.index(spec.teacher)}]"
    teacher = build_teacher(spec.teacher, student.task_space, teacher_seed, teacher_path, student.teacher_defaults)
    student.bind(teacher)
    evals: list[dict[str, Any]] = []
    wall_before = 0.0
    if resume:
        state = load_checkpoint(run_dir / CHECKPOINT)
        teacher.load_state_dict(state["teacher"])
        student.load_state_dict(state["student"])
        evals = list(state["evals"])
        wall_before = float(state["wall_time"])
        with open(run_dir / EVALS, "w") as f:  # drop evaluations written after the checkpoint
            f.writelines(json.dumps(e) + "\n" for e in evals)
    monitor = RunMonitor(run_dir, exp.logging, purge_step=student.progress if resume else None)
    if not resume:
        monitor.config(spec.to_dict())
    bar = Progress(spec.run_name, student.unit, exp.budget, student.progress, progress_bar and exp.logging.progress_bar)
    start = time.monotonic()
    checkpoint_seconds: list[float] = []

    def checkpoint() -> None:
        t0 = time.perf_counter()  # the whole save: collecting the states, pickling, fsync, rename
        save_checkpoint(
            run_dir / CHECKPOINT,
            {
                "progress": student.progress,
                "teacher": teacher.state_dict(),
                "student": student.state_dict(),
                "evals": evals,
                "wall_time": wall_before + time.monotonic() - start,
            },
        )
        checkpoint_seconds.append(time.perf_counter() - t0)
        if on_checkpoint is not None:
            on_checkpoint(student.progress)

    def evaluate() -> dict[str, float]:
        results = student.evaluate()
        record = {"step": student.progress, "wall_time": wall_before + time.monotonic() - start, **results}
        evals.append(record)
        with open(run_dir / EVALS, "a") as f:
            f.write(json.dumps(record) + "\n")
        monitor.evaluation(results, student.progress)
        if on_evaluation is not None:
            on_evaluation(record)
        return results

    periods: dict[str, int] = {
        "eval": exp.evaluation.every,
        "checkpoint": exp.checkpoint.every,
        "scalars": exp.logging.scalars_every,
        "histogram": exp.logging.histogram_every,
        "image": exp.logging.image_every,
    }
    periods = {k: v for k, v in periods.items() if v > 0}
    try:
        while student.progress < exp.budget:
            p = student.progress
            target = min([exp.budget, *(_next_multiple(p, every) for every in periods.values())])
            records = student.learn(teacher, target - p)
            monitor.episodes(records)
            now = student.progress
            crossed = {k for k, every in periods.items() if now // every > p // every}
            evaluation = None
            if "scalars" in crossed:
                monitor.scalars(teacher, now, _student_metrics(student))
            if "histogram" in crossed:
                monitor.histograms(teacher, now)
            if "image" in crossed:
                monitor.task_space_image(teacher, now)
            if "eval" in crossed:
                evaluation = evaluate()
            if "checkpoint" in crossed:
                checkpoint()
            bar.update(now, evaluation)
        if not evals or evals[-1]["step"] != student.progress:
            bar.update(student.progress, evaluate())
        monitor.scalars(teacher, student.progress, _student_metrics(student))
        checkpoint()
        final = {k: v for k, v in evals[-1].items() if k not in ("step", "wall_time")}
        summary = {
            "run": spec.run_name,
            "teacher": spec.teacher.label,
            "seed": spec.seed,
            "unit": student.unit,
            "progress": student.progress,
            "wall_time": wall_before + time.monotonic() - start,
            "final": final,
            "best": {k: max(float(e[k]) for e in evals if k in e) for k in final},
            "teacher_metrics": teacher.metrics(),
            "checkpoint_seconds_mean": sum(checkpoint_seconds) / len(checkpoint_seconds),
        }
        monitor.hparams(spec.to_dict(), final)
        (run_dir / SUMMARY).write_text(json.dumps(summary, indent=2) + "\n")
        return summary
    finally:
        bar.close()
        monitor.close()
        student.close()


# ---------------------------------------------------------------------- entry points
def _prepare(spec: RunSpec, overwrite: bool) -> Path:
    run_dir = spec.run_dir
    if run_dir.exists():
        if not overwrite:
            raise RunDirectoryExists(
                f"run directory {run_dir} already exists; continue it with `autocurriculum resume {run_dir}` "
                "or replace it with `autocurriculum run --overwrite`"
            )
        shutil.rmtree(run_dir)
    run_dir.mkdir(parents=True)
    (run_dir / RUN_CONFIG).write_text(yaml.safe_dump(spec.to_dict(), sort_keys=False))
    return run_dir


def _run_job(args: Job) -> dict[str, Any]:
    spec, run_dir, resume, bar = args
    return run_single(spec, run_dir, resume=resume, progress_bar=bar)


def _one_thread() -> None:
    """Worker initialiser: parallel runs share the cores, so each uses one torch and one BLAS thread."""
    import torch
    from threadpoolctl import threadpool_limits

    torch.set_num_threads(1)
    threadpool_limits(limits=1)


Job = tuple[RunSpec, Path, bool, bool]  # spec, run directory, resume, progress bar
Executor = Callable[[list[Job]], list[dict[str, Any]]]  # runs jobs, returns summaries in job order


def _execute(jobs: list[Job], n_jobs: int, executor: Executor | None = None) -> list[dict[str, Any]]:
    if executor is not None:
        return executor(jobs)
    if n_jobs <= 1 or len(jobs) <= 1:
        return [_run_job(j) for j in jobs]
    with ProcessPoolExecutor(max_workers=n_jobs, initializer=_one_thread) as pool:
        return list(pool.map(_run_job, jobs))


def run_experiment(
    config: ExperimentConfig,
    *,
    jobs: int = 1,
    overwrite: bool = False,
    progress_bar: bool = True,
    executor: Executor | None = None,
) -> list[dict[str, Any]]:
    """Run every (teacher, seed) of ``config``; return their summaries.

    ``executor`` runs the prepared jobs instead of the process pool (the Ray sweep,
    :func:`autocurriculum.experiments.ray_runner.ray_executor`).

    All run directories are checked before anything starts: if one exists and ``overwrite`` is
    false, nothing is run and :class:`RunDirectoryExists` explains how to resume or overwrite.
    """
    specs = config.runs()
    existing = [s.run_dir for s in specs if s.run_dir.exists()]
    if existing and not overwrite:
        raise RunDirectoryExists(
            f"run directory {existing[0]} already exists ({len(existing)} of {len(specs)} runs); continue with "
            f"`autocurriculum resume {config.experiment_dir}` or replace with `autocurriculum run --overwrite`"
        )
    config.experiment_dir.mkdir(parents=True, exist_ok=True)
    (config.experiment_dir / "experiment.yaml").write_text(yaml.safe_dump(config.to_dict(), sort_keys=False))
    dirs = [_prepare(s, overwrite) for s in specs]
    show = progress_bar and jobs <= 1
    return _execute([(s, d, False, show) for s, d in zip(specs, dirs, strict=True)], jobs, executor)


def _spec_from_run_dir(run_dir: Path) -> RunSpec:
    path = run_dir / RUN_CONFIG
    if not path.is_file():
        raise ConfigError(f"{run_dir}: not a run directory (no {RUN_CONFIG})")
    data = yaml.safe_load(path.read_text())
    data = dict(data)
    data["teachers"] = [data.pop("teacher")]
    data["seeds"] = [data.pop("seed")]
    config = parse_config(data, source=str(path))
    return config.runs()[0]


def find_run_dirs(path: Path) -> list[Path]:
    """``path`` itself if it is a run directory, else the run directories directly inside it."""
    if (path / RUN_CONFIG).is_file():
        return [path]
    if not path.is_dir():
        raise ConfigError(f"{path}: no such run or experiment directory")
    found = sorted(p for p in path.iterdir() if (p / RUN_CONFIG).is_file())
    if not found:
        raise ConfigError(f"{path}: contains no run directories (none has a {RUN_CONFIG})")
    return found


def resume_run(
    path: Path,
    *,
    jobs: int = 1,
    progress_bar: bool = True,
    log: Callable[[str], None] = print,
    executor: Executor | None = None,
) -> list[dict[str, Any]]:
    """Continue every unfinished run under ``path`` from its last checkpoint.

    Runs that never wrote a checkpoint start again from scratch in their directory; finished
    runs (with a ``summary.json``) are left alone.
    """
    todo = []
    for run_dir in find_run_dirs(path):
        spec = _spec_from_run_dir(run_dir)
        if (run_dir / SUMMARY).is_file():
            log(f"{run_dir}: already finished, skipped")
            continue
        has_checkpoint = (run_dir / CHECKPOINT).is_file()
        if not has_checkpoint:
            log(f"{run_dir}: no checkpoint yet, starting it again")
            clear_run_dir(run_dir)
        todo.append((spec, run_dir, has_checkpoint, progress_bar and jobs <= 1))
    return _execute(todo, jobs, executor)


def clear_run_dir(run_dir: Path) -> None:
    """Delete what a run wrote into ``run_dir`` before its first checkpoint, keeping its config."""
    for child in run_dir.iterdir():
        if child.name != RUN_CONFIG:
            shutil.rmtree(child) if child.is_dir() else child.unlink()
