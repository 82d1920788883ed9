"""The runner runs the contract suite's quick checks on a plugin teacher before any directory exists."""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pytest

from autocurriculum.experiments.config import ConfigError, parse_config
from autocurriculum.experiments.runner import run_experiment
from autocurriculum.teachers import BoxSpace, Feedback, Lesson, Teacher


class ForgetfulTeacher(Teacher):
    """Learns from every episode but saves none of it: its state does not round-trip."""

    name: ClassVar[str] = "forgetful"
    requires: ClassVar[frozenset[str]] = frozenset({"episode_return"})
    space_types: ClassVar[tuple[type, ...]] = (BoxSpace,)

    def _init_state(self) -> None:
        self.best_ = np.zeros(self.task_space.dim)

    def _sample(self) -> tuple[Any, str, dict[str, Any]]:
        unit = np.clip(self.best_ + 0.1 * self.rng_.random(self.task_space.dim), 0.0, 1.0)
        return self.task_space.from_unit(unit), "forgetful", {}

    def _update(self, lesson: Lesson, feedback: Feedback) -> None:
        self.best_ = self.task_space.to_unit(lesson.task)

    def _get_state(self) -> dict[str, Any]:
        return {}


def _experiment(tmp_path: Path, teacher: str) -> dict[str, Any]:
    return {
        "name": "plugin_contract",
        "teacher": {"name": teacher},
        "student": {"name": "unlock_grid", "params": {"d": 2, "n": 4}},
        "budget": 40,
        "evaluation": {"every": 20},
        "seeds": [0],
        "output_dir": str(tmp_path / "runs"),
        "logging": {"tensorboard": False, "progress_bar": False},
    }


def test_a_plugin_teacher_that_breaks_the_contract_is_refused_before_any_directory(tmp_path: Path) -> None:
    config = parse_config(_experiment(tmp_path, f"{__name__}:ForgetfulTeacher"))
    with pytest.raises(ConfigError, match=r"^teacher\.name: the plugin teacher .*ForgetfulTeacher breaks the teacher contract"):
        run_experiment(config, progress_bar=False)
    assert not (tmp_path / "runs").exists()


def test_the_fixture_plugin_teacher_passes_the_quick_checks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fixture = Path(__file__).resolve().parents[1] / "fixtures" / "plugin_teacher"
    monkeypatch.syspath_prepend(str(fixture))
    config = parse_config(_experiment(tmp_path, "acl_plugin_example:BinProgress"))
    (summary,) = run_experiment(config, progress_bar=False)
    assert summary["progress"] >= 40
