"""The names the code screen reads by, shared by `reglint.screen` and `reglint.product_screen`:
the framework names each kind of fact needs, how a callee and a Σw² or norm are read by
name, and which fields of each ast node class a walk visits.
"""

from __future__ import annotations

import ast
from functools import lru_cache
from typing import Dict, FrozenSet, Optional, Tuple


# The fields of each node class the walk visits: not the expression context or operator
# (`Load()`, `Add()`: shared singletons the walk never reads; a node holding them counts one
# level deeper, as their own level did), so each class is read as (fields, 1 or 0).
SINGLETON_FIELDS = frozenset({"ctx", "op", "ops"})
WALKED: Dict[type, Tuple[Tuple[str, ...], int]] = {}


def walked_fields_of(kind: type) -> Tuple[Tuple[str, ...], int]:
    fields = tuple(field for field in kind._fields if field not in SINGLETON_FIELDS)
    return fields, int(len(fields) < len(kind._fields))


# -- Σw² and norms, as `extract.square_sum` / `norm_terms` read them, by name ----------

def terminal(function, renamed: Dict[str, str] = {}) -> Optional[str]:
    kind = type(function)
    return renamed.get(function.id, function.id) if kind is ast.Name else function.attr if kind is ast.Attribute else None


def may_measure_weights(function) -> bool:
    """Whether a `norm` call could measure a parameter, as `extract._normed_weight` reads
    one: not a method of `self` (`self.norm(x)` is a layer), of a `self.` attribute other
    than `.weight` / `.kernel`, or of a call or subscript (`p.grad.norm()` is a method of
    an attribute: kept). A name or other attribute in front may be a module (`torch.norm`)."""
    if type(function) is not ast.Attribute:
        return True
    receiver = function.value
    if type(receiver) is ast.Name:
        return receiver.id != "self"
    if type(receiver) is not ast.Attribute:
        return False
    if receiver.attr in ("weight", "kernel"):
        return True
    root = receiver.value
    while type(root) is ast.Attribute:
        root = root.value
    return not (type(root) is ast.Name and root.id == "self")


def is_two(node) -> bool:
    return type(node) is ast.Constant and type(node.value) in (int, float) and node.value == 2


def is_norm(node, norms, renamed: Dict[str, str] = {}) -> bool:
    return type(node) is ast.Call and terminal(node.func, renamed) in norms


def is_square(node, renamed: Dict[str, str] = {}) -> bool:
    """`w ** 2`, `square(w)` / `w.square()`, `pow(w, 2)` / `w.pow(2)`."""
    if type(node) is ast.BinOp:
        return type(node.op) is ast.Pow and is_two(node.right)
    if type(node) is ast.Call:
        function = terminal(node.func, renamed)
        return function == "square" or (function == "pow" and any(is_two(arg) for arg in node.args))
    return False


def square_sum(call: ast.Call, function: str, norms, renamed: Dict[str, str] = {}) -> bool:
    """A call that is Σw² by itself: `l2_loss(w)`, `sum`/`reduce_sum`/`add_n` of a square,
    `square(w).sum()`, `norm(w).pow(2)`. (A name that accumulates such terms needs one
    of these somewhere in the file, and the walk meets it there.)"""
    if function == "l2_loss":
        return True
    if function == "pow":
        return type(call.func) is ast.Attribute and is_norm(call.func.value, norms, renamed)
    if not call.args:
        return type(call.func) is ast.Attribute and is_square(call.func.value, renamed)
    inner = call.args[0]
    if type(inner) in (ast.GeneratorExp, ast.ListComp):
        inner = inner.elt
    return is_square(inner, renamed)


# -- the names each kind of fact needs ------------------------------------------------

def last_names(qualnames) -> FrozenSet[str]:
    return frozenset(q.rsplit(".", 1)[-1] for q in qualnames)


@lru_cache(maxsize=1)
def tables():
    """Names from the framework tables, built on first use (so a clean run never imports them)."""
    from reglint.frameworks import huggingface, keras, optax, tf1, timm, torch
    from reglint.frameworks import tensors

    torch_decay = [spec.weight_decay for spec in torch.OPTIMIZERS.values()] + [("weight_decay", timm.WEIGHT_DECAY_POSITION)]

    regularizers = last_names({**keras.REGULARIZERS, **tf1.REGULARIZERS})
    optimizers = last_names({**torch.OPTIMIZERS, **keras.OPTIMIZERS, **tf1.OPTIMIZERS, **optax.OPTIMIZERS}) | last_names(
        huggingface.TRAINING_ARGUMENTS) | last_names(timm.CREATE_OPTIMIZER)
    return {
        "regularizers": regularizers,
        # the Keras-convention ones with an L2 term (`l2`, `L1L2`: λ·Σw², not TF1's halved λ·Σw²/2)
        "sum_sq_l2_regularizers": last_names(q for table in (keras.REGULARIZERS, tf1.REGULARIZERS) for q, spec in table.items()
                                             if spec.convention == "sum_sq" and spec.kind in ("l2", "l1l2")),
        "regularizer_strings": frozenset(keras.STRING_REGULARIZERS),
        # the regularizers whose l2 has a default when not passed (`l1_l2(0.01)`)
        "l2_less_regularizers": last_names(q for q in keras.REGULARIZERS if q.rsplit(".", 1)[-1].lower() == "l1_l2"),
        "optimizers": optimizers,
        # the callees of calls that can build an optimizer: a class or factory, or an
        # MMEngine `dict(type=...)` config; a plain name may also be an alias (`read`)
        "optimizer_callees": optimizers | {"dict"},
        "torch_classes": last_names(torch.OPTIMIZERS),  # MMEngine `dict(type='Adam')`
        # the adaptive ones of the classes and strings above, and the factories whose class
        # is chosen by a string the code may build (TrainingArguments' `optim=`, timm's `opt=`)
        "adaptive_optimizers": last_names({name: spec for table in (torch.OPTIMIZERS, keras.OPTIMIZERS, tf1.OPTIMIZERS,
                                                                optax.OPTIMIZERS)
                                      for name, spec in table.items() if spec.adaptive}),
        # torch classes whose `weight_decay` is a coupled L2 under an adaptive step (Adam, not AdamW)
        "coupled_adaptive_torch": last_names({name: spec for name, spec in torch.OPTIMIZERS.items()
                                         if spec.adaptive and spec.decay_mode == "coupled"}),
        "optimizer_factories": last_names(huggingface.TRAINING_ARGUMENTS) | last_names(timm.CREATE_OPTIMIZER),
        "adaptive_optimizer_strings": frozenset(text for text, name in keras.OPTIMIZER_STRINGS.items()
                                                if keras.OPTIMIZERS.get(name) is None or keras.OPTIMIZERS[name].adaptive),
        # torch classes whose decay is always decoupled (`AdamW`, `Adafactor`, `Muon`)
        "torch_decoupled_classes": last_names({q: s for q, s in torch.OPTIMIZERS.items() if s.decay_mode == "decoupled"}),
        "optimizer_strings": frozenset(keras.OPTIMIZER_STRINGS),  # `compile(optimizer="Adam")`, any case
        "chains": last_names(optax.CHAINS),
        "decay_transforms": last_names(optax.DECAY_TRANSFORMS),
        "adaptive_scales": last_names(optax.ADAPTIVE_SCALES),
        # each optax mask callee's mask position (`masked(inner, mask)`: 1); the smallest
        # where two tables spell one last name alike
        "decay_mask_positions": {name: min(position for q, (_, position) in
                                           {**optax.DECAY_MASK_ARGUMENTS, optax.MASKED: ("mask", 1)}.items()
                                           if q.rsplit(".", 1)[-1] == name)
                                 for name in last_names(optax.DECAY_MASK_ARGUMENTS) | last_names({optax.MASKED})},
        # optax calls that take a decay mask (`adamw(mask=...)`, `masked(...)`: `decay_masks`)
        "decay_mask_callees": last_names(optax.DECAY_MASK_ARGUMENTS) | last_names({optax.MASKED}),
        # tfa / tf.contrib classes whose decoupled decay ignores the lr, and the extender
        # that makes one (`decay_schedules`)
        "per_step_callees": last_names({q for table in (keras.OPTIMIZERS, tf1.OPTIMIZERS) for q, s in table.items()
                                   if s.decay_mode == "decoupled" and not s.decay_scaled_by_lr})
        | last_names(keras.DECOUPLED_EXTENDERS),
        # calls that can be a Σw² by themselves (see `square_sum`)
        "sum_calls": last_names(tensors.SUM_CALLS) | last_names(tf1.HALF_SUM_SQ_CALLS) | {"sum", "add_n", "pow"},
        "norms": last_names(tensors.NORM_CALLS) | {"norm"},
        # calls that make one tensor of a list (`tf.stack(reg)`, `product_screen`)
        "stacks": last_names(tensors.STACK_CALLS),
        # how a torch / timm / config optimizer is given its weight decay: a keyword (also a
        # param group's key), or a positional argument at this index or later
        "torch_decay_keywords": frozenset(keyword for keyword, _ in torch_decay if keyword),
        "torch_decay_position": min(position for _, position in torch_decay if position is not None),
    }
