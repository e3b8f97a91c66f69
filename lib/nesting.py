"""Nesting depth of decoded JSON, measured without recursion."""

from __future__ import annotations

from typing import Any


def json_depth_exceeds(value: Any, max_depth: int) -> bool:
    """Whether `value` nests lists/objects deeper than `max_depth` (a scalar has depth 0).

    Iterative, so it never recurses itself; it stops at the first container too deep.
    """
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        node, depth = stack.pop()
        if not isinstance(node, dict | list):
            continue
        if depth + 1 > max_depth:
            return True
        children = node.values() if isinstance(node, dict) else node
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False
