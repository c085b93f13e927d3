"""IPython syntax in code cells, masked so the cells read as Python, and the code
cells joined into one source.

Lines that are IPython and not Python — line magics (`%matplotlib inline`,
`x = %timeit -o f()`), shell escapes (`!pip install …`, `files = !ls`), help
(`obj?`, `??obj`) and cell magics (`%%bash`: the whole cell; `%%time`,
`%%timeit`, `%%capture`, `%%prun`, `%%python`: only the magic line, as their body is
Python) — are masked: replaced by a marker comment (or `pass` plus the marker where a
block needs a statement), so they are never parsed and never reported, and are put
back as they were when the notebook is written. A line is IPython only where a
statement starts: inside brackets or a string, `%` and `!` are Python.

The code cells are joined into one source, each preceded by a boundary comment line,
so definitions in one cell are seen by the next (an optimizer built in cell 3 from a
model of cell 2) and the fixed source splits back into the same cells.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from typing import Iterable, List, Optional, Sequence, Tuple

from reglint.diagnostic import Position
from reglint.sources.ipynb import Cell, Notebook

BOUNDARY = "# ---- reglint cell boundary ----"  # (no `reglint:` in it, so never read as a directive)
MARK = "# ---- masked IPython line ----"
PYTHON_BODY_CELL_MAGICS = frozenset({"time", "timeit", "capture", "prun", "python", "python3", "debug"})
_ASSIGNED_MAGIC = re.compile(r"^\s*[A-Za-z_][\w.\[\]'\", ()*]*?\s*=\s*[!%]")
_COOKIE = re.compile(r"^[ \t\f]*#.*?coding[:=]")
# lines as Python (and reglint's positions) count them: `\r\n`, `\r` and `\n` end a line
LINES = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")


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
    lines = LINES.findall(source)
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
    lines = LINES.findall(source)
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
        for line in LINES.findall(text):
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
            lines = LINES.findall(source)
            text, masked = "".join(_marker(l, False) for l in lines), lines
        else:
            text, masked = mask(source, first_cell=position == 0)
        pieces.append(BOUNDARY + "\n")
        starts.append(line + 1)
        pieces.append(text)
        line += 1 + len(LINES.findall(text))
        masked_lines.append(masked)
        added.append(needs_newline)
    return Joined("".join(pieces), starts, list(notebook.cells), masked_lines, added, notebook.text)


def cell_text(joined: Joined, position: int, text: str) -> Optional[str]:
    """Cell `position`'s original text from its (fixed) masked `text`; None when a marker was lost."""
    restored = unmask(text, joined.masked[position])
    if restored is None:
        return None
    if joined.added_newline[position] and restored.endswith("\n"):
        restored = restored[:-1]
    return restored

