"""Jupyter notebooks as a source kind: the code cells are checked as one Python source
(see `reglint.sources.ipython`) and the results mapped back to cells.

Positions. Diagnostics are reported per cell: `line` is the line in the cell,
`column` as for `.py` files, and the cell's 1-based position among all of the
notebook's cells (markdown cells count, as in ruff and in editors' cell numbers) is
in `Diagnostic.extra` under `cell`; fix edits are mapped the same way. A cell that
does not parse is RL000 at its position, and the other cells are still checked.

Writing (`--fix`, `--add-noqa`) changes only the cells' `source` values (see
`reglint.sources.ipynb`). A notebook that is not JSON, or not an nbformat 4
notebook, is RL000 with a one-line reason; a notebook whose kernel is not Python (R,
Julia) is skipped.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Dict, List, Optional, Sequence, Tuple

from reglint.diagnostic import Diagnostic, Edit, parse_error
from reglint.engine import Plan
from reglint.pipeline import FileResult, check_python
from reglint.notebook_lines import file_region
from reglint.report import cell_of
from reglint.sources.ipynb import NotebookError, load, write
from reglint.sources.ipython import BOUNDARY, LINES, Joined, cell_text, join, mask, unmask


@dataclass
class NotebookResult(FileResult):
    # cell number (1-based) -> the cell's text as checked (after fixes), for showing source lines
    cell_sources: Dict[int, str] = field(default_factory=dict)


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


def check(path: str, data: bytes, plan: Plan, fix: bool = False, unsafe: bool = False) -> FileResult:
    """The notebook's diagnostics in cell positions, and with `fix` its new bytes.

    Every notebook is read as JSON and its cells by CPython's parser, whatever its
    words: a truncated notebook or a cell that does not parse is RL000 (the words
    test only spares libcst the cells no rule can flag)."""
    result = NotebookResult(path)
    rules = plan.rules_for(path)
    if not rules:
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
        checked = check_python(path, source, plan, fix, unsafe, strict=True)
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
    result.depends = checked.depends  # project modules the cells import: for the cache
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
            checked = check_python(path, source, plan, False, unsafe)
    result.diagnostics = sorted(broken + [_map(d, joined) for d in checked.diagnostics], key=_order)
    if result.diagnostics or result.fixed is not None:
        result.cell_sources = {index + 1: text for index, text in texts.items()}
    return result


def _starts(text: str) -> List[int]:
    return [number + 1 for number, line in enumerate(LINES.findall(text), 1) if line.rstrip("\r\n") == BOUNDARY]


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
    lines = LINES.findall(text[:index])
    if not lines:
        return 1, 1
    if lines[-1].endswith(("\n", "\r")):
        return len(lines) + 1, 1
    return len(lines), len(lines[-1]) + 1


def _order(diagnostic: Diagnostic):
    return (cell_of(diagnostic) or 0, diagnostic.start.line, diagnostic.start.column, diagnostic.code, diagnostic.message)


def _in_cell(diagnostic: Diagnostic, cell, text: str) -> Diagnostic:
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
        restored = cell_text(joined, position, text)
        if restored is None:
            return None
        if restored != cell.source:
            new[cell.index] = restored
    return new


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
    from difflib import unified_diff

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
        out.extend(unified_diff(_diff_lines(cell.source), _diff_lines(changed), name, name))
    return out


def _diff_lines(text: str) -> List[str]:
    lines = LINES.findall(text)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    return lines
