"""Optimizers stated as Hydra structured configs: a class body with `_target_` naming a
`torch.optim` class and the fields its instantiation passes as keywords
(`frameworks/hydra.py`). Only a class that writes both `_target_` and `weight_decay` in its
own body is read (a fix then edits that class alone); `lr` may come from a base class of
the same file (`AdamConfig(OptimizerConfig)`).
"""

from __future__ import annotations

from typing import Dict, Optional

import libcst as cst

from reglint.analysis import resolve
from reglint.analysis.context import Context
from reglint.analysis.syntax import argument, string_value
from reglint.frameworks import canonical, hydra, torch
from reglint.model import Optimizer

_BASES_FOLLOWED = 3  # `AdamConfig(OptimizerConfig)`: fields inherited from classes of this file


def optimizers(ctx: Context) -> None:
    classes = _classes(ctx.model.module)
    for node in classes.values():
        target = _field(node, hydra.TARGET_FIELD, {})
        if target is None:
            continue
        qualname = _target_qualname(ctx, target.value)
        decay = _field(node, "weight_decay", {})
        if qualname is None or decay is None:
            continue
        _add(ctx, qualname, target, decay, _field(node, "lr", classes))


def _classes(module: cst.Module) -> Dict[str, cst.ClassDef]:
    """The module-level classes by name (nested ones are rarely configs)."""
    return {s.name.value: s for s in module.body if isinstance(s, cst.ClassDef)}


def _field(node: cst.ClassDef, name: str, classes: Dict[str, cst.ClassDef], depth: int = 0):
    """The class-body statement (`AnnAssign` / `Assign`) giving field `name` its default, in
    this class or the first base class among `classes` that has it."""
    for statement in node.body.body:
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        for small in statement.body:
            if isinstance(small, cst.AnnAssign) and small.value is not None and _named(small.target, name):
                return small
            if isinstance(small, cst.Assign) and any(_named(t.target, name) for t in small.targets):
                return small
    if depth >= _BASES_FOLLOWED:
        return None
    for base in node.bases:
        if isinstance(base.value, cst.Name) and base.value.value in classes and classes[base.value.value] is not node:
            found = _field(classes[base.value.value], name, classes, depth + 1)
            if found is not None:
                return found
    return None


def _named(target, name: str) -> bool:
    return isinstance(target, cst.Name) and target.value == name


def _target_qualname(ctx: Context, value: cst.BaseExpression) -> Optional[str]:
    text = string_value(value)
    if text is not None:
        qualname = canonical(text)
    else:
        qualname = ctx.qualify(value, (ctx.model.module,))[0]
    return qualname if qualname in torch.OPTIMIZERS else None


def _default(statement) -> cst.BaseExpression:
    """The default a field statement gives: its value, or `field(default=...)`'s."""
    value = statement.value
    if isinstance(value, cst.Call):
        given = argument(value, hydra.FIELD_DEFAULT, None)
        if given is not None:
            return given
    return statement


def _add(ctx: Context, qualname: str, target, decay, lr) -> None:
    spec = torch.OPTIMIZERS[qualname]
    scopes = (ctx.model.module,)
    holder = _default(decay)  # has `.value`: the field statement, or the `default=` argument
    optimizer = Optimizer(
        qualname=qualname, family=spec.family, adaptive=spec.adaptive, framework="torch", node=target.value,
        decay_mode=spec.decay_mode, weight_decay_arg=holder, explicit=True, scope=ctx.model.module,
        via="structured", class_node=target.value, decay_scaled_by_lr=spec.decay_scaled_by_lr,
        weight_decay=resolve.value(ctx, holder.value, scopes), default_reaches=None,
    )
    if lr is not None:
        optimizer.learning_rate = resolve.value(ctx, _default(lr).value, scopes)
    ctx.model.optimizers.append(optimizer)

