"""Ray scale-out costs on this machine: sweep overhead, remote env stepping, the teacher service, a cost plan.

Sections (``--sections``, default all):

* ``sweep``: the unlock-grid experiment (the shipped file, 10 trials; ``--sweep-budget`` episodes
  per trial) through the process pool (``--jobs``) and through Ray Tune with as many CPUs, wall
  time with and without Ray's start-up (target: <= 10 % more than the pool);
* ``envs``: Stump Tracks with 1, 2, 4, 8 copies, random actions, on Ray actors
  (:class:`~autocurriculum.environments.ray_vec_env.RayVecEnv`, copies spread over one actor per
  CPU) against SB3's ``SubprocVecEnv``: steps/s and the ratio (target >= 0.9x);
* ``service``: one teacher actor (Random, ALP-GMM) serving 64 simulated workers (clients in 4
  worker processes, each episode a sample and an outcome): lessons + outcomes per second and the
  latency of ``sample()`` a worker sees, with batching (16) and without (1);
* ``plan``: PPO steps/s of one Stump Tracks trial (one copy, one core) measured here, and what a
  4-teacher x 16-seed x 20M-step study costs on N nodes from it.

Usage::

    nice -n 10 .venv/bin/python benchmarks/ray_scaling.py --output benchmarks/results/ray_scaling.md
"""

from __future__ import annotations

import argparse
import math
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np

import autocurriculum.environments  # noqa: F401 - registers the ids
from autocurriculum.experiments.config import RayConfig, load_config
from autocurriculum.experiments.runner import run_experiment

ROOT = Path(__file__).resolve().parents[1]
UNLOCK_GRID = ROOT / "experiments" / "configs" / "unlock_grid.yaml"
STUMP_TRACKS = "autocurriculum/StumpTracks-v0"


def markdown(rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(rows[0]) + " |", "|" + "---|" * len(rows[0])]
    return "\n".join(lines + ["| " + " | ".join(r) + " |" for r in rows[1:]])


def ray_up(cpus: int) -> float:
    import ray

    t0 = time.perf_counter()
    ray.init(num_cpus=cpus, include_dashboard=False, log_to_driver=False, configure_logging=False)
    return time.perf_counter() - t0


def ray_down() -> None:
    import ray

    ray.shutdown()


# --------------------------------------------------------------------------- sweep
def sweep_section(args: argparse.Namespace) -> str:
    from autocurriculum.experiments.ray_runner import ray_executor

    out = Path(tempfile.mkdtemp(prefix="ray-sweep-"))
    times: dict[str, float] = {}
    try:
        for path in ("pool", "ray"):
            config = load_config(UNLOCK_GRID, output_dir=str(out / path))
            config.budget = args.sweep_budget
            config.checkpoint.every = max(1, args.sweep_budget // 4)
            config.logging.progress_bar = False
            t0 = time.perf_counter()
            if path == "pool":
                run_experiment(config, jobs=args.jobs, progress_bar=False)
            else:
                startup = ray_up(args.jobs)
                t1 = time.perf_counter()
                run_experiment(config, executor=ray_executor(RayConfig(), write=lambda _line: None))
                times["ray_sweep"] = time.perf_counter() - t1
                times["ray_startup"] = startup
                ray_down()
            times[path] = time.perf_counter() - t0
    finally:
        shutil.rmtree(out, ignore_errors=True)
    n = len(config.runs())
    rows = [
        ["path", "wall time (s)", "vs process pool"],
        [f"process pool, {args.jobs} jobs", f"{times['pool']:.1f}", "1.00x"],
        [
            f"Ray Tune, {args.jobs} CPUs, Ray start-up included",
            f"{times['ray']:.1f}",
            f"{times['ray'] / times['pool']:.2f}x",
        ],
        [
            "Ray Tune, sweep only (Ray already running)",
            f"{times['ray_sweep']:.1f}",
            f"{times['ray_sweep'] / times['pool']:.2f}x",
        ],
        ["Ray start-up (ray.init)", f"{times['ray_startup']:.1f}", ""],
    ]
    return f"### Sweep: unlock grid, {n} trials x {args.sweep_budget} episodes\n\n" + markdown(rows)


# --------------------------------------------------------------------------- envs
def time_vec_env(venv: Any, n_steps: int, seed: int) -> float:
    """Steps per second (all copies) of random actions, after a reset and a warm-up step."""
    rng = np.random.default_rng(seed)
    low, high = venv.action_space.low, venv.action_space.high
    venv.reset()
    venv.step(rng.uniform(low, high, size=(venv.num_envs, *low.shape)).astype(np.float32))
    actions = rng.uniform(low, high, size=(n_steps, venv.num_envs, *low.shape)).astype(np.float32)
    t0 = time.perf_counter()
    for a in actions:
        venv.step(a)
    return n_steps * venv.num_envs / (time.perf_counter() - t0)


def stump_tracks() -> gym.Env:
    return gym.make(STUMP_TRACKS, body="short")


def envs_section(args: argparse.Namespace) -> str:
    from stable_baselines3.common.vec_env import SubprocVecEnv

    from autocurriculum.environments.ray_vec_env import RayVecEnv

    rows = [["copies", "SubprocVecEnv steps/s", "RayVecEnv steps/s", "actors x copies", "ratio"]]
    ray_up(args.jobs)
    try:
        for n in args.copies:
            sub = SubprocVecEnv([stump_tracks] * n)
            s_sub = time_vec_env(sub, args.env_steps, 0)
            sub.close()
            rv = RayVecEnv([stump_tracks] * n)
            s_ray = time_vec_env(rv, args.env_steps, 0)
            layout = f"{len(rv._chunks)} x {len(rv._chunks[0])}"
            rv.close()
            rows.append([str(n), f"{s_sub:.0f}", f"{s_ray:.0f}", layout, f"{s_ray / s_sub:.2f}x"])
            print(rows[-1], flush=True)
    finally:
        ray_down()
    return f"### Stump Tracks stepping (short body, random actions, {args.env_steps} steps per copy)\n\n" + markdown(
        rows
    )


# --------------------------------------------------------------------------- service
class _Workers:
    """Several simulated workers (TeacherClients) in one process, stepped round-robin."""

    def __init__(self, service: Any, n: int, batch: int, seed: int) -> None:
        from autocurriculum.teachers.service import TeacherClient

        self.clients = [TeacherClient(service, batch=batch) for _ in range(n)]
        self.rng = np.random.default_rng(seed)

    def run(self, episodes: int) -> list[float]:
        latencies = []
        for _ in range(episodes):
            for client in self.clients:
                t0 = time.perf_counter()
                lesson = client.sample()
                latencies.append(time.perf_counter() - t0)
                client.update(lesson, float(self.rng.uniform(0.0, 1.0)))
        for client in self.clients:
            client.flush()
        return latencies


def service_section(args: argparse.Namespace) -> str:
    import ray

    from autocurriculum.teachers import ALPGMM, BoxSpace, Random
    from autocurriculum.teachers.service import serve_teacher

    space = BoxSpace([0.0, 0.0], [1.0, 1.0])
    teachers: dict[str, Callable[[], Any]] = {
        "Random": lambda: Random(space, seed=0),
        "ALP-GMM": lambda: ALPGMM(space, return_bounds=(0.0, 1.0), seed=0),
    }
    rows = [["teacher", "batch", "workers", "lessons + outcomes / s", "sample() p50 (ms)", "sample() p99 (ms)"]]
    ray_up(args.jobs)
    try:
        procs = 4
        remote_workers = ray.remote(num_cpus=0)(_Workers)
        for name, make in teachers.items():
            for batch in (16, 1):
                service = serve_teacher(make(), num_cpus=0)
                workers = [remote_workers.remote(service, args.workers // procs, batch, i) for i in range(procs)]
                ray.get([w.run.remote(2) for w in workers])  # warm-up: imports, first lessons
                t0 = time.perf_counter()
                lat = np.concatenate(ray.get([w.run.remote(args.service_episodes) for w in workers]))
                seconds = time.perf_counter() - t0
                n = 2 * len(lat)
                rows.append(
                    [
                        name,
                        str(batch),
                        str(args.workers),
                        f"{n / seconds:.0f}",
                        f"{1000 * np.percentile(lat, 50):.3f}",
                        f"{1000 * np.percentile(lat, 99):.2f}",
                    ]
                )
                print(rows[-1], flush=True)
                for w in workers:
                    ray.kill(w)
                ray.kill(service)
    finally:
        ray_down()
    return (
        f"### Teacher service: one actor, {args.workers} simulated workers in 4 processes, "
        f"{args.service_episodes} episodes each\n\n" + markdown(rows)
    )


# --------------------------------------------------------------------------- plan
def ppo_steps_per_second(steps: int) -> float:
    import torch
    from stable_baselines3 import PPO
    from stable_baselines3.common.vec_env import DummyVecEnv

    from autocurriculum.environments.stump_tracks import stump_tracks_task_space
    from autocurriculum.environments.task_wrapper import with_teacher
    from autocurriculum.teachers import ALPGMM

    torch.set_num_threads(1)
    venv = with_teacher(
        DummyVecEnv([stump_tracks]), ALPGMM(stump_tracks_task_space(), return_bounds=(-150, 350), seed=0)
    )
    model = PPO("MlpPolicy", venv, n_steps=1024, batch_size=64, seed=0, device="cpu")
    model.learn(1024)  # warm-up
    t0 = time.perf_counter()
    model.learn(steps, reset_num_timesteps=False)
    return steps / (time.perf_counter() - t0)


def plan_section(args: argparse.Namespace) -> str:
    sps = ppo_steps_per_second(args.ppo_steps)
    trials, steps = 4 * 16, 20_000_000
    trial_hours = steps / sps / 3600
    core_hours = trials * trial_hours
    rows = [["nodes x cores", "trials at once", "waves", "wall time (h)", "core-hours"]]
    for nodes in args.nodes:
        slots = nodes * args.cores_per_node  # one trial per core (PPO with 1 copy and 1 torch thread)
        waves = math.ceil(trials / slots)
        rows.append(
            [
                f"{nodes} x {args.cores_per_node}",
                str(min(trials, slots)),
                str(waves),
                f"{waves * trial_hours:.1f}",
                f"{core_hours:.0f}",
            ]
        )
    return (
        f"### Plan: 4 teachers x 16 seeds x 20M PPO steps on Stump Tracks\n\nMeasured here: {sps:.0f} PPO steps/s for "
        f"one trial on one core ({args.ppo_steps} steps, ALP-GMM, one env copy), so {trial_hours:.1f} h per 20M-step "
        "trial. Trials are independent: the wall time is waves x trial time (evaluation and checkpoint costs "
        "not included; on a busy machine the per-step figure is pessimistic).\n\n" + markdown(rows)
    )


SECTIONS: dict[str, Callable[[argparse.Namespace], str]] = {
    "sweep": sweep_section,
    "envs": envs_section,
    "service": service_section,
    "plan": plan_section,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sections", nargs="+", choices=list(SECTIONS), default=list(SECTIONS))
    parser.add_argument("--jobs", type=int, default=2, help="process-pool jobs and Ray CPUs (default 2)")
    parser.add_argument("--sweep-budget", type=int, default=5000, help="unlock-grid episodes per trial")
    parser.add_argument("--copies", type=int, nargs="+", default=[1, 2, 4, 8])
    parser.add_argument("--env-steps", type=int, default=2000, help="steps per copy")
    parser.add_argument("--workers", type=int, default=64)
    parser.add_argument("--service-episodes", type=int, default=100, help="episodes per simulated worker")
    parser.add_argument("--ppo-steps", type=int, default=8192)
    parser.add_argument("--nodes", type=int, nargs="+", default=[1, 4, 16])
    parser.add_argument("--cores-per-node", type=int, default=16)
    parser.add_argument("--output", type=Path, help="also write the Markdown tables to this file")
    args = parser.parse_args(argv)
    parts = []
    for name in args.sections:
        text = SECTIONS[name](args)
        print(text + "\n", flush=True)
        parts.append(text)
    if args.output:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text("\n\n".join(parts) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
