"""Ultralytics YOLO cfg/args YAML: top-level `optimizer: Adam` with `weight_decay:`.

Read only in a mapping shaped like Ultralytics' `cfg/default.yaml` (one of its
training keys such as `lr0` beside `optimizer`). See `reglint.frameworks.ultralytics`
for how the decay reaches the optimizer (a param group: coupled for Adam & co.).
"""

from __future__ import annotations

from typing import List

from reglint.configs.facts import ConfigOptimizer, torch_optimizer
from reglint.configs.tree import MAPPING, SCALAR
from reglint.frameworks import ultralytics as table

WORDS = (b"lr0",)


def interpret(document) -> List[ConfigOptimizer]:
    root = document.root
    if document.syntax != "yaml" or root.kind != MAPPING or not any(root.get(k) is not None for k in table.CONFIG_KEYS):
        return []
    name = root.get("optimizer")
    if name is None or name.kind != SCALAR or not isinstance(name.value, str):
        return []
    lowered = name.value.lower()
    qualname = table.OPTIMIZERS.get(lowered)
    if qualname is None:  # `auto` (SGD or AdamW, chosen at run time) or a name it rejects
        return []
    decay = root.get("weight_decay")
    fact = torch_optimizer(qualname, "ultralytics", root, name, decay, f"`optimizer: {name.value}`",
                           table.DECOUPLED_NAME.get(lowered), root)
    if fact is None:
        return []
    if decay is None:  # cfg/default.yaml supplies weight_decay: 0.0005 to args files without one
        fact.hidden_arguments = True
    return [fact]
