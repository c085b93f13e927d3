"""Which dtype a file puts a module's parameters in: the fact behind RL013's 16-bit case.

`model.to(torch.bfloat16)`, `model.bfloat16()`, `model.half()`, `from_pretrained(...,
torch_dtype=torch.bfloat16)`: the module assigned (or cast in place) gets that dtype. A
module cast to two different dtypes in one file is left out, and so is every module
once the file hands parameters to a wrapper that may keep float32 master weights.
"""

from __future__ import annotations

from typing import Callable, Dict, Iterable, Optional, Set

import libcst as cst

from reglint.analysis.names import CallSite, dotted
from reglint.frameworks import precision
from reglint.model import ParameterCast


def parameter_casts(sites: Iterable[CallSite], qualify: Callable, assigned: Callable) -> Dict[str, ParameterCast]:
    """module variable -> its one cast; `qualify(node, scopes)` names a dtype expression."""
    found: Dict[str, ParameterCast] = {}
    mixed: Set[str] = set()
    for site in sites:
        dtype = _cast_dtype(site, qualify)
        if dtype is None:
            continue
        module = assigned(site) or _receiver(site.call)
        if module is None:
            continue
        if module in found and found[module].dtype != dtype:
            mixed.add(module)
        found.setdefault(module, ParameterCast(module, dtype, site.call))
    return {name: cast for name, cast in found.items() if name not in mixed}


def uses_master_weight_wrapper(sites: Iterable[CallSite]) -> bool:
    return any((site.qualname or "").startswith(precision.MASTER_WEIGHT_WRAPPERS) for site in sites)


def _cast_dtype(site: CallSite, qualify: Callable) -> Optional[str]:
    func = site.call.func
    if not isinstance(func, cst.Attribute):
        return None
    method = func.attr.value
    if method in precision.CAST_METHODS and not site.call.args:
        return precision.CAST_METHODS[method]
    if method == "to":
        for arg in site.call.args:
            if arg.keyword is None or arg.keyword.value == "dtype":
                dtype = _dtype_of(arg.value, site, qualify)
                if dtype is not None:
                    return dtype
        return None
    if method == "from_pretrained":
        for arg in site.call.args:
            if arg.keyword is not None and arg.keyword.value in precision.DTYPE_KEYWORDS:
                return _dtype_of(arg.value, site, qualify)
    return None


def _dtype_of(expr: cst.BaseExpression, site: CallSite, qualify: Callable) -> Optional[str]:
    if isinstance(expr, cst.SimpleString):
        return precision.DTYPE_STRINGS.get(expr.evaluated_value) if isinstance(expr.evaluated_value, str) else None
    if isinstance(expr, (cst.Name, cst.Attribute)):
        qualname, _ = qualify(expr, site.scopes)
        return precision.DTYPES.get(qualname) if qualname else None
    return None


def _receiver(call: cst.Call) -> Optional[str]:
    """`model` for `model.half()` / `model.to(torch.bfloat16)` written as a statement."""
    receiver = call.func.value if isinstance(call.func, cst.Attribute) else None
    return dotted(receiver) if isinstance(receiver, (cst.Name, cst.Attribute)) else None
