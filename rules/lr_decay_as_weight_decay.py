"""## What it does
Flags the `decay=` argument of a Keras optimizer (Keras 1/2, tf.keras ≤ 2.10,
`tf.keras.optimizers.legacy.*`) when its value reads as a weight decay: it is named
like one (`decay=weight_decay`, `decay=args.wd`), a comment on its line says weight
decay, L2, Caffe or a prototxt, or it is a published weight-decay value (5e-4, 2e-4,
1e-4, 4e-5) given to `SGD`, or one whose line, binding or enclosing docstrings say
it was ported — unless a comment on
the line says it is the learning-rate decay. TF1's `tf.train.RMSPropOptimizer(decay=)`
(the squared-gradient average) and `ExponentialMovingAverage(decay=)` are not Keras
optimizers and are never flagged.

## Why is this bad?
Legacy Keras `decay=` is *learning-rate* time decay, `lr / (1 + decay·t)`: it
regularizes nothing. A Caffe `weight_decay: 0.0005` copied into `SGD(decay=5e-4)`
trains with no weight decay at all, and a learning rate that halves after 2,000 steps.
Newer versions make it worse: TF 2.11–2.15 optimizers reject `decay` with a
ValueError (only `tf.keras.optimizers.legacy.*` still take it), and Keras 3 ignores it
with a warning.

## Example
```python
from tensorflow import keras

WEIGHT_DECAY = 5e-4  # Caffe solver
optimizer = keras.optimizers.SGD(learning_rate=0.1, momentum=0.9, decay=WEIGHT_DECAY)
```

## Use instead
```python
optimizer = keras.optimizers.SGD(learning_rate=0.1, momentum=0.9, weight_decay=WEIGHT_DECAY)
```

## Fix safety
Display-only. What to write depends on what was meant: `weight_decay=` (tf.keras
≥ 2.11, Keras 3) or `AdamW` give *decoupled* decay, multiplied by the learning rate,
so a Caffe λ needs retuning; Caffe's coupled λ is reproduced by layer regularizers
`kernel_regularizer=l2(λ / 2)`.

## Options
None.

## References
- Keras 2.2.4 `keras/optimizers.py` L167/L189: "decay: float >= 0. Learning rate decay
  over each update", `lr * (1. / (1. + self.decay * iterations))`.
- keras `v2.11.0:keras/optimizers/optimizer_v2/optimizer_v2.py` `_decayed_lr` L1170-1180;
  `optimizer_experimental/optimizer.py` `_process_kwargs` L101-126 (ValueError for `decay`),
  the same through v2.15.0 (`keras/optimizers/optimizer.py` L128-134).
- keras `v3.15.1:keras/src/optimizers/base_optimizer.py` L85-88: "Argument `decay` is no
  longer supported and will be ignored."
- reglint's docs/semantics.md#keras-optimizers and docs/semantics.md#typical-values.
"""

from __future__ import annotations

import re

from reglint.diagnostic import Applicability, Fix
from reglint.rule import Rule
from reglint.rules._common import (
    PORTING_WORDS, WEIGHT_DECAY_WORDS, brief, evidence_note, format_number, inferred_note, porting_line,
    published_and_ported, published_value, weight_decay_name, word_start,
)

# The `decay=` keyword (not `weight_decay=` / `lr_decay=`).
DECAY_KEYWORD_WORDS = word_start(b"decay=")[1:] + word_start(b"decay =")[1:]
# Keras optimizers by module or by (bare, notebook) class name, imported under any name.
KERAS_WORDS = (b"keras", b"optimizers", b"sgd", b"adam", b"rmsprop", b"adagrad", b"adadelta", b"adafactor", b"lamb")
# The evidence `_evidence` accepts: weight-decay names and comments, L2 / regularizer / Caffe /
# prototxt comments, porting words, and literals that may be a published decay.
EVIDENCE_WORDS = WEIGHT_DECAY_WORDS + PORTING_WORDS + word_start(b"l2") + (
    b"regularis", b"regulariz", b"e-3", b"e-4", b"e-5", b"e-6", b"e-03", b"e-04", b"e-05", b"e-06", b".00")

RULE = Rule(
    code="RL004",
    name="lr-decay-as-weight-decay",
    summary="legacy Keras optimizer `decay=` (learning-rate decay) given a weight-decay value",
    fix=Applicability.DISPLAY_ONLY,
    words=(DECAY_KEYWORD_WORDS, KERAS_WORDS),
    prose_words=(EVIDENCE_WORDS,),  # a comment or docstring may be the evidence
    facts=("lr_decays",),
)


# A comment that says weight decay / L2 — but not one about the learning rate.
WEIGHT_DECAY_COMMENT = re.compile(r"weight[ _-]?decay|caffe|prototxt|\bl2\b|regulari[sz]", re.IGNORECASE)
LEARNING_RATE_COMMENT = re.compile(r"learning[ _-]?rate|\blr\b", re.IGNORECASE)

VERSIONS = ("TF 2.11–2.15 optimizers reject `decay` (ValueError; only `tf.keras.optimizers.legacy.*` take it) "
            "and Keras 3 ignores it with a warning")


def _evidence(optimizer, model):
    value = optimizer.lr_decay
    name = weight_decay_name(value)
    if name:
        return f"named `{name}`"
    for comment in value.comments:
        if WEIGHT_DECAY_COMMENT.search(comment) and not LEARNING_RATE_COMMENT.search(comment):
            return f"commented `{comment.strip()[:60]}`"
    if any(LEARNING_RATE_COMMENT.search(c) for c in value.comments):
        return None  # a comment says it is the learning-rate decay it is
    if value.provenance in ("literal", "constant") and published_value(value):
        if optimizer.family == "sgd":
            return f"{format_number(value.number)} is a published SGD weight decay"
        if porting_line(value):
            return published_and_ported(value)
    return None


def check(model, settings, report):
    for optimizer in model.optimizers:
        value = optimizer.lr_decay
        if optimizer.framework != "keras" or value is None or value.provably_zero:
            continue
        evidence = _evidence(optimizer, model)
        if evidence is None:
            continue
        code = model.code(value.expr)
        name = optimizer.qualname.rsplit(".", 1)[-1]
        spelled = model.code(optimizer.node.func) if optimizer.via == "call" else name
        message = f"`decay={brief(code)}` is learning-rate time decay, not weight decay: it regularizes nothing"
        note = (f"`decay` lowers the rate as lr/(1+decay·t); {VERSIONS}" + evidence_note(evidence, code)
                + inferred_note(optimizer.inferred, spelled))
        fix = Fix(Applicability.DISPLAY_ONLY,
                  f"Use `{name}(..., weight_decay={code})` (decoupled, tf.keras ≥ 2.11 / Keras 3; multiplied by the "
                  f"learning rate: retune it) or AdamW, or layer regularizers `l2({code} / 2)` for Caffe's coupled decay")
        yield report.diagnostic(RULE, optimizer.lr_decay_arg, message, fix, note)
