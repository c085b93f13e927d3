"""## What it does
Flags a decoupled weight decay that is applied per step *without* the learning rate —
tfa's `AdamW` and `SGDW`, classes made by `extend_with_decoupled_weight_decay`, and
tf.contrib's `AdamWOptimizer` / `MomentumWOptimizer` — given a learning-rate schedule
(a Keras schedule, a `tf.train.*_decay` rate, a callable, or a `LearningRateScheduler` /
`ReduceLROnPlateau` callback in the same file) but a constant `weight_decay`.

torch's `AdamW`, optax's `adamw` and Keras's `weight_decay=` multiply the decay by the
current (scheduled) rate and are not flagged; nor is a decay that is itself a schedule
or a callable, as tfa's docs show it.

## Why is this bad?
These optimizers subtract `weight_decay * var` every step, whatever the rate. As the
schedule lowers the rate, the gradient step shrinks and the decay does not: by the end
of a cosine or step schedule the decay is 10–1000× stronger relative to the update
than at the start, and the weights are pulled towards zero late in training
(tensorflow/addons #844, #1902). tfa's docs tell users to scale the decay by hand:
`wd = lambda: 1e-4 * schedule(step)`.

## Example
```python
import tensorflow as tf
import tensorflow_addons as tfa

lr_schedule = tf.keras.optimizers.schedules.ExponentialDecay(1e-3, decay_steps=10_000, decay_rate=0.9)
optimizer = tfa.optimizers.AdamW(weight_decay=1e-4, learning_rate=lr_schedule)
```

## Use instead
```python
optimizer = tfa.optimizers.AdamW(weight_decay=lambda: 1e-4 * lr_schedule(optimizer.iterations) / 1e-3, learning_rate=lr_schedule)
```

## Fix safety
Unsafe: it changes the decay after the first step. When the rate is a Keras schedule
bound to a name, with a readable starting rate (its `initial_learning_rate`, or the
first of `PiecewiseConstantDecay`'s values) and no warmup, and the optimizer is bound
to a name, the fix writes `weight_decay=lambda: wd * schedule(optimizer.iterations) / initial`,
so the decay keeps its starting size and follows the rate. Otherwise it is display-only.

## Options
None.

## References
- tensorflow/addons v0.23.0 (`d208d75`) `tensorflow_addons/optimizers/weight_decay_optimizers.py`
  L198-206 (`var.assign_sub(coefficients["wd_t"] * var)`, no learning rate), L228-234
  (`weight_decay` may itself be a schedule), L58-72 (the docs' `wd = lambda: 1e-4 * schedule(step)`).
- tensorflow r1.15 `tensorflow/contrib/opt/python/training/weight_decay_optimizers.py`
  `_decay_weights_op`: `var.assign_sub(self._weight_decay * var)`.
- Not this hazard: torch 2.14.1 `torch/optim/adam.py` L417-419 (`param.mul_(1 - lr * weight_decay)`);
  optax 0.2.8 `optax/_src/alias.py` L685-689 ("this weight decay is multiplied with the
  learning rate"); keras 3.15.1 `keras/src/optimizers/base_optimizer.py` L952-959
  (`variable - variable * wd * lr`).
- tensorflow/addons #844, #1902.
"""

from __future__ import annotations

from reglint.diagnostic import Applicability, Fix
from reglint.rule import Rule
from reglint.rules._common import brief

RULE = Rule(
    code="RL012",
    name="decay-not-scheduled",
    summary="per-step decoupled decay (tfa / tf.contrib) kept constant while the learning rate follows a schedule",
    fix=Applicability.UNSAFE,
    words=((b"adamw", b"sgdw", b"momentumw", b"extend_with_decoupled"), (b"tensorflow_addons", b"tfa", b"contrib")),
    facts=("per_step_decay",),
)


def check(model, settings, report):
    for found in _facts(model).per_step:
        if found.rate.kind == "schedule" and found.decay.kind == "constant":
            yield _diagnostic(model, report, found)


def _facts(model):
    from reglint.analysis import decay_schedules

    cached = getattr(model, "_decay_schedules", None)
    if cached is None:
        cached = decay_schedules.extract(model.module, model.names)
        model._decay_schedules = cached
    return cached


def _diagnostic(model, report, found):
    decay = model.code(found.decay_arg.value)
    rate = model.code(found.rate_arg.value) if found.rate_arg is not None else "the rate"
    label = found.rate.schedule
    if found.rate.callback:
        rate = label
    elif len(rate) > 40:
        rate = f"its {label}"
    elif not label or label.strip("`").rsplit(".", 1)[-1] in rate or rate in label:
        rate = label if rate in label else f"`{rate}`"
    else:
        rate = f"`{rate}` ({label})"
    span = _span(model, found.rate)
    replacement = _scheduled(model, found)
    # the first line names the optimizer and the rate; the note says which class and schedule they are
    message = (f"{found.display.split(' (')[0]} applies a constant per-step weight_decay={brief(decay, 30)} "
               f"while {rate.split(' (')[0]} lowers the learning rate")
    note = (f"{found.display} subtracts weight_decay × weights every step, not multiplied by the learning rate, "
            f"while {rate} lowers the rate: the decay grows relative to the update as the rate falls{span}; "
            "scale it with the schedule")
    if replacement is not None:
        written = f"weight_decay={replacement}" if found.decay_arg.keyword is not None else replacement
        edit = report.replace(found.decay_arg.value, replacement)
        return report.diagnostic(RULE, found.decay_arg, message, Fix(Applicability.UNSAFE, f"Use `{written}`", (edit,)), note)
    fix = Fix(Applicability.DISPLAY_ONLY,
              "Give weight_decay the rate's schedule, as tfa's docs show: `weight_decay=lambda: wd * schedule(step)`")
    return report.diagnostic(RULE, found.decay_arg, message, fix, note)


def _span(model, rate) -> str:
    """`(here 0.1 → 0.001: 100×)` for literal piecewise values."""
    import libcst as cst

    numbers = [float(v.evaluated_value) for v in rate.values if isinstance(v, (cst.Integer, cst.Float))]
    if len(numbers) != len(rate.values) or len(numbers) < 2 or min(numbers) <= 0:
        return ""
    return f" (here {numbers[0]:g} → {numbers[-1]:g}: {numbers[0] / numbers[-1]:.0f}× stronger by the end)"


def _scheduled(model, found):
    """`lambda: wd * schedule(optimizer.iterations) / initial`, when every part is known."""
    rate = found.rate
    if rate.name is None or rate.initial is None or found.bound_to is None or "." in found.bound_to:
        return None
    decay = model.code(found.decay_arg.value)
    initial = model.code(rate.initial)
    return f"lambda: {decay} * {rate.name}({found.bound_to}.iterations) / {initial}"
