"""The command line: the demo shows progress and never replaces an earlier demo's results."""

from __future__ import annotations

from pathlib import Path

import pytest

from autocurriculum.experiments.cli import main


def test_demo_prints_progress_and_each_run_gets_a_new_directory(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["demo", "--output-dir", str(tmp_path), "--budget", "400", "--seeds", "1", "--jobs", "1", "--no-tensorboard"]
    assert main(args) == 0
    first = capsys.readouterr().out
    assert "2 runs on 1 processes" in first
    assert "[1/2] alp_gmm_teachdeeprl__seed0: mastered_percent" in first and "[2/2] random__seed0" in first
    assert main(args) == 0
    capsys.readouterr()
    demos = sorted(p for p in tmp_path.iterdir() if p.is_dir())
    assert len(demos) == 2
    for demo in demos:  # the first demo's runs are still there
        assert (demo / "unlock_grid" / "alp_gmm_teachdeeprl__seed0" / "summary.json").is_file()
        assert (demo / "unlock_grid" / "random__seed0" / "summary.json").is_file()
