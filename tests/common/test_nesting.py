"""`json_depth_exceeds`: the depth limit counts lists and objects, exactly at the boundary."""

from __future__ import annotations

import pytest

from lib.nesting import json_depth_exceeds


def nested_lists(depth: int) -> list:
    root: list = []
    current = root
    for _ in range(depth - 1):
        current.append([])
        current = current[0]
    return root


@pytest.mark.parametrize(
    ("value", "depth"),
    [
        ("texto", 0),
        (None, 0),
        ([], 1),
        ({}, 1),
        ([{"texto": "a", "id": None}] * 3, 2),
        ({"a": [1, {"b": {}}]}, 4),  # object > list > object > object
        ([1, "x", [2, [3]], {"k": "v"}], 3),  # the deepest branch counts, not the first
    ],
)
def test_a_value_exceeds_exactly_the_limits_below_its_depth(value, depth):
    assert not json_depth_exceeds(value, depth)
    if depth:
        assert json_depth_exceeds(value, depth - 1)


def test_a_100000_deep_list_is_measured_without_recursion():
    assert json_depth_exceeds(nested_lists(100_000), 32)
    assert not json_depth_exceeds(nested_lists(100_000), 100_000)
