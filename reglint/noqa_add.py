"""`reglint check --add-noqa`: silence every remaining diagnostic where it is, so a
team can adopt reglint on a large code base in one commit and fix the hazards later.

Each line with a diagnostic gets `# noqa: CODES` listing its codes (sorted). An
existing directive with a code list on that line is extended instead (`# noqa: E501`
becomes `# noqa: E501, RL002`; `# reglint: ignore[RL001]` becomes
`# reglint: ignore[RL001, RL002]`), and a code already there is never repeated, so a
second run changes nothing. A comment that is not a directive stays first, with the
directive after it (`# type: ignore` must open its comment for mypy to see it).

A directive silences the line a diagnostic starts on (see `reglint.suppress`). When
that line cannot take a comment — it ends inside a multi-line string, or continues
with a backslash — the diagnostic is left as it is and returned, so the command can
say so; so are RL000 (an unreadable file is not a rule's diagnostic), and those of a
JSON config, which has no comments. Notebooks are edited cell by cell through
`reglint.notebook`; YAML configs take `# noqa` comments as Python does.
"""

from __future__ import annotations

import io
import re
import tokenize
from typing import Dict, List, Optional, Sequence, Set, Tuple

from reglint.diagnostic import PARSE_ERROR_CODE

_LINES = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")


def _unfit_lines(source: str) -> Set[int]:
    """Lines whose end is inside a multi-line string (or f-string), or that continue with `\\`."""
    unfit: Set[int] = set()
    fstring_start = getattr(tokenize, "FSTRING_START", None)
    fstring_end = getattr(tokenize, "FSTRING_END", None)
    open_fstrings: List[int] = []
    commented: Set[int] = set()
    readline = io.StringIO(source, newline=None).readline
    try:
        for token in tokenize.generate_tokens(readline):
            if token.type == tokenize.COMMENT:
                commented.add(token.start[0])
            elif fstring_start is not None and token.type == fstring_start:
                open_fstrings.append(token.start[0])
            elif fstring_end is not None and token.type == fstring_end and open_fstrings:
                unfit.update(range(open_fstrings.pop(), token.end[0]))
            elif token.start[0] < token.end[0] and token.type not in (tokenize.NEWLINE, tokenize.NL):
                unfit.update(range(token.start[0], token.end[0]))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        pass
    for number, line in enumerate(_LINES.findall(source), 1):
        if line.rstrip("\r\n").endswith("\\") and number not in commented:
            unfit.add(number)  # a backslash continuation: a comment there ends the statement
    return unfit


def add_noqa(source: str, diagnostics: Sequence) -> Tuple[str, int, List]:
    """(new source, number of lines given or extended a directive, diagnostics left as they were)."""
    from reglint import suppress

    wanted: Dict[int, Set[str]] = {}
    left: List = []
    lines = _LINES.findall(source)
    unfit = _unfit_lines(source)
    for diagnostic in diagnostics:
        line = diagnostic.start.line
        code = diagnostic.code
        if code == PARSE_ERROR_CODE or line in unfit or not 1 <= line <= len(lines):
            left.append(diagnostic)
            continue
        wanted.setdefault(line, set()).add(code)
    if not wanted:
        return source, 0, left
    directives: Dict[int, List] = {}
    for directive in suppress.scan(source).directives:
        directives.setdefault(directive.line, []).append(directive)
    changed = 0
    for line, codes in wanted.items():
        new = _with_codes(lines[line - 1], codes, directives.get(line, []))
        if new != lines[line - 1]:
            lines[line - 1] = new
            changed += 1
    return "".join(lines), changed, left


def _with_codes(line: str, codes: Set[str], directives: List) -> str:
    """`line` with a directive naming `codes`, merged into one already there when possible."""
    from reglint.suppress import IGNORE_KIND, NOQA_KIND

    for kind in (NOQA_KIND, IGNORE_KIND):
        for directive in directives:
            if directive.kind != kind or directive.whole_file:
                continue
            if directive.codes is None:
                return line  # a bare directive already silences everything
            missing = sorted(codes - set(directive.codes))
            if not missing:
                return line
            end = directive.codes_span[1]
            return line[:end] + "".join(f", {code}" for code in missing) + line[end:]
    body = line.rstrip("\r\n")
    ending = line[len(body):]
    return f"{body.rstrip()}  # noqa: {', '.join(sorted(codes))}{ending}"


def add_to_bytes(path: str, data: bytes, diagnostics: Sequence) -> Tuple[Optional[bytes], int, List]:
    """The file's new bytes (None when unchanged), lines changed, diagnostics left."""
    if path.endswith(".ipynb"):
        from reglint import notebook

        return notebook.add_noqa(data, diagnostics)
    if path.endswith(".json"):  # a JSON config has no comments: `per-file-ignores` silences it
        return None, 0, list(diagnostics)
    from reglint.engine import DecodeError, decode, encode

    try:
        text, encoding = decode(data)
    except DecodeError:
        return None, 0, list(diagnostics)
    new, changed, left = add_noqa(text, diagnostics)
    if not changed:
        return None, 0, left
    return encode(new, encoding), changed, left
