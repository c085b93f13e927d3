"""`[tool.reglint]` settings from the nearest pyproject.toml (or --config).

Unknown keys and wrongly typed values raise `ConfigError` naming the key; the CLI
turns it into a one-line message and exit code 2.
"""

from __future__ import annotations

import fnmatch
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import Dict, FrozenSet, Iterable, Mapping, Optional, Sequence, Tuple

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python < 3.11 only
    import tomli as tomllib


class ConfigError(Exception):
    """A configuration problem, worded for a one-line message."""


DEFAULT_EXCLUDES = (
    ".bzr", ".direnv", ".eggs", ".git", ".git-rewrite", ".hg", ".ipynb_checkpoints",
    ".mypy_cache", ".nox", ".pants.d", ".pytype", ".reglint_cache", ".ruff_cache", ".svn",
    ".tox", ".venv", "venv", ".pytest_cache", "__pypackages__", "_build", "buck-out",
    "build", "dist", "node_modules", "site-packages", "__pycache__",
)
OUTPUT_FORMATS = ("full", "concise", "json", "json-lines", "sarif", "github")


@dataclass(frozen=True)
class Settings:
    select: Optional[Tuple[str, ...]] = None  # None: the rules enabled by default
    extend_select: Tuple[str, ...] = ()
    ignore: Tuple[str, ...] = ()
    per_file_ignores: Tuple[Tuple[str, Tuple[str, ...]], ...] = ()
    exclude: Tuple[str, ...] = DEFAULT_EXCLUDES
    extend_exclude: Tuple[str, ...] = ()
    respect_gitignore: bool = True
    fix: bool = False
    unsafe_fixes: bool = False
    output_format: str = "full"
    root: str = "."  # the folder of the config file; relative patterns start here
    config_file: Optional[str] = None

    def with_overrides(self, **changes) -> "Settings":
        return replace(self, **{k: v for k, v in changes.items() if v is not None})

    # -- which rules run -------------------------------------------------------
    def enabled_codes(self, rules: Mapping[str, object]) -> FrozenSet[str]:
        if self.select is None:
            codes = {code for code, rule in rules.items() if getattr(rule, "default", True)}
        else:
            codes = set(expand_codes(self.select, rules, "select"))
        codes |= set(expand_codes(self.extend_select, rules, "extend-select"))
        codes -= set(expand_codes(self.ignore, rules, "ignore"))
        return frozenset(codes)

    def ignored_for(self, path: str) -> Tuple[str, ...]:
        """Codes or prefixes that per-file-ignores switch off for `path`."""
        if not self.per_file_ignores:
            return ()
        relative = _relative_posix(path, self.root)
        name = PurePosixPath(relative).name
        ignored = []
        for pattern, codes in self.per_file_ignores:
            if fnmatch.fnmatch(relative, pattern) or ("/" not in pattern and fnmatch.fnmatch(name, pattern)):
                ignored.extend(codes)
        return tuple(ignored)


def _relative_posix(path: str, root: str) -> str:
    try:
        return Path(path).resolve().relative_to(Path(root).resolve()).as_posix()
    except (ValueError, OSError):
        return PurePosixPath(Path(path).as_posix()).as_posix()


def expand_codes(selectors: Iterable[str], rules: Mapping[str, object], key: str) -> Iterable[str]:
    """Codes matching each selector (a code or a prefix like `RL00`, or `ALL`)."""
    for selector in selectors:
        wanted = selector.strip().upper()
        if wanted == "ALL":
            yield from rules
            continue
        matched = [code for code in rules if code.startswith(wanted)]
        if not matched:
            raise ConfigError(f"{key}: unknown rule code or prefix {selector!r} (see `reglint rules`)")
        yield from matched


# -- reading pyproject.toml ------------------------------------------------------

def _str_list(key: str, value) -> Tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"[tool.reglint] {key}: expected a list of strings, got {_type(value)}")
    return tuple(value)


def _bool(key: str, value) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(f"[tool.reglint] {key}: expected true or false, got {_type(value)}")
    return value


def _output_format(key: str, value) -> str:
    if value not in OUTPUT_FORMATS:
        raise ConfigError(f"[tool.reglint] {key}: expected one of {', '.join(OUTPUT_FORMATS)}, got {value!r}")
    return value


def _per_file_ignores(key: str, value) -> Tuple[Tuple[str, Tuple[str, ...]], ...]:
    if not isinstance(value, dict):
        raise ConfigError(f"[tool.reglint] {key}: expected a table of glob = [codes], got {_type(value)}")
    return tuple((pattern, _str_list(f"{key}.{pattern!r}", codes)) for pattern, codes in value.items())


def _type(value) -> str:
    return {str: "a string", bool: "a boolean", int: "an integer", float: "a number", list: "a list", dict: "a table"}.get(type(value), type(value).__name__)


KEYS = {
    "select": ("select", _str_list),
    "extend-select": ("extend_select", _str_list),
    "ignore": ("ignore", _str_list),
    "per-file-ignores": ("per_file_ignores", _per_file_ignores),
    "exclude": ("exclude", _str_list),
    "extend-exclude": ("extend_exclude", _str_list),
    "respect-gitignore": ("respect_gitignore", _bool),
    "fix": ("fix", _bool),
    "unsafe-fixes": ("unsafe_fixes", _bool),
    "output-format": ("output_format", _output_format),
}


def settings_from_table(table: Mapping, root: str, config_file: Optional[str]) -> Settings:
    values: Dict[str, object] = {}
    for key, value in table.items():
        if key not in KEYS:
            raise ConfigError(f"[tool.reglint]: unknown key {key!r} (known: {', '.join(KEYS)})")
        field_name, convert = KEYS[key]
        values[field_name] = convert(key, value)
    return Settings(root=root, config_file=config_file, **values)


def read_config_file(path: Path) -> Settings:
    try:
        with open(path, "rb") as handle:
            document = tomllib.load(handle)
    except OSError as error:
        raise ConfigError(f"cannot read config file {path}: {error.strerror or error}") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: invalid TOML: {error}") from None
    table = document.get("tool", {}).get("reglint", {}) if path.name == "pyproject.toml" else document
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [tool.reglint] must be a table")
    return settings_from_table(table, str(path.parent.resolve()), str(path))


def find_pyproject(start: Path) -> Optional[Path]:
    """The nearest pyproject.toml with a [tool.reglint] table, walking up from `start`."""
    folder = start.resolve()
    if not folder.is_dir():
        folder = folder.parent
    for candidate_dir in (folder, *folder.parents):
        candidate = candidate_dir / "pyproject.toml"
        if candidate.is_file() and _has_reglint_table(candidate):
            return candidate
    return None


def _has_reglint_table(path: Path) -> bool:
    try:
        data = path.read_bytes()
    except OSError:
        return False
    return b"tool.reglint" in data


def load_settings(config: Optional[str], paths: Sequence[str]) -> Settings:
    if config:
        return read_config_file(Path(config))
    start = Path(paths[0]) if paths else Path.cwd()
    found = find_pyproject(start if start.exists() else Path.cwd())
    if found is None:
        return Settings(root=str(Path.cwd()))
    return read_config_file(found)
