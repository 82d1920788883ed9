"""Regret-based teachers on the unlock grid, fed a *proxy* of regret, against Random and ALP-GMM.

The unlock grid (TEACHERS.md section 12, :mod:`autocurriculum.environments.unlock_grid`) has no policy and no
value function, so the learner-side regret scores of PLR (positive value loss, L1 value loss,
MaxMC) cannot be computed. This benchmark feeds PLR, Robust PLR and ACCEL a stand-in instead,
computed from the grid's state after the episode::

    score = 1 - competence[cell] / 100   if the cell is unlocked (it can still be learned)
    score = 0                            if the cell is locked (nothing can be learned there)

It is a proxy for "how much is left to learn here", not a regret estimate: the numbers say how
the buffer mechanics (prioritisation, staleness, admission, edits) behave when the score is
informative, nothing about how PLR fares with a real learner's value errors.

Lessons with ``info["train"] == False`` (Robust PLR's new levels, ACCEL's children) are
*evaluated* without learning: the cell's competence is read, not incremented, exactly as the
protocol asks a student to do. Every lesson counts as an episode on the x axis, whether the
student learned from it or not. Random and ALP-GMM receive the episode's return (competence / 100
after the episode), as in the ALP-GMM benchmark::

    python benchmarks/plr_unlock_grid.py --seeds 3 --episodes 20000 --output benchmarks/results/plr_unlock_grid.md
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from autocurriculum.environments.unlock_grid import MAX_COMPETENCE, UnlockGrid  # noqa: E402
from autocurriculum.teachers import TEACHERS, Feedback, make_teacher  # noqa: E402
from autocurriculum.teachers.base import Teacher  # noqa: E402

DEFAULT_TEACHERS = ["random", "alp_gmm", "plr:plr", "plr:robust_plr", "plr:accel"]


def build(spec: str, grid: UnlockGrid, seed: int) -> Teacher:
    """A teacher named as registered, optionally ``name:preset``."""
    name, _, preset = spec.partition(":")
    if name not in TEACHERS:
        raise SystemExit(f"--teachers: unknown teacher {name!r}; allowed: {sorted(TEACHERS)}")
    params = {"preset": preset} if preset else {}
    return make_teacher(name, grid.task_space, seed=seed, **params)


def regret_proxy(grid: UnlockGrid, cell: tuple[int, ...]) -> float:
    """``1 - competence / 100`` on an unlocked cell, 0 on a locked one (see the module docstring)."""
    if not grid.is_unlocked(cell):
        return 0.0
    return 1.0 - float(grid.competence[cell]) / MAX_COMPETENCE


def run(teacher: Teacher, grid: UnlockGrid, episodes: int, report_every: int) -> tuple[list[float], float, float]:
    """Train for ``episodes`` lessons; return % mastered every ``report_every``, train share, us/call."""
    mastered: list[float] = []
    trained = 0
    teacher_ns = 0
    for k in range(1, episodes + 1):
        t0 = time.perf_counter_ns()
        lesson = teacher.sample()
        teacher_ns += time.perf_counter_ns() - t0
        cell = grid.cell_of(lesson.task)
        if lesson.info.get("train", True):
            ret = grid.play(lesson.task)
            trained += 1
        else:
            ret = float(grid.competence[cell]) / MAX_COMPETENCE  # scored, not learned from
        fb = Feedback(episode_return=ret, score=regret_proxy(grid, cell))
        t0 = time.perf_counter_ns()
        teacher.update(lesson, fb)
        teacher_ns += time.perf_counter_ns() - t0
        if k % report_every == 0:
            mastered.append(grid.mastered_percent())
    return mastered, trained / episodes, teacher_ns / episodes / 1000.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--teachers", nargs="+", default=DEFAULT_TEACHERS, help="names, optionally name:preset")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--d", type=int, default=2)
    parser.add_argument("--n", type=int, default=10)
    parser.add_argument("--episodes", type=int, default=20_000)
    parser.add_argument("--report-every", type=int, default=2000)
    parser.add_argument("--output", type=Path, help="also write the tables to this .md file")
    args = parser.parse_args(argv)
    for name in ("seeds", "episodes", "report_every"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')}: expected a positive integer, got {getattr(args, name)}")

    curves: dict[str, np.ndarray] = {}
    shares: dict[str, list[float]] = {}
    costs: dict[str, list[float]] = {}
    for spec in args.teachers:
        rows, shares[spec], costs[spec] = [], [], []
        for seed in range(args.seeds):
            grid = UnlockGrid(args.d, args.n)
            mastered, share, us = run(build(spec, grid, seed), grid, args.episodes, args.report_every)
            rows.append(mastered)
            shares[spec].append(share)
            costs[spec].append(us)
        curves[spec] = np.array(rows)

    n_reports = args.episodes // args.report_every
    header = ["episodes", *[f"{t} (% mastered)" for t in args.teachers]]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for i in range(n_reports):
        cells = [f"{curves[t][:, i].mean():.1f} ± {curves[t][:, i].std():.1f}" for t in args.teachers]
        lines.append(f"| {(i + 1) * args.report_every} | " + " | ".join(cells) + " |")
    lines += ["", "| teacher | episodes learned from (%) | teacher us per episode |", "|---|---|---|"]
    for t in args.teachers:
        lines.append(f"| {t} | {100 * np.mean(shares[t]):.1f} | {np.mean(costs[t]):.1f} |")
    title = f"## PLR family on the unlock grid (regret proxy) d={args.d}, n={args.n}, {args.seeds} seeds\n\n"
    text = title + "% of cells mastered (mean ± std over seeds)\n\n" + "\n".join(lines) + "\n"
    print(text)
    if args.output is not None:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
