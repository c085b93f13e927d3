"""The per-source pipeline: Python source bytes -> diagnostics (and with fixes, new bytes).

bytes -> words -> decode -> ast facts -> libcst parse -> extract -> rules -> noqa
-> (rounds of fixes). `check_python` is a function of (path, bytes, plan) and of the
project modules the file imports (read from disk, listed in `FileResult.depends`), so the
cache, the notebook source kind and the editor server can all reuse it; source kinds
other than Python hand it the Python text they hold (see `reglint.sources`).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import List, Optional, Sequence, Tuple

from reglint.config import Settings
from reglint.diagnostic import Diagnostic, parse_error
from reglint.engine import Plan
from reglint.parsing import TOO_DEEP, Unanalysable, parse, read, syntax_error
from reglint.reading import MAX_SOURCE_BYTES, DecodeError, decode, encode, too_large
from reglint.rule import Rule

MAX_FIX_ROUNDS = 5
# the fact kinds of calls that may return an optimizer built, or a penalty summed, in a
# project module (`builders.factory_imports`, `builders.penalty_imports`): the module files
# are read for them only when a rule that nothing else lets run needs one
LAZY_KINDS = ("project_factories", "project_penalties")


@dataclass
class FileResult:
    """What checking one file gives: its diagnostics, and what showing or writing them needs."""

    path: str
    diagnostics: List[Diagnostic] = field(default_factory=list)
    source: Optional[str] = None  # decoded text when there is something to show or fix
    fixed: Optional[bytes] = None  # new bytes when fixes changed the file
    fixed_diagnostics: List[Diagnostic] = field(default_factory=list)
    parsed: bool = False  # passed the words test and was parsed
    # the bytes `fixed` was computed from: a write refuses a file that no longer holds them
    original: Optional[bytes] = None
    # the other project modules the analysis read (absolute paths): the cached result is
    # valid only while they are unchanged
    depends: Tuple[str, ...] = ()


def lint_text(path: str, text: str, rules: Sequence[Rule], settings: Settings,
              candidates: Optional[Sequence[Rule]] = None, depends: Optional[list] = None) -> List[Diagnostic]:
    """Diagnostics for decoded text (raises libcst's ParserSyntaxError on bad code).

    Of the `candidates` (the enabled `rules` whose words occur in the text, `Plan.flaggable`;
    all of `rules` when not given), only those whose fact kinds the code could hold run
    (`Rule.may_flag_code`). `rules` is the whole enabled set the directives are judged by."""
    code, statement_lines = read(text)
    calls = code.project_calls if code is not None else ()
    if calls:  # only the calls that may build regularized layers count
        from reglint.builders import builder_imports

        code = replace(code, project_calls=builder_imports(path, calls, depends))
    pool = tuple(rules) if candidates is None else tuple(candidates)
    running = pool if code is None else tuple(rule for rule in pool if rule.may_flag_code(code))
    waiting = [rule for rule in pool if calls and all(rule is not r for r in running)
               and any(kind in kinds for kinds in rule.facts for kind in LAZY_KINDS)]
    if waiting:  # and those that may return an optimizer or a penalty, for a rule nothing else lets run
        from reglint import builders

        needed = {kind for rule in waiting for kinds in rule.facts for kind in kinds if kind in LAZY_KINDS}
        asked = {"project_factories": lambda: builders.factory_imports(path, calls, depends),
                 "project_penalties": lambda: _penalty_imports(path, calls, depends, code)}
        code = replace(code, **{kind: asked[kind]() for kind in sorted(needed)})
        running += tuple(rule for rule in waiting if rule.may_flag_code(code))
    code = None  # nor its ast tree, while libcst builds its own
    if not running:  # no rule can flag this code (RL100, unscreened, would run): libcst is spared
        return []
    from reglint import suppress
    from reglint.analysis import build_model
    from reglint.reporter import Reporter

    model = build_model(path, text, parse(text, statement_lines))
    report = Reporter(path, model.module)
    found: List[Diagnostic] = []
    for rule in running:
        found.extend(rule.check(model, settings, report))
    if depends is not None:  # after the rules: a rule's own facts may read a project module
        depends.extend(model.depends)
    found = suppress.apply(found, text, path, rules)  # and what rules about directives report
    return sorted(found, key=lambda d: d.sort_key)


def _penalty_imports(path: str, calls, depends, code):
    """`builders.penalty_imports`, asked only of a file with a product (the fact kind then
    walks the products, for the calls this finds)."""
    from reglint.builders import penalty_imports

    return penalty_imports(path, calls, depends) if code.has_product else frozenset()


def check_python(path: str, data: bytes, plan: Plan, fix: bool = False, unsafe: bool = False,
                 strict: bool = False) -> FileResult:
    """Check (and with `fix`, repair) Python source bytes; never raises on bad input.

    `strict` (a file the user named, a notebook's cells): bytes the words test rules
    out are still read enough to report RL000 for what is not Python source at all."""
    result = FileResult(path)
    rules = plan.rules_for(path)
    if not rules:
        return result
    depends: List[str] = []  # project modules read: the result holds while they are unchanged
    candidates = plan.flaggable_at(path, data, rules, depends)
    if not candidates:
        if strict:
            result.diagnostics = not_python(path, data, plan.settings.max_file_size)
        result.depends = tuple(dict.fromkeys(depends))
        return result
    limit = plan.settings.max_file_size
    if len(data) > limit:
        result.diagnostics = [parse_error(path, too_large(len(data), limit))]
        return result
    try:
        text, encoding = decode(data)
    except DecodeError as error:
        result.diagnostics = [parse_error(path, str(error))]
        return result
    result.parsed = True
    try:
        diagnostics = lint_text(path, text, rules, plan.settings, candidates, depends)
    except RecursionError:
        result.diagnostics = [parse_error(path, TOO_DEEP)]
        return result
    except Unanalysable as error:
        result.diagnostics = [parse_error(path, error.message, error.line, error.column)]
        return result
    except Exception as error:  # libcst.ParserSyntaxError and friends
        if type(error).__name__ == "ParserSyntaxError":
            result.diagnostics = [syntax_error(path, text, error)]
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
    result.depends = tuple(dict.fromkeys(depends))
    if diagnostics or result.fixed is not None:
        result.source = text
    return result


def not_python(path: str, data: bytes, limit: int = MAX_SOURCE_BYTES) -> List[Diagnostic]:
    """RL000 for bytes that are not Python source: undecodable, or rejected by CPython's
    parser (which guards itself; libcst is not needed to see a syntax error). A file
    over `limit` is only decoded: with no rule's words it holds nothing to analyse."""
    import ast
    import warnings

    try:
        text, _ = decode(data)
    except DecodeError as error:
        return [parse_error(path, str(error))]
    if len(data) > limit:
        return []
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # invalid escapes and the like: not ours to report
            ast.parse(text)
    except SyntaxError as error:
        return [parse_error(path, f"SyntaxError: {error.msg}", error.lineno or 1, error.offset or 1)]
    except (RecursionError, MemoryError):
        return [parse_error(path, TOO_DEEP)]
    except ValueError:  # NUL characters: decode() lets none through
        pass
    return []


def _fix_loop(path, text, diagnostics, rules, plan, unsafe):
    """Rounds of fixes until none applies. A round keeps every fix whose result still
    parses (the breaking ones are left out, see `fixes.apply_fixes`); a round whose
    result cannot be analysed again is undone and ends the loop."""
    from reglint.fixes import apply_fixes, fix_rounds

    def relint(new: str) -> List[Diagnostic]:
        candidates = plan.flaggable_at(path, new.encode("utf-8", "replace"), rules)
        return lint_text(path, new, rules, plan.settings, candidates)

    return fix_rounds(text, diagnostics, unsafe, MAX_FIX_ROUNDS, apply_fixes, relint, (RecursionError, Unanalysable))

