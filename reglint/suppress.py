"""`# noqa` handling: which diagnostics the source itself asks to silence.

Recognised, as in ruff: `# noqa` (everything on the line), `# noqa: RL001, RL002`,
`# reglint: ignore[RL001]` on the line, and a file-level `# reglint: noqa`.
Comments are found with `tokenize`, so text inside strings never counts.
"""

from __future__ import annotations

import io
import re
import tokenize
from dataclasses import dataclass, field
from typing import Dict, FrozenSet, Iterable, List, Optional

NOQA = re.compile(r"#\s*noqa(?::\s*(?P<codes>[A-Z]+[0-9]+(?:[\s,]+[A-Z]+[0-9]+)*))?", re.IGNORECASE)
REGLINT_IGNORE = re.compile(r"#\s*reglint:\s*ignore\[(?P<codes>[^\]]*)\]", re.IGNORECASE)
FILE_NOQA = re.compile(r"#\s*reglint:\s*noqa\b", re.IGNORECASE)

ALL = frozenset({"*"})


@dataclass
class Suppressions:
    by_line: Dict[int, FrozenSet[str]] = field(default_factory=dict)
    whole_file: bool = False

    def silences(self, code: str, line: int) -> bool:
        if self.whole_file:
            return True
        codes = self.by_line.get(line)
        return codes is not None and (codes is ALL or code in codes)


def _codes(text: str) -> FrozenSet[str]:
    return frozenset(c.upper() for c in re.split(r"[\s,]+", text.strip()) if c)


def _comments(source: str) -> Iterable[tuple]:
    """(line, comment text) for every comment; tolerant of code tokenize rejects."""
    try:
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            if token.type == tokenize.COMMENT:
                yield token.start[0], token.string
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return


def scan(source: str) -> Suppressions:
    found = Suppressions()
    if "noqa" not in source and "reglint:" not in source:
        return found
    for line, comment in _comments(source):
        if FILE_NOQA.search(comment):
            found.whole_file = True
            continue
        codes: Optional[FrozenSet[str]] = None
        match = NOQA.search(comment)
        if match:
            codes = _codes(match.group("codes")) if match.group("codes") else ALL
        ignore = REGLINT_IGNORE.search(comment)
        if ignore:
            extra = _codes(ignore.group("codes"))
            codes = ALL if codes is ALL else (codes or frozenset()) | extra
        if codes is not None:
            previous = found.by_line.get(line)
            if previous is ALL or codes is ALL:
                found.by_line[line] = ALL
            else:
                found.by_line[line] = (previous or frozenset()) | codes
    return found


def filter_diagnostics(diagnostics: List, source: str) -> List:
    if not diagnostics:
        return diagnostics
    suppressions = scan(source)
    return [d for d in diagnostics if not suppressions.silences(d.code, d.start.line)]
