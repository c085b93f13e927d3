"""NVIDIA NeMo YAML: `model: {optim: {name: adam, lr: ..., weight_decay: ...}}` beside `trainer:`.

Read only in NeMo's shape: an `optim` mapping with a string `name`, under the top-level
`model` mapping of a file whose top level also has a `trainer` mapping. See
`reglint.frameworks.nemo` for which names are torch's classes.
"""

from __future__ import annotations

from typing import List

from reglint.configs.facts import ConfigOptimizer, torch_optimizer
from reglint.configs.tree import MAPPING, SCALAR
from reglint.frameworks import nemo as table

WORDS = (b"optim:",)


def interpret(document) -> List[ConfigOptimizer]:
    root = document.root
    if document.syntax != "yaml" or root.kind != MAPPING:
        return []
    trainer, model = root.get("trainer"), root.get("model")
    if trainer is None or trainer.kind != MAPPING or model is None or model.kind != MAPPING:
        return []
    optim = model.get("optim")
    if optim is None or optim.kind != MAPPING:
        return []
    name = optim.get("name")
    if name is None or name.kind != SCALAR or not isinstance(name.value, str):
        return []
    qualname = table.OPTIMIZERS.get(name.value)
    if qualname is None:  # NeMo's own or apex optimizers, or a name NeMo rejects
        return []
    fact = torch_optimizer(qualname, "nemo", optim, name, optim.get("weight_decay"), f"`optim.name: {name.value}`",
                           table.DECOUPLED_NAME.get(name.value), optim)
    return [fact] if fact is not None else []
