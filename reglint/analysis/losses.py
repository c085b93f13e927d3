"""Loss sites: where a loss is minimized or differentiated, and what that loss consists of
(collected regularization losses, `model.losses`, hand-written penalties)."""

from __future__ import annotations

from typing import List, Optional, Set, Tuple

import libcst as cst

from reglint.analysis import resolve
from reglint.analysis.context import Context
from reglint.analysis.names import CallSite, dotted
from reglint.analysis import optimizers
from reglint.analysis.resolve import MAX_DEPTH
from reglint.analysis.syntax import argument, falsy, literal, string_value
from reglint.frameworks import LIBRARY_ROOTS, jax, keras, tf1
from reglint.frameworks.tensors import AGGREGATES
from reglint.model import LossSite, Optimizer, Penalty, Value



def loss_site(ctx: Context, site: CallSite) -> None:
    call = site.call
    qualname = site.qualname
    func = call.func
    method = func.attr.value if isinstance(func, cst.Attribute) else None
    if method in ("minimize", "compute_gradients") and isinstance(func, cst.Attribute):
        candidates = optimizers.optimizers_for(ctx, func.value, site.scopes)
        optimizer = candidates[0] if candidates else None
        arg = argument(call, "loss", 0)
        framework = optimizer.framework if optimizer else ("tf1" if argument(call, "global_step", None) else "")
        _add_site(ctx, method, site, arg, optimizer, framework).optimizers = candidates
    elif qualname in tf1.ESTIMATOR_SPECS:
        _add_site(ctx, "estimator_spec", site, argument(call, "loss", tf1.ESTIMATOR_SPEC_LOSS_POSITION), None, "tf1")
    elif qualname in tf1.TRAIN_OP_BUILDERS:
        optimizer_arg = argument(call, "optimizer", tf1.TRAIN_OP_BUILDERS[qualname])
        optimizer = optimizers.optimizer_for(ctx, optimizer_arg.value, site.scopes) if optimizer_arg else None
        _add_site(ctx, "create_train_op", site, argument(call, "total_loss", 0) or argument(call, "loss", 0), optimizer, "tf1")
    elif qualname in tf1.GRADIENTS:
        _add_site(ctx, "gradients", site, argument(call, "ys", 0), None, "tf1")
    elif method == "gradient" and isinstance(func.value, cst.Name) and any(t == func.value.value for t, _, _ in ctx.names.tape_blocks):
        _tape_site(ctx, site)
    elif method == "backward" and not call.args:
        stepping = _stepping_optimizers(ctx, site)
        backward = _add_site(ctx, "backward", site, cst.Arg(func.value), stepping[0] if stepping else None, "torch")
        backward.optimizers = stepping
    elif method == "compile":
        _compile_site(ctx, site)
    elif qualname in jax.GRAD_TRANSFORMS:
        _jax_site(ctx, site)


def _add_site(ctx: Context, kind, site: CallSite, arg: Optional[cst.Arg], optimizer, framework, loss_expr=None, scopes=None) -> LossSite:
    loss = loss_expr if loss_expr is not None else (arg.value if arg is not None else None)
    includes, penalties = (None, []) if loss is None else loss_terms(ctx, loss, scopes or site.scopes)
    loss_site = LossSite(kind, site.call, loss, arg, includes, penalties, optimizer, site.scopes[-1], framework)
    loss_site.loss_assignment = _single_assignment(ctx, loss, scopes or site.scopes)
    loss_site.optimizers = [optimizer] if optimizer is not None else []
    ctx.model.loss_sites.append(loss_site)
    return loss_site


def _single_assignment(ctx: Context, loss, scopes) -> Optional[cst.Assign]:
    """`loss = ...`, when that one plain assignment is where a name-only loss is built."""
    if not isinstance(loss, cst.Name):
        return None
    bindings = ctx.names.lookup(loss.value, scopes)
    if len(bindings) != 1 or bindings[0].kind != "assign":
        return None
    statement = bindings[0].statement
    if isinstance(statement, cst.SimpleStatementLine) and isinstance(statement.body[0], cst.Assign):
        assign = statement.body[0]
        if assign.value is bindings[0].value and len(assign.targets) == 1:
            return assign
    return None


def _tape_site(ctx: Context, site: CallSite) -> None:
    call = site.call
    target = argument(call, "target", 0)
    sources = argument(call, "sources", 1)
    model_expr = _trained_model(ctx, sources.value, site.scopes) if sources is not None else None
    loss_site = _add_site(ctx, "tape_gradient", site, target, None, "keras")
    loss_site.model_expr = model_expr
    tape_name = call.func.value.value
    if target is not None and isinstance(target.value, cst.Name):
        for tape, with_node, block_scopes in ctx.names.tape_blocks:
            if tape == tape_name and block_scopes[-1] is site.scopes[-1]:  # the same function's tape
                loss_site.loss_assignment = _last_assignment(with_node, target.value.value) or loss_site.loss_assignment


def _trained_model(ctx: Context, sources: cst.BaseExpression, scopes) -> Optional[str]:
    """`model` for `tape.gradient(loss, model.trainable_variables)`; `self` for the sum of
    several sub-models' variables in a method (`self.encoder.trainable_variables + ...`),
    since a subclassed Model's `self.losses` collects its sub-models' losses."""
    found: List[str] = []
    pending = [(o, s) for o, s in resolve.origins(ctx, sources, scopes) or [(sources, scopes)]]
    while pending and len(found) < 8:
        origin, inner = pending.pop(0)
        if isinstance(origin, cst.BinaryOperation) and isinstance(origin.operator, cst.Add):
            pending.extend(resolve.origins(ctx, origin.left, inner) or [(origin.left, inner)])
            pending.extend(resolve.origins(ctx, origin.right, inner) or [(origin.right, inner)])
        elif isinstance(origin, cst.Attribute) and origin.attr.value in ("trainable_variables", "trainable_weights"):
            found.append(ctx.model.code(origin.value))
    if len(set(found)) == 1:
        return found[0]
    if found and all(f.startswith("self.") for f in found):
        return "self"
    return None


def _stepping_optimizers(ctx: Context, site: CallSite) -> List[Optimizer]:
    """The optimizers whose `.step()` follows a `loss.backward()` in the same function (several
    when the stepping object comes from a factory with branches)."""
    for other in ctx.step_calls(site.scopes[-1]):
        found = optimizers.optimizers_for(ctx, other.call.func.value, other.scopes)
        if found:
            return found
    # a config dict or TrainingArguments is not an object with `.step()`
    torch_optimizers = [o for o in ctx.model.optimizers if o.framework == "torch" and o.via in ("call", "timm")]
    return torch_optimizers[:1] if len(torch_optimizers) == 1 else []


def _compile_site(ctx: Context, site: CallSite) -> None:
    arg = argument(site.call, "optimizer", 0)
    if arg is None:
        return
    optimizer = None
    text = string_value(arg.value)
    if text is not None:
        qualname = keras.OPTIMIZER_STRINGS.get(text.lower())
        if qualname is None:
            return
        spec = keras.OPTIMIZERS[qualname]
        optimizer = Optimizer(qualname, spec.family, spec.adaptive, "keras", arg.value, spec.decay_mode, scope=site.scopes[-1],
                              via="string", class_node=arg.value)
        if spec.default_weight_decay is not None:  # `optimizer="adamw"`: AdamW() with its default decay
            optimizer.weight_decay = Value(arg.value, spec.default_weight_decay, "default")
        ctx.model.optimizers.append(optimizer)
    else:
        optimizer = optimizers.optimizer_for(ctx, arg.value, site.scopes)
    compiled = LossSite("compile", site.call, None, None, True, [], optimizer, site.scopes[-1], "keras")
    compiled.model_expr = ctx.model.code(site.call.func.value) if isinstance(site.call.func, cst.Attribute) else None
    ctx.model.loss_sites.append(compiled)


def _jax_site(ctx: Context, site: CallSite) -> None:
    fn = argument(site.call, "fun", 0)
    if fn is None or not isinstance(fn.value, cst.Name):
        return
    for function in ctx.names.functions.get(fn.value.value, []):
        scopes = ctx.names.function_scopes.get(id(function), (ctx.model.module, function))
        for returned in ctx.names.returns.get(id(function), []):
            loss = returned.elements[0].value if isinstance(returned, cst.Tuple) and returned.elements else returned
            _add_site(ctx, "jax_grad", site, None, None, "jax", loss_expr=loss, scopes=scopes)


def loss_terms(ctx: Context, expr: cst.BaseExpression, scopes) -> Tuple[Optional[bool], List[Penalty]]:
    tags: Set[str] = set()
    nodes: List[cst.CSTNode] = []
    _walk_loss(ctx, expr, scopes, 0, tags, nodes, set())
    includes = True if "reg" in tags else (None if "opaque" in tags else False)
    penalties = ctx.penalties_of(nodes)  # indexed: a file can have as many penalties as loss sites
    return includes, penalties


# Syntax nesting counts too (`-tf.reduce_mean(tf.reduce_sum(p * z))` is four levels), so a
# loss followed into a helper's parameters needs more room than one value's resolution.
LOSS_DEPTH = 2 * MAX_DEPTH


def _walk_loss(ctx: Context, expr, scopes, depth, tags, nodes, seen) -> None:
    if depth > LOSS_DEPTH:
        tags.add("opaque")
        return
    nodes.append(expr)
    if literal(expr) is not None:
        return
    if isinstance(expr, cst.BinaryOperation):
        _walk_loss(ctx, expr.left, scopes, depth + 1, tags, nodes, seen)
        _walk_loss(ctx, expr.right, scopes, depth + 1, tags, nodes, seen)
    elif isinstance(expr, cst.UnaryOperation):
        _walk_loss(ctx, expr.expression, scopes, depth + 1, tags, nodes, seen)
    elif isinstance(expr, (cst.List, cst.Tuple)):
        for element in expr.elements:
            _walk_loss(ctx, element.value, scopes, depth + 1, tags, nodes, seen)
    elif isinstance(expr, (cst.ListComp, cst.GeneratorExp)):
        _walk_loss(ctx, expr.elt, scopes, depth + 1, tags, nodes, seen)
    elif isinstance(expr, cst.Subscript):
        _walk_loss(ctx, expr.value, scopes, depth + 1, tags, nodes, seen)
    elif isinstance(expr, cst.Name):
        _walk_name(ctx, expr, scopes, depth, tags, nodes, seen)
    elif isinstance(expr, cst.Attribute):
        if expr.attr.value == "losses":
            tags.add("reg")
            return
        full = dotted(expr)
        bindings = [b for b in resolve.attribute_bindings(ctx, full, scopes) if b.value is not None] if full else []
        if bindings and full not in seen:
            for binding in bindings:
                _walk_loss(ctx, binding.value, ctx.scopes_of(binding.scope), depth + 1, tags, nodes, seen | {full})
        else:
            tags.add("opaque")
    elif isinstance(expr, cst.Call):
        _walk_call(ctx, expr, scopes, depth, tags, nodes, seen)
    else:
        tags.add("opaque")


def _walk_name(ctx: Context, expr: cst.Name, scopes, depth, tags, nodes, seen) -> None:
    key = (expr.value, id(scopes[-1]))
    if key in seen:
        return
    bindings = ctx.names.lookup(expr.value, scopes)
    if not bindings:
        tags.add("opaque")
        return
    for binding in bindings:
        if binding.kind in ("assign", "augassign") and binding.value is not None:
            _walk_loss(ctx, binding.value, ctx.scopes_of(binding.scope), depth + 1, tags, nodes, seen | {key})
            continue
        if depth == 0:
            tags.add("opaque")  # a helper minimizing the loss it is given: its caller's site reports
            continue
        # a parameter inside the loss (`compute_loss(p, z)`): what the call sites pass, and its default
        passed = [(arg, site.scopes) for arg, site in resolve.arguments(ctx, binding, expr.value)]
        if binding.kind == "param" and binding.value is not None:
            passed.append((binding.value, ctx.scopes_of(binding.scope)[:-1] or (ctx.model.module,)))
        for arg, arg_scopes in passed:
            _walk_loss(ctx, arg, arg_scopes, depth + 1, tags, nodes, seen | {key})
        if not passed:
            tags.add("opaque")


def _walk_call(ctx: Context, call: cst.Call, scopes, depth, tags, nodes, seen) -> None:
    qualname, _ = ctx.qualify(call.func, scopes)
    func = call.func
    if qualname in tf1.REGULARIZATION_LOSS_CALLS:
        if qualname == tf1.GET_COLLECTION:
            key = ctx.model.code(call.args[0].value) if call.args else ""
            if tf1.REGULARIZATION_COLLECTION in key or "regularization_losses" in key:
                tags.add("reg")
            return
        flag = argument(call, "add_regularization_losses", 0)
        if not (qualname.endswith("get_total_loss") and flag is not None and falsy(flag.value)):
            tags.add("reg")
        return
    if isinstance(func, cst.Attribute) and func.attr.value == "compute_loss":
        tags.add("reg")  # Keras's Model.compute_loss adds self.losses
        return
    if isinstance(func, cst.Attribute) and func.attr.value == "compiled_loss":
        if argument(call, "regularization_losses", None) is not None:
            tags.add("reg")
        return
    if _is_aggregate(qualname, func):
        if call.args:
            for arg in call.args:
                if arg.keyword is None:
                    _walk_loss(ctx, arg.value, scopes, depth + 1, tags, nodes, seen)
        return
    if isinstance(func, cst.Attribute) and func.attr.value in ("mean", "sum", "item", "float", "squeeze", "reduce_mean", "reduce_sum"):
        _walk_loss(ctx, func.value, scopes, depth + 1, tags, nodes, seen)
        return
    if qualname is not None and qualname.split(".")[0] in LIBRARY_ROOTS:
        return  # a library loss: known, carries no collected regularization
    if isinstance(func, cst.Name):
        bindings = ctx.names.lookup(func.value, scopes)
        functions = [b.value for b in bindings if b.kind == "def"]
        if functions:
            for function in functions:
                inner = ctx.names.function_scopes.get(id(function), scopes)
                for returned in ctx.names.returns.get(id(function), []):
                    _walk_loss(ctx, returned, inner, depth + 1, tags, nodes, seen)
            return
    # a call on an object built from a library class (`criterion = nn.CrossEntropyLoss()`)
    if isinstance(func, (cst.Name, cst.Attribute)):
        origins = resolve.origins(ctx, func, scopes)
        if origins and all(isinstance(o, cst.Call) and (ctx.qualify(o.func, s)[0] or "").split(".")[0] in LIBRARY_ROOTS for o, s in origins):
            return
    tags.add("opaque")


def _is_aggregate(qualname: Optional[str], func) -> bool:
    if qualname in AGGREGATES:
        return True
    return isinstance(func, cst.Name) and func.value in ("sum", "float")


def _last_assignment(with_node: cst.With, name: str) -> Optional[cst.Assign]:
    found = []

    class _Finder(cst.CSTVisitor):
        def visit_Assign(ctx, node: cst.Assign) -> None:
            if any(isinstance(t.target, cst.Name) and t.target.value == name for t in node.targets):
                found.append(node)

        def visit_FunctionDef(ctx, node) -> bool:
            return False

    with_node.body.visit(_Finder())
    return found[-1] if found else None
