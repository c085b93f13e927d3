"""Output formats: one module per format, each with `write(results, out, context)`."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import IO, List, Mapping

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


def write(fmt: str, results: List, out: IO[str], context: Context) -> None:
    module = importlib.import_module(f"reglint.report.{FORMAT_MODULES[fmt]}")
    module.write(results, out, context)


def summary(results: List, context: Context) -> str:
    """`Found N diagnostics (M fixable with --unsafe-fixes)`, printed on stderr."""
    from reglint.diagnostic import Applicability

    diagnostics = [d for r in results for d in r.diagnostics]
    fixed = sum(len(r.fixed_diagnostics) for r in results)
    if not diagnostics:
        head = "All checks passed!"
        return f"Fixed {fixed} diagnostic{'s' * (fixed != 1)}. {head}" if fixed else head
    safe = sum(1 for d in diagnostics if d.fix and d.fix.edits and d.fix.applicability is Applicability.SAFE)
    unsafe = sum(1 for d in diagnostics if d.fix and d.fix.edits and d.fix.applicability is Applicability.UNSAFE)
    parts = [f"Found {len(diagnostics)} diagnostic{'s' * (len(diagnostics) != 1)}"]
    if fixed:
        parts[0] += f" ({fixed} fixed, {len(diagnostics)} remaining)"
    notes = []
    if safe or (unsafe and context.unsafe_fixes):
        notes.append(f"{safe + (unsafe if context.unsafe_fixes else 0)} fixable with --fix")
    if unsafe and not context.unsafe_fixes:
        notes.append(f"{unsafe} fixable with --fix --unsafe-fixes")
    return parts[0] + (f" ({'; '.join(notes)})" if notes else "") + "."


def write_statistics(results: List, out: IO[str], context: Context) -> None:
    """Counts per rule, most frequent first, as `ruff --statistics` prints them."""
    from collections import Counter

    counts = Counter((d.code, d.name) for r in results for d in r.diagnostics)
    fixable = Counter(d.code for r in results for d in r.diagnostics if d.fix and d.fix.edits)
    for (code, name), count in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
        marker = "[*]" if fixable[code] else "   "
        out.write(f"{count:>5}\t{code}\t{marker} {name}\n")
