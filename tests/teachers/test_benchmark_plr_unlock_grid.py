"""Tiny-budget smoke test of benchmarks/plr_unlock_grid.py (runs in about a second)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from autocurriculum.environments.unlock_grid import UnlockGrid

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    path = ROOT / "benchmarks" / "plr_unlock_grid.py"
    spec = importlib.util.spec_from_file_location("plr_unlock_grid_benchmark", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_regret_proxy(bench: ModuleType) -> None:
    grid = UnlockGrid(2, 4)
    assert bench.regret_proxy(grid, (0, 0)) == 1.0  # the origin is always unlocked
    assert bench.regret_proxy(grid, (1, 1)) == 0.0  # locked
    for _ in range(30):
        grid.play([0.0, 0.0])
    assert bench.regret_proxy(grid, (0, 0)) == pytest.approx(0.7)


def test_untrained_lessons_do_not_teach_the_grid(bench: ModuleType) -> None:
    grid = UnlockGrid(2, 4)
    teacher = bench.build("plr:accel", grid, seed=0)
    mastered, share, us = bench.run(teacher, grid, 600, 200)
    assert len(mastered) == 3 and 0.0 < share < 1.0 and us > 0.0
    assert grid.n_episodes == round(share * 600)  # only train=True lessons were played


def test_main_writes_the_tables(bench: ModuleType, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "plr.md"
    args = ["--teachers", "random", "plr:robust_plr", "--seeds", "1", "--episodes", "400"]
    assert bench.main([*args, "--report-every", "200", "--d", "2", "--n", "4", "--output", str(out)]) == 0
    text = out.read_text()
    assert "plr:robust_plr (% mastered)" in text and "| 400 |" in text
    assert text in capsys.readouterr().out + "\n"
