"""Data curricula at equal compute: full data vs CCL vs pacing curricula vs anti-curriculum.

For every data set (scikit-learn digits; a generated 4-class set with 20% noisy training labels)
and every seed, a reference MLP is trained normally on the full data to score the samples
(``1 / loss``, higher is easier); then each method trains a fresh MLP of the same architecture
(same initialisation seed across methods) for exactly ``epochs * N`` sample presentations.
Validation accuracy is measured after every epoch (lesson); the table reports the best and the
final one, mean and standard deviation over seeds.

Methods
-------
full_data               every sample every epoch (the baseline)
ccl                     Cyclical Curriculum Learning (Kesgin & Amasyali 2023), reference scores
ccl_self_paced          CCL scored by the model's own latest training losses
pacing_linear           Wu et al. (2021) linear pacing, a=0.8, b=0.2, easiest first
pacing_root             Wu et al. (2021) root pacing, a=0.8, b=0.2, easiest first
fixed_exponential       Hacohen & Weinshall (2019) fixed exponential pacing, p0=0.04, inc=1.9, L=100 batches
anti_curriculum         linear pacing with the hardest samples first
random_curriculum       linear pacing over a random order (the control for the orderings)

Usage::

    python benchmarks/supervised_curricula.py --seeds 5 --epochs 30 --output benchmarks/results/supervised_curricula.md
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from autocurriculum.students.datasets import DataSplit, load_digits_split, make_noisy_classification
from autocurriculum.students.difficulty import reference_scores
from autocurriculum.students.supervised import SupervisedStudent, mlp_factory, train
from autocurriculum.teachers import (
    CyclicalCurriculum,
    FixedExponentialPacing,
    FullData,
    PacingCurriculum,
    SubsetSpace,
    Teacher,
)

METHODS: tuple[str, ...] = (
    "full_data",
    "ccl",
    "ccl_self_paced",
    "pacing_linear",
    "pacing_root",
    "fixed_exponential",
    "anti_curriculum",
    "random_curriculum",
)
DATASETS: tuple[str, ...] = ("digits", "noisy")


@dataclass(frozen=True)
class Config:
    """Benchmark settings (one per command-line option)."""

    seeds: int = 5
    epochs: int = 30
    datasets: tuple[str, ...] = DATASETS
    methods: tuple[str, ...] = METHODS
    n_samples: int = 2000
    label_noise: float = 0.2
    class_sep: float = 1.0
    hidden: int = 128
    batch_size: int = 32
    lr: float = 1e-3


def make_teacher(method: str, space: SubsetSpace, scores: np.ndarray, cfg: Config, seed: int) -> Teacher:
    """The teacher of ``method`` over ``space`` with reference ``scores``."""
    T = float(cfg.epochs)
    if method == "full_data":
        return FullData(space, seed=seed)
    if method == "ccl":
        return CyclicalCurriculum(space, scores=scores, total_epochs=T, seed=seed)
    if method == "ccl_self_paced":
        return CyclicalCurriculum(space, scores=None, total_epochs=T, seed=seed)
    if method == "pacing_linear":
        return PacingCurriculum(space, pacing="linear", scores=scores, total_epochs=T, seed=seed)
    if method == "pacing_root":
        return PacingCurriculum(space, pacing="root", scores=scores, total_epochs=T, seed=seed)
    if method == "fixed_exponential":
        return FixedExponentialPacing(space, scores=scores, batch_size=cfg.batch_size, seed=seed)
    if method == "anti_curriculum":
        return PacingCurriculum(
            space, pacing="linear", scores=scores, ordering="anti_curriculum", total_epochs=T, seed=seed
        )
    if method == "random_curriculum":
        return PacingCurriculum(space, pacing="linear", scores=scores, ordering="random", total_epochs=T, seed=seed)
    raise ValueError(f"method: unknown value {method!r}; allowed: {list(METHODS)}")


def load(name: str, cfg: Config, seed: int) -> DataSplit:
    """The data set ``name`` split with ``seed``."""
    if name == "digits":
        return load_digits_split(seed=seed)
    if name == "noisy":
        return make_noisy_classification(
            n_samples=cfg.n_samples, label_noise=cfg.label_noise, class_sep=cfg.class_sep, seed=seed
        )
    raise ValueError(f"dataset: unknown value {name!r}; allowed: {list(DATASETS)}")


def run(cfg: Config, log: Callable[[str], None] = print) -> list[dict[str, Any]]:
    """Every (data set, seed, method) run; one dict per run."""
    runs: list[dict[str, Any]] = []
    for dataset in cfg.datasets:
        for seed in range(cfg.seeds):
            data = load(dataset, cfg, seed)
            factory = mlp_factory(data.n_features, data.n_classes, hidden=(cfg.hidden,))
            train_xy = (data.X_train, data.y_train)
            student_kw = {"batch_size": cfg.batch_size, "lr": cfg.lr}
            t0 = time.perf_counter()
            scores = reference_scores(factory, train_xy, epochs=cfg.epochs, seed=10_000 + seed, **student_kw)
            log(
                f"[{dataset} seed {seed}] reference model scored {data.n_train} samples in {time.perf_counter() - t0:.1f}s"
            )
            for method in cfg.methods:
                t0 = time.perf_counter()
                student = SupervisedStudent(factory, train_xy, (data.X_val, data.y_val), seed=seed, **student_kw)
                teacher = make_teacher(method, SubsetSpace(data.n_train), scores, cfg, seed)
                result = train(teacher, student, budget=cfg.epochs * data.n_train)
                runs.append(
                    {
                        "dataset": dataset,
                        "method": method,
                        "seed": seed,
                        "best_val_accuracy": result.best_val_accuracy,
                        "final_val_accuracy": result.final_val_accuracy,
                        "presentations": result.presentations,
                        "epochs": len(result.history),
                    }
                )
                log(
                    f"[{dataset} seed {seed}] {method:<18} best {result.best_val_accuracy:.4f} "
                    f"final {result.final_val_accuracy:.4f} epochs {len(result.history):>3} "
                    f"presentations {result.presentations} ({time.perf_counter() - t0:.1f}s)"
                )
    return runs


def summarise(runs: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Mean and standard deviation (ddof=1) of best and final accuracy per (data set, method)."""
    rows = []
    keys = list(dict.fromkeys((r["dataset"], r["method"]) for r in runs))
    for dataset, method in keys:
        group = [r for r in runs if r["dataset"] == dataset and r["method"] == method]
        best = np.array([r["best_val_accuracy"] for r in group])
        final = np.array([r["final_val_accuracy"] for r in group])
        rows.append(
            {
                "dataset": dataset,
                "method": method,
                "seeds": len(group),
                "best_mean": float(best.mean()),
                "best_std": float(best.std(ddof=1)) if len(group) > 1 else 0.0,
                "final_mean": float(final.mean()),
                "final_std": float(final.std(ddof=1)) if len(group) > 1 else 0.0,
                "epochs": float(np.mean([r["epochs"] for r in group])),
                "presentations": int(group[0]["presentations"]),
            }
        )
    return rows


def check_equal_presentations(runs: Sequence[dict[str, Any]]) -> None:
    """Every method of a (data set, seed) spent the same number of sample presentations."""
    for dataset, seed in {(r["dataset"], r["seed"]) for r in runs}:
        spent = {r["method"]: r["presentations"] for r in runs if r["dataset"] == dataset and r["seed"] == seed}
        if len(set(spent.values())) != 1:
            raise RuntimeError(f"unequal sample presentations on {dataset} seed {seed}: {spent}")


def markdown(rows: Sequence[dict[str, Any]], cfg: Config) -> str:
    """The summary as a Markdown table."""
    lines = [
        f"Validation accuracy, mean ± std over {cfg.seeds} seeds, {cfg.epochs} epochs of sample presentations "
        f"(MLP {cfg.hidden} hidden, Adam lr {cfg.lr}, batch {cfg.batch_size}).",
        "",
        "| dataset | method | best val acc | final val acc | epochs (lessons) | presentations |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['dataset']} | {r['method']} | {r['best_mean']:.4f} ± {r['best_std']:.4f} | "
            f"{r['final_mean']:.4f} ± {r['final_std']:.4f} | {r['epochs']:.0f} | {r['presentations']} |"
        )
    return "\n".join(lines) + "\n"


def write_csv(rows: Sequence[dict[str, Any]], path: Path) -> None:
    """The summary as CSV, one row per (data set, method)."""
    with path.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def parse_args(argv: Sequence[str] | None) -> tuple[Config, Path | None]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=5, help="number of seeds (default 5)")
    parser.add_argument("--epochs", type=int, default=30, help="budget T in full-data epochs (default 30)")
    parser.add_argument("--datasets", default=",".join(DATASETS), help=f"comma-separated, from {list(DATASETS)}")
    parser.add_argument("--methods", default=",".join(METHODS), help=f"comma-separated, from {list(METHODS)}")
    parser.add_argument("--n-samples", type=int, default=2000, help="size of the generated noisy set")
    parser.add_argument("--label-noise", type=float, default=0.2, help="fraction of noisy training labels")
    parser.add_argument("--class-sep", type=float, default=1.0, help="class separation of the generated set")
    parser.add_argument("--hidden", type=int, default=128, help="hidden units of the MLP")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--output", type=Path, default=None, help="write the table to a .md or .csv file")
    args = parser.parse_args(argv)
    datasets = tuple(d for d in args.datasets.split(",") if d)
    methods = tuple(m for m in args.methods.split(",") if m)
    for name, values, allowed in (("--datasets", datasets, DATASETS), ("--methods", methods, METHODS)):
        unknown = [v for v in values if v not in allowed]
        if unknown or not values:
            parser.error(f"{name}: unknown or empty {unknown or values!r}; allowed: {list(allowed)}")
    if args.seeds < 1 or args.epochs < 1:
        parser.error(f"--seeds and --epochs must be >= 1, got {args.seeds} and {args.epochs}")
    if args.output is not None and args.output.suffix not in (".md", ".csv"):
        parser.error(f"--output: got {str(args.output)!r}; allowed: a path ending in .md or .csv")
    cfg = Config(
        seeds=args.seeds,
        epochs=args.epochs,
        datasets=datasets,
        methods=methods,
        n_samples=args.n_samples,
        label_noise=args.label_noise,
        class_sep=args.class_sep,
        hidden=args.hidden,
        batch_size=args.batch_size,
        lr=args.lr,
    )
    return cfg, args.output


def main(argv: Sequence[str] | None = None, log: Callable[[str], None] = print) -> list[dict[str, Any]]:
    """Run the benchmark, print the table, optionally write it; return the summary rows."""
    torch.set_num_threads(1)
    cfg, output = parse_args(argv)
    t0 = time.perf_counter()
    runs = run(cfg, log)
    check_equal_presentations(runs)
    rows = summarise(runs)
    table = markdown(rows, cfg)
    print(table)
    print(f"total time {time.perf_counter() - t0:.0f}s")
    if output is not None:
        output.parent.mkdir(parents=True, exist_ok=True)
        if output.suffix == ".csv":
            write_csv(rows, output)
        else:
            output.write_text(table)
        print(f"wrote {output}")
    return rows


if __name__ == "__main__":
    main(sys.argv[1:])
