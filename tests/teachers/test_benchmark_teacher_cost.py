"""Smoke test of benchmarks/teacher_cost.py: one row per checkpoint, both feedbacks, both refit modes."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    path = ROOT / "benchmarks" / "teacher_cost.py"
    spec = importlib.util.spec_from_file_location("teacher_cost_benchmark", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(("feedback", "refit"), [("grid", "sync"), ("synthetic", "background")])
def test_the_table_has_a_row_per_teacher_and_dimension(
    bench: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, feedback: str, refit: str
) -> None:
    monkeypatch.setattr(bench, "CHECKPOINTS", (200, 400, 10_000))
    out = tmp_path / "cost.md"
    argv = ["--teachers", "alp_gmm", "riac", "--dims", "2", "3", "--episodes", "400", "--feedback", feedback]
    assert bench.main([*argv, "--refit", refit, "--output", str(out)]) == 0
    table = [line for line in out.read_text().splitlines() if line.startswith("| ")]
    rows = [[c.strip() for c in line.strip("|").split("|")] for line in table[1:]]
    assert [(r[0], r[1], r[2]) for r in rows] == [
        (t, d, h) for t in ("alp_gmm", "riac") for d in ("2", "3") for h in ("200", "400")
    ]
    assert all(float(r[3]) > 0 for r in rows)
    assert f"refit={refit}" in out.read_text()
