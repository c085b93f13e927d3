"""Hydra / OmegaConf YAML: `_target_: torch.optim.Adam` beside its `weight_decay`.

Every mapping with a `_target_` naming a `torch.optim` class is an optimizer
(`_partial_: true` changes nothing: the params come later, the decay is here).
A `${...}` interpolation is resolved when it points at a value in this file: an
absolute key (`${training.wd}`), a relative one (`${.wd}`, `${..wd}`), or, in a
config group file (`configs/optimizer/adam.yaml`, composed under `optimizer`),
an absolute key inside its own package (`${optimizer.wd}`). Anything else (keys of
the primary config, resolvers like `${oc.env:...}`) stays unknown and is not
reported. A primary config's defaults list is read by `hydra_defaults`.
"""

from __future__ import annotations

import os
from typing import List, Optional

from reglint.configs.facts import ConfigOptimizer, number_of, torch_optimizer
from reglint.configs.omegaconf import INTERPOLATION, key_parts
from reglint.configs.tree import MAPPING, SCALAR

WORDS = (b"_target_", b"defaults")
TARGET = "_target_"
MAX_HOPS = 10


def interpret(document) -> List[ConfigOptimizer]:
    if document.syntax != "yaml" or document.root.kind != MAPPING:
        return []
    found = []
    for node in document.root.walk():
        target = node.get(TARGET) if node.kind == MAPPING else None
        if target is None or target.kind != SCALAR or not isinstance(target.value, str):
            continue
        decay = node.get("weight_decay")
        resolved = resolve(document, decay) if decay is not None else None
        qualname = target.value
        decoupled = qualname.rsplit(".", 1)[0] + ".AdamW" if qualname.rsplit(".", 1)[-1] == "Adam" else None
        fact = torch_optimizer(qualname, "hydra", node, target, decay, f"`{target.value}`", decoupled, node)
        if fact is None:
            continue
        if decay is not None and resolved is not decay:  # reported where written, with the value it resolves to
            fact.weight_decay.number = number_of(resolved)
            if resolved is None:
                fact.weight_decay.provenance = "unknown"
        found.append(fact)
    from reglint.configs.hydra_defaults import composed

    found.extend(composed(document, resolve))
    return found


def resolve(document, node) -> Optional[object]:
    """The scalar node `node` stands for: itself, or what its `${...}` points at in this file."""
    for _ in range(MAX_HOPS):
        if node is None or node.kind != SCALAR or not isinstance(node.value, str):
            return node
        match = INTERPOLATION.fullmatch(node.value.strip())
        if match is None:
            return None if "${" in node.value else node
        node = _lookup(document, node, match.group("key"))
    return None


def _lookup(document, node, key: str):
    root = document.root
    if key.startswith("."):
        depth = len(key) - len(key.lstrip("."))
        base = node.path[:-depth] if depth <= len(node.path) else None
        return None if base is None else root.find(*base, *key_parts(key.lstrip(".")))
    parts = key_parts(key)
    found = root.find(*parts)
    if found is None:  # a group file's own package: configs/<group>/x.yaml sits under <group>
        group = os.path.basename(os.path.dirname(os.path.abspath(document.path)))
        if parts and parts[0] == group:
            found = root.find(*parts[1:])
    return found
