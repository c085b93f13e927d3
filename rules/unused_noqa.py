"""## What it does
Flags a suppression comment that names reglint codes (`# noqa: RL001`,
`# reglint: ignore[RL002]`, a file-level `# reglint: noqa: RL003`) when none of the
diagnostics it names was there to silence, and an `RL` code reglint does not know
(`# noqa: RL0002`, a typo).

## Why is this bad?
A suppression outlives the code it was written for: the hazard gets fixed, the line
moves, and the comment stays, ready to hide the next real diagnostic on that line.
Teams adopting reglint with `reglint check --add-noqa` get one comment per existing
diagnostic; this rule tells them which ones they can delete as the code is fixed.

Only what is reglint's is judged: codes starting with `RL` (`# noqa: E501` is another
tool's business), and among those only codes whose rule ran on the file (a rule
switched off by `--select`, `ignore` or `per-file-ignores` cannot show whether its
comment is still needed). A bare `# noqa` may serve another tool and is never
reported; a bare `# reglint: ignore` or `# reglint: noqa` is reported when it
silenced nothing. This rule is opt-in, as ruff's RUF100: enable it with
`--extend-select RL100` or `extend-select = ["RL100"]`.

## Example
```python
opt = torch.optim.AdamW(model.parameters(), weight_decay=0.05)  # noqa: RL002
```

## Use instead
```python
opt = torch.optim.AdamW(model.parameters(), weight_decay=0.05)
```

## Fix safety
Safe: the directive silenced nothing, so removing it changes no result. The fix
removes only the unused codes (`# noqa: E501, RL002` becomes `# noqa: E501`), the
whole directive when no code is left, the comment when nothing else is in it, and
the line when the comment stood alone on it. When removing a directive would let another one in the
same comment silence more (only a comment's first `# noqa` counts, so dropping
`# noqa: RL999` from `# noqa: RL999  # noqa` would wake the bare one), the fix is
display-only and left to you.

## Options
None. To keep one unused directive, name RL100 in it (`# noqa: RL002, RL100`); for
whole folders use `per-file-ignores`.

## References
- ruff's `unused-noqa` (RUF100), which this rule follows.
- reglint's `reglint/suppress.py`, which reads the directives and records what each
  one silenced.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, FrozenSet, Iterable, List, Optional, Set, Tuple

from reglint.diagnostic import PARSE_ERROR_CODE, UNNECESSARY, Applicability, Diagnostic, Edit, Fix, Position
from reglint.rule import Rule, all_rules

if TYPE_CHECKING:  # reglint.suppress is imported when a directive is judged, not with the rules
    from reglint.suppress import Directive, Suppressions

RULE = Rule(
    code="RL100",
    name="unused-noqa",
    summary="`# noqa: RL…` or `# reglint: ignore` that silences nothing",
    fix=Applicability.SAFE,
    prose_words=((b"noqa", b"reglint"),),  # directives are comments
    facts=("directives",),
    default=False,
)
OURS = "RL"  # codes with this prefix are reglint's; only those are ever judged unused

_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def check(model, settings, report):
    """Nothing here: what a directive silenced is known only once every other rule has
    run, so the noqa filter (`reglint.suppress.apply`) calls `check_directives`."""
    return ()


def check_directives(path: str, source: str, suppressions: Suppressions, used: Set[Tuple[Directive, str]],
                     enabled: FrozenSet[str]) -> List[Diagnostic]:
    """RL100 for each directive that names something it did not silence (`used`: the
    (directive, code) pairs that silenced a diagnostic), counting only the codes of
    the rules `enabled` on this file and codes reglint does not know.

    An RL100 report is itself silenced by any other directive covering RL100 on its
    line or file-wide (a bare `# noqa` too), and by its own directive only when that
    names RL100 (`# noqa: RL002, RL100`): a bare one would otherwise hide itself."""
    used_directives = {directive for directive, _ in used}
    return [
        diagnostic
        for directive, diagnostic in _unused_directives(path, source, suppressions, used, used_directives, enabled)
        if not any(other != directive or RULE.code in (other.codes or ())
                   for other in suppressions.silencers(RULE.code, diagnostic.start.line))
    ]


def _known_codes() -> FrozenSet[str]:
    return frozenset(all_rules()) | {PARSE_ERROR_CODE}


def _unused_directives(path, source, suppressions, used, used_directives, enabled) -> Iterable:
    """(directive, RL100 diagnostic) for each directive that names something it did not silence."""
    from reglint.suppress import NOQA_KIND

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
            if not code.startswith(OURS) or code == RULE.code:
                continue
            if code not in known:
                unknown.append(code)
            elif code in enabled and (directive, code) not in used:
                unused.append(code)
        if unused or unknown:
            yield directive, _diagnostic(path, lines, directive, tuple(unused), tuple(unknown))


def _diagnostic(path, lines, directive: Directive, unused, unknown, bare=False) -> Diagnostic:
    from reglint.suppress import NOQA_KIND

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
    return Diagnostic(RULE.code, RULE.name, message, path, start, end, fix, extra=((UNNECESSARY, True),))


def _silences_more(new: Optional[FrozenSet[str]], old: Optional[FrozenSet[str]]) -> bool:
    from reglint.suppress import ALL

    if new is None or old is ALL:
        return False
    return old is None or new is ALL or not new <= old


def _widens(text: str, directive: Directive, edit: Edit) -> bool:
    """Whether the edited comment would silence something the old one did not."""
    from reglint.suppress import effect

    if edit.start.line != edit.end.line or edit.start.column - 1 < directive.comment_start:
        return False  # the whole comment goes
    new_text = text[:edit.start.column - 1] + edit.content + text[edit.end.column - 1:]
    old_line, old_file = effect(text[directive.comment_start:], directive.alone)
    new_line, new_file = effect(new_text[directive.comment_start:], directive.alone)
    return _silences_more(new_line, old_line) or _silences_more(new_file or None, old_file or None)


def _removal(lines: List[str], directive: Directive, remaining: Optional[List[str]]) -> Tuple[Edit, str]:
    """The edit that drops a directive's unused codes (or the directive), and its description."""
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
