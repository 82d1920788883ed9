"""Sweeps on Ray Tune: every (teacher, seed) run of an experiment as one Tune trial.

``autocurriculum run FILE --ray [ADDRESS]`` (or a ``ray:`` section in the file, see
:class:`~autocurriculum.experiments.config.RayConfig`) hands the runs that
:func:`~autocurriculum.experiments.runner.run_experiment` and
:func:`~autocurriculum.experiments.runner.resume_run` prepared to :func:`ray_executor`, which runs
them with Ray Tune (Liaw et al. 2018, *Tune: a research platform for distributed model selection
and training*) instead of the process pool:

* each trial calls the runner's own :func:`~autocurriculum.experiments.runner.run_single` on the
  same run directory as a local run (config, TensorBoard events, ``eval.jsonl``, checkpoints,
  ``summary.json``), so ``report``, ``resume`` and TensorBoard work unchanged;
* resources per trial (``tune.with_resources``), the number of concurrent trials
  (``TuneConfig.max_concurrent_trials``) and retries (``FailureConfig.max_failures``) are Tune's;
* each runner checkpoint is also reported to Tune as a ``tune.Checkpoint`` of the whole run
  directory, which Tune copies to its ``storage_path`` (a shared filesystem or a URI such as
  ``s3://...``). A retried trial continues from the run directory's checkpoint when it sees the
  directory (one machine, or a shared filesystem), else from the copy Tune restores, never from
  zero; after the sweep the driver copies a finished run directory from Tune's storage when it
  does not see it itself;
* progress is one line per trial result with its latest evaluation (a ``tune.Callback``).

Ray is the optional extra ``autocurriculum[ray]``; this module imports it only when a sweep
starts, so the single-machine path never imports Ray.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from autocurriculum.experiments.config import ConfigError, RayConfig
from autocurriculum.experiments.rundir import (
    CHECKPOINT,
    PREVIOUS_CHECKPOINT,
    RUN_CONFIG,
    RUN_MARKER,
    SUMMARY,
    remove_run_files,
    write_atomic,
    write_marker,
)
from autocurriculum.experiments.runner import Executor, Job, run_single

__all__ = ["RAY_MISSING", "import_ray", "ray_executor", "ray_session"]

RAY_MISSING = "--ray: Ray is not installed; install it with: pip install 'autocurriculum[ray]'"
TUNE_DIR = ".ray_tune"


def import_ray() -> Any:
    """Import ``ray`` and ``ray.tune``, or raise a one-line :class:`ConfigError` saying what to install."""
    try:
        import ray
        import ray.tune  # noqa: F401 - the extra installs ray[tune]
    except ImportError:
        raise ConfigError(RAY_MISSING) from None
    return ray


class ray_session:  # noqa: N801 - used like a function: ``with ray_session(cfg):``
    """Connect to the cluster of ``cfg.address`` (or ``RAY_ADDRESS``) or start a local Ray.

    A Ray that is already initialised (a test fixture, a notebook) is used as it is and left
    running; one this context started is shut down on exit.
    """

    def __init__(self, cfg: RayConfig) -> None:
        self.cfg = cfg
        self.started = False

    def __enter__(self) -> Any:
        ray = import_ray()
        if not ray.is_initialized():
            address = self.cfg.address or os.environ.get("RAY_ADDRESS") or None
            kwargs: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False}
            if address is None:
                kwargs["num_cpus"] = self.cfg.num_cpus
            ray.init(address=address, **kwargs)
            self.started = True
        return ray

    def __exit__(self, *exc: object) -> None:
        if self.started:
            import ray

            ray.shutdown()


# ---------------------------------------------------------------------- one trial
def _copy_tree(source: str | Path, target: Path) -> None:
    shutil.copytree(source, target, dirs_exist_ok=True)


def _restore(run_dir: Path, spec_dict: dict[str, Any]) -> None:
    """Make ``run_dir`` ready on this node: Tune's last copy when the directory is not here."""
    from ray import tune

    if (run_dir / RUN_CONFIG).is_file():
        return
    checkpoint = tune.get_checkpoint()
    if checkpoint is not None:
        with checkpoint.as_directory() as copy:
            _copy_tree(copy, run_dir)
        return
    import yaml

    run_dir.mkdir(parents=True, exist_ok=True)  # a node that does not share the driver's filesystem
    write_atomic(run_dir / RUN_CONFIG, yaml.safe_dump(spec_dict, sort_keys=False))
    write_marker(run_dir, RUN_MARKER)


def _report_dir(metrics: dict[str, Any], run_dir: Path) -> None:
    """``tune.report`` with a checkpoint holding a snapshot of the whole run directory."""
    from ray import tune

    with tempfile.TemporaryDirectory(prefix="autocurriculum-ckpt-") as tmp:
        snapshot = Path(tmp) / "run"
        # a snapshot, so that the copy Tune makes is consistent even while TensorBoard flushes
        shutil.copytree(run_dir, snapshot)
        tune.report(metrics, checkpoint=tune.Checkpoint.from_directory(str(snapshot)))


def _numbers(record: dict[str, Any]) -> dict[str, float]:
    return {k: float(v) for k, v in record.items() if isinstance(v, (int, float)) and not isinstance(v, bool)}


def _trial(config: dict[str, Any], jobs: list[Job]) -> None:
    """The Tune trainable: one (teacher, seed) run through the runner's :func:`run_single`."""
    from ray import tune

    spec, run_dir, _, _ = jobs[config["job"]]
    run_dir = Path(run_dir)
    _restore(run_dir, spec.to_dict())
    if (run_dir / SUMMARY).is_file():  # finished before a failure of the trial's process
        summary = json.loads((run_dir / SUMMARY).read_text())
        tune.report({"progress": summary["progress"], "finished": True})
        return
    resume = any((run_dir / name).is_file() for name in (CHECKPOINT, PREVIOUS_CHECKPOINT))
    if not resume:
        remove_run_files(run_dir)  # only what the runner wrote before its first checkpoint
    latest: dict[str, float] = {}

    def on_evaluation(record: dict[str, Any]) -> None:
        latest.clear()
        latest.update(_numbers(record))
        tune.report({"progress": latest.get("step", 0.0), **latest, "finished": False})

    def on_checkpoint(progress: int) -> None:
        if progress >= spec.experiment.budget:
            return  # the final report below carries the finished directory
        _report_dir({**latest, "progress": progress, "checkpoint_at": progress, "finished": False}, run_dir)

    summary = run_single(
        spec, run_dir, resume=resume, progress_bar=False, on_evaluation=on_evaluation, on_checkpoint=on_checkpoint
    )
    _report_dir({**latest, "progress": summary["progress"], "finished": True}, run_dir)


# ---------------------------------------------------------------------- progress
def _progress_callback(labels: list[str], budget: int, write: Callable[[str], None]) -> Any:
    from ray import tune

    class TrialProgress(tune.Callback):
        """One line per trial result: run name, progress, latest evaluation; retries and errors."""

        def _label(self, trial: Any) -> str:
            return labels[trial.config["job"]]

        def on_trial_result(self, iteration: int, trials: list, trial: Any, result: dict, **info: Any) -> None:
            if "checkpoint_at" in result:
                return  # a checkpoint report repeats the latest evaluation
            shown = {k: v for k, v in result.items() if k not in _TUNE_KEYS}
            metrics = " ".join(f"{k}={v:.4g}" for k, v in list(shown.items())[:3])
            state = "finished" if result.get("finished") else f"{int(result.get('progress', 0))}/{budget}"
            write(f"[ray] {self._label(trial)} {state} {metrics}".rstrip())

        def on_trial_recover(self, iteration: int, trials: list, trial: Any, **info: Any) -> None:
            write(f"[ray] {self._label(trial)} failed; retrying from its last checkpoint")

        def on_trial_error(self, iteration: int, trials: list, trial: Any, **info: Any) -> None:
            write(f"[ray] {self._label(trial)} failed for good (no retries left); see {trial.path}")

    return TrialProgress()


_TUNE_KEYS = {
    "progress",
    "finished",
    "checkpoint_at",
    "should_checkpoint",
    "step",
    "wall_time",
    "timestamp",
    "checkpoint_dir_name",
    "done",
    "training_iteration",
    "trial_id",
    "date",
    "time_this_iter_s",
    "time_total_s",
    "pid",
    "hostname",
    "node_ip",
    "config",
    "time_since_restore",
    "iterations_since_restore",
    "experiment_tag",
}


# ---------------------------------------------------------------------- the sweep
def _storage_path(cfg: RayConfig, experiment_dir: Path) -> str:
    if cfg.storage_path is None:
        return str((experiment_dir / TUNE_DIR).resolve())
    if "://" in cfg.storage_path:
        return cfg.storage_path
    return str(Path(cfg.storage_path).resolve())


def _absolute(job: Job) -> Job:
    """Tune runs each trial in its own working directory: every path it gets must be absolute."""
    spec, run_dir, resume, bar = job
    exp = spec.experiment
    if not Path(exp.output_dir).is_absolute():
        from dataclasses import replace

        exp = replace(exp, output_dir=str(Path(exp.output_dir).resolve()))
        spec = replace(spec, experiment=exp)
    return spec, Path(run_dir).resolve(), resume, bar


def ray_executor(cfg: RayConfig, write: Callable[[str], None] | None = None) -> Executor:
    """An executor for :func:`~autocurriculum.experiments.runner.run_experiment` /
    :func:`~autocurriculum.experiments.runner.resume_run` that runs every job as a Tune trial.

    Raises :class:`ConfigError` with one line saying what to install when Ray is missing.
    """
    import_ray()
    out = write or (lambda line: print(line, file=sys.stderr, flush=True))

    def execute(jobs: list[Job]) -> list[dict[str, Any]]:
        if not jobs:
            return []
        jobs = [_absolute(j) for j in jobs]
        with ray_session(cfg):
            return _sweep(cfg, jobs, out)

    return execute


def _sweep(cfg: RayConfig, jobs: list[Job], write: Callable[[str], None]) -> list[dict[str, Any]]:
    # Tune's own console output (a banner, a status table, a warning per checkpoint snapshot)
    # would drown the progress lines; verbose=0 silences the reporter that honours it
    os.environ.setdefault("RAY_AIR_NEW_OUTPUT", "0")
    os.environ.setdefault("TUNE_WARN_EXCESSIVE_EXPERIMENT_CHECKPOINT_SYNC_THRESHOLD_S", "0")
    from ray import tune

    exp = jobs[0][0].experiment
    labels = [spec.run_name for spec, *_ in jobs]
    resources = {"cpu": cfg.cpus_per_trial, "gpu": cfg.gpus_per_trial}
    trainable = tune.with_resources(tune.with_parameters(_trial, jobs=jobs), resources)
    tuner = tune.Tuner(
        trainable,
        param_space={"job": tune.grid_search(list(range(len(jobs))))},
        tune_config=tune.TuneConfig(
            max_concurrent_trials=cfg.max_concurrent_trials,
            reuse_actors=True,
            trial_name_creator=lambda t: labels[t.config["job"]],
            trial_dirname_creator=lambda t: labels[t.config["job"]],
        ),
        run_config=tune.RunConfig(
            name=exp.name,
            storage_path=_storage_path(cfg, exp.experiment_dir.resolve()),
            failure_config=tune.FailureConfig(max_failures=cfg.max_failures),
            checkpoint_config=tune.CheckpointConfig(num_to_keep=1),
            callbacks=[_progress_callback(labels, exp.budget, write)],
            verbose=0,
        ),
    )
    results = tuner.fit()
    by_job = {r.config["job"]: r for r in results}
    summaries = []
    for i, (spec, run_dir, _, _) in enumerate(jobs):
        result = by_job[i]
        if result.error is not None:
            raise RuntimeError(
                f"{spec.run_name}: the Ray trial failed after {cfg.max_failures} retries: {result.error}"
            )
        if not (run_dir / SUMMARY).is_file() and result.checkpoint is not None:
            with result.checkpoint.as_directory() as copy:  # a node without the driver's filesystem
                _copy_tree(copy, run_dir)
        summaries.append(json.loads((run_dir / SUMMARY).read_text()))
    return summaries
