"""optax chains: each element's role, and the decay (with its mask) of `add_decayed_weights`."""

from __future__ import annotations

from typing import Optional, Tuple

import libcst as cst

from reglint.analysis import resolve
from reglint.analysis.context import Context
from reglint.analysis.names import CallSite
from reglint.analysis.syntax import argument
from reglint.frameworks import optax
from reglint.model import ChainElement, OptaxChain, Value


def chain(ctx: Context, site: CallSite) -> None:
    elements = []
    for arg in site.call.args:
        if arg.star or arg.keyword is not None:
            continue
        for origin, scopes in resolve.origins(ctx, arg.value, site.scopes) or [(arg.value, site.scopes)]:
            if not isinstance(origin, cst.Call):
                continue
            qualname, wrapper = _wrapped(ctx, origin, scopes)
            element = ChainElement(qualname or "", origin, _chain_role(qualname), arg if origin is arg.value else None)
            element.wrapper = wrapper
            decay_call, mask = origin, argument(origin, "mask", None)
            if qualname == optax.MASKED:  # optax.masked(optax.add_decayed_weights(wd), mask)
                inner = argument(origin, "inner", 0)
                inner_name = ctx.qualify(inner.value.func, scopes)[0] if inner and isinstance(inner.value, cst.Call) else None
                if inner_name in optax.DECAY_TRANSFORMS:
                    element.role, decay_call, mask = "decay", inner.value, argument(origin, "mask", 1)
            if element.role == "decay":
                decay = argument(decay_call, "weight_decay", 0)
                element.value = resolve.value(ctx, decay.value, scopes) if decay is not None else Value(decay_call, 0.0, "default")
                element.decay_call = decay_call
                element.mask = mask.value if mask is not None else None
            elements.append(element)
    ctx.model.chains.append(OptaxChain(site.call, elements))


def _wrapped(ctx: Context, call: cst.Call, scopes) -> Tuple[Optional[str], Optional[str]]:
    """(qualified name of the optimizer a chain element is, the wrapper around it or None):
    `optax.inject_hyperparams(optax.adam)(...)` is an adam; `optax.multi_transform` of
    several transforms is its first full adaptive alias (else its first alias)."""
    func = call.func
    if isinstance(func, cst.Call):
        wrapper = ctx.qualify(func.func, scopes)[0]
        if wrapper in optax.HYPERPARAM_WRAPPERS:
            inner = argument(func, *optax.HYPERPARAM_WRAPPERS[wrapper])
            return (ctx.qualify(inner.value, scopes)[0] if inner is not None else None), wrapper
        return None, None
    qualname = ctx.qualify(func, scopes)[0]
    if qualname not in optax.PARTITIONS:
        return qualname, None
    transforms = argument(call, *optax.PARTITIONS[qualname])
    parts = []
    for origin, inner_scopes in resolve.origins(ctx, transforms.value, scopes) if transforms is not None else []:
        if isinstance(origin, cst.Dict):
            for item in origin.elements:
                if isinstance(item, cst.DictElement) and isinstance(item.value, cst.Call):
                    parts.append(_wrapped(ctx, item.value, inner_scopes)[0])
    for role in ("adaptive_alias", "alias"):
        found = next((part for part in parts if _chain_role(part) == role), None)
        if found is not None:
            return found, qualname
    return qualname, None


def _chain_role(qualname: Optional[str]) -> str:
    if qualname in optax.DECAY_TRANSFORMS:
        return "decay"
    if qualname in optax.ADAPTIVE_SCALES:
        return "adaptive_scale"
    if qualname in optax.ADAPTIVE_ALIASES:
        return "adaptive_alias"
    if qualname in optax.DECOUPLED_ALIASES or qualname in optax.SGD_ALIASES:
        return "alias"
    if qualname in optax.LR_SCALES:
        return "lr_scale"
    return "other"
