"""The code base passes ruff (configured in pyproject.toml)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_ruff_check_passes() -> None:
    ruff = shutil.which("ruff") or str(Path(sys.executable).with_name("ruff"))
    if not Path(ruff).exists():
        pytest.fail("ruff is not installed: pip install -e '.[test]' installs it")
    result = subprocess.run([ruff, "check", "."], cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_library_code_never_uses_global_random_state() -> None:
    """Convention: one numpy Generator per object; no np.random.<fn>, random.<fn> or torch.manual_seed."""
    offenders = []
    banned = (
        "np.random.seed",
        "np.random.rand",
        "np.random.randn",
        "np.random.randint",
        "np.random.choice",
        "np.random.uniform",
        "np.random.normal",
        "np.random.shuffle",
        "np.random.permutation",
        "np.random.random(",
        "torch.manual_seed",
        "random.seed(",
        "random.random(",
    )
    for package in ("teachers", "students", "environments", "experiments"):
        for path in (ROOT / package).rglob("*.py"):
            text = path.read_text()
            offenders += [f"{path.relative_to(ROOT)}: {b}" for b in banned if b in text]
    assert not offenders, offenders
