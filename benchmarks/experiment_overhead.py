"""What the experiment layer costs: TensorBoard logging and checkpoints against a bare run.

Runs one teacher and seed of an experiment file three times with the same budget:

* ``bare``: no TensorBoard, no periodic checkpoints (one final checkpoint);
* ``scalars``: TensorBoard scalars only;
* ``full``: the file's logging (scalars, histograms, task-space images) and checkpoints;

and prints wall time, overhead against ``bare`` and the mean checkpoint save time::

    python benchmarks/experiment_overhead.py experiments/configs/unlock_grid.yaml
    python benchmarks/experiment_overhead.py experiments/configs/stump_tracks.yaml --budget 20000 --output o.md
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from experiments.config import parse_config  # noqa: E402
from experiments.runner import run_experiment  # noqa: E402


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
    args = parser.parse_args(argv)
    data = yaml.safe_load(args.config.read_text())
    if "teacher" in data:
        data["teachers"] = [data.pop("teacher")]
    if args.budget:
        data["budget"] = args.budget
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        base = None
        for name in ("bare", "scalars", "full"):
            cfg = parse_config(variant(data, name, Path(tmp)))
            summary = run_experiment(cfg, progress_bar=False)[0]
            wall = summary["wall_time"]
            base = wall if base is None else base
            rows.append(
                f"| {name} | {wall:.2f} | {100 * (wall / base - 1):+.1f}% | {1000 * summary['checkpoint_seconds_mean']:.1f} |"
            )
    title = f"{args.config.name}, teacher {data['teachers'][0]['name']}, budget {data['budget']}"
    text = "\n".join(
        [
            f"## Experiment-layer overhead: {title}",
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
