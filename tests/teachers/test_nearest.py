"""The logarithmic forest of k-d trees: exact nearest earlier point, earliest on ties (issue 16)."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from autocurriculum.teachers.alp_gmm import ALPComputer
from autocurriculum.teachers.nearest import NearestHistory


def _brute_force_alps(tasks: np.ndarray, rewards: np.ndarray) -> np.ndarray:
    """|r - r(nearest earlier task)|, the earliest of equally near ones; 0 for the first six."""
    out = np.zeros(len(tasks))
    for t in range(6, len(tasks)):
        d2 = np.array([sum((a - b) ** 2 for a, b in zip(p, tasks[t], strict=True)) for p in tasks[:t]])
        out[t] = abs(rewards[t] - rewards[int(np.flatnonzero(d2 == d2.min())[0])])
    return out


def _history(rng: np.random.Generator, n: int, d: int, kind: str) -> tuple[np.ndarray, np.ndarray]:
    if kind == "continuous":
        tasks = rng.random((n, d))
    elif kind == "lattice":  # many exact ties: duplicates and equidistant points
        tasks = rng.integers(0, 4, size=(n, d)) / 4.0
    else:  # clipped: duplicates on the faces and corners of the cube, as clipped GMM samples
        tasks = np.clip(rng.normal(0.5, 0.6, size=(n, d)), 0.0, 1.0)
    return tasks, rng.integers(0, 5, size=n) / 4.0  # rewards with ties too


@pytest.mark.parametrize("kind", ["continuous", "lattice", "clipped"])
@pytest.mark.parametrize("seed", range(3))
def test_alps_equal_brute_force_on_random_histories(kind: str, seed: int) -> None:
    rng = np.random.default_rng(seed)
    d = int(rng.integers(1, 4))
    tasks, rewards = _history(rng, 700, d, kind)
    comp = ALPComputer(d, block=int(rng.integers(1, 24)), background=bool(seed % 2))
    comp.history.sync_max = int(rng.integers(2, 64))  # background merges from small sizes on
    got, i = [], 0
    while i < len(tasks):  # batches of random sizes, and single adds
        m = int(rng.integers(1, 60))
        if m == 1:
            got.append(np.array([comp.add(tasks[i], rewards[i])]))
        else:
            for j in range(i, min(i + m, len(tasks))):
                comp.push(tasks[j], rewards[j])
            got.append(comp.flush())
        i += m
    np.testing.assert_array_equal(np.concatenate(got), _brute_force_alps(tasks, rewards))
    assert comp.history.n_trees >= 2


@pytest.mark.parametrize("ratio", [1.0, 4.0])
def test_the_forest_stays_logarithmic_and_swaps_background_merges_in(ratio: float) -> None:
    rng = np.random.default_rng(5)
    hist = NearestHistory(2, block=8, ratio=ratio, sync_max=64, background=True)
    for _ in range(40):
        for p in rng.random((64, 2)):
            hist.push(p, 0.0)
        hist.flush()
        hist.wait()
        spans = [t.span for t in hist._trees]
        assert all(old > ratio * new for old, new in zip(spans, spans[1:], strict=False))
        assert sum(spans) + hist._tail_values.shape[0] == hist.n_done
        assert hist.n_trees <= int(np.log(hist.n_done / 8) / np.log(ratio + 1.0)) + 1
        if ratio == 1.0:  # a binary counter: distinct powers of two times the block
            assert all(s % 8 == 0 and (s // 8) & (s // 8 - 1) == 0 for s in spans)


def test_state_load_and_pickle_give_the_same_answers() -> None:
    rng = np.random.default_rng(7)
    tasks, rewards = _history(rng, 900, 3, "clipped")
    comp = ALPComputer(3, block=16)
    for t, r in zip(tasks[:600], rewards[:600], strict=True):
        comp.push(t, r)
    comp.flush()
    loaded = ALPComputer(3, block=16)
    loaded.load(comp.state())
    clone = pickle.loads(pickle.dumps(comp))
    alps = []
    for c in (comp, loaded, clone):
        for t, r in zip(tasks[600:], rewards[600:], strict=True):
            c.push(t, r)
        alps.append(c.flush())
    np.testing.assert_array_equal(alps[0], _brute_force_alps(tasks, rewards)[600:])
    np.testing.assert_array_equal(alps[1], alps[0])
    np.testing.assert_array_equal(alps[2], alps[0])
