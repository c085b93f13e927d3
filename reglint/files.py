"""Path discovery: which files a run checks.

Folders are walked for `*.py` / `*.pyi`, Jupyter notebooks (`*.ipynb`, see
`reglint.sources.notebook`; `extend-exclude = ["*.ipynb"]` leaves them out) and training
configs matching `config-files` (`*.yaml`, `*.yml`, `*.json`; read only when their
bytes have a config's shape, see `reglint.configs`). The walk
skips what nobody wants linted and what would make a run slow or noisy: the
default excludes (`.git`, `build`,
`__pycache__`, ...), any virtualenv or conda environment whatever its name (a folder
holding `pyvenv.cfg` or `conda-meta`), the config's `exclude` / `extend-exclude`
globs, and — unless `respect-gitignore = false` — whatever the `.gitignore` files
(root and nested, plus `.git/info/exclude`) ignore; see `reglint.gitignore`.

Paths named on the command line are always checked, whatever their extension and
even when a pattern excludes them: the user asked for them. With `force-exclude`
(as in ruff) the `exclude` patterns apply to them too, which is what pre-commit
needs, since it names every staged file, fixtures included. Symlinked folders are followed, each real folder once, so a
symlink loop ends the walk instead of hanging it. The order is deterministic:
arguments in the order given; inside a folder, its files by name, then its
subfolders by name. Problems are collected, never raised: a missing path or an
unreadable folder becomes an entry in `Discovery.errors`, reported as RL000.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import List, Optional, Sequence, Set, Tuple

from reglint import gitignore
from reglint.config import GlobSet, Settings
from reglint.configs.formats import CONFIG_SUFFIXES

SOURCE_SUFFIXES = (".py", ".pyi", ".ipynb")
# a folder holding one of these is a Python environment, not project code
ENVIRONMENT_MARKERS = ("pyvenv.cfg", "conda-meta")
MISSING = "cannot read: No such file or directory"


@dataclass
class Discovery:
    files: List[str] = field(default_factory=list)
    # (path, one-line message) for paths that do not exist or folders that cannot be read
    errors: List[Tuple[str, str]] = field(default_factory=list)
    # the files named as such (not found in a folder): always read enough to report RL000
    named: List[str] = field(default_factory=list)


def discover(paths: Sequence[str], settings: Settings) -> Discovery:
    walker = _Walker(settings)
    for raw in paths:
        walker.add(raw)
    return walker.found


def _join(folder: str, name: str) -> str:
    return name if folder == "." else os.path.join(folder, name)


DIR, FILE, OTHER = "dir", "file", "other"


def _kind(entry: os.DirEntry) -> str:
    """What a folder entry is, following symlinks. A broken or looping symlink counts
    as a file, so reading it reports the problem; a FIFO, socket or device is OTHER
    and never opened (reading a FIFO would block the run forever)."""
    try:
        if entry.is_dir():
            return DIR
        if entry.is_file() or entry.is_symlink():
            return FILE
        return OTHER
    except OSError:  # a symlink loop or an unreadable target
        return FILE


@dataclass
class _Folder:
    """A folder waiting to be listed."""

    path: str  # as shown to the user
    absolute: str  # for config globs: the real path of the named root + the names below it
    relative: Optional[str]  # from the .gitignore top, posix; None when .gitignore is off
    levels: Tuple[gitignore.Level, ...]
    named: bool = False  # named on the command line: never skipped as an environment


class _Walker:
    def __init__(self, settings: Settings):
        self.settings = settings
        self.globs = settings.exclude_globs()
        self.found = Discovery()
        self._seen_files: Set[str] = set()
        self._seen_folders: Set[Tuple[int, int]] = set()
        # training configs (`config-files` globs): walked too, read only if their bytes fit
        self.config_globs = GlobSet(settings.config_files, settings.root) if settings.config_files else None
        self.suffixes = SOURCE_SUFFIXES + (CONFIG_SUFFIXES if self.config_globs else ())

    def add(self, raw: str) -> None:
        path = str(Path(raw))
        if self.settings.force_exclude and is_excluded(path, self.settings, self.globs):
            return
        if not os.path.lexists(path):
            self.found.errors.append((path, MISSING))
        elif os.path.isdir(path):
            self._walk(path)
        else:
            self._add_file(path)  # named explicitly: checked whatever its name
            self.found.named.append(path)

    def _add_file(self, path: str) -> None:
        if path not in self._seen_files:
            self._seen_files.add(path)
            self.found.files.append(path)

    # -- walking ------------------------------------------------------------------
    def _walk(self, root: str) -> None:
        absolute = Path(os.path.realpath(root)).as_posix()
        relative, levels = self._gitignore_context(absolute)
        stack = [_Folder(root, absolute, relative, levels, named=True)]
        while stack:
            folder = stack.pop()
            subfolders = self._list(folder)
            stack.extend(reversed(subfolders))

    def _list(self, folder: _Folder) -> List[_Folder]:
        """Add the folder's source files; return its subfolders still to walk."""
        try:
            status = os.stat(folder.path)
            key = (status.st_dev, status.st_ino)
            if key in self._seen_folders:  # a symlink loop or a second way to the same folder
                return []
            self._seen_folders.add(key)
            with os.scandir(folder.path) as listing:
                entries = sorted(listing, key=lambda entry: entry.name)
        except OSError as error:
            self.found.errors.append((folder.path, f"cannot read directory: {error.strerror or error}"))
            return []
        names = {entry.name for entry in entries}
        if not folder.named and any(marker in names for marker in ENVIRONMENT_MARKERS):
            return []
        relative, levels = folder.relative, folder.levels
        if relative is not None:
            if ".git" in names and relative != "":  # a nested repository: its own rules only
                relative, levels = "", _repository_levels(folder.path)
            if ".gitignore" in names:
                rules = gitignore.read(_join(folder.path, ".gitignore"))
                if rules:
                    levels = levels + (gitignore.Level(relative, rules),)
        subfolders = []
        for entry in entries:
            name = entry.name
            kind = _kind(entry)
            is_dir = kind == DIR
            if not is_dir and (kind == OTHER or not name.endswith(self.suffixes)):
                continue
            absolute = f"{folder.absolute.rstrip('/')}/{name}"
            if self.globs.match(absolute, name):
                continue
            if not is_dir and name.endswith(CONFIG_SUFFIXES) and not self.config_globs.match(absolute, name):
                continue
            child_relative = None
            if relative is not None:
                child_relative = f"{relative}/{name}" if relative else name
                if gitignore.ignored(levels, child_relative, is_dir):
                    continue
            path = _join(folder.path, name)
            if is_dir:
                subfolders.append(_Folder(path, absolute, child_relative, levels))
            else:
                self._add_file(path)
        return subfolders

    # -- .gitignore -----------------------------------------------------------------
    def _gitignore_context(self, absolute: str) -> Tuple[Optional[str], Tuple[gitignore.Level, ...]]:
        """The walk root's path from its .gitignore top, and the rules above it.

        The top is the nearest folder holding `.git`; outside a repository it is the
        config root when that contains the walk root, else the walk root itself.
        """
        if not self.settings.respect_gitignore:
            return None, ()
        root = Path(absolute)
        top = next((folder for folder in (root, *root.parents) if os.path.lexists(folder / ".git")), None)
        levels: Tuple[gitignore.Level, ...] = ()
        if top is not None:
            levels = _repository_levels(str(top))
        else:
            config_root = Path(os.path.realpath(self.settings.root))
            top = config_root if config_root == root or config_root in root.parents else root
        relative = root.relative_to(top).as_posix()
        relative = "" if relative == "." else relative
        # the .gitignore files of the folders from the top down to the walk root's parent
        parts = Path(relative).parts if relative else ()
        folder = top
        for index, part in enumerate(parts):
            rules = gitignore.read(str(folder / ".gitignore"))
            if rules:
                levels += (gitignore.Level("/".join(parts[:index]), rules),)
            folder = folder / part
        return relative, levels


def is_excluded(path: str, settings: Settings, globs=None) -> bool:
    """Whether `exclude` / `extend-exclude` match `path` or a folder above it (up to the
    config root; outside the root only the path itself is matched)."""
    globs = globs or settings.exclude_globs()
    absolute = Path(os.path.realpath(os.path.dirname(path) or ".")) / os.path.basename(path)
    root = Path(os.path.realpath(settings.root))
    inside = absolute == root or root in absolute.parents
    for candidate in (absolute, *absolute.parents):
        if inside and candidate == root:
            break
        if globs.match(candidate.as_posix(), candidate.name):
            return True
        if not inside:
            break
    return False


def _repository_levels(top: str) -> Tuple[gitignore.Level, ...]:
    """`.git/info/exclude`: the lowest-precedence rules of a repository."""
    rules = gitignore.read(os.path.join(top, ".git", "info", "exclude"))
    return (gitignore.Level("", rules),) if rules else ()
