"""DeepSpeed config JSON (or YAML): `"optimizer": {"type": "Adam", "params": {...}}`.

Read in a mapping with an `optimizer` block and one of DeepSpeed's own top-level
keys (`train_batch_size`, `zero_optimization`, ...). Semantics and sources:
`reglint.frameworks.deepspeed`. An optimizer passed in code replaces the config's,
which the file cannot show. An `adam_w_mode` outside `params` is never read by
DeepSpeed: the fact carries a note, and the check says so.
"""

from __future__ import annotations

from typing import List

from reglint.configs.facts import ConfigOptimizer, config_value, number_of, torch_optimizer
from reglint.configs.tree import MAPPING, SCALAR
from reglint.frameworks import deepspeed as table

WORDS = (b'"optimizer"', b"optimizer:")


def interpret(document) -> List[ConfigOptimizer]:
    root = document.root
    if root.kind != MAPPING or not any(root.get(key) is not None for key in table.CONFIG_KEYS):
        return []
    block = root.get("optimizer")
    kind = block.get("type") if block is not None else None
    if kind is None or kind.kind != SCALAR or not isinstance(kind.value, str):
        return []
    params = block.get(table.PARAMS)
    params = params if params is not None and params.kind == MAPPING else None
    decay = params.get("weight_decay") if params is not None else None
    display = f"`\"type\": \"{kind.value}\"`"
    known = table.OPTIMIZERS.get(kind.value.lower())
    if known is None:  # any other name is `getattr(torch.optim, type)`
        fact = torch_optimizer(f"{table.OTHER_TYPES}.{kind.value}", "deepspeed", block, kind, decay, display, None, params)
        return [fact] if fact is not None else []
    qualname, family, adaptive, mode = known
    flag = params.get(table.ADAM_W_MODE) if params is not None else None
    misplaced = block.get(table.ADAM_W_MODE) or root.get(table.ADAM_W_MODE)
    fact = ConfigOptimizer(
        qualname=qualname, family=family, adaptive=adaptive, framework="deepspeed", node=block, decay_mode=mode,
        weight_decay=config_value(decay, number_of(decay), "weight_decay") if decay is not None else None,
        weight_decay_arg=decay, explicit=decay is not None, via="config", class_node=kind, display=display,
        config_format="deepspeed", key_path=kind.dotted, decay_home=params,
    )
    if family == "adam" and flag is not None and flag.value is False:
        fact.decay_mode, fact.flag_node, fact.flag_fix = "coupled", flag, "true"
    if family == "adam" and flag is None and misplaced is not None:
        fact.notes = (f"{misplaced.dotted} is ignored (read only inside optimizer.params)",)
        fact.flag_node = misplaced
    if family == "adagrad":
        fact.decoupled_text = None
    return [fact]
