"""CLUTR: PAIRED's adversary acting in the latent space of a pretrained level VAE.

Azad et al., "CLUTR: Curriculum Learning via Unsupervised Task Representation Learning", ICML
2023. A recurrent VAE (:mod:`autocurriculum.teachers.level_vae`) is trained once, before the
curriculum, on randomly generated levels written as integer sequences with sorted walls, and
stays frozen. The teacher is PAIRED's one-step generator (:class:`~autocurriculum.teachers.paired.PAIRED`
over a :class:`~autocurriculum.teachers.spaces.BoxSpace`) over the latent box
``[-latent_bound, latent_bound]^latent_dim``; each latent vector is decoded greedily into a token
sequence (each position restricted to the tokens it may hold) and turned into a level by the
space's tolerant decode
(:meth:`~autocurriculum.teachers.levels.MazeLevelSpace.decode`: duplicate walls and walls on the
agent or goal are dropped, an agent on the goal moves to the next free cell), so every decoded
sequence is a valid level. The adversary's reward is the regret, as in PAIRED; lessons are
:class:`~autocurriculum.teachers.levels.MazeLevel` objects.

The VAE is named by ``vae``: a shipped name (:data:`SHIPPED_VAES`, e.g. ``"maze7"`` for the
default 7 x 7 space with 12 walls) or a path to a file written by this module's script::

    python -m autocurriculum.teachers.level_vae --size 7 --max-walls 12 --output my_vae.pt

which pretrains on CPU in minutes and prints the reconstruction accuracy. Files are read with
``torch.load(weights_only=True)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from autocurriculum.teachers.levels import MazeLevelSpace
from autocurriculum.teachers.paired import PAIRED
from autocurriculum.teachers.plr import _check_number
from autocurriculum.teachers.spaces import BoxSpace, TaskSpace
from autocurriculum.teachers.validation import StateReader

__all__ = ["CLUTR", "SHIPPED_VAES", "vae_path"]

WEIGHTS_DIR = Path(__file__).resolve().parent / "weights"

#: VAEs shipped with the package, by name: the file under ``teachers/weights/``.
SHIPPED_VAES: dict[str, str] = {"maze7": "clutr_vae_maze7.pt"}

def vae_path(vae: str | Path) -> Path:
    """The file of ``vae``: a shipped name (:data:`SHIPPED_VAES`) or a path."""
    if isinstance(vae, str) and vae in SHIPPED_VAES:
        return WEIGHTS_DIR / SHIPPED_VAES[vae]
    if not isinstance(vae, (str, Path)):
        raise TypeError(f"CLUTR.vae: expected a shipped name {sorted(SHIPPED_VAES)} or a file path, got {vae!r}")
    path = Path(vae)
    if not path.is_file():
        raise ValueError(f"CLUTR.vae: {str(vae)!r} is neither a shipped VAE {sorted(SHIPPED_VAES)} nor an existing file")
    return path


class CLUTR(PAIRED):
    """PAIRED's one-step adversary in a frozen VAE's latent space (Azad et al., ICML 2023).

    Parameters
    ----------
    task_space:
        A :class:`~autocurriculum.teachers.levels.MazeLevelSpace` matching the VAE's.
    vae:
        A shipped VAE name (default ``"maze7"``) or a path to a VAE file.
    latent_bound:
        The adversary's latent box is ``[-latent_bound, latent_bound]^latent_dim`` (default 2:
        about 95 % of the VAE's ``N(0, 1)`` prior per dimension).
    batch_size, learning_rate, n_epochs, n_minibatches, clip_range, entropy_coef,
    max_grad_norm, noise_dim, hidden, seed:
        As for :class:`~autocurriculum.teachers.paired.PAIRED` (the one-step generator).
    """

    name: ClassVar[str] = "clutr"
    space_types: ClassVar[tuple[type[TaskSpace], ...]] = (MazeLevelSpace,)

    def __init__(
        self,
        task_space: TaskSpace,
        *,
        vae: str = "maze7",
        latent_bound: float = 2.0,
        batch_size: int = 32,
        learning_rate: float = 1e-4,
        n_epochs: int = 5,
        n_minibatches: int = 1,
        clip_range: float = 0.2,
        entropy_coef: float = 0.0,
        max_grad_norm: float = 0.5,
        noise_dim: int = 50,
        hidden: Sequence[int] = (64,),
        seed: int | None = None,
    ) -> None:
        super().__init__(
            task_space,
            batch_size=batch_size,
            learning_rate=learning_rate,
            n_epochs=n_epochs,
            n_minibatches=n_minibatches,
            clip_range=clip_range,
            entropy_coef=entropy_coef,
            max_grad_norm=max_grad_norm,
            noise_dim=noise_dim,
            hidden=hidden,
            seed=seed,
        )
        self.vae = vae
        self.latent_bound = latent_bound

    def _validate_params(self) -> None:
        super()._validate_params()
        owner = type(self).__name__
        _check_number(self.latent_bound, f"{owner}.latent_bound", 0.0, np.inf, low_open=True)
        from autocurriculum.teachers.level_vae import load_vae

        path = vae_path(self.vae)
        try:
            vae, meta = load_vae(path)
        except (RuntimeError, OSError, KeyError, TypeError) as e:
            raise ValueError(f"{owner}.vae: cannot read {path}: {e}") from e
        if meta["space"] != self.task_space.to_dict():
            raise ValueError(
                f"{owner}.vae: {path} was trained on {meta['space']}, not on this teacher's {self.task_space.to_dict()}; "
                "pretrain one for this space with python -m autocurriculum.teachers.level_vae"
            )
        from autocurriculum.teachers.level_vae import position_mask

        self.vae_ = vae
        self.token_mask_ = position_mask(self.task_space)
        self.vae_meta_ = {k: v for k, v in meta.items() if k != "state_dict"}
        d = int(vae.latent_dim)
        bound = float(self.latent_bound)
        self.latent_space_ = BoxSpace([-bound] * d, [bound] * d, names=[f"z{i}" for i in range(d)])

    @property
    def generator_space(self) -> TaskSpace:
        """The latent box the adversary acts in."""
        return self.latent_space_

    def _generate(self, n: int) -> list[dict[str, Any]]:
        import torch

        records = super()._generate(n)  # their "task" is a latent vector of the box
        latents = np.stack([record["task"] for record in records])
        codes = self.vae_.generate(torch.as_tensor(latents, dtype=torch.float32), self.token_mask_).numpy()
        space = self.task_space
        assert isinstance(space, MazeLevelSpace)
        for record, code in zip(records, codes, strict=True):
            record["latent"] = record["task"]
            record["task"] = space.encode(space.decode(code))
        return records

    def decode(self, latent: Any) -> Any:
        """The level a latent vector decodes to.

        Greedy decoding restricted to the tokens each position allows (cells for the goal and the
        agent, 0..3 for the direction, cells or padding for walls), then the space's tolerant
        decode (duplicate walls and walls on the agent or goal dropped, an agent on the goal
        moved to the next free cell).
        """
        import torch

        z = torch.as_tensor(np.asarray(latent, dtype=np.float32).reshape(1, -1))
        codes = self.vae_.generate(z, self.token_mask_)[0].numpy()
        return self.task_space.decode(codes)  # type: ignore[attr-defined]

    def encode(self, level: Any) -> np.ndarray:
        """The posterior mean of ``level``'s encoding."""
        import torch

        tokens = torch.as_tensor(self.task_space.encode(level)).reshape(1, -1)  # type: ignore[attr-defined]
        with torch.no_grad():
            mu, _ = self.vae_.encode(tokens)
        return mu[0].numpy().astype(np.float64)

    def _get_state(self) -> dict[str, Any]:
        from autocurriculum.teachers.adversary import module_state

        return {**super()._get_state(), "vae": module_state(self.vae_)}

    def _set_state(self, state: dict[str, Any]) -> None:
        from autocurriculum.teachers.adversary import read_module_state
        from autocurriculum.teachers.level_vae import LevelVAE

        r = self._state_reader(state)
        vae = LevelVAE(**self.vae_.config)  # the saved weights must fit this teacher's VAE
        read_module_state(r.sub("vae"), vae)
        vae.eval()
        super()._set_state({k: v for k, v in state.items() if k != "vae"})
        self.vae_ = vae

    def _record_keys(self) -> list[str]:
        return [*super()._record_keys(), "latent"]

    def _read_task(self, r: StateReader, record: dict[str, Any]) -> dict[str, Any]:
        """A record's latent vector (in the latent box) and the level it decoded to (an exact encoding)."""
        space = self.task_space
        assert isinstance(space, MazeLevelSpace)
        box = self.latent_space_
        latent = r.array("latent", "f", (box.dim,), box.low, box.high)
        task = r.array("task", "i", (space.encoding_length,), 0, space.pad)
        space.decode(task, strict=True, name=r.where("task"))
        return {"latent": latent, "task": task}
