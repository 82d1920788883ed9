"""The Random teacher: uniform over the task space, or a Gaussian initial distribution.

Reference: the "Random" baseline of Portelas et al., CoRL 2019 (teachDeepRL) and of
Romac et al., ICML 2021 (TeachMyAgent). TeachMyAgent's Gaussian "initial distribution"
(expert knowledge) is available through ``initial_mean`` / ``initial_std``; the default
std is 10% of each dimension's range, and draws are clipped to the box as in TeachMyAgent.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np

from autocurriculum.teachers.base import Feedback, Lesson, Teacher
from autocurriculum.teachers.spaces import BoxSpace, TaskSpace
from autocurriculum.teachers.validation import real_array

__all__ = ["Random"]


class Random(Teacher):
    """Propose tasks uniformly at random (or from a fixed Gaussian over a box); never learns.

    Parameters
    ----------
    task_space:
        Any task space. A Gaussian needs a :class:`~autocurriculum.teachers.spaces.BoxSpace`.
    initial_mean:
        Mean of the Gaussian per dimension (``None``: uniform sampling).
    initial_std:
        Standard deviation per dimension; defaults to 10% of each dimension's range.
    seed:
        Seed of the teacher's own generator.
    """

    name: ClassVar[str] = "random"
    requires: ClassVar[frozenset[str]] = frozenset()

    def __init__(
        self,
        task_space: TaskSpace,
        *,
        initial_mean: Sequence[float] | None = None,
        initial_std: Sequence[float] | float | None = None,
        seed: int | None = None,
    ) -> None:
        super().__init__(task_space, seed=seed)
        self.initial_mean = initial_mean
        self.initial_std = initial_std

    def _validate_params(self) -> None:
        self.mean_, self.std_ = gaussian_params(
            self.task_space, self.initial_mean, self.initial_std, type(self).__name__
        )

    def _sample(self) -> tuple[Any, str, dict[str, Any]]:
        if self.mean_ is None:
            return self.task_space.sample(self.rng_), "random", {}
        assert isinstance(self.task_space, BoxSpace)
        return self.task_space.clip(self.rng_.normal(self.mean_, self.std_)), "initial", {}

    def _update(self, lesson: Lesson, feedback: Feedback) -> None:
        """Random ignores feedback (beyond validating it)."""


def gaussian_params(
    space: TaskSpace,
    mean: Sequence[float] | None,
    std: Sequence[float] | float | None,
    owner: str,
) -> tuple[np.ndarray | None, np.ndarray | None]:
    """Validate an initial Gaussian (mean, std per dimension) over a box; std defaults to 10% of the range."""
    if mean is None:
        if std is not None:
            raise ValueError(f"{owner}: initial_std={std!r} was given without initial_mean; give both or neither")
        return None, None
    if not isinstance(space, BoxSpace):
        raise TypeError(f"{owner}: initial_mean needs a BoxSpace task space, got {space!r}")
    mean_arr = space.check(mean, f"{owner}.initial_mean")
    if std is None:
        std_arr = 0.1 * space.width
    else:
        values = real_array(std, f"{owner}.initial_std").astype(np.float64)  # no strings, bools or huge integers
        std_arr = np.broadcast_to(values, (space.dim,)).copy() if values.ndim == 0 else values
        if std_arr.shape != (space.dim,):
            raise ValueError(f"{owner}.initial_std: expected {space.dim} values, got shape {std_arr.shape}")
        if not np.all(np.isfinite(std_arr)) or np.any(std_arr < 0):
            raise ValueError(f"{owner}.initial_std: expected finite non-negative values, got {std_arr.tolist()}")
    return mean_arr, std_arr
