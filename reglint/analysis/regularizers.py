"""Regularizer sites: Keras/TF1 regularizer calls and string identifiers, and where they are attached."""

from __future__ import annotations

from typing import List, Optional

import libcst as cst

from reglint.analysis import resolve
from reglint.analysis.attach import REGULARIZERS, attachment_kind
from reglint.analysis.context import Context
from reglint.analysis.names import CallSite
from reglint.analysis.syntax import argument, assigned_name, string_value
from reglint.frameworks import keras
from reglint.model import Attachment, Regularizer



def owner_of(ctx: Context, call: cst.Call) -> Optional[str]:
    """The variable a layer call's model is assigned to: `m = Sequential([Dense(...)])` -> `m`."""
    node = call
    for _ in range(6):
        node = ctx.names.parents.get(id(node))
        if node is None:
            return None
        site = ctx.site_by_call.get(id(node)) if isinstance(node, cst.Call) else None
        if site is not None and (site.qualname or "").startswith(keras.MODEL_BUILDERS):
            return assigned_name(site)
    return None


def regularizer(ctx: Context, site: CallSite, qualname: str, inferred: bool) -> None:
    spec = REGULARIZERS[qualname]
    arg = None
    for keyword, position in spec.l2_params:
        arg = argument(site.call, keyword, position)
        if arg is not None:
            break
    regularizer = Regularizer(
        kind=spec.kind, qualname=qualname, call=site.call, convention=spec.convention,
        framework=spec.framework, l2_arg=arg, l2_default=spec.l2_default if arg is None else None,
        inferred=inferred,
    )
    if arg is not None:
        regularizer.l2 = resolve.value(ctx, arg.value, site.scopes, site.statement)
    ctx.regularizer_by_call[id(site.call)] = regularizer
    ctx.model.regularizers.append(regularizer)


def regularizers_in(ctx: Context, expr: cst.BaseExpression, scopes) -> List[Regularizer]:
    found = []
    for origin, _ in resolve.origins(ctx, expr, scopes):
        if isinstance(origin, cst.Call) and id(origin) in ctx.regularizer_by_call:
            found.append(ctx.regularizer_by_call[id(origin)])
    return found


def _string_regularizer(ctx: Context, value, qualname: Optional[str]) -> List[Regularizer]:
    """`kernel_regularizer="l2"` on a Keras layer: Keras's `l2()`, coefficient 0.01."""
    text = string_value(value)
    if text not in keras.STRING_REGULARIZERS or not (qualname or "").startswith(keras.LAYER_PREFIXES):
        return []
    spec = keras.REGULARIZERS[keras.STRING_REGULARIZERS[text]]
    regularizer = Regularizer(spec.kind, keras.STRING_REGULARIZERS[text], value, spec.convention, spec.framework, l2_default=spec.l2_default)
    ctx.model.regularizers.append(regularizer)
    return [regularizer]


def attachments(ctx: Context, site: CallSite) -> None:
    qualname = site.qualname
    for arg in site.call.args:
        keyword = arg.keyword.value if arg.keyword is not None else None
        if keyword is None or not (keyword.endswith("_regularizer") or keyword == "regularizer"):
            continue
        regularizers = regularizers_in(ctx, arg.value, site.scopes) or _string_regularizer(ctx, arg.value, qualname)
        if not regularizers:
            continue
        kind, collected = attachment_kind(qualname, keyword)
        owner = owner_of(ctx, site.call) if kind == "keras_layer" else None
        for regularizer in regularizers:
            regularizer.attachments.append(Attachment(kind, keyword, site.call, qualname or "", collected, owner))
