"""A protobuf text-format reader that keeps the line and column of every key and value.

Caffe's `solver.prototxt` and `train_val.prototxt` are protobuf text format. Google's
`protobuf` package parses it only against compiled message descriptors and keeps no
positions, so reglint reads the format itself: fields `name: value`, nested messages
`name { ... }` or `name < ... >` (the colon optional), lists `name: [a, b]`, strings in
single or double quotes with C escapes (adjacent strings concatenate), numbers (decimal,
hex, octal, floats with an `f` suffix, `inf`/`nan`), enum identifiers, `#` comments,
`,`/`;` separators and `[extension.name]` keys. Without descriptors every field may
repeat; `Message.all(name)` returns each occurrence in order.

Bad input raises `PrototxtError` with a 1-based line and column; nothing else escapes.
The parser is one loop over a stack, so deep nesting cannot exhaust the Python stack.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Iterator, List, Optional, Tuple, Union

from reglint.configs.tree import MAPPING, SCALAR, ConfigSyntaxError, LineIndex, Node
from reglint.diagnostic import Position


class PrototxtError(ValueError):
    """Malformed text format, at a 1-based line and column."""

    def __init__(self, reason: str, line: int, column: int):
        super().__init__(f"{reason} (line {line}, column {column})")
        self.reason = reason
        self.line = line
        self.column = column


STRING, NUMBER, IDENTIFIER = "string", "number", "identifier"


@dataclass
class Scalar:
    """A value as written: its kind, its source text and its decoded value."""

    kind: str  # STRING | NUMBER | IDENTIFIER
    text: str  # the source text, quotes and sign included
    value: Union[str, int, float]  # decoded string, number, or the identifier (with a leading '-')
    start: Position
    end: Position

    def number(self) -> Optional[float]:
        """The value as a number: numbers, and the identifiers inf/nan/infinity; None otherwise."""
        return _as_number(self.value, self.kind == STRING)


@dataclass
class Field:
    """One `name: value` or `name { ... }`; a list `name: [a, b]` gives one Field per element."""

    name: str
    key_start: Position
    key_end: Position
    value: Union[Scalar, "Message"]

    @property
    def start(self) -> Position:
        return self.value.start

    @property
    def end(self) -> Position:
        return self.value.end


@dataclass
class Message:
    """A message body: fields in source order. `start`/`end` span the braces (the whole file at top)."""

    start: Position
    end: Position
    fields: List[Field] = field(default_factory=list)

    def all(self, name: str) -> List[Field]:
        return [f for f in self.fields if f.name == name]

    def last(self, name: str) -> Optional[Field]:
        """The occurrence that wins for a singular field (protobuf keeps the last one)."""
        found = self.all(name)
        return found[-1] if found else None

    def scalar(self, name: str) -> Optional[Scalar]:
        found = self.last(name)
        return found.value if found is not None and isinstance(found.value, Scalar) else None

    def messages(self, name: str) -> List["Message"]:
        return [f.value for f in self.all(name) if isinstance(f.value, Message)]


# (line, 0-based column, the comment from its '#', alone on its line): what reglint.suppress reads
Comment = Tuple[int, int, str, bool]


@dataclass
class Document:
    """A parsed file: the top-level message and every comment."""

    root: Message
    comments: List[Comment]


# -- tokens ------------------------------------------------------------------------------

_TOKEN = re.compile(r"""
    (?P<space>[ \t\r\n\f\v]+)
  | (?P<comment>\#[^\r\n]*)
  | (?P<string>"(?:[^"\\\r\n]|\\[^\r\n])*"|'(?:[^'\\\r\n]|\\[^\r\n])*')
  | (?P<number>(?:0[xX][0-9a-fA-F]+|(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?[fF]?)(?![A-Za-z0-9_.]))
  | (?P<identifier>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<symbol>[{}<>\[\]:,;/.\-])
""", re.VERBOSE)

_CLOSER = {"{": "}", "<": ">"}


@dataclass
class _Token:
    kind: str
    text: str
    offset: int


def _tokens(text: str, lines: LineIndex, comments: List[Comment]) -> Iterator[_Token]:
    offset, size = 0, len(text)
    while offset < size:
        match = _TOKEN.match(text, offset)
        if match is None:
            where = lines.position(offset)
            char = text[offset]
            if char in "\"'":
                raise PrototxtError("unterminated string", where.line, where.column)
            raise PrototxtError(f"unexpected character {char!r}", where.line, where.column)
        kind = match.lastgroup
        if kind == "comment":
            where = lines.position(offset)
            before = text[offset - where.column + 1:offset]
            comments.append((where.line, where.column - 1, match.group(), not before.strip()))
        elif kind != "space":
            yield _Token(kind, match.group(), offset)
        offset = match.end()


# -- string and number values ----------------------------------------------------------

_SIMPLE_ESCAPES = {"a": b"\a", "b": b"\b", "f": b"\f", "n": b"\n", "r": b"\r", "t": b"\t",
                   "v": b"\v", "\\": b"\\", "'": b"'", '"': b'"', "?": b"?"}
_ESCAPE = re.compile(r"\\(?:([0-7]{1,3})|x([0-9a-fA-F]{1,2})|u([0-9a-fA-F]{4})|U([0-9a-fA-F]{8})|(.))", re.DOTALL)


def _unescape(body: str, start: Position) -> str:
    """C escapes as protobuf reads them; octal and hex escapes are bytes, decoded as UTF-8."""
    out = bytearray()
    index = 0
    for match in _ESCAPE.finditer(body):
        out += body[index:match.start()].encode("utf-8", "surrogatepass")
        octal, hexa, short, long, other = match.groups()
        if octal:
            out.append(int(octal, 8) & 0xFF)
        elif hexa:
            out.append(int(hexa, 16))
        elif short or long:
            code = int(short or long, 16)
            if code > 0x10FFFF:
                raise PrototxtError("invalid \\U escape", start.line, start.column + 1 + match.start())
            out += chr(code).encode("utf-8", "surrogatepass")
        elif other in _SIMPLE_ESCAPES:
            out += _SIMPLE_ESCAPES[other]
        else:
            raise PrototxtError(f"invalid escape \\{other}", start.line, start.column + 1 + match.start())
        index = match.end()
    out += body[index:].encode("utf-8", "surrogatepass")
    return out.decode("utf-8", "replace")


def _number(text: str) -> Union[int, float]:
    body = text.lstrip("-")
    sign = -1 if text.startswith("-") else 1
    if body[:2] in ("0x", "0X"):
        return sign * int(body, 16)
    if re.fullmatch(r"0[0-7]+", body):
        return sign * int(body, 8)
    if re.fullmatch(r"[0-9]+", body):
        return sign * int(body)
    return sign * float(body.rstrip("fF"))


# -- the parser -----------------------------------------------------------------------

@dataclass
class _List:
    """An open `name: [ ... ]`: elements become Fields of `parent` under the list's key."""

    parent: Message
    name: str
    key_start: Position
    key_end: Position
    count: int = 0


@dataclass
class _Open:
    """An open message or list on the parser's stack, with the token that opened it."""

    body: Union[Message, _List]
    closer: Optional[str]
    opening: Optional[_Token]


class _Parser:
    def __init__(self, text: str):
        self.text = text
        self.lines = LineIndex(text)
        self.comments: List[Comment] = []
        self.tokens = list(_tokens(text, self.lines, self.comments))
        self.index = 0

    # token helpers
    def peek(self) -> Optional[_Token]:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def take(self) -> _Token:
        token = self.peek()
        if token is None:
            raise self.error("unexpected end of file", len(self.text))
        self.index += 1
        return token

    def at(self, text: str) -> bool:
        token = self.peek()
        return token is not None and token.kind == "symbol" and token.text == text

    def pos(self, offset: int) -> Position:
        return self.lines.position(offset)

    def end_of(self, token: _Token) -> Position:
        return self.pos(token.offset + len(token.text))

    def error(self, reason: str, offset: int) -> PrototxtError:
        where = self.pos(offset)
        return PrototxtError(reason, where.line, where.column)

    def expect(self, text: str, what: str) -> _Token:
        token = self.peek()
        if token is None:
            raise self.error(f"expected {what}, found end of file", len(self.text))
        if token.kind != "symbol" or token.text != text:
            raise self.error(f"expected {what}, found {token.text!r}", token.offset)
        return self.take()

    # grammar: one loop over a stack of open messages and lists, so nesting never recurses
    def parse(self) -> Document:
        root = Message(self.pos(0), self.pos(len(self.text)))
        stack: List[_Open] = [_Open(root, None, None)]
        while True:
            top = stack[-1]
            token = self.peek()
            if token is None:
                if len(stack) > 1:
                    raise self.error(f"'{top.opening.text}' is never closed with '{top.closer}'", top.opening.offset)
                return Document(root, self.comments)
            if top.closer is not None and token.kind == "symbol" and token.text == top.closer:
                self.take()
                if isinstance(top.body, Message):
                    top.body.end = self.end_of(token)
                stack.pop()
                if isinstance(stack[-1].body, Message):
                    self.separator()
                continue
            if isinstance(top.body, Message):
                self.field(top.body, stack)
            else:
                self.list_element(top, stack)

    def field(self, body: Message, stack: List["_Open"]) -> None:
        name, key_start, key_end = self.key()
        colon = self.at(":")
        if colon:
            self.take()
        if self.at("{") or self.at("<"):
            body.fields.append(Field(name, key_start, key_end, self.open_message(stack)))
            return
        if not colon:
            token = self.peek()
            found = "end of file" if token is None else repr(token.text)
            raise self.error(f"expected ':' or '{{' after field {name!r}, found {found}",
                             len(self.text) if token is None else token.offset)
        if self.at("["):
            stack.append(_Open(_List(body, name, key_start, key_end), "]", self.take()))
            return
        body.fields.append(Field(name, key_start, key_end, self.scalar()))
        self.separator()

    def list_element(self, top: "_Open", stack: List["_Open"]) -> None:
        """One element of `name: [a, b]` or `name: [{...}, {...}]`: a Field of the list's key."""
        items = top.body
        if items.count:
            self.expect(",", "',' or ']' in a list")
        items.count += 1
        if self.at("{") or self.at("<"):
            value: Union[Scalar, Message] = self.open_message(stack)
        else:
            value = self.scalar()
        items.parent.fields.append(Field(items.name, items.key_start, items.key_end, value))

    def open_message(self, stack: List["_Open"]) -> Message:
        opening = self.take()
        child = Message(self.pos(opening.offset), self.pos(opening.offset))
        stack.append(_Open(child, _CLOSER[opening.text], opening))
        return child

    def separator(self) -> None:
        if self.at(",") or self.at(";"):
            self.take()

    def key(self) -> Tuple[str, Position, Position]:
        token = self.take()
        if token.kind == "identifier":
            return token.text, self.pos(token.offset), self.end_of(token)
        if token.kind == "symbol" and token.text == "[":
            parts = []
            while not self.at("]"):
                part = self.take()
                if not (part.kind == "identifier" or (part.kind == "symbol" and part.text in (".", "/"))):
                    raise self.error(f"unexpected {part.text!r} in an extension name", part.offset)
                parts.append(part.text)
            closing = self.take()
            if not parts:
                raise self.error("empty extension name", token.offset)
            return "[" + "".join(parts) + "]", self.pos(token.offset), self.end_of(closing)
        raise self.error(f"expected a field name, found {token.text!r}", token.offset)

    def scalar(self) -> Scalar:
        token = self.take()
        start = self.pos(token.offset)
        if token.kind == "symbol" and token.text == "-":
            sign = self.take()
            if sign.kind == "number":
                text = self.text[token.offset:sign.offset + len(sign.text)]
                return Scalar(NUMBER, text, _number("-" + sign.text), start, self.end_of(sign))
            if sign.kind == "identifier" and sign.text.lower() in ("inf", "infinity", "nan"):
                text = self.text[token.offset:sign.offset + len(sign.text)]
                return Scalar(IDENTIFIER, text, "-" + sign.text, start, self.end_of(sign))
            raise self.error(f"expected a number after '-', found {sign.text!r}", sign.offset)
        if token.kind == "number":
            return Scalar(NUMBER, token.text, _number(token.text), start, self.end_of(token))
        if token.kind == "identifier":
            return Scalar(IDENTIFIER, token.text, token.text, start, self.end_of(token))
        if token.kind == "string":
            value = _unescape(token.text[1:-1], start)
            last = token
            while self.peek() is not None and self.peek().kind == "string":  # "a" "b" is "ab"
                last = self.take()
                value += _unescape(last.text[1:-1], self.pos(last.offset))
            return Scalar(STRING, self.text[token.offset:last.offset + len(last.text)], value,
                          start, self.end_of(last))
        raise self.error(f"expected a value, found {token.text!r}", token.offset)


def parse(text: str) -> Document:
    """Parse protobuf text format; PrototxtError (line, column) on malformed input."""
    if text.startswith("\ufeff"):
        text = " " + text[1:]  # a BOM keeps its column so positions match the file
    return _Parser(text).parse()


# -- the shared config tree ------------------------------------------------------------

def read(text: str) -> Node:
    """The file as `tree.Node`s, as every config interpreter reads it: a message is a mapping
    whose `entries` keep every field in order (a repeated field: several entries; its `value`
    dict, as protobuf does for a singular field, the last); ConfigSyntaxError when malformed."""
    try:
        document = parse(text)
    except PrototxtError as error:
        raise ConfigSyntaxError(f"prototxt error: {error.reason}", error.line, error.column) from None
    return to_node(document.root, text)


def to_node(root: Message, text: str) -> Node:
    """Message -> mapping Node, iteratively (nesting may be deep)."""
    source = LineIndex(text)
    starts = [0] + [m.end() for m in re.finditer(r"\r\n|\r|\n", text)]

    def at(position: Position) -> int:
        return starts[position.line - 1] + position.column - 1

    top = Node(MAPPING, {}, 0, len(text), source)
    stack = [(root, top)]
    while stack:
        message, node = stack.pop()
        for item in message.fields:
            path = node.path + (item.name,)
            key = Node(SCALAR, item.name, at(item.key_start), at(item.key_end), source, path)
            value = item.value
            if isinstance(value, Message):
                child = Node(MAPPING, {}, at(value.start), at(value.end), source, path, key)
                stack.append((value, child))
            else:
                style = value.text[0] if value.kind == STRING else ""
                child = Node(SCALAR, value.value, at(value.start), at(value.end), source, path, key, style)
            node.value[item.name] = child
            node.entries.append((key, child))
    return top


def number_of(node: Optional[Node]) -> Optional[float]:
    """A prototxt scalar node's number (see `Scalar.number`)."""
    if node is None or node.kind != SCALAR:
        return None
    return _as_number(node.value, bool(node.style))


def _as_number(value, quoted: bool) -> Optional[float]:
    """Numbers, and unquoted inf/nan/infinity (signed); quoted text is no number in protobuf."""
    if quoted:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    word = str(value).lower()
    sign = -1.0 if word.startswith("-") else 1.0
    word = word.lstrip("-")
    if word in ("inf", "infinity"):
        return sign * math.inf
    return math.nan if word == "nan" else None


def comments(text: str) -> List[Comment]:
    """Every `#` comment, for noqa; [] when the text does not parse (RL000 reports that)."""
    try:
        return parse(text).comments
    except PrototxtError:
        return []
