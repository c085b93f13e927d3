"""Which models hold another model's layers, by the names they are bound to.

A Keras functional model built from another's tensors holds its layers:
`model = Model([body.input, target], loss)` trains every layer of `body`, and so does
whatever name a same-file function's `return model` is bound to (`m = create_model()`).
keras-yolo3 wraps its regularized Darknet body this way before compiling with Adam.
The rules read `FileModel.holds` (name -> the names whose layers it holds) to see that
a regularizer's model is the one a `compile` trains.
"""

from __future__ import annotations

from typing import Dict, Set

import libcst as cst

from reglint.analysis.context import Context
from reglint.analysis.names import dotted
from reglint.analysis.syntax import assigned_name
from reglint.frameworks import keras

_DEPTH = 8  # links followed from one name (a model wrapped in a model returned by a factory ...)


def holds(ctx: Context) -> Dict[str, Set[str]]:
    """name -> the names of the models whose layers the model bound to it holds."""
    links: Dict[str, Set[str]] = {}  # a model's name -> the names of models built from it
    for site in ctx.names.calls:
        if not (site.qualname or "").startswith(keras.MODEL_BUILDERS):
            continue
        built = assigned_name(site)
        if built is None:
            continue
        for root in _roots(site.call.args):
            links.setdefault(root, set()).add(built)
    for statement in ctx.model.module.body:  # `return model` from `create_model`, bound by its callers
        if not isinstance(statement, cst.FunctionDef):
            continue
        returned = {dotted(value) for value in ctx.names.returns.get(id(statement), ()) if isinstance(value, cst.Name)}
        for caller in ctx.calls_of(statement.name.value):
            bound = assigned_name(caller)
            if bound is not None:
                for name in returned:
                    links.setdefault(name, set()).add(bound)
    found: Dict[str, Set[str]] = {}
    for source in links:
        frontier, seen = [source], set()
        for _ in range(_DEPTH):
            frontier = [n for name in frontier for n in links.get(name, ()) if n not in seen and n != source]
            if not frontier:
                break
            seen.update(frontier)
        for name in seen:
            found.setdefault(name, set()).add(source)
    return found


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
