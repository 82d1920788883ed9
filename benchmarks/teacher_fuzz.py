"""Count how the 12 built-in teachers answer malformed input: clear errors, opaque ones, silent acceptance.

For each teacher of :func:`autocurriculum.teachers.contract.builtin_examples`, driven for a few
dozen lessons with its own example feedback, the harness feeds the malformed inputs of the
contract suite and classifies every answer:

* ``feedback``: :func:`~autocurriculum.teachers.contract.invalid_feedbacks` (NaN, infinities,
  integers too large for a float, numbers as strings, bools, complex numbers, 0-d and
  multi-element arrays, bad extras keys, missing required fields, malformed bare feedback);
* ``lessons``: :func:`~autocurriculum.teachers.contract.forged_lessons` (ids ``True``, ``1.5``,
  ``'0'``, never issued; no teacher uid; another teacher's lesson; ``info=None``; bad origins;
  tasks outside the space) plus a second report of a reported lesson;
* ``states``: :func:`~autocurriculum.teachers.contract.corrupted_states` of the teacher's
  ``state_dict()`` (keys removed, unknown keys, mistyped values, NaN/inf, negative or huge
  integers, other dtypes, lists for arrays, extra axes);
* ``other parameters``: states saved by the same teacher with one integer hyperparameter halved
  or doubled.

An answer is *clear* when it is a ``ValueError``/``TypeError`` whose message names the field or
key, *opaque* when it is another exception or does not name it, *silently accepted* when no
error is raised (a second report of a lesson is accepted by design by PLR, which takes several
reports per lesson: it is counted under "accepted by rule"); a state from other parameters that
loads and keeps working is "compatible". A refused ``load_state_dict`` that changed the teacher's
``state_dict()`` counts under "failed loads that changed the teacher"::

    python benchmarks/teacher_fuzz.py --output benchmarks/results/teacher_fuzz.md
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from autocurriculum.teachers import Teacher  # noqa: E402
from autocurriculum.teachers.contract import (  # noqa: E402
    _drive,
    _int_param_variants,
    builtin_examples,
    corrupted_states,
    forged_lessons,
    invalid_feedbacks,
)
from autocurriculum.teachers.validation import state_difference  # noqa: E402

COLUMNS = [
    "inputs",
    "clear error",
    "opaque error",
    "silently accepted",
    "accepted by rule",
    "compatible",
    "changed by a failed load",
]


def classify(call: Callable[[], Any], name: str) -> str:
    """``"clear"``, ``"opaque"`` or ``"accepted"`` for one malformed input."""
    try:
        call()
    except (ValueError, TypeError) as e:
        return "clear" if name in str(e) else "opaque"
    except Exception:  # noqa: BLE001 - an opaque answer is what is being counted
        return "opaque"
    return "accepted"


_COLUMN_OF = {
    "clear": "clear error",
    "opaque": "opaque error",
    "accepted": "silently accepted",
    "by rule": "accepted by rule",
    "compatible": "compatible",
}


def tally(counts: Counter[str], result: str) -> None:
    counts["inputs"] += 1
    counts[_COLUMN_OF[result]] += 1


def fuzz_teacher(example: Teacher, steps: int) -> Counter[str]:
    """The counts for one teacher."""
    counts: Counter[str] = Counter()
    t = example.clone()
    _drive(t, steps, np.random.default_rng(0))
    lesson = t.sample()
    foreign = example.clone().sample()
    before = t.state_dict()

    fb = t.example_feedback(lesson, np.random.default_rng(2))
    for name, bad_fb in invalid_feedbacks(t, lesson, np.random.default_rng(1)):
        tally(counts, classify(lambda b=bad_fb: t.update(lesson, b), name.split(": ")[0]))
    for name, forged in forged_lessons(t, lesson, foreign):
        tally(counts, classify(lambda f=forged: t.update(f, fb), name))
    if state_difference(before, t.state_dict()) is not None:  # an accepted input changed it
        t.load_state_dict(before)
    t.update(lesson, fb)
    result = classify(lambda: t.update(lesson, fb), "lesson.id")
    tally(counts, "by rule" if result == "accepted" and t.reports_per_lesson == "many" else result)

    state = t.state_dict()
    for key, _structural, bad in corrupted_states(state):
        result = classify(lambda b=bad: t.load_state_dict(b), key)
        tally(counts, result)
        if result != "accepted" and state_difference(state, t.state_dict()) is not None:
            counts["changed by a failed load"] += 1
        t.load_state_dict(state)

    for variant in _int_param_variants(example.clone()):
        _drive(variant, steps, np.random.default_rng(3))
        other = variant.state_dict()
        result = classify(lambda o=other: t.load_state_dict(o), "state")
        if result == "accepted":
            try:
                _drive(t, 10, np.random.default_rng(4))
                result = "compatible"
            except Exception:  # noqa: BLE001 - accepted, then broken
                pass
        tally(counts, result)
        if result in ("clear", "opaque") and state_difference(state, t.state_dict()) is not None:
            counts["changed by a failed load"] += 1
        t.load_state_dict(state)
    return counts


def table(rows: dict[str, Counter[str]]) -> str:
    total: Counter[str] = Counter()
    for c in rows.values():
        total.update(c)
    lines = ["| teacher | " + " | ".join(COLUMNS) + " |", "|---|" + "---:|" * len(COLUMNS)]
    for name, c in [*rows.items(), ("**total**", total)]:
        lines.append(f"| {name} | " + " | ".join(str(c[k]) for k in COLUMNS) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=40, help="lessons driven before the malformed input")
    parser.add_argument("--output", type=Path, help="also write the Markdown table to this file")
    args = parser.parse_args(argv)
    if args.steps < 1:
        parser.error(f"--steps: expected a positive integer, got {args.steps}")
    rows = {type(t).__name__: fuzz_teacher(t, args.steps) for t in builtin_examples()}
    out = table(rows)
    print(out)
    if args.output:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(out + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
