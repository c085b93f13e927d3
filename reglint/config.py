"""`[tool.reglint]` settings from the nearest pyproject.toml (or --config).

Why it is strict: a misspelt key or a wrongly typed value silently changes which
hazards are reported, so every problem raises `ConfigError` with a one-line message
naming the file and the key; the CLI prints it and exits 2. Unknown rule codes are
errors too (checked once the rule registry is loaded, in `Settings.enabled_codes`).

Rule selection is layered as in ruff: the config's `select` / `extend-select` /
`ignore` first, then the command line's on top, so a CLI `--select` replaces
whatever the config selected and CLI `--extend-select` / `--ignore` adjust the
result. Globs (`exclude`, `extend-exclude`, `per-file-ignores`) are ruff's: relative
to the config file's folder, matched against the whole path or the base name, `*`
may cross `/`, `**/` spans folders and `{a,b}` alternates.
"""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Dict, FrozenSet, Iterable, List, Mapping, Optional, Sequence, Tuple

from reglint.reading import MAX_SOURCE_BYTES, READ_LIMIT


class ConfigError(Exception):
    """A configuration problem, worded for a one-line message."""


DEFAULT_EXCLUDES = (
    ".bzr", ".direnv", ".eggs", ".git", ".git-rewrite", ".hg", ".ipynb_checkpoints",
    ".mypy_cache", ".nox", ".pants.d", ".pytype", ".reglint_cache", ".ruff_cache", ".svn",
    ".tox", ".venv", "venv", ".pytest_cache", "__pypackages__", "_build", "buck-out",
    "build", "dist", "node_modules", "site-packages", "__pycache__",
)
CONFIG_FILES = ("*.yaml", "*.yml", "*.json", "*.prototxt", "*.jsonnet")
OUTPUT_FORMATS = ("full", "concise", "json", "json-lines", "sarif", "github")
SECTION = "[tool.reglint]"


@dataclass(frozen=True)
class Settings:
    # rule selection from the config file ...
    select: Optional[Tuple[str, ...]] = None  # None: the rules enabled by default
    extend_select: Tuple[str, ...] = ()
    ignore: Tuple[str, ...] = ()
    # ... and from the command line, applied on top
    cli_select: Optional[Tuple[str, ...]] = None
    cli_extend_select: Tuple[str, ...] = ()
    cli_ignore: Tuple[str, ...] = ()
    per_file_ignores: Tuple[Tuple[str, Tuple[str, ...]], ...] = ()
    exclude: Tuple[str, ...] = DEFAULT_EXCLUDES
    extend_exclude: Tuple[str, ...] = ()
    respect_gitignore: bool = True
    force_exclude: bool = False  # apply `exclude` to paths named on the command line too
    fix: bool = False
    unsafe_fixes: bool = False
    output_format: str = "full"
    # larger files that pass the words test are RL000, never given to libcst (see reglint.reading)
    max_file_size: int = MAX_SOURCE_BYTES
    # globs of the files read as training configs (YAML/JSON by shape, see reglint.configs);
    # `config-files = []` turns config checking off
    config_files: Tuple[str, ...] = CONFIG_FILES
    root: str = "."  # the folder of the config file; relative patterns start here
    config_file: Optional[str] = None

    def with_overrides(self, **changes) -> "Settings":
        return replace(self, **{k: v for k, v in changes.items() if v is not None})

    # -- which rules run -------------------------------------------------------
    def enabled_codes(self, rules: Mapping[str, object]) -> FrozenSet[str]:
        """The codes that run, after checking every code the settings name."""
        self._check_per_file_ignores(rules)
        codes = {code for code, rule in rules.items() if getattr(rule, "default", True)}
        config = f"{self.config_file}: {SECTION} " if self.config_file else f"{SECTION} "
        layers = (
            (self.select, self.extend_select, self.ignore, (config + "select", config + "extend-select", config + "ignore")),
            (self.cli_select, self.cli_extend_select, self.cli_ignore, ("--select", "--extend-select", "--ignore")),
        )
        for select, extend, ignore, (select_key, extend_key, ignore_key) in layers:
            if select is not None:
                codes = set(expand_codes(select, rules, select_key))
            codes |= set(expand_codes(extend, rules, extend_key))
            codes -= set(expand_codes(ignore, rules, ignore_key))
        return frozenset(codes)

    def _check_per_file_ignores(self, rules: Mapping[str, object]) -> None:
        where = f"{self.config_file}: " if self.config_file else ""
        for pattern, codes in self.per_file_ignores:
            list(expand_codes(codes, rules, f"{where}{SECTION} per-file-ignores {pattern!r}"))

    def ignored_for(self, path: str) -> Tuple[str, ...]:
        """Codes or prefixes that per-file-ignores switch off for `path`."""
        if not self.per_file_ignores:
            return ()
        absolute = _absolute_posix(path)
        name = absolute.rsplit("/", 1)[-1]
        ignored: List[str] = []
        for globs, negated, codes in _compiled_per_file_ignores(self.per_file_ignores, self.root):
            if globs.match(absolute, name) != negated:
                ignored.extend(codes)
        return tuple(ignored)

    def exclude_globs(self) -> "GlobSet":
        return GlobSet(tuple(self.exclude) + tuple(self.extend_exclude), self.root)


def expand_codes(selectors: Iterable[str], rules: Mapping[str, object], key: str) -> Iterable[str]:
    """Codes matching each selector (a code, a prefix like `RL00`, or `ALL`)."""
    for selector in selectors:
        wanted = selector.strip().upper()
        if wanted == "ALL":
            yield from rules
            continue
        matched = [code for code in rules if code.startswith(wanted)] if wanted else []
        if not matched:
            raise ConfigError(f"{key}: unknown rule code or prefix {selector!r} (see `reglint rules`)")
        yield from matched


# -- config globs --------------------------------------------------------------------

def _absolute_posix(path: str) -> str:
    return Path(os.path.realpath(path)).as_posix()


class GlobSet:
    """Globs as ruff reads them: each matches the absolute path (the glob joined to the
    config root) or the base name."""

    def __init__(self, patterns: Sequence[str], root: str):
        from reglint.gitignore import _Unmatchable, translate

        prefix = re.escape(_absolute_posix(root).rstrip("/") + "/")
        full, base = [], []
        for pattern in patterns:
            pattern = pattern[2:] if pattern.startswith("./") else pattern
            try:
                regex = translate(pattern, star_crosses_slash=True, braces=True)
            except _Unmatchable:
                continue
            base.append(regex)
            full.append(regex if pattern.startswith("/") else prefix + regex)
        self._full = _union(full)
        self._base = _union(base)

    def match(self, absolute: str, name: str) -> bool:
        """`absolute`: the path as an absolute posix string; `name`: its last part."""
        if self._base is None:
            return False
        return bool(self._base.fullmatch(name) or self._full.fullmatch(absolute))


def _union(regexes: List[str]) -> Optional["re.Pattern[str]"]:
    if not regexes:
        return None
    try:
        return re.compile("|".join(f"(?:{r})" for r in regexes), re.DOTALL)
    except re.error:  # pragma: no cover - translate only emits valid regexes
        return None


@lru_cache(maxsize=8)
def _compiled_per_file_ignores(entries, root) -> Tuple[Tuple[GlobSet, bool, Tuple[str, ...]], ...]:
    compiled = []
    for pattern, codes in entries:
        negated = pattern.startswith("!")
        glob = pattern[1:] if negated else pattern
        compiled.append((GlobSet((glob,), root), negated, tuple(c.strip().upper() for c in codes)))
    return tuple(compiled)


# -- reading pyproject.toml ------------------------------------------------------

def _type(value) -> str:
    names = {str: "a string", bool: "a boolean", int: "an integer", float: "a number", list: "a list", dict: "a table"}
    return names.get(type(value), type(value).__name__)


def _str_list(key: str, value) -> Tuple[str, ...]:
    if not isinstance(value, list):
        raise ConfigError(f"{key}: expected a list of strings, got {_type(value)}")
    for item in value:
        if not isinstance(item, str):
            raise ConfigError(f"{key}: expected a list of strings, got a list containing {_type(item)}")
    return tuple(value)


def _bool(key: str, value) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(f"{key}: expected true or false, got {_type(value)}")
    return value


def _output_format(key: str, value) -> str:
    if value not in OUTPUT_FORMATS:
        shown = repr(value) if isinstance(value, str) else _type(value)
        raise ConfigError(f"{key}: expected one of {', '.join(OUTPUT_FORMATS)}, got {shown}")
    return value


def _file_size(key: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(f"{key}: expected a number of bytes (an integer), got {_type(value)}")
    if not 0 < value <= READ_LIMIT:
        raise ConfigError(f"{key}: expected a number of bytes from 1 to {READ_LIMIT:_}, got {value:_}")
    return value


def _per_file_ignores(key: str, value) -> Tuple[Tuple[str, Tuple[str, ...]], ...]:
    if not isinstance(value, dict):
        raise ConfigError(f"{key}: expected a table of \"glob\" = [\"RL001\", ...], got {_type(value)}")
    return tuple((pattern, _str_list(f"{key} {pattern!r}", codes)) for pattern, codes in value.items())


KEYS = {
    "select": ("select", _str_list),
    "extend-select": ("extend_select", _str_list),
    "ignore": ("ignore", _str_list),
    "per-file-ignores": ("per_file_ignores", _per_file_ignores),
    "exclude": ("exclude", _str_list),
    "extend-exclude": ("extend_exclude", _str_list),
    "respect-gitignore": ("respect_gitignore", _bool),
    "force-exclude": ("force_exclude", _bool),
    "fix": ("fix", _bool),
    "unsafe-fixes": ("unsafe_fixes", _bool),
    "output-format": ("output_format", _output_format),
    "max-file-size": ("max_file_size", _file_size),
    "config-files": ("config_files", _str_list),
}


def _unknown_key(key: str) -> str:
    import difflib

    close = difflib.get_close_matches(key.replace("_", "-"), list(KEYS), n=1)
    hint = f"did you mean {close[0]!r}?" if close else f"known keys: {', '.join(KEYS)}"
    return f"unknown key {key!r} ({hint})"


def settings_from_table(table: Mapping, root: str, config_file: Optional[str]) -> Settings:
    where = f"{config_file}: {SECTION}" if config_file else SECTION
    values: Dict[str, object] = {}
    for key, value in table.items():
        if key not in KEYS:
            raise ConfigError(f"{where} {_unknown_key(key)}")
        field_name, convert = KEYS[key]
        values[field_name] = convert(f"{where} {key}", value)
    return Settings(root=root, config_file=config_file, **values)


def _load_toml(path: Path, data: Optional[bytes] = None) -> dict:
    # imported here: most runs find no config mentioning reglint and never need it
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on Python < 3.11 only
        import tomli as tomllib

    try:
        if data is None:
            data = path.read_bytes()
        return tomllib.loads(data.decode("utf-8-sig"))  # a BOM from a Windows editor is harmless
    except OSError as error:
        raise ConfigError(f"cannot read config file {path}: {error.strerror or error}") from None
    except UnicodeDecodeError as error:
        raise ConfigError(f"{path}: invalid TOML: not UTF-8 text (byte {error.start})") from None
    except tomllib.TOMLDecodeError as error:
        message = " ".join(str(error).split())
        raise ConfigError(f"{path}: invalid TOML: {message}") from None


def _reglint_table(document: dict, path: Path) -> Optional[dict]:
    """`[tool.reglint]`, or None when the document has none."""
    tool = document.get("tool")
    if tool is None:
        return None
    if not isinstance(tool, dict):
        raise ConfigError(f"{path}: [tool] must be a table, got {_type(tool)}")
    table = tool.get("reglint")
    if table is not None and not isinstance(table, dict):
        raise ConfigError(f"{path}: {SECTION} must be a table, got {_type(table)}")
    return table


def read_config_file(path: Path) -> Settings:
    """Settings from `--config FILE`: a pyproject.toml's [tool.reglint], or a file
    holding those keys at the top level (or in its own [tool.reglint])."""
    document = _load_toml(path)
    table = _reglint_table(document, path)
    if table is None:
        table = {} if path.name == "pyproject.toml" else document
    return settings_from_table(table, str(path.resolve().parent), str(path))


def find_pyproject(start: Path) -> Optional[Tuple[Path, dict]]:
    """The nearest pyproject.toml with a [tool.reglint] table, walking up from `start`
    (which need not exist, e.g. a --stdin-filename), with that table."""
    folder = start.resolve()
    if not folder.is_dir():
        folder = folder.parent
    for candidate_dir in (folder, *folder.parents):
        candidate = candidate_dir / "pyproject.toml"
        try:
            data = candidate.read_bytes()
        except OSError:  # missing, a folder, or unreadable: not ours to complain about
            continue
        if b"reglint" not in data:  # cheap: most pyproject.toml files never mention us
            continue
        table = _reglint_table(_load_toml(candidate, data), candidate)
        if table is not None:
            return candidate, table
    return None


def load_settings(config: Optional[str], paths: Sequence[str]) -> Settings:
    if config:
        return read_config_file(Path(config))
    start = Path(paths[0]) if paths and paths[0] != "-" else Path.cwd()
    found = find_pyproject(start)
    if found is None:
        return Settings(root=str(Path.cwd()))
    path, table = found
    return settings_from_table(table, str(path.parent), str(path))
