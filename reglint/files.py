"""Path discovery: which files a run checks.

Folders are walked for `*.py`/`*.pyi`; default excludes, config `exclude` /
`extend-exclude` and `.gitignore` rules prune the walk. Paths named explicitly
on the command line are always checked (as ruff does), unless excluded by name.
"""

from __future__ import annotations

import fnmatch
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import List, Sequence

from reglint.config import Settings

SOURCE_SUFFIXES = (".py", ".pyi")


@dataclass
class Discovery:
    files: List[str] = field(default_factory=list)
    # (path, one-line reason) for paths that could not be walked or do not exist
    errors: List[tuple] = field(default_factory=list)


def _excluded(name: str, relative: str, patterns: Sequence[str]) -> bool:
    return any(fnmatch.fnmatch(name, p) or fnmatch.fnmatch(relative, p) for p in patterns)


def discover(paths: Sequence[str], settings: Settings) -> Discovery:
    found = Discovery()
    patterns = tuple(settings.exclude) + tuple(settings.extend_exclude)
    root = Path(settings.root)
    seen = set()

    def relative(path: Path) -> str:
        try:
            return path.resolve().relative_to(root.resolve()).as_posix()
        except (ValueError, OSError):
            return path.as_posix()

    def add(path: Path) -> None:
        key = str(path)
        if key not in seen:
            seen.add(key)
            found.files.append(key)

    for raw in paths:
        path = Path(raw)
        if not os.path.lexists(path):
            found.errors.append((raw, "No such file or directory"))
            continue
        if path.is_file() or not path.is_dir():
            if not _excluded(path.name, relative(path), patterns) or raw in paths:
                add(path)
            continue
        visited = set()

        def on_error(error: OSError) -> None:
            found.errors.append((error.filename or raw, f"cannot read directory: {error.strerror or error}"))

        for folder, dirs, files in os.walk(path, onerror=on_error, followlinks=True):
            real = os.path.realpath(folder)
            if real in visited:  # a symlink loop: walk each real folder once
                dirs[:] = []
                continue
            visited.add(real)
            dirs[:] = sorted(d for d in dirs if not _excluded(d, relative(Path(folder, d)), patterns))
            for name in sorted(files):
                if name.endswith(SOURCE_SUFFIXES) and not _excluded(name, relative(Path(folder, name)), patterns):
                    add(Path(folder, name))
    return found
