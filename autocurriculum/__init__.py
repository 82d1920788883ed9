"""autocurriculum: automatic curriculum learning and unsupervised environment design.

One import namespace holds the four packages of the repository:

* :mod:`autocurriculum.teachers` -- the teacher/student protocol, task spaces, teacher algorithms
  and the contract suite;
* :mod:`autocurriculum.environments` -- environments with task spaces and the task wrapper;
* :mod:`autocurriculum.students` -- deep-RL and supervised learners;
* :mod:`autocurriculum.experiments` -- YAML experiments, the runner, logging and the CLI.

Importing ``autocurriculum`` registers the gymnasium ids (``autocurriculum/StumpTracks-v0``, ...),
so ``gym.make("autocurriculum:autocurriculum/StumpTracks-v0")`` works with no other import. The
common names are re-exported here:

>>> from autocurriculum import ALPGMM, BoxSpace, with_teacher
"""

from __future__ import annotations

from importlib import import_module
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import autocurriculum.environments  # noqa: F401 - registers the gymnasium ids
from autocurriculum.teachers import (
    ADR,
    ADS,
    ALPGMM,
    CLUTR,
    PAIRED,
    PLR,
    RIAC,
    SFL,
    SPDL,
    BoxSpace,
    CovarGMM,
    CyclicalCurriculum,
    DiscreteSpace,
    Feedback,
    FixedExponentialPacing,
    FullData,
    GoalGAN,
    LearningProgress,
    Lesson,
    MazeLevel,
    MazeLevelSpace,
    PacingCurriculum,
    ProductSpace,
    Random,
    SetterSolver,
    SubsetSpace,
    TaskSpace,
    Teacher,
    make_teacher,
    register_teacher,
    space_from_dict,
)

# The task wrapper imports stable-baselines3 (and torch): load it on first use only.
_LAZY = {name: "autocurriculum.environments.task_wrapper" for name in ("TaskVecEnv", "TaskVectorEnv", "TaskWrapper", "with_teacher")}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'autocurriculum' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


try:
    __version__: str = version("autocurriculum")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"

__all__ = [
    "ADR",
    "ADS",
    "ALPGMM",
    "CLUTR",
    "PAIRED",
    "PLR",
    "RIAC",
    "SFL",
    "SPDL",
    "BoxSpace",
    "CovarGMM",
    "CyclicalCurriculum",
    "DiscreteSpace",
    "Feedback",
    "FixedExponentialPacing",
    "FullData",
    "GoalGAN",
    "LearningProgress",
    "Lesson",
    "MazeLevel",
    "MazeLevelSpace",
    "PacingCurriculum",
    "ProductSpace",
    "Random",
    "SetterSolver",
    "SubsetSpace",
    "TaskSpace",
    "TaskVecEnv",
    "TaskVectorEnv",
    "TaskWrapper",
    "Teacher",
    "__version__",
    "make_teacher",
    "register_teacher",
    "space_from_dict",
    "with_teacher",
]
