"""`--output-format json-lines`: one compact JSON object per line.

The objects are exactly those of the `json` format (see `json_format`), in the
same order; streaming consumers (`jq -c`, log shippers) read one line at a time
instead of waiting for the closing `]`. An empty run prints nothing.
"""

from __future__ import annotations

import json

from reglint.report.json_format import diagnostic_object, sorted_diagnostics


def write(results, out, context) -> None:
    for diagnostic in sorted_diagnostics(results):
        out.write(json.dumps(diagnostic_object(diagnostic, context.rules), separators=(",", ":")) + "\n")
