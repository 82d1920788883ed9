"""Run directories, overwrite refusal, atomic checkpoints, resume after SIGKILL, report."""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from autocurriculum.experiments import runner
from autocurriculum.experiments.cli import main
from autocurriculum.experiments.config import parse_config
from autocurriculum.experiments.rundir import RunFileError
from autocurriculum.experiments.runner import (
    RunDirectoryExists,
    load_checkpoint,
    resume_run,
    run_experiment,
    save_checkpoint,
)

ROOT = Path(__file__).resolve().parents[2]


def grid_config(tmp_path: Path, **overrides: object) -> dict:
    data = {
        "name": "grid",
        "teachers": [{"name": "alp_gmm", "params": {"fit_rate": 100, "potential_ks": [2, 3, 4]}}, {"name": "random"}],
        "student": {"name": "unlock_grid", "params": {"d": 2, "n": 5}},
        "budget": 3000,
        "evaluation": {"every": 500},
        "seeds": [0, 1],
        "output_dir": str(tmp_path / "runs"),
        "logging": {"scalars_every": 100, "histogram_every": 1000, "image_every": 1000, "progress_bar": False},
        "checkpoint": {"every": 1000},
    }
    data.update(overrides)
    return data


def evals_of(run_dir: Path) -> list[dict]:
    rows = [json.loads(x) for x in (run_dir / "eval.jsonl").read_text().splitlines()]
    for r in rows:
        r.pop("wall_time")
    return rows


def test_run_writes_the_run_directory(tmp_path: Path) -> None:
    cfg = parse_config(grid_config(tmp_path))
    summaries = run_experiment(cfg, progress_bar=False)
    assert len(summaries) == 4
    run_dir = cfg.runs()[0].run_dir
    assert {p.name for p in run_dir.iterdir()} >= {
        "run.yaml",
        "eval.jsonl",
        "checkpoint.ckpt",
        "summary.json",
        "tensorboard",
    }
    assert [e["step"] for e in evals_of(run_dir)] == [500, 1000, 1500, 2000, 2500, 3000]
    resolved = yaml.safe_load((run_dir / "run.yaml").read_text())
    assert resolved["teacher"]["name"] == "alp_gmm" and resolved["seed"] == 0
    state = load_checkpoint(run_dir / "checkpoint.ckpt")
    assert state["progress"] == 3000 and state["teacher"]["n_updates"] == 3000


def test_existing_run_directory_is_never_overwritten_silently(tmp_path: Path) -> None:
    cfg = parse_config(grid_config(tmp_path, budget=500, seeds=[0]))
    run_experiment(cfg, progress_bar=False)
    marker = cfg.runs()[0].run_dir / "eval.jsonl"
    before = marker.read_text()
    with pytest.raises(RunDirectoryExists, match="already exists.*autocurriculum resume.*--overwrite"):
        run_experiment(cfg, progress_bar=False)
    assert marker.read_text() == before
    run_experiment(cfg, overwrite=True, progress_bar=False)
    assert marker.exists()


def test_cli_refuses_with_exit_code_and_message(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "exp.yaml"
    path.write_text(yaml.safe_dump(grid_config(tmp_path, budget=500, seeds=[0], teachers=[{"name": "random"}])))
    assert main(["run", str(path), "--quiet"]) == 0
    assert main(["run", str(path), "--quiet"]) == 2
    assert "already exists" in capsys.readouterr().err


def test_checkpoint_write_is_atomic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "checkpoint.ckpt"
    state = {"progress": 1, "teacher": {}, "student": {}, "evals": [], "wall_time": 0.0}
    save_checkpoint(path, state)

    def crash(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(runner.os, "fsync", crash)
    with pytest.raises(RunFileError, match=f"{path}: cannot write \\(No space left on device\\); free some disk space"):
        save_checkpoint(path, {**state, "progress": 2})
    monkeypatch.undo()
    assert load_checkpoint(path)["progress"] == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["checkpoint.ckpt"]  # the temporary file is gone


def test_resume_after_sigkill_equals_uninterrupted_run(tmp_path: Path) -> None:
    data = grid_config(tmp_path, budget=20000, seeds=[3], teachers=[{"name": "alp_gmm"}])
    data["evaluation"] = {"every": 1000}
    data["checkpoint"] = {"every": 2000}
    path = tmp_path / "exp.yaml"
    path.write_text(yaml.safe_dump(data))
    reference = parse_config({**data, "output_dir": str(tmp_path / "reference")})
    run_experiment(reference, progress_bar=False)

    proc = subprocess.Popen(
        [sys.executable, "-m", "autocurriculum.experiments.cli", "run", str(path), "--quiet"],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    run_dir = parse_config(data).runs()[0].run_dir
    deadline = time.monotonic() + 120
    while not (run_dir / "checkpoint.ckpt").exists():
        assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
        assert time.monotonic() < deadline
        time.sleep(0.01)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert not (run_dir / "summary.json").exists(), "the run finished before it could be killed"
    killed_at = load_checkpoint(run_dir / "checkpoint.ckpt")["progress"]
    assert 0 < killed_at < 20000

    resume_run(run_dir, progress_bar=False, log=lambda s: None)
    assert evals_of(run_dir) == evals_of(reference.runs()[0].run_dir)
    final = load_checkpoint(run_dir / "checkpoint.ckpt")
    expected = load_checkpoint(reference.runs()[0].run_dir / "checkpoint.ckpt")
    assert final["teacher"]["rng"] == expected["teacher"]["rng"]
    assert (final["student"]["competence"] == expected["student"]["competence"]).all()


