"""A third-party teacher package: installed from tests/fixtures, listed, run from YAML, contract-checked."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "tests" / "fixtures" / "plugin_teacher"
#: One working environment plugin (goldilocks/Cartpole-v0) and two broken teacher entry points.
MIXED = ROOT / "tests" / "fixtures" / "plugin_mixed"


@pytest.fixture(scope="module")
def plugin_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    target = tmp_path_factory.mktemp("site")
    build = tmp_path_factory.mktemp("build")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--target",
            str(target),
            str(FIXTURE),
            str(MIXED),
        ],
        check=True,
        cwd=build,
        capture_output=True,
    )
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(target), str(ROOT), env.get("PYTHONPATH", "")])
    return env


def cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "autocurriculum.experiments.cli", *args], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )


def test_list_shows_the_plugin(plugin_env: dict[str, str]) -> None:
    out = cli(plugin_env, "list")
    assert out.returncode == 0, out.stderr
    assert "bin_progress [plugin acl_plugin_example]" in out.stdout
    assert "goldilocks/Cartpole-v0" in out.stdout  # the environment plugin
    # the broken entry points are named, and hide nothing
    assert "plugin entry point 'crashes_on_import' in group 'autocurriculum.teachers' is skipped" in out.stderr
    assert "RuntimeError: this plugin needs a licence server" in out.stderr
    assert "plugin entry point 'not_a_teacher'" in out.stderr and "not an autocurriculum.teachers.Teacher" in out.stderr


@pytest.mark.parametrize("name", ["bin_progress", "acl_plugin_example:BinProgress"])
def test_plugin_runs_from_yaml(plugin_env: dict[str, str], tmp_path: Path, name: str) -> None:
    exp = {
        "name": "plugin",
        "teacher": {"name": name, "label": "plugin", "params": {"bins": 4}},
        "student": {"name": "unlock_grid", "params": {"d": 2, "n": 4}},
        "budget": 2000,
        "evaluation": {"every": 1000},
        "seeds": [0],
        "output_dir": str(tmp_path / "runs"),
    }
    path = tmp_path / "plugin.yaml"
    path.write_text(yaml.safe_dump(exp))
    out = cli(plugin_env, "run", str(path), "--quiet")
    assert out.returncode == 0, out.stderr
    assert "plugin__seed0" in out.stdout
    assert (tmp_path / "runs" / "plugin" / "plugin__seed0" / "summary.json").is_file()


def test_plugin_passes_the_contract_suite(plugin_env: dict[str, str]) -> None:
    code = (
        "from acl_plugin_example import BinProgress\n"
        "from autocurriculum.teachers import BoxSpace\n"
        "from autocurriculum.teachers.contract import check_teacher\n"
        "check_teacher(BinProgress(BoxSpace([0, 0], [1, 2]), seed=0))\n"
        "print('contract ok')\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=plugin_env, capture_output=True, text=True, check=False
    )
    assert out.returncode == 0, out.stderr
    assert "contract ok" in out.stdout


def _experiment(tmp_path: Path, teacher: str, **overrides: object) -> Path:
    exp = {
        "name": "plugin",
        "teacher": {"name": teacher, "label": "t"},
        "student": {"name": "unlock_grid", "params": {"d": 2, "n": 4}},
        "budget": 200,
        "evaluation": {"every": 100},
        "seeds": [0],
        "output_dir": str(tmp_path / "runs"),
        **overrides,
    }
    path = tmp_path / "plugin.yaml"
    path.write_text(yaml.safe_dump(exp))
    return path


@pytest.mark.parametrize(
    ("teacher", "message"),
    [
        ("crashes_on_import", "error: teacher.name: the plugin teacher 'crashes_on_import' is broken: "),
        ("not_a_teacher", "error: teacher.name: the plugin teacher 'not_a_teacher' is broken: it names <function helper"),
        ("acl_plugin_mixed.crashes:Teacher", "error: teacher.name: importing module 'acl_plugin_mixed.crashes' raised RuntimeError"),
    ],
)
def test_a_broken_plugin_fails_only_the_run_that_uses_it_in_one_line(
    plugin_env: dict[str, str], tmp_path: Path, teacher: str, message: str
) -> None:
    out = cli(plugin_env, "run", str(_experiment(tmp_path, teacher)), "--quiet")
    assert out.returncode == 2
    errors = [line for line in out.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and errors[0].startswith(message), out.stderr
    assert "Traceback" not in out.stderr


def test_run_loads_environment_plugins(plugin_env: dict[str, str], tmp_path: Path) -> None:
    path = _experiment(
        tmp_path,
        "random",
        student={"name": "ppo", "params": {"n_envs": 1, "vec_env": "dummy", "n_eval_envs": 1,
                                           "algo_kwargs": {"n_steps": 64, "batch_size": 64, "n_epochs": 1}}},
        environment={"id": "goldilocks/Cartpole-v0"},
        budget=64,
        evaluation={"every": 64, "test_set": [[1.0, 0.1, 9.8]]},
    )
    out = cli(plugin_env, "run", str(path), "--quiet")
    assert out.returncode == 0, out.stderr
    assert (tmp_path / "runs" / "plugin" / "t__seed0" / "summary.json").is_file()
