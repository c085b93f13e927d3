"""Config facts: the model's `Optimizer`, plus where a config writes it.

A `ConfigOptimizer` is read by the rules like any optimizer (qualname, family,
adaptive, decay_mode, weight_decay `Value` with provenance "config", explicit,
decoupled_flag, ...); its nodes are `tree.Node`s, which carry their own positions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Tuple

from reglint.model import Optimizer, Value


@dataclass
class ConfigOptimizer(Optimizer):
    display: Optional[str] = None  # how messages name it: `optimizer._target_=torch.optim.Adam`
    config_format: str = ""  # "hydra" | "lightning" | "ultralytics" | "deepspeed" | "huggingface" | ...
    key_path: str = ""  # where the optimizer is named: `optimizer._target_`
    # what a decoupled fix writes over `class_node` (`torch.optim.AdamW`, `AdamW`), None: no such edit
    decoupled_text: Optional[str] = None
    # a flag node that selects coupled decay (DeepSpeed `"adam_w_mode": false`) and the text
    # that turns it off (`true`)
    flag_node: Optional[object] = None
    flag_fix: Optional[str] = None
    # the mapping where a missing `weight_decay` belongs (for writing a default), None: unknown
    decay_home: Optional[object] = None
    notes: Tuple[str, ...] = ()
    # the fix message when no text edit can decouple the decay (Caffe has no decoupled solver)
    advice: Optional[str] = None  # what the file says that the reader found odd (an ignored key)


@dataclass
class ConfigRegularizer:
    """An L2 loss term a config adds (AllenNLP's `l2` regularizer), with the optimizer it meets."""

    node: object  # the term's mapping (`{"type": "l2", "alpha": ...}`)
    coefficient: Value
    display: str
    optimizer: ConfigOptimizer
    advice: str  # the display-only fix message
    convention: str = "sum_sq"


def config_value(node, number: Optional[float], name: str, comment: Optional[str] = None) -> Value:
    """A decay read from a config key: provenance "config", named by its key."""
    return Value(node, number, "config", (name,), (comment,) if comment else ())


def number_of(node) -> Optional[float]:
    """A scalar node's number (quoted numbers too, as OmegaConf/HF coerce them), else None."""
    if node is None or node.kind != "scalar" or isinstance(node.value, bool):
        return None
    if isinstance(node.value, (int, float)):
        return float(node.value)
    if isinstance(node.value, str):
        try:
            return float(node.value)
        except ValueError:
            return None
    return None


def torch_optimizer(qualname: str, config_format: str, node, class_node, decay_node, display: str,
                    decoupled_text: Optional[str] = None, decay_home=None, comment: Optional[str] = None) -> Optional[ConfigOptimizer]:
    """The fact for a `torch.optim` class named in a config, its decay under `decay_node`
    (None: left at the class default), or None for a class reglint has no table entry for."""
    from reglint.frameworks import canonical
    from reglint.frameworks import torch as torch_table

    qualname = canonical(qualname)
    spec = torch_table.OPTIMIZERS.get(qualname)
    if spec is None:
        return None
    if decay_node is not None:
        value = config_value(decay_node, number_of(decay_node), str(decay_node.path[-1]), comment)
    else:
        value = Value(class_node, spec.default_weight_decay, "default", ("weight_decay",))
    fact = ConfigOptimizer(
        qualname=qualname, family=spec.family, adaptive=spec.adaptive, framework="torch", node=node,
        decay_mode=spec.decay_mode, weight_decay=value, weight_decay_arg=decay_node, explicit=decay_node is not None,
        via="config", class_node=class_node, display=display, config_format=config_format,
        key_path=class_node.dotted, decoupled_text=decoupled_text, decay_home=decay_home,
    )
    flag_name = spec.decoupled_flag[0] if spec.decoupled_flag else None
    flag = decay_home.get(flag_name) if flag_name and decay_home is not None else None
    if flag is not None:  # `decoupled_weight_decay: true` decouples; `false` written out is flipped by the fix
        fact.decoupled_flag = flag_name
        if flag.value is True:
            fact.decay_mode = "decoupled"
        elif flag.value is False:
            fact.flag_node, fact.flag_fix = flag, "true"
    return fact
