"""## What it does
Flags a weight-decay value (Caffe `weight_decay:`, PyTorch SGD `weight_decay=`, or a
paper's "weight decay of λ") used as the coefficient of a Keras L2 regularizer
(`l2(λ)`, `L2(λ)`, `L1L2(l2=λ)`, `l1_l2(l2=λ)`, Keras 1 `W_regularizer=l2(λ)`) or of a
hand-written `λ * Σw²` penalty, without halving it (a Σw² returned by a function of
another module of the project is left to RL002 and RL005).

## Why is this bad?
Caffe and PyTorch add `λ·w` to the gradient, which is the loss term `λ/2·‖w‖²`.
Keras's `l2(λ)` adds `λ·‖w‖²` — no ½ — so porting `5e-4` unchanged doubles the
penalty. Nothing fails; the model just trains with twice the intended decay.

The rule needs evidence that the value means weight decay: its name
(`weight_decay`, `WEIGHT_DECAY`, `wd`, `args.weight_decay`, `cfg["weight_decay"]`), a
comment on the defining or using line mentioning weight decay, Caffe, a prototxt
or a paper, or a published weight-decay value (5e-4, 1e-4, 2e-4, 4e-5: a literal, a
constant or a parameter's default) that says it was ported — in a comment on its own or
its binding's line, or in the docstring of its function, class or module ("Keras port of
the Caffe SSD", "Wrapper to set Darknet parameters": Darknet's `decay=` adds decay·w to the
gradient as Caffe does); a "# Caffe solver value" on the learning-rate line is no evidence for an
`l2(1e-4)` elsewhere. A value equal to half a published decay (2.5e-4, 5e-5, 2e-5,
5e-6) or with a half-step mantissa (1.5e-5 = 3e-5 / 2) is taken as already halved. TF1's `l2_regularizer(λ)` and `λ * tf.nn.l2_loss(w)` already
carry the ½ and are never flagged; neither is a value already halved.

## Example
```python
WEIGHT_DECAY = 5e-4  # from the Caffe solver
layers.Conv2D(64, 3, kernel_regularizer=regularizers.l2(WEIGHT_DECAY))
```

## Use instead
```python
layers.Conv2D(64, 3, kernel_regularizer=regularizers.l2(WEIGHT_DECAY / 2))
```

## Fix safety
Unsafe: halving the coefficient changes the training numerics (that is the point),
so it is applied only with `--unsafe-fixes`.

## Options
None.

## References
- Caffe `src/caffe/solvers/sgd_solver.cpp` `Regularize` (L156-215): `diff += weight_decay * w`.
- Darknet (pjreddie/darknet 0078783) `src/convolutional_layer.c` `update_convolutional_layer`:
  `axpy_cpu(size, -decay*batch, l.weights, 1, l.weight_updates, 1)`, then the step
  `learning_rate/batch` — `decay·w` in the gradient, Caffe's convention.
- Keras `v3.15.1:keras/src/regularizers/regularizers.py` L265: `l2 * ops.sum(ops.square(x))`;
  keras `v2.15.0:keras/regularizers.py` L293-326 (`2.0 * self.l2 * tf.nn.l2_loss(x)`).
- TensorFlow `api_def_L2Loss.pbtxt`: `l2_loss(t) = sum(t ** 2) / 2`.
- reglint's docs/semantics.md#caffe, docs/semantics.md#keras-regularizers, docs/semantics.md#tf1-regularizers-and-collections and docs/semantics.md#conversion-table.
"""

from __future__ import annotations

from reglint.rules._common import (
    L2_REGULARIZER_WORDS, PORTING_WORDS, SQUARE_WORDS, WEIGHT_DECAY_WORDS, brief, evidence_note, halved_code, inferred_note,
    looks_halved, weight_decay_evidence,
)

from reglint.diagnostic import Applicability, Fix
from reglint.rule import Rule

RULE = Rule(
    code="RL001",
    name="weight-decay-as-l2",
    summary="weight-decay value used as a Keras L2 coefficient (twice the intended penalty)",
    fix=Applicability.UNSAFE,
    # a Keras L2 regularizer, or a Σw² penalty with a weight-decay name or comment or in a
    # ported file (a constant commented only "paper" is outside: that word is in too much prose)
    words=(L2_REGULARIZER_WORDS + SQUARE_WORDS,),
    prose_words=(L2_REGULARIZER_WORDS + WEIGHT_DECAY_WORDS + PORTING_WORDS,),  # intent: a comment or docstring may say it
    facts=(("sum_sq_l2_regularizers", "penalties"), "weight_decay_intent"),  # TF1's halved L2 is Caffe's convention
)


def _suggestion(model, regularizer, halved: str) -> str:
    """The regularizer call as the fix writes it (`L1L2(0.0, wd / 2)`), or just the coefficient."""
    import libcst as cst

    arg = regularizer.l2_arg
    args = [a.with_changes(value=cst.parse_expression(halved)) if a is arg else a for a in regularizer.call.args]
    code = model.code(regularizer.call.with_changes(args=args))
    return halved if "\n" in code or len(code) > 80 else code


def check(model, settings, report):
    for regularizer in model.regularizers:
        value = regularizer.l2
        if regularizer.convention != "sum_sq" or value is None or looks_halved(value) or value.provably_zero:
            continue
        evidence = weight_decay_evidence(value)
        if evidence is None:
            continue
        spelled = model.code(regularizer.call.func)
        code = model.code(value.expr)
        halved = halved_code(model.module, value.expr)
        message = f"Weight decay `{brief(code)}` used as a Keras L2 coefficient: twice the intended penalty"
        note = (f"`{spelled}(λ)` adds λ·Σw², twice Caffe/PyTorch weight decay's λ/2·Σw²"
                + evidence_note(evidence, code) + inferred_note(regularizer.inferred, spelled))
        fix = Fix(Applicability.UNSAFE, f"Halve the coefficient: use `{_suggestion(model, regularizer, halved)}`",
                  (report.replace(value.expr, halved),))
        yield report.diagnostic(RULE, value.expr, message, fix, note)
    for penalty in model.penalties:
        value = penalty.coefficient
        if penalty.convention != "sum_sq" or value is None or looks_halved(value) or penalty.summed_in is not None:
            continue  # (a Σw² another module sums is RL002's and RL005's: its words are not read for RL001)
        evidence = weight_decay_evidence(value)
        if evidence is None or value.number is not None and value.provenance == "literal" and not evidence.startswith("named"):
            continue
        code = model.code(penalty.coefficient_expr)
        halved = halved_code(model.module, penalty.coefficient_expr)
        message = f"Weight decay `{brief(code)}` used as the coefficient of Σw²: twice the intended penalty"
        note = "weight decay λ is the loss term λ/2·Σw²; λ·Σw² is twice that" + evidence_note(evidence, code)
        fix = Fix(Applicability.UNSAFE, f"Halve the coefficient: use `{halved}`", (report.replace(penalty.coefficient_expr, halved),))
        yield report.diagnostic(RULE, penalty.coefficient_expr, message, fix, note)
