"""Calls inside one file: which call sites reach a function, and which functions a call runs.

Both directions are what interprocedural resolution needs: a parameter's value comes from
the arguments at every call site (`call_sites`), a call's value from what the callee
returns (`callees` + `Names.returns`). Methods count: `self.build(x)` reaches
`def build(self, x)` with the bound `self` shifting positions by one, `Net(...)` reaches
`Net.__init__`. Names are matched by spelling, never imported or executed; a callee
imported from another module of the project is the project index's to add.
"""

from __future__ import annotations

from typing import Callable, List, Optional, Sequence, Tuple

import libcst as cst

from reglint.analysis.context import Context
from reglint.analysis.names import CallSite, dotted

RECEIVERS = frozenset({"self", "cls"})


def enclosing_class(ctx: Context, function: cst.FunctionDef) -> Optional[cst.ClassDef]:
    """The class whose body defines `function` directly (a method), else None."""
    scopes = ctx.names.function_scopes.get(id(function), ())
    return scopes[-2] if len(scopes) >= 2 and isinstance(scopes[-2], cst.ClassDef) else None


def _static(function: cst.FunctionDef) -> bool:
    return any(dotted(d.decorator) == "staticmethod" for d in function.decorators)


def call_sites(ctx: Context, function: cst.FunctionDef) -> List[Tuple[CallSite, int]]:
    """The file's calls of `function`, each with the number of leading parameters the call
    does not pass positionally (1 for a bound `self`/`cls`, else 0); one scan per function."""
    memo = ctx.__dict__.setdefault("_call_sites_memo", {})
    found = memo.get(id(function))
    if found is None:
        found = memo[id(function)] = _call_sites(ctx, function)
    return found


def _call_sites(ctx: Context, function: cst.FunctionDef) -> List[Tuple[CallSite, int]]:
    name = function.name.value
    owner = enclosing_class(ctx, function)
    if owner is None:
        return [(site, 0) for site in ctx.calls_of(name)]
    bound = 0 if _static(function) else 1
    found: List[Tuple[CallSite, int]] = []
    candidates = ctx.calls_named(name)
    if name == "__init__":  # `Net(...)` too, in file order
        candidates = ctx.in_file_order(candidates + ctx.calls_of(owner.name.value))
    for site in candidates:
        func = site.call.func
        if name == "__init__" and isinstance(func, cst.Name) and func.value == owner.name.value:
            found.append((site, 1))
        elif isinstance(func, cst.Attribute) and func.attr.value == name:
            receiver = func.value
            if isinstance(receiver, cst.Name) and receiver.value == owner.name.value:
                found.append((site, 0))  # `Net.build(net, x)`: self passed by hand
            elif isinstance(receiver, cst.Call) or ctx.qualify(receiver, site.scopes)[0] is None:
                found.append((site, bound))
    return found


Origins = Callable[[Context, cst.BaseExpression, Sequence], List[Tuple[cst.BaseExpression, Tuple]]]


def callees(ctx: Context, call: cst.Call, scopes: Sequence, origins: Origins) -> List[cst.FunctionDef]:
    """The functions of this file a call may run: `f(...)` bound to a `def`, `self.f(...)`
    in a method (the methods named `f` of the enclosing class), `obj.f(...)` where
    `origins` (resolve.origins) shows `obj` built by a class of this file."""
    func = call.func
    if isinstance(func, cst.Name):
        return [b.value for b in ctx.names.lookup(func.value, scopes) if b.kind == "def"]
    if not isinstance(func, cst.Attribute):
        return []
    methods = ctx.names.functions.get(func.attr.value, [])
    if not methods:
        return []
    if isinstance(func.value, cst.Name) and func.value.value in RECEIVERS:
        owner = next((s for s in reversed(scopes) if isinstance(s, cst.ClassDef)), None)
        return [f for f in methods if owner is not None and enclosing_class(ctx, f) is owner]
    # `self.model.l2()` / `model.l2()` where the object was built as `Model(...)` of this file
    owners = set()
    for origin, inner in origins(ctx, func.value, scopes):
        if isinstance(origin, cst.Call) and isinstance(origin.func, cst.Name):
            owners.update(id(b.value) for b in ctx.names.lookup(origin.func.value, inner) if b.kind == "class")
    return [f for f in methods if id(enclosing_class(ctx, f)) in owners]


def returned(ctx: Context, call: cst.Call, scopes: Sequence, origins: Origins) -> List[Tuple[cst.BaseExpression, Tuple]]:
    """What a call of a function of this file may return: (expression, the callee's scopes) pairs."""
    found = []
    for function in callees(ctx, call, scopes, origins):
        inner = ctx.names.function_scopes.get(id(function), (ctx.model.module, function))
        found.extend((value, inner) for value in ctx.names.returns.get(id(function), []))
    return found
