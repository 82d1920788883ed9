"""Type tests shared by every package's parameter checks (``bool`` is never a number here)."""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["is_int", "is_number"]


def is_int(value: Any) -> bool:
    """Whether ``value`` is a Python or numpy integer (not a ``bool``)."""
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def is_number(value: Any) -> bool:
    """Whether ``value`` is a Python or numpy real number (not a ``bool``)."""
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_))
