"""## What it does
Flags an AdamW-style optimizer whose weight decay is left at the framework's default,
which differs between frameworks: `torch.optim.AdamW` 0.01, `keras.optimizers.AdamW`
(and `optimizer="adamw"`) 0.004, `optax.adamw` / `nadamw` / `adamaxw` 1e-4 — also
through an MMEngine config `dict(type='AdamW', ...)`, and in training configs: Hydra
`_target_: torch.optim.AdamW`, Lightning CLI `class_path`, AllenNLP `"type": "adamw"`
without a `weight_decay` key. A torch AdamW whose every param
group sets `weight_decay`, a call with `**kwargs`, and a config merged into `_base_`
files are silent.

It also flags a tfa / `tf.contrib.opt` decoupled optimizer (`AdamW`, `SGDW`,
`AdamWOptimizer`, `MomentumWOptimizer`) given a torch/Keras-sized decay (≥ 1e-3):
those apply `weight_decay` per step without the learning rate.

Off by default: enable it with `select = ["RL008"]` (or `--extend-select RL008`).

## Why is this bad?
The same line means different regularization in different frameworks: code ported
from PyTorch (0.01) to optax (1e-4) loses 99% of its decay, and from Keras (0.004) to
PyTorch gains 2.5×, with nothing in the code showing a value at all. Writing the
value makes the port explicit and reviewable. tfa's decay is not multiplied by the
learning rate, so a torch value of 0.01 there shrinks every weight by 1% per step.

## Example
```python
optimizer = torch.optim.AdamW(model.parameters(), lr=3e-4)
```

## Use instead
```python
optimizer = torch.optim.AdamW(model.parameters(), lr=3e-4, weight_decay=0.01)
```

## Fix safety
Safe: writing the default the framework already uses keeps the behaviour
(`weight_decay=0.01` for torch, `0.004` for Keras, `1e-4` for optax);
`optimizer="adamw"` becomes `AdamW(weight_decay=0.004)` spelled with the file's Keras
import (display-only without one). The tfa advice is display-only. In a config,
`weight_decay: 0.01` is added as the last entry of the optimizer's block mapping, on
a line of its own at its indentation (safe); in a flow mapping, JSON or jsonnet, or
after a nested block, where one inserted line would not be exact, it is display-only.

## Options
None.

## References
- torch `torch/optim/adamw.py` (2.0.1 L19, 2.6.0 L41, 2.14.1 L26): `weight_decay=1e-2`.
- keras `v3.15.1:keras/src/optimizers/adamw.py` L56: `weight_decay=0.004`.
- optax `optax/_src/alias.py` L598-605 (`adamw`), L2393-2400 (`adamaxw`): `weight_decay=1e-4`.
- tensorflow/addons `weight_decay_optimizers.py` L198-206 (`var.assign_sub(wd * var)`), L58-72.
- reglint's docs/semantics.md#pytorch-optimizers, docs/semantics.md#keras-optimizers, docs/semantics.md#optax and docs/semantics.md#conversion-table.
"""

from __future__ import annotations

from reglint.diagnostic import Applicability, Fix
from reglint.rule import Rule
from reglint.rules._common import add_keyword, format_number, inferred_note, literal, spelled, stated_as

RULE = Rule(
    code="RL008",
    name="framework-default-weight-decay",
    summary="AdamW-style optimizer with weight decay left at a framework default (0.01 / 0.004 / 1e-4)",
    fix=Applicability.SAFE,
    words=((b"adamw", b"adamaxw", b"sgdw", b"momentumw", b"muon"),),
    facts=("optimizers",),
    default=False,
)

DEFAULTS = "torch AdamW 0.01, Keras AdamW 0.004, optax.adamw 1e-4"
FRAMEWORK = {"torch": "torch", "keras": "Keras", "optax": "optax"}
PER_STEP_THRESHOLD = 1e-3


def check(model, settings, report):
    for optimizer in model.optimizers:
        if optimizer.decay_scaled_by_lr:
            diagnostic = _default(model, report, optimizer)
        else:
            diagnostic = _per_step(model, report, optimizer)
        if diagnostic is not None:
            yield diagnostic


def _default(model, report, optimizer):
    value = optimizer.weight_decay
    if optimizer.decay_mode != "decoupled" or optimizer.explicit or optimizer.hidden_arguments:
        return None
    if value is None or value.provenance != "default" or not value.number or optimizer.via in ("hf", "timm"):
        return None
    if optimizer.default_reaches is not True:
        return None  # every param group sets its own decay, or the groups are built out of sight
    default = literal(value.number)
    framework = FRAMEWORK.get(optimizer.framework, optimizer.framework)
    name = optimizer.qualname.rsplit(".", 1)[-1]
    subject = stated_as(model, optimizer) or f"`{model.code(optimizer.node.func) if optimizer.via == 'call' else model.code(optimizer.node)}`"
    message = f"{subject} leaves weight_decay at {framework}'s default {default}"
    note = (f"the AdamW defaults differ ({DEFAULTS}), so code ported between frameworks silently changes its "
            f"regularization; writing the value keeps it when the code moves"
            + ("" if optimizer.via == "string" else inferred_note(optimizer.inferred, model.code(optimizer.node.func))))
    if optimizer.via == "string":
        qualname = spelled(model, optimizer.qualname)
        if qualname is None:
            fix = Fix(Applicability.DISPLAY_ONLY, f"Write the default: use `keras.optimizers.{name}(weight_decay={default})`")
            return report.diagnostic(RULE, optimizer.node, message, fix, note=note)
        fixed = f"{qualname}(weight_decay={default})"
        fix = Fix(Applicability.SAFE, f"Write the default: use `{fixed}`", (report.replace(optimizer.node, fixed),))
        return report.diagnostic(RULE, optimizer.node, message, fix, note=note)
    fix = Fix(Applicability.SAFE, f"Write the default: use `weight_decay={default}`",
              (add_keyword(model, report, optimizer.node, "weight_decay", default),))
    return report.diagnostic(RULE, optimizer.node, message, fix, note=note)


def _per_step(model, report, optimizer):
    value = optimizer.weight_decay
    if not optimizer.explicit or value is None or value.number is None or value.number < PER_STEP_THRESHOLD:
        return None
    if value.provenance not in ("literal", "constant"):
        return None
    name = optimizer.qualname.rsplit(".", 1)[-1]
    per_step = value.number * 100
    message = (f"`{name}` applies weight_decay={format_number(value.number)} per step, not multiplied by the "
               f"learning rate (tfa / tf.contrib)")
    note = (f"every weight shrinks by {per_step:g}% each step: that is a torch/Keras-sized value ({DEFAULTS}, all "
            f"multiplied by lr); here use lr × that value, or a schedule `lambda: wd * schedule(step)`")
    fix = Fix(Applicability.DISPLAY_ONLY, "Scale the decay by the learning rate (tfa's docs: `wd = lambda: 1e-4 * schedule(step)`)")
    return report.diagnostic(RULE, optimizer.weight_decay_arg, message, fix, note=note)

