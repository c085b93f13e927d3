"""AllenNLP experiment configs (JSON, jsonnet): `trainer.optimizer` and `model.regularizer`.

Read in a mapping with a `trainer` beside `dataset_reader`, `model` or
`train_data_path`. `"type": "adam" | "adagrad" | "rmsprop" | ...` names a torch class
(`reglint.frameworks.allennlp`) whose `weight_decay` is coupled L2; `adamw` and
`huggingface_adamw` are decoupled. A `parameter_groups` entry that sets its own
`weight_decay` is a decay of that class too. An `l2` regularizer term is an L2 loss
term (alpha·Σw², default alpha 0.01): under an adaptive optimizer it is RL002 as well.
Values the jsonnet reader could not read (`std.extVar`, arithmetic) stay unknown and
are never reported.
"""

from __future__ import annotations

from typing import List, Optional

from reglint.configs.facts import ConfigOptimizer, ConfigRegularizer, config_value, number_of, torch_optimizer
from reglint.configs.tree import MAPPING, SCALAR, SEQUENCE, Node
from reglint.frameworks import allennlp as table

WORDS = (b"trainer",)
GATES = (b'"l2"', b"'l2'")  # an l2 regularizer term is reportable without any decay word
SHAPE_KEYS = ("dataset_reader", "train_data_path", "model")
DECOUPLED_TYPE = "adamw"
REGULARIZER_ADVICE = ("Drop the l2 regularizer and put the decay on the optimizer as decoupled weight_decay "
                      "(`adamw`); retune the decay value")


def is_experiment(root: Node) -> bool:
    """An AllenNLP experiment: a `trainer` beside a dataset reader, a model or training data."""
    return root.kind == MAPPING and root.get("trainer") is not None and any(
        root.get(key) is not None for key in SHAPE_KEYS)


def interpret(document) -> List[object]:
    root = document.root
    if not is_experiment(root):
        return []
    trainer = root.get("trainer")
    block = trainer.get("optimizer") if trainer is not None else None
    if block is None:
        return []
    kind = block if block.kind == SCALAR else block.get("type")  # old configs: "optimizer": "adam"
    if kind is None or kind.kind != SCALAR or not isinstance(kind.value, str):
        return []
    qualname = table.OPTIMIZERS.get(kind.value)
    if qualname is None:
        return []
    params = block if block.kind == MAPPING else None
    decay = params.get("weight_decay") if params is not None else None
    display = f"`{kind.value}`"  # the key path is in the message already; a first line stays short
    decoupled = DECOUPLED_TYPE if kind.value == "adam" else None
    fact = torch_optimizer(qualname, "allennlp", block, kind, decay, display, decoupled, params)
    if fact is None:  # transformers.AdamW: decoupled, nothing in reglint's torch table
        return []
    if decay is None and kind.value in table.DEFAULT_WEIGHT_DECAY:
        fact.weight_decay.number = table.DEFAULT_WEIGHT_DECAY[kind.value]
    found: List[object] = [fact]
    found += _group_decays(fact, params)
    found += _l2_terms(root.get("model"), fact)
    return found


def _group_decays(fact: ConfigOptimizer, params: Optional[Node]) -> List[ConfigOptimizer]:
    """`"parameter_groups": [[["regex"], {"weight_decay": x}], ...]`: each written group decay."""
    groups = params.get("parameter_groups") if params is not None else None
    out = []
    for group in groups.value if groups is not None and groups.kind == SEQUENCE else ():
        options = group.value[1] if group.kind == SEQUENCE and len(group.value) == 2 else None
        decay = options.get("weight_decay") if options is not None else None
        if decay is None:
            continue
        copy = ConfigOptimizer(**{**fact.__dict__})
        copy.weight_decay = config_value(decay, number_of(decay), "weight_decay")
        copy.weight_decay_arg, copy.explicit = decay, True
        out.append(copy)
    return out


def _l2_terms(model: Optional[Node], optimizer: ConfigOptimizer) -> List[ConfigRegularizer]:
    """`model.regularizer` as `{"regexes": [[regex, {"type": "l2", "alpha": a}]]}` or the old bare list."""
    regularizer = model.get("regularizer") if model is not None else None
    if regularizer is None:
        return []
    terms = regularizer.get("regexes") if regularizer.kind == MAPPING else regularizer
    out = []
    for term in terms.value if terms is not None and terms.kind == SEQUENCE else ():
        spec = term.value[1] if term.kind == SEQUENCE and len(term.value) == 2 else None
        kind = spec.get("type") if spec is not None else None
        if kind is None or kind.value != "l2":
            continue
        alpha = spec.get("alpha")
        if alpha is not None:
            value = config_value(alpha, number_of(alpha), "alpha")
        else:
            value = config_value(kind, table.DEFAULT_L2_ALPHA, "alpha")
            value.provenance = "default"
        display = f"{spec.dotted}.alpha={_alpha_text(value)}"
        out.append(ConfigRegularizer(spec, value, display, optimizer, REGULARIZER_ADVICE,
                                     table.REGULARIZER_CONVENTIONS["l2"]))
    return out


def _alpha_text(value) -> str:
    if value.number is None:
        return value.expr.raw
    text = f"{value.number:g}"
    return text + (" (default)" if value.provenance == "default" else "")

