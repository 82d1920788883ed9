"""Aggregate runs into tables and plots, with the statistics of Agarwal et al. (NeurIPS 2021).

For every evaluated metric:

* over steps, per teacher: mean +- std across seeds, with the number of seeds in every cell;
* at the last step all of a teacher's runs reached: mean +- std, the interquartile mean (IQM)
  with a 95 % stratified bootstrap confidence interval, and the probability of improvement
  ``P(X > Y)`` of every teacher over every other with its interval (``rliable``: Agarwal,
  Schwarzer, Castro, Courville & Bellemare, "Deep Reinforcement Learning at the Edge of the
  Statistical Precipice", NeurIPS 2021; one task, runs as the stratum);
* a plot of the IQM and its 95 % interval over steps (PNG and SVG, matplotlib).

Runs are identified by (teacher label, seed): the same run found twice (two copies of an
experiment directory) is counted once, with a warning. When an experiment directory holds an
``experiment.yaml``, runs it names that are missing or unfinished are reported in a warning.
"""

from __future__ import annotations

import csv
import io
import json
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from autocurriculum.experiments.config import ConfigError, parse_config
from autocurriculum.experiments.rundir import EXPERIMENT_CONFIG
from autocurriculum.experiments.runner import (
    EVALS,
    RUN_CONFIG,
    SUMMARY,
    find_run_dirs,
    read_evals,
    read_run_config,
    read_yaml,
)

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["Report", "build_report", "interval_estimates", "probability_of_improvement"]

#: Bootstrap resamples of the intervals (rliable's default is 50,000; 2,000 gives stable 95 % bounds
#: to about two digits for the seed counts of these experiments).
BOOTSTRAP_REPS = 2000
CONFIDENCE = 0.95


def _rliable() -> tuple[Any, Any]:
    try:
        from rliable import library, metrics
    except ImportError as e:  # pragma: no cover - rliable is an install requirement
        raise ImportError(f"report statistics need rliable: pip install 'rliable>=1.2' ({e})") from e
    return library, metrics


def _bootstrap(library: Any, data: dict[str, Any], func: Any, reps: int, seed: int) -> tuple[dict, dict]:
    with warnings.catch_warnings():  # arch's notice that rliable passes a RandomState
        warnings.filterwarnings("ignore", message="random_state is deprecated", category=FutureWarning)
        return library.get_interval_estimates(
            data, func, reps=reps, confidence_interval_size=CONFIDENCE, random_state=np.random.RandomState(seed)
        )


def interval_estimates(scores: np.ndarray, *, reps: int = BOOTSTRAP_REPS, seed: int = 0) -> dict[str, float]:
    """IQM and mean of ``scores`` (one per run) with 95 % stratified bootstrap intervals (rliable)."""
    library, metrics = _rliable()
    data = {"x": np.asarray(scores, dtype=np.float64).reshape(-1, 1)}

    def aggregate(x: np.ndarray) -> np.ndarray:
        return np.array([metrics.aggregate_iqm(x), metrics.aggregate_mean(x)])

    point, ci = _bootstrap(library, data, aggregate, reps, seed)
    (iqm, mean), ((iqm_lo, mean_lo), (iqm_hi, mean_hi)) = point["x"], ci["x"]
    return {"iqm": iqm, "iqm_low": iqm_lo, "iqm_high": iqm_hi, "mean": mean, "mean_low": mean_lo, "mean_high": mean_hi}


def probability_of_improvement(
    x: np.ndarray, y: np.ndarray, *, reps: int = BOOTSTRAP_REPS, seed: int = 0
) -> tuple[float, float, float]:
    """``P(X > Y)`` (ties count half) of runs ``x`` over runs ``y``, with its 95 % bootstrap interval."""
    library, metrics = _rliable()
    pair = (np.asarray(x, dtype=np.float64).reshape(-1, 1), np.asarray(y, dtype=np.float64).reshape(-1, 1))
    point, ci = _bootstrap(library, {"xy": pair}, metrics.probability_of_improvement, reps, seed)
    low, high = np.ravel(ci["xy"])
    return float(point["xy"]), float(low), float(high)


@dataclass
class Group:
    """One teacher's runs: the steps all of them reached, metric -> (seeds, steps) values, seeds."""

    steps: list[int]
    values: dict[str, np.ndarray]
    seeds: list[int]


@dataclass
class Report:
    """Per teacher label, the evaluations of its runs at the steps they all reached."""

    unit: str
    groups: dict[str, Group]
    warnings: list[str] = field(default_factory=list)
    reps: int = BOOTSTRAP_REPS

    def metrics(self) -> list[str]:
        names: list[str] = []
        for group in self.groups.values():
            names += [m for m in group.values if m not in names]
        return names

    def _labels(self, metric: str) -> list[str]:
        return [label for label, g in self.groups.items() if metric in g.values and g.steps]

    def rows(self, metric: str) -> list[list[str]]:
        """Mean +- std over seeds at every step, ``(n=...)`` in every cell."""
        labels = self._labels(metric)
        steps = sorted({s for label in labels for s in self.groups[label].steps})
        rows = [[self.unit, *labels]]
        for step in steps:
            row = [f"{step:,}"]
            for label in labels:
                g = self.groups[label]
                if step in g.steps:
                    col = g.values[metric][:, g.steps.index(step)]
                    row.append(f"{col.mean():.2f} ± {col.std():.2f} (n={len(col)})")
                else:
                    row.append("")
            rows.append(row)
        return rows

    def final(self, metric: str) -> dict[str, dict[str, float]]:
        """Per teacher at its last common step: n, step, mean, std, IQM and 95 % intervals."""
        out = {}
        for label in self._labels(metric):
            g = self.groups[label]
            col = g.values[metric][:, -1]
            out[label] = {
                "n": len(col),
                "step": g.steps[-1],
                "std": float(col.std()),
                **interval_estimates(col, reps=self.reps),
            }
        return out

    def improvements(self, metric: str) -> list[tuple[str, str, float, float, float]]:
        """``(x, y, P(X > Y), low, high)`` for every ordered pair of teachers, at their last steps."""
        labels = self._labels(metric)
        out = []
        for a in labels:
            for b in labels:
                if a != b:
                    x, y = self.groups[a].values[metric][:, -1], self.groups[b].values[metric][:, -1]
                    out.append((a, b, *probability_of_improvement(x, y, reps=self.reps)))
        return out

    def markdown(self) -> str:
        parts = []
        if self.warnings:
            parts.append("\n".join(f"> warning: {w}" for w in self.warnings))
        for metric in self.metrics():
            final = self.final(metric)
            lines = [
                f"### {metric}: last evaluation ({CONFIDENCE:.0%} stratified bootstrap intervals, Agarwal et al. 2021)",
                "",
                f"| teacher | n seeds | {self.unit} | mean ± std | IQM [95% CI] |",
                "|---|---|---|---|---|",
            ]
            for label, f in final.items():
                lines.append(
                    f"| {label} | {f['n']} | {f['step']:,} | {f['mean']:.2f} ± {f['std']:.2f} "
                    f"| {f['iqm']:.2f} [{f['iqm_low']:.2f}, {f['iqm_high']:.2f}] |"
                )
            pairs = self.improvements(metric)
            if pairs:
                lines += ["", "| P(X > Y) | Y | P [95% CI] |", "|---|---|---|"]
                lines += [f"| {a} | {b} | {p:.2f} [{lo:.2f}, {hi:.2f}] |" for a, b, p, lo, hi in pairs]
            rows = self.rows(metric)
            lines += ["", f"{metric} over {self.unit} (mean ± std over seeds, n = seeds):", ""]
            lines += ["| " + " | ".join(rows[0]) + " |", "|" + "---|" * len(rows[0])]
            lines += ["| " + " | ".join(r) + " |" for r in rows[1:]]
            parts.append("\n".join(lines))
        return "\n\n".join(parts) + "\n"

    def csv(self) -> str:
        buf = io.StringIO()
        w = csv.writer(buf)
        w.writerow(["metric", "teacher", self.unit, "mean", "std", "n_seeds"])
        for metric in self.metrics():
            for label in self._labels(metric):
                g = self.groups[label]
                for i, step in enumerate(g.steps):
                    col = g.values[metric][:, i]
                    w.writerow([metric, label, step, f"{col.mean():.6g}", f"{col.std():.6g}", len(col)])
        return buf.getvalue()

    def figure(self, metric: str) -> Figure:
        """IQM and its 95 % interval over steps, one line per teacher (matplotlib)."""
        from autocurriculum.experiments.plots import learning_curves_figure

        curves = {}
        for label in self._labels(metric):
            g = self.groups[label]
            stats = [interval_estimates(g.values[metric][:, i], reps=self.reps) for i in range(len(g.steps))]
            curves[f"{label} ({len(g.seeds)} seeds)"] = (
                g.steps,
                [s["iqm"] for s in stats],
                [s["iqm_low"] for s in stats],
                [s["iqm_high"] for s in stats],
            )
        return learning_curves_figure(
            curves, title=f"{metric}: IQM and 95% CI over seeds", x_label=self.unit, y_label=metric
        )


def _expected_runs(experiment_dir: Path) -> tuple[set[tuple[str, int]], int] | None:
    """The (teacher label, seed) pairs and the budget that ``experiment.yaml`` asks for, if there is one."""
    path = experiment_dir / EXPERIMENT_CONFIG
    if not path.is_file():
        return None
    config = parse_config(read_yaml(path), source=str(path))
    return {(t.label, seed) for t in config.teachers for seed in config.seeds}, config.budget


def build_report(paths: list[Path], *, reps: int = BOOTSTRAP_REPS) -> Report:
    """Read ``run.yaml`` and ``eval.jsonl`` of every run under ``paths`` (run or experiment dirs).

    Each (teacher label, seed) counts once; missing, unfinished and duplicate runs are listed in
    :attr:`Report.warnings` and emitted as :class:`UserWarning`.
    """
    runs: dict[tuple[str, int], tuple[Path, list[dict[str, Any]]]] = {}
    notes: list[str] = []
    unit = "steps"
    budgets: dict[tuple[str, int], int] = {}
    expected: set[tuple[str, int]] = set()
    seen_dirs: set[Path] = set()
    found: set[tuple[str, int]] = set()
    for path in paths:
        path = Path(path)
        exp = _expected_runs(path)
        if exp is not None:
            expected |= exp[0]
            budgets.update(dict.fromkeys(exp[0], exp[1]))
        for run_dir in find_run_dirs(path, owned=False):
            if run_dir.resolve() in seen_dirs:
                continue
            seen_dirs.add(run_dir.resolve())
            config = read_run_config(run_dir / RUN_CONFIG)
            key = (config["teacher"]["label"], int(config["seed"]))
            found.add(key)
            budgets.setdefault(key, int(config.get("budget", 0)))
            if key in runs:
                notes.append(
                    f"{run_dir} is teacher {key[0]!r} seed {key[1]} again (already read from {runs[key][0]}); counted once"
                )
                continue
            evals_path = run_dir / EVALS
            evals = []
            if evals_path.is_file():  # a cut last line (an interrupted write) is left out with a note
                evals = read_evals(evals_path, lambda message: notes.append(message.removeprefix("warning: ")))
            if not evals:
                notes.append(f"teacher {key[0]!r} seed {key[1]} ({run_dir}) has no evaluation yet; left out")
                continue
            summary = run_dir / SUMMARY
            if summary.is_file():
                unit = json.loads(summary.read_text()).get("unit", unit)
            else:
                notes.append(
                    f"teacher {key[0]!r} seed {key[1]} is unfinished: last evaluation at {int(evals[-1]['step']):,} "
                    f"of {budgets[key]:,}"
                )
            runs[key] = (run_dir, evals)
    missing = sorted(expected - found)
    if missing:
        notes.append("missing runs (in experiment.yaml, no run directory): " + ", ".join(f"{t} seed {s}" for t, s in missing))
    if not runs:
        raise ConfigError(f"report: no evaluations found under {[str(p) for p in paths]}")
    by_label: dict[str, list[tuple[int, list[dict[str, Any]]]]] = {}
    for (label, seed), (_, evals) in runs.items():
        by_label.setdefault(label, []).append((seed, evals))
    groups = {}
    for label, items in by_label.items():
        items.sort()
        common = sorted(set.intersection(*(set(int(e["step"]) for e in evals) for _, evals in items)))
        metric_names = [k for k in items[0][1][0] if k not in ("step", "wall_time")]
        values = {}
        for m in metric_names:
            table = []
            for _, evals in items:
                by_step = {int(e["step"]): float(e[m]) for e in evals if m in e}
                table.append([by_step[s] for s in common if s in by_step])
            if all(len(r) == len(common) for r in table):
                values[m] = np.array(table, dtype=np.float64).reshape(len(items), len(common))
        groups[label] = Group(common, values, [seed for seed, _ in items])
    for note in notes:
        warnings.warn(f"report: {note}", UserWarning, stacklevel=2)
    return Report(unit=unit, groups=groups, warnings=notes, reps=reps)
