"""Unsupervised environment design on minigrid mazes: DR, PLR, Robust PLR, ACCEL, SFL (+ PAIRED, CLUTR).

Every teacher trains the same PPO student (:class:`autocurriculum.students.sb3.PPOStudent`, SB3
``MlpPolicy`` on the flat egocentric observation of ``autocurriculum/Maze-v0``) for the same
number of environment steps (SFL's probe episodes included). Evaluations every ``--eval-every``
steps report

* **held-out success**: each hand-made maze of ``environments/data/held_out_mazes.yaml`` played
  ``--heldout-attempts`` times (5, as SFL) with the stochastic policy (sizes 7 to 15; the training
  levels are 7 x 7), per maze and the mean (a memoryless deterministic policy loops in a maze it
  has not learned);
* **the sampled-level protocol** (Rutherford et al., NeurIPS 2024): success rate on
  ``--eval-levels`` uniformly generated *solvable* training-size levels (the same levels for
  every run), ``--attempts`` stochastic episodes each, and its CVaR at 10 % and 1 % (mean of the
  worst alpha fraction of levels); the final evaluation uses ``--final-levels`` levels;

plus wall time and the teacher's share of it (time in ``teacher.sample``/``update``), and SFL's
probe steps. Teachers (``--teachers``):

* ``random`` -- domain randomisation (DR): a uniform level per episode;
* ``plr`` / ``robust_plr`` / ``accel`` -- :class:`~autocurriculum.teachers.PLR` presets with a 500-level
  buffer (the papers use 4000 at 250M steps), regret = positive value loss;
* ``sfl`` -- :class:`~autocurriculum.teachers.SFL` scaled down: 50 probe levels x 4 episodes every
  25k training steps, top 20 kept, half of the training lessons from the buffer;
* ``paired`` / ``clutr`` -- provided by the ``paired`` branch (``autocurriculum.teachers.paired``,
  ``autocurriculum.students.paired``); when they are not importable the run is skipped with a
  note in the table.

Runs are ordered seed by seed, so that an interrupted benchmark has every teacher at the first
seeds. One JSON file per finished run goes to ``--runs-dir``; ``--summarize`` prints the tables.

PPO: rl-baselines3-zoo's MiniGrid settings (:data:`PPO_MINIGRID`) **without** ``VecNormalize``
(``normalize=False``): with observation and reward normalisation the same PPO stayed at the
untrained policy's success on these mazes (0.26 on its own training levels after 60k steps,
against 0.88 without; seed 0, 7 x 7, 12 walls). Default scale: 7 x 7 levels with up to 12
walls, 150k steps, 3 seeds (on the shared 2-core machine about 35k steps per minute and run).
PAIRED and CLUTR train two learners; their budget is doubled (``2 * --steps``, both learners'
steps counted) so that the protagonist, the evaluated agent, gets as many steps as the
single-learner runs, as in the papers' comparisons. **The papers' scale**::

    python benchmarks/maze_ued.py --size 13 --max-walls 60 --steps 250000000 --eval-every 10000000 \\
        --buffer-size 4000 --sfl-probe 25000 --sfl-episodes 10 --sfl-keep 1000 --sfl-period 6553600 \\
        --n-envs 32 --n-steps 256 --final-levels 10000

(25 walls for PAIRED / Robust PLR's mazes; 60 for ACCEL's and SFL's.)

Usage::

    nice -n 10 python benchmarks/maze_ued.py > benchmarks/results/maze_ued.log 2>&1 &   # 150k steps, 3 seeds
    python benchmarks/maze_ued.py --summarize --output benchmarks/results/maze_ued.md
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from autocurriculum.students.sb3 import PPOStudent  # noqa: E402
from autocurriculum.teachers import PLR, SFL, Random, Teacher  # noqa: E402
from benchmarks.runs import add_arguments, emit, finished_runs  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
RUNS_DIR = RESULTS / "maze_ued_runs"
TEACHERS = ("random", "plr", "robust_plr", "accel", "sfl", "paired", "clutr")
DEFAULT_TEACHERS = ("random", "plr", "robust_plr", "accel", "sfl", "paired", "clutr")
LABELS = {
    "random": "DR (Random)",
    "plr": "PLR",
    "robust_plr": "Robust PLR",
    "accel": "ACCEL",
    "sfl": "SFL",
    "paired": "PAIRED",
    "clutr": "CLUTR",
}
#: rl-baselines3-zoo's PPO for MiniGrid (8 envs x 128 steps, batch 64, 10 epochs, lr 2.5e-4,
#: gamma 0.99, GAE 0.95, clip 0.2), with an entropy bonus of 0.01 (ours: the zoo uses 0; random
#: levels with sparse rewards need exploration).
PPO_MINIGRID: dict[str, Any] = {
    "n_steps": 128,
    "batch_size": 64,
    "n_epochs": 10,
    "learning_rate": 2.5e-4,
    "gamma": 0.99,
    "gae_lambda": 0.95,
    "clip_range": 0.2,
    "ent_coef": 0.01,
}
#: PAIRED-family teachers need the two-learner student of the ``paired`` branch.
TWO_LEARNER = ("paired", "clutr")


def make_teacher(name: str, space: Any, seed: int, args: argparse.Namespace) -> Teacher:
    if name == "random":
        return Random(space, seed=seed)
    if name in ("plr", "robust_plr", "accel"):
        return PLR.from_preset(name, space, buffer_size=args.buffer_size, seed=seed)
    if name == "sfl":
        return SFL(
            space,
            n_probe=args.sfl_probe,
            probe_episodes=args.sfl_episodes,
            buffer_size=args.sfl_keep,
            buffer_prob=0.5,
            period=args.sfl_period,
            seed=seed,
        )
    from autocurriculum.teachers.registry import make_teacher as registry_make

    return registry_make(name, space, seed=seed)


def student_kwargs(args: argparse.Namespace, seed: int) -> dict[str, Any]:
    return {
        "env_kwargs": {"size": args.size, "max_walls": args.max_walls},
        "n_envs": args.n_envs,
        "vec_env": "dummy",
        "normalize": False,  # VecNormalize stalls PPO on these sparse-reward mazes (module docstring)
        "total_timesteps": args.steps,
        "eval_every": args.eval_every,
        "n_eval_envs": 8,
        "eval_attempts": args.heldout_attempts,
        "algo_kwargs": {**PPO_MINIGRID, "n_steps": args.n_steps},
        "seed": seed,
    }


def make_student(name: str, args: argparse.Namespace, seed: int) -> Any:
    kwargs = student_kwargs(args, seed)
    if name in TWO_LEARNER:
        import inspect

        from autocurriculum.students.paired import PAIREDStudent  # the `paired` branch

        accepted = inspect.signature(PAIREDStudent).parameters
        kwargs.update(
            {"sampled_levels": args.eval_levels, "sampled_attempts": args.attempts, "total_timesteps": 2 * args.steps}
        )
        kwargs["eval_every"] = 2 * args.eval_every  # both learners' steps: evaluations at the same protagonist steps
        return PAIREDStudent("autocurriculum/Maze-v0", **{k: v for k, v in kwargs.items() if k in accepted})
    return PPOStudent(
        "autocurriculum/Maze-v0",
        score=args.score,
        sampled_levels=args.eval_levels,
        sampled_attempts=args.attempts,
        **kwargs,
    )


def _eval_record(h: dict[str, Any]) -> dict[str, Any]:
    keep = ("step", "success_mean", "sampled_success", "sampled_cvar10", "sampled_cvar1", "wall_seconds")
    out = {k: h[k] for k in keep if k in h}
    out.update({k: v for k, v in h.items() if k.startswith("success/")})
    return out


def level_stats(records: list[Any]) -> dict[str, dict[str, float]]:
    """What each teacher trained on, per lesson origin (``"all"`` too): share of episodes, walls,
    solvable fraction, shortest path of the solvable ones, success, and the mean regret score
    reported (PLR's positive value loss, PAIRED's regret; absent for DR and SFL)."""
    from autocurriculum.teachers.levels import MazeLevel, shortest_path_length

    groups: dict[str, list[Any]] = {"all": []}
    for r in records:
        if isinstance(r.lesson.task, MazeLevel):
            groups["all"].append(r)
            groups.setdefault(str(r.lesson.origin), []).append(r)
    out: dict[str, dict[str, float]] = {}
    for origin, rs in groups.items():
        if not rs:
            continue
        paths = [shortest_path_length(r.lesson.task) for r in rs]
        solvable = [p for p in paths if p is not None]
        scores = [float(r.feedback.score) for r in rs if r.feedback.score is not None]
        out[origin] = {
            "episodes": float(len(rs)),
            "share": len(rs) / len(groups["all"]),
            "walls": float(np.mean([len(r.lesson.task.walls) for r in rs])),
            "solvable": len(solvable) / len(rs),
            "path": float(np.mean(solvable)) if solvable else float("nan"),
            "success": float(np.mean([bool(r.feedback.success) for r in rs])),
            "score": float(np.mean(scores)) if scores else float("nan"),
        }
    return out


def run_one(name: str, seed: int, args: argparse.Namespace) -> dict[str, Any]:
    """Train one PPO maze agent with teacher ``name``; return its evaluation history and timings."""
    import torch

    torch.set_num_threads(1)
    student = make_student(name, args, seed)
    teacher = make_teacher(name, student.task_space, seed, args)
    t0 = time.perf_counter()
    records = student.learn(teacher)
    train_wall = time.perf_counter() - t0
    evaluated = student if isinstance(student, PPOStudent) else student.protagonist
    evaluated.sampled_levels, evaluated.sampled_levels_ = args.final_levels, None  # the final, larger sample
    student.evaluate()
    wall = time.perf_counter() - t0
    metrics = student.metrics()
    out = {
        "teacher": name,
        "seed": seed,
        "steps": student.progress,
        "wall_seconds": wall,
        "train_wall_seconds": train_wall,
        "teacher_seconds": student.teacher_seconds,
        "eval_seconds": metrics.get("eval_seconds", 0.0),
        "episodes": metrics.get("episodes", 0.0),
        "teacher_metrics": teacher.metrics(),
        "training_levels": level_stats(records),
        "history": [_eval_record(h) for h in student.history],
        "config": {k: v for k, v in vars(args).items() if k not in ("output", "runs_dir", "summarize")},
    }
    student.close()
    return out


def _mean_std(values: list[float], scale: float = 1.0, digits: int = 2) -> str:
    if not values:
        return "-"
    arr = scale * np.asarray(values, dtype=np.float64)
    return f"{arr.mean():.{digits}f} ± {arr.std():.{digits}f}"


def summarize(runs: list[dict[str, Any]], skipped: dict[str, str]) -> str:
    """Markdown tables: final metrics per teacher, success per held-out maze, curves over steps."""
    by_teacher: dict[str, list[dict[str, Any]]] = {}
    for r in runs:
        by_teacher.setdefault(r["teacher"], []).append(r)
    order = [t for t in TEACHERS if t in by_teacher]
    final_rows = [
        [
            "teacher",
            "seeds",
            "held-out mean",
            "sampled success",
            "CVaR 10 %",
            "CVaR 1 %",
            "wall min/run",
            "teacher share",
            "probe steps",
        ]
    ]
    for t in order:
        rs = by_teacher[t]
        last = [r["history"][-1] for r in rs]
        probe = [r["teacher_metrics"].get("probe_fraction") for r in rs]
        probe_text = f"{100 * np.mean(probe):.0f} %" if all(p is not None for p in probe) else "-"
        final_rows.append(
            [
                LABELS[t],
                str(len(rs)),
                _mean_std([h.get("success_mean", np.nan) for h in last]),
                _mean_std([h.get("sampled_success", np.nan) for h in last]),
                _mean_std([h.get("sampled_cvar10", np.nan) for h in last]),
                _mean_std([h.get("sampled_cvar1", np.nan) for h in last]),
                f"{np.mean([r['wall_seconds'] for r in rs]) / 60:.1f}",
                f"{100 * np.mean([r['teacher_seconds'] / r['train_wall_seconds'] for r in rs]):.2f} %",
                probe_text,
            ]
        )
    for t, why in skipped.items():
        final_rows.append([LABELS.get(t, t), "0", f"skipped: {why}", "", "", "", "", "", ""])
    mazes = sorted({k[len("success/") :] for r in runs for k in r["history"][-1] if k.startswith("success/")})
    maze_rows = [["maze", *[LABELS[t] for t in order]]]
    for m in mazes:
        maze_rows.append(
            [m] + [_mean_std([r["history"][-1].get(f"success/{m}", np.nan) for r in by_teacher[t]]) for t in order]
        )
    steps = sorted({int(h["step"]) for r in runs for h in r["history"][:-1]})
    curve_rows = [["teacher", *[f"{s / 1000:.0f}k" for s in steps]]]
    for t in order:
        for metric, label in (("success_mean", "held-out"), ("sampled_success", "sampled")):
            row = [f"{LABELS[t]} ({label})"]
            for s in steps:
                vals = [
                    h[metric] for r in by_teacher[t] for h in r["history"][:-1] if int(h["step"]) == s and metric in h
                ]
                row.append(f"{np.mean(vals):.2f}" if vals else "-")
            curve_rows.append(row)
    level_rows = [["teacher", "origin", "runs", "share", "walls", "solvable", "shortest path", "success", "score"]]
    for t in order:
        stats = [r["training_levels"] for r in by_teacher[t] if "training_levels" in r]
        origins = sorted({o for st in stats for o in st}, key=lambda o: (o != "all", o))
        for o in origins:
            rows = [st[o] for st in stats if o in st]
            level_rows.append(
                [LABELS[t], o, str(len(rows))]
                + [f"{np.nanmean([x[k] for x in rows]):.2f}" for k in ("share", "walls", "solvable", "path", "success")]
                + [f"{np.nanmean([x['score'] for x in rows]):.3f}" if any(np.isfinite(x["score"]) for x in rows) else "-"]
            )
    cfg = runs[0]["config"]
    notes = (
        f"PPO on autocurriculum/Maze-v0, {cfg['size']} x {cfg['size']} levels with up to {cfg['max_walls']} walls, "
        f"{cfg['steps']:,} environment steps per learner (SFL's probe episodes included; PAIRED and CLUTR runs count "
        f"both learners' steps, twice that), {cfg['n_envs']} envs x "
        f"{cfg['n_steps']} steps per rollout. Final evaluation: held-out mazes {cfg.get('heldout_attempts', 1)} "
        "time(s) each (stochastic policy when more than once); "
        f"{cfg['final_levels']} sampled solvable levels x {cfg['attempts']} stochastic episodes (evaluations during "
        f"training: {cfg['eval_levels']} levels). Mean ± std over seeds. Teacher share: time in teacher.sample/update "
        "over the training wall time. Probe steps: SFL's share of the budget spent on probe episodes. "
        f"Machine: {platform.processor() or platform.machine()} (2 cores shared with other jobs), "
        f"python {platform.python_version()}."
    )
    parts = [
        "### Final evaluation\n\n" + _table(final_rows),
        "### Final success per held-out maze\n\n" + _table(maze_rows),
        "### Success over training steps (mean over seeds)\n\n" + _table(curve_rows),
        "### What each teacher trained on (training episodes by lesson origin, mean over runs)\n\n"
        + _table(level_rows)
        + "\n\nshare: of the training episodes; walls, solvable, shortest path: of the levels played; "
        "success: of those episodes; score: the regret score reported (PLR family: positive value loss; "
        "PAIRED/CLUTR: max antagonist - mean protagonist return).",
        notes,
    ]
    return "\n\n".join(parts)


def _table(rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(r) + " |" for r in rows]
    lines.insert(1, "|" + "---|" * len(rows[0]))
    return "\n".join(lines)


def availability(names: list[str]) -> dict[str, str]:
    """Why each PAIRED-family teacher cannot run here (empty when all can)."""
    skipped = {}
    for name in names:
        if name not in TWO_LEARNER:
            continue
        try:
            from autocurriculum.students.paired import PAIREDStudent  # noqa: F401
            from autocurriculum.teachers.registry import TEACHERS as REGISTERED

            if name not in REGISTERED:
                skipped[name] = f"no teacher {name!r} registered (the `paired` branch provides it)"
        except ImportError as e:
            skipped[name] = f"not importable ({e.name}; the `paired` branch provides it)"
    return skipped


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--teachers", nargs="+", choices=TEACHERS, default=list(DEFAULT_TEACHERS))
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--steps", type=int, default=150_000)
    parser.add_argument("--eval-every", type=int, default=50_000)
    parser.add_argument("--eval-levels", type=int, default=100, help="sampled levels per evaluation during training")
    parser.add_argument("--final-levels", type=int, default=1000, help="sampled levels of the final evaluation")
    parser.add_argument("--attempts", type=int, default=2, help="stochastic episodes per sampled level")
    parser.add_argument(
        "--heldout-attempts", type=int, default=5, help="stochastic episodes per held-out maze (SFL: 5)"
    )
    parser.add_argument("--size", type=int, default=7)
    parser.add_argument("--max-walls", type=int, default=12)
    parser.add_argument("--n-envs", type=int, default=8)
    parser.add_argument("--n-steps", type=int, default=128)
    parser.add_argument("--buffer-size", type=int, default=500, help="PLR / Robust PLR / ACCEL buffer")
    parser.add_argument("--sfl-probe", type=int, default=50)
    parser.add_argument("--sfl-episodes", type=int, default=4)
    parser.add_argument("--sfl-keep", type=int, default=20)
    parser.add_argument("--sfl-period", type=int, default=25_000)
    parser.add_argument(
        "--score",
        choices=("positive_value_loss", "l1_value_loss", "max_mc"),
        default="positive_value_loss",
        help="the PLR family's regret score (Robust PLR and ACCEL on mazes: positive value loss)",
    )
    parser.add_argument("--rerun", action="store_true", help="run again the runs already in --runs-dir")
    add_arguments(parser, RUNS_DIR)
    args = parser.parse_args(argv)
    skipped = availability(args.teachers)
    teachers = [t for t in args.teachers if t not in skipped]
    for name, why in skipped.items():
        print(f"{name}: skipped, {why}", flush=True)
    if not args.summarize:
        args.runs_dir.mkdir(parents=True, exist_ok=True)
        for seed in args.seeds:  # seed by seed: an interrupted benchmark has every teacher
            for name in teachers:
                if any(args.runs_dir.glob(f"{name}_seed{seed}_*.json")) and not args.rerun:
                    print(f"{name} seed {seed}: already in {args.runs_dir} (--rerun to run it again)", flush=True)
                    continue
                result = run_one(name, seed, args)
                (args.runs_dir / f"{name}_seed{seed}_{result['steps']}.json").write_text(json.dumps(result, indent=1))
                last = result["history"][-1]
                print(
                    f"{name} seed {seed}: held-out {last.get('success_mean', float('nan')):.2f}, sampled "
                    f"{last.get('sampled_success', float('nan')):.2f} (CVaR10 {last.get('sampled_cvar10', float('nan')):.2f}) "
                    f"after {result['steps']} steps in {result['wall_seconds'] / 60:.1f} min",
                    flush=True,
                )
    runs = finished_runs(args.runs_dir, "teacher", teachers)
    if not runs:
        print(f"no finished runs in {args.runs_dir}")
        return 1
    emit(summarize(runs, skipped), args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
