"""Stump Tracks: the terrain follows the task, tasks persist and are checked, instances are isolated."""

from __future__ import annotations

import pickle
import random
import warnings

import Box2D
import gymnasium as gym
import numpy as np
import pytest
from gymnasium.envs.box2d import bipedal_walker as gym_walker
from gymnasium.utils.env_checker import check_env

import autocurriculum.environments
from autocurriculum.environments.stump_tracks import (
    BODIES,
    MIN_OBSTACLE_SPACING,
    MIN_STUMP_HEIGHT,
    StumpTracks,
    stump_tracks_task_space,
)

ENV_ID = "autocurriculum/StumpTracks-v0"
STEP = gym_walker.TERRAIN_STEP
START = gym_walker.TERRAIN_STARTPAD * STEP
END = gym_walker.TERRAIN_LENGTH * STEP


def measured_stumps(env: gym.Env) -> np.ndarray:
    """Rectangles ``(x0, x1, y0, y1)`` of every polygon of the terrain, read from Box2D, sorted by x."""
    rects = []
    for body in env.unwrapped.terrain:
        for fixture in body.fixtures:
            if isinstance(fixture.shape, Box2D.b2PolygonShape):
                pts = np.array([tuple(body.transform * v) for v in fixture.shape.vertices])
                rects.append((pts[:, 0].min(), pts[:, 0].max(), pts[:, 1].min(), pts[:, 1].max()))
    return np.array(sorted(rects)).reshape(-1, 4)


def ground_edges(env: gym.Env) -> list[tuple[tuple[float, float], tuple[float, float]]]:
    edges = []
    for body in env.unwrapped.terrain:
        for fixture in body.fixtures:
            if isinstance(fixture.shape, Box2D.b2EdgeShape):
                edges.append(tuple(tuple(body.transform * v) for v in fixture.shape.vertices))
    return edges


def rollout(env: gym.Env, actions: np.ndarray) -> np.ndarray:
    out = []
    for a in actions:
        obs, reward, terminated, truncated, _ = env.step(a)
        out.append(np.concatenate([obs, [reward]]))
        if terminated or truncated:
            break
    return np.array(out)


@pytest.mark.parametrize(("height", "spacing"), [(0.5, 1.0), (1.5, 0.0), (2.0, 3.5), (3.0, 6.0), (1.0, 0.3)])
def test_terrain_reflects_task(height: float, spacing: float) -> None:
    env = StumpTracks()
    env.reset(seed=7, options={"task": [height, spacing]})
    stumps = measured_stumps(env)
    n = len(stumps)
    gap = max(MIN_OBSTACLE_SPACING, spacing)
    # Layout: the first stump at the end of the start pad, one terrain step wide, then a stump
    # every (step + gap) while it starts before the end of the track.
    assert n == int(np.ceil((END - START) / (STEP + gap)))
    assert stumps[0, 0] == pytest.approx(START, abs=1e-4)
    assert stumps[-1, 0] < END <= stumps[-1, 0] + STEP + gap
    np.testing.assert_allclose(stumps[:, 1] - stumps[:, 0], STEP, atol=1e-4)
    np.testing.assert_allclose(stumps[1:, 0] - stumps[:-1, 1], gap, atol=1e-4)
    # Every stump stands on the flat ground, a single edge at the terrain height.
    (edge,) = ground_edges(env)
    assert edge[0][1] == pytest.approx(gym_walker.TERRAIN_HEIGHT) and edge[1][1] == pytest.approx(edge[0][1])
    assert edge[0][0] == pytest.approx(0.0) and edge[1][0] >= stumps[-1, 1] - 1e-6
    np.testing.assert_allclose(stumps[:, 2], gym_walker.TERRAIN_HEIGHT, atol=1e-4)
    # Heights, in terrain steps, are N(height, 0.1): mean within 4 standard errors, spread ~0.1.
    heights = (stumps[:, 3] - stumps[:, 2]) / STEP
    assert heights.min() >= MIN_STUMP_HEIGHT - 1e-4
    assert abs(heights.mean() - height) < 4 * 0.1 / np.sqrt(n) + 1e-3
    if n >= 30:
        assert 0.06 < heights.std() < 0.14


def test_heights_are_floored_at_small_means() -> None:
    env = StumpTracks()
    env.reset(seed=0, options={"task": {"stump_height": 0.0, "obstacle_spacing": 0.0}})
    heights = np.diff(measured_stumps(env)[:, 2:], axis=1).ravel() / STEP
    assert heights.min() == pytest.approx(MIN_STUMP_HEIGHT, abs=1e-4)  # about half the draws are floored
    assert np.mean(np.isclose(heights, MIN_STUMP_HEIGHT, atol=1e-4)) > 0.4


def test_stumps_attribute_matches_box2d() -> None:
    env = StumpTracks()
    env.reset(seed=1, options={"task": [2.2, 1.7]})
    np.testing.assert_allclose(env.stumps, measured_stumps(env), atol=1e-4)


def test_same_seed_and_task_give_same_terrain_and_trajectory() -> None:
    task = {"stump_height": 1.2, "obstacle_spacing": 2.5}
    a, b = StumpTracks(), StumpTracks()
    obs_a, _ = a.reset(seed=11, options={"task": task})
    obs_b, _ = b.reset(seed=11, options={"task": task})
    np.testing.assert_array_equal(measured_stumps(a), measured_stumps(b))
    np.testing.assert_array_equal(obs_a, obs_b)
    actions = np.random.default_rng(0).uniform(-1, 1, (60, 4)).astype(np.float32)
    np.testing.assert_array_equal(rollout(a, actions), rollout(b, actions))
    # Another seed, same task: same layout, other heights.
    b.reset(seed=12, options={"task": task})
    sa, sb = measured_stumps(a), measured_stumps(b)
    np.testing.assert_allclose(sa[:, :3], sb[:, :3])
    assert not np.allclose(sa[:, 3], sb[:, 3])


@pytest.mark.parametrize("env_id", autocurriculum.environments.ENV_IDS)
@pytest.mark.parametrize("body", sorted(BODIES))
def test_check_env_passes_for_every_id_and_body(env_id: str, body: str) -> None:
    env = gym.make(env_id, body=body, render_mode="rgb_array")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any checker warning fails the test
        check_env(env.unwrapped)
    env.close()


@pytest.mark.parametrize("kwargs", [{"task_in_obs": True}, {"max_stump_height": 9.0, "body": "quadruped"}])
def test_check_env_passes_for_options(kwargs: dict) -> None:
    env = gym.make(ENV_ID, **kwargs)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check_env(env.unwrapped)


def test_registration_gives_time_limit_and_bodies() -> None:
    env = gym.make(ENV_ID, body="short")
    assert env.spec is not None and env.spec.max_episode_steps == 2000
    assert env.unwrapped.body.leg_height == 17
    quad = gym.make(ENV_ID, body="quadruped")
    assert quad.action_space.shape == (8,) and quad.observation_space.shape == (34,)
    assert quad.unwrapped.body.motor_torque == 300 and quad.unwrapped.body.leg_height == 51
    assert gym.make(ENV_ID).unwrapped.body.leg_height == 34


def test_two_instances_do_not_leak_into_each_other() -> None:
    actions_a = np.random.default_rng(1).uniform(-1, 1, (80, 4)).astype(np.float32)
    actions_b = np.random.default_rng(2).uniform(-1, 1, (80, 8)).astype(np.float32)
    task_a, task_b = [0.4, 1.0], [2.9, 0.2]

    solo = StumpTracks(body="default")
    solo.reset(seed=5, options={"task": task_a})
    solo_terrain = measured_stumps(solo)
    solo_traj = rollout(solo, actions_a)

    # Same run interleaved, step by step, with a quadruped on another task in the same process.
    a = StumpTracks(body="default")
    b = StumpTracks(body="quadruped", max_stump_height=5.0)
    a.reset(seed=5, options={"task": task_a})
    b.reset(seed=9, options={"task": task_b})
    assert a.observation_space.shape == (24,) and b.observation_space.shape == (34,)
    np.testing.assert_array_equal(measured_stumps(a), solo_terrain)
    traj = []
    for act_a, act_b in zip(actions_a, actions_b, strict=True):
        obs, reward, terminated, truncated, _ = a.step(act_a)
        traj.append(np.concatenate([obs, [reward]]))
        if b.step(act_b)[2]:
            b.reset()
        if terminated or truncated:
            break
    np.testing.assert_array_equal(np.array(traj), solo_traj)
    np.testing.assert_allclose(b.task, task_b)
    np.testing.assert_allclose(a.task, task_a)
    assert a.task_space.high[0] == 3.0 and b.task_space.high[0] == 5.0
    # gymnasium's module constants are untouched.
    assert gym_walker.LEG_H == 34 / gym_walker.SCALE and gym_walker.MOTORS_TORQUE == 80


def test_task_kept_across_reset_without_options() -> None:
    env = StumpTracks(body="short")
    _, info = env.reset(seed=0, options={"task": [2.0, 4.0]})
    first = measured_stumps(env)
    for _ in range(3):
        _, info = env.reset()
        np.testing.assert_array_equal(info["task"], [2.0, 4.0])
        np.testing.assert_array_equal(env.task, [2.0, 4.0])
        # same task, new heights (the generator moved on), same layout
        np.testing.assert_allclose(measured_stumps(env)[:, :3], first[:, :3])


def test_set_task_applies_at_next_reset_and_none_returns_to_random() -> None:
    env = StumpTracks()
    env.reset(seed=0, options={"task": [1.0, 1.0]})
    env.set_task({"stump_height": 0.5, "obstacle_spacing": 5.0})
    np.testing.assert_array_equal(env.task, [1.0, 1.0])  # the current episode keeps its task
    _, info = env.reset()
    np.testing.assert_array_equal(info["task"], [0.5, 5.0])
    env.set_task(None)
    tasks = np.array([env.reset()[1]["task"] for _ in range(5)])
    assert len({tuple(t) for t in tasks}) == 5
    assert all(t in env.task_space for t in tasks)


def test_random_task_when_none_given_uses_own_generator(monkeypatch: pytest.MonkeyPatch) -> None:
    a, b = StumpTracks(), StumpTracks()
    tasks_a = [a.reset(seed=3)[1]["task"]] + [a.reset()[1]["task"] for _ in range(4)]

    def forbidden(*args: object, **kwargs: object) -> None:
        raise AssertionError("the global random generators must not be used")

    for name in ("uniform", "normal", "rand", "randn", "randint", "random"):
        monkeypatch.setattr(np.random, name, forbidden)
    monkeypatch.setattr(random, "random", forbidden)
    monkeypatch.setattr(random, "uniform", forbidden)
    tasks_b = [b.reset(seed=3)[1]["task"]] + [b.reset()[1]["task"] for _ in range(4)]
    np.testing.assert_array_equal(tasks_a, tasks_b)
    assert len({tuple(t) for t in tasks_a}) == 5
    assert all(t in a.task_space for t in tasks_a)


def test_task_survives_vector_env_autoreset() -> None:
    envs = gym.vector.SyncVectorEnv([lambda: gym.make(ENV_ID, body="short")])
    envs.call("set_task", [3.0, 0.0])
    _, infos = envs.reset(seed=0)
    np.testing.assert_array_equal(infos["task"][0], [3.0, 0.0])
    rng = np.random.default_rng(0)
    episodes_done = 0
    for _ in range(2000):
        _, _, terminated, truncated, infos = envs.step(rng.uniform(-1, 1, (1, 4)).astype(np.float32))
        if "task" in infos:  # the autoreset step reports the reset's info
            np.testing.assert_array_equal(infos["task"][0], [3.0, 0.0])
            episodes_done += 1
            if episodes_done == 2:
                break
    assert episodes_done == 2
    np.testing.assert_array_equal(envs.get_attr("task")[0], [3.0, 0.0])


@pytest.mark.parametrize(
    ("task", "error", "match"),
    [
        ([3.5, 1.0], ValueError, r"'stump_height' = 3\.5 lies outside its bounds \[0\.0, 3\.0\]"),
        ([1.0, -0.1], ValueError, "'obstacle_spacing'"),
        ([1.0, float("nan")], ValueError, "finite"),
        ([1.0, 2.0, 3.0], ValueError, "shape"),
        ({"stump_height": 1.0}, ValueError, "missing"),
        ("hard", TypeError, "expected a vector"),
    ],
)
def test_out_of_space_task_raises_clear_error(task: object, error: type, match: str) -> None:
    env = StumpTracks()
    env.reset(seed=0, options={"task": [1.0, 1.0]})
    with pytest.raises(error, match=match):
        env.reset(options={"task": task})
    with pytest.raises(error, match=match):
        env.set_task(task)
    # nothing changed: the previous task is still the one played
    np.testing.assert_array_equal(env.reset()[1]["task"], [1.0, 1.0])


def test_wider_height_range_accepts_harder_tasks() -> None:
    env = StumpTracks(max_stump_height=5.0)
    _, info = env.reset(seed=0, options={"task": [4.5, 1.0]})
    np.testing.assert_array_equal(info["task"], [4.5, 1.0])
    heights = np.diff(measured_stumps(env)[:, 2:], axis=1).ravel() / STEP
    assert abs(heights.mean() - 4.5) < 0.1


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"body": "spiderr"}, ValueError, r"body: unknown body 'spiderr'; StumpTracks takes \['default', 'millipede'"),
        ({"body": "fish"}, ValueError, r"body: 'fish' is a swimmer; StumpTracks takes walkers only"),
        ({"body": "climber"}, ValueError, r"body: 'climber' is a climber; StumpTracks takes walkers only"),
        ({"body": 3}, TypeError, "body"),
        ({"max_stump_height": -1.0}, ValueError, "max_stump_height"),
        ({"max_stump_height": "9"}, TypeError, "max_stump_height"),
        ({"task_in_obs": 1}, TypeError, "task_in_obs"),
        ({"render_mode": "ansi"}, ValueError, "render_mode"),
    ],
)
def test_bad_constructor_arguments(kwargs: dict, error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        StumpTracks(**kwargs)


def test_unknown_option_and_bad_action_raise() -> None:
    env = StumpTracks()
    with pytest.raises(ValueError, match=r"options: unknown keys \['level'\]"):
        env.reset(options={"level": 3})
    env.reset(seed=0)
    with pytest.raises(ValueError, match="action: expected shape"):
        env.step(np.zeros(8, dtype=np.float32))


@pytest.mark.parametrize("body", sorted(BODIES))
def test_rgb_array_render_shape(body: str) -> None:
    env = gym.make(ENV_ID, body=body, render_mode="rgb_array")
    env.reset(seed=0, options={"task": [1.0, 1.0]})
    env.step(env.action_space.sample())
    frame = env.render()
    assert isinstance(frame, np.ndarray) and frame.shape == (400, 600, 3) and frame.dtype == np.uint8
    assert len(np.unique(frame.reshape(-1, 3), axis=0)) > 5  # sky, ground, stumps, walker
    env.close()


def test_task_in_obs_appends_normalised_task() -> None:
    env = StumpTracks(task_in_obs=True, max_stump_height=5.0)
    obs, _ = env.reset(seed=0, options={"task": [2.5, 1.5]})
    assert obs.shape == (26,) and env.observation_space.contains(obs)
    np.testing.assert_allclose(obs[-2:], [0.5, 0.25])
    obs = env.step(env.action_space.sample())[0]
    np.testing.assert_allclose(obs[-2:], [0.5, 0.25])


@pytest.mark.parametrize("body", sorted(BODIES))
def test_reward_is_gymnasium_shaping_minus_torque_cost(body: str) -> None:
    env = StumpTracks(body=body)
    env.reset(seed=2, options={"task": [0.5, 2.0]})
    spec = env.body
    rng = np.random.default_rng(3)
    tilt = 5.0 if spec.head_angle_penalty else 0.0  # the wheel rolls: no head-angle term
    shaping0 = 130 * env.hull.position.x / 30.0 - tilt * abs(env.hull.angle)
    total, cost = 0.0, 0.0
    for _ in range(40):
        a = rng.uniform(-1.2, 1.2, spec.n_actions).astype(np.float32)
        _, reward, terminated, _, _ = env.step(a)
        if terminated:
            assert reward == -100.0
            return
        total += reward
        cost += spec.torque_penalty * spec.motor_torque * np.clip(np.abs(a), 0, 1).sum()
    shaping = 130 * env.hull.position.x / 30.0 - tilt * abs(env.hull.angle)
    assert total == pytest.approx(shaping - shaping0 - cost, abs=1e-6, rel=1e-6)


def test_fall_gives_minus_100_and_terminates() -> None:
    env = StumpTracks(body="short")
    env.reset(seed=0, options={"task": [3.0, 0.0]})
    rng = np.random.default_rng(0)
    for _ in range(2000):
        _, reward, terminated, _, _ = env.step(rng.uniform(-1, 1, 4).astype(np.float32))
        if terminated:
            break
    assert terminated and reward == -100.0 and env.game_over
    # A new episode starts clean: no leftover fall, both feet on the ground after landing.
    env.reset()
    for _ in range(30):
        obs, _, terminated, _, _ = env.step(np.zeros(4, dtype=np.float32))
        assert not terminated
    assert obs[8] == 1.0 and obs[13] == 1.0


def test_pickle_round_trip_keeps_configuration() -> None:
    env = StumpTracks(body="quadruped", max_stump_height=4.0, task_in_obs=True)
    clone = pickle.loads(pickle.dumps(env))
    assert clone.body == env.body and clone.task_space == env.task_space and clone.task_in_obs
    assert clone.observation_space == env.observation_space


def test_task_space_helper_validates() -> None:
    space = stump_tracks_task_space(9.0)
    assert space.names == ("stump_height", "obstacle_spacing")
    np.testing.assert_array_equal(space.high, [9.0, 6.0])
    with pytest.raises(ValueError, match="max_stump_height"):
        stump_tracks_task_space(float("inf"))


class _GymnasiumGroundStumpTracks(StumpTracks):
    """Stump Tracks on a given gymnasium terrain: one ground edge per terrain step, no stumps."""

    ground_points: list[tuple[float, float]] = []

    def _generate_terrain(self, hardcore: bool = False) -> None:
        self.terrain = []
        for p0, p1 in zip(self.ground_points[:-1], self.ground_points[1:], strict=True):
            self.ground_fd.shape.vertices = [p0, p1]
            self.terrain.append(self.world.CreateStaticBody(fixtures=self.ground_fd))
        self.terrain.reverse()
        self.terrain_poly = []


def test_default_body_reproduces_gymnasium_dynamics_and_reward(monkeypatch: pytest.MonkeyPatch) -> None:
    # Remove the random start push (the only random draw that moves the walker) in both.
    monkeypatch.setattr(gym_walker, "INITIAL_RANDOM", 0)
    monkeypatch.setattr("autocurriculum.environments.walker_base.INITIAL_RANDOM", 0)
    reference = gym_walker.BipedalWalker()
    obs_ref, _ = reference.reset(seed=0)
    ours = _GymnasiumGroundStumpTracks()
    ours.ground_points = list(zip(reference.terrain_x, reference.terrain_y, strict=True))
    obs, _ = ours.reset(seed=0)
    physics = [i for i in range(24) if i not in (8, 13)]  # contact flags are counted differently on purpose
    np.testing.assert_array_equal(obs[physics], obs_ref[physics])
    rng = np.random.default_rng(0)
    for _ in range(150):
        action = rng.uniform(-1.5, 1.5, 4).astype(np.float32)
        obs_ref, r_ref, term_ref, _, _ = reference.step(action)
        obs, r, term, _, _ = ours.step(action)
        np.testing.assert_array_equal(obs[physics], obs_ref[physics])
        # gymnasium computes the torque cost in float32 (NumPy 2 promotion), we in float64
        assert r == pytest.approx(r_ref, abs=1e-6) and term == term_ref
        if term:
            break


@pytest.mark.parametrize("bad", [10**400, float("inf"), "3", True])
def test_task_space_bounds_beyond_floats_or_not_numbers_get_a_clear_error(bad: object) -> None:
    from autocurriculum.environments.stump_tracks import stump_tracks_task_space

    with pytest.raises((ValueError, TypeError), match="max_stump_height"):
        stump_tracks_task_space(max_stump_height=bad)  # type: ignore[arg-type]
