"""PAIRED from a YAML file: the paired student with the paired teacher, resumed from its checkpoint."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

import autocurriculum.environments
from autocurriculum.experiments.config import ConfigError, load_config
from autocurriculum.experiments.registry import build_student, build_teacher, run_seeds
from autocurriculum.experiments.rundir import CHECKPOINT
from autocurriculum.experiments.runner import load_checkpoint, run_experiment


def experiment(tmp_path: Path, **student_params) -> dict:
    return {
        "name": "paired_yaml",
        "teacher": {"name": "paired", "params": {"batch_size": 2, "hidden": [8], "noise_dim": 4}},
        "student": {
            "name": "paired",
            "params": {
                "n_envs": 2,
                "vec_env": "dummy",
                "n_eval_envs": 1,
                "algo_kwargs": {"n_steps": 32, "batch_size": 32, "n_epochs": 1, "policy_kwargs": {"net_arch": [8]}},
                **student_params,
            },
        },
        "environment": {"id": autocurriculum.environments.CARTPOLE_ID},
        "budget": 256,
        "evaluation": {"every": 256, "test_set": [[0.5, 0.1, 9.8]]},
        "seeds": [0],
        "output_dir": str(tmp_path / "runs"),
        "logging": {"progress_bar": False, "scalars_every": 128},
        "checkpoint": {"every": 128},
    }


def test_paired_runs_from_yaml_and_resumes(tmp_path: Path) -> None:
    path = tmp_path / "paired.yaml"
    path.write_text(yaml.safe_dump(experiment(tmp_path)))
    config = load_config(path)
    (summary,) = run_experiment(config, progress_bar=False)
    assert summary["progress"] == 256  # two rounds of 2 levels x 32 steps x 2 learners
    run_dir = config.runs()[0].run_dir

    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    acc = EventAccumulator(str(run_dir / "tensorboard"))
    acc.Reload()
    tags = acc.Tags()["scalars"]
    # the regret reaches TensorBoard as the episodes' score (round counters appear once they change)
    assert "student/score" in tags and "teacher/policy_updates" in tags

    # the checkpoint restores both learners and the adversary (network, optimiser, RNGs)
    saved = load_checkpoint(run_dir / CHECKPOINT)
    spec = config.runs()[0]
    teacher_seed, student_seed = run_seeds(0)
    student = build_student(spec.experiment.student, spec.experiment.environment, spec.experiment.evaluation, student_seed)
    teacher = build_teacher(spec.teacher, student.task_space, teacher_seed, "teacher", student.teacher_defaults)
    student.bind(teacher)
    teacher.load_state_dict(saved["teacher"])
    student.load_state_dict(saved["student"])
    assert student.progress == saved["progress"] > 0
    assert teacher.metrics() == {**teacher.metrics(), "policy_updates": saved["teacher"]["state"]["n_policy_updates"]}
    student.learn(teacher, 1)
    assert student.progress == saved["progress"] + 128
    student.close()


def test_unknown_paired_student_parameter_is_named(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(experiment(tmp_path, imitation={"demos": "x.npz"})))
    with pytest.raises(ConfigError, match=r"student.params.imitation: unknown parameter"):
        run_experiment(load_config(path), progress_bar=False)
