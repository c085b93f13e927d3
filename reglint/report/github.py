"""`--output-format github`: GitHub Actions workflow commands, shown as PR annotations.

    ::warning title=reglint (RL002),file=train.py,line=3,col=46,endLine=3,endColumn=63::RL002 message

RL000 (a file that cannot be read or parsed) is an `::error`. Values are escaped
as the Actions runner expects (`%` `\\r` `\\n` in the message; also `:` and `,` in
properties), otherwise a message containing a newline would end the command and
a path containing a comma would cut the property list short.

GitHub accepts `col`/`endColumn` only for single-line ranges, so a range spanning
lines carries `line`/`endLine` only.

A notebook's positions are within a cell, not lines of the `.ipynb` file, so its
annotations are on the file as a whole, with `cell N:line:col:` leading the message.
"""

from __future__ import annotations

from reglint.diagnostic import PARSE_ERROR_CODE
from reglint.report import cell_of


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def line(diagnostic) -> str:
    level = "error" if diagnostic.code == PARSE_ERROR_CODE else "warning"
    start, end = diagnostic.start, diagnostic.end
    properties = [
        ("title", f"reglint ({diagnostic.code})"),
        ("file", diagnostic.path),
    ]
    cell = cell_of(diagnostic)
    if cell is not None:
        rendered = ",".join(f"{key}={escape_property(str(value))}" for key, value in properties)
        where = f"cell {cell}:{start.line}:{start.column}: "
        return f"::{level} {rendered}::{escape_data(f'{where}{diagnostic.code} {diagnostic.message}')}"
    properties.append(("line", start.line))
    if start.line == end.line:
        properties += [("col", start.column), ("endLine", end.line), ("endColumn", end.column)]
    else:
        properties += [("endLine", end.line)]
    rendered = ",".join(f"{key}={escape_property(str(value))}" for key, value in properties)
    return f"::{level} {rendered}::{escape_data(f'{diagnostic.code} {diagnostic.message}')}"


def write(results, out, context) -> None:
    for result in results:
        for diagnostic in result.diagnostics:
            out.write(line(diagnostic) + "\n")
