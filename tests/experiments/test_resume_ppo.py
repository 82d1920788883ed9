"""A short PPO run on Stump Tracks killed with SIGKILL resumes with its teacher and counters intact."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import yaml

from autocurriculum.experiments.config import parse_config
from autocurriculum.experiments.registry import build_student, build_teacher, run_seeds
from autocurriculum.experiments.runner import load_checkpoint, resume_run

ROOT = Path(__file__).resolve().parents[2]


def test_ppo_run_resumes_from_its_checkpoint(tmp_path: Path) -> None:
    data = {
        "name": "ppo_resume",
        "teacher": {"name": "alp_gmm", "params": {"fit_rate": 20, "potential_ks": [2, 3]}},
        "student": {
            "name": "ppo",
            "params": {"n_envs": 1, "n_eval_envs": 1, "algo_kwargs": {"n_steps": 128, "batch_size": 64, "n_epochs": 1}},
        },
        "environment": {"id": "autocurriculum/StumpTracks-v0", "kwargs": {"max_episode_steps": 60}},
        "budget": 4096,
        "evaluation": {"every": 512, "test_set": [[0.5, 3.0]]},
        "seeds": [0],
        "output_dir": str(tmp_path / "runs"),
        "logging": {"progress_bar": False, "scalars_every": 256},
        "checkpoint": {"every": 256},
    }
    path = tmp_path / "ppo.yaml"
    path.write_text(yaml.safe_dump(data))
    spec = parse_config(data).runs()[0]
    run_dir = spec.run_dir
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "autocurriculum.experiments.cli", "run", str(path), "--quiet"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 240
    while not (run_dir / "checkpoint.ckpt").exists() or load_checkpoint(run_dir / "checkpoint.ckpt")["progress"] < 512:
        assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
        assert time.monotonic() < deadline
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert not (run_dir / "summary.json").exists()
    saved = load_checkpoint(run_dir / "checkpoint.ckpt")
    step = saved["progress"]
    assert 512 <= step < 4096
    assert saved["teacher"]["n_updates"] > 0

    # The saved state loads back exactly: teacher state (with its RNG) and the student's counters.
    teacher_seed, student_seed = run_seeds(0)
    student = build_student(
        spec.experiment.student, spec.experiment.environment, spec.experiment.evaluation, student_seed
    )
    teacher = build_teacher(spec.teacher, student.task_space, teacher_seed, "teacher", student.teacher_defaults)
    student.bind(teacher)
    teacher.load_state_dict(saved["teacher"])
    student.load_state_dict(saved["student"])
    assert student.progress == step
    reloaded = teacher.state_dict()
    assert reloaded["rng"] == saved["teacher"]["rng"] and reloaded["n_updates"] == saved["teacher"]["n_updates"]
    student.close()

    summaries = resume_run(run_dir, progress_bar=False, log=lambda s: None)
    assert 4096 <= summaries[0]["progress"] < 4096 + 128  # continued from the saved step, not from 0
    steps = [json.loads(line)["step"] for line in (run_dir / "eval.jsonl").read_text().splitlines()]
    assert steps == sorted(steps) and steps[-1] >= 4096
    assert [s for s in steps if s <= step] == [e["step"] for e in saved["evals"]]
    final = load_checkpoint(run_dir / "checkpoint.ckpt")
    assert final["teacher"]["n_updates"] > saved["teacher"]["n_updates"]
