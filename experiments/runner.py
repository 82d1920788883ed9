"""Run experiments: run directories, the training loop, evaluation, checkpoints and resume.

A run directory (``{output_dir}/{name}/{teacher label}__seed{seed}/``) holds

* ``.autocurriculum-run``: the marker that proves the runner created it (see
  :mod:`autocurriculum.experiments.rundir`); directories without it are never touched;
* ``run.yaml``: the resolved configuration of this run;
* ``tensorboard/``: the event files;
* ``checkpoint.ckpt``: everything needed to continue (teacher state with its RNG, student,
  counters, evaluation history), in a plain-data format with a SHA-256 checksum that cannot
  execute code on load (:mod:`autocurriculum.experiments.checkpoints` says why this format),
  written atomically (temporary file, fsync, rename); ``checkpoint.previous.ckpt``: the one
  before, loaded (with a warning naming the bad file) when the newest is damaged;
* ``eval.jsonl``: one JSON line per evaluation;
* ``summary.json``: written when the run finishes.

An existing run directory is never overwritten: :func:`run_experiment` refuses unless told to
``overwrite`` and :func:`resume_run` continues it from its checkpoint. Overwriting, or restarting
a run that never wrote a checkpoint, removes only the files the runner wrote, and only in a
directory with its marker; anything else in it stays.
"""

from __future__ import annotations

import contextlib
import errno
import json
import multiprocessing
import os
import signal
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import CancelledError, ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import Any

import yaml

from autocurriculum.experiments.checkpoints import CheckpointError, encode, read_checkpoint
from autocurriculum.experiments.config import ComponentConfig, ConfigError, ExperimentConfig, RunSpec, parse_config
from autocurriculum.experiments.monitor import RunMonitor, bootstrap_warning
from autocurriculum.experiments.registry import build_student, build_teacher, run_seeds
from autocurriculum.experiments.rundir import (
    CHECKPOINT,
    EVALS,
    EXPERIMENT_CONFIG,
    EXPERIMENT_MARKER,
    PREPARING,
    PREVIOUS_CHECKPOINT,
    RUN_CONFIG,
    RUN_MARKER,
    SUMMARY,
    RunDirectoryError,
    RunFileError,
    RunLock,
    append_line,
    check_marker,
    file_error,
    has_marker,
    remove_orphans,
    remove_preparing,
    remove_preparing_orphans,
    remove_run_files,
    tmp_name,
    write_atomic,
    write_marker,
)
from autocurriculum.students.base import Student
from autocurriculum.teachers.validation import is_int

__all__ = [
    "RunDirectoryError",
    "RunDirectoryExists",
    "RunInterrupted",
    "find_run_dirs",
    "load_checkpoint",
    "resume_run",
    "run_experiment",
    "run_single",
    "save_checkpoint",
    "stop_on_signals",
    "validate_experiment",
]


class RunDirectoryExists(FileExistsError):
    """A run directory is already there; the message says how to resume or overwrite it."""


# ---------------------------------------------------------------------- checkpoints
def previous_checkpoint(path: Path) -> Path:
    """Where :func:`save_checkpoint` keeps the checkpoint it replaces (``checkpoint.previous.ckpt``)."""
    return path.with_name(f"{path.stem}.previous{path.suffix}")


def save_checkpoint(path: Path, state: dict[str, Any]) -> float:
    """Write ``state`` to ``path`` (format of :mod:`~autocurriculum.experiments.checkpoints`); return the seconds.

    The file is written beside its target and fsynced; the current checkpoint then becomes
    :func:`previous_checkpoint` and the new one takes its place (two renames: at every moment at
    least one complete checkpoint exists). A failed write removes its temporary file and raises
    :class:`~autocurriculum.experiments.rundir.RunFileError` naming ``path``.
    """
    start = time.perf_counter()
    data = encode(state)
    tmp = tmp_name(path)
    try:
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        if path.exists():
            os.replace(path, previous_checkpoint(path))
        os.replace(tmp, path)
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    except OSError as e:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise file_error(path, e) from None
    return time.perf_counter() - start


def _warn(message: str) -> None:
    print(message, file=sys.stderr)


def load_checkpoint(path: Path, warn: Callable[[str], None] = _warn) -> dict[str, Any]:
    """Read the newest intact checkpoint: ``path``, else its :func:`previous_checkpoint` (``warn`` says so).

    ``path`` is a checkpoint file or a run directory. Raises
    :class:`~autocurriculum.experiments.checkpoints.CheckpointError` naming the files when
    neither is readable; nothing in a file can run code.
    """
    if path.is_dir():
        path = path / CHECKPOINT
    state, _ = read_checkpoint([path, previous_checkpoint(path)], warn)
    if not isinstance(state, dict) or not {"progress", "teacher", "student", "evals", "wall_time"} <= set(state):
        raise CheckpointError(f"{path}: not a run checkpoint (missing keys)")
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
    Under :func:`stop_on_signals`, a SIGINT or SIGTERM ends the run at the next boundary between
    two ``learn`` calls with a checkpoint, raising :class:`RunInterrupted`.
    """
    if _stop.signum is not None:
        raise RunInterrupted(_stop.signum, saved=False)
    exp = spec.experiment
    teacher_seed, student_seed = run_seeds(spec.seed)
    student = build_student(exp.student, exp.environment, exp.evaluation, student_seed)
    teacher_path = _teacher_path(exp, spec.teacher)
    teacher = build_teacher(spec.teacher, student.task_space, teacher_seed, teacher_path, student.teacher_defaults)
    student.bind(teacher)
    evals: list[dict[str, Any]] = []
    wall_before = 0.0
    if resume:
        if (run_dir / EVALS).is_file():
            try:
                read_evals(run_dir / EVALS)  # warns about a cut last line
            except ConfigError as e:
                _warn(f"warning: {e}")
        state = load_checkpoint(run_dir)
        teacher.load_state_dict(state["teacher"])
        student.load_state_dict(state["student"])
        evals = list(state["evals"])
        wall_before = float(state["wall_time"])
        # drop evaluations written after the checkpoint: they are computed again
        write_atomic(run_dir / EVALS, "".join(json.dumps(e) + "\n" for e in evals))
    started_at = student.progress
    # Events up to the checkpoint's step were flushed before it was saved; later ones are purged
    # (TensorBoard drops events at steps >= purge_step from earlier files) and written again.
    monitor = RunMonitor(run_dir, exp.logging, purge_step=started_at + 1 if resume else None)
    bootstrap_warning(teacher, exp.budget, student.unit)
    if not resume:
        monitor.config(spec.to_dict())
    bar = Progress(spec.run_name, student.unit, exp.budget, student.progress, progress_bar and exp.logging.progress_bar)
    start = time.monotonic()
    checkpoint_seconds: list[float] = []

    def checkpoint() -> None:
        t0 = time.perf_counter()  # the whole save: collecting the states, encoding, fsync, rename
        monitor.flush()  # the events up to this step are kept on resume, so they must be on disk
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
        append_line(run_dir / EVALS, json.dumps(record))
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
    remove_orphans(run_dir)
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
            if "checkpoint" in crossed or _stop.signum is not None:
                checkpoint()
            bar.update(now, evaluation)
            if _stop.signum is not None:
                raise RunInterrupted(_stop.signum, saved=True)
        if not evals or evals[-1]["step"] != student.progress:
            bar.update(student.progress, evaluate())
        if not (resume and started_at == exp.budget):  # else written before the final checkpoint
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
        monitor.hparams(spec.to_dict(), final, student.progress)
        if not resume:
            bootstrap_warning(teacher, exp.budget, student.unit, monitor.origins)
        write_atomic(run_dir / SUMMARY, json.dumps(summary, indent=2) + "\n")
        return summary
    finally:
        bar.close()
        monitor.close()
        student.close()


# ---------------------------------------------------------------------- entry points
def _teacher_path(exp: ExperimentConfig, teacher: ComponentConfig) -> str:
    return "teacher" if len(exp.teachers) == 1 else f"teachers[{exp.teachers.index(teacher)}]"


def validate_experiment(config: ExperimentConfig) -> None:
    """Build every teacher of ``config`` and the student, in memory only.

    Unknown names, bad parameters and environments without a task space raise
    :class:`ConfigError` naming the key, before any directory exists. The student is built once
    and bound to the first teacher (which checks its own parameters, such as SB3's keyword
    arguments, by building its model); the other teachers are built over its task space.
    """
    teacher_seed, student_seed = run_seeds(config.seeds[0])
    student = build_student(config.student, config.environment, config.evaluation, student_seed)
    try:
        try:
            space = student.task_space
        except (ValueError, TypeError) as e:
            raise ConfigError(f"student: {e}") from None
        teachers = [
            build_teacher(t, space, teacher_seed, _teacher_path(config, t), student.teacher_defaults)
            for t in config.teachers
        ]
        try:
            student.bind(teachers[0])
        except (ValueError, TypeError) as e:
            raise ConfigError(f"student: {e}") from None
    finally:
        student.close()


def _write_run_dir(run_dir: Path, spec: RunSpec) -> None:
    write_atomic(run_dir / RUN_CONFIG, yaml.safe_dump(spec.to_dict(), sort_keys=False))
    write_marker(run_dir, RUN_MARKER)


def _create(target: Path, fill: Callable[[Path], None]) -> None:
    """Create directory ``target`` all at once: filled in a temporary sibling, then renamed."""
    tmp = target.with_name(f".{target.name}{PREPARING}{os.getpid()}")
    try:
        tmp.mkdir()
        fill(tmp)
        os.rename(tmp, target)  # atomic; replaces ``target`` only if it is an empty directory
    except OSError as e:
        remove_preparing(tmp)
        if e.errno in (errno.EEXIST, errno.ENOTEMPTY) and target.exists():
            raise RunDirectoryExists(f"{target}: created meanwhile by another process; nothing was written") from None
        raise RunFileError(f"{target}: cannot create ({e.strerror or e}); nothing was written: {_fix(e)}") from None
    except RunFileError as e:
        remove_preparing(tmp)
        raise RunFileError(f"{target}: cannot create ({e.reason}); nothing was written: {_fix(e.errno)}") from None
    except BaseException:
        remove_preparing(tmp)
        raise


def _fix(error: OSError | int | None) -> str:
    code = error.errno if isinstance(error, OSError) else error
    if code in (errno.ENOSPC, errno.EDQUOT):
        return "free some disk space and run the command again"
    if code in (errno.EACCES, errno.EPERM, errno.EROFS):
        return "make the output directory writable (or choose another output_dir) and run the command again"
    return "fix the cause and run the command again"


def _prepare_experiment(config: ExperimentConfig, specs: list[RunSpec], overwrite: bool) -> None:
    """Write the experiment directory and every run directory, all or nothing.

    A new experiment directory is filled beside its place and renamed into it: a kill leaves
    either nothing or everything. In an existing one, ``experiment.yaml`` is written first, so
    ``resume`` of the experiment directory knows every run and prepares the ones a kill left out;
    each new run directory appears at once (temporary sibling, rename).
    """
    exp_dir = config.experiment_dir
    experiment_yaml = yaml.safe_dump(config.to_dict(), sort_keys=False)
    exp_dir.parent.mkdir(parents=True, exist_ok=True)
    remove_preparing_orphans(exp_dir.parent)
    if not exp_dir.is_dir() or not any(exp_dir.iterdir()):

        def fill(tmp: Path) -> None:
            write_atomic(tmp / EXPERIMENT_CONFIG, experiment_yaml)
            for spec in specs:
                run_dir = tmp / spec.run_name
                run_dir.mkdir()
                _write_run_dir(run_dir, spec)
            write_marker(tmp, EXPERIMENT_MARKER)

        _create(exp_dir, fill)
        return
    remove_preparing_orphans(exp_dir)
    write_atomic(exp_dir / EXPERIMENT_CONFIG, experiment_yaml)
    for spec in specs:
        if spec.run_dir.exists():  # checked (marker, overwrite) and locked by the caller
            remove_run_files(spec.run_dir)
            _write_run_dir(spec.run_dir, spec)
        else:
            _create(spec.run_dir, lambda tmp, spec=spec: _write_run_dir(tmp, spec))


# ---------------------------------------------------------------------- signals
class RunInterrupted(Exception):
    """A run stopped on SIGINT/SIGTERM; ``saved``: a checkpoint was written at the stop."""

    def __init__(self, signum: int, saved: bool = True) -> None:
        super().__init__(signum, saved)
        self.signum, self.saved = signum, saved

    def __str__(self) -> str:
        return f"interrupted by {signal.Signals(self.signum).name}"


class _Stop:
    """The signal received (if any), and which process reacts to it how.

    The process that entered :func:`stop_on_signals` (``owner``) announces the request; running
    the runs itself, a second signal stops it at once; running them in a pool (``pool``), it
    passes the request on to the workers. Workers (forked with this state) only record it.
    """

    signum: int | None = None
    owner: int | None = None
    pool = False


_stop = _Stop()


def _on_signal(signum: int, frame: Any) -> None:
    first = _stop.signum is None
    _stop.signum = _stop.signum or signum
    if os.getpid() != _stop.owner:
        return  # a pool worker: checkpoint at the next step
    if not first and not _stop.pool:
        raise KeyboardInterrupt  # stop now, without a checkpoint
    if first:
        again = "" if _stop.pool else " (again: stop at once, without it)"
        name = signal.Signals(signum).name
        print(f"\n{name} received: saving a checkpoint at the next step{again}", file=sys.stderr, flush=True)
    if _stop.pool:
        for child in multiprocessing.active_children():  # the pool's workers
            with contextlib.suppress(ProcessLookupError):
                os.kill(child.pid, signal.SIGTERM)  # type: ignore[arg-type]


@contextlib.contextmanager
def stop_on_signals(signals: tuple[int, ...] = (signal.SIGINT, signal.SIGTERM)) -> Iterator[None]:
    """While active, SIGINT and SIGTERM make the runs checkpoint and raise :class:`RunInterrupted`.

    A second signal raises ``KeyboardInterrupt`` at once (single-process runs). The previous
    handlers are restored on exit.
    """
    previous = {s: signal.signal(s, _on_signal) for s in signals}
    _stop.signum, _stop.owner, _stop.pool = None, os.getpid(), False
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
        _stop.signum, _stop.owner, _stop.pool = None, None, False


def _run_job(args: Job) -> dict[str, Any]:
    spec, run_dir, resume, bar = args
    return run_single(spec, run_dir, resume=resume, progress_bar=bar)


def _one_thread() -> None:
    """Worker initialiser: parallel runs share the cores, so each uses one torch and one BLAS thread."""
    import torch
    from threadpoolctl import threadpool_limits

    torch.set_num_threads(1)
    threadpool_limits(limits=1)
    if _stop.owner is not None:  # under stop_on_signals (a forked worker has the handlers already)
        for s in (signal.SIGINT, signal.SIGTERM):
            signal.signal(s, _on_signal)  # the worker checkpoints and raises RunInterrupted


Job = tuple[RunSpec, Path, bool, bool]  # spec, run directory, resume, progress bar
Executor = Callable[[list[Job]], list[dict[str, Any]]]  # runs jobs, returns summaries in job order


def _execute(
    jobs: list[Job],
    n_jobs: int,
    on_done: Callable[[dict[str, Any]], None] | None = None,
    executor: Executor | None = None,
) -> list[dict[str, Any]]:
    """Run ``jobs`` (on ``executor`` when given, such as the Ray sweep); ``on_done(summary)`` is called
    as each run finishes; summaries in job order."""
    done = on_done or (lambda summary: None)
    if executor is not None:
        results = executor(jobs)
        for summary in results:
            done(summary)
        return results
    if n_jobs <= 1 or len(jobs) <= 1:
        results = []
        for job in jobs:
            results.append(_run_job(job))
            done(results[-1])
        return results
    with ProcessPoolExecutor(max_workers=n_jobs, initializer=_one_thread) as pool:
        _stop.pool = True
        try:
            futures = [pool.submit(_run_job, j) for j in jobs]
            interrupted = None
            for future in as_completed(futures):
                try:
                    summary = future.result()
                except RunInterrupted as e:  # the others stop too; wait for their checkpoints
                    if interrupted is None:
                        interrupted = e
                        pool.shutdown(wait=True, cancel_futures=True)
                    continue
                except CancelledError:
                    continue
                done(summary)
            if interrupted is not None:
                raise interrupted
            return [f.result() for f in futures]
        finally:
            _stop.pool = False


def run_experiment(
    config: ExperimentConfig,
    *,
    jobs: int = 1,
    overwrite: bool = False,
    progress_bar: bool = True,
    on_done: Callable[[dict[str, Any]], None] | None = None,
    executor: Executor | None = None,
) -> list[dict[str, Any]]:
    """Run every (teacher, seed) of ``config``; return their summaries.

    Before anything is written: every directory that would be used is checked (it must carry the
    runner's marker; if one exists and ``overwrite`` is false, :class:`RunDirectoryExists` says how
    to resume or overwrite), every teacher and the student are built in memory
    (:func:`validate_experiment`), and existing run directories are locked. Preparation is then
    all or nothing (:func:`_prepare_experiment`). ``on_done(summary)`` is called in this process as
    each run finishes (in finishing order). ``executor`` runs the prepared jobs instead of the
    process pool (the Ray sweep, :func:`autocurriculum.experiments.ray_runner.ray_executor`).
    """
    specs = config.runs()
    exp_dir = config.experiment_dir
    if exp_dir.exists() and (not exp_dir.is_dir() or any(exp_dir.iterdir())):
        check_marker(exp_dir, EXPERIMENT_MARKER)
    existing = [s.run_dir for s in specs if s.run_dir.exists()]
    for run_dir in existing:
        check_marker(run_dir, RUN_MARKER)
    if existing and not overwrite:
        raise RunDirectoryExists(
            f"run directory {existing[0]} already exists ({len(existing)} of {len(specs)} runs); continue with "
            f"`autocurriculum resume {exp_dir}` or replace with `autocurriculum run --overwrite`"
        )
    validate_experiment(config)
    locks = [RunLock(run_dir) for run_dir in existing]  # before anything is removed: fails if a run is live
    try:
        _prepare_experiment(config, specs, overwrite)
        locks += [RunLock(s.run_dir) for s in specs if s.run_dir not in existing]
        show = progress_bar and jobs <= 1
        return _execute([(s, s.run_dir, False, show) for s in specs], jobs, on_done, executor)
    finally:
        for lock in locks:
            lock.release()


def read_yaml(path: Path) -> dict[str, Any]:
    """A YAML mapping the runner wrote (``run.yaml``, ``experiment.yaml``); one-line errors naming the file."""
    what = "restore it, or start the run again with `autocurriculum run --overwrite`"
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise ConfigError(f"{path}: cannot read ({e.strerror}); {what}") from None
    except (UnicodeDecodeError, yaml.YAMLError, RecursionError) as e:
        raise ConfigError(f"{path}: damaged ({type(e).__name__}); {what}") from None
    if not isinstance(data, dict):
        got = "empty" if data is None else f"a {type(data).__name__}, not a mapping"
        raise ConfigError(f"{path}: not a configuration written by autocurriculum ({got}); {what}")
    return data


def read_run_config(path: Path) -> dict[str, Any]:
    """A run's ``run.yaml`` as a mapping with a ``teacher`` (with its ``label``) and a ``seed``."""
    data = read_yaml(path)
    teacher = data.get("teacher")
    if not isinstance(teacher, dict) or not isinstance(teacher.get("label"), str) or not is_int(data.get("seed")):
        raise ConfigError(
            f"{path}: not a run configuration written by autocurriculum (no 'teacher' with a 'label', or no "
            "integer 'seed'); restore it, or start the run again with `autocurriculum run --overwrite`"
        )
    return data


def read_evals(path: Path, warn: Callable[[str], None] = _warn) -> list[dict[str, Any]]:
    """The evaluations of ``eval.jsonl``; a cut last line (an interrupted write) is ignored with a warning."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"{path}: cannot read ({e}); restore it or resume the run, which rewrites it") from None
    evals = []
    for i, line in enumerate(lines):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            if not isinstance(record, dict) or not is_int(record.get("step")):
                raise ValueError("not an evaluation record")
        except ValueError as e:
            if i == len(lines) - 1:
                warn(f"warning: {path}: the last line is cut or damaged (an interrupted write); ignored")
                break
            raise ConfigError(
                f"{path}: line {i + 1} is damaged ({e}); remove it, or resume the run, which rewrites the file"
            ) from None
        evals.append(record)
    return evals


def _spec_from_run_dir(run_dir: Path) -> RunSpec:
    path = run_dir / RUN_CONFIG
    data = read_run_config(path)
    data["teachers"] = [data.pop("teacher")]
    data["seeds"] = [data.pop("seed")]
    try:
        config = parse_config(data, source=str(path))
    except ConfigError as e:
        raise ConfigError(f"{path}: {e}") from None
    return config.runs()[0]


def find_run_dirs(path: Path, *, owned: bool = True) -> list[Path]:
    """``path`` itself if it is a run directory, else the run directories directly inside it.

    With ``owned`` (resume), only directories with the runner's markers count, and a directory
    without them is refused naming it; without it (reading a report), any directory with a
    ``run.yaml`` does.
    """
    if not path.is_dir():
        kind = "not a directory" if path.exists() else "no such run or experiment directory"
        raise ConfigError(f"{path}: {kind}")
    if not owned:
        if (path / RUN_CONFIG).is_file():
            return [path]
        found = sorted(p for p in path.iterdir() if not p.name.startswith(".") and (p / RUN_CONFIG).is_file())
        if not found:
            raise ConfigError(f"{path}: contains no run directories (none has a {RUN_CONFIG})")
        return found
    if has_marker(path, RUN_MARKER):
        check_marker(path, RUN_MARKER)
        return [path]
    if not has_marker(path, EXPERIMENT_MARKER) and (path / RUN_CONFIG).is_file():
        check_marker(path, RUN_MARKER)  # raises, naming the directory
    check_marker(path, EXPERIMENT_MARKER)
    # names starting with '.' are never runs (directories being prepared are '.NAME.preparing-PID')
    found = sorted(p for p in path.iterdir() if not p.name.startswith(".") and p.is_dir() and has_marker(p, RUN_MARKER))
    for run_dir in found:
        check_marker(run_dir, RUN_MARKER)
    if not found:
        raise ConfigError(f"{path}: contains no run directories (none has a {RUN_MARKER} file)")
    return found


def _missing_runs(path: Path) -> list[RunSpec]:
    """Runs listed in an experiment directory's ``experiment.yaml`` that have no directory yet."""
    config_path = path / EXPERIMENT_CONFIG
    if not has_marker(path, EXPERIMENT_MARKER) or not config_path.is_file():
        return []
    check_marker(path, EXPERIMENT_MARKER)
    remove_preparing_orphans(path)
    try:
        config = parse_config(read_yaml(config_path), source=str(config_path))
    except ConfigError as e:
        message = str(e) if str(e).startswith(str(config_path)) else f"{config_path}: {e}"
        raise ConfigError(message) from None
    return [spec for spec in config.runs() if not (path / spec.run_name).exists()]


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
    locks = []
    try:
        for spec in _missing_runs(path):  # left out by a kill while the experiment was prepared
            log(f"{path / spec.run_name}: never prepared, starting it")
            _create(path / spec.run_name, lambda tmp, spec=spec: _write_run_dir(tmp, spec))
        for run_dir in find_run_dirs(path):
            spec = _spec_from_run_dir(run_dir)
            if (run_dir / SUMMARY).is_file():
                log(f"{run_dir}: already finished, skipped")
                continue
            locks.append(RunLock(run_dir))  # fails at once if another process owns the run
            todo.append((spec, run_dir))
        jobs_list = []
        for spec, run_dir in todo:
            has_checkpoint = any((run_dir / name).is_file() for name in (CHECKPOINT, PREVIOUS_CHECKPOINT))
            if not has_checkpoint:
                log(f"{run_dir}: no checkpoint yet, starting it again")
                remove_run_files(run_dir)
            jobs_list.append((spec, run_dir, has_checkpoint, progress_bar and jobs <= 1))
        return _execute(jobs_list, jobs, executor=executor)
    finally:
        for lock in locks:
            lock.release()
