"""Parkour: CPPN profiles, water and creepers measured against the task, test set, isolation."""

from __future__ import annotations

import math

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.envs.box2d import bipedal_walker as gym_walker
from gymnasium.utils.env_checker import check_env

import autocurriculum.environments  # noqa: F401 - registers the ids
from autocurriculum.environments.parkour import (
    CEILING_OFFSET,
    Parkour,
    parkour_task_space,
    parkour_test_set,
    polygon_centroid,
    submerged_polygon,
)
from autocurriculum.environments.parkour_cppn import CPPN, DATA_PATH, generate_data, load_data

ENV_ID = "autocurriculum/Parkour-v0"
STEP = gym_walker.TERRAIN_STEP
PAD = gym_walker.TERRAIN_STARTPAD
DRY = [-0.15, 0.8, 0.1, 0.0, 1.0, 2.0]


def profiles(env: Parkour, task: list[float], seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    env.reset(seed=seed, options={"task": task})
    return np.array(env.terrain_ground_y), np.array(env.terrain_ceiling_y)


def test_task_space_is_teachmyagents() -> None:
    space = parkour_task_space()
    assert space.names == ("cppn_0", "cppn_1", "cppn_2", "water_level", "creepers_height", "creepers_spacing")
    np.testing.assert_array_equal(space.low, [-0.35, 0.6, -0.1, 0.0, 0.0, 0.0])
    np.testing.assert_array_equal(space.high, [0.05, 1.0, 0.3, 1.0, 4.0, 5.0])


def test_shipped_weights_and_test_set_are_what_the_script_generates() -> None:
    space = parkour_task_space()
    generated = generate_data(3, space.low, space.high)
    shipped = load_data(DATA_PATH)
    assert set(shipped) == set(generated) == {"w0", "w1", "w2", "w3", "w4", "test_set"}
    for key, value in generated.items():
        np.testing.assert_array_equal(shipped[key], value)


def test_test_set_has_100_distinct_tasks_in_the_space() -> None:
    tasks = parkour_test_set()
    assert tasks.shape == (100, 6) and len({tuple(t) for t in tasks}) == 100
    space = parkour_task_space()
    for t in tasks:
        space.check(t, "task")
    tasks[0, 0] = 99.0  # a copy: the shipped set is untouched
    assert parkour_test_set()[0, 0] != 99.0


def test_profiles_are_the_cppn_outputs_after_the_start_pad() -> None:
    env = Parkour()
    ground, ceiling = profiles(env, DRY)
    data = load_data()
    out = CPPN([data[f"w{i}"] for i in range(5)])(np.array(DRY[:3]), 200) / 10.0
    expected_ground = out[:, 0] - out[0, 0] + gym_walker.TERRAIN_HEIGHT
    np.testing.assert_allclose(ground[PAD:], expected_ground, atol=1e-12)
    np.testing.assert_allclose(ground[:PAD], gym_walker.TERRAIN_HEIGHT)
    np.testing.assert_allclose(ceiling[:PAD], gym_walker.TERRAIN_HEIGHT + CEILING_OFFSET)
    assert np.all(ceiling >= ground)
    assert len(env.terrain_x) == PAD + 200 and env.terrain_x[1] == pytest.approx(STEP)


def test_same_task_same_terrain_and_different_inputs_different_terrain() -> None:
    a = profiles(Parkour(), DRY, seed=0)
    b = profiles(Parkour(), DRY, seed=123)  # the profiles do not depend on the episode's seed
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    for i, delta in enumerate([-0.15, -0.15, 0.15]):
        other = list(DRY)
        other[i] += delta
        c = profiles(Parkour(), other)
        assert np.abs(c[0] - a[0]).max() > 0.1, f"cppn_{i} does not change the ground"


@pytest.mark.parametrize("level", [0.2, 0.5, 1.0])
def test_water_level_is_the_fraction_between_lowest_ground_and_highest_ceiling(level: float) -> None:
    env = Parkour()
    task = [*DRY[:3], level, *DRY[4:]]
    ground, ceiling = profiles(env, task)
    assert env.water_y == pytest.approx(ground.min() + level * (ceiling.max() - ground.min()))
    assert any(b.userData == "water" for b in env.terrain)


def test_no_water_at_level_zero() -> None:
    env = Parkour()
    profiles(env, DRY)
    assert env.water_y == -math.inf and not any(b.userData == "water" for b in env.terrain)


@pytest.mark.parametrize(("height", "spacing"), [(0.5, 0.0), (2.0, 1.0), (3.5, 4.0)])
def test_creepers_follow_height_and_spacing(height: float, spacing: float) -> None:
    env = Parkour(creepers_width=0.3)
    _, ceiling = profiles(env, [*DRY[:4], height, spacing])
    c = env.creepers
    assert len(c) > 5
    np.testing.assert_allclose(c[:, 1] - c[:, 0], 0.3)
    heights = c[:, 3] - c[:, 2]
    assert abs(heights.mean() - height) < 0.1 and np.all(heights >= 0.2)
    # hung from the ceiling: the top is the ceiling's height at one end of the creeper
    xs = np.array(env.terrain_x)
    tops = np.interp(c[:, 0], xs, ceiling)
    assert np.all(c[:, 3] >= tops - 1e-9)
    gaps = np.diff(c[:, 0])
    assert gaps.min() >= max(spacing, STEP) - 1e-9  # a creeper at most every terrain point
    assert gaps.max() <= max(spacing, 0.01) + 2 * STEP


def test_walkers_pass_through_creepers_and_lidar_sees_them() -> None:
    env = Parkour()
    env.reset(seed=0, options={"task": [*DRY[:4], 3.2, 0.0]})  # creepers down to the walker's height
    surfaces = set()
    for _ in range(30):
        obs, *_ = env.step(np.zeros(4))
        surfaces |= set(obs[-10:].tolist())
    assert 1.0 in surfaces
    assert env._contacts.hull_contact is False


def test_submerged_polygon_and_centroid() -> None:
    square = [(0.0, 0.0), (2.0, 0.0), (2.0, 2.0), (0.0, 2.0)]
    wet = submerged_polygon(square, 0.5)
    area, cx, cy = polygon_centroid(wet)
    assert area == pytest.approx(1.0) and cx == pytest.approx(1.0) and cy == pytest.approx(0.25)
    assert submerged_polygon(square, -1.0) == []
    assert polygon_centroid(submerged_polygon(square, 3.0))[0] == pytest.approx(4.0)


def test_water_pushes_up_and_slows_a_sinking_walker() -> None:
    wet, dry = Parkour(), Parkour()
    water_task = [*DRY[:3], 1.0, *DRY[4:]]
    wet.reset(seed=0, options={"task": water_task})
    dry.reset(seed=0, options={"task": DRY})
    obs = None
    for _ in range(5):  # the walker starts above the ground and falls onto it
        obs, *_ = wet.step(np.zeros(4))
        dry.step(np.zeros(4))
    assert obs is not None and obs[4] == 1.0  # head under water
    # buoyancy and drag: the walker falls more slowly in water than in air
    assert dry.hull.linearVelocity.y < -0.5
    # (hull density 5: buoyancy alone takes 1/5 of its weight)
    assert wet.hull.linearVelocity.y > 0.9 * dry.hull.linearVelocity.y


@pytest.mark.parametrize("kwargs", [{}, {"body": "short"}, {"body": "quadruped"}, {"task_in_obs": True}])
def test_check_env(kwargs: dict) -> None:
    check_env(gym.make(ENV_ID, **kwargs).unwrapped, skip_render_check=True)


def test_observation_layout_and_registration() -> None:
    env = gym.make(ENV_ID)
    assert env.spec is not None and env.spec.max_episode_steps == 2000
    assert env.observation_space.shape == (36,) and env.action_space.shape == (4,)
    assert gym.make(ENV_ID, body="quadruped").observation_space.shape == (46,)


def test_two_instances_do_not_leak_into_each_other() -> None:
    actions = np.random.default_rng(0).uniform(-1, 1, (40, 4)).astype(np.float32)
    task_a, task_b = DRY, [*DRY[:3], 0.9, 0.5, 1.0]

    def alone(task: list[float]) -> np.ndarray:
        env = Parkour()
        obs = [env.reset(seed=4, options={"task": task})[0]]
        return np.stack(obs + [env.step(a)[0] for a in actions])

    a, b = Parkour(), Parkour()
    oa = [a.reset(seed=4, options={"task": task_a})[0]]
    ob = [b.reset(seed=4, options={"task": task_b})[0]]
    for act in actions:
        oa.append(a.step(act)[0])
        ob.append(b.step(act)[0])
    np.testing.assert_array_equal(np.stack(oa), alone(task_a))
    np.testing.assert_array_equal(np.stack(ob), alone(task_b))


def test_rgb_array_render() -> None:
    env = Parkour(render_mode="rgb_array")
    env.reset(seed=0, options={"task": [*DRY[:3], 0.8, 2.0, 1.0]})
    assert env.render().shape == (400, 600, 3)


@pytest.mark.parametrize(("kwargs", "error"), [({"creepers_width": 0}, ValueError), ({"creepers_width": "1"}, TypeError)])
def test_bad_arguments(kwargs: dict, error: type) -> None:
    with pytest.raises(error, match="creepers_width"):
        Parkour(**kwargs)
