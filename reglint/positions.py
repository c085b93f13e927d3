"""Node positions as libcst's `PositionProvider` gives them, for a fraction of its cost.

The provider generates the module's code and, for every token, splits it on line breaks
and updates a line and column; for every node it builds `CodePosition`s, and its
metadata wrapper first walks (and copies) the whole tree once more. A rule asks for the
positions of a handful of nodes. Here the same code generation records, per node, only
the numbers of the tokens before and after it (the provider's rules: the syntactic range
where a node declares one, the first range recorded otherwise), and not for whitespace
and punctuation; the line and column of
a token boundary come from the generated text itself, by bisection over its line breaks,
and only for the nodes asked for. `tests/test_positions.py` checks every node of every
fixture against the provider.
"""

from __future__ import annotations

import re
import sys
from array import array
from bisect import bisect_right
from itertools import accumulate
from typing import Dict, List, Optional, Sequence, Tuple

import libcst as cst
from libcst._nodes.internal import CodegenState

# the provider's line breaks (libcst.metadata.position_provider.NEWLINE_RE)
LINE_BREAK = re.compile(r"\r\n?|\n")

Point = Tuple[int, int]  # line (1-based), column (0-based), as libcst's CodePosition
LOW = (1 << 32) - 1  # a span is (first token << 32) | token after the last

# nodes no diagnostic or fix points at: half of all nodes, their ranges are not kept
# (asked for anyway, the provider's map answers); never a `record_syntactic_position`
# start_node or end_node (ImportFrom's end may be its RightParen: the parentheses are kept)
UNASKED = frozenset({
    cst.SimpleWhitespace, cst.ParenthesizedWhitespace, cst.TrailingWhitespace, cst.Newline, cst.EmptyLine,
    cst.Comma, cst.Dot, cst.Colon, cst.Semicolon, cst.AssignEqual, cst.LeftSquareBracket, cst.RightSquareBracket, cst.LeftCurlyBrace, cst.RightCurlyBrace,
})


class _TokenState(CodegenState):
    """Code generation that remembers, per node, the token numbers it spans."""

    __slots__ = ("spans", "_starts")

    def __init__(self, module: cst.Module):
        super().__init__(module.default_indent, module.default_newline)
        self.spans: Dict[int, int] = {}
        self._starts: List[int] = []

    def before_codegen(self, node) -> None:
        self._starts.append(len(self.tokens))

    def after_codegen(self, node) -> None:
        start = self._starts.pop()
        if type(node) in UNASKED:
            return
        key = id(node)
        if key not in self.spans:  # a syntactic range recorded inside wins, as in the provider
            self.spans[key] = start << 32 | len(self.tokens)

    def pop_trailing_newline(self) -> None:
        """Keep it: the provider counted the newline before the module dropped it."""

    def record_syntactic_position(self, node, *, start_node=None, end_node=None):
        return _Syntactic(self, node, start_node, end_node)


class _Syntactic:
    """`record_syntactic_position` without a generator: the node's range is the tokens
    generated inside, or hoisted from a child's range."""

    __slots__ = ("state", "node", "start_node", "end_node", "start")

    def __init__(self, state: _TokenState, node, start_node, end_node):
        self.state, self.node, self.start_node, self.end_node = state, node, start_node, end_node

    def __enter__(self) -> None:
        self.start = len(self.state.tokens)

    def __exit__(self, *exc) -> None:
        spans = self.state.spans
        start = spans[id(self.start_node)] >> 32 if self.start_node is not None else self.start
        end = spans[id(self.end_node)] & LOW if self.end_node is not None else len(self.state.tokens)
        spans[id(self.node)] = start << 32 | end


class Positions:
    """The range of any node of `module`, computed once for the whole module on first use."""

    def __init__(self, module: cst.Module):
        self.module = module
        self._spans: Optional[Dict[int, int]] = None
        self._offsets: Sequence[int] = ()  # character offset of each token boundary
        self._breaks: List[int] = []  # offsets just after each line break
        self._provider = None  # libcst's own map, where token boundaries split a "\r\n"

    def range_of(self, node: cst.CSTNode) -> Tuple[Point, Point]:
        if self._spans is None:
            self._generate()
        if self._provider is not None:
            code_range = self._provider[node]
            return (code_range.start.line, code_range.start.column), (code_range.end.line, code_range.end.column)
        span = self._spans.get(id(node))
        if span is None:  # a node no rule points at (whitespace, punctuation): the provider knows it
            self._provider = _provider_map(self.module)
            return self.range_of(node)
        return self._point(self._offsets[span >> 32]), self._point(self._offsets[span & LOW])

    def _point(self, offset: int) -> Point:
        line = bisect_right(self._breaks, offset)
        return line + 1, offset - (self._breaks[line - 1] if line else 0)

    def _generate(self) -> None:
        # libcst generates code recursively: a chain of implicitly concatenated strings
        # nests one level per string, which the ast depth screen (parsing.MAX_NESTING) does not see
        limit = sys.getrecursionlimit()
        sys.setrecursionlimit(max(limit, 50_000))
        try:
            state = _TokenState(self.module)
            self.module._codegen(state)
        finally:
            sys.setrecursionlimit(limit)
        tokens = state.tokens
        self._spans = state.spans
        self._offsets = array("q", accumulate(map(len, tokens), initial=0))  # 8 bytes a token, not 36
        code = "".join(tokens)
        self._breaks = [match.end() for match in LINE_BREAK.finditer(code)]
        if "\r" in code and self._split_line_break(code):
            self._provider = _provider_map(self.module)

    def _split_line_break(self, code: str) -> bool:
        """Whether a "\\r" ends one token and a "\\n" begins the next: the provider,
        splitting token by token, counts two line breaks there, the text one."""
        boundaries = self._offsets
        for match in re.finditer("\r\n", code):
            after_r = match.start() + 1
            index = bisect_right(boundaries, after_r) - 1
            if boundaries[index] == after_r:
                return True
        return False


def _provider_map(module: cst.Module):
    from libcst.metadata import MetadataWrapper, PositionProvider

    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 50_000))
    try:
        return MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    finally:
        sys.setrecursionlimit(limit)
