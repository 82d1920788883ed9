"""The ``autocurriculum`` command line.

``autocurriculum demo`` compares teachers on the unlock grid in a few seconds;
``autocurriculum list`` shows the registered teachers and their parameters.
"""

from __future__ import annotations

import argparse
import inspect
import sys

import numpy as np

from environments.unlock_grid import UnlockGrid, run_teacher
from teachers import TEACHERS, make_teacher


def _demo(args: argparse.Namespace) -> int:
    print(
        f"Unlock grid {args.n}x{args.n}: % of cells mastered after {args.episodes} episodes, "
        f"{args.seeds} seeds (a perfect teacher needs {76 * args.n**2} episodes for 100%)\n"
    )
    print(f"| {'teacher':10} | {'% mastered':>14} | {'us per call':>11} |")
    print(f"|{'-' * 12}|{'-' * 16}|{'-' * 13}|")
    for name in args.teachers:
        scores, costs = [], []
        for seed in range(args.seeds):
            grid = UnlockGrid(2, args.n)
            result = run_teacher(make_teacher(name, grid.task_space, seed=seed), grid, args.episodes, args.episodes)
            scores.append(result.mastered[-1])
            costs.append(result.call_ns.mean() / 1000)
        print(f"| {name:10} | {np.mean(scores):6.1f} ± {np.std(scores):5.1f} | {np.mean(costs):11.1f} |")
    return 0


def _list(args: argparse.Namespace) -> int:
    print("teachers:")
    for name, cls in sorted(TEACHERS.items()):
        sig = inspect.signature(cls.__init__)
        params = [f"{p.name}={p.default!r}" for p in sig.parameters.values() if p.name not in ("self", "task_space")]
        print(f"  {name:12} {cls.__module__}.{cls.__qualname__}({', '.join(params)})")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="autocurriculum", description="Automatic curriculum learning experiments.")
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="compare teachers on the unlock grid (seconds)")
    demo.add_argument("--teachers", nargs="+", default=["random", "alp_gmm"])
    demo.add_argument("--episodes", type=int, default=20_000)
    demo.add_argument("--seeds", type=int, default=3)
    demo.add_argument("--n", type=int, default=10, help="bins per dimension")
    demo.set_defaults(func=_demo)
    lst = sub.add_parser("list", help="registered teachers and their parameters")
    lst.set_defaults(func=_list)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
