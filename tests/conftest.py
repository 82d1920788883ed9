"""Shared fixtures: one local Ray (2 CPUs at most, this machine's share) for the tests that need it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest


@pytest.fixture(scope="session")
def _ray_owner() -> Iterator[list[bool]]:
    started: list[bool] = []
    yield started
    if started:
        import ray

        ray.shutdown()


@pytest.fixture
def ray_local(_ray_owner: list[bool]) -> Any:
    """A local Ray with 2 CPUs, started once for the session and shut down at its end."""
    ray = pytest.importorskip("ray")
    if not ray.is_initialized():
        ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
        _ray_owner.append(True)
    return ray
