"""Rule metadata and the registry that loads every module of `reglint.rules`.

A rule is one module in the top-level `rules/` folder (shipped as `reglint.rules`)
with a module docstring holding its docs (ruff's headings), a `RULE` describing it,
and `check(model, settings, report) -> Iterable[Diagnostic]` (`report`: a
`reglint.reporter.Reporter`, which turns the model's nodes into diagnostics and edits).
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from dataclasses import dataclass
from functools import lru_cache
from types import ModuleType
from typing import Callable, Dict, Iterable, Tuple

from reglint.diagnostic import Applicability

DOCS_URL = "https://github.com/reglint/reglint/blob/main/docs/rules.md#{code}"


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    summary: str
    # the strongest applicability any of the rule's fixes has, or None without fixes
    fix: Applicability | None
    # bytes of which any file this rule can flag contains at least one; a rule module
    # may instead define `prefilter(data: bytes) -> bool` for a sharper test
    triggers: Tuple[bytes, ...]
    default: bool = True  # enabled without --select
    # lowercase bytes of which the lowercased bytes of any file this rule can flag hold
    # one: the engine tests them for all enabled rules at once (one lowercasing, a few
    # scans) before any rule's own prefilter. Empty: no such words, and no file is gated.
    gates: Tuple[bytes, ...] = ()
    # the FileModel fact lists (`regularizers`, `optimizers`, `chains`, `penalties`,
    # `norm_penalties`) of which the rule reads at least one non-empty list to report
    # anything; a rule module may instead define `screen(code) -> bool` for a sharper
    # test. Neither: the rule runs on every file the prefilter lets through.
    needs: Tuple[str, ...] = ()
    docs: str = ""
    check: Callable[..., Iterable] | None = None
    prefilter: Callable[[bytes], bool] | None = None
    screen: Callable[..., bool] | None = None

    def may_flag(self, data: bytes) -> bool:
        """The bytes prefilter: False only when this rule cannot flag the file."""
        if self.prefilter is not None:
            return self.prefilter(data)
        return any(word in data for word in self.triggers)

    def may_flag_code(self, code) -> bool:
        """The code screen (`reglint.screen.Code`): False only when this rule cannot flag the file."""
        if self.screen is not None:
            return self.screen(code)
        return not self.needs or any(code.could_have(kind) for kind in self.needs)

    @property
    def url(self) -> str:
        return DOCS_URL.format(code=self.code.lower())


CODE_PATTERN = re.compile(r"^RL\d{3}$")


def _rule_from_module(module: ModuleType) -> Rule:
    meta: Rule = module.RULE
    docs = (module.__doc__ or "").strip()
    return Rule(**{**meta.__dict__, "docs": docs, "check": module.check, "prefilter": getattr(module, "prefilter", None),
                     "screen": getattr(module, "screen", None)})


@lru_cache(maxsize=1)
def all_rules() -> Dict[str, Rule]:
    """Every rule, keyed by code, in code order."""
    from reglint import rules as package

    found = {}
    for info in pkgutil.iter_modules(package.__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        if hasattr(module, "RULE"):
            rule = _rule_from_module(module)
            if not CODE_PATTERN.match(rule.code):
                raise ValueError(f"rule module {info.name} has a malformed code {rule.code!r}")
            if rule.code in found:
                raise ValueError(f"two rule modules claim {rule.code}")
            found[rule.code] = rule
    return dict(sorted(found.items()))
