"""Output formats: one module per format, each with `write(results, out, context)`."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import IO, List, Mapping, Optional

FORMAT_MODULES = {
    "full": "full",
    "concise": "concise",
    "json": "json_format",
    "json-lines": "json_lines",
    "sarif": "sarif",
    "github": "github",
}


@dataclass
class Context:
    """What a format may need beyond the diagnostics."""

    rules: Mapping[str, object]  # code -> Rule
    unsafe_fixes: bool = False
    color: bool = False
    show_source: bool = True


def cell_of(diagnostic) -> Optional[int]:
    """The notebook cell (1-based, counting every cell) a diagnostic is in, or None."""
    for key, value in diagnostic.extra:
        if key == "cell":
            return value
    return None


def write(fmt: str, results: List, out: IO[str], context: Context) -> None:
    module = importlib.import_module(f"reglint.report.{FORMAT_MODULES[fmt]}")
    module.write(results, out, context)


def _fixes(count: int) -> str:
    return f"{count} fix{'es' * (count != 1)}"


def hidden_fixes(count: int) -> str:
    """ruff's hint for unsafe fixes a run leaves out (ruff says "fixes" for one too)."""
    return f"{count} hidden {'fix' if count == 1 else 'fixes'} can be enabled with the `--unsafe-fixes` option"


def _fix_counts(results: List, context: Context):
    """(diagnostics left, fixed, fixable now, fixable only with --unsafe-fixes)."""
    from reglint.fixes import applicable

    diagnostics = [d for r in results for d in r.diagnostics]
    fixed = sum(len(r.fixed_diagnostics) for r in results)
    now = sum(1 for d in diagnostics if applicable(d, context.unsafe_fixes))
    hidden = sum(1 for d in diagnostics if applicable(d, True)) - now
    return diagnostics, fixed, now, hidden


def summary(results: List, context: Context) -> str:
    """The one-line tally printed on stderr after the diagnostics, worded as ruff's.

    `Found N diagnostics (F fixed, R remaining; M fixable with --fix)`: N counts
    the fixed ones too, so the numbers add up (as in ruff); the notes say how many
    of the remaining ones --fix could repair, and, as ruff's hidden-fixes hint, how
    many more --unsafe-fixes would.
    """
    diagnostics, fixed, now, hidden = _fix_counts(results, context)
    total = len(diagnostics) + fixed
    if not total:
        return "All checks passed!"
    notes = [f"{fixed} fixed, {len(diagnostics)} remaining"] if fixed else []
    if now:
        notes.append(f"{now} fixable with --fix")
    if hidden:
        notes.append(hidden_fixes(hidden))
    head = f"Found {total} diagnostic{'s' * (total != 1)}"
    return head + (f" ({'; '.join(notes)})" if notes else "") + "."


def diff_summary(results: List, context: Context) -> Optional[str]:
    """What `--diff` says on stderr after the diff, as ruff does: how many diagnostics
    the diff fixes, and the unsafe fixes it leaves out, so that a diff with only unsafe
    fixes is never silent. None when there is nothing to fix either way."""
    _, fixed, _, hidden = _fix_counts(results, context)
    if fixed:
        head = f"Would fix {fixed} diagnostic{'s' * (fixed != 1)}"
        return head + (f" ({hidden_fixes(hidden)})." if hidden else ".")
    if hidden:
        return f"No fixes available ({hidden_fixes(hidden)})."
    return None


def write_statistics(results: List, out: IO[str], context: Context, fmt: str = "full") -> None:
    """Counts per rule, most frequent first, laid out as `ruff --statistics` does.

    `[*]` marks rules whose fixes this run could apply (so unsafe ones only with
    --unsafe-fixes), `[ ]` the others; neither column appears when nothing is fixable.
    With `--output-format json` the same counts are a JSON list with ruff's fields
    (`code`, `name`, `count`, `fixable`), `[]` when there is nothing to count.
    """
    import json
    from collections import Counter

    from reglint.fixes import applicable

    diagnostics = [d for r in results for d in r.diagnostics]
    counts = Counter((d.code, d.name) for d in diagnostics)
    fixable = {d.code for d in diagnostics if applicable(d, context.unsafe_fixes)}
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    if fmt == "json":
        rows = [{"code": code, "name": name, "count": count, "fixable": code in fixable} for (code, name), count in ordered]
        out.write(json.dumps(rows, indent=2) + "\n")
        return
    if not counts:
        return
    count_width = len(str(max(counts.values())))
    code_width = max(len(code) for code, _ in counts)
    for (code, name), count in ordered:
        marker = ("[*] " if code in fixable else "[ ] ") if fixable else ""
        out.write(f"{count:>{count_width}}\t{code:<{code_width}}\t{marker}{name}\n")
