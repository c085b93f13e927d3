"""`.gitignore` matching with the standard library, and the glob dialect of the config.

Why here and not a dependency: discovery must honour the `.gitignore` files users
already keep (virtualenvs, data dumps and generated code live there), start-up must
stay lean, and the rules of gitignore(5) fit in a page. The semantics follow
gitignore(5) and git's `wildmatch` (checked against `git check-ignore` in the tests):

- blank lines and `#` comments are skipped; `\\#` and `\\!` escape; trailing spaces
  are dropped unless escaped; a trailing `\\r` (CRLF files) and a UTF-8 BOM are dropped;
- `!pattern` re-includes; the last matching line wins, deeper files win over
  shallower ones, and `.git/info/exclude` loses to every `.gitignore`;
- `dir/` matches directories only; a pattern with a `/` before its end is anchored
  to the folder of its `.gitignore`, one without matches at any depth;
- `*`, `?` and `[...]` never match `/`; `**/x`, `x/**` and `a/**/b` cross folders; an
  unclosed `[` makes the line match nothing, as in git.

A file inside an ignored folder stays ignored whatever a later `!` says, because
discovery never walks into an ignored folder (git behaves the same).
Not read: the user's global `core.excludesFile` (it varies by machine, so results
would too). Tracked files are ignored like any other when a pattern matches them
(reglint does not read git's index), as ruff and ripgrep do.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional, Sequence, Tuple

_POSIX_CLASSES = {
    "alnum": "a-zA-Z0-9",
    "alpha": "a-zA-Z",
    "blank": " \\t",
    "cntrl": "\\x00-\\x1f\\x7f",
    "digit": "0-9",
    "graph": "\\x21-\\x7e",
    "lower": "a-z",
    "print": "\\x20-\\x7e",
    "punct": re.escape("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"),
    "space": " \\t\\n\\r\\f\\v",
    "upper": "A-Z",
    "xdigit": "0-9a-fA-F",
}


class _Unmatchable(Exception):
    """The pattern can never match (an unclosed or malformed bracket expression)."""


def _bracket(pattern: str, start: int, slash: bool) -> Tuple[str, int]:
    """Translate the `[...]` at `start`; return the regex class and the index after it."""
    i = start + 1
    n = len(pattern)
    negate = i < n and pattern[i] in "!^"
    if negate:
        i += 1
    items = []
    first = True
    while i < n and (pattern[i] != "]" or first):
        first = False
        char = pattern[i]
        if char == "[" and pattern.startswith("[:", i):
            end = pattern.find(":]", i + 2)
            if end < 0:
                raise _Unmatchable
            name = pattern[i + 2:end]
            if name not in _POSIX_CLASSES:
                raise _Unmatchable
            items.append(_POSIX_CLASSES[name])
            i = end + 2
            continue
        if char == "\\" and i + 1 < n:
            i += 1
            char = pattern[i]
        low = char
        i += 1
        if i + 1 < n and pattern[i] == "-" and pattern[i + 1] != "]":
            high = pattern[i + 1]
            i += 2
            if high == "\\" and i < n:
                high = pattern[i]
                i += 1
            if high < low:
                items.append("")  # an empty range matches nothing
                continue
            items.append(f"{re.escape(low)}-{re.escape(high)}")
        else:
            items.append(re.escape(low))
    if i >= n:
        raise _Unmatchable
    body = "".join(items)
    if negate:
        return f"[^{body}{'' if slash else '/'}]", i + 1
    if not body:
        raise _Unmatchable
    return f"[{body}]", i + 1


def translate(pattern: str, star_crosses_slash: bool = False, braces: bool = False, start: int = 0) -> str:
    """A regex (for `fullmatch`) equivalent to the glob `pattern`.

    With `star_crosses_slash` False this is git's wildmatch with WM_PATHNAME (used for
    `.gitignore`); True gives the dialect of ruff's config globs (`exclude`,
    `per-file-ignores`), where `*` and `?` also match `/` and `{a,b}` alternates.
    Raises `_Unmatchable` when the pattern matches nothing. A `**` at index `start`
    counts as starting a path segment (see `parse_line`).
    """
    out = []
    i = 0
    n = len(pattern)
    depth = 0  # open `{` alternations
    star = ".*" if star_crosses_slash else "[^/]*"
    one = "." if star_crosses_slash else "[^/]"
    while i < n:
        char = pattern[i]
        if char == "*":
            j = i
            while j < n and pattern[j] == "*":
                j += 1
            at_start = i in (0, start) or pattern[i - 1] == "/"
            at_end = j == n or pattern[j] == "/"
            if j - i >= 2 and at_start and at_end:
                if j == n:
                    out.append(".*")  # `x/**`: everything inside; `**`: everything
                else:
                    out.append("(?:.*/)?")  # `**/`: zero or more folders
                    j += 1
            else:
                out.append(star)
            i = j
        elif char == "?":
            out.append(one)
            i += 1
        elif char == "[":
            regex, i = _bracket(pattern, i, star_crosses_slash)
            out.append(regex)
        elif char == "\\":
            if i + 1 >= n:
                raise _Unmatchable  # a trailing backslash: git never matches it
            out.append(re.escape(pattern[i + 1]))
            i += 2
        elif braces and char == "{":
            depth += 1
            out.append("(?:")
            i += 1
        elif braces and char == "}" and depth:
            depth -= 1
            out.append(")")
            i += 1
        elif braces and char == "," and depth:
            out.append("|")
            i += 1
        else:
            out.append(re.escape(char))
            i += 1
    if depth:
        raise _Unmatchable
    return "".join(out)


def compile_glob(pattern: str, star_crosses_slash: bool = False, braces: bool = False) -> Optional["re.Pattern[str]"]:
    """The compiled glob, or None when it can never match."""
    try:
        return re.compile(translate(pattern, star_crosses_slash, braces), re.DOTALL)
    except (_Unmatchable, re.error):
        return None


# -- .gitignore files ------------------------------------------------------------------

@dataclass(frozen=True)
class IgnoreRule:
    regex: "re.Pattern[str]"
    negated: bool
    dir_only: bool
    text: str  # the line as written, for debugging


def _trim_trailing_spaces(line: str) -> str:
    end = len(line)
    while end and line[end - 1] == " ":
        backslashes = 0
        k = end - 2
        while k >= 0 and line[k] == "\\":
            backslashes += 1
            k -= 1
        if backslashes % 2:  # `\ ` keeps this space (and everything before it)
            break
        end -= 1
    return line[:end]


def parse_line(line: str) -> Optional[IgnoreRule]:
    """One `.gitignore` line as a rule, or None for blanks, comments and dead lines."""
    text = line
    line = _trim_trailing_spaces(line[:-1] if line.endswith("\r") else line)
    if not line or line.startswith("#"):
        return None
    negated = line.startswith("!")
    if negated:
        line = line[1:]
    dir_only = line.endswith("/")
    if dir_only:
        line = line[:-1]
    anchored = "/" in line
    if line.startswith("/"):
        line = line[1:]
    if not line:
        return None
    # git compares an anchored pattern's literal prefix (up to the first `*?[\\`) on
    # its own and wildmatches the rest, where a `**` right after the prefix starts a
    # segment: `a**/x` matches `a/x`, `ab/x` and `a/b/x`. Reproduced for agreement.
    prefix = next((i for i, char in enumerate(line) if char in "*?[\\"), len(line)) if anchored else 0
    try:
        body = translate(line, start=prefix)
    except _Unmatchable:
        return None
    regex = body if anchored else "(?:.*/)?" + body
    try:
        compiled = re.compile(regex, re.DOTALL)
    except re.error:
        return None
    return IgnoreRule(compiled, negated, dir_only, text)


def parse(text: str) -> Tuple[IgnoreRule, ...]:
    if text.startswith("\ufeff"):
        text = text[1:]
    rules = (parse_line(line) for line in text.split("\n"))
    return tuple(rule for rule in rules if rule is not None)


def read(path: str) -> Tuple[IgnoreRule, ...]:
    """The rules of one ignore file; an unreadable or missing file has none."""
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError:
        return ()
    return parse(data.decode("utf-8", "surrogateescape"))


@dataclass(frozen=True)
class Level:
    """The rules of one ignore file and the folder (relative to the top, posix) they apply in."""

    base: str  # "" for the top folder
    rules: Tuple[IgnoreRule, ...]


def ignored(levels: Sequence[Level], relative: str, is_dir: bool) -> bool:
    """Whether `relative` (posix, from the top folder) is ignored; levels lowest precedence first.

    Only the path itself is matched: callers prune ignored folders while walking.
    """
    for level in reversed(levels):
        if level.base:
            if not relative.startswith(level.base + "/"):
                continue
            sub = relative[len(level.base) + 1:]
        else:
            sub = relative
        for rule in reversed(level.rules):
            if rule.dir_only and not is_dir:
                continue
            if rule.regex.fullmatch(sub):
                return not rule.negated
    return False
