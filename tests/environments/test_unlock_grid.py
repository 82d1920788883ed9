"""The unlock grid's rules on small hand cases."""

from __future__ import annotations

import numpy as np
import pytest

from autocurriculum.environments.unlock_grid import UnlockGrid


def play_n(grid: UnlockGrid, task: list[float], n: int) -> float:
    reward = 0.0
    for _ in range(n):
        reward = grid.play(task)
    return reward


def test_origin_always_gains_and_reward_is_competence() -> None:
    g = UnlockGrid(2, 10)
    assert g.play([0.0, 0.0]) == pytest.approx(0.01)
    assert g.play([0.09, 0.05]) == pytest.approx(0.02)


def test_locked_cell_does_not_gain() -> None:
    g = UnlockGrid(2, 10)
    assert g.play([0.15, 0.0]) == 0.0
    assert g.competence.sum() == 0


def test_unlock_needs_75_and_mastery_needs_more_than_75() -> None:
    g = UnlockGrid(2, 10)
    play_n(g, [0.0, 0.0], 74)
    assert g.play([0.15, 0.0]) == 0.0  # neighbour at 74: still locked
    play_n(g, [0.0, 0.0], 1)
    assert g.competence[0, 0] == 75
    assert g.mastered_percent() == 0.0  # 75 is not > 75
    assert g.play([0.15, 0.0]) == pytest.approx(0.01)  # neighbour at 75 unlocks
    g.play([0.0, 0.0])
    assert g.mastered_percent() == pytest.approx(1.0)


def test_diagonal_unlock() -> None:
    g = UnlockGrid(2, 10)
    play_n(g, [0.0, 0.0], 75)
    assert g.play([0.15, 0.15]) == pytest.approx(0.01)  # (1, 1) unlocked by (0, 0)
    assert g.play([0.25, 0.05]) == 0.0  # (2, 0): its neighbour (1, 0) is at 0


def test_previous_neighbours() -> None:
    g = UnlockGrid(2, 10)
    assert g.previous_neighbours((0, 3)) == [(0, 2)]
    assert g.previous_neighbours((1, 0)) == [(0, 0)]
    assert g.previous_neighbours((2, 2)) == [(1, 1), (1, 2), (2, 1)]
    g3 = UnlockGrid(3, 4)
    assert len(g3.previous_neighbours((1, 1, 1))) == 7


def test_cap_at_100() -> None:
    g = UnlockGrid(1, 2)
    assert play_n(g, [0.1], 150) == 1.0
    assert g.competence[0] == 100


def test_bins_are_exact() -> None:
    for n in (3, 7, 10, 49):
        g = UnlockGrid(1, n)
        for i in range(n):
            assert g.cell_of([i / n]) == (i,)
            if i > 0:
                assert g.cell_of([np.nextafter(i / n, -1.0)]) == (i - 1,)
        assert g.cell_of([1.0]) == (n - 1,)
        assert g.competence.size == n


def test_perfect_teacher_needs_76_episodes_per_cell() -> None:
    g = UnlockGrid(2, 3)
    centres = [(i + 0.5) / 3 for i in range(3)]
    episodes = 0
    for s in range(5):  # anti-diagonals in order
        for i in range(3):
            j = s - i
            if 0 <= j < 3:
                episodes += 76
                play_n(g, [centres[i], centres[j]], 76)
    assert episodes == 76 * 9
    assert g.mastered_percent() == 100.0


def test_out_of_space_task_and_bad_sizes() -> None:
    g = UnlockGrid(2, 10)
    with pytest.raises(ValueError, match="lies outside its bounds"):
        g.play([1.2, 0.0])
    with pytest.raises(ValueError, match="positive integer"):
        UnlockGrid(0, 10)


def test_state_round_trip() -> None:
    g = UnlockGrid(2, 4)
    play_n(g, [0.0, 0.0], 80)
    h = UnlockGrid(2, 4)
    h.load_state_dict(g.state_dict())
    assert h.play([0.3, 0.3]) == g.play([0.3, 0.3])
