"""Jsonnet text -> positioned `Node` tree: the literal part, and nothing guessed.

AllenNLP configs are jsonnet: JSON plus comments (`//`, `#`, `/* */`), unquoted and
single-quoted keys, trailing commas, `|||` text blocks, `local` bindings, hidden
fields (`::`), merges (`+:`), `self`/`$` references, `std.extVar(...)`, imports,
arithmetic, conditionals, functions and comprehensions. This reader builds the tree
reglint can read without evaluating anything:

- objects and arrays written literally, with every visible field (`::` hidden fields
  are not part of the manifested JSON AllenNLP reads, so they are left out; a `+:`
  field is kept, its key node's `style` is "+");
- strings, numbers, true/false/null;
- an identifier bound by a `local` (in an enclosing scope) to such a value: a copy of
  that value placed where the identifier is written (`raw` is the identifier);
- `base + { ... }` or `base { ... }`: the object literal, `style` "extends", because
  its fields are what the result holds for those keys; the rest comes from `base`.

Anything else (`std.extVar("lr")`, `a * 2`, `if ...`, `import "x"`, a comprehension,
a function) is a scalar whose value is an `Unknown` holding the source text: never a
number, never a string a reader could match. Malformed text raises
`ConfigSyntaxError` with the line and column.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple

from reglint.configs.tree import MAPPING, SCALAR, SEQUENCE, ConfigSyntaxError, Key, LineIndex, Node

MAX_DEPTH = 200


@dataclass(frozen=True)
class Unknown:
    """A value jsonnet computes (the source text says how); reglint does not evaluate it."""

    text: str

    def __str__(self) -> str:
        return self.text


_TOKEN = re.compile(r"""
    (?P<space>\s+)
  | (?P<comment>//[^\n]*|\#[^\n]*|/\*.*?\*/)
  | (?P<block>\|\|\|)
  | (?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|@"(?:[^"]|"")*"|@'(?:[^']|'')*')
  | (?P<number>[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?)
  | (?P<identifier>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<symbol>\+:::|\+::|\+:|:::|::|==|!=|<=|>=|&&|\|\||<<|>>|[{}\[\](),.;:+\-*/%<>=!~^&|$])
""", re.VERBOSE | re.DOTALL)
_ESCAPES = {'"': '"', "'": "'", "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}
_OPEN = {"{": "}", "[": "]", "(": ")"}
_FIELD_OPS = {":": ("", True), "::": ("", False), ":::": ("", True),
              "+:": ("+", True), "+::": ("+", False), "+:::": ("+", True)}
_LITERALS = {"true": True, "false": False, "null": None}


@dataclass
class _Token:
    kind: str
    text: str
    start: int
    end: int
    value: object = None  # decoded string / number


class _Reader:
    def __init__(self, text: str):
        self.text = text
        self.lines = LineIndex(text)
        self.comments: List[Tuple[int, int, str, bool]] = []
        self.tokens = self._tokenize()
        self.match = self._brackets()
        self.opening = {closer: opener for opener, closer in self.match.items()}

    # -- tokens -----------------------------------------------------------------------
    def fail(self, message: str, offset: int):
        where = self.lines.position(min(offset, len(self.text)))
        raise ConfigSyntaxError(f"jsonnet error: {message}", where.line, where.column)

    def _tokenize(self) -> List[_Token]:
        tokens, offset, text = [], 0, self.text
        while offset < len(text):
            if text.startswith("/*", offset) and text.find("*/", offset + 2) < 0:
                self.fail("unterminated comment", offset)
            m = _TOKEN.match(text, offset)
            if m is None:
                char = text[offset]
                reason = "unterminated string" if char in "\"'@" else f"unexpected character {char!r}"
                self.fail(reason, offset)
            kind = m.lastgroup
            if kind == "block":
                tokens.append(self._text_block(offset))
                offset = tokens[-1].end
                continue
            if kind == "comment" and not m.group().startswith("/*"):
                where = self.lines.position(offset)
                alone = not text[offset - where.column + 1:offset].strip()
                # `// noqa` reads as `#  noqa` (same length, so columns hold) for reglint.suppress
                self.comments.append((where.line, where.column - 1, "# " + m.group()[2:] if m.group()[0] == "/"
                                      else m.group(), alone))
            if kind not in ("space", "comment"):
                token = _Token(kind, m.group(), offset, m.end())
                if kind == "string":
                    token.value = self._string(m.group(), offset)
                elif kind == "number":
                    token.value = float(m.group()) if any(c in m.group() for c in ".eE") else int(m.group())
                tokens.append(token)
            offset = m.end()
        return tokens

    def _text_block(self, offset: int) -> _Token:
        end = self.text.find("|||", offset + 3)
        if end < 0:
            self.fail("unterminated text block", offset)
        lines = self.text[offset + 3:end].split("\n")[1:]
        indent = min((len(line) - len(line.lstrip()) for line in lines if line.strip()), default=0)
        value = "\n".join(line[indent:] for line in lines).rstrip(" \t")
        return _Token("string", self.text[offset:end + 3], offset, end + 3, value)

    def _string(self, raw: str, offset: int) -> str:
        if raw.startswith("@"):
            return raw[2:-1].replace(raw[1] * 2, raw[1])
        out, body, i = [], raw[1:-1], 0
        while i < len(body):
            char = body[i]
            if char != "\\":
                out.append(char)
                i += 1
                continue
            code = body[i + 1]
            if code == "u" and re.fullmatch(r"[0-9a-fA-F]{4}", body[i + 2:i + 6]):
                out.append(chr(int(body[i + 2:i + 6], 16)))
                i += 6
            elif code in _ESCAPES:
                out.append(_ESCAPES[code])
                i += 2
            else:
                self.fail(f"invalid escape \\{code}", offset + 1 + i)
        return "".join(out)

    def _brackets(self) -> Dict[int, int]:
        """Index of each opening bracket -> index of its closer; unbalanced text fails here."""
        match, stack = {}, []
        for index, token in enumerate(self.tokens):
            if token.kind != "symbol":
                continue
            if token.text in _OPEN:
                stack.append(index)
            elif token.text in ")]}":
                if not stack or _OPEN[self.tokens[stack[-1]].text] != token.text:
                    self.fail(f"unexpected {token.text!r}", token.start)
                match[stack.pop()] = index
        if stack:
            opening = self.tokens[stack[-1]]
            self.fail(f"{opening.text!r} is never closed", opening.start)
        return match

    # -- structure ----------------------------------------------------------------------
    def is_symbol(self, index: int, *texts: str) -> bool:
        return index < len(self.tokens) and self.tokens[index].kind == "symbol" and self.tokens[index].text in texts

    def is_word(self, index: int, word: str) -> bool:
        return index < len(self.tokens) and self.tokens[index].kind == "identifier" and self.tokens[index].text == word

    def expression_end(self, start: int, end: int, stops: Tuple[str, ...]) -> int:
        """First index in [start, end) holding a `stops` symbol outside brackets (else `end`)."""
        index = start
        while index < end:
            if self.tokens[index].kind == "symbol":
                if self.tokens[index].text in _OPEN:
                    index = self.match[index] + 1
                    continue
                if self.tokens[index].text in stops:
                    return index
            index += 1
        return end

    def at_top(self, start: int, end: int, word: str) -> bool:
        """Whether the keyword `word` appears in [start, end) outside brackets (a comprehension's `for`)."""
        index = start
        while index < end:
            if self.is_symbol(index, *_OPEN):
                index = self.match[index] + 1
                continue
            if self.is_word(index, word):
                return True
            index += 1
        return False

    def value(self, start: int, end: int, path: Tuple[Key, ...], scope: Dict[str, Node], depth: int) -> Node:
        """The node for tokens [start, end): a literal, a local's value, an object/array, or Unknown."""
        if depth > MAX_DEPTH:
            self.fail("nesting too deep", self.tokens[start].start)
        if start >= end:
            self.fail("expected a value", self.tokens[start].start if start < len(self.tokens) else len(self.text))
        first, last = self.tokens[start], self.tokens[end - 1]
        while self.is_word(start, "local"):  # `local a = 1, b = 2; local c = 3; body`
            body = self.expression_end(start, end, (";",))
            if body >= end:
                self.fail("expected ';' after a local", self.tokens[start].start)
            scope = self.locals(start + 1, body, scope, depth)
            start = body + 1
            if start >= end:
                self.fail("expected a value after ';'", self.tokens[body].end)
            first = self.tokens[start]
        if end - start == 1:
            return self.single(first, path, scope)
        if end - start == 2 and self.is_symbol(start, "-") and last.kind == "number":
            return self.scalar(-last.value, first.start, last.end, path)
        if self.is_symbol(start, "(") and self.match[start] == end - 1:
            return self.value(start + 1, end - 1, path, scope, depth + 1)
        if self.is_symbol(start, "{") and self.match[start] == end - 1:
            return self.mapping(start, end, path, scope, depth)
        if self.is_symbol(start, "[") and self.match[start] == end - 1:
            return self.sequence(start, end, path, scope, depth)
        if self.is_symbol(end - 1, "}"):
            opening = self.opening[end - 1]
            before = self.tokens[opening - 1] if opening > start else None
            if before is not None and (before.text == "+" or before.kind == "identifier" or before.text in ")]"):
                node = self.mapping(opening, end, path, scope, depth)
                node.style = "extends"
                return node
        self.check_expression(start, end)
        return self.scalar(Unknown(self.text[first.start:last.end]), first.start, last.end, path)

    def check_expression(self, start: int, end: int) -> None:
        """The little an unevaluated expression must satisfy: no field operator outside brackets and
        no two literals side by side (`"adam" "lr": 1` is a missing comma, not an expression)."""
        index, previous = start, None
        while index < end:
            token = self.tokens[index]
            if token.kind == "symbol" and token.text in _FIELD_OPS:
                self.fail(f"unexpected {token.text!r}", token.start)
            if token.kind in ("string", "number") and previous is not None and previous.kind in ("string", "number"):
                self.fail(f"expected an operator or ',' before {token.text!r}", token.start)
            previous = token
            index = self.match[index] + 1 if token.kind == "symbol" and token.text in _OPEN else index + 1

    def single(self, token: _Token, path, scope) -> Node:
        if token.kind in ("string", "number"):
            node = self.scalar(token.value, token.start, token.end, path)
            node.style = token.text[0] if token.kind == "string" and token.text[0] in "'\"" else ""
            return node
        if token.kind == "identifier" and token.text in _LITERALS:
            return self.scalar(_LITERALS[token.text], token.start, token.end, path)
        if token.kind == "identifier" and token.text in scope:  # the bound value, placed at the name
            bound = scope[token.text]
            node = Node(bound.kind, bound.value, token.start, token.end, self.lines, path, None, bound.style)
            node.entries = bound.entries
            return node
        return self.scalar(Unknown(token.text), token.start, token.end, path)

    def scalar(self, value, start: int, end: int, path) -> Node:
        return Node(SCALAR, value, start, end, self.lines, path)

    def locals(self, start: int, end: int, scope: Dict[str, Node], depth: int) -> Dict[str, Node]:
        """`a = 1, b = 2, f(x) = ...` in [start, end): the bindings' values, on a copy of scope."""
        scope = dict(scope)
        index = start
        while index < end:
            bind_end = self.expression_end(index, end, (",",))
            self.bind(index, bind_end, scope, depth)
            index = bind_end + 1
        return scope

    def bind(self, index: int, end: int, scope: Dict[str, Node], depth: int) -> None:
        name = self.tokens[index] if index < end else None
        if name is None or name.kind != "identifier":
            self.fail("expected a name after 'local'", name.start if name else self.tokens[index - 1].end)
        if self.is_symbol(index + 1, "="):
            scope[name.text] = self.value(index + 2, end, (), scope, depth + 1)
        else:  # a local function `f(x) = ...`: its name no longer means an outer binding
            scope.pop(name.text, None)

    def mapping(self, start: int, end: int, path, scope, depth) -> Node:
        node = Node(MAPPING, {}, self.tokens[start].start, self.tokens[end - 1].end, self.lines, path, style="flow")
        members, index = [], start + 1
        while index < end - 1:
            member_end = self.expression_end(index, end - 1, (",",))
            members.append((index, member_end))
            index = member_end + 1
        if self.at_top(start + 1, end - 1, "for"):  # an object comprehension
            return self.scalar(Unknown(node.raw), self.tokens[start].start, self.tokens[end - 1].end, path)
        scope = dict(scope)
        for first, stop in members:  # object locals are visible to every field
            if self.is_word(first, "local"):
                self.bind(first + 1, stop, scope, depth)
        for first, stop in members:
            if first < stop and not self.is_word(first, "local") and not self.is_word(first, "assert"):
                self.field(node, first, stop, path, scope, depth)
        return node

    def field(self, node: Node, first: int, stop: int, path, scope, depth) -> None:
        name = self.tokens[first]
        operator = first + 1
        if name.kind == "symbol" and name.text == "[":  # a computed name: unknown key, skipped
            return
        if name.kind not in ("identifier", "string"):
            self.fail(f"expected a field name, found {name.text!r}", name.start)
        if self.is_symbol(operator, "("):  # a method `f(x): ...`
            return
        if not self.is_symbol(operator, *_FIELD_OPS):
            found = self.tokens[operator].text if operator < len(self.tokens) else "end of file"
            self.fail(f"expected ':' after field {name.text!r}, found {found!r}",
                      self.tokens[operator].start if operator < len(self.tokens) else len(self.text))
        style, visible = _FIELD_OPS[self.tokens[operator].text]
        if not visible:
            return
        key = name.value if name.kind == "string" else name.text
        key_node = Node(SCALAR, key, name.start, name.end, self.lines, path + (key,), style=style)
        value = self.value(operator + 1, stop, path + (key,), scope, depth + 1)
        value.key_node = key_node
        node.value[key] = value
        node.entries.append((key_node, value))

    def sequence(self, start: int, end: int, path, scope, depth) -> Node:
        items, index = [], start + 1
        if self.at_top(start + 1, end - 1, "for"):
            return self.scalar(Unknown(self.text[self.tokens[start].start:self.tokens[end - 1].end]),
                               self.tokens[start].start, self.tokens[end - 1].end, path)
        while index < end - 1:
            item_end = self.expression_end(index, end - 1, (",",))
            if item_end > index:
                items.append(self.value(index, item_end, path + (len(items),), scope, depth + 1))
            index = item_end + 1
        return Node(SEQUENCE, items, self.tokens[start].start, self.tokens[end - 1].end, self.lines, path, style="flow")


def read(text: str) -> Node:
    """The document's tree; an empty file is an empty mapping."""
    reader = _Reader(text)
    if not reader.tokens:
        return Node(MAPPING, {}, 0, len(text), reader.lines)
    return reader.value(0, len(reader.tokens), (), {}, 0)


def comments(text: str) -> List[Tuple[int, int, str, bool]]:
    """`//` and `#` comments for noqa (as `#` comments); [] when the text does not tokenize."""
    try:
        return _Reader(text).comments
    except ConfigSyntaxError:
        return []


def unknown(node: Optional[Node]) -> bool:
    return node is not None and node.kind == SCALAR and isinstance(node.value, Unknown)
