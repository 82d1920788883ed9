"""Task spaces: membership, explained rejections, sampling, unit-cube maps and round-trips."""

from __future__ import annotations

import json
import pickle

import numpy as np
import pytest
import yaml

from autocurriculum.teachers.spaces import BoxSpace, DiscreteSpace, ProductSpace, SubsetSpace, space_from_dict

BOX = BoxSpace([0.0, 0.0], [3.0, 6.0], names=["stump_height", "obstacle_spacing"])


def test_box_membership_and_bounds_inclusive() -> None:
    assert BOX.contains([0.0, 6.0])
    assert BOX.contains(np.array([1.5, 2.0]))
    assert not BOX.contains([3.0001, 1.0])
    assert [1.0, 1.0] in BOX


@pytest.mark.parametrize(
    ("task", "exc", "fragment"),
    [
        ([3.5, 1.0], ValueError, "'stump_height' = 3.5 lies outside its bounds [0.0, 3.0]"),
        ([1.0, -0.1], ValueError, "'obstacle_spacing' = -0.1"),
        ([1.0, float("nan")], ValueError, "'obstacle_spacing' is nan"),
        ([1.0], ValueError, "expected shape (2,)"),
        ([[1.0, 1.0]], ValueError, "got shape (1, 2)"),
        ("abc", TypeError, "expected a vector of 2 numbers"),
        ({"stump_height": 1.0}, ValueError, "missing ['obstacle_spacing']"),
        ({"stump_height": 1.0, "obstacle_spacing": 1.0, "x": 2}, ValueError, "unknown ['x']"),
    ],
)
def test_box_rejections_explain(task: object, exc: type[Exception], fragment: str) -> None:
    with pytest.raises(exc) as info:
        BOX.check(task, "lesson")
    assert fragment in str(info.value)
    assert str(info.value).startswith("lesson")


def test_box_accepts_named_mapping() -> None:
    np.testing.assert_array_equal(BOX.check({"obstacle_spacing": 2.0, "stump_height": 1.0}), [1.0, 2.0])


def test_box_constructor_errors() -> None:
    with pytest.raises(ValueError, match=r"low\[1\]=2.0 is greater than high\[1\]=1.0"):
        BoxSpace([0, 2], [1, 1])
    with pytest.raises(ValueError, match="same length"):
        BoxSpace([0], [1, 2])
    with pytest.raises(ValueError, match="one name per entry"):
        BoxSpace([0, 0], [1, 1], names=["a"])
    with pytest.raises(ValueError, match="unique"):
        BoxSpace([0, 0], [1, 1], names=["a", "a"])


def test_box_sampling_uses_the_callers_generator() -> None:
    a = [BOX.sample(np.random.default_rng(3)) for _ in range(2)]
    np.testing.assert_array_equal(a[0], a[1])
    rng = np.random.default_rng(0)
    samples = np.array([BOX.sample(rng) for _ in range(2000)])
    assert all(BOX.contains(s) for s in samples)
    np.testing.assert_allclose(samples.mean(axis=0), [1.5, 3.0], atol=0.15)


def test_box_unit_cube_round_trip() -> None:
    x = np.array([[0.0, 6.0], [1.5, 3.0]])
    np.testing.assert_allclose(BOX.to_unit(x), [[0.0, 1.0], [0.5, 0.5]])
    np.testing.assert_allclose(BOX.from_unit(BOX.to_unit(x)), x)


def test_discrete_space() -> None:
    sp = DiscreteSpace(3, names=["easy", "mid", "hard"])
    assert sp.check("hard") == 2
    assert sp.check(np.int64(1)) == 1
    with pytest.raises(ValueError, match=r"task id 3 lies outside \[0, 2\]"):
        sp.check(3)
    with pytest.raises(TypeError, match="integer task id"):
        sp.check(1.5)
    with pytest.raises(ValueError, match="unknown task name 'medium'"):
        sp.check("medium")
    rng = np.random.default_rng(0)
    assert {sp.sample(rng) for _ in range(100)} == {0, 1, 2}


def test_subset_space() -> None:
    sp = SubsetSpace(10)
    assert sp.contains(np.array([3, 1, 9]))
    with pytest.raises(ValueError, match="distinct"):
        sp.check(np.array([1, 1]))
    with pytest.raises(ValueError, match="sample index 10 lies outside"):
        sp.check(np.array([0, 10]))
    with pytest.raises(TypeError, match="integers"):
        sp.check(np.array([0.5]))
    rng = np.random.default_rng(0)
    assert all(sp.contains(sp.sample(rng)) for _ in range(50))


def test_product_space() -> None:
    sp = ProductSpace({"terrain": BOX, "seed": DiscreteSpace(100)})
    task = sp.sample(np.random.default_rng(0))
    assert sp.contains(task)
    with pytest.raises(ValueError, match=r"task\['terrain'\]: dimension 'stump_height'"):
        sp.check({"terrain": [9.0, 0.0], "seed": 1})
    with pytest.raises(ValueError, match="do not match the components"):
        sp.check({"terrain": [1.0, 0.0]})


@pytest.mark.parametrize(
    "space",
    [
        BOX,
        DiscreteSpace(5),
        DiscreteSpace(2, names=["a", "b"]),
        SubsetSpace(7),
        ProductSpace({"b": BOX, "d": DiscreteSpace(4)}),
    ],
)
def test_round_trip_through_plain_data(space: object) -> None:
    data = space.to_dict()
    assert json.loads(json.dumps(data)) == data
    assert space_from_dict(yaml.safe_load(yaml.safe_dump(data))) == space
    assert pickle.loads(pickle.dumps(space)) == space
    for bad in space.invalid_examples():
        assert not space.contains(bad)


def test_space_from_dict_errors() -> None:
    with pytest.raises(ValueError, match="unknown kind 'boxx'"):
        space_from_dict({"kind": "boxx"})
    with pytest.raises(ValueError, match=r"unknown keys \['hi'\]"):
        space_from_dict({"kind": "box", "low": [0], "hi": [1]})


@pytest.mark.parametrize(
    ("task", "fragment"),
    [
        ("0.5", "got str '0.5'"),
        (True, "got bool True"),
        (["0.5", "0.5"], "got list"),
        ([0.5, True], r"got list \[0.5, True\]"),
        (np.array([True, False]), "dtype bool"),
        (np.array([0.5 + 0j, 0.5]), "dtype complex128"),
        ({"a": "0.5", "b": 0.5}, r"task\['a'\]: expected a real number, got str '0.5'"),
        ({"a": True, "b": 0.5}, r"task\['a'\]: expected a real number, got bool True"),
    ],
)
def test_box_never_turns_strings_or_bools_into_numbers(task: object, fragment: str) -> None:
    space = BoxSpace([0.0, 0.0], [1.0, 1.0], names=["a", "b"])
    with pytest.raises(TypeError, match=fragment):
        space.check(task)
    with pytest.raises(ValueError, match=r"int of 1329 bits.*too large for a float"):
        space.check([10**400, 0.5])
    assert space.check([1, 0]).dtype == np.float64  # integers are numbers


def test_subset_and_discrete_spaces_refuse_bools_and_strings() -> None:
    with pytest.raises(TypeError, match="got an element bool True"):
        SubsetSpace(5).check([0, True])
    with pytest.raises(TypeError, match="got an element str '1'"):
        SubsetSpace(5).check(["1"])
    with pytest.raises(TypeError, match="got bool True"):
        DiscreteSpace(5).check(True)
    with pytest.raises(ValueError, match=r"task id int of 1329 bits .* lies outside \[0, 4\]"):
        DiscreteSpace(5).check(10**400)
