"""Every experiment file shipped under experiments/configs runs with a tiny budget."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from autocurriculum.experiments.config import parse_config
from autocurriculum.experiments.registry import student_factories
from autocurriculum.experiments.runner import run_experiment

CONFIGS = sorted((Path(__file__).resolve().parents[2] / "experiments" / "configs").glob("*.yaml"))

#: Budget per student unit small enough for seconds, large enough to cross an evaluation.
TINY = {"episodes": 300, "presentations": 3000, "steps": 512}
STUDENT_OVERRIDES = {
    "classification": {"reference_epochs": 1},
    "ppo": {"n_eval_envs": 2, "algo_kwargs": {"n_steps": 128, "batch_size": 64, "n_epochs": 1}},
    "sac": {"n_envs": 1, "n_eval_envs": 2, "algo_kwargs": {"learning_starts": 64, "batch_size": 64}},
    "paired": {"n_eval_envs": 2, "algo_kwargs": {"n_steps": 64, "batch_size": 64, "n_epochs": 1}},
}


#: Two short test tasks per environment, instead of its full test set.
TEST_SETS = {
    "autocurriculum/StumpTracks-v0": [[0.0, 6.0], [1.0, 3.0]],
    "autocurriculum/Maze-v0": {
        "corridor": {"size": 7, "agent": [0, 0], "agent_dir": 0, "goal": [3, 0], "walls": []},
        "box": {"size": 7, "agent": [0, 0], "agent_dir": 1, "goal": [0, 3], "walls": [[1, 0]]},
    },
}
#: A few sampled levels on mazes (the protocol's code path, at a CI budget).
ENV_STUDENT_OVERRIDES = {"autocurriculum/Maze-v0": {"n_envs": 2, "sampled_levels": 4, "sampled_attempts": 1}}


def test_configs_are_shipped() -> None:
    assert {p.stem for p in CONFIGS} >= {
        "unlock_grid",
        "supervised_noisy",
        "stump_tracks",
        "stump_tracks_short",
        "stump_tracks_wide",
        "maze_ued",
    }


@pytest.fixture
def one_torch_thread() -> Iterator[None]:
    """Tiny networks run fastest on one thread, and the CI machine's cores are shared."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.mark.usefixtures("one_torch_thread")
@pytest.mark.parametrize("path", CONFIGS, ids=[p.stem for p in CONFIGS])
def test_shipped_config_runs_with_a_tiny_budget(path: Path, tmp_path: Path) -> None:
    data = yaml.safe_load(path.read_text())
    full = parse_config(data, source=str(path))
    assert len(full.seeds) >= 1 and full.budget > 0
    student = data["student"]
    student.setdefault("params", {}).update(STUDENT_OVERRIDES.get(student["name"], {}))
    unit = student_factories()[student["name"]].unit
    budget = TINY[unit]
    data.update(
        budget=budget,
        seeds=[0],
        output_dir=str(tmp_path),
        evaluation={**data["evaluation"], "every": budget // 2},
        checkpoint={"every": budget // 2},
    )
    data["logging"] = {**data.get("logging", {}), "scalars_every": budget // 4, "progress_bar": False}
    data["logging"]["histogram_every"] = budget // 2
    data["logging"]["image_every"] = budget // 2
    if "environment" in data and data["environment"]["id"] in TEST_SETS:  # RL: two short test episodes
        data["evaluation"]["test_set"] = TEST_SETS[data["environment"]["id"]]
        data["evaluation"]["every"] = budget
        data["environment"]["kwargs"] = {**data["environment"].get("kwargs", {}), "max_episode_steps": 200}
        student["params"].update(ENV_STUDENT_OVERRIDES.get(data["environment"]["id"], {}))
    config = parse_config(data, source=str(path))
    summaries = run_experiment(config, progress_bar=False)
    assert len(summaries) == len(config.teachers)
    for s in summaries:
        assert s["progress"] >= budget
        assert s["final"]
