"""A PPO run whose discount is scheduled by ADS, from a YAML file with demonstrations next to it."""

from __future__ import annotations

from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest
import yaml

import environments
from experiments.config import ConfigError, load_config
from experiments.runner import run_experiment

TASK = [0.5, 0.1, 9.8]


def write_demos(path: Path, n: int = 3, steps: int = 30) -> None:
    demos = []
    for seed in range(n):
        env = gym.make(environments.CARTPOLE_ID)
        obs, _ = env.reset(seed=seed, options={"task": TASK})
        seq = []
        for _ in range(steps):
            seq.append(obs)
            obs, *_ = env.step(int(3.0 * obs[2] + obs[3] > 0))  # a hand-written balancing controller
        demos.append(np.array(seq))
        env.close()
    np.savez(path, *demos)


def experiment(tmp_path: Path, discount_teacher: object) -> dict:
    return {
        "name": "ads_yaml",
        "teacher": {"name": "random"},
        "student": {
            "name": "ppo",
            "params": {
                "n_envs": 2,
                "vec_env": "dummy",
                "n_eval_envs": 2,
                "algo_kwargs": {"n_steps": 64, "batch_size": 64, "n_epochs": 1},
                "discount_teacher": discount_teacher,
                "discount_every": 128,
                "discount_tasks": [TASK, TASK],
            },
        },
        "environment": {"id": environments.CARTPOLE_ID},
        "budget": 384,
        "evaluation": {"every": 384, "test_set": [TASK]},
        "seeds": [0],
        "output_dir": str(tmp_path / "runs"),
        "logging": {"progress_bar": False, "scalars_every": 128},
    }


def test_ads_from_yaml_with_demos_relative_to_the_file(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    write_demos(tmp_path / "data" / "demos.npz")
    config_dir = tmp_path / "configs"
    config_dir.mkdir()
    path = config_dir / "ads.yaml"
    ads = {"name": "ads", "params": {"demos": "../data/demos.npz", "horizon": 25}}
    path.write_text(yaml.safe_dump(experiment(tmp_path, ads)))

    config = load_config(path)
    demos = config.student.params["discount_teacher"]["params"]["demos"]
    assert Path(demos) == (tmp_path / "data" / "demos.npz").resolve()  # absolute in run.yaml, for resume
    (summary,) = run_experiment(config, progress_bar=False)
    assert summary["progress"] >= 384
    run_dir = config.runs()[0].run_dir
    assert str(Path(demos)) in (run_dir / "run.yaml").read_text()

    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    acc = EventAccumulator(str(run_dir / "tensorboard"))
    acc.Reload()
    progress = [e.value for e in acc.Scalars("student/discount/progress")]
    gamma = [e.value for e in acc.Scalars("student/gamma")]
    assert progress[0] >= 5 and progress == sorted(progress)  # k starts at int(0.2 * 25) and never falls
    assert gamma[-1] == pytest.approx(0.2 ** (1 / progress[-1]), rel=1e-5)


def test_a_bad_discount_teacher_names_its_key(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(experiment(tmp_path, {"name": "adz"})))
    with pytest.raises(
        ConfigError, match=r"student.params.discount_teacher.name: unknown teacher 'adz' \(did you mean 'ads'\?\)"
    ):
        run_experiment(load_config(path), progress_bar=False)
