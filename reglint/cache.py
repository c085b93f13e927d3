"""The per-file result cache, like `.ruff_cache`.

One cache file per (reglint build, resolved settings, enabled rules); inside it,
one entry per checked file keyed by its path and validated by size, mtime and
mode, and by the stats of the other files its result was read from (project modules a
Python file imports; a config's `_BASE_` and defaults-list group files, looked for and
missing ones too). A file whose stat changed is checked again; a change of settings or of
reglint itself selects another cache file, so nothing stale is ever read.
Only check runs without fixes read or write it (a fix rewrites files anyway).
"""

from __future__ import annotations

import hashlib
import os
import pickle
import shutil
import tempfile
from pathlib import Path
from typing import Dict, List, Optional, Tuple

from reglint import __version__

DEFAULT_DIR = ".reglint_cache"
FORMAT = 3  # bump when the entry layout changes (2: Diagnostic.note; 3: stamps of the project modules read)

Stamp = Tuple[int, int, int]  # size, mtime_ns, mode


def stamp_of(path: str) -> Optional[Stamp]:
    try:
        info = os.stat(path)
    except OSError:
        return None
    return (info.st_size, info.st_mtime_ns, info.st_mode)


def _build_fingerprint() -> str:
    """reglint's version plus the stat of its own sources, so an edited checkout never reads stale results."""
    import reglint
    from reglint import rules

    digest = hashlib.sha256(f"{__version__}:{FORMAT}".encode())
    for package in (reglint, rules):
        folder = Path(package.__file__).parent
        for source in sorted(folder.rglob("*.py")):
            info = source.stat()
            digest.update(f"{source.name}:{info.st_size}:{info.st_mtime_ns}".encode())
    return digest.hexdigest()


def key_for(settings, codes) -> str:
    """The cache file's name for these settings and rules."""
    digest = hashlib.sha256(_build_fingerprint().encode())
    digest.update(repr(settings).encode())
    digest.update(",".join(sorted(codes)).encode())
    return digest.hexdigest()[:32]


def default_dir(settings) -> Path:
    configured = os.environ.get("REGLINT_CACHE_DIR")
    return Path(configured) if configured else Path(settings.root) / DEFAULT_DIR


class Cache:
    """Entries for one settings key: path -> (stamp, diagnostics, stamps of the project modules
    the analysis read), valid while all of them are unchanged."""

    def __init__(self, folder: Path, key: str):
        self.file = folder / f"{key}.pickle"
        self.folder = folder
        self.entries: Dict[str, Tuple[Stamp, List, Tuple]] = {}
        self.changed = False
        try:
            with open(self.file, "rb") as handle:
                loaded = pickle.load(handle)
            if isinstance(loaded, dict):
                self.entries = loaded
        except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError, ValueError, TypeError):
            self.entries = {}  # a missing or damaged cache is an empty one

    def get(self, path: str, stamp: Optional[Stamp]) -> Optional[List]:
        entry = self.entries.get(os.path.abspath(path))
        if entry is None or stamp is None or entry[0] != stamp:
            return None
        if any(stamp_of(module) != module_stamp for module, module_stamp in entry[2]):
            return None  # a module it resolved through changed (or is gone)
        return entry[1]

    def put(self, path: str, stamp: Optional[Stamp], diagnostics: List, depends: Tuple[str, ...] = ()) -> None:
        if stamp is None or any(d.code == "RL000" and "cannot read" in d.message for d in diagnostics):
            return  # never remember a transient read failure
        self.entries[os.path.abspath(path)] = (stamp, diagnostics, tuple((m, stamp_of(m)) for m in depends))
        self.changed = True

    def save(self) -> None:
        """Write atomically; a cache that cannot be written is silently skipped."""
        if not self.changed:
            return
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            gitignore = self.folder / ".gitignore"
            if not gitignore.exists():
                gitignore.write_text("# Created by reglint automatically.\n*\n")
            handle, temporary = tempfile.mkstemp(dir=self.folder, suffix=".tmp")
            with os.fdopen(handle, "wb") as out:
                pickle.dump(self.entries, out, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(temporary, self.file)
        except OSError:
            pass


def clean(folder: Path) -> bool:
    """Remove the cache folder; True when there was one."""
    if not folder.exists():
        return False
    shutil.rmtree(folder, ignore_errors=True)
    return True
