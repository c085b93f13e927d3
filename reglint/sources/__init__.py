"""Source kinds (as ruff's `SourceKind`): what a file is, and how its bytes become the
Python text reglint analyses.

Each kind is a module with the same functions:

- `reads(path)`: whether this kind reads the path (its suffix, or its shape);
- `check(path, data, plan, fix, unsafe) -> FileResult`: load the bytes, give the text
  to analyse to `reglint.pipeline`, map positions back to the original and, with
  `fix`, apply the edits and give the fixed bytes;
- `from_cache(path, diagnostics) -> FileResult`: a cached result with the text to show;
- `add_noqa(data, diagnostics) -> (new bytes or None, lines changed, diagnostics left)`;
- `diff(path, before, after) -> lines of a unified diff`.

`KINDS` is tried in order and the first kind that reads a path takes it; Python,
last, reads every path. A config kind (YAML, JSON, prototxt) is one more module here
and one more entry before Python.
"""

from __future__ import annotations

from types import ModuleType

from reglint.sources import notebook, python

KINDS = (notebook, python)


def kind_for(path: str) -> ModuleType:
    """The source kind that reads `path`."""
    return next(kind for kind in KINDS if kind.reads(path))
