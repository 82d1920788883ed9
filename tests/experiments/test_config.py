"""Experiment files: a table of bad files and the messages they get."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from autocurriculum.experiments.config import ConfigError, load_config, parse_config
from autocurriculum.experiments.registry import build_student, build_teacher

GOOD = {
    "name": "exp",
    "teachers": [{"name": "alp_gmm", "params": {"preset": "teachdeeprl"}}, {"name": "random"}],
    "student": {"name": "unlock_grid", "params": {"d": 2, "n": 4}},
    "budget": 100,
    "evaluation": {"every": 50},
    "seeds": [0, 1],
}


def with_(**changes: object) -> dict:
    data = dict(GOOD)
    for key, value in changes.items():
        if value is None:
            data.pop(key)
        else:
            data[key] = value
    return data


def test_good_file_parses_into_runs() -> None:
    cfg = parse_config(GOOD)
    assert [r.run_name for r in cfg.runs()] == [
        "alp_gmm_teachdeeprl__seed0",
        "alp_gmm_teachdeeprl__seed1",
        "random__seed0",
        "random__seed1",
    ]
    assert cfg.logging.scalars_every == 5 and cfg.checkpoint.every == 0


BAD_FILES = [
    (with_(budjet=5), "budjet: unknown key (did you mean 'budget'?)"),
    (with_(budget=None), "budget: required key is missing"),
    (with_(budget=-3), "budget: expected an integer >= 1, got -3"),
    (with_(budget="lots"), "budget: expected an integer >= 1, got 'lots'"),
    (with_(seeds=[0, 0]), "seeds: [0, 0] contains duplicates"),
    (with_(seeds=[0, "a"]), "seeds[1]: expected an integer >= 0, got 'a'"),
    (with_(evaluation={"evry": 5}), "evaluation.evry: unknown key (did you mean 'every'?)"),
    (with_(teacher={"name": "random"}), "give exactly one of 'teacher' (one mapping) or 'teachers' (a list)"),
    (with_(teachers=[]), "teachers: expected a non-empty list"),
    (with_(teachers=[{"name": "random", "parms": {}}]), "teachers[0].parms: unknown key (did you mean 'params'?)"),
    (with_(teachers=[{"name": "random"}, {"name": "random"}]), "labels ['random'] appear more than once"),
    (with_(logging={"tensorboard": "yes"}), "logging.tensorboard: expected true or false, got 'yes'"),
    (with_(name="a/b"), "name: 'a/b' must not contain"),
    (with_(student=["unlock_grid"]), "student: expected a mapping, got list"),
    (with_(checkpoint={"every": 1.5}), "checkpoint.every: expected an integer >= 0, got 1.5"),
]


@pytest.mark.parametrize(("data", "message"), BAD_FILES, ids=[m[:40] for _, m in BAD_FILES])
def test_bad_files_get_clear_messages(data: dict, message: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_config(data)
    assert message in str(info.value)


BAD_COMPONENTS = [
    ({"name": "alpgmm"}, "teacher.name: unknown teacher 'alpgmm' (did you mean 'alp_gmm'?)"),
    (
        {"name": "alp_gmm", "params": {"fit_rat": 5}},
        "teacher.params.fit_rat: unknown parameter of ALPGMM (did you mean 'fit_rate'?)",
    ),
    (
        {"name": "alp_gmm", "params": {"fit_rate": 0}},
        "teacher.params: ALPGMM.fit_rate: expected an integer >= 2, got 0",
    ),
    ({"name": "alp_gmm", "params": {"preset": "tmа"}}, "unknown preset"),
    ({"name": "alp_gmm", "params": {"seed": 3}}, "'seed' and 'task_space' are set by the runner"),
    ({"name": "nosuchmodule:Thing"}, "teacher.name: cannot import module 'nosuchmodule'"),
    ({"name": "autocurriculum.teachers.spaces:BoxSpace"}, "is <class 'autocurriculum.teachers.spaces.BoxSpace'>, not a autocurriculum.teachers.Teacher subclass"),
]


@pytest.mark.parametrize(("teacher", "message"), BAD_COMPONENTS, ids=[m[:40] for _, m in BAD_COMPONENTS])
def test_bad_teachers_get_clear_messages(teacher: dict, message: str) -> None:
    cfg = parse_config(with_(teachers=None, teacher=teacher))
    student = build_student(cfg.student, cfg.environment, cfg.evaluation, 0)
    with pytest.raises(ConfigError) as info:
        build_teacher(cfg.teachers[0], student.task_space, 0)
    assert message in str(info.value)


def test_bad_student() -> None:
    cfg = parse_config(with_(student={"name": "unlock_gird"}))
    with pytest.raises(ConfigError, match=r"unknown student 'unlock_gird' \(did you mean 'unlock_grid'\?\)"):
        build_student(cfg.student, cfg.environment, cfg.evaluation, 0)
    cfg = parse_config(with_(student={"name": "unlock_grid", "params": {"bins": 3}}))
    with pytest.raises(ConfigError, match=r"student.params.bins: unknown parameter"):
        build_student(cfg.student, cfg.environment, cfg.evaluation, 0)


def test_yaml_is_loaded_safely_and_errors_name_the_file(tmp_path: Path) -> None:
    evil = tmp_path / "evil.yaml"
    evil.write_text("name: !!python/object/apply:os.system ['echo hacked']\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(evil)
    broken = tmp_path / "broken.yaml"
    broken.write_text("name: [unclosed\n")
    with pytest.raises(ConfigError, match=r"broken.yaml: not valid YAML"):
        load_config(broken)
    typo = tmp_path / "typo.yaml"
    typo.write_text(yaml.safe_dump(with_(sedes=[1])))
    with pytest.raises(ConfigError, match=r"typo.yaml: sedes: unknown key \(did you mean 'seeds'\?\)"):
        load_config(typo)
    with pytest.raises(ConfigError, match="no such experiment file"):
        load_config(tmp_path / "missing.yaml")
