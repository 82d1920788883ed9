"""Tiny-budget smoke test of benchmarks/supervised_curricula.py (runs in seconds)."""

from __future__ import annotations

import csv
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest
import torch

ROOT = Path(__file__).resolve().parents[2]
torch.set_num_threads(1)  # the machine is shared; the benchmark's own main() does the same


def _load_benchmark() -> ModuleType:
    path = ROOT / "benchmarks" / "supervised_curricula.py"
    spec = importlib.util.spec_from_file_location("supervised_curricula_benchmark", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    return _load_benchmark()


def test_benchmark_smoke_equal_presentations_and_outputs(bench: ModuleType, tmp_path: Path, capsys) -> None:
    args = ["--seeds", "2", "--epochs", "2", "--n-samples", "200", "--hidden", "16"]
    runs: list[dict] = []
    cfg, _ = bench.parse_args(args)
    runs = bench.run(cfg, log=lambda _msg: None)
    bench.check_equal_presentations(runs)
    assert len(runs) == 2 * 2 * len(bench.METHODS)
    for run in runs:
        n_train = bench.load(run["dataset"], cfg, run["seed"]).n_train
        assert run["presentations"] == 2 * n_train  # every method spends exactly T * N presentations
        assert 0.0 <= run["final_val_accuracy"] <= run["best_val_accuracy"] <= 1.0

    md = tmp_path / "table.md"
    rows = bench.main([*args, "--methods", "full_data,ccl,anti_curriculum", "--datasets", "noisy", "--output", str(md)])
    out = capsys.readouterr().out
    assert "| noisy | ccl |" in out and md.read_text().count("| noisy |") == 3
    assert [r["method"] for r in rows] == ["full_data", "ccl", "anti_curriculum"]
    csv_path = tmp_path / "table.csv"
    bench.main([*args, "--methods", "full_data,pacing_root", "--datasets", "noisy", "--output", str(csv_path)])
    with csv_path.open() as f:
        table = list(csv.DictReader(f))
    assert [r["method"] for r in table] == ["full_data", "pacing_root"] and table[0]["seeds"] == "2"


def test_unequal_presentations_are_detected(bench: ModuleType) -> None:
    runs = [
        {"dataset": "digits", "seed": 0, "method": "full_data", "presentations": 100},
        {"dataset": "digits", "seed": 0, "method": "ccl", "presentations": 90},
    ]
    with pytest.raises(RuntimeError, match="unequal sample presentations"):
        bench.check_equal_presentations(runs)


def test_benchmark_rejects_unknown_options(bench: ModuleType) -> None:
    with pytest.raises(SystemExit):
        bench.parse_args(["--methods", "ccl,pacing_lin"])
    with pytest.raises(SystemExit):
        bench.parse_args(["--output", "table.txt"])
