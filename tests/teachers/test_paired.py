"""PAIRED's adversary: contract, learning toward higher regret, checkpoints."""

from __future__ import annotations

import pickle
from dataclasses import replace

import numpy as np
import pytest
import torch

from autocurriculum.teachers import PAIRED, BoxSpace, MazeLevel, MazeLevelSpace, Teacher
from autocurriculum.teachers.contract import parametrize_with_checks

torch.set_num_threads(1)

BOX = BoxSpace([0.0, -1.0], [1.0, 1.0], names=["a", "b"])
SMALL_MAZES = MazeLevelSpace(size=4, max_walls=3)

CONTRACT: list[Teacher] = [
    PAIRED(BOX, batch_size=8, n_epochs=1, n_minibatches=2, hidden=(8,), noise_dim=4, seed=0),
    PAIRED(SMALL_MAZES, batch_size=8, n_epochs=1, n_minibatches=2, hidden=(8,), channels=2, noise_dim=4, seed=0),
]


@parametrize_with_checks(CONTRACT)
def test_paired_contract(teacher: Teacher, check) -> None:
    check(teacher)


def _train_box(teacher: PAIRED, regret, n: int) -> np.ndarray:
    tasks = []
    for _ in range(n):
        lesson = teacher.sample()
        tasks.append(lesson.task)
        teacher.update(lesson, {"score": regret(lesson.task)})
    return np.array(tasks)


def test_box_adversary_moves_toward_higher_regret() -> None:
    # regret grows with the first dimension and is highest near b = 0.5
    def regret(task: np.ndarray) -> float:
        return float(task[0] - (task[1] - 0.5) ** 2)

    teacher = PAIRED(BOX, batch_size=16, learning_rate=3e-3, n_epochs=4, hidden=(16,), noise_dim=4, seed=1)
    tasks = _train_box(teacher, regret, 1600)
    first = np.array([regret(t) for t in tasks[:160]]).mean()
    last = np.array([regret(t) for t in tasks[-160:]]).mean()
    assert last > first + 0.3, (first, last)
    assert tasks[-160:, 0].mean() > 0.8


def test_state_dict_holds_plain_data_and_resumes_exactly() -> None:
    teacher = PAIRED(BOX, batch_size=4, hidden=(8,), noise_dim=4, seed=2)
    outstanding = [teacher.sample() for _ in range(6)]
    for lesson in outstanding[:3]:
        teacher.update(lesson, {"score": 1.0})
    state = teacher.state_dict()

    def plain(x) -> bool:
        if isinstance(x, dict):
            return all(isinstance(k, (str, int)) and plain(v) for k, v in x.items())
        if isinstance(x, (list, tuple)):
            return all(plain(v) for v in x)
        return x is None or isinstance(x, (str, int, float, bool, np.ndarray, np.generic))

    assert plain(state)
    restored = PAIRED(BOX, batch_size=4, hidden=(8,), noise_dim=4, seed=99)
    restored.load_state_dict(pickle.loads(pickle.dumps(state)))
    # the outstanding lessons are reported after the restore, then both continue identically
    for t in (teacher, restored):
        for lesson in outstanding[3:]:
            t.update(lesson, {"score": 0.5})
    for _ in range(10):
        a, b = teacher.sample(), restored.sample()
        np.testing.assert_array_equal(a.task, b.task)
        teacher.update(a, {"score": float(a.task[0])})
        restored.update(b, {"score": float(b.task[0])})
    assert teacher.metrics() == restored.metrics()


def test_rejects_unknown_or_repeated_lessons() -> None:
    teacher = PAIRED(BOX, batch_size=4, hidden=(8,), noise_dim=4, seed=0)
    lesson = teacher.sample()
    with pytest.raises(ValueError, match="lesson.id is None"):
        teacher.update(lesson.task, {"score": 1.0})
    teacher.update(lesson, {"score": 1.0})
    # the base class refuses a second report of a lesson (one report per lesson) before PAIRED looks
    with pytest.raises(ValueError, match="lesson 0 was already reported"):
        teacher.update(lesson, {"score": 1.0})
    # and a lesson id it never issued
    forged = teacher.sample()
    with pytest.raises(ValueError, match="never sampled"):
        teacher.update(replace(forged, id=forged.id + 5), {"score": 1.0})


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"batch_size": 0}, "batch_size"),
        ({"learning_rate": -1.0}, "learning_rate"),
        ({"hidden": "64"}, "hidden"),
        ({"n_minibatches": 64}, "n_minibatches"),
    ],
)
def test_bad_parameters_are_named(params, match) -> None:
    with pytest.raises((ValueError, TypeError), match=match):
        PAIRED(BOX, **params).setup()


def test_preset() -> None:
    teacher = PAIRED.from_preset("bipedal", BOX, seed=0)
    assert teacher.learning_rate == 3e-4 and teacher.n_minibatches == 4
    with pytest.raises(ValueError, match="preset"):
        PAIRED.from_preset("nope", BOX)


def test_maze_adversary_builds_goal_then_agent_then_walls() -> None:
    teacher = PAIRED(SMALL_MAZES, batch_size=4, hidden=(8,), channels=2, noise_dim=4, seed=3)
    for _ in range(50):
        lesson = teacher.sample()
        level = lesson.task
        assert isinstance(level, MazeLevel) and level in SMALL_MAZES
        actions = teacher.generated_[lesson.id]["actions"]
        assert actions.shape == (2 + SMALL_MAZES.max_walls,)
        n = SMALL_MAZES.size
        assert level.goal == (actions[0] % n, actions[0] // n)
        assert level.agent == (actions[1] % n, actions[1] // n)
        placed = {(a % n, a // n) for a in actions[2:]} - {level.goal, level.agent}
        assert set(level.walls) == placed  # walls on occupied cells were no-ops
        # the state holds the level as its integer encoding, not as a MazeLevel
        np.testing.assert_array_equal(teacher.state_dict()["state"]["pending"][lesson.id]["task"], SMALL_MAZES.encode(level))


def test_maze_adversary_moves_toward_higher_regret() -> None:
    space = MazeLevelSpace(size=5, max_walls=4)

    def regret(level: MazeLevel) -> float:
        return level.goal[0] / (space.size - 1)  # goals on the right are "hard"

    teacher = PAIRED(space, batch_size=16, learning_rate=1e-2, n_epochs=4, hidden=(32,), channels=4, noise_dim=4, seed=0)
    goals = []
    for _ in range(320):
        lesson = teacher.sample()
        goals.append(lesson.task.goal[0])
        teacher.update(lesson, {"score": regret(lesson.task)})
    assert np.mean(goals[-48:]) > np.mean(goals[:48]) + 1.2, (np.mean(goals[:48]), np.mean(goals[-48:]))


def test_maze_state_resumes_exactly() -> None:
    teacher = PAIRED(SMALL_MAZES, batch_size=3, hidden=(8,), channels=2, noise_dim=4, seed=5)
    for _ in range(7):
        lesson = teacher.sample()
        teacher.update(lesson, {"score": float(len(lesson.task.walls))})
    outstanding = teacher.sample()
    restored = PAIRED(SMALL_MAZES, batch_size=3, hidden=(8,), channels=2, noise_dim=4, seed=0)
    restored.load_state_dict(pickle.loads(pickle.dumps(teacher.state_dict())))
    for t in (teacher, restored):
        t.update(outstanding, {"score": 2.0})
    for _ in range(8):
        a, b = teacher.sample(), restored.sample()
        assert a.task == b.task
        teacher.update(a, {"score": 1.0})
        restored.update(b, {"score": 1.0})
    assert teacher.metrics() == restored.metrics()


def test_inconsistent_states_are_refused_naming_the_key() -> None:
    teacher = PAIRED(SMALL_MAZES, batch_size=3, hidden=(8,), channels=2, noise_dim=4, seed=5)
    for _ in range(7):
        lesson = teacher.sample()
        teacher.update(lesson, {"score": 1.0})
    teacher.sample()
    state = teacher.state_dict()
    before = pickle.dumps(teacher.state_dict())

    def refused(edit, match: str) -> None:
        bad = pickle.loads(pickle.dumps(state))
        edit(bad["state"])
        with pytest.raises((ValueError, TypeError), match=match):
            teacher.load_state_dict(bad)
        assert pickle.dumps(teacher.state_dict()) == before  # a refused state changes nothing

    pending_id = next(iter(state["state"]["pending"]))

    def move_agent(s) -> None:  # the stored level no longer matches the actions that built it
        s["pending"][pending_id]["task"][1] = (s["pending"][pending_id]["task"][1] + 1) % SMALL_MAZES.size**2

    refused(move_agent, rf"\['pending'\]\[{pending_id}\]\['task'\]")
    refused(lambda s: s["pending"][pending_id]["actions"].__setitem__(0, 99), r"\['actions'\]")
    refused(lambda s: s["policy"].__setitem__("conv.weight", s["policy"]["conv.weight"][:1]), r"\['conv.weight'\]: expected shape")
    refused(lambda s: s["policy"].__setitem__("conv.bias", s["policy"]["conv.bias"].astype(np.float64)), "float32")
    refused(lambda s: s.__setitem__("n_policy_updates", s["n_policy_updates"] + 1), "n_policy_updates")
    refused(lambda s: s["queue"].append(s["queue"][0]), r"\['queue'\]")
    refused(lambda s: s["torch_rng"].__setitem__(slice(0, 100), 7), "torch_rng")
    refused(lambda s: s["optimizer"]["param_groups"][0].__setitem__("lr", 0.5), r"\['lr'\]")
    # a state saved with another batch_size is refused, naming what does not fit
    other = PAIRED(SMALL_MAZES, batch_size=4, hidden=(8,), channels=2, noise_dim=4, seed=5)
    for _ in range(6):
        lesson = other.sample()
        other.update(lesson, {"score": 1.0})
    with pytest.raises(ValueError, match="batch_size"):
        teacher.load_state_dict(other.state_dict())
