"""The teacher service: learners in other processes, batched lessons and outcomes, exact state round trips."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from autocurriculum.environments.parametric_cartpole import cartpole_task_space
from autocurriculum.teachers import ALPGMM, Random

pytest.importorskip("ray")
from autocurriculum.teachers.service import TeacherClient, serve_teacher  # noqa: E402

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "plain_loop_service.py"


def load_example() -> Any:
    """The CleanRL-style loop of docs/ray.md, shipped to Ray workers by value (docs/ is not a package)."""
    from ray import cloudpickle

    spec = importlib.util.spec_from_file_location("plain_loop_service", EXAMPLE)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    sys.modules["plain_loop_service"] = module
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    cloudpickle.register_pickle_by_value(module)
    return module


def alp_gmm(seed: int) -> ALPGMM:
    return ALPGMM(cartpole_task_space(), return_bounds=(0, 500), seed=seed, fit_rate=20)


def test_plain_loop_learners_share_one_teacher(ray_local: Any) -> None:
    service = serve_teacher(alp_gmm(0), num_cpus=0)
    remote = ray_local.remote(num_cpus=0.5)(load_example().learner)
    results = ray_local.get([remote.remote(service, seed, 25) for seed in range(2)])
    metrics = ray_local.get(service.metrics.remote())
    assert metrics["n_updates"] == sum(r["episodes"] for r in results) == 50
    assert metrics["n_sampled"] >= 50  # plus the lessons still prefetched
    # batched: far fewer remote calls than lessons + outcomes (one each without batching)
    assert metrics["service_calls"] <= 100 / 4
    assert all(r["blocking"] <= 25 / 4 for r in results)


def test_client_batches_in_order_and_surfaces_teacher_errors(ray_local: Any) -> None:
    service = serve_teacher(alp_gmm(1), num_cpus=0)
    client = TeacherClient(service, batch=4)
    rng = np.random.default_rng(0)
    ids = []
    for _ in range(60):
        lesson = client.sample()
        ids.append(lesson.id)
        client.update(lesson, float(rng.uniform(0, 500)))
    assert ids == sorted(set(ids))  # one client: lessons in the teacher's order, none twice
    client.flush()
    metrics = client.metrics()
    assert metrics["n_updates"] == 60
    assert metrics["service_calls"] <= 2 * 60 / 4 + 2  # a call per batch of lessons or outcomes
    client.update(client.sample(), float("nan"))  # the teacher refuses it, in the service
    with pytest.raises(ray_local.exceptions.RayTaskError, match="finite"):
        client.flush()
    with pytest.raises(ValueError, match="batch"):
        TeacherClient(service, batch=0)


def test_state_round_trip_through_a_new_service(ray_local: Any) -> None:
    first = TeacherClient(serve_teacher(alp_gmm(2), num_cpus=0), batch=8)
    rng = np.random.default_rng(1)
    for _ in range(70):
        lesson = first.sample()
        first.update(lesson, float(rng.uniform(0, 500)))
    state = first.state_dict()
    second = TeacherClient(serve_teacher(alp_gmm(99), num_cpus=0), batch=8)
    second.load_state_dict(state)
    a = ray_local.get(first.service.exchange.remote([], 10))
    b = ray_local.get(second.service.exchange.remote([], 10))
    assert [x.id for x in a] == [x.id for x in b]
    np.testing.assert_array_equal(np.array([x.task for x in a]), np.array([x.task for x in b]))


def test_random_teacher_works_with_the_task_wrapper(ray_local: Any) -> None:
    import gymnasium as gym
    from stable_baselines3.common.vec_env import DummyVecEnv

    from autocurriculum.environments.task_wrapper import with_teacher

    client = TeacherClient(serve_teacher(Random(cartpole_task_space(), seed=0), num_cpus=0), batch=4)
    env = with_teacher(DummyVecEnv([lambda: gym.make("autocurriculum/ParametricCartPole-v0")] * 2), client)
    env.reset()
    for _ in range(200):
        env.step(np.zeros(2, dtype=np.int64))
    env.close()
    client.flush()
    assert client.metrics()["n_updates"] == env.n_episodes > 0
