"""Student, environment and evaluation mistakes are config errors that name the key, before any work."""

from __future__ import annotations

from typing import Any

import pytest

from autocurriculum.experiments.config import ComponentConfig, ConfigError, EnvironmentConfig, EvaluationConfig
from autocurriculum.experiments.registry import build_student

CARTPOLE = EnvironmentConfig("autocurriculum/ParametricCartPole-v0")
EVAL = EvaluationConfig(every=10)


@pytest.mark.parametrize(
    ("name", "params", "environment", "evaluation", "message"),
    [
        ("ppo", {"vec_env": "rayy"}, CARTPOLE, EVAL, r"^student\.params\.vec_env: got .rayy.; allowed"),
        ("ppo", {"n_envs": 0}, CARTPOLE, EVAL, r"^student\.params\.n_envs: expected a positive integer"),
        (
            "ppo",
            {},
            EnvironmentConfig("autocurriculum/ParametricCartPol-v0"),
            EVAL,
            r"^environment\.id: 'autocurriculum/ParametricCartPol-v0' is not a registered gymnasium id.*"
            r"did you mean 'autocurriculum/ParametricCartPole-v0'",
        ),
        (
            "sac",
            {},
            EnvironmentConfig("autocurriculum/StumpTracks-v0", {"bdy": "short"}),
            EVAL,
            r"^environment\.kwargs\.bdy: not a keyword argument of autocurriculum/StumpTracks-v0 \(did you mean 'body'\?\)",
        ),
        (
            "ppo",
            {"algo_kwargs": {"btach_size": 4}},
            CARTPOLE,
            EVAL,
            r"^student\.params\.algo_kwargs\.btach_size: not a keyword argument .*did you mean 'batch_size'",
        ),
        ("ppo", {"algo_kwargs": [1]}, CARTPOLE, EVAL, r"^student\.params\.algo_kwargs: expected a mapping"),
        (
            "ppo",
            {},
            EnvironmentConfig("autocurriculum/StumpTracks-v0"),
            EvaluationConfig(every=10, test_set=[[1.0, 2.0], [float("nan"), 1.0]]),
            r"^evaluation\.test_set\[1\]: dimension 'stump_height' is nan",
        ),
        (
            "unlock_grid",
            {},
            None,
            EvaluationConfig(every=10, test_set=[[0.5, 0.5]]),
            r"^evaluation\.test_set: the unlock_grid student takes no test set",
        ),
        ("unlock_grid", {"d": 25}, None, EVAL, r"UnlockGrid\.d: 25 dimensions; at most 10"),
        ("unlock_grid", {"n": 30000}, None, EVAL, r"UnlockGrid\.n: 30000 bins in 2 dimensions make 900000000 cells"),
    ],
)
def test_student_errors_name_the_key(
    name: str, params: dict[str, Any], environment: Any, evaluation: EvaluationConfig, message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        build_student(ComponentConfig(name, params), environment, evaluation, seed=0)


def test_valid_sb3_settings_still_build() -> None:
    student = build_student(
        ComponentConfig("ppo", {"algo_kwargs": {"batch_size": 8, "n_steps": 16}, "vec_env": "dummy", "n_envs": 1}),
        EnvironmentConfig("autocurriculum/StumpTracks-v0", {"body": "short"}),
        EvaluationConfig(every=10, test_set=[[0.5, 1.0]]),
        seed=0,
    )
    assert student.algo_kwargs == {"batch_size": 8, "n_steps": 16}


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("budget", 10**30, r"^budget: 1000000000000000000000000000000 is larger than the limit 1e\+12"),
        ("budget", 1.5e30, r"^budget: expected an integer >= 1"),
        ("budget", True, r"^budget: expected an integer >= 1, got True"),
        ("seeds", [2**64], r"^seeds\[0\]: .* is larger than the limit"),
    ],
)
def test_sizes_have_bounds(key: str, value: Any, message: str) -> None:
    from autocurriculum.experiments.config import parse_config

    data = {
        "name": "x",
        "teacher": "random",
        "student": "unlock_grid",
        "budget": 100,
        "evaluation": {"every": 10},
        "seeds": [0],
        key: value,
    }
    with pytest.raises(ConfigError, match=message):
        parse_config(data)


def test_gymnasium_make_keywords_are_allowed() -> None:
    student = build_student(
        ComponentConfig("ppo", {"n_envs": 1}),
        EnvironmentConfig("autocurriculum/StumpTracks-v0", {"body": "short", "max_episode_steps": 100}),
        EVAL,
        seed=0,
    )
    assert student.env_kwargs == {"body": "short", "max_episode_steps": 100}


@pytest.mark.parametrize(("std", "message"), [(10**400, "too large for a float"), ("0.5", "expected real numbers")])
def test_initial_std_is_not_coerced(std: Any, message: str) -> None:
    from autocurriculum.experiments.registry import build_teacher
    from autocurriculum.teachers import BoxSpace

    cfg = ComponentConfig("random", {"initial_mean": [0.5, 0.5], "initial_std": std})
    with pytest.raises(ConfigError, match=rf"^teacher\.params: Random\.initial_std: .*{message}"):
        build_teacher(cfg, BoxSpace([0.0, 0.0], [1.0, 1.0]), seed=0)
