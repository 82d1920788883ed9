"""Fault injection for the runner's data-safety rules (issue 10): nothing lost, nothing deleted
that the runner did not write, nothing executed from a file, one-line errors naming the file."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from autocurriculum.experiments.cli import main
from autocurriculum.experiments.config import parse_config
from autocurriculum.experiments.rundir import RUN_MARKER, RunDirectoryError
from autocurriculum.experiments.runner import resume_run, run_experiment


def small(tmp_path: Path, **overrides: object) -> dict:
    data = {
        "name": "safe",
        "teacher": {"name": "random"},
        "student": {"name": "unlock_grid", "params": {"d": 2, "n": 4}},
        "budget": 400,
        "evaluation": {"every": 100},
        "seeds": [0],
        "output_dir": str(tmp_path / "runs"),
        "logging": {"progress_bar": False, "tensorboard": False},
        "checkpoint": {"every": 200},
    }
    data.update(overrides)
    return data


def tree(path: Path) -> dict[str, bytes]:
    return {str(p.relative_to(path)): p.read_bytes() for p in sorted(path.rglob("*")) if p.is_file()}


# ---------------------------------------------------------------------- 1. markers
def test_resume_refuses_a_directory_without_the_marker_and_deletes_nothing(tmp_path: Path) -> None:
    foreign = tmp_path / "project"
    foreign.mkdir()
    (foreign / "run.yaml").write_text(yaml.safe_dump(small(tmp_path) | {"teacher": {"name": "random"}, "seed": 0}))
    (foreign / "notes.txt").write_text("my notes")
    (foreign / "code.py").write_text("print(1)")
    (foreign / "sub").mkdir()
    (foreign / "sub" / "data.csv").write_text("1,2")
    before = tree(foreign)
    with pytest.raises(RunDirectoryError, match=f"{foreign}: not an autocurriculum run directory"):
        resume_run(foreign, progress_bar=False, log=lambda s: None)
    assert tree(foreign) == before


def test_cli_resume_of_a_foreign_directory_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    foreign = tmp_path / "somewhere"
    foreign.mkdir()
    (foreign / "keep.txt").write_text("x")
    assert main(["resume", str(foreign), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and str(foreign) in err and "not an autocurriculum experiment directory" in err
    assert (foreign / "keep.txt").read_text() == "x"


def test_restart_without_checkpoint_and_overwrite_keep_files_the_runner_did_not_write(tmp_path: Path) -> None:
    cfg = parse_config(small(tmp_path))
    run_experiment(cfg, progress_bar=False)
    run_dir = cfg.runs()[0].run_dir
    assert (run_dir / RUN_MARKER).is_file() and (cfg.experiment_dir / ".autocurriculum-experiment").is_file()
    (run_dir / "notes.txt").write_text("mine")
    (run_dir / "tensorboard").mkdir(exist_ok=True)
    (run_dir / "tensorboard" / "my_plot.png").write_bytes(b"png")
    for name in ("checkpoint.ckpt", "checkpoint.previous.ckpt", "summary.json"):
        (run_dir / name).unlink(missing_ok=True)
    resume_run(run_dir, progress_bar=False, log=lambda s: None)  # no checkpoint: starts again
    assert (run_dir / "summary.json").is_file()
    assert (run_dir / "notes.txt").read_text() == "mine"
    assert (run_dir / "tensorboard" / "my_plot.png").read_bytes() == b"png"
    run_experiment(cfg, overwrite=True, progress_bar=False)
    assert (run_dir / "notes.txt").read_text() == "mine"
    assert (run_dir / "tensorboard" / "my_plot.png").read_bytes() == b"png"


def test_overwrite_refuses_an_unmarked_directory_where_a_run_would_go(tmp_path: Path) -> None:
    cfg = parse_config(small(tmp_path))
    run_dir = cfg.runs()[0].run_dir
    run_dir.mkdir(parents=True)
    (run_dir / "thesis.tex").write_text("chapter 1")
    with pytest.raises(RunDirectoryError, match="not an autocurriculum"):
        run_experiment(cfg, overwrite=True, progress_bar=False)
    assert tree(cfg.experiment_dir) == {"random__seed0/thesis.tex": b"chapter 1"}
