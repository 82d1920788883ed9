"""Smoke test of benchmarks/maze_ued.py at a tiny budget: runs, skipping of finished runs, tables."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    path = ROOT / "benchmarks" / "maze_ued.py"
    spec = importlib.util.spec_from_file_location("maze_ued_benchmark", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_tiny_comparison_writes_runs_skips_them_and_summarizes(
    bench: ModuleType, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import torch

    threads = torch.get_num_threads()
    tiny = ["--steps", "512", "--eval-every", "512", "--eval-levels", "3", "--final-levels", "4", "--heldout-attempts", "1",
            "--size", "5", "--max-walls", "4", "--n-envs", "2", "--n-steps", "64", "--buffer-size", "8", "--seeds", "0",
            "--teachers", "accel", "paired", "--runs-dir", str(tmp_path)]  # fmt: skip
    try:
        assert bench.main([*tiny, "--output", str(tmp_path / "table.md")]) == 0
    finally:
        torch.set_num_threads(threads)
    runs = {p.name.split("_seed")[0]: json.loads(p.read_text()) for p in tmp_path.glob("*.json")}
    assert set(runs) == {"accel", "paired"}
    # PAIRED's two learners get twice the budget: its protagonist trains as many steps as ACCEL's learner
    assert runs["paired"]["steps"] >= 2 * 512 and runs["paired"]["history"][-1]["step"] >= 512
    levels = runs["accel"]["training_levels"]["all"]
    assert levels["share"] == 1.0 and 0 <= levels["walls"] <= 4 and 0 <= levels["success"] <= 1
    assert set(runs["paired"]["training_levels"]) == {"all", "generated"}
    table = (tmp_path / "table.md").read_text()
    for heading in ("Final evaluation", "per held-out maze", "over training steps", "What each teacher trained on"):
        assert heading in table
    capsys.readouterr()
    assert bench.main([*tiny, "--teachers", "accel"]) == 0  # finished: skipped, not run again
    assert "accel seed 0: already in" in capsys.readouterr().out
