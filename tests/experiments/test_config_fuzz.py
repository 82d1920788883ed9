"""Property-based fuzzing of the shipped experiment files (hypothesis).

Each case takes a shipped file, applies a few random mutations (delete a key, replace a value by
a hostile one, add or misspell a key, wrap a value), and validates it the way ``autocurriculum
run`` does before creating anything: parse the file, build every run's student and teacher.
Properties: only :class:`ConfigError` escapes, its message starts with a key path, each case
ends within a time bound, and nothing is written to disk.
"""

from __future__ import annotations

import copy
import os
import re
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from autocurriculum.experiments.config import ConfigError, parse_config, resolve_relative_paths  # noqa: E402
from autocurriculum.experiments.registry import build_student, build_teacher, run_seeds  # noqa: E402
from autocurriculum.experiments.safe_yaml import parse_yaml  # noqa: E402

CONFIG_DIR = Path(__file__).resolve().parents[2] / "experiments" / "configs"
SHIPPED = {path.name: parse_yaml(path.read_text(), str(path)) for path in sorted(CONFIG_DIR.glob("*.yaml"))}
# a key path (``teachers[1].params.fit_rate``, ``seedss``) or the whole file, then a colon
KEY_PATH = re.compile(r"^([A-Za-z_]\w*(\.\w+|\[\d+\])*|experiment file|teacher/teachers): ")
CASE_SECONDS = 10

HOSTILE: list[Any] = [
    None,
    True,
    False,
    0,
    -1,
    1,
    2**63,
    10**400,
    1e300,
    -1e-300,
    float("nan"),
    float("inf"),
    "0.5",
    "",
    "x" * 300,
    "a\x00b",
    "line\nbreak",
    "\u202eevil",
    "..",
    "/",
    [],
    [None],
    [[1.0, 2.0]],
    {},
    {"k": 1},
    [[[[[[1]]]]]],
    1e12,
    25,
    30000,
]


def _paths(value: Any, prefix: tuple = ()) -> Iterator[tuple]:
    yield prefix
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _paths(v, (*prefix, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _paths(v, (*prefix, i))


def _get(data: Any, path: tuple) -> Any:
    for key in path:
        data = data[key]
    return data


@st.composite
def mutated_configs(draw: st.DrawFn) -> tuple[str, Any]:
    name = draw(st.sampled_from(sorted(SHIPPED)))
    data = copy.deepcopy(SHIPPED[name])
    for _ in range(draw(st.integers(1, 3))):
        paths = list(_paths(data))
        path = draw(st.sampled_from(paths))
        op = draw(st.sampled_from(["replace", "delete", "add_key", "typo", "wrap"]))
        parent = _get(data, path[:-1]) if path else None
        if op == "replace":
            value = copy.deepcopy(draw(st.sampled_from(HOSTILE)))
            if not path:
                data = value
            else:
                parent[path[-1]] = value
        elif op == "delete" and path:
            del parent[path[-1]]
        elif op == "add_key":
            target = _get(data, path)
            if isinstance(target, dict):
                key = draw(st.sampled_from(["extra", "seed", "task_space", "preset", "params", "n", "d"]))
                target[key] = copy.deepcopy(draw(st.sampled_from(HOSTILE)))
        elif op == "typo" and path and isinstance(parent, dict) and isinstance(path[-1], str) and len(path[-1]) > 1:
            key = path[-1]
            parent[key[1:] + key[0]] = parent.pop(key)
        elif op == "wrap" and path:
            parent[path[-1]] = [parent[path[-1]]]
        if not isinstance(data, (dict, list)):
            break
    return name, data


@contextmanager
def _time_bound(seconds: int) -> Iterator[None]:
    def _timeout(signum: int, frame: Any) -> None:
        raise TimeoutError(f"a case took more than {seconds} s")

    previous = signal.signal(signal.SIGALRM, _timeout)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def validate(data: Any) -> None:
    """What ``autocurriculum run`` checks before its first side effect: the file, then every run's parts."""
    config = parse_config(copy.deepcopy(data), source="fuzz.yaml")
    for component in [config.student, *config.teachers]:  # as load_config: ./ paths beside the shipped files
        component.params = resolve_relative_paths(component.params, CONFIG_DIR)
    student = None
    for run in config.runs()[:2]:
        teacher_seed, student_seed = run_seeds(run.seed)
        student = build_student(config.student, config.environment, config.evaluation, student_seed)
        build_teacher(run.teacher, student.task_space, teacher_seed, path="teacher")


def _check_case(data: Any, tmp_path: Path) -> None:
    before = sorted(os.listdir(tmp_path))
    cwd = os.getcwd()
    os.chdir(tmp_path)  # any relative output directory would appear here
    try:
        with _time_bound(CASE_SECONDS):
            validate(data)
    except ConfigError as e:
        message = str(e)
        assert KEY_PATH.match(message), f"the message does not start with a key path: {message!r}"
    finally:
        os.chdir(cwd)
    assert sorted(os.listdir(tmp_path)) == before, "validation wrote to disk"


@pytest.mark.parametrize("name", sorted(SHIPPED))
def test_shipped_files_validate(name: str) -> None:
    validate(copy.deepcopy(SHIPPED[name]))


@settings(
    max_examples=1000,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.data_too_large],
)
@given(case=mutated_configs())
def test_mutated_shipped_files(case: tuple[str, Any], tmp_path: Path) -> None:
    _check_case(case[1], tmp_path)


@pytest.mark.slow
@settings(
    max_examples=10_000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.data_too_large],
)
@given(case=mutated_configs())
def test_mutated_shipped_files_slow(case: tuple[str, Any], tmp_path: Path) -> None:
    _check_case(case[1], tmp_path)


def test_key_path_pattern() -> None:
    assert KEY_PATH.match("teachers[1].params.fit_rate: expected")
    assert KEY_PATH.match("student.params.vec_env: got")
    assert KEY_PATH.match("seedss: unknown key (did you mean 'seeds'?)")
    assert not KEY_PATH.match("unhashable type: 'list'")
    assert not KEY_PATH.match("float() argument must be a string")
