"""`# noqa` handling: which diagnostics the source itself asks to silence.

Users coming from ruff and flake8 already write these comments, so the same forms work:

- `# noqa` silences everything on its line; `# noqa: RL001, RL002` only those codes
  (codes of other tools, e.g. `# noqa: E501`, silence nothing here);
- `# reglint: ignore[RL001]` on the line (bare `# reglint: ignore`: everything);
- `# reglint: noqa` on a line of its own silences the whole file; `# reglint: noqa:
  RL001` only that code in the whole file. After code on a line it is read as meant
  for that line and silences that line only (ruff too only takes a file-level
  comment on its own line).

Codes are case-insensitive. Comments are found with `tokenize`, so `noqa` inside a
string literal never counts; code that `tokenize` rejects keeps the comments found
before the point where it gave up. Unreadable-file diagnostics (RL000) are not rule
diagnostics and are never filtered here.
"""

from __future__ import annotations

import io
import re
import tokenize
from dataclasses import dataclass, field
from typing import Dict, FrozenSet, Iterable, List, Optional, Tuple

_CODES = r"[A-Z]+[0-9]+(?:[\s,]+[A-Z]+[0-9]+)*"
NOQA = re.compile(rf"#\s*noqa(?![\w-])(?::\s*(?P<codes>{_CODES}))?", re.IGNORECASE)
REGLINT_IGNORE = re.compile(r"#\s*reglint:\s*ignore(?:\[(?P<codes>[^\]]*)\]|(?![\w\[-]))", re.IGNORECASE)
FILE_NOQA = re.compile(rf"#\s*reglint:\s*noqa(?![\w-])(?::\s*(?P<codes>{_CODES}))?", re.IGNORECASE)

ALL: FrozenSet[str] = frozenset({"*"})


@dataclass
class Suppressions:
    by_line: Dict[int, FrozenSet[str]] = field(default_factory=dict)
    whole_file: FrozenSet[str] = frozenset()  # ALL, or the codes silenced everywhere

    def silences(self, code: str, line: int) -> bool:
        if self.whole_file is ALL or code in self.whole_file:
            return True
        codes = self.by_line.get(line)
        return codes is not None and (codes is ALL or code in codes)


def _codes(text: Optional[str]) -> FrozenSet[str]:
    """The codes listed in `text`; ALL when there is no list (`ignore[]` lists none)."""
    if text is None:
        return ALL
    return frozenset(c.upper() for c in re.split(r"[\s,]+", text.strip()) if c)


def _union(a: Optional[FrozenSet[str]], b: FrozenSet[str]) -> FrozenSet[str]:
    if a is ALL or b is ALL:
        return ALL
    return (a or frozenset()) | b


def comments(source: str) -> Iterable[Tuple[int, str, bool]]:
    """(line, comment text, alone on its line) for every comment; tolerant of code
    tokenize rejects."""
    # newline=None: `\r` and `\r\n` end lines, as they do for the parser
    readline = io.StringIO(source, newline=None).readline
    try:
        for token in tokenize.generate_tokens(readline):
            if token.type == tokenize.COMMENT:
                yield token.start[0], token.string, not token.line[:token.start[1]].strip()
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return


def scan(source: str) -> Suppressions:
    found = Suppressions()
    lowered = source.lower()
    if "noqa" not in lowered and "reglint:" not in lowered:
        return found
    for line, comment, alone in comments(source):
        codes: Optional[FrozenSet[str]] = None
        whole = FILE_NOQA.search(comment)
        if whole and alone:
            found.whole_file = _union(found.whole_file, _codes(whole.group("codes")))
            continue
        if whole:  # after code it reads as meant for that line, so it is kept to the line
            codes = _codes(whole.group("codes"))
        noqa = NOQA.search(comment)
        if noqa:
            codes = _codes(noqa.group("codes"))
        ignore = REGLINT_IGNORE.search(comment)
        if ignore:
            codes = _union(codes, _codes(ignore.group("codes")))
        if codes is not None:
            found.by_line[line] = _union(found.by_line.get(line), codes)
    return found


def filter_diagnostics(diagnostics: List, source: str) -> List:
    if not diagnostics:
        return diagnostics
    suppressions = scan(source)
    return [d for d in diagnostics if not suppressions.silences(d.code, d.start.line)]
