"""HF TrainingArguments as JSON/YAML (`optim`, `weight_decay`), and axolotl's `optimizer:`.

`"optim": "adagrad" | "rmsprop"` builds torch's coupled classes
(`reglint.frameworks.huggingface`); axolotl passes its `optimizer:` through as
`optim`. Read in a mapping with a TrainingArguments key beside them
(`output_dir`, `learning_rate`, ...) or, for axolotl, `base_model`.
"""

from __future__ import annotations

from typing import List

from reglint.configs.facts import ConfigOptimizer, torch_optimizer
from reglint.configs.tree import MAPPING, SCALAR
from reglint.frameworks import huggingface as table

WORDS = (b"optim",)
TRAINING_ARGUMENT_KEYS = ("output_dir", "learning_rate", "per_device_train_batch_size", "num_train_epochs",
                          "gradient_accumulation_steps", "lr_scheduler_type")
DECOUPLED_OPTIM = "adamw_torch"


def interpret(document) -> List[ConfigOptimizer]:
    root = document.root
    if root.kind != MAPPING:
        return []
    for key, shaped in (("optim", TRAINING_ARGUMENT_KEYS), ("optimizer", ("base_model",))):
        name = root.get(key)
        if name is None or name.kind != SCALAR or not isinstance(name.value, str):
            continue
        if not any(root.get(other) is not None for other in shaped):
            continue
        qualname = table.OPTIM_STRINGS.get(name.value.lower())
        if qualname is None:
            continue  # the AdamW family (decoupled) or a name without a table entry
        fact = torch_optimizer(qualname, "huggingface", root, name, root.get("weight_decay"),
                               f"`{key}: {name.value}`", DECOUPLED_OPTIM, root)
        return [fact] if fact is not None else []
    return []
