"""Source -> model: one libcst pass (`names.collect`), then each concern's sites in order.

Order matters: regularizers and optimizers first (loss sites and attachments look
them up by call), then penalties (loss sites pick theirs), then attachments and
loss sites, then `add_param_group` calls (which refine an optimizer already found).
"""

from __future__ import annotations

import libcst as cst

from reglint.analysis import casts, chains, imported, learning_rate, losses, model_flow, optimizers, penalties, regularizers, structured
from reglint.analysis.context import Context
from reglint.analysis.names import dotted
from reglint.analysis.syntax import assigned_name
from reglint.frameworks import optax
from reglint.model import FileModel


def build_model(path: str, text: str, module: cst.Module) -> FileModel:
    """The facts of one parsed file; never decides what is a hazard (the rules do)."""
    ctx = Context(path, text, module)
    if ctx.names.from_imports:
        ctx.imported_constant = imported.constant
    if ctx.names.from_imports or ctx.names.imports:  # `build_optimizer(model)` of a project module
        ctx.imported_optimizers = imported.factory_optimizers
    model = ctx.model
    names = model.names = ctx.names
    module_id = id(model.module)
    rebound = {name for (scope, name), bindings in names.bindings.items()
               if scope != module_id or any(b.kind != "import" for b in bindings)}
    model.module_imports = {local: target for local, target in names.imports.items()
                            if local not in rebound and (module_id, local) in names.bindings}
    model.comments, model.docstrings = names.comments, names.docstrings
    for site in names.calls:
        qualname, inferred = ctx.call_qualname(site.call, site.scopes)
        site.qualname = qualname
        if qualname in regularizers.REGULARIZERS:
            regularizers.regularizer(ctx, site, qualname, inferred)
        elif qualname in optimizers.OPTIMIZERS:
            optimizers.add_optimizer(ctx, site, qualname, inferred)
        else:
            optimizers.configured_optimizer(ctx, site, qualname)
        if qualname in optax.CHAINS:
            chains.chain(ctx, site)
    structured.optimizers(ctx)  # Hydra structured configs: `_target_` and fields, no call
    penalties.penalties(ctx)
    for site in names.calls:
        regularizers.attachments(ctx, site)
        losses.loss_site(ctx, site)
    for site in names.calls:
        optimizers.added_param_group(ctx, site)
        _record_method(model, site.call)
    model.parameter_casts = casts.parameter_casts(names.calls, ctx.qualify, assigned_name)
    model.master_weight_wrappers = casts.uses_master_weight_wrapper(names.calls)
    model.lr_set_elsewhere = learning_rate.set_elsewhere(names.calls, model.source)
    if names.from_imports or names.imports:  # `build()` or `models.build()` of a project module
        imported.regularizers(ctx)
    if model.regularizers or model.imported_regularizers:
        model.holds = model_flow.holds(ctx)
    return model


def _record_method(model: FileModel, call: cst.Call) -> None:
    """`model.load_weights(...)` -> methods_of["model"] gains "load_weights";
    `train(model)` -> "model" is passed."""
    func = call.func
    if isinstance(func, cst.Attribute):
        receiver = dotted(func.value)
        if receiver is not None:
            model.methods_of.setdefault(receiver, set()).add(func.attr.value)
    for arg in call.args:
        name = dotted(arg.value)
        if name is not None:
            model.passed.add(name)
