"""Teacher cost as the run grows: microseconds per ``sample()`` + ``update()`` after 20k, 200k, 1M episodes.

For each teacher and task dimension ``d``, one run of ``--episodes`` episodes; the table gives, at
every checkpoint ``H`` (20k, 200k, 1M by default, those not beyond ``--episodes``), the cost of the
calls of the first ``H`` episodes (what a run of ``H`` episodes costs: mean, median, p99, max,
and "max CPU", the CPU time of the longest call, which a busy machine does not inflate) and the
mean over the last tenth of them (the cost per call *at* that point of the run). Targets (issue
16): ALP-GMM at d = 2, the 1M mean within 1.5x of the 20k mean; no call over 20 ms with
``--refit background``.

Feedback: ``--feedback grid`` plays the unlock grid (:mod:`autocurriculum.environments.unlock_grid`,
``n`` bins per dimension: 10 at d = 2, 4 at d = 5, 2 at d = 10); ``--feedback synthetic`` (faster,
for the long runs) is a closed-form student whose competence front moves outwards from the
origin: the return of task ``x`` at episode ``t`` is ``clip((t / T) * sqrt(d) - |x| + 0.5, 0, 1)``
in unit coordinates, ``T = --episodes``. Only the teacher's calls are timed::

    python benchmarks/teacher_cost.py --dims 2 --episodes 1000000 --feedback synthetic --output cost.md
    python benchmarks/teacher_cost.py --teachers alp_gmm --dims 5 --episodes 200000 --refit background
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from autocurriculum.environments.unlock_grid import UnlockGrid  # noqa: E402
from autocurriculum.teachers import TEACHERS, BoxSpace, make_teacher  # noqa: E402
from benchmarks.runs import emit  # noqa: E402

CHECKPOINTS = (20_000, 200_000, 1_000_000)
GRID_BINS = {2: 10, 5: 4, 10: 2}


def markdown(rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(rows[0]) + " |", "|" + "---|" * len(rows[0])]
    lines += ["| " + " | ".join(r) + " |" for r in rows[1:]]
    return "\n".join(lines)


def run(name: str, d: int, episodes: int, feedback: str, refit: str, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Wall and CPU nanoseconds of every sample()+update() pair of one run."""
    grid = UnlockGrid(d, GRID_BINS.get(d, 2)) if feedback == "grid" else None
    space = grid.task_space if grid is not None else BoxSpace([0.0] * d, [1.0] * d)
    params = {"refit": refit} if "refit" in TEACHERS[name]._param_names() else {}
    teacher = make_teacher(name, space, seed=seed, **params)
    teacher.setup()
    clock, cpu = time.perf_counter_ns, time.thread_time_ns
    wall = np.empty(episodes, dtype=np.int64)
    cpu_ns = np.empty(episodes, dtype=np.int64)
    scale = np.sqrt(d) / episodes
    for ep in range(episodes):
        c0, t0 = cpu(), clock()
        lesson = teacher.sample()
        t1, c1 = clock(), cpu()
        if grid is not None:
            reward = grid.play(lesson.task)
        else:
            reward = min(1.0, max(0.0, ep * scale - float(np.sqrt(lesson.task @ lesson.task)) + 0.5))
        c2, t2 = cpu(), clock()
        teacher.update(lesson, reward)
        wall[ep] = (t1 - t0) + (clock() - t2)
        cpu_ns[ep] = (c1 - c0) + (cpu() - c2)
    return wall, cpu_ns


def rows_for(name: str, d: int, wall: np.ndarray, cpu_ns: np.ndarray) -> list[list[str]]:
    rows = []
    for h in [c for c in CHECKPOINTS if c <= wall.shape[0]] or [wall.shape[0]]:
        us = wall[:h] / 1000.0
        last = us[h - h // 10 :]
        longest = int(np.argmax(us))
        rows.append(
            [
                name,
                str(d),
                f"{h:,}",
                f"{us.mean():.1f}",
                f"{np.median(us):.1f}",
                f"{np.percentile(us, 99):.1f}",
                f"{us.max() / 1000:.1f}",
                f"{cpu_ns[longest] / 1e6:.1f}",
                f"{last.mean():.1f}",
            ]
        )
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--teachers", nargs="+", default=["alp_gmm", "covar_gmm", "riac"])
    parser.add_argument("--dims", nargs="+", type=int, default=[2, 5, 10])
    parser.add_argument("--episodes", type=int, default=200_000, help="episodes per run (checkpoints up to it)")
    parser.add_argument("--feedback", choices=["grid", "synthetic"], default="grid")
    parser.add_argument("--refit", choices=["sync", "background", "process"], default="sync")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--output", type=Path, help="also write the table to this Markdown file")
    args = parser.parse_args(argv)
    unknown = [t for t in args.teachers if t not in TEACHERS]
    if unknown:
        parser.error(f"--teachers: unknown {unknown}; allowed: {sorted(TEACHERS)}")
    if args.episodes < 1 or any(d < 1 for d in args.dims):
        parser.error("--episodes and --dims must be positive")
    load_before = os.getloadavg()
    rows = [
        [
            "teacher",
            "d",
            "episodes",
            "mean (us)",
            "median (us)",
            "p99 (us)",
            "max (ms)",
            "max call's CPU (ms)",
            "mean over the last tenth (us)",
        ]
    ]
    with threadpool_limits(limits=1):  # one BLAS thread, as in the unlock grid benchmark
        for name in args.teachers:
            for d in args.dims:
                wall, cpu_ns = run(name, d, args.episodes, args.feedback, args.refit, args.seed)
                new = rows_for(name, d, wall, cpu_ns)
                rows += new
                print(markdown([rows[0], *new]), flush=True)
    load = ", ".join(f"{v:.1f}" for v in (*load_before, *os.getloadavg()))
    text = (
        f"## Teacher cost per sample()+update() call ({args.feedback} feedback, refit={args.refit}, seed {args.seed})\n\n"
        f"One run of {args.episodes:,} episodes per teacher and dimension; each row covers its first `episodes` calls. "
        f"Load average (1, 5, 15 min) before and after: {load}, on {os.cpu_count()} CPUs (wall times on a busy "
        "machine are inflated; 'max call's CPU' is not).\n\n"
        f"{markdown(rows)}\n"
    )
    emit(text, args.output)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
