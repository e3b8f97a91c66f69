"""The layout's promises: no import cycle between two project modules, late imports included."""

from __future__ import annotations

import grimp

PACKAGES = ("lib", "common", "accounts", "comments", "insights", "reports", "alumusic")


def _cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative enough here)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for imported in graph.find_modules_directly_imported_by(module):
            if imported not in index:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in on_stack:
                low[module] = min(low[module], index[imported])
        if low[module] == index[module]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == module:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for module in sorted(graph.modules):
        if module not in index:
            visit(module)
    return found


def test_no_two_project_modules_import_each_other_even_inside_functions():
    # grimp reads every import statement, those inside functions too; TYPE_CHECKING ones aside.
    graph = grimp.build_graph(*PACKAGES, exclude_type_checking_imports=True)
    project = [m for m in graph.modules if m.split(".")[0] in PACKAGES]
    for module in graph.modules - set(project):
        graph.remove_module(module)

    assert _cycles(graph) == []
