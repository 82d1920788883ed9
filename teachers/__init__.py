"""Teachers: the teacher/student protocol, task spaces and the teacher algorithms."""

from teachers.adr import ADR, ADR_PRESETS
from teachers.ads import ADS, discount_space
from teachers.alp_gmm import ALP_GMM_PRESETS, ALPGMM
from teachers.base import FEEDBACK_FIELDS, Feedback, Lesson, Teacher
from teachers.covar_gmm import COVAR_GMM_PRESETS, CovarGMM
from teachers.data_curricula import CyclicalCurriculum, FixedExponentialPacing, FullData, PacingCurriculum
from teachers.learning_progress import LearningProgress
from teachers.plr import PLR, PLR_PRESETS
from teachers.random_teacher import Random
from teachers.registry import TEACHERS, make_teacher, register_teacher
from teachers.riac import RIAC, RIAC_PRESETS
from teachers.spaces import BoxSpace, DiscreteSpace, ProductSpace, SubsetSpace, TaskSpace, space_from_dict

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

__all__ = [
    "ADR",
    "ADR_PRESETS",
    "ADS",
    "ALPGMM",
    "ALP_GMM_PRESETS",
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
    "LearningProgress",
    "Lesson",
    "PLR",
    "PLR_PRESETS",
    "PacingCurriculum",
    "ProductSpace",
    "RIAC",
    "RIAC_PRESETS",
    "Random",
    "SubsetSpace",
    "TaskSpace",
    "Teacher",
    "discount_space",
    "make_teacher",
    "register_teacher",
    "space_from_dict",
]
