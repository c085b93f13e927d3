"""Positions (issue 14, item 7): `reglint.positions` gives every node exactly the range
libcst's PositionProvider gives it, without the provider's cost."""

from __future__ import annotations

from pathlib import Path

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper, PositionProvider

from reglint.parsing import parse
from reglint.positions import UNASKED, Positions

ROOT = Path(__file__).resolve().parent.parent
SOURCES = sorted(p for folder in ("tests/fixtures", "examples") for p in (ROOT / folder).rglob("*.py"))


def _all_nodes(module: cst.Module):
    found = []

    class Every(cst.CSTVisitor):
        def on_visit(self, node) -> bool:
            found.append(node)
            return True

    module.visit(Every())
    return found


def _assert_same_positions(text: str) -> int:
    module = parse(text)
    expected = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    positions = Positions(module)
    nodes = _all_nodes(module)
    asked = [node for node in nodes if type(node) not in UNASKED]
    for node in asked + [node for node in nodes if type(node) in UNASKED]:
        code_range = expected[node]
        wanted = ((code_range.start.line, code_range.start.column), (code_range.end.line, code_range.end.column))
        assert positions.range_of(node) == wanted, (type(node).__name__, wanted)
        if node is asked[-1] and "\r" not in text:
            assert positions._provider is None  # its own spans answered every node a rule may ask for
    return len(nodes)


def test_every_node_of_every_fixture_and_example_has_the_providers_range():
    assert len(SOURCES) > 300
    nodes = 0
    for path in SOURCES:
        text = path.read_text(encoding="utf-8")
        try:
            nodes += _assert_same_positions(text)
        except cst.ParserSyntaxError:
            continue  # the broken-input fixtures
    assert nodes > 50_000


@pytest.mark.parametrize("text", [
    "x = 1\r\ny = (\r\n    2)\r\n",  # CRLF
    "x = 1\ry = 2\r",  # old Mac line breaks
    "x = 1\r\ny = 2\nz = 3\rw = 4",  # mixed, no final newline
    "x = 1",  # no final newline
    "",
    "# only a comment\n\n",
    "def f():\n\treturn 1  # tab\n\n\n# trailing comment\n",
    "s = ('a'\n     'b' 'c')\nclass C:\n    @property\n    def p(self): return [1,\n  2]\n",
])
def test_line_breaks_and_file_ends(text):
    _assert_same_positions(text)


def test_a_line_break_split_between_two_tokens_counts_as_the_provider_counts_it():
    """A statement ending in "\\r" before a line holding only "\\n": the provider, token by
    token, counts two line breaks where the text holds one "\\r\\n"."""
    statement = cst.SimpleStatementLine([cst.Expr(cst.Name("x"))],
                                        trailing_whitespace=cst.TrailingWhitespace(newline=cst.Newline("\r")))
    module = cst.Module(body=[statement, cst.SimpleStatementLine([cst.Expr(cst.Name("y"))])],
                        footer=[cst.EmptyLine(newline=cst.Newline("\n"))])
    module = module.with_changes(body=[module.body[0], module.body[1].with_changes(
        leading_lines=[cst.EmptyLine(newline=cst.Newline("\n"))])])
    expected = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    positions = Positions(module)
    for node in _all_nodes(module):
        code_range = expected[node]
        assert positions.range_of(node) == ((code_range.start.line, code_range.start.column),
                                            (code_range.end.line, code_range.end.column))
    assert positions._provider is not None
    assert positions.range_of(module.body[1]) == ((3, 0), (3, 1))
