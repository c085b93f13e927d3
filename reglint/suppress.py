"""`# noqa` handling: the suppression comments of a source, and which diagnostics they
silence.

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

Which directive silenced which diagnostic is recorded (`silence`) for the rules that
judge the directives themselves (RL100, `unused-noqa`, in `rules/unused_noqa.py`).
"""

from __future__ import annotations

import io
import re
import tokenize
from dataclasses import dataclass, field
from typing import Dict, FrozenSet, Iterable, List, Optional, Sequence, Set, Tuple

from reglint.fixes import LINE_BREAK  # tokenize's line breaks, with newline=None

_CODES = r"[A-Z]+[0-9]+(?:[\s,]+[A-Z]+[0-9]+)*"
NOQA = re.compile(rf"#\s*noqa(?![\w-])(?::\s*(?P<codes>{_CODES}))?", re.IGNORECASE)
REGLINT_IGNORE = re.compile(r"#\s*reglint:\s*ignore(?:\[(?P<codes>[^\]]*)\]|(?![\w\[-]))", re.IGNORECASE)
FILE_NOQA = re.compile(rf"#\s*reglint:\s*noqa(?![\w-])(?::\s*(?P<codes>{_CODES}))?", re.IGNORECASE)
_CODE = re.compile(r"[A-Za-z]+[0-9]+")

ALL: FrozenSet[str] = frozenset({"*"})

NOQA_KIND, IGNORE_KIND, FILE_KIND = "noqa", "reglint: ignore", "reglint: noqa"


@dataclass(frozen=True)
class Directive:
    """One suppression comment (a comment may hold several)."""

    kind: str  # NOQA_KIND, IGNORE_KIND or FILE_KIND
    line: int  # 1-based
    start: int  # 0-based column of the directive in its line
    end: int
    codes: Optional[Tuple[str, ...]]  # as written (upper-cased); None: bare, silences everything
    codes_span: Optional[Tuple[int, int]]  # columns of the code list in the line
    whole_file: bool
    comment_start: int  # the comment holding it: columns in the line
    comment_end: int
    alone: bool  # the comment is alone on its line

    def covers(self, code: str) -> bool:
        return self.codes is None or code in self.codes


@dataclass
class Suppressions:
    by_line: Dict[int, FrozenSet[str]] = field(default_factory=dict)
    whole_file: FrozenSet[str] = frozenset()  # ALL, or the codes silenced everywhere
    directives: List[Directive] = field(default_factory=list)

    def silences(self, code: str, line: int) -> bool:
        if self.whole_file is ALL or code in self.whole_file:
            return True
        codes = self.by_line.get(line)
        return codes is not None and (codes is ALL or code in codes)

    def silencers(self, code: str, line: int) -> List[Directive]:
        """The directives that silence `code` on `line`: those on the line, else file-level ones."""
        here = [d for d in self.directives if d.line == line and not d.whole_file and d.covers(code)]
        return here or [d for d in self.directives if d.whole_file and d.covers(code)]


def _codes(text: Optional[str]) -> FrozenSet[str]:
    """The codes listed in `text`; ALL when there is no list (`ignore[]` lists none)."""
    if text is None:
        return ALL
    return frozenset(c.upper() for c in re.split(r"[\s,]+", text.strip()) if c)


def _union(a: Optional[FrozenSet[str]], b: FrozenSet[str]) -> FrozenSet[str]:
    if a is ALL or b is ALL:
        return ALL
    return (a or frozenset()) | b


def _comment_tokens(source: str) -> Iterable[Tuple[int, int, str, bool]]:
    """(line, 0-based column, comment text, alone on its line) for every comment;
    tolerant of code tokenize rejects."""
    # newline=None: `\r` and `\r\n` end lines, as they do for the parser
    readline = io.StringIO(source, newline=None).readline
    try:
        for token in tokenize.generate_tokens(readline):
            if token.type == tokenize.COMMENT:
                yield token.start[0], token.start[1], token.string, not token.line[:token.start[1]].strip()
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return


def comments(source: str) -> Iterable[Tuple[int, str, bool]]:
    """(line, comment text, alone on its line) for every comment."""
    for line, _, comment, alone in _comment_tokens(source):
        yield line, comment, alone


def _directive(kind, match, line, column, comment, alone, whole_file=False) -> Directive:
    codes_text = match.group("codes")
    codes = None if codes_text is None else tuple(c.upper() for c in re.split(r"[\s,]+", codes_text.strip()) if c)
    span = None if codes_text is None else (column + match.start("codes"), column + match.end("codes"))
    return Directive(kind, line, column + match.start(), column + match.end(), codes, span, whole_file,
                     column, column + len(comment), alone)


def effect(comment: str, alone: bool) -> Tuple[Optional[FrozenSet[str]], FrozenSet[str]]:
    """What one comment silences: (codes on its line, or None; codes in the whole file)."""
    whole = FILE_NOQA.search(comment)
    if whole and alone:
        return None, _codes(whole.group("codes"))
    codes: Optional[FrozenSet[str]] = None
    if whole:  # after code it reads as meant for that line, so it is kept to the line
        codes = _codes(whole.group("codes"))
    noqa = NOQA.search(comment)
    if noqa:
        codes = _codes(noqa.group("codes"))
    ignore = REGLINT_IGNORE.search(comment)
    if ignore:
        codes = _union(codes, _codes(ignore.group("codes")))
    return codes, frozenset()


def _directives(comment: str, line: int, column: int, alone: bool) -> List[Directive]:
    """The directives `effect` reads in a comment (the first `# noqa` only, as it does)."""
    whole = FILE_NOQA.search(comment)
    if whole and alone:
        return [_directive(FILE_KIND, whole, line, column, comment, alone, whole_file=True)]
    found = []
    noqa = NOQA.search(comment)
    if whole and not noqa:  # a `# noqa` in the same comment takes its place
        found.append(_directive(FILE_KIND, whole, line, column, comment, alone))
    if noqa:
        found.append(_directive(NOQA_KIND, noqa, line, column, comment, alone))
    ignore = REGLINT_IGNORE.search(comment)
    if ignore:
        found.append(_directive(IGNORE_KIND, ignore, line, column, comment, alone))
    return found


def scan(source: str, comments: Optional[Iterable[Tuple[int, int, str, bool]]] = None) -> Suppressions:
    """The directives in `source`'s comments: Python's, or `comments` as another
    format's reader found them ((line, 0-based column, text, alone on its line))."""
    found = Suppressions()
    lowered = source.lower()
    if "noqa" not in lowered and "reglint:" not in lowered:
        return found
    for line, column, comment, alone in (_comment_tokens(source) if comments is None else comments):
        codes, whole_file = effect(comment, alone)
        if whole_file:
            found.whole_file = _union(found.whole_file, whole_file)
        if codes is not None:
            found.by_line[line] = _union(found.by_line.get(line), codes)
        found.directives.extend(_directives(comment, line, column, alone))
    return found


def filter_diagnostics(diagnostics: List, source: str, comments=None) -> List:
    if not diagnostics or (comments is None and not _may_silence(diagnostics, source)):
        return diagnostics
    suppressions = scan(source, comments)
    return [d for d in diagnostics if not suppressions.silences(d.code, d.start.line)]


def _may_silence(diagnostics: List, source: str) -> bool:
    """Whether a directive may silence one of `diagnostics`: a `reglint:` comment anywhere
    (file-wide ones), or `noqa` on a diagnostic's own line. Otherwise the whole file need
    not be tokenized (0.4 s for 2 MB) to learn that nothing is silenced."""
    if "reglint:" in source.lower():
        return True
    lines = LINE_BREAK.split(source)
    return any(not 0 < d.start.line <= len(lines) or "noqa" in lines[d.start.line - 1].lower() for d in diagnostics)


def silence(diagnostics: List, suppressions: Suppressions) -> Tuple[List, Set[Tuple[Directive, str]]]:
    """(the diagnostics no directive silences, the (directive, code) pairs that silenced
    one): a line directive on the diagnostic's line first, a file-level one only when
    no line directive did."""
    kept = []
    used: Set[Tuple[Directive, str]] = set()
    for diagnostic in diagnostics:
        silencers = suppressions.silencers(diagnostic.code, diagnostic.start.line)
        if not silencers:
            kept.append(diagnostic)
        used.update((directive, diagnostic.code) for directive in silencers)
    return kept, used


def apply(diagnostics: List, source: str, path: str, rules: Sequence = (), comments=None) -> List:
    """The diagnostics the source does not silence, plus what the rules about directives
    among `rules` report (`Rule.check_directives`, given what each directive silenced).
    `comments`: a config format's comments (see `scan`), None for Python source."""
    judges = [rule.check_directives for rule in rules if rule.check_directives is not None]
    if not judges:
        return filter_diagnostics(diagnostics, source, comments)
    suppressions = scan(source, comments)
    if not suppressions.directives:
        return diagnostics
    kept, used = silence(diagnostics, suppressions)
    enabled = frozenset(rule.code for rule in rules)
    return kept + [found for judge in judges for found in judge(path, source, suppressions, used, enabled)]
