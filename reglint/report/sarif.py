"""`--output-format sarif`: SARIF 2.1.0, the format GitHub code scanning uploads.

One run whose `tool.driver.rules` lists every rule that produced a result (RL000
included, described here since it is not a rule module), sorted by code; each
result's `ruleIndex` points into that list. Locations are relative POSIX URIs
(percent-encoded), which code scanning resolves against the checkout. Columns
are counted in Unicode code points, as reglint counts them, and the run says so
(`columnKind`), since SARIF otherwise assumes UTF-16 code units. End columns
are exclusive in SARIF as in reglint, so they are copied unchanged; a fix with
edits becomes `fixes[].artifactChanges[].replacements[]`.

A notebook's diagnostics are positioned within a code cell, while code scanning
shows the `.ipynb` file itself: their region is the line and column in the file's
JSON text (`reglint.notebook_lines`), the cell (1-based, counting every cell) and
the position in it are in `properties` (`cell`, `cellLine`, `cellColumn`), and they
carry no `fixes`, whose replacement text would need JSON escaping.
"""

from __future__ import annotations

import json
import os
from pathlib import PurePath
from urllib.parse import quote

from reglint.diagnostic import PARSE_ERROR_CODE
from reglint.report import cell_of

SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
VERSION = "2.1.0"
INFORMATION_URI = "https://github.com/reglint/reglint"
PARSE_ERROR_SUMMARY = "The file could not be read, decoded or parsed, so it was not checked."


def uri(path: str) -> str:
    """A relative POSIX URI for `path` (made relative to the working folder if absolute)."""
    pure = PurePath(path)
    if pure.is_absolute():
        try:
            pure = PurePath(os.path.relpath(str(pure)))
        except ValueError:  # another drive on Windows: keep it absolute
            return pure.as_uri()
    posix = pure.as_posix()
    return quote(posix[2:] if posix.startswith("./") else posix, safe="/", errors="surrogateescape")


def _rule_descriptor(code: str, name: str, rule) -> dict:
    if code == PARSE_ERROR_CODE or rule is None:
        summary = PARSE_ERROR_SUMMARY if code == PARSE_ERROR_CODE else name
        return {
            "id": code,
            "name": name,
            "shortDescription": {"text": summary},
            "fullDescription": {"text": summary},
            "help": {"text": summary},
            "defaultConfiguration": {"level": "error" if code == PARSE_ERROR_CODE else "warning"},
        }
    docs = rule.docs or rule.summary
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": docs},
        "help": {"text": docs, "markdown": docs},
        "helpUri": rule.url,
        "defaultConfiguration": {"level": "warning"},
    }


def _region(start, end) -> dict:
    return {"startLine": start.line, "startColumn": start.column, "endLine": end.line, "endColumn": end.column}


def _file_region(diagnostic):
    """A notebook diagnostic's region in the .ipynb file's own text, or None."""
    for key, value in diagnostic.extra:
        if key == "file_region":
            start_line, start_column, end_line, end_column = value
            return {"startLine": start_line, "startColumn": start_column, "endLine": end_line, "endColumn": end_column}
    return None


def _result(diagnostic, rule_index: int) -> dict:
    location = {"uri": uri(diagnostic.path)}
    region = _file_region(diagnostic) or _region(diagnostic.start, diagnostic.end)
    result = {
        "ruleId": diagnostic.code,
        "ruleIndex": rule_index,
        "level": "error" if diagnostic.code == PARSE_ERROR_CODE else "warning",
        "message": {"text": diagnostic.message},
        "locations": [{"physicalLocation": {"artifactLocation": location, "region": region}}],
    }
    if diagnostic.related:
        result["relatedLocations"] = [{
            "id": index,
            "message": {"text": related.message},
            "physicalLocation": {"artifactLocation": {"uri": uri(related.path)},
                                 "region": {"startLine": related.start.line, "startColumn": related.start.column}},
        } for index, related in enumerate(diagnostic.related)]
    cell = cell_of(diagnostic)
    if cell is not None:
        result["properties"] = {"cell": cell, "cellLine": diagnostic.start.line, "cellColumn": diagnostic.start.column}
    fix = diagnostic.fix
    if fix is not None and fix.edits and cell is None:
        result["fixes"] = [{
            "description": {"text": fix.message},
            "artifactChanges": [{
                "artifactLocation": dict(location),
                "replacements": [
                    {"deletedRegion": _region(edit.start, edit.end), "insertedContent": {"text": edit.content}}
                    for edit in fix.edits
                ],
            }],
        }]
    return result


def document(results, context) -> dict:
    """The SARIF log as a dict (tests and callers that embed it use this)."""
    from reglint import __version__
    from reglint.report.json_format import sorted_diagnostics

    diagnostics = sorted_diagnostics(results)
    names = {d.code: d.name for d in diagnostics}
    codes = sorted(names)
    index = {code: i for i, code in enumerate(codes)}
    return {
        "version": VERSION,
        "$schema": SCHEMA,
        "runs": [{
            "tool": {"driver": {
                "name": "reglint",
                "version": __version__,
                "informationUri": INFORMATION_URI,
                "rules": [_rule_descriptor(code, names[code], context.rules.get(code)) for code in codes],
            }},
            "columnKind": "unicodeCodePoints",
            "results": [_result(d, index[d.code]) for d in diagnostics],
        }],
    }


def write(results, out, context) -> None:
    out.write(json.dumps(document(results, context), indent=2) + "\n")
