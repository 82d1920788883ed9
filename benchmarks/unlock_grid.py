"""Compare teachers on the unlock grid: % of cells mastered over episodes, and cost per call.

Runs every (teacher, seed) pair in its own process, prints % mastered every ``--report-every``
episodes (mean and std over seeds) and each teacher's cost per ``sample()`` + ``update()`` in
microseconds (mean, median, p99, max over all calls of all seeds; the max is the longest time the
teacher held the episode loop in one call, wall clock, and "max CPU" the same call's CPU time, which a
busy machine does not inflate) and its total seconds per run (set-up excluded)::

    python benchmarks/unlock_grid.py                      # the eight teachers of TeachMyAgent, 5 seeds
    python benchmarks/unlock_grid.py --teachers random alp_gmm --seeds 5
    python benchmarks/unlock_grid.py --teachers alp_gmm:teachmyagent --d 3 --n 5 --output grid.md
    python benchmarks/unlock_grid.py --teachers alp_gmm --d 5 --n 4 --episodes 200000 --refit background

A teacher is named as registered (``alp_gmm``) or with a preset (``alp_gmm:teachmyagent``).
The default list, :data:`TEACHMYAGENT_EIGHT`, is TeachMyAgent's comparison (Romac et al., ICML 2021)
with each teacher's unlock-grid or TeachMyAgent preset. ``--refit background`` (``process``) runs the refits of
the teachers that have a ``refit`` parameter (ALP-GMM, Covar-GMM) in a background thread (worker process).
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import sys
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from autocurriculum.environments.unlock_grid import UnlockGrid, run_teacher  # noqa: E402
from autocurriculum.teachers import TEACHERS, make_teacher  # noqa: E402

#: TeachMyAgent's eight teachers with their presets for returns in [0, 1] on the grid.
TEACHMYAGENT_EIGHT = [
    "random",
    "adr:unlock_grid",
    "alp_gmm:teachmyagent",
    "covar_gmm:teachmyagent",
    "riac:teachmyagent",
    "spdl:unlock_grid",
    "goal_gan:unlock_grid",
    "setter_solver:unlock_grid",
]


@dataclass
class Job:
    teacher: str
    seed: int
    d: int
    n: int
    episodes: int
    report_every: int
    refit: str = "sync"


def parse_teacher(spec: str) -> tuple[str, dict[str, str]]:
    name, _, preset = spec.partition(":")
    if name not in TEACHERS:
        raise SystemExit(f"--teachers: unknown teacher {name!r}; allowed: {sorted(TEACHERS)}")
    return name, ({"preset": preset} if preset else {})


def run_job(job: Job) -> tuple[Job, list[int], list[float], np.ndarray, np.ndarray]:
    name, params = parse_teacher(job.teacher)
    if "refit" in TEACHERS[name]._param_names():
        params["refit"] = job.refit
    grid = UnlockGrid(job.d, job.n)
    teacher = make_teacher(name, grid.task_space, seed=job.seed, **params)
    # One BLAS thread per process: parallel jobs would otherwise oversubscribe the cores.
    with threadpool_limits(limits=1):
        teacher.setup()  # set-up (imports, network construction) is not a per-call cost
        result = run_teacher(teacher, grid, job.episodes, job.report_every)
    assert result.call_cpu_ns is not None
    return job, result.episodes, result.mastered, result.call_ns, result.call_cpu_ns


def build_tables(
    results: list[tuple[Job, list[int], list[float], np.ndarray, np.ndarray]], teachers: list[str]
) -> tuple[list[list[str]], list[list[str]]]:
    curves: dict[str, list[list[float]]] = {t: [] for t in teachers}
    costs: dict[str, list[np.ndarray]] = {t: [] for t in teachers}
    cpu_costs: dict[str, list[np.ndarray]] = {t: [] for t in teachers}
    episodes: list[int] = []
    for job, eps, mastered, call_ns, call_cpu_ns in results:
        curves[job.teacher].append(mastered)
        costs[job.teacher].append(call_ns)
        cpu_costs[job.teacher].append(call_cpu_ns)
        episodes = eps
    progress = [["episodes", *[f"{t} (% mastered)" for t in teachers]]]
    for i, ep in enumerate(episodes):
        row = [str(ep)]
        for t in teachers:
            vals = np.array([c[i] for c in curves[t]])
            row.append(f"{vals.mean():.1f} ± {vals.std():.1f}")
        progress.append(row)
    cost = [["teacher", "mean (us)", "median (us)", "p99 (us)", "max (us)", "max CPU (us)", "total per run (s)"]]
    for t in teachers:
        us = np.concatenate(costs[t]) / 1000.0
        cpu_max = np.concatenate(cpu_costs[t]).max() / 1000.0
        per_run = np.mean([c.sum() / 1e9 for c in costs[t]])
        cost.append(
            [
                t,
                f"{us.mean():.1f}",
                f"{np.median(us):.1f}",
                f"{np.percentile(us, 99):.1f}",
                f"{us.max():.0f}",
                f"{cpu_max:.0f}",
                f"{per_run:.2f}",
            ]
        )
    return progress, cost


def markdown(rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(rows[0]) + " |", "|" + "---|" * len(rows[0])]
    lines += ["| " + " | ".join(r) + " |" for r in rows[1:]]
    return "\n".join(lines)


def to_csv(rows: list[list[str]]) -> str:
    buf = io.StringIO()
    csv.writer(buf).writerows(rows)
    return buf.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--teachers", nargs="+", default=TEACHMYAGENT_EIGHT, help="teacher names, optionally name:preset"
    )
    parser.add_argument("--seeds", type=int, default=5, help="number of seeds (first-seed .. first-seed+seeds-1)")
    parser.add_argument("--first-seed", type=int, default=0, help="the first seed (to split seeds across runs)")
    parser.add_argument("--d", type=int, default=2, help="task dimensions")
    parser.add_argument("--n", type=int, default=10, help="bins per dimension")
    parser.add_argument("--episodes", type=int, default=20_000)
    parser.add_argument("--report-every", type=int, default=1000)
    parser.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1), help="parallel processes")
    parser.add_argument(
        "--refit", choices=["sync", "background", "process"], default="sync", help="refit mode of the teachers that have one"
    )
    parser.add_argument("--output", type=Path, help="also write the tables to this .md or .csv file")
    args = parser.parse_args(argv)
    for spec in args.teachers:
        parse_teacher(spec)
    if args.output is not None and args.output.suffix not in (".md", ".csv"):
        parser.error(f"--output: expected a .md or .csv file, got {str(args.output)!r}")

    jobs = [
        Job(t, s, args.d, args.n, args.episodes, args.report_every, args.refit)
        for t in args.teachers
        for s in range(args.first_seed, args.first_seed + args.seeds)
    ]
    if args.jobs > 1:
        with ProcessPoolExecutor(max_workers=args.jobs) as pool:
            results = list(pool.map(run_job, jobs))
    else:
        results = [run_job(j) for j in jobs]
    progress, cost = build_tables(results, args.teachers)
    title = f"Unlock grid d={args.d}, n={args.n}, {args.seeds} seeds, {args.episodes} episodes, refit={args.refit}"
    text = f"## {title}\n\n% of cells mastered (mean ± std over seeds)\n\n{markdown(progress)}\n\n"
    text += f"Teacher cost per sample()+update() call\n\n{markdown(cost)}\n"
    print(text)
    if args.output is not None:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        if args.output.suffix == ".md":
            args.output.write_text(text)
        else:
            args.output.write_text(to_csv(progress) + "\n" + to_csv(cost))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
