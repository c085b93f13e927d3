"""optax chains: each element's role, and the decay (with its mask) of `add_decayed_weights`."""

from __future__ import annotations

from typing import Optional

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
            qualname, _ = ctx.qualify(origin.func, scopes)
            element = ChainElement(qualname or "", origin, _chain_role(qualname), arg if origin is arg.value else None)
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
