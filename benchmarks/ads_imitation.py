"""Imitation from observation on Waypoints: SAC with OT rewards, fixed discount against ADS.

Liu et al. (ICLR 2024) show that proxy rewards for the expert's later steps can keep an imitator
from learning the earlier ones, and that Automatic Discount Scheduling (ADS) fixes it. Here the
expert (a scripted controller) visits three waypoints in order on one Waypoints task; the
learner, SAC, never sees the environment's reward: it gets optimal-transport rewards against 10
expert observation sequences (:class:`~autocurriculum.students.imitation.OTRewarder`). Two conditions:

* ``fixed``: discount 0.99 throughout (the paper's baseline);
* ``ads``: the discount of :class:`~autocurriculum.teachers.ads.ADS` (paper defaults), updated every
  ``--discount-every`` steps from 10 deterministic episodes.

Printed: the success rate (all three waypoints visited in order) and the mean number visited
over 10 evaluation episodes, every ``--eval-every`` steps, mean +- std over seeds, and ADS's
final progress. The default task ``[0.6, 2.0]`` turns back towards the start, so the expert
ends its episode hovering near where it began: matching that end is a cheap, misleading reward
until the first waypoints are learnt.

Usage::

    python benchmarks/ads_imitation.py --seeds 0 1 2 --steps 30000
    python benchmarks/ads_imitation.py --summarize --output benchmarks/results/ads_imitation.md
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import autocurriculum.environments  # noqa: E402
from autocurriculum.environments.waypoints import expert_demonstrations  # noqa: E402
from autocurriculum.students.imitation import OTRewarder  # noqa: E402
from autocurriculum.students.sb3 import SACStudent  # noqa: E402
from autocurriculum.teachers import ADS, Random, discount_space  # noqa: E402
from benchmarks.runs import add_arguments, emit, finished_runs, run_all  # noqa: E402

RUNS_DIR = Path(__file__).resolve().parent / "results" / "ads_imitation_runs"
CONDITIONS = ("fixed", "ads")


def run_one(condition: str, seed: int, args: argparse.Namespace) -> dict[str, Any]:
    """Train one SAC imitator; return its evaluation history and ADS's schedule."""
    import torch

    torch.set_num_threads(1)
    task = list(args.task)
    demos = expert_demonstrations(task, args.demos, seed=1000)
    ads = ADS(discount_space(), demos, seed=seed) if condition == "ads" else None
    student = SACStudent(
        autocurriculum.environments.WAYPOINTS_ID,
        n_envs=1,
        vec_env="dummy",
        test_tasks=[task] * 10,
        mastery_threshold=2.5,  # all three waypoints
        eval_every=args.eval_every,
        n_eval_envs=10,
        imitation=OTRewarder(demos),
        discount_teacher=ads,
        discount_every=args.discount_every if ads is not None else None,
        discount_tasks=[task] * 10 if ads is not None else None,
        algo_kwargs={
            "learning_rate": 3e-4,
            "batch_size": 256,
            "buffer_size": 200_000,
            "learning_starts": 1000,
            "gamma": 0.99,
            "policy_kwargs": {"net_arch": [256, 256]},
        },
        seed=seed,
    )
    teacher = Random(student.task_space, initial_mean=task, initial_std=0.0, seed=seed)  # the one task
    t0 = time.perf_counter()
    student.learn(teacher, args.steps)
    if not student.history or student.history[-1]["step"] != student.progress:
        student.evaluate()
    out = {
        "condition": condition,
        "seed": seed,
        "steps": student.progress,
        "wall_seconds": time.perf_counter() - t0,
        "history": [
            {"step": h["step"], "success": h["mastered_percent"], "visited": h["mean_return"]} for h in student.history
        ],
        "discount": student.discount_history,
        "config": {k: v for k, v in vars(args).items() if k not in ("output", "runs_dir")},
    }
    student.close()
    return out


def summarize(runs: list[dict[str, Any]]) -> str:
    """Markdown: success % and waypoints visited per evaluation step, per condition."""
    steps = sorted({int(h["step"]) for r in runs for h in r["history"]})
    rows = [["condition", "seeds", *[f"{s / 1000:g}k" for s in steps], "final visited", "ADS final k (gamma)"]]
    for condition in CONDITIONS:
        rs = [r for r in runs if r["condition"] == condition]
        if not rs:
            continue
        row = [condition, str(len(rs))]
        for s in steps:
            vals = [h["success"] for r in rs for h in r["history"] if int(h["step"]) == s]
            row.append(f"{np.mean(vals):.0f} +- {np.std(vals):.0f}" if vals else "-")
        visited = [r["history"][-1]["visited"] for r in rs]
        row.append(f"{np.mean(visited):.2f} +- {np.std(visited):.2f}")
        finals = [r["discount"][-1] for r in rs if r["discount"]]
        row.append(", ".join(f"{d['progress']:.0f} ({d['gamma']:.3f})" for d in finals) if finals else "- (0.990)")
        rows.append(row)
    lines = ["| " + " | ".join(r) + " |" for r in rows]
    lines.insert(1, "|" + "---|" * len(rows[0]))
    cfg = runs[0]["config"]
    walls = ", ".join(f"{r['condition']}/{r['seed']}: {r['wall_seconds'] / 60:.1f} min" for r in runs)
    notes = (
        f"\n\nSuccess: % of 10 evaluation episodes (deterministic policy) visiting all three waypoints in order, "
        f"mean +- std over seeds; task {cfg['task']}, {cfg['demos']} expert demonstrations, SAC (256-256, batch 256) "
        f"on OT rewards; ADS updated every {cfg['discount_every']} steps. Wall time per run: {walls}. "
        f"Machine: {platform.processor() or platform.machine()}, python {platform.python_version()}."
    )
    return "\n".join(lines) + notes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--conditions", nargs="+", choices=CONDITIONS, default=list(CONDITIONS))
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--steps", type=int, default=30_000)
    parser.add_argument("--eval-every", type=int, default=5_000)
    parser.add_argument("--discount-every", type=int, default=2_000)
    parser.add_argument("--task", nargs=2, type=float, default=[0.6, 2.0])
    parser.add_argument("--demos", type=int, default=10)
    add_arguments(parser, RUNS_DIR)
    args = parser.parse_args(argv)

    if not args.summarize:

        def describe(result: dict[str, Any]) -> str:
            last = result["history"][-1]
            return (
                f"{last['success']:.0f}% success, {last['visited']:.2f} visited after {result['steps']} steps "
                f"in {result['wall_seconds'] / 60:.1f} min"
            )

        run_all(args.runs_dir, args.conditions, args.seeds, lambda c, s: run_one(c, s, args), describe)
    runs = finished_runs(args.runs_dir, "condition", args.conditions)
    if not runs:
        print(f"no finished runs in {args.runs_dir}")
        return 1
    emit(summarize(runs), args.output)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
