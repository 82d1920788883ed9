"""Environment throughput: environment steps per second, printed as Markdown tables.

Each section of the benchmark is one function ``section(args) -> str`` registered in
:data:`SECTIONS`; ``--sections`` picks which ones run (all by default). Sections so far:

* ``stump_tracks`` -- Stump Tracks (the teachDeepRL / TeachMyAgent BipedalWalker variant) for each
  body against gymnasium's ``BipedalWalker-v3`` in the same run, random actions, as a ratio.
  Target (issue 3): ratio >= 1.15 for the default body (TeachMyAgent's own Stump Tracks runs
  at 1.13x gymnasium's walker on our machine).
* ``walkers`` -- the ACCEL walker (random tasks and each of its six test terrains) and Parkour with
  every body, against gymnasium's ``BipedalWalker-v3`` in the same run. Target (issue 15): the ACCEL
  walker >= 1.0x.
* ``task_wrapper`` -- the task wrapper's cost: 8 worker processes (gymnasium ``AsyncVectorEnv`` and
  SB3 ``SubprocVecEnv``) with a teacher (Random, ALP-GMM) updated on every episode against the same
  vector env without a teacher, on ParametricCartPole (short episodes) and Stump Tracks.
  Target (issue 3): >= 0.9x; issue 16: >= 0.95x on ParametricCartPole with Random and ALP-GMM, both
  backends. ALP-GMM runs with its default synchronous refits and with ``refit="background"``;
  ``--envs`` restricts the environments. The load average of the machine is printed with the table.

Usage::

    python benchmarks/env_throughput.py
    python benchmarks/env_throughput.py --sections stump_tracks --steps 20000 --repeats 5 \\
        --output benchmarks/results/env_throughput.md
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import autocurriculum.environments  # noqa: E402  (registers the autocurriculum ids)
from autocurriculum.environments.stump_tracks import BODIES  # noqa: E402

STUMP_TRACKS_ID = "autocurriculum/StumpTracks-v0"
GYMNASIUM_WALKER_ID = "BipedalWalker-v3"
EPISODE_LIMIT = 2000  # both environments run under the same TimeLimit (Stump Tracks' 2000 steps)


def markdown(rows: list[list[str]]) -> str:
    """A Markdown table from a header row and data rows."""
    lines = ["| " + " | ".join(rows[0]) + " |", "|" + "---|" * len(rows[0])]
    lines += ["| " + " | ".join(r) + " |" for r in rows[1:]]
    return "\n".join(lines)


# --------------------------------------------------------------------------- section: stump_tracks


@dataclass
class Throughput:
    """One timed run: ``steps`` environment steps (resets included) in ``seconds``.

    ``episodes`` completed episodes took ``episode_steps`` of those steps.
    """

    steps: int
    seconds: float
    episodes: int
    episode_steps: int

    @property
    def steps_per_second(self) -> float:
        return self.steps / self.seconds


def time_random_actions(env: gym.Env, n_steps: int, seed: int) -> Throughput:
    """Step ``env`` ``n_steps`` times with uniform random actions, resetting when an episode ends.

    The actions are drawn before the clock starts, so the time is the environment's alone
    (``step`` plus the ``reset`` calls that episode ends require).
    """
    space = env.action_space
    if not isinstance(space, gym.spaces.Box):
        raise TypeError(f"env: expected a Box action space for random continuous actions, got {space!r}")
    actions = np.random.default_rng(seed).uniform(space.low, space.high, (n_steps, *space.shape)).astype(space.dtype)
    env.reset(seed=seed)
    episodes = length = episode_steps = 0
    start = time.perf_counter()
    for action in actions:
        _, _, terminated, truncated, _ = env.step(action)
        length += 1
        if terminated or truncated:
            episodes += 1
            episode_steps += length
            length = 0
            env.reset()
    return Throughput(n_steps, time.perf_counter() - start, episodes, episode_steps)


def stump_tracks_configs() -> dict[str, Callable[[], gym.Env]]:
    """The environments compared: gymnasium's walker first, then Stump Tracks per body.

    Stump Tracks draws a random task at every reset (no teacher), the usual training setting.
    """
    configs: dict[str, Callable[[], gym.Env]] = {
        GYMNASIUM_WALKER_ID: lambda: gym.make(GYMNASIUM_WALKER_ID, max_episode_steps=EPISODE_LIMIT)
    }
    for body in BODIES:
        configs[f"StumpTracks-v0 ({body})"] = lambda body=body: gym.make(STUMP_TRACKS_ID, body=body)
    return configs


def measure_stump_tracks(
    n_steps: int, repeats: int, seed: int, configs: dict[str, Callable[[], gym.Env]] | None = None
) -> dict[str, list[Throughput]]:
    """Time every configuration ``repeats`` times, interleaved so that load changes hit all alike.

    ``configs`` (default: :func:`stump_tracks_configs`) must start with the baseline,
    gymnasium's ``BipedalWalker-v3``.
    """
    configs = stump_tracks_configs() if configs is None else configs
    envs = {name: make() for name, make in configs.items()}
    for env in envs.values():  # warm-up: imports, first allocation
        time_random_actions(env, 500, seed)
    results: dict[str, list[Throughput]] = {name: [] for name in envs}
    for r in range(repeats):
        for name, env in envs.items():
            results[name].append(time_random_actions(env, n_steps, seed + r))
    for env in envs.values():
        env.close()
    return results


def stump_tracks_table(results: dict[str, list[Throughput]]) -> list[list[str]]:
    """Rows: median steps/s, and the median over repeats of the ratio to the same repeat's baseline."""
    baseline = results[GYMNASIUM_WALKER_ID]
    rows = [["environment", "steps/s (median)", "us/step", "mean episode length", "ratio to BipedalWalker-v3"]]
    for name, runs in results.items():
        sps = np.array([t.steps_per_second for t in runs])
        ratios = sps / np.array([t.steps_per_second for t in baseline])
        episodes = sum(t.episodes for t in runs)
        mean_length = f"{sum(t.episode_steps for t in runs) / episodes:.0f}" if episodes else "no episode ended"
        rows.append(
            [
                name,
                f"{np.median(sps):,.0f}",
                f"{1e6 / np.median(sps):.1f}",
                mean_length,
                f"{np.median(ratios):.2f}x (min {ratios.min():.2f}, max {ratios.max():.2f})",
            ]
        )
    return rows


def stump_tracks_section(args: argparse.Namespace) -> str:
    """Section ``stump_tracks``: Stump Tracks per body against gymnasium's walker."""
    results = measure_stump_tracks(args.steps, args.repeats, args.seed)
    title = "Stump Tracks vs gymnasium BipedalWalker-v3: environment steps/s, random actions"
    notes = (
        f"{args.repeats} interleaved repeats of {args.steps:,} steps per environment (resets included), "
        f"one process, episodes capped at {EPISODE_LIMIT} steps for both; Stump Tracks draws a random task "
        "per reset. Ratio: median over repeats of steps/s divided by the same repeat's BipedalWalker-v3 steps/s."
    )
    return f"## {title}\n\n{notes}\n\n{markdown(stump_tracks_table(results))}\n"


# --------------------------------------------------------------------------- section: walkers

ACCEL_WALKER_ID = "autocurriculum/AccelWalker-v0"
PARKOUR_ID = "autocurriculum/Parkour-v0"


def walkers_configs() -> dict[str, Callable[[], gym.Env]]:
    """gymnasium's walker, the ACCEL walker (random tasks, then each test terrain) and Parkour per body."""
    from autocurriculum.environments.accel_walker import TEST_TERRAINS
    from autocurriculum.environments.walker_base import BODIES as ALL_BODIES

    def fixed(env_id: str, task: Any, **kwargs: Any) -> Callable[[], gym.Env]:
        def make() -> gym.Env:
            env = gym.make(env_id, **kwargs)
            env.unwrapped.set_task(task)  # type: ignore[attr-defined]
            return env

        return make

    configs: dict[str, Callable[[], gym.Env]] = {
        GYMNASIUM_WALKER_ID: lambda: gym.make(GYMNASIUM_WALKER_ID, max_episode_steps=EPISODE_LIMIT),
        "AccelWalker-v0 (random tasks)": lambda: gym.make(ACCEL_WALKER_ID),
    }
    for name, task in TEST_TERRAINS.items():
        configs[f"AccelWalker-v0 ({name})"] = fixed(ACCEL_WALKER_ID, list(task))
    for body in ALL_BODIES:
        configs[f"Parkour-v0 ({body}, random tasks)"] = lambda body=body: gym.make(PARKOUR_ID, body=body)
    configs["Parkour-v0 (fish, full of water)"] = fixed(PARKOUR_ID, [-0.15, 0.8, 0.1, 1.0, 2.0, 2.0], body="fish")
    return configs


def walkers_section(args: argparse.Namespace) -> str:
    """Section ``walkers``: the ACCEL walker and Parkour against gymnasium's walker in the same run."""
    results = measure_stump_tracks(args.steps, args.repeats, args.seed, walkers_configs())
    title = "ACCEL walker and Parkour vs gymnasium BipedalWalker-v3: environment steps/s, random actions"
    notes = (
        f"{args.repeats} interleaved repeats of {args.steps:,} steps per environment (resets included), one process, "
        f"episodes capped at {EPISODE_LIMIT} steps. Random tasks: a uniform task per reset. Target (issue 15): the "
        "ACCEL walker >= 1.0x BipedalWalker-v3; Parkour >= 1.2x TeachMyAgent's Parkour, which is not installable "
        "here (TensorFlow 1), so only the ratio to BipedalWalker-v3 is measured."
    )
    return f"## {title}\n\n{notes}\n\n{markdown(stump_tracks_table(results))}\n"


# --------------------------------------------------------------------------- section: task_wrapper

N_WORKERS = 8  # worker processes of the vector envs in the task-wrapper section


def wrapper_vector_envs(backend: str, env_id: str) -> Any:
    """``N_WORKERS`` worker processes: gymnasium ``AsyncVectorEnv`` or SB3 ``SubprocVecEnv``."""
    if backend == "gymnasium AsyncVectorEnv":
        return gym.vector.AsyncVectorEnv([lambda: gym.make(env_id)] * N_WORKERS)
    from stable_baselines3.common.vec_env import SubprocVecEnv

    return SubprocVecEnv([lambda: gym.make(env_id)] * N_WORKERS)


def worker_cpu_seconds(pids: list[int]) -> float | None:
    """User + system CPU seconds of the given processes (Linux ``/proc``; ``None`` elsewhere)."""
    tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    total = 0
    try:
        for pid in pids:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
    except (OSError, IndexError, ValueError):
        return None
    return total / tick


def time_vector_env(
    env: Any, gymnasium_api: bool, actions: np.ndarray, seed: int, pids: list[int] | None = None
) -> tuple[float, float | None]:
    """Seconds for ``len(actions)`` vector steps after a reset (and 100 warm-up steps), and the CPU
    seconds they took in this process plus the worker processes ``pids`` (``None`` if unknown)."""
    if gymnasium_api:
        env.reset(seed=seed)
    else:
        env.seed(seed)
        env.reset()
    for a in actions[:100]:
        env.step(a)
    pids = pids or []
    cpu0, workers0 = time.process_time(), worker_cpu_seconds(pids)
    start = time.perf_counter()
    for a in actions:
        env.step(a)
    wall = time.perf_counter() - start
    workers1 = worker_cpu_seconds(pids)
    cpu = None if workers0 is None or workers1 is None else time.process_time() - cpu0 + workers1 - workers0
    return wall, cpu


def task_wrapper_section(args: argparse.Namespace) -> str:
    """Section ``task_wrapper``: steps/s of a vector env with a teacher over the same env without one.

    One set of ``N_WORKERS`` worker processes per (backend, environment); the plain runs step it
    directly (each copy drawing its own random task per reset, ``set_task(None)``), the teacher
    runs step it through :class:`~autocurriculum.environments.task_wrapper.TaskVectorEnv` /
    :class:`~autocurriculum.environments.task_wrapper.TaskVecEnv` with the teacher updated on every episode.
    Runs are interleaved; the ratio is the median over repeats of wrapped / plain steps/s.
    """
    from autocurriculum.environments.parametric_cartpole import cartpole_task_space
    from autocurriculum.environments.stump_tracks import stump_tracks_task_space
    from autocurriculum.environments.task_wrapper import TaskVecEnv, TaskVectorEnv
    from autocurriculum.teachers import ALPGMM, Random

    envs = {
        "ParametricCartPole-v0": (autocurriculum.environments.CARTPOLE_ID, cartpole_task_space(), (0.0, 500.0)),
        "StumpTracks-v0": (STUMP_TRACKS_ID, stump_tracks_task_space(), (-150.0, 350.0)),
    }
    envs = {k: v for k, v in envs.items() if k in args.envs}
    load_before = os.getloadavg()
    rows = [
        [
            "backend",
            "environment",
            "teacher",
            "steps/s (median)",
            "episodes/s",
            "teacher time",
            "ratio to no teacher",
            "CPU us/step (all processes)",
            "CPU ratio",
        ]
    ]
    for backend in ("gymnasium AsyncVectorEnv", "SB3 SubprocVecEnv"):
        gymnasium_api = backend.startswith("gymnasium")
        for env_name, (env_id, space, bounds) in envs.items():
            inner = wrapper_vector_envs(backend, env_id)
            wrap = TaskVectorEnv if gymnasium_api else TaskVecEnv
            wrapped = {
                "Random": wrap(inner, Random(space, seed=args.seed)),
                "ALP-GMM": wrap(inner, ALPGMM(space, return_bounds=bounds, seed=args.seed)),
                "ALP-GMM (background refit)": wrap(
                    inner, ALPGMM(space, return_bounds=bounds, refit="background", seed=args.seed)
                ),
            }
            single = inner.single_action_space if gymnasium_api else inner.action_space
            rng = np.random.default_rng(args.seed)
            n_vec = max(1, args.steps // N_WORKERS)
            if isinstance(single, gym.spaces.Discrete):
                actions = rng.integers(0, single.n, size=(n_vec, N_WORKERS))
            else:
                actions = rng.uniform(single.low, single.high, (n_vec, N_WORKERS, *single.shape)).astype(single.dtype)
            pids = [p.pid for p in inner.processes]
            times: dict[str, list[float]] = {"none": [], **{k: [] for k in wrapped}}
            cpus: dict[str, list[float]] = {"none": [], **{k: [] for k in wrapped}}
            episodes: dict[str, int] = dict.fromkeys(wrapped, 0)
            teacher_time: dict[str, float] = dict.fromkeys(wrapped, 0.0)
            for r in range(args.repeats):
                if gymnasium_api:
                    inner.call("set_task", None)
                else:
                    inner.env_method("set_task", None)
                wall, cpu = time_vector_env(inner, gymnasium_api, actions, args.seed + r, pids)
                times["none"].append(wall)
                cpus["none"].append(np.nan if cpu is None else cpu)
                for name, env in wrapped.items():
                    e0, t0 = env.n_episodes, env.teacher_seconds
                    wall, cpu = time_vector_env(env, gymnasium_api, actions, args.seed + r, pids)
                    times[name].append(wall)
                    cpus[name].append(np.nan if cpu is None else cpu)
                    episodes[name] += env.n_episodes - e0
                    teacher_time[name] += env.teacher_seconds - t0
            inner.close()
            plain = np.array(times["none"])
            steps = n_vec * N_WORKERS
            plain_cpu = np.array(cpus["none"])
            rows.append(
                [
                    backend,
                    env_name,
                    "none",
                    f"{np.median(steps / plain):,.0f}",
                    "",
                    "",
                    "1.00x",
                    f"{1e6 * np.median(plain_cpu) / steps:.1f}",
                    "1.00x",
                ]
            )
            for name in wrapped:
                t = np.array(times[name])
                ratios = plain / t
                cpu_ratio = np.median(plain_cpu) / np.median(cpus[name])
                rows.append(
                    [
                        backend,
                        env_name,
                        name,
                        f"{np.median(steps / t):,.0f}",
                        f"{episodes[name] / t.sum():,.0f}",
                        f"{100 * teacher_time[name] / t.sum():.1f}%",
                        f"{np.median(ratios):.2f}x (min {ratios.min():.2f}, max {ratios.max():.2f})",
                        f"{1e6 * np.median(cpus[name]) / steps:.1f}",
                        f"{cpu_ratio:.2f}x",
                    ]
                )
    title = f"Task wrapper cost: {N_WORKERS} worker processes, teacher updated every episode vs no teacher"
    notes = (
        f"{args.repeats} interleaved repeats of {n_vec * N_WORKERS:,} environment steps (random actions) per variant on "
        f"the same {N_WORKERS} worker processes; 'none' steps the vector env directly (each copy draws a random task "
        "per reset). Teacher time: share of the timed wall time spent in teacher.sample/update (included in the "
        "ratio). Target (issue 3): >= 0.9x; issue 16: >= 0.95x on ParametricCartPole. The machine has 2 cores shared "
        f"with other work, so single runs are noisy; load average (1, 5, 15 min) before: "
        f"{', '.join(f'{v:.1f}' for v in load_before)}, after: {', '.join(f'{v:.1f}' for v in os.getloadavg())}, "
        f"on {os.cpu_count()} CPUs ({N_WORKERS} workers plus the main process: oversubscribed when that is < 9). "
        "CPU us/step: CPU time of the main process (teacher, wrapper and any background thread included) and of "
        "the workers per environment step (median over repeats); CPU ratio: no-teacher CPU per step over this "
        "variant's, the throughput ratio a CPU-bound machine would show, which other load does not distort."
    )
    return f"## {title}\n\n{notes}\n\n{markdown(rows)}\n"


# --------------------------------------------------------------------------- driver

# name -> function(args) returning a Markdown section; add a section by adding an entry.
SECTIONS: dict[str, Callable[[argparse.Namespace], str]] = {
    "stump_tracks": stump_tracks_section,
    "walkers": walkers_section,
    "task_wrapper": task_wrapper_section,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sections", nargs="+", choices=sorted(SECTIONS), default=list(SECTIONS))
    parser.add_argument("--steps", type=int, default=20_000, help="environment steps per timed run")
    parser.add_argument("--repeats", type=int, default=5, help="timed runs per environment")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--envs",
        nargs="+",
        choices=["ParametricCartPole-v0", "StumpTracks-v0"],
        default=["ParametricCartPole-v0", "StumpTracks-v0"],
        help="environments of the task_wrapper section",
    )
    parser.add_argument("--output", type=Path, help="also write the Markdown tables to this file")
    args = parser.parse_args(argv)
    if args.steps < 1 or args.repeats < 1:
        parser.error(f"--steps and --repeats must be >= 1, got {args.steps} and {args.repeats}")

    header = (
        f"# Environment throughput\n\nPython {platform.python_version()}, gymnasium {gym.__version__}, "
        f"numpy {np.__version__}, {platform.machine()}; registered ids: {', '.join(autocurriculum.environments.ENV_IDS)}\n"
    )
    text = header + "\n" + "\n".join(SECTIONS[name](args) for name in args.sections)
    print(text)
    if args.output is not None:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
