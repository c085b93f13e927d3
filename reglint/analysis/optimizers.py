"""Optimizer sites: constructor calls, and optimizers stated as configuration
(MMEngine/mmcv `dict(type=...)`, HF `TrainingArguments`, timm `create_optimizer_v2`),
with torch param groups and whose parameters they optimize."""

from __future__ import annotations

from typing import List, Optional, Tuple

import libcst as cst

from reglint.analysis import config_bases, resolve
from reglint.analysis.context import Context
from reglint.analysis.names import CallSite, dotted
from reglint.analysis.syntax import argument, assigned_name, child_fields_of, string_value, truthy
from reglint.frameworks import detectron2, huggingface, keras, lookup, mmengine, optax, tf1, timm, torch
from reglint.model import Optimizer, Value

OPTIMIZERS = {**torch.OPTIMIZERS, **keras.OPTIMIZERS, **tf1.OPTIMIZERS, **optax.OPTIMIZERS}
POSITIONAL = {**torch.POSITIONAL, **keras.POSITIONAL, **optax.POSITIONAL}
LEARNING_RATE_NAMES = frozenset({"lr", "learning_rate"})
PARAMETER_WRAPPERS = frozenset({"filter", "list", "tuple", "chain", "itertools.chain"})


def added_param_group(ctx: Context, site: CallSite) -> None:
    """`optimizer.add_param_group({"params": ..., "weight_decay": wd})` decays that group."""
    func = site.call.func
    if not (isinstance(func, cst.Attribute) and func.attr.value == "add_param_group" and site.call.args):
        return
    optimizer = optimizer_for(ctx, func.value, site.scopes)
    if optimizer is None or optimizer.framework != "torch" or (optimizer.weight_decay and not optimizer.weight_decay.provably_zero):
        return
    group = site.call.args[0].value
    if isinstance(group, cst.Dict) and _decayed_group(ctx, group, site.scopes, site.statement, optimizer):
        optimizer.group_without_decay = True  # the constructor's own group keeps the default


def _decayed_group(ctx: Context, group: cst.Dict, scopes, statement, optimizer: Optimizer) -> bool:
    for item in group.elements:
        if isinstance(item, cst.DictElement) and string_value(item.key) == "weight_decay":
            value = resolve.value(ctx, item.value, scopes, statement)
            if not value.provably_zero:
                optimizer.weight_decay = value
                optimizer.weight_decay_arg = item
                optimizer.explicit = True
                return True
    return False


def add_optimizer(ctx: Context, site: CallSite, qualname: str, inferred: bool, via: str = "call",
               class_node: Optional[cst.CSTNode] = None, decay_param=None, default=None) -> Optimizer:
    spec = OPTIMIZERS[qualname]
    keyword, position = decay_param or spec.weight_decay
    positional = via in ("call", "timm")  # a config dict or TrainingArguments takes keywords only
    arg = argument(site.call, keyword, position if positional else None) if keyword else None
    decay_mode = spec.decay_mode
    flag = None
    if spec.decoupled_flag:
        flag_arg = argument(site.call, spec.decoupled_flag[0], spec.decoupled_flag[1] if via == "call" else None)
        flag = spec.decoupled_flag[0]
        if flag_arg is not None and truthy(flag_arg.value):
            decay_mode = "decoupled"
    optimizer = Optimizer(
        qualname=qualname, family=spec.family, adaptive=spec.adaptive, framework=spec.framework,
        node=site.call, decay_mode=decay_mode, weight_decay_arg=arg, explicit=arg is not None,
        decoupled_flag=flag, scope=site.scopes[-1], inferred=inferred, via=via,
        class_node=class_node if class_node is not None else site.call.func,
        decay_scaled_by_lr=spec.decay_scaled_by_lr,
        hidden_arguments=any(a.star for a in site.call.args),
    )
    default = spec.default_weight_decay if default is None else default
    if arg is not None:
        optimizer.weight_decay = resolve.value(ctx, arg.value, site.scopes, site.statement)
    elif default is not None:
        optimizer.weight_decay = Value(site.call, default, "default")
    if spec.framework == "torch" and via == "call":
        _torch_param_groups(ctx, site, optimizer)
        params = argument(site.call, "params", 0)
        if params is not None:
            optimizer.default_reaches = _default_reaches(ctx, params.value, site.scopes)
            optimizer.params_of = _module_of_parameters(ctx, params.value, site.scopes)
        else:
            optimizer.default_reaches = None
    if spec.framework == "keras":
        lr_decay = argument(site.call, "decay", None)
        if lr_decay is not None:
            optimizer.decay_mode = "lr_decay" if arg is None else optimizer.decay_mode
            optimizer.lr_decay_arg = lr_decay
            optimizer.lr_decay = resolve.value(ctx, lr_decay.value, site.scopes, site.statement)
    if via == "call":
        optimizer.positional = _positional(ctx, site)
        optimizer.learning_rate = _learning_rate(ctx, site, qualname)
        fused = argument(site.call, "fused", None)
        optimizer.fused = fused is not None and truthy(fused.value)
    elif via in ("config", "lazy"):  # MMEngine `dict(type='AdamW', lr=...)`, LazyConfig keywords
        lr = argument(site.call, "lr", None)
        optimizer.learning_rate = resolve.value(ctx, lr.value, site.scopes, site.statement) if lr is not None else None
    optimizer.bound_to = assigned_name(site)
    ctx.optimizers_by_node.setdefault(id(site.call), []).append(optimizer)
    ctx.model.optimizers.append(optimizer)
    return optimizer
    return optimizer


def _positional(ctx: Context, site: CallSite) -> list:
    """The arguments passed by position, with their values, up to any `*args`."""
    found = []
    for arg in site.call.args:
        if arg.keyword is not None or arg.star:
            break
        found.append((arg, resolve.value(ctx, arg.value, site.scopes, site.statement)))
    return found


def _learning_rate(ctx: Context, site: CallSite, qualname: str) -> Optional[Value]:
    """The written `lr` / `learning_rate`, by keyword or at its position in the signature tables."""
    slots = lookup(POSITIONAL, qualname) or ()
    position = next((i for i, slot in enumerate(slots) if set(_names(slot)) & LEARNING_RATE_NAMES), None)
    arg = argument(site.call, "lr", position) or argument(site.call, "learning_rate", None)
    return resolve.value(ctx, arg.value, site.scopes, site.statement) if arg is not None else None


def _names(slot) -> tuple:
    """A signature slot's names: one, or the tuple it has had across releases."""
    return slot if isinstance(slot, tuple) else (slot,)


def configured_optimizer(ctx: Context, site: CallSite, qualname: Optional[str]) -> None:
    func = site.call.func
    if qualname in huggingface.TRAINING_ARGUMENTS:
        _training_arguments(ctx, site)
    elif qualname in timm.CREATE_OPTIMIZER:
        _timm_optimizer(ctx, site)
    elif isinstance(func, cst.Name) and func.value == "dict" and "dict" not in ctx.names.bound:
        _config_dict(ctx, site)
    elif isinstance(func, cst.Call):
        _lazy_call(ctx, site, func)


def _lazy_call(ctx: Context, site: CallSite, wrapper: cst.Call) -> None:
    """detectron2 LazyConfig `L(torch.optim.Adam)(lr=..., weight_decay=...)`, with `LazyCall
    as L` (or a project's copy of the class): the optimizer built from these keywords."""
    args = wrapper.args
    if len(args) != 1 or args[0].keyword is not None or args[0].star:
        return
    wrapped, _ = ctx.qualify(wrapper.func, site.scopes)
    if wrapped is None or wrapped.rsplit(".", 1)[-1] != detectron2.LAZY_CALL:
        return
    target = args[0].value
    qualname, inferred = ctx.qualify(target, site.scopes)
    if qualname in OPTIMIZERS and OPTIMIZERS[qualname].framework == "torch":
        add_optimizer(ctx, site, qualname, inferred, via="lazy", class_node=target)


def _config_dict(ctx: Context, site: CallSite) -> None:
    """MMEngine/mmcv `optimizer = dict(type='Adam', lr=..., weight_decay=...)`."""
    type_arg = argument(site.call, mmengine.TYPE_KEY, None)
    if not _in_optimizer_position(ctx, site):
        return
    if type_arg is None:
        _inherited_type(ctx, site)
        return
    text = string_value(type_arg.value)
    if text is not None:
        qualname = f"{torch.OPTIM_MODULE}.{text}"
    else:
        qualname = ctx.qualify(type_arg.value, site.scopes)[0]
    if qualname not in torch.OPTIMIZERS:
        return
    optimizer = add_optimizer(ctx, site, qualname, False, via="config", class_node=type_arg.value)
    deleted = argument(site.call, mmengine.DELETE_KEY, None)
    if ctx.names.lookup(mmengine.BASE_KEY, (ctx.model.module,)) and not (deleted and truthy(deleted.value)):
        optimizer.hidden_arguments = True  # merged into a base config: unwritten keys may come from it
        if optimizer.weight_decay_arg is None:
            _inherited_decay(ctx, site, optimizer)


def _inherited_decay(ctx: Context, site: CallSite, optimizer: Optimizer) -> None:
    """The `weight_decay` a config's optimizer dict inherits from its `_base_` files when it
    writes none (`analysis.config_bases`); the files read become the result's dependencies."""
    keyword = OPTIMIZERS[optimizer.qualname].weight_decay[0]
    entries = _inherited(ctx, site)
    entry = entries.get(keyword) if keyword else None
    if entry is None or type(entry.value) not in (int, float):
        return
    written = {arg.keyword.value for arg in site.call.args if arg.keyword is not None}
    takes = set(lookup(POSITIONAL, optimizer.qualname) or ()) | set(torch.KEYWORD_ONLY)
    if not set(entries) - written - {mmengine.TYPE_KEY} <= takes:
        return  # the base's `momentum=` reaches `type='Adam'`: that config cannot build, no decay to judge
    optimizer.weight_decay = Value(site.call, float(entry.value), "config", names=(keyword,))
    optimizer.explicit = True
    optimizer.decay_written_in = (entry.path, entry.line, entry.column)


def _inherited_type(ctx: Context, site: CallSite) -> None:
    """A config dict that writes a decay and no `type`, merged into a base that names the
    class (`optimizer=dict(weight_decay=1e-4)` over a base's `type='Adam'`): that optimizer,
    where its class is written kept. A dict that writes no decay adds nothing to what the
    base's own check sees (a child that only sets `lr`)."""
    entry = _inherited(ctx, site).get(mmengine.TYPE_KEY)
    if entry is None or not isinstance(entry.value, str):
        return
    qualname = f"{torch.OPTIM_MODULE}.{entry.value}"
    keyword = OPTIMIZERS[qualname].weight_decay[0] if qualname in torch.OPTIMIZERS else None
    if keyword is None or argument(site.call, keyword, None) is None:
        return
    optimizer = add_optimizer(ctx, site, qualname, False, via="config", class_node=site.call)
    optimizer.hidden_arguments = True
    optimizer.type_written_in = (entry.path, entry.line, entry.column)


def _inherited(ctx: Context, site: CallSite) -> dict:
    """What the config's `_base_` files give the dict of `site` ({} when unknown); the files
    read become the result's dependencies."""
    bases = _child_bases(ctx)
    keys = _key_path(ctx, site)
    if not bases or keys is None or ctx.model.path in ("", "-"):  # stdin: no folder to read bases from
        return {}
    read: List[str] = []
    entries = config_bases.inherited(ctx.model.path, bases, keys, read)
    ctx.depends_on(read)
    return entries or {}


def _child_bases(ctx: Context) -> Optional[List[str]]:
    """This config's own `_base_` files (`config_bases.bases_written`), read once per file."""
    memo = ctx.__dict__.setdefault("_config_bases", {})
    if "bases" not in memo:
        memo["bases"] = config_bases.bases_written(ctx.model.source) if ctx.names.lookup(
            mmengine.BASE_KEY, (ctx.model.module,)) else []
    return memo["bases"]


def _key_path(ctx: Context, site: CallSite) -> Optional[Tuple[str, ...]]:
    """Where the config dict sits from the module's top: `optim_wrapper = dict(optimizer=dict(...))`
    -> ("optim_wrapper", "optimizer"); None when a level sets `_delete_=True` (it inherits
    nothing) or the dict is not a keyword of module-level `dict(...)` calls."""
    keys: List[str] = []
    call = site.call
    while True:
        deleted = argument(call, mmengine.DELETE_KEY, None)
        if deleted is not None and truthy(deleted.value):
            return None
        parent = ctx.names.parents.get(id(call))
        if not isinstance(parent, cst.Call):
            break
        arg = next((a for a in parent.args if a.value is call), None)
        if arg is None or arg.keyword is None or not (isinstance(parent.func, cst.Name) and parent.func.value == "dict"):
            return None
        keys.append(arg.keyword.value)
        call = parent
    statement = site.statement
    if len(site.scopes) != 1 or not isinstance(statement, cst.SimpleStatementLine):
        return None
    assign = statement.body[0] if statement.body else None
    if not (isinstance(assign, cst.Assign) and assign.value is call and len(assign.targets) == 1
            and isinstance(assign.targets[0].target, cst.Name)):
        return None
    keys.append(assign.targets[0].target.value)
    return tuple(reversed(keys))


def _in_optimizer_position(ctx: Context, site: CallSite) -> bool:
    """Bound to `optimizer` (or `cfg.optimizer`), or passed as `optimizer=`."""
    bound = assigned_name(site)
    if bound is not None:
        return bound.rsplit(".", 1)[-1] in mmengine.OPTIMIZER_KEYS
    parent = ctx.names.parents.get(id(site.call))
    if isinstance(parent, cst.Call):
        for arg in parent.args:
            if arg.value is site.call:
                return arg.keyword is not None and arg.keyword.value in mmengine.OPTIMIZER_KEYS
    return False


def _training_arguments(ctx: Context, site: CallSite) -> None:
    """HF `TrainingArguments(weight_decay=..., optim=...)`: AdamW unless `optim` says otherwise."""
    optim = argument(site.call, "optim", None)
    if optim is None:
        qualname = huggingface.DEFAULT_OPTIM
    else:
        text = string_value(optim.value)
        if text is None:
            return
        qualname = huggingface.OPTIM_STRINGS.get(text) or (huggingface.DEFAULT_OPTIM if text.startswith(huggingface.ADAMW_PREFIXES) else None)
        if qualname is None:
            return
    class_node = optim.value if optim is not None else site.call.func
    optimizer = add_optimizer(ctx, site, qualname, False, via="hf", class_node=class_node, default=0.0)
    optimizer.default_reaches = False  # the Trainer passes weight_decay to every group


def _timm_optimizer(ctx: Context, site: CallSite) -> None:
    """timm `create_optimizer_v2(model, opt='adam', weight_decay=...)`."""
    opt = argument(site.call, "opt", timm.OPT_POSITION)
    text = timm.DEFAULT_OPT if opt is None else string_value(opt.value)
    entry = timm.OPT_STRINGS.get(text.lower().split("_")[-1]) if text is not None else None
    if entry is None:
        return
    qualname, decoupled = entry
    class_node = opt.value if opt is not None else site.call.func
    optimizer = add_optimizer(ctx, site, qualname, False, via="timm", class_node=class_node,
                              decay_param=("weight_decay", timm.WEIGHT_DECAY_POSITION), default=0.0)
    if decoupled:
        optimizer.decay_mode = "decoupled"
    optimizer.default_reaches = False  # timm passes weight_decay to the class
    model_arg = argument(site.call, "model_or_params", 0)
    if model_arg is not None and isinstance(model_arg.value, (cst.Name, cst.Attribute)):
        optimizer.params_of = ctx.model.code(model_arg.value)


def _default_reaches(ctx: Context, params: cst.BaseExpression, scopes) -> Optional[bool]:
    """Does a torch optimizer's own default decay reach some parameters?

    Flat parameters take it; param groups take it unless every group sets
    `weight_decay`; groups built out of sight (a helper's return value) are unknown.
    """
    verdicts = set()
    for origin, _ in resolve.origins(ctx, params, scopes) or [(params, scopes)]:
        verdicts.add(_flat_or_groups(origin))
    if len(verdicts) == 1:
        return verdicts.pop()
    return None if None in verdicts else True


def _module_of_parameters(ctx: Context, params: cst.BaseExpression, scopes) -> Optional[str]:
    """`model` for `model.parameters()` (also inside filter/list/chain), when only one module shows."""
    found = set()

    def visit(node, depth=0) -> None:
        if depth > 6 or not isinstance(node, cst.CSTNode):
            return
        if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value in ("parameters", "named_parameters"):
            found.add(ctx.model.code(node.func.value))
            return
        if isinstance(node, cst.Attribute) and node.attr.value in ("trainable_variables", "trainable_weights"):
            found.add(ctx.model.code(node.value))
            return
        for name in child_fields_of(node):
            value = getattr(node, name)
            for item in value if isinstance(value, (tuple, list)) else (value,):
                visit(item, depth + 1)

    for origin, _ in resolve.origins(ctx, params, scopes) or [(params, scopes)]:
        visit(origin)
    del visit  # the closure refers to itself: a cycle of garbage per call otherwise
    return found.pop() if len(found) == 1 else None


def _torch_param_groups(ctx: Context, site: CallSite, optimizer: Optimizer) -> None:
    """`Adam([{"params": ..., "weight_decay": 1e-4}, ...])`: a group's decay counts too."""
    if optimizer.weight_decay_arg is not None and not (optimizer.weight_decay and optimizer.weight_decay.provably_zero):
        return
    groups = argument(site.call, "params", 0)
    if groups is None:
        return
    for origin, scopes in resolve.origins(ctx, groups.value, site.scopes) or [(groups.value, site.scopes)]:
        if not isinstance(origin, (cst.List, cst.Tuple)):
            continue
        dicts = [e.value for e in origin.elements if isinstance(e.value, cst.Dict)]
        for group in dicts:
            if _decayed_group(ctx, group, scopes, site.statement, optimizer):
                optimizer.group_without_decay = any(
                    not any(isinstance(i, cst.DictElement) and string_value(i.key) == "weight_decay" for i in g.elements)
                    for g in dicts)
                return


def optimizer_for(ctx: Context, expr: Optional[cst.BaseExpression], scopes) -> Optional[Optimizer]:
    found = optimizers_for(ctx, expr, scopes)
    return found[0] if found else None


def optimizers_for(ctx: Context, expr: Optional[cst.BaseExpression], scopes) -> List[Optimizer]:
    """Every optimizer `expr` may be, in source order of its origins (one per branch of a
    factory such as `if name == "sgd": return SGD(...) elif ...`)."""
    if expr is None:
        return []
    found: List[Optimizer] = []
    for origin, _ in resolve.origins(ctx, expr, scopes):
        made = ctx.optimizers_by_node.get(id(origin))
        if made is None and ctx.imported_optimizers is not None and isinstance(origin, cst.Call):
            made = ctx.imported_optimizers(ctx, origin)  # an imported factory's
        for optimizer in made or ():
            if optimizer not in found:
                found.append(optimizer)
    return found


def made_by_factory(ctx: Context, site: CallSite, qualname: str, decoupled: bool, built_by: Tuple[str, int, int, str]) -> Optimizer:
    """An optimizer an imported project function returns (`optimizer = build_optimizer(model)`
    with `return torch.optim.Adam(...)` in `optim.py`): its class as that module wrote it; the
    constructor's arguments are that module's to judge (its own check reports them)."""
    spec = OPTIMIZERS[qualname]
    optimizer = Optimizer(
        qualname=qualname, family=spec.family, adaptive=spec.adaptive, framework=spec.framework, node=site.call,
        decay_mode="decoupled" if decoupled else spec.decay_mode, scope=site.scopes[-1], via="project",
        class_node=site.call.func, decay_scaled_by_lr=spec.decay_scaled_by_lr, hidden_arguments=True,
        default_reaches=None, built_by=built_by)
    optimizer.bound_to = assigned_name(site)
    ctx.optimizers_by_node.setdefault(id(site.call), []).append(optimizer)
    ctx.model.optimizers.append(optimizer)
    return optimizer


def _has_key(group: cst.Dict, key: str) -> bool:
    return any(isinstance(item, cst.DictElement) and string_value(item.key) == key for item in group.elements)


def _flat_or_groups(origin) -> Optional[bool]:
    """True: plain parameters or groups some of which keep the default decay;
    False: groups that all set `weight_decay`; None: cannot tell."""
    if isinstance(origin, (cst.List, cst.Tuple)):
        elements = origin.elements
        if any(isinstance(e, cst.StarredElement) for e in elements):
            return None
        groups = [e.value for e in elements]
        dicts = [g for g in groups if isinstance(g, cst.Dict)]
        if not dicts:
            return True
        if len(dicts) < len(groups):
            return None
        return any(not _has_key(g, "weight_decay") for g in dicts)
    if isinstance(origin, (cst.ListComp, cst.GeneratorExp)):
        return None if isinstance(origin.elt, cst.Dict) else True
    if isinstance(origin, cst.Call):
        func = origin.func
        if isinstance(func, cst.Attribute) and func.attr.value in ("parameters", "named_parameters"):
            return True
        if dotted(func) in PARAMETER_WRAPPERS:
            return True
    return None
