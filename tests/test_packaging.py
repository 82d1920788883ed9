"""One import namespace: the project installs as ``autocurriculum.*`` and nothing else.

A research repository usually has its own ``experiments/`` or ``environments/`` folder; the
installed packages must not collide with them.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _run(code: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], cwd=cwd, capture_output=True, text=True, check=False
    )


def test_user_packages_named_like_ours_do_not_shadow_autocurriculum(tmp_path: Path) -> None:
    for name in ("experiments", "environments", "teachers", "students"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "__init__.py").write_text(f"USER_PACKAGE = {name!r}\n")
    result = _run(
        """
        import environments, experiments, teachers, students
        assert environments.USER_PACKAGE == "environments", environments.__file__
        assert experiments.USER_PACKAGE == "experiments"
        import gymnasium as gym
        env = gym.make("autocurriculum:autocurriculum/StumpTracks-v0")
        env.reset(seed=0)
        from autocurriculum import ALPGMM, BoxSpace, with_teacher
        import autocurriculum
        teacher = ALPGMM(BoxSpace(low=[0.0], high=[1.0]), seed=0)
        assert callable(with_teacher)
        assert autocurriculum.__version__[0].isdigit(), autocurriculum.__version__
        print("ok")
        """,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("ok")


def test_gym_module_id_form_registers_without_other_imports(tmp_path: Path) -> None:
    result = _run(
        """
        import gymnasium as gym
        from gymnasium.envs.registration import registry
        assert "autocurriculum/StumpTracks-v0" not in registry
        env = gym.make("autocurriculum:autocurriculum/ParametricCartPole-v0")
        obs, info = env.reset(seed=0)
        print(type(env.unwrapped).__module__)
        """,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "autocurriculum.environments.parametric_cartpole"


def test_import_autocurriculum_does_not_import_torch(tmp_path: Path) -> None:
    result = _run("import sys, autocurriculum; print('torch' in sys.modules)", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_cli_version() -> None:
    from importlib.metadata import version

    result = subprocess.run(
        [sys.executable, "-m", "autocurriculum.experiments.cli", "--version"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"autocurriculum {version('autocurriculum')}"


def test_wheel_top_level_is_autocurriculum_only(tmp_path: Path) -> None:
    pytest.importorskip("setuptools")
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w", str(tmp_path), str(ROOT)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    (wheel,) = tmp_path.glob("autocurriculum-*.whl")
    with zipfile.ZipFile(wheel) as zf:
        names = zf.namelist()
        (top_level,) = [n for n in names if n.endswith(".dist-info/top_level.txt")]
        assert zf.read(top_level).decode().split() == ["autocurriculum"]
    roots = {n.split("/")[0] for n in names if not n.split("/")[0].endswith(".dist-info")}
    assert roots == {"autocurriculum"}
    for package in ("teachers", "students", "environments", "experiments"):
        assert f"autocurriculum/{package}/__init__.py" in names
    assert "autocurriculum/experiments/configs/unlock_grid.yaml" in names
    assert "autocurriculum/experiments/configs/demos/fetch_deliver.npz" in names  # ads_fetch_deliver.yaml's data
    assert "autocurriculum/environments/data/held_out_mazes.yaml" in names
