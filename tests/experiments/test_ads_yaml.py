"""Imitation from observation with ADS from a YAML file whose demonstrations lie beside it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

import autocurriculum.environments
from autocurriculum.environments.waypoints import expert_demonstrations
from autocurriculum.experiments.config import ConfigError, load_config
from autocurriculum.experiments.runner import run_experiment

TASK = [0.6, 2.0]


def experiment(tmp_path: Path, student_params: dict) -> dict:
    return {
        "name": "ads_yaml",
        "teacher": {"name": "random", "params": {"initial_mean": TASK, "initial_std": 0.0}},
        "student": {
            "name": "sac",
            "params": {
                "n_envs": 1,
                "vec_env": "dummy",
                "n_eval_envs": 2,
                "algo_kwargs": {"learning_starts": 50, "batch_size": 32, "buffer_size": 2000},
                "discount_every": 200,
                "discount_tasks": [TASK, TASK],
                **student_params,
            },
        },
        "environment": {"id": autocurriculum.environments.WAYPOINTS_ID},
        "budget": 400,
        "evaluation": {"every": 400, "test_set": [TASK]},
        "seeds": [0],
        "output_dir": str(tmp_path / "runs"),
        "logging": {"progress_bar": False, "scalars_every": 100},
    }


def test_ads_and_ot_imitation_from_yaml_with_demos_relative_to_the_file(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    np.savez(tmp_path / "data" / "demos.npz", *expert_demonstrations(TASK, 3))
    config_dir = tmp_path / "configs"
    config_dir.mkdir()
    path = config_dir / "ads.yaml"
    params = {
        "discount_teacher": {"name": "ads", "params": {"demos": "../data/demos.npz"}},
        "imitation": {"demos": "../data/demos.npz"},
    }
    path.write_text(yaml.safe_dump(experiment(tmp_path, params)))

    config = load_config(path)
    demos = config.student.params["discount_teacher"]["params"]["demos"]
    assert Path(demos) == (tmp_path / "data" / "demos.npz").resolve()  # absolute in run.yaml, for resume
    assert config.student.params["imitation"]["demos"] == demos
    (summary,) = run_experiment(config, progress_bar=False)
    assert summary["progress"] >= 400
    run_dir = config.runs()[0].run_dir
    assert str(Path(demos)) in (run_dir / "run.yaml").read_text()

    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    acc = EventAccumulator(str(run_dir / "tensorboard"))
    acc.Reload()
    progress = [e.value for e in acc.Scalars("student/discount/progress")]
    gamma = [e.value for e in acc.Scalars("student/gamma")]
    assert progress[0] >= 20 and progress == sorted(progress)  # k starts at int(0.2 * 100) and never falls
    assert gamma[-1] == pytest.approx(0.2 ** (1 / progress[-1]), rel=1e-5)
    assert acc.Scalars("student/imitation/episodes")[-1].value >= 3


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (
            {"discount_teacher": {"name": "adz"}},
            r"student.params.discount_teacher.name: unknown teacher 'adz' \(did you mean 'ads'\?\)",
        ),
        (
            {"imitation": {"demos": "x.npz", "epsilom": 0.1}},
            r"student.params.imitation.epsilom: unknown parameter of OTRewarder \(did you mean 'epsilon'\?\)",
        ),
        ({"imitation": {"demos": "/nonexistent/demos.npz"}}, r"student.params.imitation: .*nonexistent"),
    ],
)
def test_bad_imitation_settings_name_their_key(tmp_path: Path, params: dict, message: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(experiment(tmp_path, params)))
    with pytest.raises(ConfigError, match=message):
        run_experiment(load_config(path), progress_bar=False)


def test_the_shipped_fetch_deliver_demonstrations_are_the_recorders_output() -> None:
    from autocurriculum.environments.demonstrations import record_demonstrations
    from autocurriculum.environments.fetch_deliver import LURE_FEATURES, expert_policy

    root = Path(__file__).resolve().parents[2] / "experiments" / "configs"
    with np.load(root / "demos" / "fetch_deliver.npz") as data:
        shipped = [data[k] for k in data.files]
    recorded = record_demonstrations(
        autocurriculum.environments.FETCH_DELIVER_ID, expert_policy(0.6, 1.0), 10, seed=1000, successful_only=True
    )
    assert len(shipped) == 10 and all(np.array_equal(a, b) for a, b in zip(shipped, recorded, strict=True))
    config = load_config(root / "ads_fetch_deliver.yaml")  # features from YAML: a projection, plain numbers
    params = config.student.params
    assert params["imitation"]["features"] == LURE_FEATURES
    assert params["discount_teacher"]["params"]["features"] == LURE_FEATURES
