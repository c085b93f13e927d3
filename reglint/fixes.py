"""Applying fixes: non-overlapping edits, re-parsed before they are kept, written atomically.

Edits are positioned by 1-based line and column; they are applied back to front
on the text. A result must still parse, with libcst and, when the original did,
with CPython's own parser; when it does not, the fixes that break it are found by
bisection and left out, so one bad fix never costs the good ones of its round.
"""

from __future__ import annotations

import re
import warnings
from typing import Callable, Iterable, List, Optional, Sequence, Tuple

from reglint.diagnostic import Applicability, Diagnostic, Edit

# RL000 when the bytes on disk are no longer those the fixes were computed from
CHANGED_WHILE_FIXING = "cannot fix: the file changed while fixing; the newer file is kept"
LINE_BREAK = re.compile(r"\r\n|\r|\n")


def line_offsets(text: str) -> List[int]:
    """Offset of the first character of each line (index 0 is line 1)."""
    return [0] + [m.end() for m in LINE_BREAK.finditer(text)]


def _offset(offsets: List[int], line: int, column: int) -> int:
    return offsets[line - 1] + column - 1


def newline_of(text: str) -> str:
    """The file's line break: its first one, or "\\n" for a one-line file."""
    match = LINE_BREAK.search(text)
    return match.group(0) if match else "\n"


def applicable(diagnostic: Diagnostic, unsafe: bool) -> bool:
    fix = diagnostic.fix
    if fix is None or not fix.edits:
        return False
    if fix.applicability is Applicability.SAFE:
        return True
    return unsafe and fix.applicability is Applicability.UNSAFE


def apply_edits(text: str, fixes: Sequence[Sequence[Edit]]) -> Tuple[str, List[int]]:
    """Apply whole fixes that do not overlap an earlier one; return text and the indices applied.

    Line breaks in inserted text follow the file's own (a CRLF file stays CRLF)."""
    offsets = line_offsets(text)
    newline = newline_of(text)
    taken: List[Tuple[int, int]] = []
    chosen: List[Tuple[int, int, str]] = []
    applied: List[int] = []
    for index, edits in enumerate(fixes):
        spans = [(_offset(offsets, e.start.line, e.start.column), _offset(offsets, e.end.line, e.end.column),
                  _with_newline(e.content, newline)) for e in edits]
        if any(_overlaps(s, e, taken) for s, e, _ in spans) or _self_overlapping(spans):
            continue
        taken.extend((s, e) for s, e, _ in spans)
        chosen.extend(spans)
        applied.append(index)
    for start, end, content in sorted(chosen, key=lambda s: (s[0], s[1]), reverse=True):
        text = text[:start] + content + text[end:]
    return text, applied


def fix_rounds(text: str, diagnostics: List[Diagnostic], unsafe: bool, rounds: int,
               apply: Callable, relint: Callable, unreadable: Tuple[type, ...]) -> Tuple[str, List[Diagnostic], List[Diagnostic]]:
    """Rounds of fixes until none applies: -> (text, its diagnostics, the fixed ones).

    Python and configs differ only in `apply(text, edits) -> (new text, applied indices)`
    and `relint(new text) -> diagnostics`; a round whose text `relint` cannot read (it
    raises one of `unreadable`) is undone and ends the loop."""
    fixed: List[Diagnostic] = []
    for _ in range(rounds):
        candidates = [d for d in diagnostics if applicable(d, unsafe)]
        if not candidates:
            break
        new_text, applied = apply(text, [d.fix.edits for d in candidates])
        if not applied:
            break
        try:
            new_diagnostics = relint(new_text)
        except unreadable:
            break
        fixed.extend(candidates[i] for i in applied)
        text, diagnostics = new_text, new_diagnostics
    return text, diagnostics, fixed


def _with_newline(content: str, newline: str) -> str:
    if newline == "\n" or not ("\n" in content or "\r" in content):
        return content
    return LINE_BREAK.sub(newline, content)


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
    """Whether libcst parses `text`."""
    import libcst as cst  # here, not at module level: reporting imports this module

    try:
        cst.parse_module(text)
    except Exception:  # libcst raises ParserSyntaxError, and rarely others, on bad code
        return False
    return True


def python_parses(text: str) -> bool:
    """Whether the running interpreter's own parser accepts `text` (no warnings printed)."""
    import ast

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ast.parse(text)
    except Exception:  # SyntaxError, ValueError, RecursionError, MemoryError
        return False
    return True


def apply_fixes(text: str, fixes: Sequence[Sequence[Edit]]) -> Tuple[str, List[int]]:
    """Apply as many whole, non-overlapping fixes as keep the text parseable.

    The result must parse with libcst and, if the original parsed with CPython's
    parser, with that one too (libcst accepts a few things CPython does not, such as
    inconsistent tabs). When applying them all breaks the text, the breaking fixes
    are found by bisection, so a round keeps every fix that is fine on its own and
    together with the others. Returns the text and the indices of the fixes applied.
    """
    strict = python_parses(text)

    def attempt(indices: Sequence[int]) -> Optional[str]:
        candidate, _ = apply_edits(text, [fixes[i] for i in indices])
        if candidate == text or not parses(candidate):
            return None
        if strict and not python_parses(candidate):
            return None
        return candidate

    new_text, applied = apply_edits(text, fixes)
    if not applied or new_text == text:
        return text, []
    whole = attempt(applied)
    if whole is not None:
        return whole, applied
    kept = _bisect(applied, lambda indices: attempt(indices) is not None)
    if not kept:
        return text, []
    return attempt(kept) or text, kept


def _bisect(indices: List[int], works: Callable[[List[int]], bool]) -> List[int]:
    """A subset of `indices` that `works`, built greedily: halves that work together are
    kept whole, halves that do not are split until the single culprits are left out."""
    kept: List[int] = []
    if len(indices) <= 1:
        return kept

    def search(group: List[int]) -> None:
        nonlocal kept
        if not group:
            return
        if works(kept + group):
            kept = kept + group
            return
        if len(group) == 1:
            return
        middle = len(group) // 2
        search(group[:middle])
        search(group[middle:])

    middle = len(indices) // 2  # the whole set is already known not to work
    search(indices[:middle])
    search(indices[middle:])
    return sorted(kept)


def write_fixed(path: str, data: bytes, expected: Optional[bytes] = None) -> Optional[str]:
    """Atomically replace `path` with `data`, keeping its mode and owner; a reason on failure.

    The new bytes go to a temporary file in the same folder, flushed to disk, which
    then replaces the original in one `os.replace`, so a reader (or a crash, or a
    kill) sees the old file or the new one, never a mix. A symlink is written
    through to its target, not replaced by a file. A file without write permission
    in its mode bits is left alone even when the OS would allow root to write it.
    With `expected` (the bytes the fixes were computed from), a file that changed
    meanwhile is left alone too, so an edit made during the run is never lost.
    """
    import os
    import stat
    import tempfile

    target = os.path.realpath(path)
    try:
        info = os.stat(target)
    except OSError as error:
        return f"cannot fix: {error.strerror or error}"
    if not stat.S_ISREG(info.st_mode):
        return "cannot fix: not a regular file"
    if not info.st_mode & stat.S_IWUSR:
        return "cannot fix: file is read-only"
    if not os.access(target, os.W_OK):  # not root: the user may own the folder but not the file
        return "cannot fix: Permission denied"
    if expected is not None:
        try:
            with open(target, "rb") as handle:
                current = handle.read()
        except OSError as error:
            return f"cannot fix: {error.strerror or error}"
        if current != expected:
            return CHANGED_WHILE_FIXING
    folder = os.path.dirname(target)
    try:
        handle, temporary = tempfile.mkstemp(prefix=".reglint-", suffix=".tmp", dir=folder)
    except OSError as error:
        return f"cannot fix: {error.strerror or error}"
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        created = os.stat(temporary)
        if (created.st_uid, created.st_gid) != (info.st_uid, info.st_gid):
            try:  # before chmod: a change of owner clears the setuid and setgid bits
                os.chown(temporary, info.st_uid, info.st_gid)
            except OSError:  # not root: the file becomes the user's, as with any editor
                pass
        os.chmod(temporary, stat.S_IMODE(info.st_mode))
        os.replace(temporary, target)
    except OSError as error:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        return f"cannot fix: {error.strerror or error}"
    _sync_folder(folder)
    return None


def _sync_folder(folder: str) -> None:
    """Make the rename itself durable (best effort; some systems cannot open folders)."""
    import os

    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)
