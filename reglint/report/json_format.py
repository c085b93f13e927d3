"""`--output-format json`: a JSON list of diagnostics with ruff's field names.

Tools that already read `ruff --output-format json` can read this unchanged, so
the field names and meanings are ruff's. Each element is, in this key order:

    {
      "code": "RL002",                 # rule code; RL000 = file unreadable/unparseable
      "name": "adam-weight-decay",     # rule name (kebab-case)
      "message": "...",                # one-line description of this occurrence
      "filename": "src/train.py",      # the path as reglint was given / discovered it
      "location": {"row": 3, "column": 46},      # 1-based line and column (characters)
      "end_location": {"row": 3, "column": 63},  # 1-based, exclusive
      "fix": null | {
        "applicability": "safe" | "unsafe" | "display-only",
        "message": "...",              # what the fix does
        "edits": [{"content": "...", "location": {...}, "end_location": {...}}]
      },
      "url": "https://..." | null,     # the rule's docs; null for RL000
      "noqa_row": 3,                   # the line a `# noqa: RL002` comment must go on
      "note": "...",                   # why it matters, when the rule says (not in ruff's format)
      "cell": 2                        # notebooks only: the 1-based cell; rows are within it
    }

The list is sorted by filename, row and column, and printed with `indent=2`, so
the output is byte-for-byte reproducible; non-ASCII text is `\\u` escaped so any
stdout encoding can carry it. An empty run prints `[]`.
"""

from __future__ import annotations

import json
from typing import Iterable, List

from reglint.diagnostic import PARSE_ERROR_CODE
from reglint.report import cell_of


def _position(position) -> dict:
    return {"row": position.line, "column": position.column}


def _fix(fix) -> "dict | None":
    if fix is None:
        return None
    return {
        "applicability": fix.applicability.value,
        "message": fix.message,
        "edits": [
            {"content": edit.content, "location": _position(edit.start), "end_location": _position(edit.end)}
            for edit in fix.edits
        ],
    }


def _url(diagnostic, rules) -> "str | None":
    if diagnostic.code == PARSE_ERROR_CODE:
        return None
    rule = rules.get(diagnostic.code)
    return getattr(rule, "url", None)


def diagnostic_object(diagnostic, rules) -> dict:
    """One diagnostic as a plain dict (shared with json-lines)."""
    item = {
        "code": diagnostic.code,
        "name": diagnostic.name,
        "message": diagnostic.message,
        "filename": diagnostic.path,
        "location": _position(diagnostic.start),
        "end_location": _position(diagnostic.end),
        "fix": _fix(diagnostic.fix),
        "url": _url(diagnostic, rules),
        "noqa_row": diagnostic.start.line,
    }
    if diagnostic.note:
        item["note"] = diagnostic.note
    cell = cell_of(diagnostic)
    if cell is not None:
        item["cell"] = cell
    if diagnostic.related:  # parts of the hazard in other files (SARIF's relatedLocations)
        item["related"] = [{"filename": r.path, "location": _position(r.start), "message": r.message}
                           for r in diagnostic.related]
    return item


def sorted_diagnostics(results: Iterable) -> List:
    """Every diagnostic of every result, by filename, (notebook cell,) row, column (then code, message)."""
    return sorted((d for r in results for d in r.diagnostics), key=lambda d: (d.path, cell_of(d) or 0) + d.sort_key[1:])


def write(results, out, context) -> None:
    objects = [diagnostic_object(d, context.rules) for d in sorted_diagnostics(results)]
    out.write(json.dumps(objects, indent=2) + "\n")
