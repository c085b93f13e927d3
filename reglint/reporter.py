"""Diagnostics and edits for one file, built from the nodes a rule points at.

The pipeline makes one `Reporter` per file and hands it to every rule's
`check(model, settings, report)`: the model says what the code is, the reporter
turns a node into a position. Positions cost a second libcst pass over the whole
tree, so the map is computed only when a rule first reports something.
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

    def _position_map(self):
        if self._positions is None:
            import sys

            from libcst.metadata import MetadataWrapper, PositionProvider

            # libcst computes positions by a recursive code generation; a chain of
            # implicitly concatenated strings nests one level per string, which the
            # ast depth screen (engine.MAX_NESTING) does not see
            limit = sys.getrecursionlimit()
            sys.setrecursionlimit(max(limit, 50_000))
            try:
                wrapper = MetadataWrapper(self.module, unsafe_skip_copy=True)
                self._positions = wrapper.resolve(PositionProvider)
            finally:
                sys.setrecursionlimit(limit)
        return self._positions

    def range_of(self, node: cst.CSTNode) -> Tuple[Position, Position]:
        code_range = self._position_map()[node]
        return (
            Position(code_range.start.line, code_range.start.column + 1),
            Position(code_range.end.line, code_range.end.column + 1),
        )

    def diagnostic(self, rule, node: cst.CSTNode, message: str, fix: Optional[Fix] = None, note: Optional[str] = None,
                   related: Sequence[Related] = ()) -> Diagnostic:
        start, end = self.range_of(node)
        return Diagnostic(rule.code, rule.name, message, self.path, start, end, fix, note=note, related=tuple(related))

    def imported(self, regularizer) -> Tuple[str, Related]:
        """How a message names a regularizer built in another module (`models.py:12`, relative to
        this file's folder), and the related location that carries it."""
        import os

        here = os.path.dirname(os.path.abspath(self.path))
        shown = os.path.relpath(regularizer.path, here) if self.path not in ("", "-") else regularizer.path
        where = f"{shown}:{regularizer.line}"
        related = Related(os.path.relpath(regularizer.path), Position(regularizer.line, regularizer.column),
                          f"regularizer built by `{regularizer.builder}`")
        return where, related

    def replace(self, node: cst.CSTNode, content: str) -> Edit:
        start, end = self.range_of(node)
        return Edit(start, end, content)

    def insert_after(self, node: cst.CSTNode, content: str) -> Edit:
        _, end = self.range_of(node)
        return Edit(end, end, content)

    def replace_between(self, first: cst.CSTNode, following: cst.CSTNode, content: str) -> Edit:
        """Replace from the start of `first` up to the start of `following` (commas, line breaks)."""
        return Edit(self.range_of(first)[0], self.range_of(following)[0], content)
