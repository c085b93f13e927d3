"""The nbformat 4 JSON document of a notebook: its code cells, where each cell's
`source` value sits in the JSON text, and writing new sources back.

Writing changes only the `source` values of the cells whose code changed, splicing
each into the original JSON text, so outputs, metadata, ids, key order and
everything else stay byte for byte; the new value keeps the old one's form (a list
of lines or one string), its indentation, the file's line ending and its choice of
escaping non-ASCII text. The result is parsed again and compared with what was
meant before it is written.

A notebook that is not JSON, or not an nbformat 4 notebook, is a `NotebookError`
with a one-line reason.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from json.decoder import scanstring
from typing import Dict, List, Optional, Tuple

PYTHON_LANGUAGES = frozenset({"python", "python2", "python3", "ipython", "ipython2", "ipython3", "pyspark"})
_WHITESPACE = re.compile(r"[ \t\n\r]*")
# lines as Jupyter stores a source list: split after each `\n`
_JUPYTER_LINES = re.compile(r"[^\n]*\n|[^\n]+$")
_DECODER = json.JSONDecoder()


class NotebookError(Exception):
    """Not a notebook reglint can read; str() is the one-line reason."""

    def __init__(self, message: str, line: int = 1, column: int = 1):
        super().__init__(message)
        self.line, self.column = line, column


@dataclass
class Cell:
    index: int  # position in the notebook's cells, 0-based
    source: str  # the cell's text
    as_list: bool  # stored as a list of lines (nbformat's usual form) or one string
    span: Tuple[int, int]  # the JSON text of the `source` value


@dataclass
class Notebook:
    text: str  # the JSON document (without a BOM)
    bom: bool
    data: dict
    cells: List[Cell]  # the code cells, in order
    python: bool  # the kernel's language is Python (or not said)

    @property
    def number_of_cells(self) -> int:
        return len(self.data["cells"])


# -- reading --------------------------------------------------------------------------

def load(data: bytes) -> Notebook:
    bom = data.startswith(b"\xef\xbb\xbf")
    try:
        text = data[3:].decode("utf-8") if bom else data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise NotebookError(f"invalid notebook: not UTF-8 text (byte {error.start})") from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise NotebookError(f"invalid notebook: not JSON: {error.msg}", error.lineno, error.colno) from None
    except RecursionError:
        raise NotebookError("invalid notebook: JSON nested too deeply") from None
    if not isinstance(document, dict):
        raise NotebookError("invalid notebook: the top level is not a JSON object")
    if "cells" not in document and "worksheets" in document:
        raise NotebookError("unsupported notebook: nbformat 3 (convert it with `jupyter nbconvert --to notebook`)")
    cells = document.get("cells")
    if not isinstance(cells, list):
        raise NotebookError('invalid notebook: no "cells" list')
    spans = _source_spans(text)
    code: List[Cell] = []
    for index, cell in enumerate(cells):
        if not isinstance(cell, dict):
            raise NotebookError(f"invalid notebook: cell {index + 1} is not a JSON object")
        if cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        if isinstance(source, list) and all(isinstance(line, str) for line in source):
            joined, as_list = "".join(source), True
        elif isinstance(source, str):
            joined, as_list = source, False
        else:
            raise NotebookError(f"invalid notebook: the source of cell {index + 1} is not text")
        span = spans.get(index)
        if span is None:  # no "source" key: nothing to check, nothing to write
            continue
        code.append(Cell(index, joined, as_list, span))
    return Notebook(text, bom, document, code, _is_python(document))


def _is_python(document: dict) -> bool:
    metadata = document.get("metadata")
    if not isinstance(metadata, dict):
        return True
    for table, key in (("kernelspec", "language"), ("language_info", "name")):
        value = metadata.get(table)
        value = value.get(key) if isinstance(value, dict) else None
        if isinstance(value, str) and value.strip():
            return value.strip().lower() in PYTHON_LANGUAGES
    return True


def _skip(text: str, index: int) -> int:
    return _WHITESPACE.match(text, index).end()


def _members(text: str, index: int, visit) -> int:
    """Walk the JSON object at `index`; `visit(key, value_start) -> value_end`."""
    index = _skip(text, index + 1)
    if text[index] == "}":
        return index + 1
    while True:
        key, index = scanstring(text, index + 1)
        index = _skip(text, _skip(text, index) + 1)  # past the colon
        index = _skip(text, visit(key, index))
        if text[index] == "}":
            return index + 1
        index = _skip(text, index + 1)  # past the comma


def _elements(text: str, index: int, visit) -> int:
    """Walk the JSON array at `index`; `visit(position, value_start) -> value_end`."""
    index = _skip(text, index + 1)
    if text[index] == "]":
        return index + 1
    position = 0
    while True:
        index = _skip(text, visit(position, index))
        position += 1
        if text[index] == "]":
            return index + 1
        index = _skip(text, index + 1)


def _value_end(text: str, index: int) -> int:
    return _DECODER.raw_decode(text, index)[1]


def _source_spans(text: str) -> Dict[int, Tuple[int, int]]:
    """Where each cell's `source` value is in the (already validated) JSON text."""
    spans: Dict[int, Tuple[int, int]] = {}

    def cell(position: int, start: int) -> int:
        if text[start] != "{":
            return _value_end(text, start)

        def member(key: str, value_start: int) -> int:
            end = _value_end(text, value_start)
            if key == "source":
                spans[position] = (value_start, end)  # a repeated key: the last wins, as in json.loads
            return end

        return _members(text, start, member)

    def top(key: str, start: int) -> int:
        if key == "cells" and text[start] == "[":
            spans.clear()
            return _elements(text, start, cell)
        return _value_end(text, start)

    _members(text, _skip(text, 0), top)
    return spans


# -- writing ---------------------------------------------------------------------------

def _indent_unit(text: str) -> str:
    match = re.match(r"\{[ \t]*\r?\n([ \t]+)\"", text)
    return match.group(1) if match else " "


def _ensure_ascii(text: str) -> bool:
    if not text.isascii():
        return False
    return re.search(r"\\u(?:00[89a-fA-F][0-9a-fA-F]|0[1-9a-fA-F][0-9a-fA-F]{2}|[1-9a-fA-F][0-9a-fA-F]{3})", text) is not None


def _source_value(notebook: Notebook, cell: Cell, source: str, ensure_ascii: bool) -> Tuple[str, object]:
    """(JSON text, value) of a new `source`, laid out as the old one was."""
    if not cell.as_list:
        return json.dumps(source, ensure_ascii=ensure_ascii), source
    lines = _JUPYTER_LINES.findall(source)
    items = [json.dumps(line, ensure_ascii=ensure_ascii) for line in lines]
    if not items:
        return "[]", lines
    text = notebook.text
    start, end = cell.span
    old = text[start:end]
    newline = "\r\n" if "\r\n" in text else "\n"
    if "\n" not in text:
        return "[" + ", ".join(items) + "]", lines
    if "\n" not in old and len(items) == 1:
        return "[" + items[0] + "]", lines
    head = re.match(r"\[([ \t]*\r?\n)([ \t]*)", old)
    tail = re.search(r"\r?\n([ \t]*)\]$", old)
    if head and tail:
        indent, closing = head.group(2), tail.group(1)
    else:  # `[]` or a one-line list: indent as the key's line, one level deeper
        line_start = text.rfind("\n", 0, start) + 1
        key_line = text[line_start:start]
        closing = key_line[:len(key_line) - len(key_line.lstrip())]
        indent = closing + _indent_unit(text)
    return "[" + newline + indent + ("," + newline + indent).join(items) + newline + closing + "]", lines


def write(notebook: Notebook, new: Dict[int, str]) -> Optional[bytes]:
    """The notebook's bytes with the given cells' sources replaced; None if that fails."""
    ensure_ascii = _ensure_ascii(notebook.text)
    pieces: List[str] = []
    at = 0
    expected = json.loads(notebook.text)
    by_index = {cell.index: cell for cell in notebook.cells}
    for index in sorted(new, key=lambda i: by_index[i].span[0]):
        cell = by_index[index]
        value_text, value = _source_value(notebook, cell, new[index], ensure_ascii)
        start, end = cell.span
        pieces.append(notebook.text[at:start])
        pieces.append(value_text)
        at = end
        expected["cells"][index]["source"] = value
    pieces.append(notebook.text[at:])
    text = "".join(pieces)
    try:
        if json.loads(text) != expected:
            return None
    except (json.JSONDecodeError, RecursionError):
        return None
    return (b"\xef\xbb\xbf" if notebook.bom else b"") + text.encode("utf-8")

