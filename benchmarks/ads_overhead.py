"""The cost of ADS and of OT rewards: milliseconds per set-up, per update, per episode.

ADS (Liu et al., ICLR 2024) computes a reference from every ordered pair of demonstrations once,
then, at every evaluation, the progress recognizer over (evaluation episode x demonstration)
pairs; the OT rewarder runs Sinkhorn against every demonstration at the end of each training
episode. The paper's setting: 10 demonstrations, 10 evaluation episodes, horizons of about 100
to 500 agent steps (Meta-World, 39 state features). Synthetic sequences with that shape are
timed here; the algorithms' cost does not depend on the values.

The last column runs the reference's solver (POT's ``ot.sinkhorn``, needs ``pip install pot``) for
the same rewards, to choose the backend (the package's own batched Sinkhorn was kept: it is faster).

Usage::

    python benchmarks/ads_overhead.py
    python benchmarks/ads_overhead.py --horizons 100 250 500 --repeats 3 --output benchmarks/results/ads_overhead.md
"""

from __future__ import annotations

import argparse
import copy
import platform
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from autocurriculum.students.imitation import OTRewarder  # noqa: E402
from autocurriculum.teachers.ads import ADS, cost_matrix, discount_space  # noqa: E402
from autocurriculum.teachers.base import Feedback  # noqa: E402
from benchmarks.runs import emit  # noqa: E402


def sequences(n: int, horizon: int, dim: int, rng: np.random.Generator) -> list[np.ndarray]:
    """Smooth random paths: a cumulative sum of small steps per feature."""
    return [np.cumsum(0.05 * rng.normal(size=(horizon, dim)), axis=0) for _ in range(n)]


def pot_rewards(episode: np.ndarray, demos: list[np.ndarray]) -> list[np.ndarray]:
    """The OT rewards of one episode with POT's ``ot.sinkhorn`` (one problem per demonstration)."""
    import ot  # the reference's solver; pip install pot

    out = []
    for d in demos:
        c = cost_matrix(episode, d, "cosine")
        a, b = np.full(len(episode), 1.0 / len(episode)), np.full(len(d), 1.0 / len(d))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "did not converge" at 100 iterations, as in the reference
            out.append(-(ot.sinkhorn(a, b, c, 0.01, numItermax=100) * c).sum(axis=1))
    return out


def best_of(repeats: int, fn: object) -> float:
    """Fastest of ``repeats`` calls, in milliseconds."""
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()  # type: ignore[operator]
        times.append(time.perf_counter() - t0)
    return 1000.0 * min(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--horizons", nargs="+", type=int, default=[100, 250, 500])
    parser.add_argument("--demos", type=int, default=10)
    parser.add_argument("--episodes", type=int, default=10, help="evaluation episodes per ADS update")
    parser.add_argument("--dim", type=int, default=39)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--output", type=Path, help="also write the Markdown table to this file")
    args = parser.parse_args(argv)

    rows = [["horizon", "ADS set-up (reference)", "ADS update", "OT rewards, one episode", "same with POT"]]
    for h in args.horizons:
        rng = np.random.default_rng(h)
        demos = sequences(args.demos, h, args.dim, rng)
        episodes = [d + 0.01 * rng.normal(size=d.shape) for d in sequences(args.episodes, h, args.dim, rng)]
        setup_ms = best_of(args.repeats, lambda demos=demos, h=h: ADS(discount_space(), demos, horizon=h).setup())
        teacher = ADS(discount_space(), demos, horizon=h).setup()
        copies = [copy.deepcopy(teacher) for _ in range(args.repeats)]  # each timed update starts at k

        def update(copies: list = copies, episodes: list = episodes) -> None:
            t = copies.pop()
            t.update(t.sample(), Feedback(trajectories=episodes))

        update_ms = best_of(args.repeats, update)
        rewarder = OTRewarder(demos)
        ot_ms = best_of(args.repeats, lambda rewarder=rewarder, ep=episodes[0]: rewarder(ep))
        pot_ms = best_of(args.repeats, lambda demos=demos, ep=episodes[0]: pot_rewards(ep, demos))
        rows.append([str(h), f"{setup_ms:.0f} ms", f"{update_ms:.1f} ms", f"{ot_ms:.1f} ms", f"{pot_ms:.1f} ms"])

    lines = ["| " + " | ".join(r) + " |" for r in rows]
    lines.insert(1, "|" + "---|" * len(rows[0]))
    note = (
        f"\n\n{args.demos} demonstrations, {args.episodes} evaluation episodes per update, {args.dim} features; "
        f"best of {args.repeats}. Set-up: the reference over {args.demos * (args.demos - 1)} ordered demonstration "
        "pairs at every progress; update: the recognizer over (episode x demonstration) pairs, up to 5 advances; "
        "OT: Sinkhorn (epsilon 0.01, 100 iterations) against every demonstration, batched over demonstrations "
        "of one length (students.imitation.sinkhorn_plan) or one POT ot.sinkhorn call per demonstration "
        "(the same plan to 1e-15). "
        f"Machine: {platform.processor() or platform.machine()}, python {platform.python_version()}."
    )
    emit("\n".join(lines) + note, args.output)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
