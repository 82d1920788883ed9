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
        "from teachers import BoxSpace\n"
        "from autocurriculum.teachers.contract import check_teacher\n"
        "check_teacher(BinProgress(BoxSpace([0, 0], [1, 2]), seed=0))\n"
        "print('contract ok')\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=plugin_env, capture_output=True, text=True, check=False
    )
    assert out.returncode == 0, out.stderr
    assert "contract ok" in out.stdout
