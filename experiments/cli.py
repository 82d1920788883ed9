"""The ``autocurriculum`` command line.

* ``autocurriculum run FILE [--jobs N] [--overwrite] [--output-dir DIR]``: every (teacher, seed)
  of an experiment file;
* ``... --ray [ADDRESS]``: the same runs as Ray Tune trials (:mod:`autocurriculum.experiments.ray_runner`);
* ``autocurriculum resume RUN_DIR``: continue a killed run (or every unfinished run of an
  experiment directory) from its last checkpoint;
* ``autocurriculum list``: registered teachers, students and environments, with parameters;
* ``autocurriculum report RUN_DIR... [--output table.md|.csv] [--plot plot.png]``: mean +- std,
  IQM with 95 % bootstrap intervals and probabilities of improvement (rliable), and a plot;
* ``autocurriculum demo``: the unlock-grid teacher comparison shipped with the package.
"""

from __future__ import annotations

import argparse
import inspect
import shlex
import signal
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import replace
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from autocurriculum.experiments.checkpoints import CheckpointError
from autocurriculum.experiments.config import ConfigError, RayConfig, load_config, parse_config
from autocurriculum.experiments.plots import save_figure
from autocurriculum.experiments.registry import environment_ids, student_factories, teacher_classes
from autocurriculum.experiments.report import build_report
from autocurriculum.experiments.runner import (
    Executor,
    RunDirectoryError,
    RunDirectoryExists,
    RunInterrupted,
    _spec_from_run_dir,
    find_run_dirs,
    resume_run,
    run_experiment,
    stop_on_signals,
)
from autocurriculum.experiments.safe_yaml import load_yaml

CONFIG_DIR = Path(__file__).resolve().parent / "configs"


def _version() -> str:
    try:
        return version("autocurriculum")
    except PackageNotFoundError:
        return "0+unknown (not installed)"


def _print_summaries(summaries: list[dict]) -> None:
    if not summaries:
        return
    keys = list(summaries[0]["final"])
    print("\n| run | " + " | ".join(f"final {k}" for k in keys) + " | wall time (s) |")
    print("|---|" + "---|" * len(keys) + "---|")
    for s in summaries:
        vals = " | ".join(f"{s['final'][k]:.3g}" for k in keys)
        print(f"| {s['run']} | {vals} | {s['wall_time']:.1f} |")


def _interruptible(resume_path: Path, work: Callable[[], list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """Run ``work`` so that SIGINT/SIGTERM checkpoint the runs and end with a one-line message.

    Raises :class:`Stopped` (exit code 128 + the signal number), whose message gives the exact
    command that continues the runs.
    """
    command = f"autocurriculum resume {shlex.quote(str(resume_path))}"
    try:
        with stop_on_signals():
            return work()
    except RunInterrupted as e:
        saved = "checkpoint saved" if e.saved else "runs not started yet"
        raise Stopped(f"{e} ({saved}); continue with: {command}", 128 + e.signum) from None
    except KeyboardInterrupt:
        raise Stopped(
            f"stopped at once (second signal, no new checkpoint); continue from the last checkpoint with: {command}",
            128 + signal.SIGINT,
        ) from None


class Stopped(Exception):
    """The command was stopped by a signal; ``code`` is the exit status."""

    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code = code


def _ray_executor(args: argparse.Namespace, section: RayConfig | None) -> Executor | None:
    """The Ray Tune executor when ``--ray`` is given or the file has a ``ray:`` section, else ``None``."""
    if args.ray is None and section is None:
        return None
    if args.jobs != 1:
        raise ConfigError(
            f"--jobs: {args.jobs} applies to the process pool; on Ray, trials run as resources allow "
            "(limit them with ray.max_concurrent_trials)"
        )
    from autocurriculum.experiments.ray_runner import ray_executor  # imports Ray only here

    cfg = replace(section or RayConfig(), address=args.ray or (section.address if section else None))
    if args.ray and cfg.num_cpus is not None:
        cfg = replace(cfg, num_cpus=None)  # --ray ADDRESS names a cluster; ray.num_cpus sizes only a local Ray
    return ray_executor(cfg)


def _run(args: argparse.Namespace) -> int:
    config = load_config(args.file, output_dir=args.output_dir)
    executor = _ray_executor(args, config.ray)
    summaries = _interruptible(
        config.experiment_dir,
        lambda: run_experiment(
            config, jobs=args.jobs, overwrite=args.overwrite, progress_bar=not args.quiet, executor=executor
        ),
    )
    _print_summaries(summaries)
    print(f"\nruns written to {config.experiment_dir}; `autocurriculum report {config.experiment_dir}` aggregates them")
    return 0


def _resume(args: argparse.Namespace) -> int:
    path = Path(args.run_dir)
    runs = find_run_dirs(path)
    executor = _ray_executor(args, _spec_from_run_dir(runs[0]).experiment.ray if runs else None)
    _print_summaries(
        _interruptible(path, lambda: resume_run(path, jobs=args.jobs, progress_bar=not args.quiet, executor=executor))
    )
    return 0


def _signature(fn: object, skip: tuple[str, ...]) -> str:
    sig = inspect.signature(fn)  # type: ignore[arg-type]
    parts = [
        f"{p.name}={p.default!r}" if p.default is not p.empty else p.name
        for p in sig.parameters.values()
        if p.name not in skip and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
    ]
    return ", ".join(parts)


def _list(args: argparse.Namespace) -> int:
    print("teachers:")
    for name, (cls, origin) in sorted(teacher_classes().items()):
        presets = getattr(cls, "PRESETS", None) or {}
        extra = f"  presets: {sorted(presets)}" if presets else ""
        print(f"  {name} [{origin}]: {cls.__module__}.{cls.__qualname__}")
        print(f"      ({_signature(cls.__init__, ('self', 'task_space', 'seed'))}){extra}")
    print("students:")
    for name, factory in sorted(student_factories().items()):
        print(
            f"  {name} [{factory.origin}]: ({_signature(factory.params_of, ('self', 'seed', 'environment', 'evaluation'))})"
        )
    print("environments:")
    for env_id in environment_ids():
        print(f"  {env_id}")
    print("experiment files shipped:")
    for path in sorted(CONFIG_DIR.glob("*.yaml")):
        print(f"  {path}")
    return 0


def _report(args: argparse.Namespace) -> int:
    _write_report([Path(p) for p in args.run_dirs], metric=args.metric, plot=args.plot, output=args.output)
    return 0


def _write_report(paths: list[Path], *, metric: str | None, plot: str | None, output: str | None) -> None:
    if output and Path(output).suffix not in (".md", ".csv"):
        raise ConfigError(f"--output: expected a .md or .csv file, got {output!r}")
    if plot and Path(plot).suffix not in (".png", ".svg"):
        raise ConfigError(f"--plot: expected a .png or .svg file, got {plot!r}")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # printed with the table
        report = build_report(paths)
    metrics = report.metrics()
    if metric is not None and metric not in metrics:
        raise ConfigError(f"--metric: {metric!r} is not among the evaluated metrics {metrics}")
    for note in report.warnings:
        print(f"warning: {note}", file=sys.stderr)
    print("\n" + report.markdown())
    if output:
        out = Path(output)
        out.write_text(report.markdown() if out.suffix == ".md" else report.csv())
        print(f"table written to {out}")
    if metrics:
        metric = metric or metrics[0]
        path = Path(plot) if plot else paths[0] / f"report_{metric}.png"
        written = save_figure(report.figure(metric), path)
        print("plot written to " + " and ".join(str(p) for p in written))


def _new_directory(base: Path) -> Path:
    """A directory under ``base`` that did not exist: ``base/YYYYmmdd-HHMMSS`` (``-2``, ``-3``... on a clash)."""
    base.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    for i in range(1, 1000):
        path = base / (stamp if i == 1 else f"{stamp}-{i}")
        try:
            path.mkdir()
            return path
        except FileExistsError:
            continue
    raise ConfigError(f"demo: no free directory name under {base} for {stamp}")


def _demo(args: argparse.Namespace) -> int:
    data = load_yaml(CONFIG_DIR / "unlock_grid.yaml")
    if args.budget is not None:
        data["budget"] = args.budget
        data["evaluation"]["every"] = max(1, min(data["evaluation"]["every"], args.budget // 4))
        data["checkpoint"] = {"every": args.budget}
    if args.seeds is not None:
        data["seeds"] = list(range(args.seeds))
    data["output_dir"] = str(args.output_dir)
    config = parse_config(data, source=str(CONFIG_DIR / "unlock_grid.yaml"))  # validated before any folder is made
    config.output_dir = str(_new_directory(Path(args.output_dir)))
    config.logging.tensorboard = not args.no_tensorboard
    specs = config.runs()
    teachers = ", ".join(t.label for t in config.teachers)
    print(
        f"demo: {teachers} on the {config.student.params.get('n', 10)}-bin unlock grid, {len(config.seeds)} seeds, "
        f"{config.budget} episodes per run: {len(specs)} runs on {args.jobs} processes -> {config.experiment_dir}",
        flush=True,
    )
    start = time.monotonic()
    finished: list[dict] = []

    def done(summary: dict) -> None:
        finished.append(summary)
        final = ", ".join(f"{k} {v:.3g}" for k, v in list(summary["final"].items())[:2])
        print(
            f"  [{len(finished)}/{len(specs)}] {summary['run']}: {final} ({time.monotonic() - start:.0f} s elapsed)",
            flush=True,
        )

    summaries = _interruptible(
        config.experiment_dir, lambda: run_experiment(config, jobs=args.jobs, progress_bar=False, on_done=done)
    )
    _print_summaries(summaries)
    _write_report([config.experiment_dir], metric="mastered_percent", plot=None, output=None)
    print(f"runs and TensorBoard events in {config.experiment_dir} (tensorboard --logdir {config.experiment_dir})")
    return 0


def _add_ray_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--ray",
        nargs="?",
        const="",
        metavar="ADDRESS",
        help="run every (teacher, seed) as a Ray Tune trial: a local Ray, or the cluster at ADDRESS (or RAY_ADDRESS); "
        "needs pip install 'autocurriculum[ray]'",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="autocurriculum", description="Automatic curriculum learning experiments.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="run every teacher and seed of an experiment file")
    run.add_argument("file", help="experiment YAML file")
    run.add_argument("--jobs", type=int, default=1, help="runs in parallel processes (default 1)")
    run.add_argument("--overwrite", action="store_true", help="delete existing run directories first")
    run.add_argument("--output-dir", help="override the file's output_dir")
    run.add_argument("--quiet", action="store_true", help="no progress bar")
    _add_ray_option(run)
    run.set_defaults(func=_run)

    resume = sub.add_parser("resume", help="continue killed runs from their last checkpoint")
    resume.add_argument("run_dir", help="a run directory, or an experiment directory holding runs")
    resume.add_argument("--jobs", type=int, default=1)
    resume.add_argument("--quiet", action="store_true")
    _add_ray_option(resume)
    resume.set_defaults(func=_resume)

    lst = sub.add_parser("list", help="registered teachers, students and environments")
    lst.set_defaults(func=_list)

    report = sub.add_parser("report", help="aggregate runs into a table and a plot")
    report.add_argument("run_dirs", nargs="+", help="run or experiment directories")
    report.add_argument("--output", help="also write the table to a .md or .csv file")
    report.add_argument("--plot", help="plot path, .png or .svg; the other format is written beside it (default: <first dir>/report_<metric>.png)")
    report.add_argument("--metric", help="metric to plot (default: the first evaluated)")
    report.set_defaults(func=_report)

    demo = sub.add_parser("demo", help="ALP-GMM vs Random on the unlock grid, from the shipped YAML (seconds)")
    demo.add_argument("--output-dir", default="runs/demo", help="each demo run makes a new folder inside it")
    demo.add_argument("--jobs", type=int, default=2)
    demo.add_argument("--budget", type=int, help="episodes per run (default: the file's 20000)")
    demo.add_argument("--seeds", type=int, help="number of seeds (default: the file's 5)")
    demo.add_argument("--no-tensorboard", action="store_true")
    demo.set_defaults(func=_demo)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except (ConfigError, CheckpointError, RunDirectoryExists, RunDirectoryError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except Stopped as e:
        print(f"{e}", file=sys.stderr)
        return e.code
    except KeyboardInterrupt:  # list, report: nothing to save
        print("interrupted", file=sys.stderr)
        return 128 + signal.SIGINT
    except OSError as e:  # a file the command was asked to write or read (report output, plot)
        where = f"{e.filename}: " if e.filename else ""
        print(f"error: {where}{e.strerror or e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
