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
from typing import FrozenSet, Iterator, List, Optional, Sequence, Tuple

from reglint.config import Settings
from reglint.configs.formats import CONFIG_SUFFIXES
from reglint.diagnostic import Diagnostic, parse_error
from reglint.rule import Rule, all_rules

MAX_FIX_ROUNDS = 5
# Limits that keep the parser safe (see `_parse`). libcst's native parser overflows
# its stack (a segfault, no exception) on code nested some thousands deep, takes
# minutes on some shapes a few thousand deep, and needs about 1 GB of memory per
# MB of dense code; no real source file comes near (the deepest in the benchmark
# corpus and the standard library: 23 and 99 levels, the largest 0.8 MB).
MAX_SOURCE_BYTES = 2_000_000  # larger files that pass the prefilter are RL000, never parsed
READ_LIMIT = 64_000_000  # larger files are RL000 without being read (and /dev/zero ends)
MAX_NESTING = 1000  # syntax tree depth, counting what libcst nests and CPython's ast does not
TOO_DEEP = "file is too deeply nested to analyse"


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
    # every enabled rule's gates, or None when some rule has none (see `Rule.gates`),
    # and for each rule (by code) those of them that cover its own
    gates: Optional[Tuple[bytes, ...]] = None
    gates_of: Tuple[Tuple[str, FrozenSet[bytes]], ...] = ()

    @classmethod
    def build(cls, settings: Settings) -> "Plan":
        registry = all_rules()
        enabled = settings.enabled_codes(registry)
        rules = tuple(rule for code, rule in registry.items() if code in enabled)
        gates = None
        if rules and all(rule.gates for rule in rules):
            words = dict.fromkeys(gate for rule in rules for gate in rule.gates)
            gates = tuple(w for w in words if not any(other != w and other in w for other in words))  # `l2` covers `l2(`
            gates_of = tuple((rule.code, frozenset(g for g in gates if any(g in own for own in rule.gates))) for rule in rules)
            return cls(settings, rules, gates, gates_of)
        return cls(settings, rules)

    def may_flag(self, data: bytes, rules: Sequence[Rule]) -> bool:
        """The bytes prefilter: parse only files some enabled rule could flag. Most
        files hold none of the rules' gate words, and are turned away after one
        lowercasing and a few scans instead of every rule's own test."""
        if self.gates is None:
            return any(rule.may_flag(data) for rule in rules)
        lowered = data.lower()
        present = {gate for gate in self.gates if gate in lowered}
        if not present:
            return False
        gates_of = dict(self.gates_of)
        return any(rule.may_flag(data) for rule in rules if not present.isdisjoint(gates_of[rule.code]))

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
        reason = str(error)
        if data.startswith(b"\xef\xbb\xbf") and reason == "encoding problem: utf-8":
            reason = "encoding problem: a UTF-8 BOM, but the coding cookie names another encoding"
        raise DecodeError(reason) from None
    try:
        text = data.decode(encoding)
    except (UnicodeDecodeError, LookupError) as error:
        raise DecodeError(f"cannot decode as {encoding}: {error}") from None
    if not encoding.startswith("utf-8"):  # a cookie may name a codec that yields what no source holds
        if "\x00" in text:
            raise DecodeError(f"cannot decode as {encoding}: the text contains a NUL character")
        try:
            text.encode("utf-8")
        except UnicodeEncodeError as error:
            raise DecodeError(f"cannot decode as {encoding}: the text contains a lone surrogate at position {error.start}") from None
    if text.startswith("\ufeff"):
        text = text[1:]
    return text, encoding


def encode(text: str, encoding: str) -> bytes:
    return text.encode("utf-8-sig" if encoding == "utf-8-sig" else encoding)


# -- one file ---------------------------------------------------------------------

class Unanalysable(Exception):
    """Source that is not given to libcst: RL000 with this message and position."""

    def __init__(self, message: str, line: int = 1, column: int = 1):
        super().__init__(message)
        self.message, self.line, self.column = message, line, column


def _parse(text: str):
    """libcst's tree of `text`, without re-validating each node the parser builds.

    Every libcst node checks its own fields when it is constructed (`CSTNode.__post_init__`
    calls `_validate`); for nodes the parser builds from real source this only repeats
    the grammar, and libcst's own comment there says so ("PERF: ... avoid validating the
    tree when parsing a file"). It is 17 % of the parse on the corpus. Validation is off
    only for the parse itself: nodes that fixes build are checked as usual."""
    import libcst as cst

    node_class = cst.CSTNode
    validate = node_class.__dict__.get("__post_init__")
    if validate is None:  # a libcst that validates elsewhere: parse as it does
        return cst.parse_module(text)
    node_class.__post_init__ = _skip_validation
    try:
        return cst.parse_module(text)
    finally:
        node_class.__post_init__ = validate


def _skip_validation(node) -> None:
    pass


def _read_code(text: str):
    """The `reglint.screen.Code` of `text`, or None when CPython cannot parse it;
    raises `Unanalysable` for code libcst could crash or hang on.

    CPython's parser, which guards itself, reads the text first: too deep for it, or
    a syntax tree deeper than MAX_NESTING, is too deep for libcst. When CPython
    rejects the text (a syntax error, or syntax newer than the running Python, which
    libcst may know), libcst sees it only if its tokens are tame; otherwise CPython's
    syntax error is the answer.
    """
    import ast
    import warnings

    from reglint import screen

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # invalid escapes and the like: not ours to report
            tree = ast.parse(text)
    except (RecursionError, MemoryError):
        raise Unanalysable(TOO_DEEP) from None
    except SyntaxError as error:
        if _lexically_deep(text):
            raise Unanalysable(f"SyntaxError: {error.msg}", error.lineno or 1, error.offset or 1) from None
        return None
    except ValueError:  # NUL characters: decode() lets none through
        return None
    depth, code = screen.read(tree, text, MAX_NESTING)
    if depth > MAX_NESTING:
        raise Unanalysable(TOO_DEEP)
    return code


_FLAT_OPERATORS = frozenset({",", ":", ";", "=", "->", ")", "]", "}"})
_NESTING_WORDS = frozenset({"not", "and", "or", "if", "else", "lambda", "await", "in", "is", "yield", "from"})


def _lexically_deep(text: str) -> bool:
    """Whether a text CPython rejects could still be too deep for libcst: a logical
    line with more operators and nesting keywords than MAX_NESTING, or one that does
    not even tokenize."""
    count = 0
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type == tokenize.OP:
                if token.string not in _FLAT_OPERATORS:
                    count += 1
            elif token.type == tokenize.NAME:
                if token.string in _NESTING_WORDS:
                    count += 1
            elif token.type == tokenize.NEWLINE:
                count = 0
            if count > MAX_NESTING:
                return True
    except Exception:  # tokenize.TokenError, IndentationError, SyntaxError
        return True
    return False


def _syntax_error(path: str, text: str, error) -> Diagnostic:
    """RL000 at the position CPython's own parser reports (libcst's is often a line late)."""
    import ast
    import warnings

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # SyntaxWarning (3.12+) for invalid escapes: not ours to print
            ast.parse(text)
    except SyntaxError as python_error:
        return parse_error(path, f"SyntaxError: {python_error.msg}", python_error.lineno or 1, python_error.offset or 1)
    except (ValueError, RecursionError, MemoryError):
        pass
    else:  # valid Python that libcst cannot parse: not a SyntaxError
        message = str(getattr(error, "message", "") or error).strip().splitlines()[0]
        return parse_error(path, f"libcst cannot parse this valid Python: {message}",
                           getattr(error, "editor_line", 1), getattr(error, "editor_column", 1))
    message = str(getattr(error, "message", "") or error).strip().splitlines()[0]
    return parse_error(path, f"SyntaxError: {message}", getattr(error, "editor_line", 1), getattr(error, "editor_column", 1))


def lint_text(path: str, text: str, rules: Sequence[Rule], settings: Settings) -> List[Diagnostic]:
    """Diagnostics for decoded text (raises libcst's ParserSyntaxError on bad code).

    Of the enabled `rules`, only those the code screen keeps run. (The bytes prefilter
    only decides whether a file is read at all: its words are one rule's, but a file
    that passes may hold another rule's hazard under words that rule's prefilter
    would not know.)"""
    code = _read_code(text)
    running = tuple(rules) if code is None else tuple(rule for rule in rules if rule.may_flag_code(code))
    if not running:  # no rule can flag this code (RL100, unscreened, would run): libcst is spared
        return []
    from reglint import suppress
    from reglint.extract import build_model

    model = build_model(path, text, _parse(text))
    found: List[Diagnostic] = []
    for rule in running:
        found.extend(rule.check(model, settings))
    found = suppress.apply(found, text, path, rules)  # also RL100, when it runs
    return sorted(found, key=lambda d: d.sort_key)


def check_bytes(path: str, data: bytes, plan: Plan, fix: bool = False, unsafe: bool = False) -> FileResult:
    """Check (and with `fix`, repair) one file's bytes; never raises on bad input.

    A Jupyter notebook goes through `reglint.notebook`, which checks its code cells
    as one source with `check_source` and maps the results back to cells; a training
    config (YAML/JSON, `config-files`) through `reglint.configs.source`."""
    if path.endswith(".ipynb"):
        from reglint import notebook

        return notebook.check_notebook(path, data, plan, fix, unsafe)
    if path.endswith(CONFIG_SUFFIXES):
        from reglint.configs import source as config_source

        if config_source.is_config(path, plan.settings):
            return config_source.check_config(path, data, plan, fix, unsafe)
        return FileResult(path)  # config checking is off for it, and YAML/JSON is no Python
    return check_source(path, data, plan, fix, unsafe)


def check_source(path: str, data: bytes, plan: Plan, fix: bool = False, unsafe: bool = False) -> FileResult:
    """Check (and with `fix`, repair) Python source bytes; never raises on bad input."""
    result = FileResult(path)
    rules = plan.rules_for(path)
    if not rules or not plan.may_flag(data, rules):
        return result
    if len(data) > MAX_SOURCE_BYTES:
        result.diagnostics = [parse_error(path, too_large(len(data)))]
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
        result.diagnostics = [parse_error(path, TOO_DEEP)]
        return result
    except Unanalysable as error:
        result.diagnostics = [parse_error(path, error.message, error.line, error.column)]
        return result
    except Exception as error:  # libcst.ParserSyntaxError and friends
        if type(error).__name__ == "ParserSyntaxError":
            result.diagnostics = [_syntax_error(path, text, error)]
            return result
        raise
    if fix and diagnostics:
        text_after, diagnostics_after, fixed = _fix_loop(path, text, diagnostics, rules, plan, unsafe)
        if fixed:
            try:
                result.fixed = encode(text_after, encoding)
            except UnicodeEncodeError:  # a fix wrote what the file's encoding cannot hold: keep the file
                fixed = []
            else:
                result.fixed_diagnostics = fixed
                text, diagnostics = text_after, diagnostics_after
    result.diagnostics = diagnostics
    if diagnostics or result.fixed is not None:
        result.source = text
    return result


def _fix_loop(path, text, diagnostics, rules, plan, unsafe):
    """Rounds of fixes until none applies. A round keeps every fix whose result still
    parses (the breaking ones are left out, see `fixes.apply_fixes`); a round whose
    result cannot be analysed again is undone and ends the loop."""
    from reglint.fixes import applicable, apply_fixes

    fixed: List[Diagnostic] = []
    for _ in range(MAX_FIX_ROUNDS):
        candidates = [d for d in diagnostics if applicable(d, unsafe)]
        if not candidates:
            break
        new_text, applied = apply_fixes(text, [d.fix.edits for d in candidates])
        if not applied:
            break
        try:
            new_diagnostics = lint_text(path, new_text, rules, plan.settings)
        except (RecursionError, Unanalysable):
            break
        fixed.extend(candidates[i] for i in applied)
        text, diagnostics = new_text, new_diagnostics
    return text, diagnostics, fixed


def check_path(path: str, plan: Plan, fix: bool = False, unsafe: bool = False) -> FileResult:
    try:
        data = read_source(path)
    except SourceTooLarge as error:
        return FileResult(path, [parse_error(path, too_large(error.size))])
    except OSError as error:
        return FileResult(path, [parse_error(path, f"cannot read file: {error.strerror or error}")])
    return check_bytes(path, data, plan, fix, unsafe)


class SourceTooLarge(Exception):
    def __init__(self, size: int):
        super().__init__(size)
        self.size = size


def too_large(size: int) -> str:
    return f"file too large to analyse ({size / 1e6:.1f} MB > {MAX_SOURCE_BYTES / 1e6:g} MB limit)"


def read_source(path: str) -> bytes:
    """A file's bytes. A FIFO is read (`reglint <(...)`) but never waited for when no
    one writes to it; a device (`x.py -> /dev/zero`) is not read; past READ_LIMIT
    bytes nothing more is read (SourceTooLarge)."""
    import errno
    import stat

    nonblocking = getattr(os, "O_NONBLOCK", 0)
    descriptor = os.open(path, os.O_RDONLY | nonblocking | getattr(os, "O_BINARY", 0))
    with open(descriptor, "rb") as handle:
        info = os.fstat(descriptor)
        if stat.S_ISDIR(info.st_mode):
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR))
        if stat.S_ISFIFO(info.st_mode):
            if nonblocking:
                os.set_blocking(descriptor, True)
            data = handle.read(READ_LIMIT + 1)
        elif not stat.S_ISREG(info.st_mode):
            raise OSError(errno.EINVAL, "not a regular file")
        elif info.st_size > READ_LIMIT:
            raise SourceTooLarge(info.st_size)
        else:  # its size, +1 to see it grow (or a /proc file's 0): a READ_LIMIT buffer costs 3x
            data = handle.read(info.st_size + 1)
            if len(data) > info.st_size:
                data += handle.read(READ_LIMIT + 1 - len(data))
    if len(data) > READ_LIMIT:
        raise SourceTooLarge(len(data))
    return data


# -- many files ---------------------------------------------------------------------

PARALLEL_THRESHOLD = 16  # below this many files a process pool costs more than it saves
# ast and libcst build hundreds of thousands of small objects for one large file, and at
# its default threshold (a collection every 700 allocations) the cyclic garbage collector
# walks the growing heap again and again while they are built: 40 % of libcst's parse
# time on the corpus. Syntax trees hold no reference cycles (reference counting frees
# them), so collect far less often while checking.
GC_THRESHOLDS = (100_000, 50, 100)


def _collect_less() -> None:
    import gc

    gc.set_threshold(*GC_THRESHOLDS)


def _check_batch(args) -> List[FileResult]:
    paths, plan, fix, unsafe = args
    _collect_less()  # in a worker (a forked one has the parent's setting already)
    return [check_path(p, plan, fix, unsafe) for p in paths]


def run(paths: Sequence[str], plan: Plan, fix: bool = False, unsafe: bool = False, jobs: Optional[int] = None,
        cache=None) -> Iterator[FileResult]:
    """Results for every path, in the order given; `cache` (a cache.Cache) serves unchanged files."""
    _collect_less()
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
