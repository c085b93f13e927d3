"""`--output-format full` (the default): each diagnostic with its source, as ruff shows it.

    train.py:3:53: RL002 [*] message
      |
    3 | opt = torch.optim.Adam(model.parameters(), lr=1e-3, weight_decay=1e-4)
      |                                                     ^^^^^^^^^^^^^^^^^
      |
      = note: why it matters (when the rule gives a reason)
      = help: what the fix does

The header is the `concise` line, so editors' problem matchers work on both.
The layout is built once as (text, style) segments and then rendered either as
plain text or, when `context.color` is set, through rich; rich is imported only
then, so piped and CI output never pays for it and never contains escape codes.

Source lines are shown as a terminal would lay them out: tabs expand to the next
multiple of 4 columns, East Asian wide characters take two cells, combining marks
none, and control characters (which could carry terminal escape sequences) are
shown as their visible Unicode "control picture". Very long lines (minified code)
are cut to a window around the range, and ranges over many lines are elided in
the middle, so one diagnostic never prints a whole file.
"""

from __future__ import annotations

import unicodedata
from typing import List, Optional, Tuple

from reglint.diagnostic import Applicability
from reglint.fixes import LINE_BREAK, applicable
from reglint.report import cell_of

TAB_WIDTH = 4
MAX_LINE_CHARS = 200  # longer source lines are windowed around the range
WINDOW_CONTEXT = 60  # characters kept either side of the range in a windowed line
EDGE_LINES = 2  # a range over more than 2 * EDGE_LINES + 1 lines shows this many at each end
ELLIPSIS = "…"

Segment = Tuple[str, str]  # (text, rich style; "" for none)
Line = List[Segment]


# -- measuring and cleaning text ---------------------------------------------------

def _visible(char: str) -> str:
    """The character itself, or a visible stand-in for a control character."""
    code = ord(char)
    if code < 0x20:
        return chr(0x2400 + code)  # ␀ .. ␟
    if code == 0x7F:
        return "\u2421"  # ␡
    if 0x80 <= code < 0xA0:
        return "\ufffd"
    return char


def clean(text: str) -> str:
    """`text` with control characters (tabs included) made visible; for one-line fields."""
    return "".join(_visible(c) for c in text)


def _width(char: str) -> int:
    if unicodedata.category(char) in ("Mn", "Me", "Cf"):
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def layout(chars: str, start: int, end: int) -> Tuple[str, int, int]:
    """Display text of a source line, and the display cells [start, end) of chars [start, end)."""
    shown: List[str] = []
    cell = 0
    cells = []  # display cell at which each character starts
    for char in chars:
        cells.append(cell)
        if char == "\t":
            pad = TAB_WIDTH - cell % TAB_WIDTH
            shown.append(" " * pad)
            cell += pad
        else:
            shown.append(_visible(char))
            cell += _width(char)
    cells.append(cell)
    return "".join(shown), cells[start], cells[end]


def window(chars: str, start: int, end: int) -> Tuple[str, int, int]:
    """Cut an over-long line to the range plus some context, marking the cuts with `…`."""
    if len(chars) <= MAX_LINE_CHARS:
        return chars, start, end
    left = max(0, start - WINDOW_CONTEXT)
    right = min(len(chars), max(end, start + 1) + WINDOW_CONTEXT, left + MAX_LINE_CHARS)
    end = min(end, right)
    prefix = ELLIPSIS if left > 0 else ""
    suffix = ELLIPSIS if right < len(chars) else ""
    shift = len(prefix) - left
    return prefix + chars[left:right] + suffix, start + shift, end + shift


# -- building one diagnostic --------------------------------------------------------

def _header(diagnostic, unsafe_fixes: bool) -> Line:
    start = diagnostic.start
    cell = cell_of(diagnostic)
    where = f":cell {cell}" if cell is not None else ""
    line: Line = [(clean(diagnostic.path), "bold"), (f"{where}:{start.line}:{start.column}: ", ""), (diagnostic.code, "bold red"), (" ", "")]
    if applicable(diagnostic, unsafe_fixes):
        line.append(("[*]", "cyan"))
        line.append((" ", ""))
    line.append((clean(diagnostic.message), ""))
    return line


def _spans(diagnostic, lines: List[str]) -> Optional[List[Tuple[int, int, int]]]:
    """(line number, start index, end index) of the range on each line it touches, 0-based indices."""
    start, end = diagnostic.start, diagnostic.end
    if not 1 <= start.line <= len(lines):
        return None
    last = min(max(end.line, start.line), len(lines))
    if last > start.line and end.column <= 1:  # the range stops at the very start of `last`
        last -= 1
    spans = []
    for number in range(start.line, last + 1):
        text = lines[number - 1]
        first = min(start.column - 1, len(text)) if number == start.line else len(text) - len(text.lstrip())
        stop = min(end.column - 1, len(text)) if number == end.line else len(text)
        spans.append((number, first, max(first, stop)))
    return spans


def _snippet(diagnostic, lines: List[str]) -> Tuple[List[Line], int]:
    """The gutter-framed source lines with carets, and the gutter's number width."""
    spans = _spans(diagnostic, lines)
    if spans is None:
        return [], 1
    if len(spans) > 2 * EDGE_LINES + 1:
        spans = spans[:EDGE_LINES] + [None] + spans[-EDGE_LINES:]
    width = len(str(max(s[0] for s in spans if s)))
    blank = " " * (width + 1) + "|"
    out: List[Line] = [[(blank, "bold blue")]]
    single = len(spans) == 1
    for span in spans:
        if span is None:
            out.append([("...", "bold blue")])
            continue
        number, first, stop = span
        text, cell_start, cell_end = layout(*window(lines[number - 1], first, stop))
        out.append([(f"{number:>{width}} |", "bold blue"), ((" " + text) if text else "", "")])
        carets = cell_end - cell_start
        if carets or single:
            out.append([(blank, "bold blue"), (" " + " " * cell_start, ""), ("^" * max(carets, 1), "bold red")])
    out.append([(blank, "bold blue")])
    return out, width


def _note(diagnostic, width: int) -> Optional[Line]:
    if not diagnostic.note:
        return None
    return [(" " * (width + 1) + "= ", "bold blue"), ("note", "bold"), (": " + clean(diagnostic.note), "")]


def _help(diagnostic, unsafe_fixes: bool, width: int) -> Optional[Line]:
    fix = diagnostic.fix
    if fix is None:
        return None
    text = clean(fix.message)
    if fix.edits and fix.applicability is Applicability.UNSAFE and not unsafe_fixes:
        text += " (unsafe fix, apply with --unsafe-fixes)"
    return [(" " * (width + 1) + "= ", "bold blue"), ("help", "bold cyan"), (": " + text, "")]


def block(diagnostic, lines: List[str], context) -> List[Line]:
    """The lines shown for one diagnostic (`lines`: its file's source lines, or none), then a blank line."""
    out = [_header(diagnostic, context.unsafe_fixes)]
    snippet, width = _snippet(diagnostic, lines) if lines else ([], 1)
    out.extend(snippet)
    for extra in (_note(diagnostic, width), _help(diagnostic, context.unsafe_fixes, width)):
        if extra:
            out.append(extra)
    out.append([])
    return out


# -- rendering ----------------------------------------------------------------------

def _source_lines(result, context) -> List[str]:
    if result.source is None or not context.show_source or not result.diagnostics:
        return []
    return LINE_BREAK.split(result.source)  # split once per file, not per diagnostic


def _blocks(results, context):
    for result in results:
        source = _source_lines(result, context)
        cells = getattr(result, "cell_sources", None) or {}  # a notebook: its cells' texts
        split = {}
        for diagnostic in result.diagnostics:
            cell = cell_of(diagnostic)
            if cell is None:
                yield block(diagnostic, source, context)
                continue
            if cell not in split:  # positions are within the cell: show the cell's lines
                text = cells.get(cell) if context.show_source else None
                split[cell] = LINE_BREAK.split(text) if text is not None else []
            yield block(diagnostic, split[cell], context)


def write(results, out, context) -> None:
    """Write block by block, so long runs stream instead of building all output first."""
    if not context.color:
        for lines in _blocks(results, context):
            out.write("".join("".join(text for text, _ in line) + "\n" for line in lines))
        return
    from rich.console import Console
    from rich.text import Text

    console = Console(
        file=out, force_terminal=True, no_color=False, color_system="standard",
        highlight=False, markup=False, emoji=False, soft_wrap=True,
    )
    for lines in _blocks(results, context):
        segments = [(text, style or None) for line in lines for text, style in line + [("\n", "")]]
        console.print(Text.assemble(*segments), end="")
