"""Imitation from observation: SAC on OT rewards with a fixed discount, with ADS, and on half demonstrations.

Liu et al. (ICLR 2024) show that proxy rewards for the expert's later steps can keep an imitator
from learning the earlier ones, and that Automatic Discount Scheduling (ADS) fixes it. The
learner, SAC with 3-step targets (the paper's learner uses 3), never sees the environment's
reward: it gets optimal-transport rewards against 10 expert observation sequences
(:class:`~autocurriculum.students.imitation.OTRewarder`). Three conditions:

* ``fixed``: discount 0.99 throughout (the paper's baseline);
* ``ads``: the discount of :class:`~autocurriculum.teachers.ads.ADS` (paper defaults), updated every
  ``--discount-every`` steps from 10 deterministic episodes on their own random tasks;
* ``half``: discount 0.99, OT rewards against the first half of each demonstration only (the
  paper's diagnostic: does the learner pick up the early behaviour when nothing later lures it?).

Environments (``--env``):

* ``fetch_deliver`` (default): :mod:`~autocurriculum.environments.fetch_deliver`, pick up an object
  behind the start, carry it to a goal far ahead; demonstrations from the scripted expert at a
  pace drawn from [0.6, 1] on 10 random tasks; training on random tasks; OT cost and recognizer
  on the position and the object's position at weight 0.1 (Euclidean). Printed: delivery %
  (success) and pick-up % over the 10 test tasks.
* ``waypoints``: the three-waypoint task (one task, one deterministic expert), position-only
  features for the recognizer and the cost.
* ``metaworld``: a Meta-World v3 task (``--mw-task``, default ``basketball-v3``) from states through
  :mod:`~autocurriculum.environments.metaworld_env` (``pip install autocurriculum[metaworld]``),
  demonstrations from Meta-World's scripted policy on 10 random goals, episodes of
  ``--mw-steps`` steps with action repeat 2 (the paper's), success = Meta-World's ``success``.

Printed: success % over the evaluation steps (mean +- std over seeds), ADS's progress ``k`` and
discount over training, the wall time per run, and ADS's own cost (its updates, as a share of
the wall time; the evaluation episodes it reads are counted apart).

Usage::

    python benchmarks/ads_imitation.py --env fetch_deliver --seeds 0 1 2 3 4 --steps 30000
    python benchmarks/ads_imitation.py --env fetch_deliver --summarize --output benchmarks/results/ads_fetch_deliver.md
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
from autocurriculum.students.imitation import OTRewarder  # noqa: E402
from autocurriculum.students.sb3 import SACStudent  # noqa: E402
from autocurriculum.teachers import ADS, Random, discount_space  # noqa: E402
from benchmarks.runs import add_arguments, emit, finished_runs, run_all  # noqa: E402

RUNS_DIR = Path(__file__).resolve().parent / "results" / "ads_imitation_runs"
CONDITIONS = ("fixed", "ads", "half")
ENVS = ("fetch_deliver", "waypoints", "metaworld")


class TimedADS(ADS):
    """ADS whose updates are timed (the teacher's own cost, without the episodes it reads)."""

    update_seconds = 0.0

    def _update(self, lesson: Any, feedback: Any) -> None:
        t0 = time.perf_counter()
        super()._update(lesson, feedback)
        self.update_seconds += time.perf_counter() - t0


def setting(args: argparse.Namespace) -> dict[str, Any]:
    """The environment, demonstrations, features, tasks and thresholds of ``args.env``."""
    if args.env == "fetch_deliver":
        from autocurriculum.environments.demonstrations import record_demonstrations
        from autocurriculum.environments.fetch_deliver import (
            FETCH_DELIVER_ID,
            LURE_FEATURES,
            expert_policy,
            fetch_deliver_task_space,
        )

        space = fetch_deliver_task_space()
        demos = record_demonstrations(FETCH_DELIVER_ID, expert_policy(0.6, 1.0), args.demos, seed=1000, successful_only=True)
        return {
            "env": FETCH_DELIVER_ID,
            "env_kwargs": None,
            "demos": demos,
            "features": LURE_FEATURES,
            "cost": "euclidean",
            "test_tasks": [space.sample(np.random.default_rng(2000 + i)) for i in range(10)],
            "discount_tasks": [space.sample(np.random.default_rng(3000 + i)) for i in range(10)],
            "teacher": lambda student, seed: Random(student.task_space, seed=seed),
            "mastery_threshold": 0.75,  # delivered (0.5 for the pick-up, 0.5 for the delivery)
            "stage_threshold": 0.25,  # picked up
        }
    if args.env == "waypoints":
        from autocurriculum.environments.waypoints import expert_demonstrations

        task = [0.6, 2.0]
        return {
            "env": autocurriculum.environments.WAYPOINTS_ID,
            "env_kwargs": None,
            "demos": expert_demonstrations(task, args.demos, seed=1000),
            "features": [0, 1],
            "cost": "euclidean",
            "test_tasks": [task] * 10,
            "discount_tasks": [task] * 10,
            "teacher": lambda student, seed: Random(student.task_space, initial_mean=task, initial_std=0.0, seed=seed),
            "mastery_threshold": 2.5,  # all three waypoints
            "stage_threshold": 0.5,  # the first waypoint
        }
    from autocurriculum.environments.metaworld_env import (
        metaworld_demonstrations,
        metaworld_id,
        metaworld_state_features,
    )

    env_kwargs = {"task_name": args.mw_task, "max_episode_steps": args.mw_steps, "action_repeat": 2}
    demos = metaworld_demonstrations(args.mw_task, args.demos, seed=1000, **{k: v for k, v in env_kwargs.items() if k != "task_name"})
    return {
        "env": metaworld_id(),
        "env_kwargs": env_kwargs,
        "demos": demos,
        "features": metaworld_state_features(),
        "cost": "euclidean",
        "test_tasks": [[float(2000 + i)] for i in range(10)],
        "discount_tasks": [[float(3000 + i)] for i in range(10)],
        "teacher": lambda student, seed: Random(student.task_space, seed=seed),
        "mastery_threshold": 0.5,  # success at the episode's end
        "stage_threshold": None,
    }


def run_one(condition: str, seed: int, args: argparse.Namespace) -> dict[str, Any]:
    """Train one SAC imitator; return its evaluation history and ADS's schedule."""
    import torch

    torch.set_num_threads(1)
    s = setting(args)
    demos = s["demos"]
    if condition == "half":
        demos = [d[: (len(d) + 1) // 2] for d in demos]
    ads = TimedADS(discount_space(), s["demos"], features=s["features"], cost=s["cost"], seed=seed) if condition == "ads" else None
    student = SACStudent(
        s["env"],
        env_kwargs=s["env_kwargs"],
        n_envs=1,
        vec_env="dummy",
        test_tasks=s["test_tasks"],
        mastery_threshold=s["mastery_threshold"],
        eval_every=args.eval_every,
        n_eval_envs=10,
        imitation=OTRewarder(demos, features=s["features"], cost=s["cost"]),
        discount_teacher=ads,
        discount_every=args.discount_every if ads is not None else None,
        discount_tasks=s["discount_tasks"] if ads is not None else None,
        algo_kwargs={
            "learning_rate": 3e-4,
            "batch_size": args.batch_size,
            "buffer_size": 200_000,
            "learning_starts": 1000,
            "gamma": 0.99,
            "n_steps": 3,
            "policy_kwargs": {"net_arch": [args.width, args.width]},
        },
        seed=seed,
    )
    teacher = s["teacher"](student, seed)
    t0 = time.perf_counter()
    student.learn(teacher, args.steps)
    if not student.history or student.history[-1]["step"] != student.progress:
        student.evaluate()
    history = []
    for h in student.history:
        returns = np.asarray(h.get("returns", []), dtype=np.float64)
        stage = s["stage_threshold"]
        history.append(
            {
                "step": h["step"],
                "success": h["mastered_percent"],
                "stage": float(100.0 * np.mean(returns > stage)) if stage is not None and returns.size else None,
                "return": h["mean_return"],
            }
        )
    out = {
        "env": args.env,
        "condition": condition,
        "seed": seed,
        "steps": student.progress,
        "wall_seconds": time.perf_counter() - t0,
        "discount_seconds": student.discount_seconds_,
        "ads_seconds": ads.update_seconds if ads is not None else 0.0,
        "history": history,
        "discount": student.discount_history,
        "config": {k: v for k, v in vars(args).items() if k not in ("output", "runs_dir")},
    }
    student.close()
    return out


def _cell(vals: list[float]) -> str:
    return f"{np.mean(vals):.0f} +- {np.std(vals):.0f}" if vals else "-"


def summarize(runs: list[dict[str, Any]]) -> str:
    """Markdown: success % (and first-stage %) per evaluation step per condition; k, gamma, wall time."""
    steps = sorted({int(h["step"]) for r in runs for h in r["history"]})
    has_stage = any(h.get("stage") is not None for r in runs for h in r["history"])
    head = ["condition", "seeds", *[f"{s / 1000:g}k" for s in steps]]
    rows = [head + (["final first stage %"] if has_stage else []) + ["wall min", "ADS share of wall time"]]
    traces = []
    for condition in CONDITIONS:
        rs = [r for r in runs if r["condition"] == condition]
        if not rs:
            continue
        row = [condition, str(len(rs))]
        for s in steps:
            row.append(_cell([h["success"] for r in rs for h in r["history"] if int(h["step"]) == s]))
        if has_stage:
            row.append(_cell([r["history"][-1]["stage"] for r in rs if r["history"][-1].get("stage") is not None]))
        row.append(f"{np.mean([r['wall_seconds'] for r in rs]) / 60:.1f}")
        if condition == "ads":
            ads_share = [100.0 * r["ads_seconds"] / r["wall_seconds"] for r in rs]
            play_share = [100.0 * (r["discount_seconds"] - r["ads_seconds"]) / r["wall_seconds"] for r in rs]
            row.append(f"{np.mean(ads_share):.2f} % (+ {np.mean(play_share):.1f} % its episodes)")
            for r in rs:
                marks = r["discount"][:: max(1, len(r["discount"]) // 8)] + r["discount"][-1:]
                trace = ", ".join(f"{d['step'] / 1000:g}k: {d['progress']:.0f} ({d['gamma']:.3f})" for d in marks)
                traces.append(f"- seed {r['seed']}: {trace}")
        else:
            row.append("-")
        rows.append(row)
    lines = ["| " + " | ".join(r) + " |" for r in rows]
    lines.insert(1, "|" + "---|" * len(rows[0]))
    if has_stage:  # the first stage (pick-up, first waypoint) over training
        stage_rows = [["first stage %", "seeds", *[f"{s / 1000:g}k" for s in steps]]]
        for condition in CONDITIONS:
            rs = [r for r in runs if r["condition"] == condition]
            if rs:
                cells = [_cell([h["stage"] for r in rs for h in r["history"] if int(h["step"]) == s]) for s in steps]
                stage_rows.append([condition, str(len(rs)), *cells])
        lines += ["", *("| " + " | ".join(r) + " |" for r in stage_rows)]
        lines.insert(len(lines) - len(stage_rows) + 1, "|" + "---|" * len(stage_rows[0]))
    cfg = runs[0]["config"]
    per_seed = "; ".join(
        f"{c}: " + ", ".join(f"{r['history'][-1]['success']:.0f}" for r in sorted(runs, key=lambda r: r["seed"]) if r["condition"] == c)
        for c in CONDITIONS
        if any(r["condition"] == c for r in runs)
    )
    notes = (
        f"\n\nEnvironment {cfg['env']}; success: % of 10 test tasks solved by the deterministic policy, mean +- std "
        f"over seeds; final success per seed: {per_seed}. {cfg['demos']} demonstrations; SAC ({cfg['width']}-{cfg['width']}, "
        f"batch {cfg['batch_size']}, 3-step targets) on OT rewards; ADS updated every {cfg['discount_every']} steps. "
        f"Machine: {platform.processor() or platform.machine()}, python {platform.python_version()}, shared CPU (timings noisy)."
    )
    if traces:
        notes += "\n\nADS progress k (gamma) over training steps:\n" + "\n".join(traces)
    return "\n".join(lines) + notes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--env", choices=ENVS, default="fetch_deliver")
    parser.add_argument("--conditions", nargs="+", choices=CONDITIONS, default=list(CONDITIONS))
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2, 3, 4])
    parser.add_argument("--steps", type=int, default=30_000)
    parser.add_argument("--eval-every", type=int, default=5_000)
    parser.add_argument("--discount-every", type=int, default=1_000)
    parser.add_argument("--demos", type=int, default=10)
    parser.add_argument("--width", type=int, default=256, help="SAC's hidden layer width")
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--mw-task", default="basketball-v3", help="Meta-World task (--env metaworld)")
    parser.add_argument("--mw-steps", type=int, default=100, help="agent steps per Meta-World episode (action repeat 2)")
    add_arguments(parser, RUNS_DIR)
    args = parser.parse_args(argv)
    runs_dir = args.runs_dir / args.env

    if not args.summarize:

        def describe(result: dict[str, Any]) -> str:
            last = result["history"][-1]
            return f"{last['success']:.0f}% success after {result['steps']} steps in {result['wall_seconds'] / 60:.1f} min"

        for seed in args.seeds:  # seed-major: every condition has runs early on
            run_all(runs_dir, args.conditions, [seed], lambda c, s: run_one(c, s, args), describe)
    runs = [r for r in finished_runs(runs_dir, "condition", args.conditions) if r.get("env", "waypoints") == args.env]
    if not runs:
        print(f"no finished runs in {runs_dir}")
        return 1
    emit(summarize(runs), args.output)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
