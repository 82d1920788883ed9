"""Smoke test of benchmarks/teacher_fuzz.py: every malformed input gets a clear error."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    path = ROOT / "benchmarks" / "teacher_fuzz.py"
    spec = importlib.util.spec_from_file_location("teacher_fuzz_benchmark", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_the_table_counts_no_opaque_error_no_silent_acceptance(bench: ModuleType, tmp_path: Path) -> None:
    out = tmp_path / "fuzz.md"
    assert bench.main(["--steps", "15", "--output", str(out)]) == 0
    lines = out.read_text().splitlines()
    header = [c.strip() for c in lines[0].strip("|").split("|")]
    rows = {r.strip("|").split("|")[0].strip(): [c.strip() for c in r.strip("|").split("|")] for r in lines[2:]}
    assert len(rows) == 13  # the 12 built-in teachers and the total
    total = dict(zip(header, rows["**total**"], strict=True))
    assert int(total["inputs"]) > 2000
    assert total["opaque error"] == total["silently accepted"] == total["changed by a failed load"] == "0"
    assert int(total["clear error"]) + int(total["accepted by rule"]) + int(total["compatible"]) == int(total["inputs"])


def test_classify(bench: ModuleType) -> None:
    def raise_(exc: Exception) -> None:
        raise exc

    assert bench.classify(lambda: raise_(ValueError("feedback.score: got nan")), "feedback.score") == "clear"
    assert bench.classify(lambda: raise_(ValueError("could not convert")), "feedback.score") == "opaque"
    assert bench.classify(lambda: raise_(KeyError("score")), "score") == "opaque"
    assert bench.classify(lambda: None, "score") == "accepted"
