"""Which models hold another model's layers, by the names they are bound to in a scope.

A Keras functional model built from another's tensors holds its layers:
`model = Model([body.input, target], loss)` trains every layer of `body`, and so does
the name a caller binds a same-file function's `return model` to (`m = create_model()`).
keras-yolo3 wraps its regularized Darknet body this way before compiling with Adam.
The rules read `FileModel.holds` ((scope, name) -> the names whose layers it holds) to
see that a regularizer's model is the one a `compile` in that scope trains.
"""

from __future__ import annotations

from typing import Dict, Set, Tuple

import libcst as cst

from reglint.analysis.context import Context
from reglint.analysis.syntax import assigned_name
from reglint.frameworks import keras

_ROUNDS = 4  # factories calling factories: returned models passed on this many times

Held = Dict[Tuple[int, str], Set[str]]


def holds(ctx: Context) -> Held:
    """(id of the scope, name) -> the names of the models whose layers the model bound to it holds."""
    held: Held = {}
    for site in ctx.names.calls:  # `model = Model(body.input, ...)`, in the call's scope
        if (site.qualname or "").startswith(keras.MODEL_BUILDERS):
            built = assigned_name(site)
            if built is not None:
                held.setdefault((id(site.scopes[-1]), built), set()).update(_roots(site.call.args))
    for key in list(held):  # `wrapped = Model(model.input, ...)` after `model = Model(body.input, ...)`
        scope, _ = key
        for name in list(held[key]):
            held[key] |= held.get((scope, name), set())
    functions = [s for s in ctx.model.module.body if isinstance(s, cst.FunctionDef)]
    for _ in range(_ROUNDS):  # `return model` from `create_model`, bound by its callers
        grown = False
        for function in functions:
            returned = ctx.names.returns.get(id(function), ())
            for caller in ctx.calls_of(function.name.value):
                for bound, names in _bindings(caller, returned):
                    models = set().union(*({name} | held.get((id(function), name), set()) for name in names))
                    target = held.setdefault((id(caller.scopes[-1]), bound), set())
                    if not models <= target:
                        target |= models
                        grown = True
        if not grown:
            break
    return held


def _bindings(caller, returned):
    """(name the caller binds, the names the function returns in that place): `m = f()` with
    `return model`, and `m, b = f()` with `return model, bottleneck` (keras-yolo3's
    train_bottleneck), position by position."""
    bound = assigned_name(caller)
    if bound is not None:
        yield bound, {value.value for value in returned if isinstance(value, cst.Name)}
        return
    statement = caller.statement
    if not (isinstance(statement, cst.SimpleStatementLine) and isinstance(statement.body[0], cst.Assign)):
        return
    assign = statement.body[0]
    if assign.value is not caller.call or len(assign.targets) != 1 or not isinstance(assign.targets[0].target, cst.Tuple):
        return
    targets = assign.targets[0].target.elements
    for position, element in enumerate(targets):
        if isinstance(element.value, cst.Name):
            yield element.value.value, {value.elements[position].value.value for value in returned
                                        if isinstance(value, cst.Tuple) and len(value.elements) == len(targets)
                                        and isinstance(value.elements[position].value, cst.Name)}


def _roots(args) -> Set[str]:
    """The plain names the arguments' expressions are written on (`body` of `body.input`,
    `*body.output`, `[body.input, target]`)."""
    roots: Set[str] = set()
    stack = [arg.value for arg in args]
    while stack:
        node = stack.pop()
        if isinstance(node, cst.Name):
            roots.add(node.value)
        elif isinstance(node, cst.Attribute):
            stack.append(node.value)
        elif isinstance(node, (cst.List, cst.Tuple)):
            stack.extend(element.value for element in node.elements)
        elif isinstance(node, cst.StarredElement):
            stack.append(node.value)
    return roots
