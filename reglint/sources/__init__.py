"""Source kinds (as ruff's `SourceKind`): what a file is, and how its bytes become the
Python text reglint analyses.

Each kind is a module with the same functions:

- `check(path, data, plan, fix, unsafe) -> FileResult`: load the bytes, give the text
  to analyse to `reglint.pipeline`, map positions back to the original and, with
  `fix`, apply the edits and give the fixed bytes;
- `from_cache(path, diagnostics) -> FileResult`: a cached result with the text to show;
- optionally `oversized(path, size, plan) -> FileResult`: a file past the read limit
  (without it, RL000 "file too large"); the config kind reports only one with a config's words;
- `add_noqa(data, diagnostics) -> (new bytes or None, lines changed, diagnostics left)`;
- `diff(path, before, after) -> lines of a unified diff`.

`KINDS` declares which paths each kind reads, by suffix, and is tried in order; Python,
last, reads every path. Training configs (YAML, JSON, prototxt, jsonnet) are the
`config` kind. Kind modules are imported only when a path of theirs
comes up, so a run over `.py` files never loads the notebook machinery.
"""

from __future__ import annotations

from importlib import import_module
from types import ModuleType
from typing import Tuple

from reglint.configs.formats import CONFIG_SUFFIXES  # a table only: no reader is imported

# (module in this package, the path suffixes it reads; empty: every path)
KINDS: Tuple[Tuple[str, Tuple[str, ...]], ...] = (
    ("notebook", (".ipynb",)),
    ("config", CONFIG_SUFFIXES),
    ("python", ()),
)


def kind_for(path: str) -> ModuleType:
    """The source kind that reads `path`."""
    for name, suffixes in KINDS:
        if not suffixes or path.endswith(suffixes):
            return import_module(f"{__name__}.{name}")
    raise LookupError(path)  # unreachable: the last kind reads every path
