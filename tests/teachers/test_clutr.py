"""CLUTR: the shipped VAE reconstructs its training levels, decoded levels are valid, contract, resume."""

from __future__ import annotations

import pickle
import tempfile
from pathlib import Path

import numpy as np
import pytest
import torch

from autocurriculum.teachers import CLUTR, MazeLevel, MazeLevelSpace, Teacher
from autocurriculum.teachers.clutr import vae_path
from autocurriculum.teachers.contract import parametrize_with_checks
from autocurriculum.teachers.level_vae import (
    PRETRAIN_DEFAULTS,
    load_vae,
    position_mask,
    pretrain,
    reconstruction_accuracy,
    save_vae,
)

torch.set_num_threads(1)

SPACE = MazeLevelSpace()  # the shipped VAE's space: 7 x 7, 12 walls

#: Stated accuracy of the shipped VAE on levels it was trained on (greedy decoding from the mean;
#: the pretraining script measured 0.957 of tokens and 0.68 of whole levels on 2,000 of them).
MIN_TOKEN_ACCURACY = 0.93

#: A tiny space and a tiny VAE, trained in a second, for the checks that draw thousands of levels.
TINY_SPACE = MazeLevelSpace(size=4, max_walls=3)


def _tiny_vae() -> str:
    vae, metrics = pretrain(TINY_SPACE, n_levels=256, epochs=1, batch_size=64, latent_dim=4, embed_dim=8, hidden=16)
    path = Path(tempfile.mkdtemp(prefix="clutr_test_")) / "tiny_vae.pt"
    return str(save_vae(vae, TINY_SPACE, path, metrics, {}))


TINY_VAE = _tiny_vae()

CONTRACT: list[Teacher] = [
    CLUTR(TINY_SPACE, vae=TINY_VAE, batch_size=8, n_epochs=1, n_minibatches=2, hidden=(8,), noise_dim=4, seed=0)
]


@parametrize_with_checks(CONTRACT)
def test_clutr_contract(teacher: Teacher, check) -> None:
    check(teacher)


def held_in_levels(n: int) -> np.ndarray:
    """The first ``n`` training levels of the shipped VAE (its script draws them with this seed)."""
    rng = np.random.default_rng(PRETRAIN_DEFAULTS["seed"])
    return np.stack([SPACE.encode(SPACE.sample(rng)) for _ in range(n)])


def test_shipped_vae_reconstructs_held_in_levels() -> None:
    vae, meta = load_vae(vae_path("maze7"))
    assert meta["space"] == SPACE.to_dict() and meta["settings"] == PRETRAIN_DEFAULTS
    token_acc, _ = reconstruction_accuracy(vae, held_in_levels(500), position_mask(SPACE))
    assert token_acc >= MIN_TOKEN_ACCURACY
    # what the script printed when it wrote the file
    assert meta["metrics"]["token_accuracy"] >= MIN_TOKEN_ACCURACY


def test_decode_of_encode_is_a_valid_level_and_any_latent_decodes_to_one() -> None:
    teacher = CLUTR(SPACE, seed=0).setup()
    levels = [SPACE.sample(np.random.default_rng(i)) for i in range(50)]
    for level in levels:
        decoded = teacher.decode(teacher.encode(level))
        assert isinstance(decoded, MazeLevel) and decoded in SPACE
    gen = torch.Generator().manual_seed(0)
    for z in torch.randn(50, teacher.latent_space_.dim, generator=gen) * 3.0:
        assert teacher.decode(z.numpy()) in SPACE


def test_adversary_moves_toward_higher_regret_in_latent_space() -> None:
    def regret(level: MazeLevel) -> float:
        return len(level.walls) / SPACE.max_walls  # many walls are "hard"

    teacher = CLUTR(SPACE, batch_size=16, learning_rate=1e-2, n_epochs=4, hidden=(16,), noise_dim=4, seed=0)
    walls = []
    for _ in range(320):
        lesson = teacher.sample()
        walls.append(len(lesson.task.walls))
        teacher.update(lesson, {"score": regret(lesson.task)})
    assert np.mean(walls[-48:]) > np.mean(walls[:48]) + 1.5, (np.mean(walls[:48]), np.mean(walls[-48:]))


def test_state_holds_the_vae_and_the_adversary_and_resumes_exactly() -> None:
    teacher = CLUTR(TINY_SPACE, vae=TINY_VAE, batch_size=3, hidden=(8,), noise_dim=4, seed=1)
    for _ in range(5):
        lesson = teacher.sample()
        teacher.update(lesson, {"score": float(len(lesson.task.walls))})
    state = pickle.loads(pickle.dumps(teacher.state_dict()))
    assert set(state["state"]["vae"]) == set(teacher.vae_.state_dict())
    restored = CLUTR(TINY_SPACE, vae=TINY_VAE, batch_size=3, hidden=(8,), noise_dim=4, seed=7)
    restored.load_state_dict(state)
    for k, v in restored.vae_.state_dict().items():
        np.testing.assert_array_equal(v.numpy(), state["state"]["vae"][k])
    # the VAE's weights come from the state, not from the file named by the constructor
    nudged = pickle.loads(pickle.dumps(state))
    key = next(iter(nudged["state"]["vae"]))
    nudged["state"]["vae"][key] = nudged["state"]["vae"][key] + 0.5
    other = CLUTR(TINY_SPACE, vae=TINY_VAE, batch_size=3, hidden=(8,), noise_dim=4, seed=7)
    other.load_state_dict(nudged)
    np.testing.assert_array_equal(other.vae_.state_dict()[key].numpy(), nudged["state"]["vae"][key])
    for _ in range(6):
        a, b = teacher.sample(), restored.sample()
        assert a.task == b.task
        teacher.update(a, {"score": 1.0})
        restored.update(b, {"score": 1.0})


def test_vae_must_match_the_space_and_exist() -> None:
    with pytest.raises(ValueError, match="trained on"):
        CLUTR(MazeLevelSpace(size=5, max_walls=4)).setup()  # the shipped maze7 VAE is for 7 x 7
    with pytest.raises(ValueError, match="neither a shipped VAE"):
        CLUTR(SPACE, vae="no_such_vae").setup()


def test_a_state_with_another_vae_is_refused_naming_the_weights() -> None:
    teacher = CLUTR(TINY_SPACE, vae=TINY_VAE, batch_size=3, hidden=(8,), noise_dim=4, seed=1)
    for _ in range(4):
        lesson = teacher.sample()
        teacher.update(lesson, {"score": 1.0})
    teacher.sample()  # one generated level pending
    state = teacher.state_dict()
    bad = pickle.loads(pickle.dumps(state))
    bad["state"]["vae"]["to_mu.weight"] = bad["state"]["vae"]["to_mu.weight"][:, :-1]
    with pytest.raises(ValueError, match=r"\['vae'\]\['to_mu.weight'\]: expected shape"):
        teacher.load_state_dict(bad)
    bad = pickle.loads(pickle.dumps(state))
    record = next(iter(bad["state"]["pending"].values()))
    record["latent"] = record["latent"] + 10.0  # outside the latent box
    with pytest.raises(ValueError, match=r"\['latent'\]"):
        teacher.load_state_dict(bad)
    teacher.load_state_dict(state)
