"""The run's plan: which rules run on which file, and the bytes prefilter that decides
whether a file is read any further, resolved once per run from the settings.

The stages that follow are `reglint.pipeline` (one source) and `reglint.runner`
(many files, the cache, the process pool).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import FrozenSet, Optional, Sequence, Tuple

from reglint.config import Settings
from reglint.rule import Rule, all_rules


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

