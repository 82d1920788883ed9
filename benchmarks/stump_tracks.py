"""PPO with ALP-GMM, SPDL, GoalGAN, Setter-Solver or Random on Stump Tracks: % of the test grid mastered.

The TeachMyAgent / teachDeepRL benchmark (Romac et al., ICML 2021; Portelas et al., CoRL 2019):
a teacher chooses the terrain (``stump_height`` in [0, 3], ``obstacle_spacing`` in [0, 6]) of
every episode of a PPO walker (:class:`autocurriculum.students.sb3.PPOStudent`, Stable-Baselines3); every
``--eval-every`` steps the walker plays the 100 tasks of the 10 x 10 test grid with its
deterministic policy and a task is mastered when its return exceeds 230. The table gives the
% mastered (mean and std over seeds) at each evaluation, the final mean test return and the
teacher's share of the wall time (``teacher.sample`` + ``teacher.update`` over the whole run,
evaluations included).

PPO settings, from rl-baselines3-zoo's tuned BipedalWalker-v3 PPO: observation and reward
normalisation (``VecNormalize``), gamma 0.999, GAE lambda 0.95, clip 0.18, lr 3e-4, 10 epochs,
2048 steps per environment copy, no entropy bonus. What we changed for 2 CPU cores, and why:

* **4 environment copies in one process** (``DummyVecEnv``) instead of the zoo's 32: two runs
  share the 2 cores (one per teacher), so worker processes would only add IPC and context
  switches; 4 copies x 2048 steps = 8192 transitions per rollout, a rollout every few seconds.
* **batch size 256** instead of 64: with 64 a rollout costs 1280 gradient steps, which on one
  core takes longer than collecting it; 256 gives 320 gradient steps per rollout (32 minibatches
  x 10 epochs) and keeps training to roughly half the wall time. The price is 4x fewer gradient
  steps per sample than the zoo, i.e. slower learning per sample: budgets are comparable
  between teachers here, not with the zoo's curves.

The issue asks for >= 5M steps per run (TeachMyAgent uses 20M). On the 2-core machine a 5M run
took 17-21 min with the two teachers' runs in parallel, so 3 seeds per teacher take about an
hour; ``--steps`` sets the budget and the report states what was run.

Usage::

    # one teacher per process, at low priority, in the background (results: one JSON per run)
    nice -n 10 python benchmarks/stump_tracks.py --teachers alp_gmm --seeds 0 1 2 --steps 5000000 &
    nice -n 10 python benchmarks/stump_tracks.py --teachers random --seeds 0 1 2 --steps 5000000 &
    # TeachMyAgent's generative teachers, one process each (SPDL reads PPO's critic values)
    nice -n 10 python benchmarks/stump_tracks.py --teachers spdl --seeds 0 1 2 --steps 5000000 &
    nice -n 10 python benchmarks/stump_tracks.py --teachers goal_gan --seeds 0 1 2 --steps 5000000 &
    nice -n 10 python benchmarks/stump_tracks.py --teachers setter_solver --seeds 0 1 2 --steps 5000000 &
    # then the table over all finished runs
    python benchmarks/stump_tracks.py --summarize --output benchmarks/results/stump_tracks.md
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

from autocurriculum.students.sb3 import PPO_BIPEDAL_WALKER, PPOStudent, stump_tracks_test_set  # noqa: E402
from autocurriculum.teachers import ALPGMM, SPDL, GoalGAN, Random, SetterSolver, Teacher  # noqa: E402
from autocurriculum.teachers.spaces import BoxSpace  # noqa: E402
from benchmarks.runs import add_arguments, emit, finished_runs, run_all  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
RUNS_DIR = RESULTS / "stump_tracks_runs"
TEACHERS = ("alp_gmm", "random", "spdl", "goal_gan", "setter_solver")
#: TeachMyAgent's "original" expert knowledge: the easy corner (no stumps, widest spacing).
EASY = [0.0, 6.0]


def make_teacher(name: str, space: BoxSpace, seed: int) -> Teacher:
    """A teacher with TeachMyAgent's preset: BipedalWalker return bounds (ALP-GMM), success above a
    return of 230 (GoalGAN, Setter-Solver), the easy initial distribution (SPDL, GoalGAN), or Random."""
    if name == "alp_gmm":
        return ALPGMM.from_preset("teachmyagent", space, return_bounds=(-150.0, 350.0), seed=seed)
    if name == "random":
        return Random(space, seed=seed)
    if name == "spdl":
        return SPDL.from_preset("teachmyagent", space, initial_mean=EASY, seed=seed)
    if name == "goal_gan":
        return GoalGAN.from_preset("teachmyagent", space, success_threshold=230.0, initial_mean=EASY, seed=seed)
    if name == "setter_solver":
        return SetterSolver.from_preset("teachmyagent", space, success_threshold=230.0, seed=seed)
    raise ValueError(f"teacher: got {name!r}; allowed: {list(TEACHERS)}")


def run_one(teacher_name: str, seed: int, args: argparse.Namespace) -> dict[str, Any]:
    """Train one PPO walker with one teacher; return its evaluation history and timings."""
    import torch

    torch.set_num_threads(1)
    algo = {**PPO_BIPEDAL_WALKER, "batch_size": args.batch_size, "n_steps": args.n_steps}
    student = PPOStudent(
        "autocurriculum/StumpTracks-v0",
        n_envs=args.n_envs,
        vec_env="dummy",
        total_timesteps=args.steps,
        test_tasks=stump_tracks_test_set(),
        eval_every=args.eval_every,
        n_eval_envs=args.n_eval_envs,
        algo_kwargs=algo,
        seed=seed,
    )
    teacher = make_teacher(teacher_name, student.task_space, seed)  # type: ignore[arg-type]
    t0 = time.perf_counter()
    student.learn(teacher)
    if not student.history or student.history[-1]["step"] != student.progress:
        student.evaluate()
    wall = time.perf_counter() - t0
    out = {
        "teacher": teacher_name,
        "seed": seed,
        "steps": student.progress,
        "wall_seconds": wall,
        "teacher_seconds": student.teacher_seconds,
        "eval_seconds": student.metrics()["eval_seconds"],
        "episodes": student.metrics()["episodes"],
        "history": [
            {k: h[k] for k in ("step", "mastered_percent", "mean_return", "wall_seconds")} for h in student.history
        ],
        "config": {k: v for k, v in vars(args).items() if k not in ("output", "runs_dir")},
    }
    student.close()
    return out


def summarize(runs: list[dict[str, Any]], eval_every: int | None) -> str:
    """Markdown: % mastered (mean +- std over seeds) per evaluation step, per teacher."""
    by_teacher: dict[str, list[dict[str, Any]]] = {}
    for r in runs:
        by_teacher.setdefault(r["teacher"], []).append(r)
    steps = sorted({int(h["step"]) for r in runs for h in r["history"]})
    if eval_every:
        steps = [s for s in steps if s % eval_every < runs[0]["config"]["n_envs"] * runs[0]["config"]["n_steps"]]
    header = ["teacher", "seeds"] + [f"{s / 1000:.0f}k" for s in steps] + ["final mean return", "teacher share"]
    rows = [header]
    for name, rs in sorted(by_teacher.items()):
        row = [name, str(len(rs))]
        for s in steps:
            vals = [h["mastered_percent"] for r in rs for h in r["history"] if int(h["step"]) == s]
            row.append(f"{np.mean(vals):.1f} +- {np.std(vals):.1f}" if vals else "-")
        finals = [r["history"][-1]["mean_return"] for r in rs]
        share = [r["teacher_seconds"] / r["wall_seconds"] for r in rs]
        row += [f"{np.mean(finals):.1f} +- {np.std(finals):.1f}", f"{100 * np.mean(share):.2f}%"]
        rows.append(row)
    lines = ["| " + " | ".join(r) + " |" for r in rows]
    lines.insert(1, "|" + "---|" * len(header))
    walls = ", ".join(f"{r['teacher']}/{r['seed']}: {r['wall_seconds'] / 60:.1f} min" for r in runs)
    cfg = runs[0]["config"]
    notes = (
        f"\n\n% of the 100-task test grid mastered (return > 230), mean +- std over seeds, by environment "
        f"steps (an evaluation runs at the end of the rollout that crosses each multiple of --eval-every); "
        f"PPO with {cfg['n_envs']} envs x {cfg['n_steps']} steps, batch {cfg['batch_size']}; teacher share: time in "
        "teacher.sample/update over the run's wall time (evaluations included). "
        f"Wall time per run: {walls}. Machine: {platform.processor() or platform.machine()}, "
        f"python {platform.python_version()}."
    )
    return "\n".join(lines) + notes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--teachers", nargs="+", choices=TEACHERS, default=list(TEACHERS))
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--steps", type=int, default=5_000_000, help="environment steps per run (issue: >= 5M)")
    parser.add_argument("--eval-every", type=int, default=500_000, help="steps between test-grid evaluations")
    parser.add_argument("--n-envs", type=int, default=4)
    parser.add_argument("--n-steps", type=int, default=2048, help="PPO rollout steps per environment copy")
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--n-eval-envs", type=int, default=10)
    add_arguments(parser, RUNS_DIR)
    args = parser.parse_args(argv)

    if not args.summarize:

        def describe(result: dict[str, Any]) -> str:
            last = result["history"][-1]
            return (
                f"{last['mastered_percent']:.1f}% mastered, mean return {last['mean_return']:.1f} after "
                f"{result['steps']} steps in {result['wall_seconds'] / 60:.1f} min"
            )

        run_all(args.runs_dir, args.teachers, args.seeds, lambda t, s: run_one(t, s, args), describe)
    runs = finished_runs(args.runs_dir, "teacher", args.teachers)
    if not runs:
        print(f"no finished runs in {args.runs_dir}")
        return 1
    emit(summarize(runs, args.eval_every), args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
