"""`# noqa` handling: which diagnostics the source itself asks to silence, and which
of those requests silence nothing (rule RL100, `unused-noqa`).

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

Unused directives (RL100, opt-in as ruff's RUF100). `apply` filters a file's
diagnostics and, when RL100 is among the rules that ran, remembers which directive
silenced which diagnostic: a line directive on the diagnostic's line first, a
file-level one only when no line directive did. A directive is then reported when
it names an `RL` code that silenced nothing, counting only codes whose rule ran on
this file (a code switched off by `--select`/`ignore`/`per-file-ignores` cannot be
judged, so it is left alone) and codes reglint does not know (`RL999`, a typo). A
bare `# noqa` is shared with other tools and never judged; a bare `# reglint:
ignore` or `# reglint: noqa` is ours and is reported when it silenced nothing.
Codes of other tools are never touched. The fix (safe: the directive silenced
nothing, so removing it changes no result) drops the unused codes, the whole
directive when none is left, the whole comment when nothing else is in it, and the
whole line when the comment stood alone.
"""

from __future__ import annotations

import io
import re
import tokenize
from dataclasses import dataclass, field
from typing import Dict, FrozenSet, Iterable, List, Optional, Sequence, Set, Tuple

_CODES = r"[A-Z]+[0-9]+(?:[\s,]+[A-Z]+[0-9]+)*"
NOQA = re.compile(rf"#\s*noqa(?![\w-])(?::\s*(?P<codes>{_CODES}))?", re.IGNORECASE)
REGLINT_IGNORE = re.compile(r"#\s*reglint:\s*ignore(?:\[(?P<codes>[^\]]*)\]|(?![\w\[-]))", re.IGNORECASE)
FILE_NOQA = re.compile(rf"#\s*reglint:\s*noqa(?![\w-])(?::\s*(?P<codes>{_CODES}))?", re.IGNORECASE)
_CODE = re.compile(r"[A-Za-z]+[0-9]+")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")

ALL: FrozenSet[str] = frozenset({"*"})
UNUSED_NOQA = "RL100"
UNUSED_NOQA_NAME = "unused-noqa"
OURS = "RL"  # codes with this prefix are reglint's; only those are ever judged unused

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


def _effect(comment: str, alone: bool) -> Tuple[Optional[FrozenSet[str]], FrozenSet[str]]:
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
    """The directives `_effect` reads in a comment (the first `# noqa` only, as it does)."""
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
        codes, whole_file = _effect(comment, alone)
        if whole_file:
            found.whole_file = _union(found.whole_file, whole_file)
        if codes is not None:
            found.by_line[line] = _union(found.by_line.get(line), codes)
        found.directives.extend(_directives(comment, line, column, alone))
    return found


def filter_diagnostics(diagnostics: List, source: str, comments=None) -> List:
    if not diagnostics:
        return diagnostics
    suppressions = scan(source, comments)
    return [d for d in diagnostics if not suppressions.silences(d.code, d.start.line)]


def apply(diagnostics: List, source: str, path: str, rules: Sequence = (), comments=None) -> List:
    """The diagnostics the source does not silence, plus RL100's when RL100 is among `rules`.
    `comments`: a config format's comments (see `scan`), None for Python source."""
    enabled = {rule.code for rule in rules}
    if UNUSED_NOQA not in enabled:
        return filter_diagnostics(diagnostics, source, comments)
    suppressions = scan(source, comments)
    if not suppressions.directives:
        return diagnostics
    kept = []
    used: Set[Tuple[Directive, str]] = set()
    for diagnostic in diagnostics:
        silencers = suppressions.silencers(diagnostic.code, diagnostic.start.line)
        if not silencers:
            kept.append(diagnostic)
        used.update((directive, diagnostic.code) for directive in silencers)
    used_directives = {directive for directive, _ in used}
    unused = [
        diagnostic
        for directive, diagnostic in unused_directives(path, source, suppressions, used, used_directives, enabled)
        if not any(other != directive or UNUSED_NOQA in (other.codes or ())
                   for other in suppressions.silencers(UNUSED_NOQA, diagnostic.start.line))
    ]
    return kept + unused


# -- RL100 ------------------------------------------------------------------------------

def _known_codes() -> FrozenSet[str]:
    from reglint.diagnostic import PARSE_ERROR_CODE
    from reglint.rule import all_rules

    return frozenset(all_rules()) | {PARSE_ERROR_CODE}


def unused_directives(path, source, suppressions, used, used_directives, enabled) -> Iterable:
    """(directive, RL100 diagnostic) for each directive that names something it did not silence.

    An RL100 report is itself silenced by any other directive covering RL100 on its
    line or file-wide (a bare `# noqa` too), and by its own directive only when that
    names RL100 (`# noqa: RL002, RL100`): a bare one would otherwise hide itself."""
    known = _known_codes()
    lines = _LINE_BREAK.split(source)
    for directive in suppressions.directives:
        if directive.codes is None:
            # a bare `# noqa` may be meant for another tool; a bare reglint comment is ours
            if directive.kind != NOQA_KIND and directive not in used_directives:
                yield directive, _diagnostic(path, lines, directive, (), (), bare=True)
            continue
        unused, unknown = [], []
        for code in directive.codes:
            if not code.startswith(OURS) or code == UNUSED_NOQA:
                continue
            if code not in known:
                unknown.append(code)
            elif code in enabled and (directive, code) not in used:
                unused.append(code)
        if unused or unknown:
            yield directive, _diagnostic(path, lines, directive, tuple(unused), tuple(unknown))


def _diagnostic(path, lines, directive: Directive, unused, unknown, bare=False):
    from reglint.diagnostic import Applicability, Diagnostic, Fix, Position

    name = "`noqa`" if directive.kind == NOQA_KIND else f"`{directive.kind}`"
    if bare:
        message = f"Unused {name} directive (it silences nothing)"
    else:
        notes = []
        if unused:
            notes.append("unused: " + ", ".join(f"`{c}`" for c in unused))
        if unknown:
            notes.append("unknown: " + ", ".join(f"`{c}`" for c in unknown))
        message = f"Unused {name} directive ({'; '.join(notes)})"
    drop = set(unused) | set(unknown)
    remaining = None if bare else [c for c in directive.codes if c not in drop]
    edit, what = _removal(lines, directive, remaining)
    start = Position(directive.line, directive.start + 1)
    end = Position(directive.line, directive.end + 1)
    if _widens(lines[directive.line - 1], directive, edit):
        # e.g. `# noqa: RL999  # noqa`: without the first, the bare second would silence the line
        fix = Fix(Applicability.DISPLAY_ONLY, what + " (by hand: the comment would then silence more)")
    else:
        fix = Fix(Applicability.SAFE, what, (edit,))
    return Diagnostic(UNUSED_NOQA, UNUSED_NOQA_NAME, message, path, start, end, fix)


def _silences_more(new: Optional[FrozenSet[str]], old: Optional[FrozenSet[str]]) -> bool:
    if new is None or old is ALL:
        return False
    return old is None or new is ALL or not new <= old


def _widens(text: str, directive: Directive, edit) -> bool:
    """Whether the edited comment would silence something the old one did not."""
    if edit.start.line != edit.end.line or edit.start.column - 1 < directive.comment_start:
        return False  # the whole comment goes
    new_text = text[:edit.start.column - 1] + edit.content + text[edit.end.column - 1:]
    old_line, old_file = _effect(text[directive.comment_start:], directive.alone)
    new_line, new_file = _effect(new_text[directive.comment_start:], directive.alone)
    return _silences_more(new_line, old_line) or _silences_more(new_file or None, old_file or None)


def _removal(lines: List[str], directive: Directive, remaining: Optional[List[str]]):
    """The edit that drops a directive's unused codes (or the directive), and its description."""
    from reglint.diagnostic import Edit, Position

    text = lines[directive.line - 1]
    if remaining:  # keep the directive with the codes still in use
        start, end = directive.codes_span
        joined = ", ".join(remaining)
        edit = Edit(Position(directive.line, start + 1), Position(directive.line, end + 1), joined)
        return edit, "Remove the unused codes"
    comment = text[directive.comment_start:directive.comment_end]
    s, e = directive.start - directive.comment_start, directive.end - directive.comment_start
    left, right = comment[:s].rstrip(), comment[e:].strip()
    if left and right:
        new = left + ("  " if right.startswith("#") else " ") + right
    elif left:
        new = left
    elif right:
        new = right if right.startswith("#") else "# " + right
    else:
        new = ""
    what = "Remove the unused directive"
    if new:
        edit = Edit(Position(directive.line, directive.comment_start + 1),
                    Position(directive.line, directive.comment_end + 1), new)
    elif directive.alone:
        # the comment was all there was on the line: remove the line
        if directive.line < len(lines):
            edit = Edit(Position(directive.line, 1), Position(directive.line + 1, 1), "")
        else:
            edit = Edit(Position(directive.line, 1), Position(directive.line, len(text) + 1), "")
    else:
        code_end = len(text[:directive.comment_start].rstrip())
        edit = Edit(Position(directive.line, code_end + 1), Position(directive.line, directive.comment_end + 1), "")
    return edit, what
