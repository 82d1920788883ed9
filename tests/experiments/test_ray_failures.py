"""Failures on Ray: a node killed mid-sweep on a local multi-node cluster, a driver killed and resumed.

Both start their own Ray (several nodes, or a driver in a subprocess), so both are ``slow``.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from autocurriculum.experiments.config import RayConfig, parse_config
from autocurriculum.experiments.rundir import CHECKPOINT
from autocurriculum.experiments.runner import run_experiment
from tests.experiments.test_ray_runner import ROOT, grid, same_runs

pytestmark = pytest.mark.slow
ray = pytest.importorskip("ray")


def sweep_data(tmp_path: Path, out: str) -> dict:
    return grid(tmp_path, out, budget=3000, seeds=[0, 1], checkpoint={"every": 500})


def first_checkpoint(root: Path, timeout: float = 300.0) -> None:
    deadline = time.monotonic() + timeout
    while not list(root.glob(f"*/*/{CHECKPOINT}")):
        if time.monotonic() > deadline:
            raise TimeoutError(f"no checkpoint under {root} after {timeout} s")
        time.sleep(0.2)


@pytest.fixture
def cluster() -> Any:
    from ray.cluster_utils import Cluster

    if ray.is_initialized():
        ray.shutdown()  # the session's single-node Ray (tests/conftest.py starts it again when needed)
    c = Cluster(initialize_head=True, head_node_args={"num_cpus": 1})
    workers = [c.add_node(num_cpus=1) for _ in range(2)]
    ray.init(address=c.address, log_to_driver=False)
    c.wait_for_nodes()
    yield c, workers
    ray.shutdown()
    c.shutdown()


def test_a_node_killed_mid_sweep_and_every_trial_still_finishes(tmp_path: Path, cluster: Any) -> None:
    from autocurriculum.experiments.ray_runner import ray_executor

    c, workers = cluster
    on_ray = parse_config(sweep_data(tmp_path, "ray"))
    killed: list[bool] = []

    def kill_a_node() -> None:
        first_checkpoint(tmp_path / "ray")
        c.remove_node(workers[0], allow_graceful=False)  # a node lost: its raylet and workers die
        killed.append(True)

    killer = threading.Thread(target=kill_a_node, daemon=True)
    killer.start()
    lines: list[str] = []
    run_experiment(on_ray, executor=ray_executor(RayConfig(max_failures=3), write=lines.append))
    killer.join(timeout=5)
    assert killed, "the node was not killed during the sweep"
    assert any("retrying from its last checkpoint" in line for line in lines), lines
    pool = parse_config(sweep_data(tmp_path, "pool"))
    run_experiment(pool, progress_bar=False)
    same_runs(pool, on_ray)  # every trial finished, equal to an uninterrupted run


def test_a_killed_driver_is_resumed_on_ray(tmp_path: Path) -> None:
    if ray.is_initialized():
        ray.shutdown()
    data = sweep_data(tmp_path, "ray")
    data["ray"] = {"num_cpus": 2, "max_concurrent_trials": 2}
    path = tmp_path / "grid.yaml"
    path.write_text(yaml.safe_dump(data))
    cli = [sys.executable, "-m", "autocurriculum.experiments.cli"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    driver = subprocess.Popen([*cli, "run", str(path), "--quiet"], cwd=tmp_path, env=env, start_new_session=True)
    try:
        first_checkpoint(tmp_path / "ray")
    finally:
        os.killpg(driver.pid, signal.SIGKILL)  # the driver and the local Ray it started
        driver.wait()
    experiment = tmp_path / "ray" / "grid"
    assert not all((d / "summary.json").is_file() for d in experiment.iterdir() if (d / "run.yaml").is_file())
    done = subprocess.run([*cli, "resume", str(experiment), "--ray", "--quiet"], cwd=tmp_path, env=env, timeout=900)
    assert done.returncode == 0
    pool = parse_config(sweep_data(tmp_path, "pool"))
    run_experiment(pool, progress_bar=False)
    same_runs(pool, parse_config(data))
