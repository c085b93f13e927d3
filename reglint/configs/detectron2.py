"""detectron2 yacs YAML: `SOLVER.OPTIMIZER: ADAM` with `SOLVER.WEIGHT_DECAY`, through `_BASE_`.

The config and its `_BASE_` chain (up to MAX_BASES files) are merged as fvcore does,
the config last. The hazard is reported in the checked file only where it writes a
part of it (`OPTIMIZER` or `WEIGHT_DECAY`); a decay left at detectron2's default is
not "written" (as for an optimizer's default in Python). The fix is display-only:
whether `ADAMW` is accepted depends on the project's `build_optimizer`.
"""

from __future__ import annotations

import os
from typing import List, Optional

from reglint.configs.facts import ConfigOptimizer, torch_optimizer
from reglint.configs.tree import MAPPING, SCALAR, ConfigSyntaxError
from reglint.frameworks import detectron2 as table

WORDS = (b"solver:",)
GATES = (b"_base_",)  # the decay may be written in a base file only
MAX_BASES = 8
MAX_BASE_BYTES = 200_000


def interpret(document) -> List[ConfigOptimizer]:
    root = document.root
    if document.syntax != "yaml" or root.kind != MAPPING:
        return []
    solver = root.get(table.SOLVER)
    if solver is None or solver.kind != MAPPING:
        return []
    chain = [solver] + _base_solvers(document, root)
    name = _first(chain, "OPTIMIZER")
    decay = _first(chain, "WEIGHT_DECAY")
    if name is None or name.kind != SCALAR or not isinstance(name.value, str) or decay is None:
        return []
    qualname = table.OPTIMIZERS.get(name.value.upper())
    written_here = [node for node in (name, decay) if node is not None and node in solver.value.values()]
    if qualname is None or not written_here:
        return []
    display = f"`SOLVER.OPTIMIZER: {name.value}`" + ("" if name in written_here else " (from _BASE_)")
    fact = torch_optimizer(qualname, "detectron2", solver, name, decay, display, None, None)
    if fact is not None and decay not in written_here:  # report where this file writes its part
        fact.weight_decay_arg = name
    return [fact] if fact is not None else []


def _first(solvers, key: str) -> Optional[object]:
    return next((s.get(key) for s in solvers if s.get(key) is not None), None)


def _base_solvers(document, root) -> list:
    """SOLVER mappings of the `_BASE_` chain, nearest first (each file recorded in the
    document's `depends`, read or not)."""
    from reglint.configs import yaml_reader

    found, current, folder = [], root, os.path.dirname(os.path.abspath(document.path))
    for _ in range(MAX_BASES):
        base = current.get(table.BASE_KEY)
        if base is None or base.kind != SCALAR or not isinstance(base.value, str):
            break
        base_path = document.looked_at(os.path.join(folder, os.path.expanduser(base.value)))
        try:
            if os.path.getsize(base_path) > MAX_BASE_BYTES:
                break
            with open(base_path, "rb") as handle:
                current = yaml_reader.read(handle.read().decode("utf-8-sig"))
        except (OSError, UnicodeDecodeError, ConfigSyntaxError):
            break
        if current.kind != MAPPING:
            break
        solver = current.get(table.SOLVER)
        if solver is not None and solver.kind == MAPPING:
            found.append(solver)
        folder = os.path.dirname(base_path)
    return found
