"""JSON text -> positioned `Node` tree, with a small scanner of its own.

Why not PyYAML: it rejects valid JSON (a tab between tokens: "found character '\\t'
that cannot start any token") and reads `1e-4` as a string. Strings and numbers are
decoded by the standard library's own JSON pieces (`json.decoder.scanstring`, its
number pattern), so escapes mean what `json.loads` says. A repeated key: the last
wins, as in `json.loads`. Errors carry the line and column where scanning stopped.
"""

from __future__ import annotations

import re
from typing import List, Tuple

from reglint.configs.tree import MAPPING, SCALAR, SEQUENCE, ConfigSyntaxError, Key, LineIndex, Node

WHITESPACE = re.compile(r"[ \t\n\r]*")
NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?")
LITERALS = (("true", True), ("false", False), ("null", None))
MAX_DEPTH = 200


def read(text: str) -> Node:
    scanner = _Scanner(text)
    end, node = scanner.value(scanner.skip(0), (), None, 0)
    end = scanner.skip(end)
    if end != len(text):
        scanner.fail("extra data after the JSON value", end)
    return node


class _Scanner:
    def __init__(self, text: str):
        self.text = text
        self.lines = LineIndex(text)

    def fail(self, message: str, offset: int):
        position = self.lines.position(min(offset, len(self.text)))
        raise ConfigSyntaxError(f"JSON error: {message}", position.line, position.column)

    def skip(self, offset: int) -> int:
        return WHITESPACE.match(self.text, offset).end()

    def node(self, kind, value, begin, end, path, key_node, style="") -> Node:
        return Node(kind, value, begin, end, self.lines, path, key_node, style)

    def value(self, offset: int, path: Tuple[Key, ...], key_node, depth: int) -> Tuple[int, Node]:
        text = self.text
        if depth > MAX_DEPTH:
            self.fail("nested too deeply to analyse", offset)
        char = text[offset:offset + 1]
        if char == "{":
            return self.mapping(offset, path, key_node, depth)
        if char == "[":
            return self.sequence(offset, path, key_node, depth)
        if char == '"':
            end, value = self.string(offset)
            return end, self.node(SCALAR, value, offset, end, path, key_node, '"')
        match = NUMBER.match(text, offset)
        if match:
            raw = match.group()
            value = float(raw) if any(c in raw for c in ".eE") else int(raw)
            return match.end(), self.node(SCALAR, value, offset, match.end(), path, key_node)
        for word, value in LITERALS:
            if text.startswith(word, offset):
                return offset + len(word), self.node(SCALAR, value, offset, offset + len(word), path, key_node)
        self.fail("expected a value" if char else "unexpected end of input", offset)

    def string(self, offset: int) -> Tuple[int, str]:
        from json.decoder import JSONDecodeError, scanstring

        try:
            value, end = scanstring(self.text, offset + 1, True)
        except JSONDecodeError as error:
            self.fail(error.msg.lower(), error.pos)
        return end, value

    def mapping(self, begin: int, path, key_node, depth: int) -> Tuple[int, Node]:
        node = self.node(MAPPING, {}, begin, begin, path, key_node, "flow")
        offset = self.skip(begin + 1)
        if self.text.startswith("}", offset):
            return self.close(node, begin, offset + 1)
        while True:
            if not self.text.startswith('"', offset):
                self.fail("expected a property name in double quotes", offset)
            key_end, name = self.string(offset)
            key = self.node(SCALAR, name, offset, key_end, path, None, '"')
            offset = self.skip(key_end)
            if not self.text.startswith(":", offset):
                self.fail("expected ':' after a property name", offset)
            offset, value = self.value(self.skip(offset + 1), path + (name,), key, depth + 1)
            node.value[name] = value
            node.entries.append((key, value))
            offset = self.skip(offset)
            if self.text.startswith(",", offset):
                offset = self.skip(offset + 1)
            elif self.text.startswith("}", offset):
                return self.close(node, begin, offset + 1)
            else:
                self.fail("expected ',' or '}'", offset)

    def sequence(self, begin: int, path, key_node, depth: int) -> Tuple[int, Node]:
        items: List[Node] = []
        node = self.node(SEQUENCE, items, begin, begin, path, key_node, "flow")
        offset = self.skip(begin + 1)
        if self.text.startswith("]", offset):
            return self.close(node, begin, offset + 1)
        while True:
            offset, item = self.value(offset, path + (len(items),), None, depth + 1)
            items.append(item)
            offset = self.skip(offset)
            if self.text.startswith(",", offset):
                offset = self.skip(offset + 1)
            elif self.text.startswith("]", offset):
                return self.close(node, begin, offset + 1)
            else:
                self.fail("expected ',' or ']'", offset)

    def close(self, node: Node, begin: int, end: int) -> Tuple[int, Node]:
        node.finish = end
        return end, node
