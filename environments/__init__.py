"""Environments: simulated students, gymnasium environments with task spaces, and the task wrapper.

Importing this package registers the gymnasium ids below with lazy ``"module:Class"`` entry
points, so that Box2D and the environment modules are only imported when an environment is made:

* ``autocurriculum/StumpTracks-v0`` -- :class:`autocurriculum.environments.stump_tracks.StumpTracks`, the
  Stump Tracks BipedalWalker of teachDeepRL (Portelas et al., CoRL 2019) and TeachMyAgent
  (Romac et al., ICML 2021); keyword arguments ``body`` (``"default"``, ``"short"``,
  ``"quadruped"``), ``max_stump_height`` (default 3), ``task_in_obs``, ``render_mode``;
  episodes of at most 2000 steps.
* ``autocurriculum/AccelWalker-v0`` -- :class:`autocurriculum.environments.accel_walker.AccelWalker`, the
  BipedalWalker of ACCEL (Parker-Holder et al., ICML 2022; dcd's ``BipedalWalker-Adversarial``):
  eight terrain parameters and six test terrains; keyword arguments ``body``, ``level_seed``,
  ``task_in_obs``, ``render_mode``; episodes of at most 2000 steps.
* ``autocurriculum/Parkour-v0`` -- :class:`autocurriculum.environments.parkour.Parkour`, TeachMyAgent's
  Parkour (Romac et al., ICML 2021): CPPN ground and ceiling, water, creepers; keyword arguments
  ``body``, ``creepers_width``, ``task_in_obs``, ``render_mode``; episodes of at most 2000 steps.

Also registered: ``autocurriculum/ParametricCartPole-v0`` (:data:`CARTPOLE_ID`),
``autocurriculum/Waypoints-v0`` (:data:`WAYPOINTS_ID`), ``autocurriculum/FetchDeliver-v0``
(:data:`FETCH_DELIVER_ID`), ``autocurriculum/MetaWorld-v0`` (:data:`METAWORLD_ID`, one Meta-World task
from states, needs ``autocurriculum[metaworld]``), and the minigrid mazes
``autocurriculum/Maze-v0`` (:data:`MAZE_ID`, levels as :class:`~autocurriculum.teachers.levels.MazeLevel`)
and ``autocurriculum/MazeSeeds-v0`` (:data:`MAZE_SEEDS_ID`, levels named by generator seeds),
see below and :mod:`autocurriculum.environments.maze`.

>>> import gymnasium as gym
>>> import autocurriculum.environments
>>> env = gym.make("autocurriculum/StumpTracks-v0", body="short")
"""

from __future__ import annotations

from gymnasium.envs.registration import register, registry

__all__ = ["ENV_IDS"]

NAMESPACE = "autocurriculum"

# id -> (entry point, max_episode_steps)
_ENVS: dict[str, tuple[str, int]] = {
    f"{NAMESPACE}/StumpTracks-v0": ("autocurriculum.environments.stump_tracks:StumpTracks", 2000),
    f"{NAMESPACE}/AccelWalker-v0": ("autocurriculum.environments.accel_walker:AccelWalker", 2000),
    f"{NAMESPACE}/Parkour-v0": ("autocurriculum.environments.parkour:Parkour", 2000),
}

ENV_IDS: tuple[str, ...] = tuple(_ENVS)


def _register_once(env_id: str, entry_point: str, max_steps: int | None = None) -> None:
    """Register ``env_id`` unless it is (importing the package twice does not re-register)."""
    if env_id not in registry:
        register(id=env_id, entry_point=entry_point, max_episode_steps=max_steps)


def _register_all() -> None:
    for env_id, (entry_point, max_steps) in _ENVS.items():
        _register_once(env_id, entry_point, max_steps)


_register_all()

# The task-wrapper tests' and benchmark's fast env (kept out of ENV_IDS, whose ids take ``body``):
# :class:`autocurriculum.environments.parametric_cartpole.ParametricCartPole`, CartPole with pole length, pole
# mass and gravity as the task; 500 steps per episode as CartPole-v1.
CARTPOLE_ID = f"{NAMESPACE}/ParametricCartPole-v0"
_register_once(CARTPOLE_ID, "autocurriculum.environments.parametric_cartpole:ParametricCartPole", 500)

# Waypoints: a point mass visiting three waypoints in order, with a scripted expert (the ADS and
# OT-imitation benchmark env); 100 steps per episode.
WAYPOINTS_ID = f"{NAMESPACE}/Waypoints-v0"
_register_once(WAYPOINTS_ID, "autocurriculum.environments.waypoints:Waypoints", 100)

# FetchDeliver: fetch an object, deliver it to a goal on the other side; the ADS lure task; 60 steps.
FETCH_DELIVER_ID = f"{NAMESPACE}/FetchDeliver-v0"
_register_once(FETCH_DELIVER_ID, "autocurriculum.environments.fetch_deliver:FetchDeliver", 60)

# One Meta-World v3 task from states (needs the metaworld extra; imported when made): task_name,
# action_repeat; 100 agent steps per episode unless gym.make(..., max_episode_steps=...).
METAWORLD_ID = f"{NAMESPACE}/MetaWorld-v0"
_register_once(METAWORLD_ID, "autocurriculum.environments.metaworld_env:MetaWorldTask", 100)

# Minigrid navigation mazes (UED papers' benchmark): a MazeLevelSpace task per episode, or a
# seed naming a random level; minigrid truncates episodes itself (max_steps grows with N).
MAZE_ID = f"{NAMESPACE}/Maze-v0"
MAZE_SEEDS_ID = f"{NAMESPACE}/MazeSeeds-v0"
_register_once(MAZE_ID, "autocurriculum.environments.maze:Maze")
_register_once(MAZE_SEEDS_ID, "autocurriculum.environments.maze:MazeSeeds")
