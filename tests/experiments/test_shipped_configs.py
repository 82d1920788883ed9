"""Every experiment file shipped under experiments/configs runs with a tiny budget."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import gymnasium as gym
import pytest
import yaml

from autocurriculum.experiments.config import parse_config, resolve_relative_paths
from autocurriculum.experiments.registry import build_student, build_teacher, student_factories
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


#: Files comparing many teachers (TeachMyAgent's challenges) run two of them each, a different pair per
#: file so that every teacher runs in some file; all of a file's teachers are still built and set up.
MAX_RUN_TEACHERS = 2
MANY = [p for p in CONFIGS if len(yaml.safe_load(p.read_text())["teachers"]) > 3]


def _teachers_to_run(path: Path, teachers: list) -> list:
    if path not in MANY:
        return teachers
    start = MAX_RUN_TEACHERS * MANY.index(path)
    return [teachers[(start + k) % len(teachers)] for k in range(MAX_RUN_TEACHERS)]


def test_teachmyagent_challenge_files_run_all_eight_teachers_between_them() -> None:
    names = {"random", "adr", "alp_gmm", "covar_gmm", "riac", "spdl", "goal_gan", "setter_solver"}
    challenges = [p for p in MANY if p.stem.startswith("teachmyagent_") and p.stem != "teachmyagent_expert_knowledge"]
    assert len(challenges) == 5
    run = set()
    for path in challenges:
        teachers = yaml.safe_load(path.read_text())["teachers"]
        assert {t["name"] for t in teachers} == names, path.stem
        run |= {t["name"] for t in _teachers_to_run(path, teachers)}
    assert run == names


def _two_test_tasks(env_id: str, test_set: object) -> object:
    """Two tasks of the environment's space: the first two of a named test set, or low and middle."""
    if isinstance(test_set, dict):
        return dict(list(test_set.items())[:2])
    env = gym.make(env_id)
    space = env.unwrapped.task_space
    env.close()
    return [space.low.tolist(), ((space.low + space.high) / 2).tolist()]


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
    if path in MANY:  # build and set up every teacher with the student's defaults, run two
        student_obj = build_student(full.student, full.environment, full.evaluation, seed=0)
        try:
            for i, cfg in enumerate(full.teachers):
                build_teacher(cfg, student_obj.task_space, 0, f"teachers[{i}]", student_obj.teacher_defaults)
        finally:
            student_obj.close()
        data["teachers"] = _teachers_to_run(path, data["teachers"])
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
    if "environment" in data:  # RL students: two short test episodes instead of the full test set
        env_id = data["environment"]["id"]
        if env_id in TEST_SETS:
            data["evaluation"]["test_set"] = TEST_SETS[env_id]
        else:
            data["evaluation"]["test_set"] = _two_test_tasks(env_id, data["evaluation"].get("test_set"))
            data["evaluation"]["episodes"] = 1
        data["evaluation"]["every"] = budget
        data["environment"]["kwargs"] = {**data["environment"].get("kwargs", {}), "max_episode_steps": 200}
        student["params"].update(ENV_STUDENT_OVERRIDES.get(data["environment"]["id"], {}))
    config = parse_config(data, source=str(path))
    for component in [config.student, *config.teachers]:  # as load_config: ./ paths are the file's neighbours
        component.params = resolve_relative_paths(component.params, path.parent)
    summaries = run_experiment(config, progress_bar=False)
    assert len(summaries) == len(config.teachers)
    for s in summaries:
        assert s["progress"] >= budget
        assert s["final"]
