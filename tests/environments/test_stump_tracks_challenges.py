"""TeachMyAgent's challenge variants of Stump Tracks: negative heights and the shuffled (rugged) task space."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest

import autocurriculum.environments  # noqa: F401 - registers the ids
from autocurriculum.environments.stump_tracks import shuffle_task, shuffled_intervals, stump_tracks_task_space


def test_negative_heights_widen_the_space_and_build_flat_tracks() -> None:
    space = stump_tracks_task_space(3.0, min_stump_height=-3.0)
    assert space.low.tolist() == [-3.0, 0.0]
    env = gym.make("autocurriculum/StumpTracks-v0", min_stump_height=-3.0).unwrapped
    env.reset(seed=0, options={"task": [-2.5, 1.0]})
    heights = (env.stumps[:, 3] - env.stumps[:, 2]) / (env.stumps[0, 1] - env.stumps[0, 0])
    assert np.allclose(heights, 0.05)  # floored: a flat track
    with pytest.raises(ValueError, match="min_stump_height"):
        stump_tracks_task_space(3.0, min_stump_height=3.0)


def test_shuffle_is_a_bijection_that_moves_whole_intervals() -> None:
    space = stump_tracks_task_space()
    perms = shuffled_intervals(space, 4, seed=21)
    assert sorted(perms[0].tolist()) == [0, 1, 2, 3] and perms.shape == (2, 4)
    rng = np.random.default_rng(0)
    tasks = np.array([space.sample(rng) for _ in range(500)])
    moved = np.array([shuffle_task(space, perms, t) for t in tasks])
    assert all(space.contains(m) for m in moved)
    # the cell of a task decides the cell it lands in, and the offset inside the cell is kept
    unit, unit_moved = space.to_unit(tasks) * 4, space.to_unit(moved) * 4
    cells = np.minimum(unit.astype(int), 3)
    assert np.array_equal(np.minimum(unit_moved.astype(int), 3), np.take_along_axis(perms.T, cells, axis=0))
    assert np.allclose(unit - cells, unit_moved - np.minimum(unit_moved.astype(int), 3))
    assert not np.allclose(moved, tasks)


def test_shuffled_env_builds_the_terrain_of_the_moved_task() -> None:
    plain = gym.make("autocurriculum/StumpTracks-v0").unwrapped
    rugged = gym.make("autocurriculum/StumpTracks-v0", shuffle_cuttings=4).unwrapped
    space = plain.task_space
    task = np.array([0.3, 5.5])
    target = shuffle_task(space, shuffled_intervals(space, 4, 21), task)
    _, info = rugged.reset(seed=3, options={"task": task})
    plain.reset(seed=3, options={"task": target})
    assert info["task"].tolist() == task.tolist()  # the teacher's coordinates
    assert np.array_equal(rugged.stumps, plain.stumps)
