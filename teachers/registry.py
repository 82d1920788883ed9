"""Built-in teacher names -> classes, and construction by name with helpful errors.

Third-party teachers join through the experiment layer's plugin registry
(``autocurriculum.experiments.registry``), which starts from this table.
"""

from __future__ import annotations

import difflib
from typing import Any

from autocurriculum.teachers.base import Teacher
from autocurriculum.teachers.spaces import TaskSpace

__all__ = ["TEACHERS", "make_teacher", "register_teacher", "suggest"]

TEACHERS: dict[str, type[Teacher]] = {}


def register_teacher(cls: type[Teacher]) -> type[Teacher]:
    """Class decorator: add ``cls`` to :data:`TEACHERS` under ``cls.name``."""
    if not (isinstance(cls, type) and issubclass(cls, Teacher)):
        raise TypeError(f"register_teacher: expected a Teacher subclass, got {cls!r}")
    if not cls.name:
        raise ValueError(f"register_teacher: {cls.__qualname__} has an empty 'name' class attribute")
    other = TEACHERS.get(cls.name)
    if other is not None and other is not cls:
        raise ValueError(
            f"register_teacher: name {cls.name!r} is already taken by {other.__module__}.{other.__qualname__}"
        )
    TEACHERS[cls.name] = cls
    return cls


def suggest(name: str, allowed: list[str]) -> str:
    """`` (did you mean 'x'?)`` for the closest allowed name, or an empty string."""
    close = difflib.get_close_matches(name, allowed, n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def make_teacher(name: str, task_space: TaskSpace, **params: Any) -> Teacher:
    """Build the built-in teacher ``name`` over ``task_space`` with constructor ``params``."""
    if name not in TEACHERS:
        allowed = sorted(TEACHERS)
        raise ValueError(f"teacher: unknown name {name!r}{suggest(name, allowed)}; allowed: {allowed}")
    cls = TEACHERS[name]
    if hasattr(cls, "from_preset") and "preset" in params:
        preset = params.pop("preset")
        return cls.from_preset(preset, task_space, **params)
    allowed_params = [p for p in cls._param_names() if p != "task_space"]
    unknown = [p for p in params if p not in allowed_params]
    if unknown:
        bad = unknown[0]
        raise ValueError(
            f"teacher {name!r}: unknown parameter {bad!r}{suggest(bad, allowed_params)}; allowed: {allowed_params}"
        )
    return cls(task_space, **params)
