"""Lightning CLI YAML: `optimizer: {class_path: torch.optim.Adam, init_args: {...}}`.

Any mapping with a `class_path` naming a `torch.optim` class (dotted, or a bare
name such as `Adam`, which jsonargparse resolves among the optimizer classes) is an
optimizer whose arguments are in `init_args`. The short form `optimizer: Adam` (a
class name alone) leaves every argument at its default.
"""

from __future__ import annotations

from typing import List

from reglint.configs.facts import ConfigOptimizer, torch_optimizer
from reglint.configs.tree import MAPPING, SCALAR
from reglint.frameworks import lightning as table
from reglint.frameworks import torch as torch_table

WORDS = (b"class_path", b"optimizer:")


def interpret(document) -> List[ConfigOptimizer]:
    if document.syntax != "yaml" or document.root.kind != MAPPING:
        return []
    found = []
    for node in document.root.walk():
        if node.kind != MAPPING:
            continue
        class_path = node.get(table.CLASS_PATH)
        if class_path is not None and class_path.kind == SCALAR and isinstance(class_path.value, str):
            init_args = node.get(table.INIT_ARGS)
            home = init_args if init_args is not None and init_args.kind == MAPPING else None
            decay = home.get("weight_decay") if home is not None else None
            fact = _fact(class_path, node, decay, home)
            if fact is not None:
                found.append(fact)
        short = node.get("optimizer")
        if short is not None and short.kind == SCALAR and isinstance(short.value, str) and "." not in short.value \
                and table.SHORT_PREFIX + short.value in torch_table.OPTIMIZERS and _lightning_shaped(node):
            fact = _fact(short, short, None, None)
            if fact is not None:
                found.append(fact)
    return found


def _fact(class_node, node, decay, home):
    name = class_node.value
    qualname = name if "." in name else table.SHORT_PREFIX + name
    decoupled = name + "W" if name.rsplit(".", 1)[-1] == "Adam" else None
    return torch_optimizer(qualname, "lightning", node, class_node, decay, f"`{name}`", decoupled, home)


def _lightning_shaped(node) -> bool:
    """`optimizer: Adam` beside Lightning CLI's `trainer:` section (a mapping). `model` and
    `data` alone are no evidence: Ultralytics' args.yaml has both, as plain strings."""
    trainer = node.get("trainer")
    return trainer is not None and trainer.kind == MAPPING
