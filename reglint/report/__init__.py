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


def summary(results: List, context: Context) -> str:
    """The one-line tally printed on stderr after the diagnostics, worded as ruff's.

    `Found N diagnostics (F fixed, R remaining; M fixable with --fix)`: N counts
    the fixed ones too, so the numbers add up (as in ruff); the notes say how many
    of the remaining ones --fix, with or without --unsafe-fixes, could repair.
    """
    from reglint.fixes import applicable

    diagnostics = [d for r in results for d in r.diagnostics]
    fixed = sum(len(r.fixed_diagnostics) for r in results)
    total = len(diagnostics) + fixed
    if not total:
        return "All checks passed!"
    notes = [f"{fixed} fixed, {len(diagnostics)} remaining"] if fixed else []
    now = sum(1 for d in diagnostics if applicable(d, context.unsafe_fixes))
    hidden = sum(1 for d in diagnostics if applicable(d, True)) - now
    if now:
        notes.append(f"{now} fixable with --fix")
    if hidden:
        notes.append(f"{hidden} fixable with --fix --unsafe-fixes")
    head = f"Found {total} diagnostic{'s' * (total != 1)}"
    return head + (f" ({'; '.join(notes)})" if notes else "") + "."


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
