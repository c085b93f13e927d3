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
- reglint's `reglint/suppress.py`, which decides what each directive silenced.
"""

from __future__ import annotations

import re

from reglint.diagnostic import Applicability
from reglint.rule import Rule

RULE = Rule(
    code="RL100",
    name="unused-noqa",
    summary="`# noqa: RL…` or `# reglint: ignore` that silences nothing",
    fix=Applicability.SAFE,
    triggers=(b"noqa", b"reglint:"),
    default=False,
)

_DIRECTIVE = re.compile(rb"(?i)noqa|reglint\s*:")


def prefilter(data: bytes) -> bool:
    """Any suppression comment, in any case (`# NOQA` counts too)."""
    return _DIRECTIVE.search(data) is not None


def check(model, settings, report):
    """Nothing here: what a directive silenced is known only once every other rule has
    run, so `reglint.suppress.apply` reports RL100 after filtering."""
    return ()
