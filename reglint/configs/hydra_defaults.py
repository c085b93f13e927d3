"""Hydra defaults lists: the optimizer a primary config composes from a group file.

`defaults: [optimizer: adam]` in `configs/train.yaml` places `configs/optimizer/adam.yaml`
under `optimizer`, and the primary's own `optimizer:` keys are merged over it (Hydra
1.1+: the primary comes after its defaults unless `_self_` says otherwise). The group
file is checked on its own; the primary is reported only where it completes the
hazard: its own `optimizer.weight_decay` over a group file's Adam, or the value a
group file's `${...}` reaches in the primary. The class then lives in the other
file, so the fix is display-only and the message names that file.
"""

from __future__ import annotations

import os
from typing import List, Optional

from reglint.configs.facts import ConfigOptimizer, number_of, torch_optimizer
from reglint.configs.omegaconf import INTERPOLATION, key_parts
from reglint.configs.tree import MAPPING, SCALAR, SEQUENCE, ConfigSyntaxError

TARGET = "_target_"
MAX_GROUP_BYTES = 200_000
SEARCH_LEVELS = 3  # the primary's folder and its parents: `configs/experiment/x.yaml` names `/optimizer`


def composed(document, resolve) -> List[ConfigOptimizer]:
    """Facts the primary config `document` completes through its defaults list."""
    defaults = document.root.get("defaults")
    if defaults is None or defaults.kind != SEQUENCE:
        return []
    found = []
    for entry in defaults.value:
        if entry.kind != MAPPING or len(entry.entries) != 1:
            continue
        key, choice = entry.entries[0]
        group = str(key.value).replace("override ", "").strip().strip("/")
        if choice.kind != SCALAR or not isinstance(choice.value, str) or not group:
            continue
        fact = _from_group(document, group, choice.value, resolve)
        if fact is not None:
            found.append(fact)
    return found


def _from_group(document, group: str, name: str, resolve) -> Optional[ConfigOptimizer]:
    path = _group_file(document, group, name)
    if path is None:
        return None
    group_root = _read(path)
    target = group_root.get(TARGET) if group_root is not None and group_root.kind == MAPPING else None
    if target is None or target.kind != SCALAR or not isinstance(target.value, str):
        return None
    package = group.split("/")
    override = document.root.find(*package)
    if override is not None and override.kind == MAPPING and override.get(TARGET) is not None:
        return None  # the primary names its own class: read by `hydra.interpret` as written
    decay = override.get("weight_decay") if override is not None and override.kind == MAPPING else None
    if decay is None:
        decay = _reached_in_primary(document, group_root.get("weight_decay"), package)
    if decay is None:
        return None  # nothing of the hazard is written in the primary
    where = os.path.relpath(path, os.path.dirname(os.path.abspath(document.path)))
    home = override if override is not None and override.kind == MAPPING else None
    fact = torch_optimizer(target.value, "hydra", decay, target, decay, f"`{target.value}` ({where})", None, home)
    if fact is not None:
        resolved = resolve(document, decay)
        fact.weight_decay.number = number_of(resolved)
        fact.class_node = decay  # the class is in the other file: point at what this file writes
    return fact


def _reached_in_primary(document, decay, package):
    """The primary's node a group file's `weight_decay: ${a.b}` points at, if any."""
    if decay is None or decay.kind != SCALAR or not isinstance(decay.value, str):
        return None
    match = INTERPOLATION.fullmatch(decay.value.strip())
    if match is None or match.group("key").startswith("."):
        return None
    return document.root.find(*key_parts(match.group("key")))


def _group_file(document, group: str, name: str) -> Optional[str]:
    """The group file Hydra would compose; every place looked at is recorded in the document's
    `depends` (one created later, nearer than the one found, would change the result)."""
    folder = os.path.dirname(os.path.abspath(document.path))
    for _ in range(SEARCH_LEVELS):
        for suffix in (".yaml", ".yml"):
            candidate = document.looked_at(os.path.join(folder, *group.split("/"), name + suffix))
            if os.path.isfile(candidate):
                return candidate
        folder = os.path.dirname(folder)
    return None


def _read(path: str):
    from reglint.configs import yaml_reader

    try:
        if os.path.getsize(path) > MAX_GROUP_BYTES:
            return None
        with open(path, "rb") as handle:
            return yaml_reader.read(handle.read().decode("utf-8-sig"))
    except (OSError, UnicodeDecodeError, ConfigSyntaxError):
        return None
