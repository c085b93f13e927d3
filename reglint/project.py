"""The project index: which file a checked file's `from m import x` names, and that module's summary.

A training script's imports are found the way Python would find them when the
script runs from its own folder or from the project root: the script's folder,
its ancestors up to the project root (the folder of the nearest `.git`,
`pyproject.toml`, `setup.py` or `setup.cfg`), and a `src/` folder in each; a
relative import starts from the importer's package. Only modules a checked file
actually reaches are read, and each module's summary is kept by its content, so
an edited module is read again and an unchanged one never twice in a process.
Every module read is recorded, so a cached result can be invalidated when one changes.
"""

from __future__ import annotations

import os
import sys
from functools import lru_cache
from typing import TYPE_CHECKING, Dict, List, Optional, Tuple

from reglint.frameworks import LIBRARY_ROOTS

if TYPE_CHECKING:  # the summaries are read with `ast` only once a lookup needs them
    from reglint.analysis.summary import Summary

ROOT_MARKERS = (".git", "pyproject.toml", "setup.py", "setup.cfg")
MAX_ASCENT = 6  # folders above the checked file searched for a project module
MAX_MODULE_BYTES = 1_000_000  # a larger module is not summarised
MAX_REEXPORTS = 3  # `from .models import build` in a package's __init__, followed this many times

_by_digest: Dict[str, Optional["Summary"]] = {}


def may_be_project_module(module: Optional[str]) -> bool:
    """Whether `from module import ...` may name a module of the project: neither the standard
    library nor a library reglint knows."""
    root = (module or "").split(".", 1)[0]
    return bool(root) and root not in LIBRARY_ROOTS and root not in getattr(sys, "stdlib_module_names", ())


def _search_folders(importer: str) -> List[str]:
    return _folders_from(os.path.dirname(os.path.abspath(importer)))


@lru_cache(maxsize=4096)
def _folders_from(folder: str) -> Tuple[str, ...]:
    """The folders an absolute import is looked for in, from the importer's folder up to the
    project root (remembered per folder: every file of a folder asks the same)."""
    folders = []
    for _ in range(MAX_ASCENT):
        folders.append(folder)
        src = os.path.join(folder, "src")
        if os.path.isdir(src):
            folders.append(src)
        if any(os.path.exists(os.path.join(folder, marker)) for marker in ROOT_MARKERS):
            break
        parent = os.path.dirname(folder)
        if parent == folder:
            break
        folder = parent
    return tuple(folders)


# (folder, module) -> its file or None: every file of a package asks for the same modules
# (two `stat` calls each). Kept for one run: `forget` starts another (the editor server
# calls it before each check, so a module written since is found).
_module_files: Dict[Tuple[str, str], Optional[str]] = {}


_generation = [0]  # how many times `forget` ran: a memo keyed on it is for the files as found since


def forget() -> None:
    """Drop what was found on disk: the folders searched and the module files."""
    _module_files.clear()
    _folders_from.cache_clear()
    _generation[0] += 1


def generation() -> int:
    return _generation[0]


def _module_file(base: str, module: str) -> Optional[str]:
    key = (base, module)
    if key not in _module_files:
        stem = os.path.join(base, *module.split(".")) if module else base
        _module_files[key] = next((candidate for candidate in (stem + ".py", os.path.join(stem, "__init__.py"))
                                   if os.path.isfile(candidate)), None)
    return _module_files[key]


def submodule(package: str, name: str) -> str:
    """The module `name` of `package` (`from . import models`: package "", module "models")."""
    return f"{package}.{name}" if package else name


def module_path(importer: str, level: int, module: str) -> Optional[str]:
    """The file of module `module` imported with `level` leading dots from file `importer`."""
    if level:
        base = os.path.dirname(os.path.abspath(importer))
        for _ in range(level - 1):
            base = os.path.dirname(base)
        return _module_file(base, module)
    if not module:
        return None
    for folder in _search_folders(importer):
        found = _module_file(folder, module)
        if found is not None and os.path.abspath(found) != os.path.abspath(importer):
            return found
    return None


def summary_of(path: str) -> Optional["Summary"]:
    """The module's summary, by its content (None when unreadable or too large)."""
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_MODULE_BYTES + 1)
    except OSError:
        return None
    if len(data) > MAX_MODULE_BYTES:
        return None
    import hashlib  # here: a run that reads no summary does not pay its import (~2 ms)

    digest = hashlib.blake2b(data, digest_size=16).hexdigest() + path
    if digest not in _by_digest:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            _by_digest[digest] = None
        else:
            from reglint.analysis.summary import summarize

            try:
                _by_digest[digest] = summarize(path, text)
            except (RecursionError, MemoryError):  # too deep to read: another module never breaks this file's check
                _by_digest[digest] = None
    return _by_digest[digest]


class Index:
    """The modules one checked file resolved through (its dependencies, for the cache)."""

    def __init__(self, importer: str):
        self.importer = importer
        self.read: Dict[str, None] = {}

    def lookup(self, level: int, module: str, name: str, importer: Optional[str] = None) -> Optional[Tuple["Summary", str]]:
        """(summary of the module defining `name`, name there), following re-exports; the
        import is the checked file's, or that of module file `importer`."""
        importer = importer or self.importer
        for _ in range(MAX_REEXPORTS + 1):
            path = module_path(importer, level, module)
            if path is None:
                return None
            summary = summary_of(path)
            self.read[os.path.abspath(path)] = None
            if summary is None:
                return None
            if name in summary.builders or name in summary.constants or name in summary.classes or name in summary.factories \
                    or name in summary.imported_calls or name in summary.functions:
                return summary, name
            if name not in summary.imports:
                return None
            level, module, name = summary.imports[name]
            importer = path
        return None

    @property
    def depends(self) -> Tuple[str, ...]:
        return tuple(self.read)
