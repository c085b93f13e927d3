"""Where a position in a notebook cell is in the `.ipynb` file's own JSON text.

Diagnostics of a notebook are reported in cell positions (cell, line in the cell,
column), as editors show cells. Code scanning shows the `.ipynb` file itself, so
SARIF needs the line and column of the JSON text instead: the cell's `source`
value is walked string by string (a list of lines, or one string), decoding JSON
escapes (`\\n` ends a cell line, `\\uXXXX` and a surrogate pair are one character)
until the cell position is reached. Columns count code points, as reglint's do.
"""

from __future__ import annotations

from typing import Tuple

_SIMPLE_ESCAPES = {"n": "\n", "r": "\r"}


def _escape(text: str, index: int) -> Tuple[str, int]:
    """The character a JSON escape at `text[index]` (a backslash) stands for, and its length."""
    kind = text[index + 1 : index + 2]
    if kind != "u":
        return _SIMPLE_ESCAPES.get(kind, kind), 2
    code = int(text[index + 2 : index + 6], 16)
    if 0xD800 <= code < 0xDC00 and text[index + 6 : index + 8] == "\\u":
        return "\U00010000", 12  # a surrogate pair: one code point (which one does not matter here)
    return chr(code), 6


def _line_column(text: str, index: int) -> Tuple[int, int]:
    """1-based line and code-point column of `text[index]`."""
    line = text.count("\n", 0, index) + 1
    line_start = text.rfind("\n", 0, index) + 1
    return line, index - line_start + 1


def file_position(text: str, span: Tuple[int, int], line: int, column: int) -> Tuple[int, int]:
    """The (line, column) in the notebook `text` of (line, column) in the cell whose
    `source` value is `text[span[0]:span[1]]`; past the end, the end of the source."""
    index, end = span
    at_line, at_column, previous = 1, 1, ""
    last = index
    while index < end:
        if text[index] != '"':  # brackets, commas and whitespace between a list's strings
            index += 1
            continue
        index += 1
        while index < end and text[index] != '"':
            if (at_line, at_column) >= (line, column):
                return _line_column(text, index)
            char, length = _escape(text, index) if text[index] == "\\" else (text[index], 1)
            if char == "\r" or (char == "\n" and previous != "\r"):
                at_line, at_column = at_line + 1, 1
            elif char != "\n":
                at_column += 1
            previous = char
            index += length
        last = index
        index += 1
    return _line_column(text, last)


def file_region(text: str, span: Tuple[int, int], start, end) -> Tuple[int, int, int, int]:
    """(start line, start column, end line, end column) in the file of a cell range."""
    return (*file_position(text, span, start.line, start.column), *file_position(text, span, end.line, end.column))
