"""Training configs (YAML, JSON, prototxt, jsonnet) as a source kind.

A path with a config suffix (`reglint.configs.formats.CONFIG_SUFFIXES`) is read here;
it is a config when `config-files` matches it, and checked only when its bytes have a
config's shape (`formats.may_hold_facts`), so unrelated YAML/JSON costs one bytes scan.
Such a file over `max-file-size` is RL000 naming the limit, as a Python file with rule
words is; one without a config's words is never reglint's to report, named or not
(pre-commit names every staged `package-lock.json`).
A config path that `config-files` leaves out is not Python either: nothing is checked.
The text is UTF-8 (a BOM kept on writing); positions are the file's own; the checks and
the fix loop are `reglint.configs.source`'s.
"""

from __future__ import annotations

from functools import lru_cache
from typing import List, Optional, Sequence, Tuple

from reglint.configs import formats
from reglint.configs.tree import ConfigSyntaxError
from reglint.diagnostic import Diagnostic, parse_error
from reglint.engine import Plan
from reglint.pipeline import FileResult
from reglint.reading import too_large


def is_config(path: str, settings) -> bool:
    """Whether `path` is read as a config (by name; its bytes decide later)."""
    if formats.syntax_of(path) is None or not settings.config_files:
        return False
    import os

    from reglint.config import _absolute_posix

    globs = _globs(tuple(settings.config_files), settings.root)
    name = os.path.basename(path)
    # the base name first (`*.yaml`): the absolute path costs a realpath per file
    return globs.match("", name) or globs.match(_absolute_posix(path), name)


@lru_cache(maxsize=4)
def _globs(patterns, root):
    from reglint.config import GlobSet

    return GlobSet(patterns, root)


def _decode(data: bytes) -> str:
    return data.decode("utf-8-sig")


def check(path: str, data: bytes, plan: Plan, fix: bool = False, unsafe: bool = False) -> FileResult:
    """A config's diagnostics in its own positions, and with `fix` its new bytes."""
    from reglint.configs import checks, source

    result = FileResult(path)
    if not is_config(path, plan.settings):
        return result
    rules = tuple(rule for rule in plan.rules_for(path) if rule.code in checks.CHECKS or rule.code == "RL100")
    if not any(rule.code in checks.CHECKS for rule in rules) or not formats.may_hold_facts(data):
        return result
    limit = plan.settings.max_file_size
    if len(data) > limit:  # a config's words, too large to read: said, as for a Python file
        result.diagnostics = [parse_error(path, too_large(len(data), limit))]
        return result
    try:
        text = _decode(data)
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        column = len(data[data.rfind(b"\n", 0, error.start) + 1:error.start].decode("utf-8", "replace")) + 1
        result.diagnostics = [parse_error(path, f"cannot decode config as UTF-8: {error.reason}", line, column)]
        return result
    result.parsed = True
    depends: List[str] = []  # `_BASE_` and group files read: the cached result holds while they are unchanged
    try:
        diagnostics = source.lint_config(path, text, rules, plan.settings, depends)
    except ConfigSyntaxError as error:
        result.diagnostics = [parse_error(path, error.message, error.line, error.column)]
        return result
    result.depends = tuple(depends)
    if fix and diagnostics:
        text, diagnostics, result.fixed_diagnostics = source.fix_loop(path, text, diagnostics, rules, plan, unsafe)
        if result.fixed_diagnostics:
            result.fixed = text.encode("utf-8-sig" if data.startswith(b"\xef\xbb\xbf") else "utf-8")
    result.diagnostics = diagnostics
    if diagnostics or result.fixed is not None:
        result.source = text
    return result


def oversized(path: str, size: int, plan: Plan) -> FileResult:
    """A config past the read limit (`reglint.reading.READ_LIMIT`): RL000 when its bytes, read
    in chunks, have a config's words; otherwise nothing, as for any YAML/JSON without them."""
    from reglint.configs import checks

    result = FileResult(path)
    if not is_config(path, plan.settings) or not any(rule.code in checks.CHECKS for rule in plan.rules_for(path)):
        return result
    try:
        with open(path, "rb") as handle:
            found = formats.may_hold_facts_in(handle)
    except OSError as error:
        result.diagnostics = [parse_error(path, f"cannot read file: {error.strerror or error}")]
        return result
    if found:
        result.diagnostics = [parse_error(path, too_large(size, plan.settings.max_file_size))]
    return result


def from_cache(path: str, diagnostics: Sequence[Diagnostic]) -> FileResult:
    """A cached result, with the config's text read again for showing source lines."""
    result = FileResult(path, list(diagnostics))
    if diagnostics:
        try:
            with open(path, "rb") as handle:
                result.source = _decode(handle.read())
        except (OSError, UnicodeDecodeError):
            pass
    return result


def add_noqa(data: bytes, diagnostics: Sequence[Diagnostic]) -> Tuple[Optional[bytes], int, List[Diagnostic]]:
    """`# noqa` comments as Python takes them (YAML, prototxt and jsonnet comment with `#`).
    A JSON config has no comments: its diagnostics are left, `per-file-ignores` silences them."""
    from reglint.noqa_add import add_noqa as add_to_text

    if any(diagnostic.path.endswith(".json") for diagnostic in diagnostics):
        return None, 0, list(diagnostics)
    try:
        text = _decode(data)
    except UnicodeDecodeError:
        return None, 0, list(diagnostics)
    new, changed, left = add_to_text(text, diagnostics)
    if not changed:
        return None, 0, left
    return new.encode("utf-8-sig" if data.startswith(b"\xef\xbb\xbf") else "utf-8"), changed, left


def diff(path: str, before: bytes, after: bytes) -> List[str]:
    """A unified diff of the config's text before and after."""
    from reglint.sources.python import diff as text_diff

    return text_diff(path, before, after)
