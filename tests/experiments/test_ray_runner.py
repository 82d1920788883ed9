"""Sweeps on Ray Tune: equal to the process pool, retries from checkpoints, `ray:` errors, no Ray by default."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from autocurriculum.experiments.cli import main
from autocurriculum.experiments.config import ConfigError, RayConfig, parse_config
from autocurriculum.experiments.ray_runner import RAY_MISSING
from autocurriculum.experiments.runner import run_experiment

ROOT = Path(__file__).resolve().parents[2]


def grid(tmp_path: Path, out: str, **overrides: Any) -> dict:
    data = {
        "name": "grid",
        "teachers": [{"name": "alp_gmm", "params": {"fit_rate": 100, "potential_ks": [2, 3]}}, {"name": "random"}],
        "student": {"name": "unlock_grid", "params": {"d": 2, "n": 5}},
        "budget": 1000,
        "evaluation": {"every": 250},
        "seeds": [0],
        "output_dir": str(tmp_path / out),
        "logging": {"scalars_every": 250, "histogram_every": 0, "image_every": 0, "progress_bar": False},
        "checkpoint": {"every": 500},
    }
    data.update(overrides)
    return data


def evals(run_dir: Path) -> list[dict]:
    rows = [json.loads(line) for line in (run_dir / "eval.jsonl").read_text().splitlines()]
    return [{k: v for k, v in r.items() if k != "wall_time"} for r in rows]


def same_runs(a: Any, b: Any) -> None:
    for spec_a, spec_b in zip(a.runs(), b.runs(), strict=True):
        assert evals(spec_a.run_dir) == evals(spec_b.run_dir), spec_a.run_name
        sa = json.loads((spec_a.run_dir / "summary.json").read_text())
        sb = json.loads((spec_b.run_dir / "summary.json").read_text())
        for key in ("final", "best", "progress", "teacher_metrics"):
            assert sa[key] == sb[key], (spec_a.run_name, key)


def ray_sweep(config: Any, lines: list[str], **cfg: Any) -> list[dict]:
    from autocurriculum.experiments.ray_runner import ray_executor

    return run_experiment(config, executor=ray_executor(RayConfig(**cfg), write=lines.append))


def test_ray_sweep_equals_the_process_pool(tmp_path: Path, ray_local: Any) -> None:
    pool = parse_config(grid(tmp_path, "pool"))
    run_experiment(pool, progress_bar=False)
    on_ray = parse_config(grid(tmp_path, "ray"))
    lines: list[str] = []
    summaries = ray_sweep(on_ray, lines, max_concurrent_trials=2)
    assert [s["run"] for s in summaries] == [s.run_name for s in on_ray.runs()]
    same_runs(pool, on_ray)
    for spec in on_ray.runs():  # the same run directory as a local run, so report/resume/TensorBoard work
        names = {p.name for p in spec.run_dir.iterdir()}
        assert {"run.yaml", "eval.jsonl", "summary.json", "tensorboard"} <= names
        assert any(line.startswith(f"[ray] {spec.run_name} finished") for line in lines)
    assert main(["report", str(on_ray.experiment_dir)]) == 0


@pytest.mark.slow
def test_a_crashed_trial_is_retried_from_its_checkpoint(tmp_path: Path, ray_local: Any) -> None:
    marker = tmp_path / "crashed"
    teacher = {
        "name": "tests.experiments.crashing_teacher:CrashOnce",
        "label": "crash",
        "params": {"crash_at": 700, "marker": str(marker)},
    }
    data = grid(tmp_path, "ray", teachers=[teacher], seeds=[3])
    lines: list[str] = []
    ray_sweep(parse_config(data), lines, max_failures=1)
    assert marker.is_file()  # it did crash
    assert "[ray] crash__seed3 failed; retrying from its last checkpoint" in lines, lines
    failed = lines.index("[ray] crash__seed3 failed; retrying from its last checkpoint")
    after = [line for line in lines[failed + 1 :] if "finished" not in line]
    # the checkpoint before the crash was at 500 episodes: the retry reports 750 first, never 250 again
    assert after and after[0].startswith("[ray] crash__seed3 750/1000"), lines
    reference = parse_config(grid(tmp_path, "pool", teachers=[teacher], seeds=[3]))
    run_experiment(reference, progress_bar=False)  # the marker exists now: no crash
    same_runs(reference, parse_config(data))


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ({"cpus": 1}, r"^ray\.cpus: unknown key \(did you mean 'num_cpus'\?\)"),
        ({"cpus_per_trial": -1}, r"^ray\.cpus_per_trial: expected a finite number >= 0\.0, got -1"),
        ({"gpus_per_trial": float("inf")}, r"^ray\.gpus_per_trial: expected a finite number"),
        ({"cpus_per_trial": 0}, r"^ray\.cpus_per_trial: 0 together with gpus_per_trial 0"),
        ({"max_concurrent_trials": 0}, r"^ray\.max_concurrent_trials: expected an integer >= 1, got 0"),
        ({"max_failures": 1.5}, r"^ray\.max_failures: expected an integer >= 0, got 1\.5"),
        ({"address": ""}, r"^ray\.address: expected a non-empty string"),
        ({"address": "head:6379", "num_cpus": 2}, r"^ray\.num_cpus: 2 sizes a local Ray, but ray\.address"),
        ({"storage_path": ["a"]}, r"^ray\.storage_path: expected a non-empty string"),
        ("yes", r"^ray: expected a mapping, got str"),
    ],
)
def test_ray_section_errors_name_the_key(tmp_path: Path, section: Any, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_config(grid(tmp_path, "x", ray=section))


def test_ray_section_round_trips_through_the_run_directory(tmp_path: Path) -> None:
    cfg = parse_config(grid(tmp_path, "x", ray={"cpus_per_trial": 0.5, "max_failures": 2}))
    assert cfg.ray == RayConfig(cpus_per_trial=0.5, max_failures=2)
    spec = cfg.runs()[0].to_dict()
    assert spec["ray"]["cpus_per_trial"] == 0.5
    assert "ray" not in parse_config(grid(tmp_path, "x")).to_dict()


def write_file(tmp_path: Path) -> Path:
    path = tmp_path / "grid.yaml"
    data = grid(tmp_path, "runs", budget=500, seeds=[0], teachers=[{"name": "random"}])
    path.write_text(yaml.safe_dump(data))
    return path


def run_python(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=300)


def test_a_normal_run_does_not_import_ray(tmp_path: Path) -> None:
    path = write_file(tmp_path)
    proc = run_python(
        "import sys\nfrom autocurriculum.experiments.cli import main\n"
        f"assert main(['run', {str(path)!r}, '--quiet']) == 0\n"
        "print('ray' in sys.modules)"
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().splitlines()[-1] == "False"


def test_ray_flag_without_ray_says_what_to_install(tmp_path: Path) -> None:
    path = write_file(tmp_path)
    proc = run_python(
        "import sys\nsys.modules['ray'] = None  # as if Ray were not installed\n"
        "from autocurriculum.experiments.cli import main\n"
        f"sys.exit(main(['run', {str(path)!r}, '--ray']))"
    )
    assert proc.returncode == 2
    assert proc.stderr.strip() == f"error: {RAY_MISSING}"
    assert not (tmp_path / "runs").exists()  # refused before any side effect


def test_jobs_with_ray_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_file(tmp_path)
    assert main(["run", str(path), "--ray", "--jobs", "2"]) == 2
    assert "--jobs: 2 applies to the process pool" in capsys.readouterr().err
    assert not (tmp_path / "runs").exists()
