"""A test teacher: Random that kills its own process once (a worker dying mid-run)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from autocurriculum.teachers import Random


class CrashOnce(Random):
    """Random, except that the process exits when lesson ``crash_at`` is sampled and ``marker`` does not exist.

    The marker is created first, so the retried run does not crash again.
    """

    def __init__(self, task_space: Any, *, crash_at: int = 0, marker: str = "", seed: int | None = None) -> None:
        super().__init__(task_space, seed=seed)
        self.crash_at = crash_at
        self.marker = marker

    def _sample(self) -> tuple[Any, str, dict[str, Any]]:
        if self.n_sampled_ == self.crash_at and self.marker and not Path(self.marker).exists():
            Path(self.marker).write_text("crashed\n")
            os._exit(1)
        return super()._sample()
