"""What the multi-run benchmark scripts share: one JSON file per finished run, and the table.

A script trains one run per (group, seed), where a group is a teacher or a condition, writes
each finished run to ``--runs-dir`` as JSON (so that runs in several processes, or sessions, add
up), and summarises every finished run of the requested groups into a Markdown table, printed
and optionally written to ``--output``.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

__all__ = ["add_arguments", "emit", "finished_runs", "run_all"]


def add_arguments(parser: argparse.ArgumentParser, runs_dir: Path) -> None:
    """``--runs-dir``, ``--summarize`` and ``--output``."""
    parser.add_argument("--runs-dir", type=Path, default=runs_dir, help="one JSON file per finished run")
    parser.add_argument("--summarize", action="store_true", help="only print the table of the finished runs")
    parser.add_argument("--output", type=Path, help="also write the Markdown table to this file")


def run_all(
    runs_dir: Path,
    groups: Sequence[str],
    seeds: Sequence[int],
    run_one: Callable[[str, int], dict[str, Any]],
    describe: Callable[[dict[str, Any]], str],
) -> None:
    """Train every (group, seed) in turn; save each run as ``<group>_seed<seed>_<steps>.json``."""
    runs_dir.mkdir(parents=True, exist_ok=True)
    for group in groups:
        for seed in seeds:
            result = run_one(group, seed)
            (runs_dir / f"{group}_seed{seed}_{result['steps']}.json").write_text(json.dumps(result, indent=1))
            print(f"{group} seed {seed}: {describe(result)}", flush=True)


def finished_runs(runs_dir: Path, key: str, groups: Sequence[str]) -> list[dict[str, Any]]:
    """The saved runs whose ``key`` (``"teacher"``, ``"condition"``) is one of ``groups``."""
    runs = [json.loads(p.read_text()) for p in sorted(runs_dir.glob("*.json"))]
    return [r for r in runs if r[key] in groups]


def emit(table: str, output: Path | None) -> None:
    """Print ``table`` and, with ``output``, write it there."""
    print(table)
    if output:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(table + "\n")
