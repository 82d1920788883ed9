"""Aggregate runs into tables (mean and spread across seeds over steps) and a plot."""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from autocurriculum.experiments.config import ConfigError
from autocurriculum.experiments.plots import learning_curves_svg
from autocurriculum.experiments.runner import EVALS, RUN_CONFIG, find_run_dirs, read_evals, read_run_config

__all__ = ["Report", "build_report"]


@dataclass
class Report:
    """Per teacher label: steps and per-metric arrays of shape (seeds, steps)."""

    unit: str
    groups: dict[str, tuple[list[int], dict[str, np.ndarray], list[int]]]  # label -> (steps, metric -> values, seeds)

    def metrics(self) -> list[str]:
        names: list[str] = []
        for _, values, _ in self.groups.values():
            names += [m for m in values if m not in names]
        return names

    def rows(self, metric: str) -> list[list[str]]:
        labels = [label for label, (_, values, _) in self.groups.items() if metric in values]
        steps = sorted({s for label in labels for s in self.groups[label][0]})
        header = [self.unit, *[f"{label} (n={len(self.groups[label][2])})" for label in labels]]
        rows = [header]
        for step in steps:
            row = [str(step)]
            for label in labels:
                group_steps, values, _ = self.groups[label]
                if step in group_steps:
                    col = values[metric][:, group_steps.index(step)]
                    row.append(f"{col.mean():.2f} ± {col.std():.2f}")
                else:
                    row.append("")
            rows.append(row)
        return rows

    def markdown(self) -> str:
        parts = []
        for metric in self.metrics():
            rows = self.rows(metric)
            lines = ["| " + " | ".join(rows[0]) + " |", "|" + "---|" * len(rows[0])]
            lines += ["| " + " | ".join(r) + " |" for r in rows[1:]]
            parts.append(f"### {metric} (mean ± std over seeds)\n\n" + "\n".join(lines))
        return "\n\n".join(parts) + "\n"

    def csv(self) -> str:
        buf = io.StringIO()
        w = csv.writer(buf)
        w.writerow(["metric", "teacher", self.unit, "mean", "std", "n_seeds"])
        for metric in self.metrics():
            for label, (steps, values, seeds) in self.groups.items():
                if metric in values:
                    for i, step in enumerate(steps):
                        col = values[metric][:, i]
                        w.writerow([metric, label, step, f"{col.mean():.6g}", f"{col.std():.6g}", len(seeds)])
        return buf.getvalue()

    def svg(self, metric: str) -> str:
        curves = {}
        for label, (steps, values, seeds) in self.groups.items():
            if metric in values:
                curves[f"{label} ({len(seeds)} seeds)"] = (
                    steps,
                    values[metric].mean(axis=0),
                    values[metric].std(axis=0),
                )
        return learning_curves_svg(curves, title=f"{metric}: mean ± std over seeds", x_label=self.unit, y_label=metric)


def _warn(message: str) -> None:
    print(message, file=sys.stderr)


def build_report(paths: list[Path], warn: Callable[[str], None] = _warn) -> Report:
    """Read ``run.yaml`` and ``eval.jsonl`` of every run under ``paths`` (run or experiment dirs)."""
    runs: dict[str, list[tuple[int, list[dict[str, float]]]]] = {}
    unit = "steps"
    for path in paths:
        for run_dir in find_run_dirs(Path(path), owned=False):
            config = read_run_config(run_dir / RUN_CONFIG)
            label = config["teacher"]["label"]
            evals_path = run_dir / EVALS
            if not evals_path.is_file():
                continue
            evals = read_evals(evals_path, warn)
            summary = run_dir / "summary.json"
            if summary.is_file():
                unit = json.loads(summary.read_text()).get("unit", unit)
            runs.setdefault(label, []).append((int(config["seed"]), evals))
    if not runs:
        raise ConfigError(f"report: no evaluations found under {[str(p) for p in paths]}")
    groups = {}
    for label, items in runs.items():
        common = sorted(set.intersection(*(set(int(e["step"]) for e in evals) for _, evals in items)))
        metric_names = [k for k in items[0][1][0] if k not in ("step", "wall_time")] if items[0][1] else []
        values = {}
        for m in metric_names:
            table = []
            for _, evals in items:
                by_step = {int(e["step"]): float(e[m]) for e in evals if m in e}
                table.append([by_step[s] for s in common if s in by_step])
            if all(len(r) == len(common) for r in table):
                values[m] = np.array(table, dtype=np.float64).reshape(len(items), len(common))
        groups[label] = (common, values, sorted(seed for seed, _ in items))
    return Report(unit=unit, groups=groups)
