"""report: mean +- std, IQM with stratified bootstrap intervals and P(X > Y) (rliable), plots, duplicates, partial runs."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from autocurriculum.experiments.cli import main
from autocurriculum.experiments.config import parse_config
from autocurriculum.experiments.report import build_report, interval_estimates, probability_of_improvement
from autocurriculum.experiments.runner import run_experiment
from tests.experiments.test_runner import grid_config


@pytest.fixture(scope="module")
def experiment(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("report")
    cfg = parse_config(grid_config(tmp, budget=1500, seeds=[0, 1, 2]))
    run_experiment(cfg, progress_bar=False)
    return cfg.experiment_dir


def test_iqm_and_probability_of_improvement_match_their_definitions() -> None:
    x = np.array([0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 100.0])
    est = interval_estimates(x, reps=500)
    assert est["iqm"] == pytest.approx(stats.trim_mean(x, 0.25))
    assert est["mean"] == pytest.approx(x.mean())
    assert est["iqm_low"] <= est["iqm"] <= est["iqm_high"]
    p, lo, hi = probability_of_improvement(np.array([2.0, 3.0]), np.array([1.0, 3.0]), reps=500)
    assert p == pytest.approx((1 + 0 + 1 + 0.5) / 4)  # pairs: 2>1, 2<3, 3>1, 3=3 (a tie counts half)
    assert 0.0 <= lo <= p <= hi <= 1.0


def test_report_prints_iqm_intervals_seeds_and_writes_png_and_svg(
    experiment: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    table = tmp_path / "table.md"
    assert main(["report", str(experiment), "--output", str(table), "--plot", str(tmp_path / "p.png")]) == 0
    out = capsys.readouterr().out
    assert "| teacher | n seeds | episodes | mean ± std | IQM [95% CI] |" in out
    assert "| alp_gmm | 3 | 1,500 |" in out and "| random | 3 | 1,500 |" in out
    assert "| alp_gmm | random |" in out  # P(X > Y)
    assert "(n=3)" in out
    assert table.read_text() in out
    assert (tmp_path / "p.png").read_bytes().startswith(b"\x89PNG")
    svg = (tmp_path / "p.svg").read_text()
    assert "alp_gmm (3 seeds)" in svg and "random (3 seeds)" in svg  # the whole legend, as text
    assert "IQM and 95% CI" in svg


def test_the_same_runs_in_two_directories_count_once(experiment: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(experiment, copy)
    with pytest.warns(UserWarning, match="counted once"):
        report = build_report([experiment, copy], reps=200)
    assert report.final("mastered_percent")["alp_gmm"]["n"] == 3


def test_a_partial_experiment_is_reported_with_what_is_missing(experiment: Path, tmp_path: Path) -> None:
    partial = tmp_path / "partial"
    shutil.copytree(experiment, partial)
    shutil.rmtree(partial / "random__seed2")
    (partial / "alp_gmm__seed1" / "summary.json").unlink()
    with pytest.warns(UserWarning) as caught:
        report = build_report([partial], reps=200)
    text = " ".join(str(w.message) for w in caught)
    assert "missing runs" in text and "random seed 2" in text
    assert "'alp_gmm' seed 1 is unfinished" in text
    assert report.final("mastered_percent")["random"]["n"] == 2
    assert report.markdown().startswith("> warning:")
