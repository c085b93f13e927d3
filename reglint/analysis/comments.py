"""The comments that go with a statement: evidence of intent ("# Caffe solver value")
belongs to the value's own statement and the comment lines just above it.

`Context.comments_of` reads them once per statement; a comment inside a bracket broken
over lines needs libcst's visitor, so `holds_comment` first checks that there is one.
"""

from __future__ import annotations

from typing import Dict, List, Optional, Tuple

import libcst as cst

from reglint.analysis.names import IS_NODE


def comments_of(statement: Optional[cst.CSTNode]) -> Tuple[str, ...]:
    """Comments on a statement's own line(s) and the comment lines just above it."""
    if statement is None:
        return ()
    found: List[str] = []
    for line in getattr(statement, "leading_lines", ()):
        if line.comment is not None:
            found.append(line.comment.value)
    trailing = getattr(statement, "trailing_whitespace", None)
    if trailing is not None and trailing.comment is not None:
        found.append(trailing.comment.value)
    if isinstance(statement, cst.SimpleStatementLine):
        for small in statement.body:
            if holds_comment(small):  # rare (a bracket broken over lines); libcst's visit is costly
                small.visit(_CommentsIn(found))
    return tuple(found)


class _CommentsIn(cst.CSTVisitor):
    """Adds the comments it visits to `found`, in order, once each (a class per call of
    comments_of was a cycle of garbage per call)."""

    def __init__(self, found: List[str]):
        super().__init__()
        self.found = found

    def visit_Comment(self, node: cst.Comment) -> None:
        if node.value not in self.found:
            self.found.append(node.value)


_NODE_FIELDS: Dict[type, Tuple[str, ...]] = {}


def holds_comment(node: cst.CSTNode) -> bool:
    """Whether a comment is anywhere under `node`, whitespace included."""
    import dataclasses

    comment, is_node = cst.Comment, IS_NODE
    pending = [node]
    while pending:
        node = pending.pop()
        kind = type(node)
        if kind is comment:
            return True
        names = _NODE_FIELDS.get(kind)
        if names is None:
            names = _NODE_FIELDS[kind] = tuple(f.name for f in dataclasses.fields(kind))
        for name in names:
            value = getattr(node, name)
            value_type = type(value)
            if value_type is tuple or value_type is list:
                for item in value:
                    item_type = type(item)
                    known = is_node.get(item_type)
                    if known is None:
                        known = is_node[item_type] = isinstance(item, cst.CSTNode)
                    if known:
                        pending.append(item)
            else:
                known = is_node.get(value_type)
                if known is None:
                    known = is_node[value_type] = isinstance(value, cst.CSTNode)
                if known:
                    pending.append(value)
    return False
