"""Diagnostics and edits for one file, built from the nodes a rule points at.

The pipeline makes one `Reporter` per file and hands it to every rule's
`check(model, settings, report)`: the model says what the code is, the reporter
turns a node into a position. Positions cost a code generation of the whole module
(`reglint.positions`), so it runs only when a rule first reports something.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional, Sequence, Tuple

from reglint.diagnostic import Diagnostic, Edit, Fix, Position, Related

if TYPE_CHECKING:  # annotations only, so that loading the rules does not import libcst
    import libcst as cst


class Reporter:
    def __init__(self, path: str, module: cst.Module):
        self.path = path
        self.module = module
        self._positions = None

    def range_of(self, node: cst.CSTNode) -> Tuple[Position, Position]:
        if self._positions is None:
            from reglint.positions import Positions

            self._positions = Positions(self.module)
        (start_line, start_column), (end_line, end_column) = self._positions.range_of(node)
        return Position(start_line, start_column + 1), Position(end_line, end_column + 1)

    def diagnostic(self, rule, node: cst.CSTNode, message: str, fix: Optional[Fix] = None, note: Optional[str] = None,
                   related: Sequence[Related] = ()) -> Diagnostic:
        start, end = self.range_of(node)
        return Diagnostic(rule.code, rule.name, message, self.path, start, end, fix, note=note, related=tuple(related))

    def imported(self, regularizer) -> Tuple[str, Related]:
        """How a message names a regularizer built in another module (`models.py:12`, relative to
        this file's folder), and the related location that carries it."""
        return self.elsewhere(regularizer.path, regularizer.line, regularizer.column,
                              f"regularizer built by `{regularizer.builder}`")

    def elsewhere(self, path: str, line: int, column: int, what: str) -> Tuple[str, Related]:
        """How a message names a place in another module (`models.py:12`, relative to this
        file's folder), and the related location (1-based line and column) that carries it."""
        import os

        here = os.path.dirname(os.path.abspath(self.path))
        shown = os.path.relpath(path, here) if self.path not in ("", "-") else path
        return f"{shown}:{line}", Related(os.path.relpath(path), Position(line, column), what)

    def replace(self, node: cst.CSTNode, content: str) -> Edit:
        start, end = self.range_of(node)
        return Edit(start, end, content)

    def insert_after(self, node: cst.CSTNode, content: str) -> Edit:
        _, end = self.range_of(node)
        return Edit(end, end, content)

    def replace_between(self, first: cst.CSTNode, following: cst.CSTNode, content: str) -> Edit:
        """Replace from the start of `first` up to the start of `following` (commas, line breaks)."""
        return Edit(self.range_of(first)[0], self.range_of(following)[0], content)
