"""Applying fixes: non-overlapping edits, re-parsed before they are kept.

Edits are positioned by 1-based line and column; they are applied back to front
on the text, and a round whose result does not parse is discarded.
"""

from __future__ import annotations

import re
from typing import Iterable, List, Optional, Sequence, Tuple

import libcst as cst

from reglint.diagnostic import Applicability, Diagnostic, Edit

LINE_BREAK = re.compile(r"\r\n|\r|\n")


def line_offsets(text: str) -> List[int]:
    """Offset of the first character of each line (index 0 is line 1)."""
    return [0] + [m.end() for m in LINE_BREAK.finditer(text)]


def _offset(offsets: List[int], line: int, column: int) -> int:
    return offsets[line - 1] + column - 1


def applicable(diagnostic: Diagnostic, unsafe: bool) -> bool:
    fix = diagnostic.fix
    if fix is None or not fix.edits:
        return False
    if fix.applicability is Applicability.SAFE:
        return True
    return unsafe and fix.applicability is Applicability.UNSAFE


def apply_edits(text: str, fixes: Sequence[Sequence[Edit]]) -> Tuple[str, List[int]]:
    """Apply whole fixes that do not overlap an earlier one; return text and the indices applied."""
    offsets = line_offsets(text)
    taken: List[Tuple[int, int]] = []
    chosen: List[Tuple[int, int, str]] = []
    applied: List[int] = []
    for index, edits in enumerate(fixes):
        spans = [(_offset(offsets, e.start.line, e.start.column), _offset(offsets, e.end.line, e.end.column), e.content) for e in edits]
        if any(_overlaps(s, e, taken) for s, e, _ in spans) or _self_overlapping(spans):
            continue
        taken.extend((s, e) for s, e, _ in spans)
        chosen.extend(spans)
        applied.append(index)
    for start, end, content in sorted(chosen, key=lambda s: (s[0], s[1]), reverse=True):
        text = text[:start] + content + text[end:]
    return text, applied


def _overlaps(start: int, end: int, taken: Iterable[Tuple[int, int]]) -> bool:
    for s, e in taken:
        if start < e and s < end:
            return True
        if start == end == s == e:  # two insertions at one point: order would be ambiguous
            return True
    return False


def _self_overlapping(spans) -> bool:
    ordered = sorted((s, e) for s, e, _ in spans)
    return any(b[0] < a[1] for a, b in zip(ordered, ordered[1:]))


def parses(text: str) -> bool:
    try:
        cst.parse_module(text)
    except Exception:  # libcst raises ParserSyntaxError, and rarely others, on bad code
        return False
    return True


def write_fixed(path: str, data: bytes) -> Optional[str]:
    """Atomically replace `path` with `data`, keeping its mode; a reason on failure.

    The new bytes go to a temporary file in the same folder, which then replaces
    the original in one `os.replace`, so a reader sees the old file or the new
    one, never a mix. A file without write permission in its mode bits is left
    alone even when the OS would allow root to write it.
    """
    import os
    import stat
    import tempfile

    try:
        info = os.stat(path)
    except OSError as error:
        return f"cannot fix: {error.strerror or error}"
    if not info.st_mode & stat.S_IWUSR:
        return "cannot fix: file is read-only"
    folder = os.path.dirname(os.path.abspath(path))
    try:
        handle, temporary = tempfile.mkstemp(prefix=".reglint-", suffix=".tmp", dir=folder)
    except OSError as error:
        return f"cannot fix: {error.strerror or error}"
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, stat.S_IMODE(info.st_mode))
        os.replace(temporary, path)
    except OSError as error:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        return f"cannot fix: {error.strerror or error}"
    return None
