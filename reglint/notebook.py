"""Jupyter notebooks: code cells <-> one Python source, with IPython syntax masked.

Checking. The code cells are joined into one source, each preceded by a boundary
comment line, so definitions in one cell are seen by the next (an optimizer built in
cell 3 from a model of cell 2) and the fixed source splits back into the same cells.
Lines that are IPython and not Python — line magics (`%matplotlib inline`,
`x = %timeit -o f()`), shell escapes (`!pip install …`, `files = !ls`), help
(`obj?`, `??obj`) and cell magics (`%%bash`: the whole cell; `%%time`,
`%%timeit`, `%%capture`, `%%prun`, `%%python`: only the magic line, as their body is
Python) — are masked: replaced by a marker comment (or `pass` plus the marker where a
block needs a statement), so they are never parsed and never reported, and are put
back as they were when the notebook is written. A line is IPython only where a
statement starts: inside brackets or a string, `%` and `!` are Python.

Positions. Diagnostics are reported per cell: `line` is the line in the cell,
`column` as for `.py` files, and the cell's 1-based position among all of the
notebook's cells (markdown cells count, as in ruff and in editors' cell numbers) is
in `Diagnostic.extra` under `cell`; fix edits are mapped the same way. A cell that
does not parse is RL000 at its position, and the other cells are still checked.

Writing. `--fix` changes only the `source` values of the cells whose code changed,
splicing each into the original JSON text, so outputs, metadata, ids, key order and
everything else stay byte for byte; the new value keeps the old one's form (a list
of lines or one string), its indentation, the file's line ending and its choice of
escaping non-ASCII text. The result is parsed again and compared with what was
meant before it is written.

A notebook that is not JSON, or not an nbformat 4 notebook, is RL000 with a one-line
reason; a notebook whose kernel is not Python (R, Julia) is skipped.
"""

from __future__ import annotations

import bisect
import difflib
import json
import re
from dataclasses import dataclass, field, replace
from json.decoder import scanstring
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

from reglint.diagnostic import Diagnostic, Edit, Fix, Position, parse_error
from reglint.engine import FileResult, check_source
from reglint.notebook_lines import file_region
from reglint.report import cell_of

SUFFIX = ".ipynb"
BOUNDARY = "# ---- reglint cell boundary ----"  # (no `reglint:` in it, so never read as a directive)
MARK = "# ---- masked IPython line ----"
PYTHON_BODY_CELL_MAGICS = frozenset({"time", "timeit", "capture", "prun", "python", "python3", "debug"})
PYTHON_LANGUAGES = frozenset({"python", "python2", "python3", "ipython", "ipython2", "ipython3", "pyspark"})
_ASSIGNED_MAGIC = re.compile(r"^\s*[A-Za-z_][\w.\[\]'\", ()*]*?\s*=\s*[!%]")
_COOKIE = re.compile(r"^[ \t\f]*#.*?coding[:=]")
_WHITESPACE = re.compile(r"[ \t\n\r]*")
# lines as Python (and reglint's positions) count them: `\r\n`, `\r` and `\n` end a line
_LINES = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")
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


@dataclass
class NotebookResult(FileResult):
    # cell number (1-based) -> the cell's text as checked (after fixes), for showing source lines
    cell_sources: Dict[int, str] = field(default_factory=dict)




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


# -- masking IPython syntax ---------------------------------------------------------

def _scan(line: str, depth: int, quote: Optional[str]):
    """Python's lexical state after `line`: (bracket depth, open string quote, last code
    character, ends with a backslash continuation)."""
    index, end, last = 0, len(line), ""
    commented = False
    while index < end:
        char = line[index]
        if quote:
            if char == "\\":
                index += 2
                continue
            if line.startswith(quote, index):
                index += len(quote)
                quote, last = None, char
                continue
            index += 1
            continue
        if char == "#":
            commented = True
            break
        if char in "\"'":
            quote = line[index:index + 3] if line[index:index + 3] in ('"""', "'''") else char
            index += len(quote)
            continue
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth = max(0, depth - 1)
        if not char.isspace():
            last = char
        index += 1
    body = line.rstrip("\r\n")
    backslash = not commented and body.endswith("\\") and not (quote and len(quote) == 3)
    if quote and len(quote) == 1 and not body.endswith("\\"):
        quote = None  # an unterminated one-line string ends at the line (a syntax error, not ours)
    return depth, quote, last, backslash


def _is_magic(line: str, last: str) -> bool:
    stripped = line.lstrip()
    if stripped[:1] in ("%", "!", "?"):
        return True
    if last == "?":  # `obj?`, `obj??`, `%magic?`: Python code never ends with `?`
        return True
    return bool(_ASSIGNED_MAGIC.match(line))


def mask(source: str, first_cell: bool = False) -> Tuple[str, List[str]]:
    """The cell with IPython lines replaced by markers, and those lines in order."""
    lines = _LINES.findall(source)
    masked: List[str] = []
    out: List[str] = []
    first = lines[0].strip() if lines else ""
    if first.startswith("%%"):
        name = first[2:].split(None, 1)[0] if len(first) > 2 else ""
        if name not in PYTHON_BODY_CELL_MAGICS:
            return "".join(_marker(line, False) for line in lines), list(lines)
    # `opener`: the last statement line opened a block (`for …:`), so a masked line
    # there must stay a statement; `continues`: a masked line ended with a backslash
    depth, quote, continued, opener, continues = 0, None, False, False, False
    for number, line in enumerate(lines):
        at_start = depth == 0 and quote is None and not continued
        state = _scan(line, depth, quote)
        cookie = first_cell and number == 0 and _COOKIE.match(line)  # we hand the parser UTF-8
        if continues or cookie or (at_start and line.strip() and _is_magic(line, state[2])):
            masked.append(line)
            out.append(_marker(line, opener))
            opener = False
            continues = line.rstrip("\r\n").endswith("\\")
            continue
        depth, quote, last, continued = state
        out.append(line)
        if last:
            opener = last == ":" and depth == 0 and quote is None and not continued
    return "".join(out), masked


def _marker(line: str, needs_statement: bool) -> str:
    body = line.rstrip("\r\n")
    indent = body[:len(body) - len(body.lstrip())]
    return f"{indent}{'pass  ' if needs_statement else ''}{MARK}{line[len(body):] or ''}"


def unmask(source: str, masked: Sequence[str]) -> Optional[str]:
    """Put the masked lines back; None when the markers no longer match them."""
    lines = _LINES.findall(source)
    found = [i for i, line in enumerate(lines) if line.strip() in (MARK, f"pass  {MARK}")]
    if len(found) != len(masked):
        return None
    for index, original in zip(found, masked):
        ending = lines[index][len(lines[index].rstrip("\r\n")):]
        lines[index] = original.rstrip("\r\n") + ending
    return "".join(lines)


# -- one source for all code cells -------------------------------------------------------

@dataclass
class Joined:
    text: str
    starts: List[int]  # joined line of each code cell's first line
    cells: List[Cell]
    masked: List[List[str]]  # per code cell, its masked lines
    added_newline: List[bool]  # per code cell: a final newline was added to join it
    notebook_text: str = ""  # the notebook's JSON text, which the cells' spans index

    def locate(self, line: int) -> Tuple[int, int]:
        """(code cell position, line in the cell) of a joined line."""
        position = max(0, bisect.bisect_right(self.starts, line) - 1)
        return position, max(1, line - self.starts[position] + 1)

    def position(self, position: Position) -> Tuple[int, Position]:
        cell, line = self.locate(position.line)
        column = position.column if position.line >= self.starts[cell] else 1
        return cell, Position(line, column)

    def split(self, text: str) -> Optional[List[str]]:
        """The cells' (masked) texts from a joined text; None when a boundary was lost."""
        parts: List[List[str]] = []
        for line in _LINES.findall(text):
            if line.rstrip("\r\n") == BOUNDARY:
                parts.append([])
            elif parts:
                parts[-1].append(line)
            else:
                return None
        if len(parts) != len(self.cells):
            return None
        return ["".join(part) for part in parts]


def join(notebook: Notebook, blank: Iterable[int] = ()) -> Joined:
    """The code cells as one source; cells whose position is in `blank` are masked whole."""
    blank = set(blank)
    pieces: List[str] = []
    starts: List[int] = []
    masked_lines: List[List[str]] = []
    added: List[bool] = []
    line = 1
    for position, cell in enumerate(notebook.cells):
        source = cell.source
        needs_newline = bool(source) and not source.endswith("\n")
        if needs_newline:
            source += "\n"
        if position in blank:
            lines = _LINES.findall(source)
            text, masked = "".join(_marker(l, False) for l in lines), lines
        else:
            text, masked = mask(source, first_cell=position == 0)
        pieces.append(BOUNDARY + "\n")
        starts.append(line + 1)
        pieces.append(text)
        line += 1 + len(_LINES.findall(text))
        masked_lines.append(masked)
        added.append(needs_newline)
    return Joined("".join(pieces), starts, list(notebook.cells), masked_lines, added, notebook.text)


def _restored(joined: Joined, position: int, text: str) -> Optional[str]:
    restored = unmask(text, joined.masked[position])
    if restored is None:
        return None
    if joined.added_newline[position] and restored.endswith("\n"):
        restored = restored[:-1]
    return restored


# -- checking --------------------------------------------------------------------------

def _map(diagnostic: Diagnostic, joined: Joined) -> Diagnostic:
    position, start = joined.position(diagnostic.start)
    end_position, end = joined.position(diagnostic.end)
    if end_position != position:
        end = start
    fix = diagnostic.fix
    if fix is not None and fix.edits:
        edits = tuple(Edit(joined.position(e.start)[1], joined.position(e.end)[1], e.content) for e in fix.edits)
        fix = replace(fix, edits=edits)
    return _in_cell(replace(diagnostic, start=start, end=end, fix=fix), joined.cells[position], joined.notebook_text)


def check_notebook(path: str, data: bytes, plan, fix: bool = False, unsafe: bool = False) -> FileResult:
    """The notebook's diagnostics in cell positions, and with `fix` its new bytes."""
    result = NotebookResult(path)
    rules = plan.rules_for(path)
    if not rules or not plan.may_flag(data, rules):
        return result
    try:
        notebook = load(data)
    except NotebookError as error:
        result.diagnostics = [parse_error(path, str(error), error.line, error.column)]
        return result
    if not notebook.python or not notebook.cells:
        return result
    blank: List[int] = []  # code cells that cannot be checked: masked whole, so the others are
    broken: List[Diagnostic] = []
    for position, cell in enumerate(notebook.cells):
        problem = _unreadable(cell.source)
        if problem is not None:
            message, line, column = problem
            broken.append(_in_cell(parse_error(path, message, line, column), cell, notebook.text))
            blank.append(position)
    while True:
        joined = join(notebook, blank)
        source = joined.text.encode("utf-8")
        checked = check_source(path, source, plan, fix, unsafe)
        errors = [d for d in checked.diagnostics if d.code == "RL000"]
        if not errors:
            break
        broken.append(_map(errors[0], joined))
        position = joined.locate(errors[0].start.line)[0]
        if position in blank:  # the error is not in one cell's code (e.g. a NUL character)
            result.diagnostics = broken
            return result
        blank.append(position)
    result.parsed = checked.parsed
    texts = {cell.index: cell.source for cell in notebook.cells}
    if checked.fixed is not None:
        fixed_text = checked.fixed.decode("utf-8")
        new = _new_sources(joined, fixed_text)
        written = write(notebook, new) if new else None
        if written is not None:
            result.fixed = written
            result.fixed_diagnostics = [_map(d, joined) for d in checked.fixed_diagnostics]
            texts.update(new)
            rewritten = load(written)  # positions from here on are in the fixed notebook
            joined = replace(joined, text=fixed_text, starts=_starts(fixed_text), cells=rewritten.cells,
                             notebook_text=rewritten.text)
        else:  # a fix crossed a cell boundary or a masked line: leave the notebook as it is
            checked = check_source(path, source, plan, False, unsafe)
    result.diagnostics = sorted(broken + [_map(d, joined) for d in checked.diagnostics], key=_order)
    if result.diagnostics or result.fixed is not None:
        result.cell_sources = {index + 1: text for index, text in texts.items()}
    return result


def _starts(text: str) -> List[int]:
    return [number + 1 for number, line in enumerate(_LINES.findall(text), 1) if line.rstrip("\r\n") == BOUNDARY]


def from_cache(path: str, diagnostics: Sequence[Diagnostic]) -> NotebookResult:
    """A cached result, with the cells' texts read again for showing source lines."""
    result = NotebookResult(path, list(diagnostics))
    if diagnostics:
        try:
            with open(path, "rb") as handle:
                notebook = load(handle.read())
        except (OSError, NotebookError):
            return result
        result.cell_sources = {cell.index + 1: cell.source for cell in notebook.cells}
    return result


def _unreadable(source: str) -> Optional[Tuple[str, int, int]]:
    """(message, line, column) when a cell's text cannot be Python source at all."""
    index = source.find("\x00")
    if index >= 0:
        return ("the cell holds a NUL character, not Python source", *_line_column(source, index))
    try:
        source.encode("utf-8")
    except UnicodeEncodeError as error:
        return ("the cell's text holds a lone surrogate (\\ud800-\\udfff), not text", *_line_column(source, error.start))
    return None


def _line_column(text: str, index: int) -> Tuple[int, int]:
    """1-based line and column of `text[index]`."""
    lines = _LINES.findall(text[:index])
    if not lines:
        return 1, 1
    if lines[-1].endswith(("\n", "\r")):
        return len(lines) + 1, 1
    return len(lines), len(lines[-1]) + 1


def _order(diagnostic: Diagnostic):
    return (cell_of(diagnostic) or 0, diagnostic.start.line, diagnostic.start.column, diagnostic.code, diagnostic.message)


def _in_cell(diagnostic: Diagnostic, cell: Cell, text: str) -> Diagnostic:
    """The diagnostic with its cell number and its region in the file's JSON text (for SARIF)."""
    region = file_region(text, cell.span, diagnostic.start, diagnostic.end)
    return replace(diagnostic, extra=diagnostic.extra + (("cell", cell.index + 1), ("file_region", region)))


def _new_sources(joined: Joined, fixed_text: str) -> Optional[Dict[int, str]]:
    """Cell index -> new source for each cell the fixes changed; None if they cannot be mapped back."""
    parts = joined.split(fixed_text)
    if parts is None:
        return None
    new: Dict[int, str] = {}
    for position, (cell, text) in enumerate(zip(joined.cells, parts)):
        restored = _restored(joined, position, text)
        if restored is None:
            return None
        if restored != cell.source:
            new[cell.index] = restored
    return new


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


# -- add-noqa and diff -------------------------------------------------------------------

def add_noqa(data: bytes, diagnostics: Sequence) -> Tuple[Optional[bytes], int, List]:
    """`# noqa` comments in the cells holding `diagnostics` (which are in cell positions)."""
    from reglint.noqa_add import add_noqa as add_to_text

    try:
        notebook = load(data)
    except NotebookError:
        return None, 0, list(diagnostics)
    by_number = {cell.index + 1: cell for cell in notebook.cells}
    grouped: Dict[int, List] = {}
    left: List = []
    for diagnostic in diagnostics:
        number = cell_of(diagnostic)
        if number in by_number and diagnostic.code != "RL000":
            grouped.setdefault(number, []).append(diagnostic)
        else:
            left.append(diagnostic)
    new: Dict[int, str] = {}
    changed = 0
    for number, found in grouped.items():
        cell = by_number[number]
        source = cell.source
        added = bool(source) and not source.endswith("\n")
        masked_text, masked = mask(source + ("\n" if added else ""), first_cell=cell is notebook.cells[0])
        text, count, rest = add_to_text(masked_text, found)
        left.extend(rest)
        restored = unmask(text, masked)
        if restored is None:
            left.extend(d for d in found if d not in rest)
            continue
        if added and restored.endswith("\n"):
            restored = restored[:-1]
        if restored != source:
            new[cell.index] = restored
            changed += count
    if not new:
        return None, 0, left
    written = write(notebook, new)
    if written is None:
        return None, 0, list(diagnostics)
    return written, changed, left


def diff(path: str, before: bytes, after: bytes) -> List[str]:
    """A unified diff of the code cells that differ, one file header per cell (`path:cell N`)."""
    try:
        old, new = load(before), load(after)
    except NotebookError:
        return []
    new_sources = {cell.index: cell.source for cell in new.cells}
    out: List[str] = []
    for cell in old.cells:
        changed = new_sources.get(cell.index)
        if changed is None or changed == cell.source:
            continue
        name = f"{path}:cell {cell.index + 1}"
        out.extend(difflib.unified_diff(_diff_lines(cell.source), _diff_lines(changed), name, name))
    return out


def _diff_lines(text: str) -> List[str]:
    lines = _LINES.findall(text)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    return lines
