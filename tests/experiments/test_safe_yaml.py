"""Experiment files that would hang, recurse or hide a key get one clear error."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from autocurriculum.experiments.config import ConfigError, load_config
from autocurriculum.experiments.safe_yaml import MAX_DEPTH, YAMLInputError, load_yaml, parse_yaml


def _billion_laughs(levels: int = 9) -> str:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, levels):
        refs = ", ".join([f"*a{i - 1}"] * 10)
        lines.append(f"a{i}: &a{i} [{refs}]")
    return "\n".join(lines) + "\n"


def test_alias_bomb_is_refused_quickly() -> None:
    start = time.perf_counter()
    with pytest.raises(YAMLInputError, match="expands to more than"):
        parse_yaml(_billion_laughs(), "bomb.yaml")
    assert time.perf_counter() - start < 5.0


def test_modest_anchors_are_fine() -> None:
    text = "base: &b {lr: 0.1, n: 3}\nuse: *b\nmerged:\n  <<: *b\n  n: 4\n"
    data = parse_yaml(text)
    assert data["use"] == {"lr": 0.1, "n": 3}
    assert data["merged"] == {"lr": 0.1, "n": 4}  # an explicit key overrides a merged one


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 1000, 100_000])
def test_deep_nesting_is_refused(depth: int) -> None:
    with pytest.raises(YAMLInputError, match="nesting deeper than"):
        parse_yaml("x: " + "[" * depth + "]" * depth, "deep.yaml")


def test_nesting_at_the_limit_is_fine() -> None:
    assert parse_yaml("[" * MAX_DEPTH + "]" * MAX_DEPTH) is not None


def test_duplicate_keys_name_both_lines() -> None:
    with pytest.raises(YAMLInputError, match=r"duplicate key 'budget' \(first on line 2, again on line 4\)"):
        parse_yaml("name: x\nbudget: 10\nseeds: [0]\nbudget: 20\n", "dup.yaml")


def test_nested_duplicate_keys() -> None:
    with pytest.raises(YAMLInputError, match="duplicate key 'd'"):
        parse_yaml("student:\n  params: {d: 2, d: 3}\n")


def test_non_utf8_names_the_byte(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes("name: caf\u00e9\n".encode("latin-1"))
    with pytest.raises(YAMLInputError, match=r"latin1.yaml: not UTF-8 text \(byte 9"):
        load_yaml(path)


def test_directory_given_as_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="is a directory, not an experiment file"):
        load_config(tmp_path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such experiment file"):
        load_config(tmp_path / "nope.yaml")


def test_recursive_alias_is_an_error_not_a_hang() -> None:
    with pytest.raises(YAMLInputError):
        parse_yaml("a: &a [*a]\n")


def test_config_errors_carry_the_file(tmp_path: Path) -> None:
    path = tmp_path / "bomb.yaml"
    path.write_text(_billion_laughs())
    with pytest.raises(ConfigError, match="bomb.yaml: line"):
        load_config(path)
