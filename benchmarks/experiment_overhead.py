"""What the experiment layer costs: TensorBoard logging and checkpoints against a bare run.

Runs one teacher and seed of an experiment file three times with the same budget:

* ``bare``: no TensorBoard, no periodic checkpoints (one final checkpoint);
* ``scalars``: TensorBoard scalars only;
* ``full``: the file's logging (scalars, histograms, task-space images) and checkpoints;

and prints the median wall time of ``--repeats`` interleaved repeats, the overhead against
``bare`` and the median checkpoint save time::

    python benchmarks/experiment_overhead.py experiments/configs/unlock_grid.yaml
    python benchmarks/experiment_overhead.py experiments/configs/stump_tracks.yaml --budget 20000 --output o.md
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from autocurriculum.experiments.config import parse_config  # noqa: E402
from autocurriculum.experiments.runner import run_experiment  # noqa: E402


def variant(data: dict, name: str, out: Path) -> dict:
    d = {**data, "output_dir": str(out / name), "seeds": data["seeds"][:1], "teachers": data["teachers"][:1]}
    d.pop("teacher", None)
    logging = dict(d.get("logging") or {})
    logging["progress_bar"] = False
    if name == "bare":
        logging["tensorboard"] = False
        d["checkpoint"] = {"every": 0}
    elif name == "scalars":
        logging.update(histogram_every=0, image_every=0)
        d["checkpoint"] = {"every": 0}
    d["logging"] = logging
    return d


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("config", type=Path)
    parser.add_argument("--budget", type=int, help="override the file's budget")
    parser.add_argument("--output", type=Path, help="also write the Markdown table here")
    parser.add_argument("--repeats", type=int, default=3, help="interleaved repeats; medians are reported")
    args = parser.parse_args(argv)
    data = yaml.safe_load(args.config.read_text())
    if "teacher" in data:
        data["teachers"] = [data.pop("teacher")]
    if args.budget:
        data["budget"] = args.budget
    names = ("bare", "scalars", "full")
    walls: dict[str, list[float]] = {n: [] for n in names}
    saves: dict[str, list[float]] = {n: [] for n in names}
    with tempfile.TemporaryDirectory() as tmp:
        for repeat in range(args.repeats):  # interleaved, so that machine noise hits every variant
            for name in names:
                cfg = parse_config(variant(data, name, Path(tmp) / str(repeat)))
                summary = run_experiment(cfg, progress_bar=False)[0]
                walls[name].append(summary["wall_time"])
                saves[name].append(summary["checkpoint_seconds_mean"])
    base = float(np.median(walls["bare"]))
    rows = []
    for name in names:
        wall = float(np.median(walls[name]))
        rows.append(
            f"| {name} | {wall:.2f} (min {min(walls[name]):.2f}, max {max(walls[name]):.2f}) | "
            f"{100 * (wall / base - 1):+.1f}% | {1000 * float(np.median(saves[name])):.1f} |"
        )
    title = f"{args.config.name}, teacher {data['teachers'][0]['name']}, budget {data['budget']}"
    text = "\n".join(
        [
            f"## Experiment-layer overhead: {title}",
            "",
            f"{args.repeats} interleaved repeats, medians; checkpoint save: collecting the states, encoding, fsync, rename",
            "",
            "| variant | wall time (s) | vs bare | checkpoint save (ms) |",
            "|---|---|---|---|",
            *rows,
        ]
    )
    print(text)
    if args.output:
        args.output.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
