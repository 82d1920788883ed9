"""TeachMyAgent's bodies on every environment that takes them: they load, act, float and hold."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

import autocurriculum.environments  # noqa: F401 - registers the ids
from autocurriculum.environments.bodies import ARTICULATED_BODIES
from autocurriculum.environments.parkour import Parkour
from autocurriculum.environments.walker_base import BODIES

WALKER_ENVS = ("autocurriculum/StumpTracks-v0", "autocurriculum/AccelWalker-v0")
PARKOUR = "autocurriculum/Parkour-v0"
DRY = [-0.15, 0.8, 0.1, 0.0, 0.5, 3.0]
FULL_WATER = [-0.15, 0.8, 0.1, 1.0, 0.5, 3.0]
VALID = [(env_id, name) for name, body in BODIES.items() for env_id in (*WALKER_ENVS, PARKOUR)
         if body.kind == "walker" or env_id == PARKOUR]  # fmt: skip


def test_teachmyagents_bodies_are_all_there() -> None:
    assert set(BODIES) == {"default", "short", "quadruped", "spider", "millipede", "wheel", "fish", "climber"}
    kinds = {name: b.kind for name, b in BODIES.items()}
    assert kinds["fish"] == "swimmer" and kinds["climber"] == "climber"
    assert {n for n, k in kinds.items() if k == "walker"} == {"default", "short", "quadruped", "spider", "millipede", "wheel"}


@pytest.mark.parametrize(
    ("name", "n_actions", "obs_walker_env"),
    [("spider", 8, 4 + 4 * 5 + 10), ("millipede", 16, 4 + 8 * 5 + 10), ("wheel", 8, 4 + 4 * 5 + 10)],
)
def test_walker_spaces(name: str, n_actions: int, obs_walker_env: int) -> None:
    env = gym.make(WALKER_ENVS[0], body=name)
    assert env.action_space.shape == (n_actions,) and env.observation_space.shape == (obs_walker_env,)
    parkour = gym.make(PARKOUR, body=name)  # plus water and dead flags and 10 lidar surfaces
    assert parkour.observation_space.shape == (obs_walker_env + 12,)


def test_swimmer_and_climber_spaces() -> None:
    fish = gym.make(PARKOUR, body="fish")
    # 4 motors, each with its part's contact flag
    assert fish.action_space.shape == (4,) and fish.observation_space.shape == (6 + 4 * 3 + 20,)
    climber = gym.make(PARKOUR, body="climber")
    # 10 motors (2 legs x 2 with foot contacts, 2 arms x 3), 2 grasp actions, 2 holding flags
    assert climber.action_space.shape == (12,)
    assert climber.observation_space.shape == (6 + 4 * 2 + 2 * 1 + 6 * 2 + 2 + 20,)


@pytest.mark.parametrize(("env_id", "name"), VALID, ids=[f"{e.split('/')[1]}-{n}" for e, n in VALID])
def test_every_allowed_body_loads_and_acts(env_id: str, name: str) -> None:
    env = gym.make(env_id, body=name)
    check_env(env.unwrapped, skip_render_check=True)
    env.reset(seed=0)
    start = env.unwrapped.hull.position.x
    moved = 0.0
    rng = np.random.default_rng(0)
    for _ in range(60):
        obs, reward, terminated, _, _ = env.step(rng.uniform(-1, 1, env.action_space.shape).astype(np.float32))
        assert env.observation_space.contains(obs) and np.isfinite(reward)
        moved = max(moved, abs(env.unwrapped.hull.position.x - start))
        if terminated:
            break
    assert moved > 0.0  # the motors act on the body


@pytest.mark.parametrize("env_id", WALKER_ENVS)
@pytest.mark.parametrize("name", ["fish", "climber"])
def test_swimmers_and_climbers_need_parkour(env_id: str, name: str) -> None:
    with pytest.raises(ValueError, match=rf"'{name}' is a (swimmer|climber); \w+ takes walkers only.*Parkour"):
        gym.make(env_id, body=name)


def test_the_fish_floats_and_the_walker_sinks() -> None:
    fish, walker = Parkour(body="fish"), Parkour(body="default")
    fish.reset(seed=0, options={"task": FULL_WATER})
    walker.reset(seed=0, options={"task": FULL_WATER})
    y0 = fish.hull.position.y
    assert y0 < fish.water_y and y0 > min(fish.terrain_ground_y) + 1.0  # starts in open water
    for _ in range(150):
        obs, *_ = fish.step(np.zeros(4))
        walker.step(np.zeros(4))
    assert abs(fish.hull.position.y - y0) < 0.3  # as dense as water: neither sinks nor rises
    assert obs[4] == 1.0 and obs[5] == 0.0  # under water, alive
    assert walker.hull.position.y < walker.terrain_ground_y[10] + 1.5  # down on the bottom


def test_the_fish_swims_by_beating_its_tail() -> None:
    fish = Parkour(body="fish")
    fish.reset(seed=0, options={"task": FULL_WATER})
    x0 = fish.hull.position.x
    for t in range(200):
        beat = 1.0 if (t // 10) % 2 else -1.0
        fish.step(np.array([beat, -beat, beat, 0.0], dtype=np.float32))
    assert abs(fish.hull.position.x - x0) > 0.05  # drag on the tail's leading edges moves it


def test_the_fish_dies_out_of_water() -> None:
    fish = Parkour(body="fish")
    fish.reset(seed=0, options={"task": DRY})
    obs = None
    for _ in range(601):
        obs, *_ = fish.step(np.zeros(4))
    assert obs is not None and obs[5] == 1.0 and fish.dead


def test_the_climber_hangs_while_it_grasps_and_falls_when_it_lets_go() -> None:
    env = Parkour(body="climber")
    obs, _ = env.reset(seed=0, options={"task": DRY})
    ceiling = env.terrain_ceiling_y[0]
    holding = slice(6 + 4 * 2 + 2 + 6 * 2, 6 + 4 * 2 + 2 + 6 * 2 + 2)
    np.testing.assert_array_equal(obs[holding], [1.0, 1.0])
    hold = np.zeros(12, dtype=np.float32)
    hold[10:] = 1.0
    y0 = env.hull.position.y
    for _ in range(100):
        obs, *_ = env.step(hold)
    assert abs(env.hull.position.y - y0) < 0.3 and y0 > ceiling - 2.5
    np.testing.assert_array_equal(obs[holding], [1.0, 1.0])
    for _ in range(50):
        obs, *_ = env.step(np.zeros(12, dtype=np.float32))  # grasp actions at 0: let go
    np.testing.assert_array_equal(obs[holding], [0.0, 0.0])
    assert env.hull.position.y < y0 - 1.0


def test_the_climber_grasps_what_it_touches() -> None:
    env = Parkour(body="climber")
    env.reset(seed=0, options={"task": DRY})
    let_go_left = np.zeros(12, dtype=np.float32)
    let_go_left[11] = 1.0  # keep the right gripper, release the left one
    env.step(let_go_left)
    assert env._holds[0] is None and env._holds[1] is not None
    grasp_both = np.zeros(12, dtype=np.float32)
    grasp_both[10:] = 1.0
    for _ in range(20):  # the left hand is still at the ceiling: it grasps again
        env.step(grasp_both)
        if env._holds[0] is not None:
            break
    assert env._holds[0] is not None


def test_articulated_bodies_do_not_share_state() -> None:
    rng = np.random.default_rng(0)
    actions = rng.uniform(-1, 1, (30, 16)).astype(np.float32)

    def run(env: Parkour) -> np.ndarray:
        obs = [env.reset(seed=1, options={"task": DRY})[0]]
        return np.stack(obs + [env.step(a)[0] for a in actions])

    alone = run(Parkour(body="millipede"))
    a, b = Parkour(body="millipede"), Parkour(body="spider")
    oa = [a.reset(seed=1, options={"task": DRY})[0]]
    b.reset(seed=2, options={"task": FULL_WATER})
    for act in actions:
        oa.append(a.step(act)[0])
        b.step(act[:8])
    np.testing.assert_array_equal(np.stack(oa), alone)
    assert ARTICULATED_BODIES["millipede"].n_motors == 16  # the segments' joints are passive
