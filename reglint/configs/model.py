"""`ConfigModel`: one config file's facts; `ConfigReporter`: its diagnostics and edits.

As for Python (`reglint.reporter.Reporter`), the model says what the config declares
and the reporter turns a node into a position, so the config checks take the rules'
`check(model, settings, report)`. A config node (`tree.Node`, `tree.Span`) knows its own
`.start` / `.end`, so the reporter needs no syntax tree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import List, Optional, Tuple

from reglint.diagnostic import Diagnostic, Edit, Fix, Position


@dataclass
class ConfigModel:
    path: str
    source: str
    root: object  # tree.Node
    config_format: str = ""  # the reader: "yaml" | "json" | ...
    optimizers: List = field(default_factory=list)  # facts.ConfigOptimizer
    regularizers: List = field(default_factory=list)
    penalties: List = field(default_factory=list)
    norm_penalties: List = field(default_factory=list)
    loss_sites: List = field(default_factory=list)
    chains: List = field(default_factory=list)
    porting_evidence: bool = False
    kind: str = "config"
    depends: Tuple[str, ...] = ()  # other files read (`_BASE_`, defaults-list groups): for the cache

    def code(self, node) -> str:
        raw = getattr(node, "raw", None)
        return raw if raw is not None else ""


class ConfigReporter:
    """`reglint.reporter.Reporter`'s methods over config nodes."""

    def __init__(self, path: str):
        self.path = path

    def range_of(self, node) -> Tuple[Position, Position]:
        return node.start, node.end

    def diagnostic(self, rule, node, message: str, fix: Optional[Fix] = None, note: Optional[str] = None) -> Diagnostic:
        return Diagnostic(rule.code, rule.name, message, self.path, node.start, node.end, fix, note=note)

    def replace(self, node, content: str) -> Edit:
        return Edit(node.start, node.end, content)

    def insert_after(self, node, content: str) -> Edit:
        return Edit(node.end, node.end, content)
