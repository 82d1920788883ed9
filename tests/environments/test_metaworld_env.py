"""Meta-World from states: the layout is the task, the scripted expert's demonstrations, clear errors."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest

pytest.importorskip("metaworld")  # the metaworld extra (in the test extra)

from autocurriculum.environments import METAWORLD_ID  # noqa: E402
from autocurriculum.environments.metaworld_env import (  # noqa: E402
    MetaWorldTask,
    metaworld_demonstrations,
    metaworld_state_features,
)


def test_the_variant_sets_the_layout_and_success_pays_once() -> None:
    env = gym.make(METAWORLD_ID, task_name="basketball-v3", max_episode_steps=5)
    first, info = env.reset(seed=0, options={"task": [7.0]})
    assert first.shape == (39,) and first.dtype == np.float32 and info["task"].tolist() == [7.0]
    again, _ = env.reset(seed=1)  # the same variant (kept): the same layout
    other, _ = env.reset(seed=2, options={"task": [8.0]})
    np.testing.assert_array_equal(first[4:7], again[4:7])
    assert not np.allclose(first[4:7], other[4:7])  # the ball moved
    steps = 0
    truncated = False
    while not truncated:
        _, reward, terminated, truncated, info = env.step(np.zeros(4, dtype=np.float32))
        steps += 1
        assert reward == 0.0 and not terminated and not info["is_success"]
    assert steps == 5
    env.close()


def test_scripted_demonstrations_succeed_from_the_reset_on_varied_layouts() -> None:
    demos = metaworld_demonstrations("basketball-v3", 3, seed=1000, max_episode_steps=100)
    assert [d.shape for d in demos] == [(101, 39)] * 3
    balls = {tuple(np.round(d[0, 4:7], 4)) for d in demos}
    assert len(balls) == 3  # a random layout each
    features = metaworld_state_features()
    assert features == list(range(18))


def test_bad_names_are_refused_with_the_allowed_ones() -> None:
    with pytest.raises(ValueError, match=r"task_name: got 'basket'; allowed: \[.*'basketball-v3'"):
        MetaWorldTask("basket")
    with pytest.raises(ValueError, match="action_repeat"):
        MetaWorldTask("hammer-v3", action_repeat=0)
