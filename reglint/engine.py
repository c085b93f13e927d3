"""The per-file pipeline and the runner.

bytes -> prefilter -> libcst parse -> extract -> rules -> noqa -> (fixes).
`check_bytes` is a pure function of (path, bytes, settings), so a cache, notebooks
and an editor server can all reuse it.
"""

from __future__ import annotations

import io
import os
import tokenize
from dataclasses import dataclass, field
from typing import Iterator, List, Optional, Sequence, Tuple

from reglint.config import Settings
from reglint.diagnostic import Diagnostic, parse_error
from reglint.rule import Rule, all_rules

MAX_FIX_ROUNDS = 5


@dataclass
class FileResult:
    path: str
    diagnostics: List[Diagnostic] = field(default_factory=list)
    source: Optional[str] = None  # decoded text when there is something to show or fix
    fixed: Optional[bytes] = None  # new bytes when fixes changed the file
    fixed_diagnostics: List[Diagnostic] = field(default_factory=list)
    parsed: bool = False  # passed the prefilter and was parsed


@dataclass(frozen=True)
class Plan:
    """What to run on each file, resolved once per run."""

    settings: Settings
    rules: Tuple[Rule, ...]

    @classmethod
    def build(cls, settings: Settings) -> "Plan":
        registry = all_rules()
        enabled = settings.enabled_codes(registry)
        return cls(settings, tuple(rule for code, rule in registry.items() if code in enabled))

    def may_flag(self, data: bytes, rules: Sequence[Rule]) -> bool:
        """The bytes prefilter: parse only files some enabled rule could flag."""
        return any(rule.may_flag(data) for rule in rules)

    def rules_for(self, path: str) -> Tuple[Rule, ...]:
        ignored = tuple(code.upper() for code in self.settings.ignored_for(path))
        if not ignored:
            return self.rules
        return tuple(rule for rule in self.rules if not rule.code.startswith(ignored))


# -- decoding ---------------------------------------------------------------------

class DecodeError(Exception):
    pass


def decode(data: bytes) -> Tuple[str, str]:
    """Text and encoding, honouring a BOM and a PEP 263 cookie."""
    if b"\x00" in data:
        raise DecodeError("binary file (contains NUL bytes), not Python source")
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as error:
        raise DecodeError(str(error)) from None
    try:
        text = data.decode(encoding)
    except (UnicodeDecodeError, LookupError) as error:
        raise DecodeError(f"cannot decode as {encoding}: {error}") from None
    if text.startswith("\ufeff"):
        text = text[1:]
    return text, encoding


def encode(text: str, encoding: str) -> bytes:
    return text.encode("utf-8-sig" if encoding == "utf-8-sig" else encoding)


# -- one file ---------------------------------------------------------------------

def _parse(text: str):
    import libcst as cst

    return cst.parse_module(text)


def _syntax_error(path: str, text: str, error) -> Diagnostic:
    """RL000 at the position CPython's own parser reports (libcst's is often a line late)."""
    import ast

    try:
        ast.parse(text)
    except SyntaxError as python_error:
        return parse_error(path, f"SyntaxError: {python_error.msg}", python_error.lineno or 1, python_error.offset or 1)
    except (ValueError, RecursionError, MemoryError):
        pass
    message = str(getattr(error, "message", "") or error).strip().splitlines()[0]
    return parse_error(path, f"SyntaxError: {message}", getattr(error, "editor_line", 1), getattr(error, "editor_column", 1))


def lint_text(path: str, text: str, rules: Sequence[Rule], settings: Settings) -> List[Diagnostic]:
    """Diagnostics for decoded text (raises libcst's ParserSyntaxError on bad code)."""
    from reglint import suppress
    from reglint.extract import build_model

    model = build_model(path, text, _parse(text))
    found: List[Diagnostic] = []
    for rule in rules:
        found.extend(rule.check(model, settings))
    found = suppress.apply(found, text, path, rules)  # also RL100, when it runs
    return sorted(found, key=lambda d: d.sort_key)


def check_bytes(path: str, data: bytes, plan: Plan, fix: bool = False, unsafe: bool = False) -> FileResult:
    """Check (and with `fix`, repair) one file's bytes; never raises on bad input.

    A Jupyter notebook goes through `reglint.notebook`, which checks its code cells
    as one source with `check_source` and maps the results back to cells."""
    if path.endswith(".ipynb"):
        from reglint import notebook

        return notebook.check_notebook(path, data, plan, fix, unsafe)
    return check_source(path, data, plan, fix, unsafe)


def check_source(path: str, data: bytes, plan: Plan, fix: bool = False, unsafe: bool = False) -> FileResult:
    """Check (and with `fix`, repair) Python source bytes; never raises on bad input."""
    result = FileResult(path)
    rules = plan.rules_for(path)
    if not rules or not plan.may_flag(data, rules):
        return result
    try:
        text, encoding = decode(data)
    except DecodeError as error:
        result.diagnostics = [parse_error(path, str(error))]
        return result
    result.parsed = True
    try:
        diagnostics = lint_text(path, text, rules, plan.settings)
    except RecursionError:
        result.diagnostics = [parse_error(path, "file is too deeply nested to analyse")]
        return result
    except Exception as error:  # libcst.ParserSyntaxError and friends
        if type(error).__name__ == "ParserSyntaxError":
            result.diagnostics = [_syntax_error(path, text, error)]
            return result
        raise
    if fix and diagnostics:
        text_after, diagnostics, fixed = _fix_loop(path, text, diagnostics, rules, plan.settings, unsafe)
        if fixed:
            result.fixed = encode(text_after, encoding)
            result.fixed_diagnostics = fixed
            text = text_after
    result.diagnostics = diagnostics
    if diagnostics or result.fixed is not None:
        result.source = text
    return result


def _fix_loop(path, text, diagnostics, rules, settings, unsafe):
    from reglint.fixes import applicable, apply_edits, parses

    fixed: List[Diagnostic] = []
    for _ in range(MAX_FIX_ROUNDS):
        candidates = [d for d in diagnostics if applicable(d, unsafe)]
        if not candidates:
            break
        new_text, applied = apply_edits(text, [d.fix.edits for d in candidates])
        if not applied or new_text == text or not parses(new_text):
            break
        fixed.extend(candidates[i] for i in applied)
        text = new_text
        diagnostics = lint_text(path, text, rules, settings)
    return text, diagnostics, fixed


def check_path(path: str, plan: Plan, fix: bool = False, unsafe: bool = False) -> FileResult:
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as error:
        return FileResult(path, [parse_error(path, f"cannot read file: {error.strerror or error}")])
    return check_bytes(path, data, plan, fix, unsafe)


# -- many files ---------------------------------------------------------------------

PARALLEL_THRESHOLD = 16  # below this many files a process pool costs more than it saves


def _check_batch(args) -> List[FileResult]:
    paths, plan, fix, unsafe = args
    return [check_path(p, plan, fix, unsafe) for p in paths]


def run(paths: Sequence[str], plan: Plan, fix: bool = False, unsafe: bool = False, jobs: Optional[int] = None,
        cache=None) -> Iterator[FileResult]:
    """Results for every path, in the order given; `cache` (a cache.Cache) serves unchanged files."""
    if cache is None or fix:
        yield from _run_all(paths, plan, fix, unsafe, jobs)
        return
    from reglint.cache import stamp_of

    stamps = {path: stamp_of(path) for path in paths}
    cached = {}
    for path in paths:
        diagnostics = cache.get(path, stamps[path])
        if diagnostics is not None:
            cached[path] = _from_cache(path, diagnostics)
    fresh = iter(_run_all([p for p in paths if p not in cached], plan, fix, unsafe, jobs))
    for path in paths:
        if path in cached:
            yield cached[path]
            continue
        result = next(fresh)
        cache.put(path, stamps[path], result.diagnostics)
        yield result
    cache.save()


def _from_cache(path: str, diagnostics: List[Diagnostic]) -> FileResult:
    if path.endswith(".ipynb"):  # the full format shows a notebook's cells, not its JSON
        from reglint import notebook

        return notebook.from_cache(path, diagnostics)
    result = FileResult(path, list(diagnostics))
    if diagnostics:  # the full format shows source lines
        try:
            with open(path, "rb") as handle:
                result.source = decode(handle.read())[0]
        except (OSError, DecodeError):
            pass
    return result


def _run_all(paths, plan, fix, unsafe, jobs) -> Iterator[FileResult]:
    workers = jobs or os.cpu_count() or 1
    if workers <= 1 or len(paths) < PARALLEL_THRESHOLD:
        for path in paths:
            yield check_path(path, plan, fix, unsafe)
        return
    from concurrent.futures import ProcessPoolExecutor

    size = max(8, min(64, len(paths) // (workers * 4) or 1))
    batches = [paths[i:i + size] for i in range(0, len(paths), size)]
    with ProcessPoolExecutor(max_workers=workers) as pool:
        for batch in pool.map(_check_batch, [(b, plan, fix, unsafe) for b in batches]):
            yield from batch
