"""The minigrid maze: the level in is the level played, gymnasium's checks, seeds, held-out mazes."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env
from minigrid.core.world_object import Goal, Wall

import autocurriculum.environments
from autocurriculum.environments.maze import (
    Maze,
    MazeSeeds,
    default_max_steps,
    flat_observation,
    held_out_mazes,
    level_from_seed,
    parse_layout,
)
from autocurriculum.teachers.levels import MazeLevelSpace, shortest_path_length
from autocurriculum.teachers.spaces import DiscreteSpace

LEFT, RIGHT, FORWARD = 0, 1, 2


def _played_level(env: Maze) -> tuple[set[tuple[int, int]], tuple[int, int], tuple[int, int], int]:
    """Walls, goal, agent cell and direction read back from minigrid's grid (interior coordinates)."""
    grid = env.unwrapped.grid
    walls, goal = set(), None
    for x in range(1, grid.width - 1):
        for y in range(1, grid.height - 1):
            obj = grid.get(x, y)
            if isinstance(obj, Wall):
                walls.add((x - 1, y - 1))
            elif isinstance(obj, Goal):
                goal = (x - 1, y - 1)
    for x in range(grid.width):  # the border is walls
        assert isinstance(grid.get(x, 0), Wall) and isinstance(grid.get(x, grid.height - 1), Wall)
    agent = tuple(int(v) - 1 for v in env.unwrapped.agent_pos)
    return walls, goal, agent, int(env.unwrapped.agent_dir)


@pytest.mark.parametrize("seed", range(5))
def test_the_level_in_is_the_level_played(seed: int) -> None:
    env = Maze(size=7, max_walls=12)
    level = env.level_space.sample(np.random.default_rng(seed))
    _, info = env.reset(seed=seed, options={"task": level})
    assert info["task"] == level
    walls, goal, agent, direction = _played_level(env)
    assert walls == set(level.walls)
    assert goal == level.goal and agent == level.agent and direction == level.agent_dir
    assert info["solvable"] == (shortest_path_length(level) is not None)
    # set_task keeps the level for later resets (vector-env autoreset), and accepts plain data
    env.set_task(level.to_dict())
    env.reset()
    assert _played_level(env) == (set(level.walls), level.goal, level.agent, level.agent_dir)


def test_held_out_levels_of_larger_sizes_rebuild_the_grid() -> None:
    env = Maze(size=7)
    for name, level in held_out_mazes().items():
        obs, info = env.reset(options={"task": level})
        assert obs.shape == env.observation_space.shape, name
        assert env.unwrapped.width == level.size + 2
        assert env.unwrapped.max_steps == default_max_steps(level.size)
        assert _played_level(env) == (set(level.walls), level.goal, level.agent, level.agent_dir)
        assert info["solvable"], name


def test_walking_to_the_goal_succeeds_with_the_discounted_reward() -> None:
    env = Maze(size=5, max_walls=4)
    level = {"size": 5, "agent": [0, 0], "agent_dir": 0, "goal": [3, 0], "walls": [[0, 1]]}
    env.reset(options={"task": level})
    for _ in range(2):
        _, reward, terminated, truncated, info = env.step(FORWARD)
        assert reward == 0.0 and not terminated and info["is_success"] is False and "success" not in info
    _, reward, terminated, truncated, info = env.step(FORWARD)
    assert terminated and not truncated
    assert reward == pytest.approx(1 - 0.9 * 3 / env.unwrapped.max_steps)
    assert info["success"] is True and info["is_success"] is True and info["solvable"] is True


def test_walls_block_and_time_runs_out_without_success() -> None:
    env = Maze(size=5, max_walls=4, max_steps=6)
    level = {"size": 5, "agent": [0, 0], "agent_dir": 0, "goal": [4, 4], "walls": [[1, 0]]}
    env.reset(options={"task": level})
    for _ in range(6):
        _, reward, terminated, truncated, info = env.step(FORWARD)  # into the wall: does not move
        assert tuple(int(v) for v in env.unwrapped.agent_pos) == (1, 1)
    assert truncated and not terminated and reward == 0.0 and info["success"] is False


def test_unsolvable_levels_are_played_and_flagged() -> None:
    env = Maze(size=5, max_walls=4)
    level = {"size": 5, "agent": [0, 0], "agent_dir": 0, "goal": [4, 4], "walls": [[3, 4], [4, 3]]}
    _, info = env.reset(options={"task": level})
    assert info["solvable"] is False and info["shortest_path"] == -1


def test_bad_levels_and_options_are_refused() -> None:
    env = Maze(size=5, max_walls=4)
    with pytest.raises(ValueError, match=r"task\.walls\[0\]: \[4, 4\] is the goal cell"):
        env.reset(options={"task": {"size": 5, "agent": [0, 0], "agent_dir": 0, "goal": [4, 4], "walls": [[4, 4]]}})
    with pytest.raises(ValueError, match="unknown keys"):
        env.reset(options={"level": None})
    env.reset(seed=0)
    with pytest.raises(ValueError, match="action"):
        env.step(3)


def test_the_observation_is_the_egocentric_view_and_direction() -> None:
    env = Maze(size=5, max_walls=4)
    level = {"size": 5, "agent": [2, 2], "agent_dir": 3, "goal": [2, 0], "walls": []}
    obs, _ = env.reset(options={"task": level})
    view = obs[:147].reshape(7, 7, 3)
    assert obs[147:].tolist() == [0, 0, 0, 1]
    assert view[3, 4, 0] == 8  # the goal (minigrid object index 8) two cells ahead of the agent at [3, 6]
    np.testing.assert_array_equal(flat_observation(view, 3), obs)


def test_random_levels_come_from_np_random() -> None:
    a, b = Maze(), Maze()
    assert a.reset(seed=3)[1]["task"] == b.reset(seed=3)[1]["task"]
    assert a.reset()[1]["task"] in a.level_space


@pytest.mark.parametrize("env_id", [autocurriculum.environments.MAZE_ID, autocurriculum.environments.MAZE_SEEDS_ID])
def test_check_env_passes(env_id: str) -> None:
    env = gym.make(env_id)
    check_env(env.unwrapped)
    env.close()


def test_seed_view_plays_the_level_of_each_seed() -> None:
    env = MazeSeeds(n_seeds=50, size=6, max_walls=8)
    assert env.task_space == DiscreteSpace(50)
    _, info = env.reset(options={"task": 17})
    expected = level_from_seed(MazeLevelSpace(6, 8), 17)
    assert info["task"] == 17 and info["level"] == expected
    assert _played_level(env) == (set(expected.walls), expected.goal, expected.agent, expected.agent_dir)
    _, info = env.reset()  # the seed is kept
    assert info["task"] == 17
    env.set_task(None)
    _, info = env.reset(seed=1)
    assert 0 <= info["task"] < 50 and info["level"] == level_from_seed(MazeLevelSpace(6, 8), info["task"])


def test_held_out_mazes_ship_and_are_solvable() -> None:
    mazes = held_out_mazes()
    assert len(mazes) >= 8
    assert {m.size for m in mazes.values()} >= {7, 9, 13, 15}
    for name, level in mazes.items():
        assert shortest_path_length(level) is not None, name


def test_parse_layout_errors_name_the_problem() -> None:
    with pytest.raises(ValueError, match="square"):
        parse_layout([">..", "..G"])
    with pytest.raises(ValueError, match="unknown character 'x'"):
        parse_layout([">..", ".x.", "..G"])
    with pytest.raises(ValueError, match="needs one agent"):
        parse_layout(["...", "...", "..G"])
    level = parse_layout(["v#.", "...", "..G"])
    assert level.agent == (0, 0) and level.agent_dir == 1 and level.walls == ((1, 0),) and level.goal == (2, 2)


def test_huge_mazes_are_refused_before_any_grid_is_built() -> None:
    """A mutated config with size 30000 used to allocate a 30002 x 30002 minigrid (found by the fuzz)."""
    import time

    from autocurriculum.teachers.levels import MAX_MAZE_SIZE, MazeLevelSpace

    start = time.perf_counter()
    with pytest.raises(ValueError, match=rf"MazeLevelSpace.size: expected an integer in \[3, {MAX_MAZE_SIZE}\], got 30000"):
        Maze(size=30000, max_walls=12)
    assert time.perf_counter() - start < 1.0
    MazeLevelSpace(MAX_MAZE_SIZE, 0)  # the bound itself is allowed
    big = {"size": MAX_MAZE_SIZE + 1, "agent": [0, 0], "agent_dir": 0, "goal": [1, 0], "walls": []}
    with pytest.raises(ValueError, match=r"task.size: got 129; mazes have sizes in \[3, 128\]"):
        Maze(size=5, max_walls=4).test_task_space.check(big)
