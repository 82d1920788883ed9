"""Run checkpoints: the plain-data format of :mod:`autocurriculum.teachers.state_codec`.

The runner writes ``checkpoint.ckpt`` and keeps the previous one (``checkpoint.previous.ckpt``);
:func:`read_checkpoint` loads the newest intact one and names every file it skipped.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from autocurriculum.teachers.state_codec import CHECKPOINT_FORMAT, MAGIC, CheckpointError, decode, encode

__all__ = ["CHECKPOINT_FORMAT", "MAGIC", "CheckpointError", "decode", "encode", "read_checkpoint"]


def read_checkpoint(paths: list[Path], warn: Callable[[str], None]) -> tuple[Any, Path]:
    """Decode the first intact file of ``paths`` (newest first); ``warn`` names each bad one before it.

    Raises :class:`CheckpointError` naming every file when none is readable.
    """
    problems = []
    for path in paths:
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            problems.append(f"{path}: missing")
            continue
        except OSError as e:
            problems.append(f"{path}: unreadable ({e.strerror})")
            continue
        try:
            state = decode(data)
        except CheckpointError as e:
            problems.append(f"{path}: {e}")
            continue
        for problem in problems:
            warn(f"warning: {problem}; continuing from {path} instead")
        return state, path
    raise CheckpointError(
        "no readable checkpoint ("
        + "; ".join(problems)
        + "); start the run again with `autocurriculum run --overwrite`"
    )
