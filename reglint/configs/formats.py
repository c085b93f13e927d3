"""Which files are configs, how each is read, and which interpreters look at it.

A file is a config candidate by name (`Settings.config_files` globs, default
`*.yaml`, `*.yml`, `*.json`) and is read only when its bytes hold a word some
interpreter needs (`may_hold_facts`): unrelated YAML/JSON costs one scan of bytes.
To add a format: a reader (`text -> tree.Node`, raising `tree.ConfigSyntaxError`)
under its suffixes in READERS, and an interpreter module (below) with `WORDS`
(bytes every file of its shape holds, lowercased), optionally `GATES` (decay words
beyond `checks.GATES` that make its shape reportable) and `interpret(document)`
returning `facts.ConfigOptimizer`s. Interpreters check their own shape and return
nothing for a tree that is not theirs.
"""

from __future__ import annotations

import importlib
import os
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Callable, Dict, List, Optional, Tuple

# suffix -> (format name, module with `read(text) -> Node`)
READERS: Dict[str, Tuple[str, str]] = {
    ".yaml": ("yaml", "reglint.configs.yaml_reader"),
    ".yml": ("yaml", "reglint.configs.yaml_reader"),
    ".json": ("json", "reglint.configs.json_reader"),
    ".prototxt": ("prototxt", "reglint.configs.prototxt"),
    ".jsonnet": ("jsonnet", "reglint.configs.jsonnet_reader"),
}

CONFIG_SUFFIXES = tuple(READERS)

# interpreter modules, tried in order on every config tree
INTERPRETERS = (
    "reglint.configs.hydra",
    "reglint.configs.lightning",
    "reglint.configs.ultralytics",
    "reglint.configs.detectron2",
    "reglint.configs.deepspeed",
    "reglint.configs.huggingface",
    "reglint.configs.caffe",
    "reglint.configs.allennlp",
    "reglint.configs.nemo",
)


@dataclass
class Document:
    """What an interpreter reads: the file and its tree (`root`)."""

    path: str
    text: str
    root: object  # tree.Node
    syntax: str  # "yaml" | "json" | ...
    # the other files the interpreters looked at (absolute paths; looked for and missing
    # too): a cached result holds only while they are unchanged
    depends: List[str] = field(default_factory=list)

    def looked_at(self, path: str) -> str:
        """`path`, recorded as read (or looked for) for this document's result."""
        self.depends.append(os.path.abspath(path))
        return path


def syntax_of(path: str) -> Optional[str]:
    dot = path.rfind(".")
    entry = READERS.get(path[dot:].lower()) if dot >= 0 else None
    return entry[0] if entry else None


def reader(path: str) -> Callable:
    dot = path.rfind(".")
    return importlib.import_module(READERS[path[dot:].lower()][1]).read


@lru_cache(maxsize=1)
def interpreters() -> Tuple:
    return tuple(importlib.import_module(name) for name in INTERPRETERS)


@lru_cache(maxsize=1)
def _tests() -> Tuple[Tuple[Tuple[bytes, ...], Tuple[bytes, ...]], ...]:
    """(shape words, decay words) per interpreter: the checks' GATES plus its own GATES
    (detectron2's `_base_`: the decay may be written in a base file)."""
    from reglint.configs.checks import GATES

    return tuple((module.WORDS, GATES + getattr(module, "GATES", ())) for module in interpreters())


def may_hold_facts(data: bytes) -> bool:
    """False only when no config check could report on these bytes: for every
    interpreter, no word of its shape or no decay word a check needs."""
    lowered = data.lower()
    return any(any(w in lowered for w in words) and any(g in lowered for g in gates) for words, gates in _tests())


def may_hold_facts_in(handle, chunk: int = 1 << 24) -> bool:
    """`may_hold_facts` for a file too large to hold (past `reading.READ_LIMIT`: a dataset's
    annotations JSON), read in chunks that overlap by the longest word."""
    tests = _tests()
    words = {word for shape, gates in tests for word in shape + gates}
    overlap = max(len(word) for word in words) - 1
    seen: set = set()
    tail = b""
    while True:
        block = handle.read(chunk)
        if not block:
            break
        text = tail + block.lower()
        seen.update(word for word in words - seen if word in text)
        tail = text[-overlap:]
    return any(any(w in seen for w in shape) and any(g in seen for g in gates) for shape, gates in tests)
