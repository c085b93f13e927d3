"""`path:line:col: RL001 [*] message` — one line per diagnostic, the editor format.

In a notebook the position names the cell, as ruff does: `nb.ipynb:cell 3:2:5: RL002 …`,
with the line counted within the cell.
"""

from __future__ import annotations

from reglint.fixes import applicable
from reglint.report import cell_of


def fix_marker(diagnostic, unsafe_fixes: bool) -> str:
    """`[*] ` when --fix (or --fix --unsafe-fixes, if enabled) would apply the fix."""
    return "[*] " if applicable(diagnostic, unsafe_fixes) else ""


def location(diagnostic) -> str:
    """`path:line:col`, or `path:cell N:line:col` in a notebook."""
    cell = cell_of(diagnostic)
    where = f"cell {cell}:" if cell is not None else ""
    return f"{diagnostic.path}:{where}{diagnostic.start.line}:{diagnostic.start.column}"


def line(diagnostic, unsafe_fixes: bool) -> str:
    return (
        f"{location(diagnostic)}: "
        f"{diagnostic.code} {fix_marker(diagnostic, unsafe_fixes)}{diagnostic.message}"
    )


def write(results, out, context) -> None:
    for result in results:
        for diagnostic in result.diagnostics:
            out.write(line(diagnostic, context.unsafe_fixes) + "\n")
