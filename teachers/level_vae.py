"""CLUTR's recurrent VAE over the integer encodings of maze levels (torch).

Azad et al., "CLUTR: Curriculum Learning via Unsupervised Task Representation Learning",
ICML 2023. A level is written as the space's fixed-length integer sequence
(:meth:`autocurriculum.teachers.levels.MazeLevelSpace.encode`: goal, agent, direction, then the
wall cells sorted, so the code does not depend on the order walls were placed, then padding).
A bidirectional GRU encoder reads the embedded tokens and gives the mean and log-variance of a Gaussian
posterior; a GRU decoder, whose initial state and every input are conditioned on the latent
vector, predicts the sequence token by token (teacher forcing in training, greedy decoding in
:meth:`LevelVAE.generate`). The loss is the token cross-entropy plus ``beta`` times the KL
divergence to ``N(0, I)``, with ``beta`` annealed linearly from 0 over the first epochs (Bowman
et al. 2016) to a small final value that keeps reconstructions sharp, and word dropout (the
decoder sees the previous token only with probability ``1 - word_dropout``, so it must read
the latent vector).

The paper's VAE has a 64-dimensional latent space and is trained on millions of random 13 x 13
levels on a GPU; the default here (:data:`PRETRAIN_DEFAULTS`: 32 latent dimensions, 128 GRU
units, 20,000 random levels of the default 7 x 7 space, 15 epochs) trains on two CPU cores in
minutes. The
VAE is trained once and frozen: :class:`~autocurriculum.teachers.clutr.CLUTR` only decodes.

Run ``python -m autocurriculum.teachers.level_vae`` to pretrain and write the shipped weights
(``--output`` elsewhere to keep them); it prints the reconstruction accuracy.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from autocurriculum.teachers.adversary import make_generator

__all__ = [
    "PRETRAIN_DEFAULTS",
    "LevelVAE",
    "load_vae",
    "position_mask",
    "pretrain",
    "reconstruction_accuracy",
    "save_vae",
]

#: The shipped weights' pretraining settings (this module's script defaults).
PRETRAIN_DEFAULTS: dict[str, Any] = {
    "n_levels": 20_000,
    "epochs": 15,
    "batch_size": 64,
    "learning_rate": 3e-3,
    "beta": 0.02,
    "warmup_epochs": 5,
    "word_dropout": 0.5,
    "latent_dim": 32,
    "embed_dim": 32,
    "hidden": 128,
    "seed": 0,
}


class LevelVAE(nn.Module):
    """GRU encoder/decoder VAE over token sequences of a fixed length.

    Parameters
    ----------
    vocab_size:
        Number of tokens (the level space's ``vocab_size``).
    seq_len:
        Sequence length (the level space's ``encoding_length``).
    latent_dim:
        Size of the latent vector (paper: 64; :data:`PRETRAIN_DEFAULTS`: 32).
    embed_dim, hidden:
        Token embedding size and GRU units.
    """

    def __init__(self, vocab_size: int, seq_len: int, latent_dim: int = 32, embed_dim: int = 32, hidden: int = 128) -> None:
        super().__init__()
        self.config = {
            "vocab_size": int(vocab_size),
            "seq_len": int(seq_len),
            "latent_dim": int(latent_dim),
            "embed_dim": int(embed_dim),
            "hidden": int(hidden),
        }
        self.vocab_size, self.seq_len, self.latent_dim = int(vocab_size), int(seq_len), int(latent_dim)
        self.start = self.vocab_size  # the decoder's start token
        self.embed = nn.Embedding(self.vocab_size + 1, embed_dim)
        self.encoder = nn.GRU(embed_dim, hidden, batch_first=True, bidirectional=True)
        self.to_mu = nn.Linear(2 * hidden, latent_dim)
        self.to_logvar = nn.Linear(2 * hidden, latent_dim)
        self.to_hidden = nn.Linear(latent_dim, hidden)
        self.decoder = nn.GRU(embed_dim + latent_dim, hidden, batch_first=True)
        self.out = nn.Linear(hidden, vocab_size)

    def encode(self, tokens: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """``(B, L)`` int tokens -> posterior mean and log-variance ``(B, latent_dim)`` each."""
        _, h = self.encoder(self.embed(tokens))
        both = torch.cat([h[-2], h[-1]], dim=1)  # the last states of the forward and backward passes
        return self.to_mu(both), self.to_logvar(both)

    def decode_logits(
        self, z: torch.Tensor, tokens: torch.Tensor, keep: torch.Tensor | None = None
    ) -> torch.Tensor:
        """Teacher-forced logits ``(B, L, vocab)`` of ``tokens`` given latents ``z``.

        ``keep`` (``(B, L)`` booleans) marks the previous-token inputs the decoder sees; the
        others are replaced by the start token (word dropout, Bowman et al. 2016).
        """
        start = torch.full((tokens.shape[0], 1), self.start, dtype=torch.int64)
        previous = torch.cat([start, tokens[:, :-1]], dim=1)
        if keep is not None:
            previous = torch.where(keep, previous, torch.full_like(previous, self.start))
        inputs = self.embed(previous)
        zs = z.unsqueeze(1).expand(-1, tokens.shape[1], -1)
        h0 = torch.tanh(self.to_hidden(z)).unsqueeze(0)
        out, _ = self.decoder(torch.cat([inputs, zs], dim=2), h0.contiguous())
        return self.out(out)

    @torch.no_grad()
    def generate(self, z: torch.Tensor, allowed: np.ndarray | None = None) -> torch.Tensor:
        """Greedy decoding: latents ``(B, latent_dim)`` -> tokens ``(B, L)``.

        ``allowed`` (``(L, vocab)`` booleans, :func:`position_mask`) restricts each position to
        the tokens it may hold; the most likely allowed token is chosen and fed back.
        """
        b = z.shape[0]
        mask = None if allowed is None else torch.as_tensor(np.asarray(allowed, dtype=bool))
        h = torch.tanh(self.to_hidden(z)).unsqueeze(0).contiguous()
        token = torch.full((b, 1), self.start, dtype=torch.int64)
        out = torch.empty(b, self.seq_len, dtype=torch.int64)
        for t in range(self.seq_len):
            step, h = self.decoder(torch.cat([self.embed(token), z.unsqueeze(1)], dim=2), h)
            logits = self.out(step)
            if mask is not None:
                logits = logits.masked_fill(~mask[t], -torch.inf)
            token = logits.argmax(dim=2)
            out[:, t] = token[:, 0]
        return out


def position_mask(space: Any) -> np.ndarray:
    """The tokens each position of a maze encoding may hold, ``(encoding_length, vocab_size)``.

    The layout of :meth:`~autocurriculum.teachers.levels.MazeLevelSpace.encode`: goal and agent
    are cells (not the pad token), the direction is 0..3, wall slots are cells or padding.
    """
    mask = np.ones((space.encoding_length, space.vocab_size), dtype=bool)
    mask[0:2, space.pad] = False
    mask[2, 4:] = False
    return mask


def _loss(
    vae: LevelVAE, tokens: torch.Tensor, beta: float, word_dropout: float, generator: torch.Generator
) -> tuple[torch.Tensor, float, float]:
    mu, logvar = vae.encode(tokens)
    eps = torch.randn(mu.shape, generator=generator)
    z = mu + eps * torch.exp(0.5 * logvar)
    keep = torch.rand(tokens.shape, generator=generator) >= word_dropout
    logits = vae.decode_logits(z, tokens, keep)
    rec = nn.functional.cross_entropy(logits.reshape(-1, vae.vocab_size), tokens.reshape(-1), reduction="sum") / tokens.shape[0]
    kl = (-0.5 * (1 + logvar - mu.pow(2) - logvar.exp()).sum(dim=1)).mean()
    return rec + beta * kl, float(rec.detach()), float(kl.detach())


@torch.no_grad()
def reconstruction_accuracy(vae: LevelVAE, tokens: np.ndarray, allowed: np.ndarray | None = None) -> tuple[float, float]:
    """Token accuracy and whole-sequence accuracy of greedy decoding from the posterior mean."""
    t = torch.as_tensor(tokens, dtype=torch.int64)
    mu, _ = vae.encode(t)
    decoded = vae.generate(mu, allowed)
    same = decoded == t
    return float(same.float().mean()), float(same.all(dim=1).float().mean())


def pretrain(
    space: Any,
    *,
    n_levels: int = 20_000,
    epochs: int = 15,
    batch_size: int = 64,
    learning_rate: float = 3e-3,
    beta: float = 0.02,
    warmup_epochs: int = 5,
    word_dropout: float = 0.5,
    latent_dim: int = 32,
    embed_dim: int = 32,
    hidden: int = 128,
    seed: int = 0,
    log: Callable[[str], None] | None = None,
) -> tuple[LevelVAE, dict[str, float]]:
    """Train a :class:`LevelVAE` on ``n_levels`` uniformly random levels of ``space`` (its ``sample``).

    Deterministic for a given seed (numpy generator for the levels, a torch generator for the
    weights, the reparameterisation noise and the minibatch order; one torch thread recommended).
    Returns the VAE (in eval mode) and ``{"token_accuracy", "level_accuracy", "seconds", ...}``
    measured on the first 2,000 training levels (held in).
    """
    rng = np.random.default_rng(seed)
    data = np.stack([space.encode(space.sample(rng)) for _ in range(int(n_levels))])
    gen = make_generator(seed)
    vae = LevelVAE(space.vocab_size, space.encoding_length, latent_dim, embed_dim, hidden)
    with torch.no_grad():
        for p in vae.parameters():
            p.copy_(torch.empty(p.shape).uniform_(-0.1, 0.1, generator=gen))
        # start with little posterior noise, so that the decoder learns to read z before the KL
        # term (annealed in) widens the posterior: a guard against posterior collapse
        vae.to_logvar.bias.fill_(-6.0)
    optimizer = torch.optim.Adam(vae.parameters(), lr=learning_rate)
    tokens = torch.as_tensor(data, dtype=torch.int64)
    mask = position_mask(space)
    t0 = time.perf_counter()
    rec = kl = float("nan")
    for epoch in range(int(epochs)):
        b = beta * min(1.0, epoch / max(1, warmup_epochs))
        vae.train()
        order = torch.randperm(tokens.shape[0], generator=gen)
        for start in range(0, tokens.shape[0], batch_size):
            loss, rec, kl = _loss(vae, tokens[order[start : start + batch_size]], b, word_dropout, gen)
            optimizer.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(vae.parameters(), 5.0)
            optimizer.step()
        if log is not None:
            vae.eval()
            acc, _ = reconstruction_accuracy(vae, data[:500], mask)
            log(
                f"epoch {epoch + 1}/{epochs}: reconstruction {rec:.3f} nats/level, KL {kl:.3f}, beta {b:.3f}, "
                f"token accuracy {acc:.3f} ({time.perf_counter() - t0:.0f} s)"
            )
    vae.eval()
    token_acc, level_acc = reconstruction_accuracy(vae, data[:2000], mask)
    return vae, {
        "token_accuracy": token_acc,
        "level_accuracy": level_acc,
        "seconds": time.perf_counter() - t0,
        "reconstruction_nats": rec,
        "kl_nats": kl,
    }


def save_vae(vae: LevelVAE, space: Any, path: str | Path, metrics: dict[str, float], settings: dict[str, Any]) -> Path:
    """Write the VAE as a plain torch file: config, space, settings, metrics and the state dict."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save(
        {
            "config": dict(vae.config),
            "space": space.to_dict(),
            "settings": dict(settings),
            "metrics": {k: float(v) for k, v in metrics.items()},
            "state_dict": {k: v.detach().clone() for k, v in vae.state_dict().items()},
        },
        path,
    )
    return path


def load_vae(path: str | Path) -> tuple[LevelVAE, dict[str, Any]]:
    """Read a :func:`save_vae` file with ``torch.load(weights_only=True)`` (no code runs on load)."""
    data = torch.load(Path(path), map_location="cpu", weights_only=True)
    if not isinstance(data, dict) or not {"config", "space", "state_dict"} <= set(data):
        raise ValueError(f"vae: {path} is not a CLUTR VAE file (expected keys config, space, state_dict)")
    vae = LevelVAE(**data["config"])
    vae.load_state_dict(data["state_dict"])
    vae.eval()
    return vae, data


def main(argv: Sequence[str] | None = None) -> None:
    """Pretrain a CLUTR VAE on random levels and write it (``--output``); print its accuracy."""
    from autocurriculum.teachers.clutr import SHIPPED_VAES, WEIGHTS_DIR

    parser = argparse.ArgumentParser(prog="python -m autocurriculum.teachers.level_vae", description=main.__doc__)
    parser.add_argument("--size", type=int, default=7)
    parser.add_argument("--max-walls", type=int, default=12)
    for key, value in PRETRAIN_DEFAULTS.items():
        parser.add_argument(f"--{key.replace('_', '-')}", type=type(value), default=value)
    parser.add_argument("--output", type=Path, default=WEIGHTS_DIR / SHIPPED_VAES["maze7"])
    args = parser.parse_args(argv)

    from autocurriculum.teachers.levels import MazeLevelSpace

    torch.set_num_threads(1)  # reproducible to the bit on one thread
    space = MazeLevelSpace(size=args.size, max_walls=args.max_walls)
    settings = {key: getattr(args, key) for key in PRETRAIN_DEFAULTS}
    vae, metrics = pretrain(space, **settings, log=print)
    path = save_vae(vae, space, args.output, metrics, settings)
    print(
        f"| space | latent | levels | epochs | token accuracy | level accuracy | seconds | file |\n"
        f"|---|---|---|---|---|---|---|---|\n"
        f"| {args.size}x{args.size}, {args.max_walls} walls | {args.latent_dim} | {args.n_levels} | {args.epochs} "
        f"| {metrics['token_accuracy']:.4f} | {metrics['level_accuracy']:.4f} | {metrics['seconds']:.0f} "
        f"| {path} ({path.stat().st_size / 1024:.0f} KiB) |"
    )


if __name__ == "__main__":
    main()
