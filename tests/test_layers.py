"""Layers that do not loop: no import circle among the modules of reglint/ and rules/
(shipped as `reglint.rules`), counting imports inside functions too, since a lazy
import is still a dependency.

An import names a module (`import a.b`, `from a.b import c`, or `from a import b` when
`a.b` is a module of ours); the package `__init__` a submodule import runs on the way
is not counted, so a registry in `reglint/sources/__init__.py` may import its kinds.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Dict, List, Optional, Set

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = {"reglint": ROOT / "reglint", "reglint.rules": ROOT / "rules"}


def module_files() -> Dict[str, Path]:
    """Our modules by dotted name."""
    found = {}
    for package, folder in PACKAGES.items():
        for path in sorted(folder.rglob("*.py")):
            parts = list(path.relative_to(folder).with_suffix("").parts)
            if package == "reglint" and parts[:1] == ["rules"]:
                continue  # a stray reglint/rules would shadow nothing here: rules/ is the source
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join([package, *parts])] = path
    return found


def _resolve(name: str, module: str, is_package: bool, level: int) -> str:
    if not level:
        return name
    base = module.split(".") if is_package else module.split(".")[:-1]
    base = base[:len(base) - (level - 1)]
    return ".".join(base + ([name] if name else []))


def imports_of(module: str, path: Path, modules: Set[str]) -> Set[str]:
    """The modules of ours that `module` imports, anywhere in its code."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    is_package = path.name == "__init__.py"
    found: Set[str] = set()

    def ours(name: str) -> Optional[str]:
        while name and name not in modules:  # `import reglint.x.Y`-like names: the nearest module
            name = name.rpartition(".")[0]
        return name or None

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                found.add(ours(alias.name))
        elif isinstance(node, ast.ImportFrom):
            base = _resolve(node.module or "", module, is_package, node.level)
            for alias in node.names:
                child = f"{base}.{alias.name}"
                found.add(child if child in modules else ours(base))
    found.discard(None)
    found.discard(module)
    return found


def import_graph() -> Dict[str, Set[str]]:
    files = module_files()
    return {module: imports_of(module, path, set(files)) for module, path in files.items()}


def cycles(graph: Dict[str, Set[str]]) -> List[List[str]]:
    """One circle per strongly connected component of more than one module (Tarjan)."""
    index: Dict[str, int] = {}
    low: Dict[str, int] = {}
    stack: List[str] = []
    on_stack: Set[str] = set()
    found: List[List[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_import_circle_in_reglint_or_rules():
    assert cycles(import_graph()) == []


def test_the_graph_sees_imports_inside_functions_and_relative_ones():
    graph = import_graph()
    assert "reglint.rules" in graph["reglint.rule"]  # `from reglint import rules` inside all_rules()
    assert "reglint.sources" in graph["reglint.runner"]  # inside check_bytes()
    assert "reglint.report" in graph["reglint.report.concise"]


def test_a_circle_is_found():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": {"e"}}
    assert cycles(graph) == [["a", "b", "c"]]


def test_the_screen_and_the_analysis_import_no_rule():
    """Facts come before rules: the code screen and the extractors read the shared
    vocabulary from `reglint.intent`, never from `rules/` (issue 13, layers)."""
    graph = import_graph()
    lower = [m for m in graph if m in ("reglint.facts", "reglint.screen") or m.startswith("reglint.analysis.")]
    assert lower
    for module in lower:
        assert not {m for m in graph[module] if m.startswith("reglint.rules")}, module
