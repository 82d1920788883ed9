"""Teachers: the teacher/student protocol, task spaces and the teacher algorithms."""

from autocurriculum.teachers.adr import ADR, ADR_PRESETS
from autocurriculum.teachers.ads import ADS, discount_space
from autocurriculum.teachers.alp_gmm import ALP_GMM_PRESETS, ALPGMM
from autocurriculum.teachers.base import FEEDBACK_FIELDS, Feedback, Lesson, Teacher
from autocurriculum.teachers.clutr import CLUTR
from autocurriculum.teachers.covar_gmm import COVAR_GMM_PRESETS, CovarGMM
from autocurriculum.teachers.data_curricula import (
    CyclicalCurriculum,
    FixedExponentialPacing,
    FullData,
    PacingCurriculum,
)
from autocurriculum.teachers.goal_gan import GOAL_GAN_PRESETS, GoalGAN
from autocurriculum.teachers.learning_progress import LearningProgress
from autocurriculum.teachers.levels import MazeLevel, MazeLevelSpace
from autocurriculum.teachers.paired import PAIRED, PAIRED_PRESETS
from autocurriculum.teachers.plr import PLR, PLR_PRESETS
from autocurriculum.teachers.random_teacher import Random
from autocurriculum.teachers.registry import TEACHERS, make_teacher, register_teacher
from autocurriculum.teachers.riac import RIAC, RIAC_PRESETS
from autocurriculum.teachers.setter_solver import SETTER_SOLVER_PRESETS, SetterSolver
from autocurriculum.teachers.sfl import SFL
from autocurriculum.teachers.spaces import (
    BoxSpace,
    DiscreteSpace,
    ProductSpace,
    SubsetSpace,
    TaskSpace,
    space_from_dict,
)
from autocurriculum.teachers.spdl import SPDL, SPDL_PRESETS

register_teacher(Random)
register_teacher(ALPGMM)
register_teacher(CovarGMM)
register_teacher(RIAC)
register_teacher(ADR)
register_teacher(LearningProgress)
register_teacher(PLR)
register_teacher(FullData)
register_teacher(PacingCurriculum)
register_teacher(FixedExponentialPacing)
register_teacher(CyclicalCurriculum)
register_teacher(ADS)
register_teacher(SPDL)
register_teacher(GoalGAN)
register_teacher(SetterSolver)
register_teacher(SFL)
register_teacher(PAIRED)
register_teacher(CLUTR)

__all__ = [
    "ADR",
    "ADR_PRESETS",
    "ADS",
    "ALPGMM",
    "ALP_GMM_PRESETS",
    "CLUTR",
    "COVAR_GMM_PRESETS",
    "CovarGMM",
    "FEEDBACK_FIELDS",
    "TEACHERS",
    "BoxSpace",
    "CyclicalCurriculum",
    "DiscreteSpace",
    "Feedback",
    "FixedExponentialPacing",
    "FullData",
    "GOAL_GAN_PRESETS",
    "GoalGAN",
    "LearningProgress",
    "MazeLevel",
    "MazeLevelSpace",
    "Lesson",
    "PAIRED",
    "PAIRED_PRESETS",
    "PLR",
    "PLR_PRESETS",
    "PacingCurriculum",
    "ProductSpace",
    "RIAC",
    "RIAC_PRESETS",
    "Random",
    "SETTER_SOLVER_PRESETS",
    "SPDL",
    "SPDL_PRESETS",
    "SetterSolver",
    "SFL",
    "SubsetSpace",
    "TaskSpace",
    "Teacher",
    "discount_space",
    "make_teacher",
    "register_teacher",
    "space_from_dict",
]
