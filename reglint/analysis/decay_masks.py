"""optax decay masks: the boolean test a mask is built from, and what it is True for.

A mask selects the leaves the decay IS applied to (frameworks/optax.py); this reads the
test out of a lambda, a dict comprehension, a mask function's return value or a
`tree_map(lambda ...: test, params)`, through `param_groups`' resolver.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import libcst as cst

from reglint.analysis.names import dotted
from reglint.analysis.selection import Selection, classify_mask
from reglint.frameworks import optax as optax_table


@dataclass
class DecayMask:
    target: str  # `optax.adamw`
    test: cst.BaseExpression  # the boolean test the mask is built from
    selects: Selection  # what the test is True for


def decay_mask(resolver, site, qualname: str) -> Optional[DecayMask]:
    call = site.call
    if qualname == optax_table.MASKED:
        inner = resolver.argument(call, "inner", 0)
        if inner is None or not isinstance(inner.value, cst.Call):
            return None
        if resolver.qualname(inner.value.func) not in optax_table.DECAY_TRANSFORMS:
            return None
        arg = resolver.argument(call, "mask", 1)
    else:
        keyword, position = optax_table.DECAY_MASK_ARGUMENTS[qualname]
        arg = resolver.argument(call, keyword, position)
    if arg is None:
        return None
    test = _mask_test(resolver, arg.value, site.scopes, 0)
    if test is None:
        return None
    target = "optax.masked(add_decayed_weights)" if qualname == optax_table.MASKED else qualname
    return DecayMask(target, test[0], classify_mask(test[0], test[1]))


def _mask_test(resolver, expr, scopes, depth: int):
    """The boolean test of a mask: a lambda's body, a dict comprehension's value, what a
    mask function returns, `tree_map(lambda ...: test, params)`."""
    if depth > 6:
        return None
    if isinstance(expr, cst.Name):
        for binding in resolver.bindings(expr.value, scopes):
            if binding.kind == "def" and isinstance(binding.value, cst.FunctionDef):
                inner = resolver.names.function_scopes.get(id(binding.value), (*scopes, binding.value))
                for value in resolver.names.returns.get(id(binding.value), []):
                    found = _mask_test(resolver, value, inner, depth + 1)
                    if found is not None:
                        return found
            elif binding.kind == "assign" and binding.value is not None:
                return _mask_test(resolver, binding.value, scopes, depth + 1)
        return None
    if isinstance(expr, cst.Lambda):
        params = tuple(p.name.value for p in expr.params.params)
        body = expr.body
        if isinstance(body, (cst.Call, cst.DictComp, cst.Name)):
            return _mask_test(resolver, body, scopes, depth + 1)
        return body, params
    if isinstance(expr, cst.DictComp):
        return expr.value, ()
    if isinstance(expr, cst.Call) and expr.args:
        name = dotted(expr.func) or ""
        if name.endswith(("tree_map", "tree_map_with_path", "tree.map", "tree.map_with_path", "tree_util.tree_map")):
            return _mask_test(resolver, expr.args[0].value, scopes, depth + 1)
        if name.rsplit(".", 1)[-1] in ("unflatten_dict", "freeze", "FrozenDict", "dict"):
            return _mask_test(resolver, expr.args[0].value, scopes, depth + 1)
    return None
