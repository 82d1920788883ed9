"""The maze level space: membership errors, encoding round trips, edits, plain data."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autocurriculum.teachers.levels import MazeLevel, MazeLevelSpace, level_grid, shortest_path_length
from autocurriculum.teachers.spaces import space_from_dict

SPACE = MazeLevelSpace(size=5, max_walls=6)


def _level(**changes: object) -> dict:
    base = {"size": 5, "agent": [0, 0], "agent_dir": 1, "goal": [4, 4], "walls": [[2, 2], [1, 3]]}
    return {**base, **changes}


def test_check_returns_canonical_level_with_sorted_walls() -> None:
    level = SPACE.check(_level())
    assert isinstance(level, MazeLevel)
    assert level.walls == ((1, 3), (2, 2))
    assert level.agent == (0, 0) and level.goal == (4, 4) and level.agent_dir == 1


@pytest.mark.parametrize(
    ("changes", "match"),
    [
        ({"walls": [[2, 2], [5, 1]]}, r"walls\[1\]: \(5, 1\) lies outside the grid"),
        ({"walls": [[4, 4]]}, r"walls\[0\]: \[4, 4\] is the goal cell"),
        ({"walls": [[0, 0]]}, r"walls\[0\]: \[0, 0\] is the agent's start cell"),
        ({"walls": [[1, 1], [1, 1]]}, r"walls\[1\]: \[1, 1\] appears twice"),
        ({"goal": [0, 0]}, r"goal: \[0, 0\] is the agent's start cell"),
        ({"goal": [-1, 2]}, r"goal: \(-1, 2\) lies outside the grid"),
        ({"agent_dir": 4}, r"agent_dir: got 4"),
        ({"size": 6}, r"size: got 6; this space's mazes are 5 x 5"),
        ({"walls": [[i, 1] for i in range(5)] + [[0, 2], [1, 2]]}, r"7 walls exceed .* max_walls=6"),
    ],
)
def test_check_names_the_field_value_and_rule(changes: dict, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        SPACE.check(_level(**changes), "level")
    assert not SPACE.contains(_level(**changes))


@pytest.mark.parametrize(
    ("changes", "match"),
    [
        ({"agent": [0]}, r"level\.agent: expected a cell"),
        ({"walls": [[1.5, 2]]}, r"level\.walls\[0\]: expected a cell"),
        ({"agent_dir": "up"}, r"level\.agent_dir: expected an integer"),
        ({"walls": "none"}, r"level\.walls: expected a sequence"),
    ],
)
def test_check_rejects_wrong_types(changes: dict, match: str) -> None:
    with pytest.raises(TypeError, match=match):
        SPACE.check(_level(**changes), "level")


def test_check_rejects_unknown_and_missing_keys() -> None:
    with pytest.raises(ValueError, match=r"missing \['walls'\].*unknown \['wall'\]"):
        SPACE.check({**{k: v for k, v in _level().items() if k != "walls"}, "wall": []})


def test_invalid_examples_are_rejected() -> None:
    for bad in SPACE.invalid_examples():
        assert not SPACE.contains(bad)


def test_unreachable_goal_is_a_member_and_flagged() -> None:
    boxed = _level(walls=[[3, 4], [4, 3]])  # the goal in the corner, walled in
    assert SPACE.contains(boxed)
    assert not SPACE.solvable(boxed)
    assert SPACE.solvable(_level())
    assert shortest_path_length(SPACE.check(_level(walls=[]))) == 8


def test_solvable_hand_cases() -> None:
    space = MazeLevelSpace(size=5, max_walls=10)
    wall_column = [[2, y] for y in range(5)]
    assert not space.solvable(_level(walls=wall_column))
    with_gap = [[2, y] for y in range(4)]
    assert space.solvable(_level(walls=with_gap))
    assert shortest_path_length(space.check(_level(walls=with_gap))) == 8
    diagonal_only = [[1, 0], [0, 1]]  # no diagonal moves: the agent is boxed in
    assert not space.solvable(_level(walls=diagonal_only))


def test_encoding_round_trip_and_layout() -> None:
    level = SPACE.check(_level())
    codes = SPACE.encode(level)
    assert codes.dtype == np.int64 and codes.shape == (SPACE.encoding_length,) == (9,)
    assert codes.tolist() == [24, 0, 1, 12, 16, 25, 25, 25, 25]  # goal, agent, direction, sorted wall cells
    assert SPACE.decode(codes) == level
    assert SPACE.decode(codes, strict=True) == level
    assert SPACE.check(codes) == level
    assert SPACE.vocab_size == 26 and SPACE.pad == 25


def test_strict_decode_rejects_non_canonical_sequences() -> None:
    codes = SPACE.encode(_level())
    swapped = codes.copy()
    swapped[[3, 4]] = swapped[[4, 3]]
    with pytest.raises(ValueError, match="strictly increasing"):
        SPACE.decode(swapped, strict=True)
    gap = codes.copy()
    gap[3], gap[5] = SPACE.pad, 7
    with pytest.raises(ValueError, match="padding last"):
        SPACE.decode(gap, strict=True)
    with pytest.raises(ValueError, match=r"codes\[0\]: token 26 lies outside"):
        SPACE.decode(np.array([26, 0, 0] + [25] * 6))
    with pytest.raises(ValueError, match="shape"):
        SPACE.decode(codes[:-1])


def test_tolerant_decode_drops_collisions() -> None:
    # goal 24, agent 24 (collides), direction 6, walls 3, 3 (duplicate), 24 (on goal), pad, 0
    codes = np.array([24, 24, 6, 3, 3, 24, 25, 0, 25])
    level = SPACE.decode(codes)
    assert level.goal == (4, 4)
    assert level.agent == (1, 0)  # the next non-wall cell after 24, wrapping past the wall on cell 0
    assert level.agent_dir == 2
    assert level.walls == ((0, 0), (3, 0))  # duplicates and the wall on the goal are dropped
    assert SPACE.contains(level)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 25), min_size=9, max_size=9))
def test_tolerant_decode_always_gives_a_member(tokens: list[int]) -> None:
    tokens[0] = min(tokens[0], 24)
    tokens[1] = min(tokens[1], 24)
    level = SPACE.decode(np.array(tokens))
    assert SPACE.contains(level)
    assert SPACE.decode(SPACE.encode(level), strict=True) == level


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 8))
def test_samples_and_edits_stay_valid_and_round_trip(seed: int, n_edits: int) -> None:
    rng = np.random.default_rng(seed)
    level = SPACE.sample(rng)
    assert SPACE.check(level) == level
    child = SPACE.edit(level, rng, n_edits=n_edits, move_goal_prob=0.3)
    assert SPACE.check(child) == child
    assert child.agent == level.agent and child.agent_dir == level.agent_dir
    for lv in (level, child):
        assert SPACE.decode(SPACE.encode(lv), strict=True) == lv
        plain = json.loads(json.dumps(SPACE.to_plain(lv)))
        assert MazeLevel.from_dict(plain) == lv == SPACE.check(plain)


def test_edit_changes_the_level_by_at_most_n_edits_cells() -> None:
    rng = np.random.default_rng(0)
    level = SPACE.check(_level())
    for _ in range(50):
        child = SPACE.edit(level, rng, n_edits=1, move_goal_prob=0.0)
        diff = set(child.walls) ^ set(level.walls)
        assert len(diff) == 1 and child.goal == level.goal
    moved = SPACE.edit(level, rng, n_edits=1, move_goal_prob=1.0)
    assert moved.goal != level.goal and moved.walls == level.walls


def test_edit_respects_the_wall_budget() -> None:
    space = MazeLevelSpace(size=3, max_walls=2)
    rng = np.random.default_rng(1)
    level = space.sample(rng)
    for _ in range(100):
        level = space.edit(level, rng, n_edits=3)
        assert len(level.walls) <= 2


def test_sample_uses_the_callers_generator_and_covers_wall_counts() -> None:
    a = [SPACE.sample(np.random.default_rng(3)) for _ in range(2)]
    assert a[0] == a[1]
    rng = np.random.default_rng(0)
    counts = {len(SPACE.sample(rng).walls) for _ in range(300)}
    assert counts == set(range(7))
    level = SPACE.sample_solvable(rng)
    assert SPACE.solvable(level)


def test_space_round_trips_through_plain_data() -> None:
    data = json.loads(json.dumps(SPACE.to_dict()))
    assert data == {"kind": "maze", "size": 5, "max_walls": 6}
    assert space_from_dict(data) == SPACE
    with pytest.raises(ValueError, match="unknown keys"):
        space_from_dict({**data, "walls": 3})


@pytest.mark.parametrize(("size", "max_walls"), [(2, 0), (5, 24), (5, -1), (5.0, 3)])
def test_space_rejects_bad_parameters(size: object, max_walls: object) -> None:
    with pytest.raises(ValueError, match="MazeLevelSpace"):
        MazeLevelSpace(size=size, max_walls=max_walls)  # type: ignore[arg-type]


def test_level_grid_and_hashability() -> None:
    level = SPACE.check(_level())
    grid = level_grid(level)
    assert grid.shape == (5, 5)
    assert grid[0, 0] == 3 and grid[4, 4] == 2 and grid[2, 2] == 1 and grid[3, 1] == 1
    assert int((grid == 1).sum()) == 2
    assert len({level, SPACE.check(_level(walls=[[1, 3], [2, 2]]))}) == 1
    assert SPACE.equal_tasks(level, SPACE.encode(level))


def test_check_remembers_only_the_very_object_it_validated() -> None:
    space = MazeLevelSpace(5, 4)
    level = space.sample(np.random.default_rng(0))
    assert space.check(level) is space.check(level)
    # an equal-looking level with a float size is a different object: checked in full, refused
    bad = MazeLevel(5.0, level.agent, level.agent_dir, level.goal, level.walls)  # type: ignore[arg-type]
    assert bad == level
    with pytest.raises(ValueError, match="size"):
        space.check(bad)
    # validated for this space only: another space checks it again
    with pytest.raises(ValueError, match="size"):
        MazeLevelSpace(6, 4).check(level)
