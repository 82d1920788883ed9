"""PPO throughput on the maze env against the same PPO on minigrid's own comparable env.

Issue 11's target: PPO on ``autocurriculum/Maze-v0`` runs at >= 0.9x the steps/s of the same PPO
on a comparable built-in minigrid env. The comparison:

* ``MiniGrid-SimpleCrossingS9N1-v0`` (a 9 x 9 grid, 7 x 7 interior like the maze's default,
  one wall with a gap), under :class:`FlatObservation`, which turns minigrid's dict observation
  into the maze's flat one (:func:`~autocurriculum.environments.maze.flat_observation`: the
  7 x 7 x 3 view and the one-hot direction), with ``see_through_walls`` set to True after
  construction, as the maze's;
* ``autocurriculum/Maze-v0`` with a random level per reset (no teacher), the same PPO;
* ``autocurriculum/Maze-v0`` through the project's :class:`~autocurriculum.students.sb3.PPOStudent` with a
  :class:`~autocurriculum.teachers.Random` teacher and with Robust PLR (the task wrapper, regret
  scores and the masked rollout buffer included), to show what the curriculum machinery costs.

PPO: SB3 ``MlpPolicy``, ``n_envs`` copies in one process (``DummyVecEnv``), ``n_steps=128``,
``batch_size=256``, ``n_epochs=4``, one torch thread; no ``VecNormalize`` in the plain runs, the
student's default (``VecNormalize``) in the student runs. Runs are interleaved over repeats so
that load changes on a shared machine hit all alike; the ratio is the median over repeats of
each run's steps/s over the same repeat's SimpleCrossing steps/s.

Usage::

    python benchmarks/maze_throughput.py
    python benchmarks/maze_throughput.py --steps 8192 --repeats 5 --output benchmarks/results/maze_throughput.md
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import gymnasium as gym
import minigrid  # noqa: F401  (registers the MiniGrid ids)
import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import autocurriculum.environments  # noqa: E402,F401  (registers the autocurriculum ids)
from autocurriculum.environments.maze import flat_observation  # noqa: E402

BUILTIN_ID = "MiniGrid-SimpleCrossingS9N1-v0"
MAZE_ID = "autocurriculum/Maze-v0"
PPO_KWARGS: dict[str, Any] = {"n_steps": 128, "batch_size": 256, "n_epochs": 4}


class FlatObservation(gym.ObservationWrapper):
    """Minigrid's ``{"image", "direction", "mission"}`` observation as the maze's flat ``uint8`` vector."""

    def __init__(self, env: gym.Env) -> None:
        super().__init__(env)
        view = env.unwrapped.agent_view_size
        self.observation_space = gym.spaces.Box(0, 255, shape=(3 * view * view + 4,), dtype=np.uint8)

    def observation(self, observation: dict[str, Any]) -> np.ndarray:
        return flat_observation(observation["image"], observation["direction"])


def builtin_env() -> gym.Env:
    """SimpleCrossing with the maze's observation and no occlusion (it fixes ``see_through_walls=False``)."""
    env = gym.make(BUILTIN_ID)
    env.unwrapped.see_through_walls = True
    return FlatObservation(env)


def markdown(rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(rows[0]) + " |", "|" + "---|" * len(rows[0])]
    lines += ["| " + " | ".join(r) + " |" for r in rows[1:]]
    return "\n".join(lines)


def plain_ppo(make_env: Callable[[], gym.Env], n_envs: int, seed: int) -> Callable[[int], float]:
    """A PPO model on ``n_envs`` copies; returns ``learn(steps) -> seconds``."""
    from stable_baselines3 import PPO
    from stable_baselines3.common.vec_env import DummyVecEnv

    model = PPO("MlpPolicy", DummyVecEnv([make_env] * n_envs), seed=seed, device="cpu", **PPO_KWARGS)

    def learn(steps: int) -> float:
        t0 = time.perf_counter()
        model.learn(steps, reset_num_timesteps=False)
        return time.perf_counter() - t0

    return learn


def student_ppo(teacher_name: str, n_envs: int, seed: int) -> Callable[[int], float]:
    """The project's PPO student on the maze with a teacher; returns ``learn(steps) -> seconds``."""
    from autocurriculum.students.sb3 import PPOStudent
    from autocurriculum.teachers import PLR, Random

    student = PPOStudent(MAZE_ID, n_envs=n_envs, vec_env="dummy", algo_kwargs=PPO_KWARGS, seed=seed)
    if teacher_name == "random":
        teacher = Random(student.task_space, seed=seed)
    else:
        teacher = PLR.from_preset("robust_plr", student.task_space, buffer_size=500, seed=seed)
    student.setup(teacher)

    def learn(steps: int) -> float:
        t0 = time.perf_counter()
        student.learn(teacher, steps)
        return time.perf_counter() - t0

    return learn


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=4096, help="PPO steps per timed run")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--n-envs", type=int, default=4)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--output", type=Path, help="also write the Markdown table here")
    args = parser.parse_args()
    torch.set_num_threads(1)

    runs: dict[str, Callable[[int], float]] = {
        f"{BUILTIN_ID} + FlatObservation, SB3 PPO": plain_ppo(builtin_env, args.n_envs, args.seed),
        f"{MAZE_ID} (random levels), SB3 PPO": plain_ppo(lambda: gym.make(MAZE_ID), args.n_envs, args.seed),
        f"{MAZE_ID}, PPOStudent + Random teacher": student_ppo("random", args.n_envs, args.seed),
        f"{MAZE_ID}, PPOStudent + Robust PLR": student_ppo("robust_plr", args.n_envs, args.seed),
    }
    for learn in runs.values():  # warm-up: first rollout and update, imports
        learn(PPO_KWARGS["n_steps"] * args.n_envs)
    seconds: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(args.repeats):
        for name, learn in runs.items():
            seconds[name].append(learn(args.steps))
    base = np.array(seconds[next(iter(runs))])
    rows = [["run", "PPO steps/s (median)", f"ratio to {BUILTIN_ID} (median, min..max)"]]
    for name, secs in seconds.items():
        arr = np.array(secs)
        ratios = base / arr
        rows.append(
            [
                name,
                f"{np.median(args.steps / arr):,.0f}",
                f"{np.median(ratios):.2f}x ({ratios.min():.2f}..{ratios.max():.2f})",
            ]
        )
    notes = (
        f"{args.repeats} interleaved repeats of {args.steps:,} PPO steps per run, {args.n_envs} env copies in one "
        f"process, PPO {PPO_KWARGS}, MlpPolicy, one torch thread. Target (issue 11): Maze-v0 >= 0.9x."
    )
    table = f"## PPO throughput: maze vs minigrid's SimpleCrossing\n\n{notes}\n\n{markdown(rows)}\n"
    print(table)
    if args.output:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(table)


if __name__ == "__main__":
    main()
