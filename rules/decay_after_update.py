"""## What it does
Flags `optax.add_decayed_weights(wd)` (also inside `optax.masked`) chained *after* the
learning-rate scaling has already been applied: after a complete optimizer alias
(`optax.adam(lr)`, `optax.sgd(lr)`, `optax.adamw(lr)`, …), after
`optax.scale_by_learning_rate(lr)`, or after `optax.scale(-lr)`.

A decay placed *before* an adaptive scaling is a different hazard (coupled L2 through
Adam), reported by RL002; the two never flag the same element. A decay that is
negative, or computed (`mult - 1`, a schedule `lambda c: …`, as optax's own Fromage
does to rescale the weights), is taken as deliberate and not flagged.

## Why is this bad?
`add_decayed_weights` adds `+wd·p` to whatever update it receives. Before the −lr
scaling that becomes `−lr·wd·p`: decay. After it, the update already points downhill
and is applied as is, so the step is `p ← p − lr·adam(g) + wd·p`: every step
*multiplies* the weights by (1 + wd). With wd = 1e-4 the weights grow by 1% every 100
steps instead of shrinking; nothing fails, training just drifts or diverges.

## Example
```python
tx = optax.chain(optax.adam(learning_rate), optax.add_decayed_weights(weight_decay))
```

## Use instead
```python
tx = optax.adamw(learning_rate, weight_decay=weight_decay)
```

## Fix safety
Unsafe: the fix turns growth into decay, which changes training. After `adam`,
`nadam` or `adamax` aliases it writes `optax.adamw` / `nadamw` / `adamaxw(...,
weight_decay=wd)` (decoupled, as intended); after `sgd`, `scale(-lr)` or
`scale_by_learning_rate`, it moves the decay just before that element, so −lr scales
it too. After other adaptive aliases (moving the decay before them would make it
coupled L2) and after `adamw`-style aliases (which take `weight_decay=` themselves)
the advice is display-only.

## Options
None.

## References
- optax `optax/transforms/_adding.py` L35-89: `updates = g + wd * p`.
- optax `optax/_src/alias.py` L734-744: `adamw` = `chain(scale_by_adam, add_decayed_weights,
  scale_by_learning_rate)`; `transform.py` L985-1008: `scale_by_learning_rate` scales by −lr.
- reglint's docs/semantics.md#optax (measured: p_new/p_old = 1.1 for wd = 0.1 with a zero gradient).
"""

from __future__ import annotations

from reglint.diagnostic import Applicability, Edit, Fix
from reglint.frameworks import optax as optax_table
from reglint.rule import Rule
from reglint.rules._common import with_decay

RULE = Rule(
    code="RL009",
    name="decay-after-update",
    summary="optax add_decayed_weights chained after the -lr scaling: weights grow by (1 + wd) each step",
    fix=Applicability.UNSAFE,
    words=((b"add_decayed_weights", b"additive_weight_decay"), b"chain"),
    facts=("decay_chains",),
)


def check(model, settings, report):
    for chain in model.chains:
        elements = chain.elements
        for index, element in enumerate(elements):
            if element.role != "decay" or not _positive_decay(element.value):
                continue
            if any(e.role in ("adaptive_scale", "adaptive_alias") for e in elements[index + 1:]):
                continue  # decay before an adaptive scaling: RL002's coupled-L2 case
            update = next((e for e in reversed(elements[:index]) if _applies_lr(model, e)), None)
            if update is None:
                continue
            yield _diagnostic(model, report, chain, element, update, elements, index)


def _positive_decay(value) -> bool:
    """A decay that is positive, or a plain name for one (`weight_decay`, `config.wd`).

    A negative value after −lr shrinks the weights (a per-step decoupled decay), and
    arithmetic or a schedule (`mult - 1`, `lambda c: …`, Fromage's rescaling) is a
    deliberate algorithm, not a misplaced weight decay.
    """
    import libcst as cst

    if value is None:
        return False
    if value.number is not None:
        return value.number > 0
    return isinstance(value.expr, (cst.Name, cst.Attribute, cst.Subscript))


def _applies_lr(model, element) -> bool:
    """A complete optimizer (it ends with −lr), scale_by_learning_rate, or scale(−x)."""
    import libcst as cst

    if element.role in ("adaptive_alias", "alias"):
        return True
    if element.qualname == "optax.scale_by_learning_rate":
        flip = next((a for a in element.call.args if a.keyword is not None and a.keyword.value == "flip_sign"), None)
        return flip is None or not (isinstance(flip.value, cst.Name) and flip.value.value == "False")
    if element.qualname == "optax.scale" and element.call.args:
        step = element.call.args[0].value
        return isinstance(step, cst.UnaryOperation) and isinstance(step.operator, cst.Minus)
    return False


def _diagnostic(model, report, chain, decay, update, elements, index):
    name = update.qualname.rsplit(".", 1)[-1]
    known = decay.value is not None and decay.value.number is not None
    amount = f" = {1 + decay.value.number:g}" if known else ""
    fix = _fix(model, report, chain, decay, update, elements, index)
    message = f"`add_decayed_weights` after `{name}` in optax.chain: weights grow by (1 + wd){amount} each step"
    note = "it adds +wd·p to an update already scaled by −lr, so the weights grow instead of decaying"
    return report.diagnostic(RULE, decay.decay_call, message, fix, note)


def _fix(model, report, chain, decay, update, elements, index):
    adjacent = elements[index - 1] is update if index > 0 else False
    if decay.arg is None or update.arg is None or not adjacent or update.wrapper is not None or any(a.keyword is None for a in decay.decay_call.args[1:]):
        return Fix(Applicability.DISPLAY_ONLY, "Put `add_decayed_weights` before the −lr scaling (or use `optax.adamw`)")
    if update.qualname in optax_table.DECOUPLED_FORM:
        decoupled = optax_table.DECOUPLED_FORM[update.qualname].rsplit(".", 1)[1]
        new_call = model.code(with_decay(update.call, decoupled, decay))
        # one edit from the alias to the decay: `adam(lr), add_decayed_weights(wd)` -> `adamw(lr, weight_decay=wd)`
        span = Edit(report.range_of(update.arg)[0], report.range_of(decay.arg)[1], new_call)
        return Fix(Applicability.UNSAFE, f"Use `{new_call}` (decoupled, as intended)", (span,))
    if update.qualname in optax_table.DECOUPLED_ALIASES:
        return Fix(Applicability.DISPLAY_ONLY,
                   f"Give `{update.qualname}` the decay through its own `weight_decay=` (and `mask=`) instead of a transform after it")
    if update.role == "adaptive_alias":
        return Fix(Applicability.DISPLAY_ONLY,
                   "Use a decoupled alias, or `optax.chain(<its scale_by_…>(), optax.add_decayed_weights(wd), optax.scale_by_learning_rate(lr))`")
    # sgd alias, scale(-lr), scale_by_learning_rate: swap, so the decay is scaled by -lr too
    edits = (report.replace(update.call, model.code(decay.call)), report.replace(decay.call, model.code(update.call)))
    return Fix(Applicability.UNSAFE, f"Move `add_decayed_weights` before `{update.qualname.rsplit('.', 1)[-1]}` so −lr scales the decay too", edits)

