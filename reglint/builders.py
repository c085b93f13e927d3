"""Before anything is parsed: may a name a file imports from a project module build
regularized layers? Read from bytes, so that the words test and the fact screen can
ask it; the project index (`reglint.project`) answers exactly once a file is analysed.

A builder's module holds `BUILDER_WORD` (the summaries read only the definitions that
do), or re-exports the name from one that does (`from .resnet import build` in a
package's `__init__`), followed as far as the index follows re-exports. Every answer
is a superset of the index's, so no file the analysis could flag is turned away.
"""

from __future__ import annotations

import os
import re
from typing import Dict, FrozenSet, Iterable, List, Optional, Set, Tuple

from reglint.project import MAX_MODULE_BYTES, MAX_REEXPORTS, may_be_project_module, module_path, submodule

# every keyword that attaches a regularizer holds it (`analysis.summary._mentions_regularizer`)
BUILDER_WORD = b"regularizer"

# `from <dots><module> import <names>`, the names possibly in parentheses over several lines or
# continued with a backslash; the pattern starts with its literal (the regex engine then skips
# ahead to each `from`), and `from_imports` keeps the matches that begin a line (at any
# indentation: under `try:` / `if`)
FROM_IMPORT = re.compile(rb"from[ \t]+(\.*)[ \t]*([\w.]*)[ \t]+import[ \t]*(\([^)]*\)|[^\n\\]*(?:\\.[^\n\\]*)*)", re.DOTALL)
_COMMENT = re.compile(rb"#[^\n]*")
# `import a.b as c, d` (a statement of its own: `from m import x` is FROM_IMPORT's)
IMPORT = re.compile(rb"import[ \t]+([\w. \t]+(?:,[\w. \t]+)*)")

Imported = Tuple[int, str, Tuple[Tuple[str, str], ...]]  # dots, module, (name there, name here)
Sources = Dict[str, List[Tuple[int, str, str]]]  # name here -> (dots, module, name there) it is imported from
# module file -> (its stamp, holds BUILDER_WORD, where its `from`-imported names come from)
_modules: Dict[str, Tuple[Tuple[int, int], bool, Sources]] = {}


def _statements(pattern, data: bytes):
    """The matches of `pattern` that begin a line (at any indentation: under `try:` / `if`)."""
    for match in pattern.finditer(data):
        start = match.start()
        if not data[data.rfind(b"\n", 0, start) + 1:start].strip(b" \t"):
            yield match


def from_imports(data: bytes) -> Tuple[Imported, ...]:
    """The `from m import a, b as c` statements of a module's bytes."""
    found = []
    for match in _statements(FROM_IMPORT, data):
        dots, module, names = match.groups()
        pairs = []
        if not names.startswith(b"("):
            names = names.split(b";", 1)[0]  # `from m import f; x = 1`
        for part in _COMMENT.sub(b"", names).strip(b"()").replace(b"\\", b" ").split(b","):
            words = part.split()
            if len(words) == 1 or (len(words) == 3 and words[1] == b"as"):
                pairs.append((words[0].decode("ascii", "replace"), words[-1].decode("ascii", "replace")))
        found.append((len(dots), module.decode("ascii", "replace"), tuple(pairs)))
    return tuple(found)


def imports_builders(importer: str, data: bytes, read: Optional[List[str]] = None) -> bool:
    """Whether some name the file (`data`, at path `importer`) imports from a project module
    may build, or some project module it imports (`import models`, `from . import models`)
    may: its `models.build()` calls are the analysis's to read."""
    if not importer or importer == "-":
        return False
    for dots, module, names in from_imports(data):
        if not dots and not may_be_project_module(module):
            continue
        path = module_path(importer, dots, module)
        if path is not None and _builds(path, {name for name, _ in names}, read, MAX_REEXPORTS):
            return True
        if path is not None and os.path.basename(path) != "__init__.py":
            continue  # a module's names are no submodules; a package's may be (`from . import models`)
        if any(_holds(module_path(importer, dots, submodule(module, name)), read) for name, _ in names):
            return True
    modules = {part for module in module_imports(data) if may_be_project_module(module)
               for part in (module, module.split(".")[0])}  # `import pkg.models` binds `pkg`
    return any(_holds(module_path(importer, 0, module), read) for module in sorted(modules))


def module_imports(data: bytes) -> Tuple[str, ...]:
    """The modules of `import a.b as c, d` statements (each at a line's start, at any indentation)."""
    found = []
    for match in _statements(IMPORT, data):
        for part in match.group(1).split(b","):
            words = part.split()
            if words:
                found.append(words[0].decode("ascii", "replace"))
    return tuple(found)


def _holds(path: Optional[str], read: Optional[List[str]]) -> bool:
    """Whether module file `path` holds BUILDER_WORD itself."""
    if path is None:
        return False
    if read is not None:
        read.append(os.path.abspath(path))
    return _module(path)[0]


def builder_imports(importer: str, imports: Iterable[Tuple[int, str, str]],
                    read: Optional[List[str]] = None) -> FrozenSet[Tuple[int, str, str]]:
    """Of the (dots, module, name) a file calls, those that may build regularized layers."""
    return frozenset(found for found in imports if may_build(importer, *found, read))


def may_build(importer: str, dots: int, module: str, name: str, read: Optional[List[str]] = None) -> bool:
    """Whether `name`, imported by file `importer` from `module`, may build regularized layers.
    The module files consulted are added to `read`: the answer holds while they are unchanged."""
    if not importer or importer == "-":
        return False
    path = module_path(importer, dots, module)
    return path is not None and _builds(path, {name}, read, MAX_REEXPORTS)


def _builds(path: str, names: Set[str], read: Optional[List[str]], reexports: int) -> bool:
    """Whether module file `path` may build one of `names` itself or re-export it from one that may."""
    if read is not None:
        read.append(os.path.abspath(path))
    holds, sources = _module(path)
    if holds:
        return True
    if reexports <= 0:
        return False
    for name in names:
        for dots, module, original in sources.get(name, ()):
            inner = module_path(path, dots, module)
            if inner is not None and _builds(inner, {original}, read, reexports - 1):
                return True
    return False


def _module(path: str) -> Tuple[bool, Sources]:
    """(holds BUILDER_WORD, where its imported names come from), remembered while the file is unchanged."""
    key = os.path.abspath(path)
    try:
        status = os.stat(key)
        stamp = (status.st_size, status.st_mtime_ns)
    except OSError:
        return False, {}
    known = _modules.get(key)
    if known is not None and known[0] == stamp:
        return known[1], known[2]
    try:
        with open(key, "rb") as handle:
            data = handle.read(MAX_MODULE_BYTES + 1)
    except OSError:
        data = b""
    if len(data) > MAX_MODULE_BYTES:
        data = b""  # the index does not summarise it either
    holds = BUILDER_WORD in data.lower()
    sources: Sources = {}
    for dots, module, pairs in () if holds else from_imports(data):
        for original, local in pairs:
            sources.setdefault(local, []).append((dots, module, original))
    _modules[key] = (stamp, holds, sources)
    return holds, sources
