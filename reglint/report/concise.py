"""`path:line:col: RL001 [*] message` — one line per diagnostic, the editor format."""

from __future__ import annotations

from reglint.fixes import applicable


def fix_marker(diagnostic, unsafe_fixes: bool) -> str:
    """`[*] ` when --fix (or --fix --unsafe-fixes, if enabled) would apply the fix."""
    return "[*] " if applicable(diagnostic, unsafe_fixes) else ""


def line(diagnostic, unsafe_fixes: bool) -> str:
    return (
        f"{diagnostic.path}:{diagnostic.start.line}:{diagnostic.start.column}: "
        f"{diagnostic.code} {fix_marker(diagnostic, unsafe_fixes)}{diagnostic.message}"
    )


def write(results, out, context) -> None:
    for result in results:
        for diagnostic in result.diagnostics:
            out.write(line(diagnostic, context.unsafe_fixes) + "\n")
