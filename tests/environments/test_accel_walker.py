"""The ACCEL BipedalWalker: terrain from the eight parameters, test terrains, levels, isolation."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.envs.box2d import bipedal_walker as gym_walker
from gymnasium.utils.env_checker import check_env

import autocurriculum.environments  # noqa: F401 - registers the ids
from autocurriculum.environments.accel_walker import (
    ACCEL_WALKER_DIMENSIONS,
    TEST_TERRAINS,
    AccelWalker,
    accel_walker_task_space,
    accel_walker_test_set,
)

ENV_ID = "autocurriculum/AccelWalker-v0"
STEP = gym_walker.TERRAIN_STEP
STUMP, STAIRS, PIT = 1, 2, 3


def task(**values: float) -> list[float]:
    """A task with the given dimensions and the rest at 0 (``stair_steps`` at 1)."""
    base = {name: low for name, (low, _) in ACCEL_WALKER_DIMENSIONS.items()}
    base.update(values)
    return list(base.values())


def terrain(env: AccelWalker, t: list[float], seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    env.reset(seed=seed, options={"task": t})
    return np.array(env.terrain_x), np.array(env.terrain_y), env.obstacles.copy()


def test_task_space_is_dcds_full_ranges() -> None:
    space = accel_walker_task_space()
    assert space.names == (
        "ground_roughness",
        "pit_gap_low",
        "pit_gap_high",
        "stump_height_low",
        "stump_height_high",
        "stair_height_low",
        "stair_height_high",
        "stair_steps",
    )
    np.testing.assert_array_equal(space.low, [0, 0, 0, 0, 0, 0, 0, 1])
    np.testing.assert_array_equal(space.high, [10, 10, 10, 5, 5, 5, 5, 9])


def test_test_terrains_are_the_documented_parameters() -> None:
    # gymnasium's BipedalWalker-v3 (roughness 1), its hardcore mode in these parameters, and dcd's
    # BipedalWalker-Med-{Stairs, PitGap, StumpHeight, Roughness}-v0.
    assert dict(TEST_TERRAINS) == {
        "flat": (1, 0, 0, 0, 0, 0, 0, 1),
        "hardcore": (1, 2, 3, 1, 2, 1, 1, 5),
        "stairs": (0, 0, 0, 0, 0, 2, 2, 5),
        "pit_gap": (0, 5, 5, 0, 0, 0, 0, 1),
        "stumps": (0, 0, 0, 2, 2, 0, 0, 1),
        "roughness": (5, 0, 0, 0, 0, 0, 0, 1),
    }
    space = accel_walker_task_space()
    for t in TEST_TERRAINS.values():
        space.check(t, "task")
    assert list(accel_walker_test_set()) == list(TEST_TERRAINS)
    assert accel_walker_test_set(["stairs"]) == {"stairs": [0.0, 0.0, 0.0, 0.0, 0.0, 2.0, 2.0, 5.0]}
    with pytest.raises(ValueError, match="unknown test terrains.*'hard'"):
        accel_walker_test_set(["hard"])


def test_test_terrains_build_what_they_name() -> None:
    env = AccelWalker()
    kinds = {}
    for name, t in TEST_TERRAINS.items():
        kinds[name] = set(terrain(env, list(t), seed=1)[2][:, 0].astype(int).tolist())
    assert kinds["flat"] == kinds["roughness"] == set()
    assert kinds["stairs"] == {STAIRS} and kinds["pit_gap"] == {PIT} and kinds["stumps"] == {STUMP}
    assert kinds["hardcore"] == {STUMP, STAIRS, PIT}


def test_flat_reproduces_gymnasium_bipedal_walker_step_for_step() -> None:
    reference = gym_walker.BipedalWalker()
    obs_ref, _ = reference.reset(seed=3)
    env = AccelWalker()
    obs, _ = env.reset(seed=3, options={"task": list(TEST_TERRAINS["flat"])})
    assert env.terrain_x == reference.terrain_x and env.terrain_y == reference.terrain_y
    physics = [i for i in range(24) if i not in (8, 13)]  # contact flags are counted differently on purpose
    np.testing.assert_array_equal(obs[physics], obs_ref[physics])
    rng = np.random.default_rng(0)
    for _ in range(120):
        action = rng.uniform(-1, 1, 4).astype(np.float32)
        obs_ref, r_ref, term_ref, _, _ = reference.step(action)
        obs, r, term, _, _ = env.step(action)
        np.testing.assert_array_equal(obs[physics], obs_ref[physics])
        assert r == pytest.approx(r_ref, abs=1e-5) and term == term_ref
        if term:
            break


@pytest.mark.parametrize(("low", "high"), [(0.5, 0.5), (1.0, 3.0), (4.0, 5.0)])
def test_stump_heights_follow_the_task(low: float, high: float) -> None:
    env = AccelWalker()
    for seed in range(3):
        _, _, obstacles = terrain(env, task(stump_height_low=low, stump_height_high=high), seed)
        assert len(obstacles) > 5 and set(obstacles[:, 0]) == {STUMP}
        heights = (obstacles[:, 4] - obstacles[:, 3]) / STEP
        widths = (obstacles[:, 2] - obstacles[:, 1]) / STEP
        assert np.all(heights >= low - 1e-9) and np.all(heights <= high + 1e-9)
        np.testing.assert_allclose(widths, 1.0)


@pytest.mark.parametrize("gap", [1.0, 4.5, 9.0])
def test_pit_widths_follow_the_task(gap: float) -> None:
    env = AccelWalker()
    _, _, obstacles = terrain(env, task(pit_gap_low=gap, pit_gap_high=gap))
    walls = obstacles[obstacles[:, 0] == PIT]
    assert len(walls) >= 4 and len(walls) % 2 == 0
    # The two walls of a pit start (1 + gap) terrain steps apart and go 4 steps deep.
    np.testing.assert_allclose((walls[1::2, 1] - walls[0::2, 1]) / STEP, 1.0 + gap)
    np.testing.assert_allclose((walls[:, 4] - walls[:, 3]) / STEP, 4.0)


@pytest.mark.parametrize(("height", "steps"), [(1.0, 3.0), (2.0, 5.0), (4.0, 9.0)])
def test_stairs_follow_the_task(height: float, steps: float) -> None:
    env = AccelWalker()
    counts = []
    for seed in range(4):
        _, _, obstacles = terrain(env, task(stair_height_low=height, stair_height_high=height, stair_steps=steps), seed)
        stairs = obstacles[obstacles[:, 0] == STAIRS]
        np.testing.assert_allclose((stairs[:, 4] - stairs[:, 3]) / STEP, height)
        np.testing.assert_allclose((stairs[:, 2] - stairs[:, 1]) / STEP, 4.0)
        # Stairs of one flight touch; a new flight starts after grass.
        flights = np.split(stairs, np.flatnonzero(np.abs(stairs[1:, 1] - stairs[:-1, 2]) > 1e-9) + 1)
        counts += [len(f) for f in flights if len(f)]
    assert max(counts) <= round(steps) - 1


def test_roughness_scales_the_ground() -> None:
    env = AccelWalker()
    spread = [np.ptp(terrain(env, task(ground_roughness=r), seed=5)[1]) for r in (0.0, 1.0, 5.0, 10.0)]
    assert spread[0] == 0.0
    assert spread[1] < spread[2] < spread[3]
    np.testing.assert_allclose(spread[2], 5 * spread[1], rtol=1e-9)


def test_small_ranges_leave_the_obstacle_out() -> None:
    env = AccelWalker()
    _, _, obstacles = terrain(env, task(pit_gap_high=0.7, stump_height_high=0.19, stair_height_high=0.19, stair_steps=9))
    assert obstacles.shape == (0, 5)
    _, _, obstacles = terrain(env, task(pit_gap_high=0.8))
    assert set(obstacles[:, 0]) == {PIT}


def test_low_and_high_may_come_in_either_order() -> None:
    env = AccelWalker(level_seed=0)
    a = terrain(env, task(stump_height_low=1.0, stump_height_high=3.0))
    b = AccelWalker(level_seed=0)
    b.reset(seed=0, options={"task": task(stump_height_low=1.0, stump_height_high=3.0)})
    for x, y in zip(a, (np.array(b.terrain_x), np.array(b.terrain_y), b.obstacles), strict=True):
        np.testing.assert_array_equal(x, y)
    swapped = terrain(AccelWalker(), task(stump_height_low=3.0, stump_height_high=1.0), seed=0)
    sorted_ = terrain(AccelWalker(), task(stump_height_low=1.0, stump_height_high=3.0), seed=0)
    np.testing.assert_array_equal(swapped[2], sorted_[2])


def test_same_seed_and_task_give_same_terrain_and_other_tasks_differ() -> None:
    t = list(TEST_TERRAINS["hardcore"])
    a, b = terrain(AccelWalker(), t, seed=7), terrain(AccelWalker(), t, seed=7)
    for x, y in zip(a, b, strict=True):
        np.testing.assert_array_equal(x, y)
    c = terrain(AccelWalker(), list(TEST_TERRAINS["stairs"]), seed=7)
    assert not np.array_equal(a[2], c[2])


def test_level_seed_makes_the_terrain_a_function_of_the_task() -> None:
    t = list(TEST_TERRAINS["hardcore"])
    env = AccelWalker(level_seed=11)
    first = terrain(env, t, seed=0)
    again = terrain(env, t, seed=99)  # another episode seed, same level
    other_instance = terrain(AccelWalker(level_seed=11), t, seed=5)
    for x, y, z in zip(first, again, other_instance, strict=True):
        np.testing.assert_array_equal(x, y)
        np.testing.assert_array_equal(x, z)
    nearby = terrain(env, [*t[:4], 2.01, *t[5:]], seed=0)
    assert not np.array_equal(first[2], nearby[2])
    other_seed = terrain(AccelWalker(level_seed=12), t, seed=0)
    assert not np.array_equal(first[2], other_seed[2])
    # Without a level seed, the episodes of one task differ.
    free = AccelWalker()
    assert not np.array_equal(terrain(free, t, seed=0)[2], terrain(free, t, seed=1)[2])


@pytest.mark.parametrize("kwargs", [{}, {"level_seed": 3}, {"task_in_obs": True}, {"body": "quadruped"}])
def test_check_env(kwargs: dict) -> None:
    check_env(gym.make(ENV_ID, **kwargs).unwrapped)


def test_registered_with_2000_step_limit() -> None:
    env = gym.make(ENV_ID)
    assert env.spec is not None and env.spec.max_episode_steps == 2000
    assert env.observation_space.shape == (24,) and env.action_space.shape == (4,)


def test_two_instances_do_not_leak_into_each_other() -> None:
    rng = np.random.default_rng(0)
    actions = rng.uniform(-1, 1, (60, 4)).astype(np.float32)

    def run(env: AccelWalker, t: tuple[float, ...], seed: int) -> list[np.ndarray]:
        obs = [env.reset(seed=seed, options={"task": list(t)})[0]]
        return obs + [env.step(a)[0] for a in actions]

    alone_a = run(AccelWalker(), TEST_TERRAINS["stumps"], 1)
    alone_b = run(AccelWalker(body="short"), TEST_TERRAINS["pit_gap"], 2)
    a, b = AccelWalker(), AccelWalker(body="short")
    oa = [a.reset(seed=1, options={"task": list(TEST_TERRAINS["stumps"])})[0]]
    ob = [b.reset(seed=2, options={"task": list(TEST_TERRAINS["pit_gap"])})[0]]
    for act in actions:  # interleaved
        oa.append(a.step(act)[0])
        ob.append(b.step(act)[0])
    np.testing.assert_array_equal(np.stack(oa), np.stack(alone_a))
    np.testing.assert_array_equal(np.stack(ob), np.stack(alone_b))
    assert a.task.tolist() == list(TEST_TERRAINS["stumps"])


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"level_seed": -1}, ValueError, "level_seed"),
        ({"level_seed": 1.5}, ValueError, "level_seed"),
        ({"body": "spider_monkey"}, ValueError, "body"),
    ],
)
def test_bad_constructor_arguments(kwargs: dict, error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        AccelWalker(**kwargs)


def test_out_of_space_task_is_refused() -> None:
    env = AccelWalker()
    with pytest.raises(ValueError, match="stump_height_high"):
        env.reset(options={"task": task(stump_height_high=6.0)})


@pytest.mark.parametrize("level_seed", [None, 3])
def test_every_reset_with_the_same_seed_replays_the_same_episode(level_seed: int | None) -> None:
    # Box2D reuses destroyed fixtures' proxies in an order that depends on the past: a world
    # reused across episodes gave a different contact order (and trajectory) at the third reset.
    env = AccelWalker(level_seed=level_seed)
    action = np.array([0.5, -0.5, 0.3, 0.8], dtype=np.float32)
    runs = []
    for _ in range(5):
        obs = [env.reset(seed=123, options={"task": list(TEST_TERRAINS["hardcore"])})[0]]
        obs += [env.step(action)[0] for _ in range(20)]
        runs.append(np.stack(obs))
    for run in runs[1:]:
        np.testing.assert_array_equal(run, runs[0])
