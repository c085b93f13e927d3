"""The positioned tree of a config file, whatever its syntax.

Every reader builds `Node`s: positions are 1-based lines and columns counted in
characters (as `reglint.diagnostic.Position`), end exclusive, so a `Node` (or a
`Span`) is directly a diagnostic range and an edit target.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterator, List, Optional, Tuple, Union

from reglint.diagnostic import Position

SCALAR, MAPPING, SEQUENCE = "scalar", "mapping", "sequence"
Key = Union[str, int]


class ConfigSyntaxError(Exception):
    """Text the reader rejects: RL000 at the parser's line and column."""

    def __init__(self, message: str, line: int = 1, column: int = 1):
        super().__init__(message)
        self.message, self.line, self.column = message, line, column


@dataclass(frozen=True)
class Span:
    """A range of text: what diagnostics and edits point at (a `Node` is one too)."""

    start: Position
    end: Position


class Node:
    """One value of the config. Positions and raw text are computed from character
    offsets only when asked for (most nodes of most files never are)."""

    __slots__ = ("kind", "value", "begin", "finish", "source", "path", "key_node", "style", "entries")

    def __init__(self, kind: str, value: object, begin: int, finish: int, source: "LineIndex",
                 path: Tuple[Key, ...] = (), key_node: Optional["Node"] = None, style: str = ""):
        self.kind = kind  # SCALAR | MAPPING | SEQUENCE
        # scalar: str | int | float | bool | None; mapping: {key: Node} (a repeated key: the
        # last wins, as in PyYAML, json and OmegaConf); sequence: [Node]
        self.value = value
        self.begin, self.finish = begin, finish  # character offsets of the value, end exclusive
        self.source = source  # the text and its line starts
        self.path = path  # keys and indices from the root
        self.key_node = key_node  # in a mapping: the key's own node
        self.style = style  # scalar: "" plain, "'" or '"' quoted; collection: "block" | "flow"
        self.entries: List[Tuple[Node, Node]] = []  # mapping: every (key, value) in order

    @property
    def start(self) -> Position:
        return self.source.position(self.begin)

    @property
    def end(self) -> Position:
        return self.source.position(self.finish)

    @property
    def raw(self) -> str:
        """The source text of the value."""
        return self.source.text[self.begin:self.finish]

    def get(self, key: str) -> Optional["Node"]:
        """The value under `key` in a mapping, else None."""
        if self.kind != MAPPING:
            return None
        return self.value.get(key)

    def find(self, *keys: Key) -> Optional["Node"]:
        node: Optional[Node] = self
        for key in keys:
            if node is None:
                return None
            if node.kind == MAPPING:
                node = node.value.get(key)
            elif node.kind == SEQUENCE and isinstance(key, int) and 0 <= key < len(node.value):
                node = node.value[key]
            else:
                return None
        return node

    @property
    def entry(self) -> Span:
        """`key: value` as written (the value alone at the root or in a sequence)."""
        start = self.key_node.start if self.key_node is not None else self.start
        return Span(start, self.end)

    @property
    def dotted(self) -> str:
        """The key path as users write it: `optimizer.params.weight_decay`, `defaults[1]`."""
        text = ""
        for key in self.path:
            text += f"[{key}]" if isinstance(key, int) else (f".{key}" if text else str(key))
        return text

    def walk(self) -> Iterator["Node"]:
        """This node and every node under it, depth first, in source order."""
        stack = [self]
        while stack:
            node = stack.pop()
            yield node
            if node.kind == MAPPING:
                stack.extend(value for _, value in reversed(node.entries))
            elif node.kind == SEQUENCE:
                stack.extend(reversed(node.value))

    def scalar(self) -> object:
        """The scalar value, or None for a collection."""
        return self.value if self.kind == SCALAR else None


def plain_scalar(text: str) -> object:
    """A plain (unquoted) YAML scalar's value: null, booleans, numbers as YAML 1.2 and
    OmegaConf read them (`1e-4` is a float, which PyYAML's 1.1 resolver misses), else text."""
    if text[:1].isalpha() and text[:1] not in "tfnTFN":  # most scalars are names: no number, no keyword
        return text
    lowered = text.lower()
    if lowered in ("", "~", "null"):
        return None
    if lowered in ("true", "false"):
        return lowered == "true"
    if INTEGER.fullmatch(text):
        return int(text.replace("_", ""))
    if FLOAT.fullmatch(text):
        return float(text.replace("_", ""))
    return text


INTEGER = re.compile(r"[-+]?[0-9][0-9_]*")
FLOAT = re.compile(r"[-+]?(?:[0-9][0-9_]*(?:\.[0-9_]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?")


class LineIndex:
    """A text and its line starts: character offset -> 1-based Position, the way
    `reglint.fixes` counts lines (\n, \r\n and \r end a line)."""

    def __init__(self, text: str):
        self.text = text
        self._starts: Optional[List[int]] = None

    def position(self, offset: int) -> Position:
        from bisect import bisect_right

        if self._starts is None:
            self._starts = [0] + [m.end() for m in re.finditer(r"\r\n|\r|\n", self.text)]
        line = bisect_right(self._starts, offset)
        return Position(line, offset - self._starts[line - 1] + 1)
