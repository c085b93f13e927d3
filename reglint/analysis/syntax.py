"""Small readings of libcst syntax that every extractor module shares: arguments, literals, strings."""

from __future__ import annotations

from typing import Optional

import libcst as cst

from reglint.analysis.names import CallSite, child_fields, dotted


def child_fields_of(node):
    return child_fields(type(node))


def argument(call: cst.Call, keyword: Optional[str], position: Optional[int]) -> Optional[cst.Arg]:
    """The argument passed as `keyword=` or at `position` (0-based, before any *args)."""
    index = 0
    for arg in call.args:
        if arg.keyword is not None:
            if keyword is not None and arg.keyword.value == keyword:
                return arg
            continue
        if arg.star:
            return None  # after *args, positions are unknown
        if position is not None and index == position:
            return arg
        index += 1
    return None


def literal(expr) -> Optional[float]:
    # not libcst's `evaluated_value`: its ast.literal_eval leaves four closures in a reference
    # cycle per call, garbage that waits for the collector (off while a file is checked)
    if isinstance(expr, cst.Float):
        try:
            return float(expr.value)
        except (ValueError, OverflowError):
            return None
    if isinstance(expr, cst.Integer):
        try:
            return float(int(expr.value, 0))
        except (ValueError, OverflowError):
            return None
    if isinstance(expr, cst.UnaryOperation) and isinstance(expr.operator, cst.Minus):
        inner = literal(expr.expression)
        return -inner if inner is not None else None
    return None


def falsy(expr) -> bool:
    return (isinstance(expr, cst.Name) and expr.value in ("False", "None")) or literal(expr) == 0


def truthy(expr) -> bool:
    return isinstance(expr, cst.Name) and expr.value == "True"


def string_value(expr) -> Optional[str]:
    if isinstance(expr, cst.SimpleString):
        value = expr.evaluated_value
        return value if isinstance(value, str) else None
    return None


def string_key(expr: cst.Subscript) -> Optional[str]:
    if len(expr.slice) == 1 and isinstance(expr.slice[0].slice, cst.Index):
        return string_value(expr.slice[0].slice.value)
    return None


def assigned_name(site: CallSite) -> Optional[str]:
    statement = site.statement
    if isinstance(statement, cst.SimpleStatementLine) and statement.body and isinstance(statement.body[0], cst.Assign):
        assign = statement.body[0]
        if assign.value is site.call and len(assign.targets) == 1:
            return dotted(assign.targets[0].target)
    return None
