"""Teachers: the teacher/student protocol, task spaces and the teacher algorithms."""

from teachers.base import FEEDBACK_FIELDS, Feedback, Lesson, Teacher
from teachers.random_teacher import Random
from teachers.registry import TEACHERS, make_teacher, register_teacher
from teachers.spaces import BoxSpace, DiscreteSpace, ProductSpace, SubsetSpace, TaskSpace, space_from_dict

register_teacher(Random)

__all__ = [
    "FEEDBACK_FIELDS",
    "TEACHERS",
    "BoxSpace",
    "DiscreteSpace",
    "Feedback",
    "Lesson",
    "ProductSpace",
    "Random",
    "SubsetSpace",
    "TaskSpace",
    "Teacher",
    "make_teacher",
    "register_teacher",
    "space_from_dict",
]
