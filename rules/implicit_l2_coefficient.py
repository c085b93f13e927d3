"""## What it does
Flags a Keras L2 regularizer whose coefficient is left to the framework default:
`l2()`, `L2()`, `kernel_regularizer="l2"` (all 0.01), and `l1_l2(...)` without `l2=`
(0.01 in Keras 2 / tf.keras, 0 in Keras 3). A regularizer used only as an
`activity_regularizer` (a penalty on outputs, not weights) is left alone.

## Why is this bad?
Keras's default L2 coefficient is 0.01, and Keras adds `0.01·Σw²` — the loss term of a
Caffe/PyTorch weight decay of 0.02. Typical weight decays are 1e-4 to 5e-4 (Keras
`l2(5e-5)` to `l2(2.5e-4)`), so the default is 20–100× stronger than what a recipe
means, and nothing in the code says so. `l1_l2()` is worse: Keras 3 turned it into the
class `L1L2` with both defaults 0, so the same line means 0.01 on Keras 2 and no
penalty at all on Keras 3.

## Example
```python
from tensorflow.keras import layers, regularizers

dense = layers.Dense(128, kernel_regularizer=regularizers.l2())
```

## Use instead
```python
dense = layers.Dense(128, kernel_regularizer=regularizers.l2(5e-5))  # a weight decay of 1e-4
```

## Fix safety
Display-only. The concern is the value, not its spelling: a fix that wrote `l2(0.01)`
would keep the coefficient and silence the warning about it, so no fix is applied, not
even with `--unsafe-fixes`. The help line offers both choices — `l2(5e-5)`–`l2(2.5e-4)`
for a typical weight decay of 1e-4–5e-4, or `l2(0.01)` to keep what Keras uses — and the
warning stays until a person writes one. `l1_l2(...)` without `l2=` is display-only too:
which value to write depends on the Keras version the code was written for.

## Options
None.

## References
- Keras 2.3.1 `keras/regularizers.py` L57 `def l2(l=0.01)`; keras `v2.15.0:keras/regularizers.py`
  L293-326 `L2(l2=0.01)`, L395-412 `l1_l2(l1=0.01, l2=0.01)`.
- keras `v3.15.1:keras/src/regularizers/regularizers.py` L168-268: `L2(l2=0.01)`;
  `l1_l2` is `L1L2(l1=0.0, l2=0.0)`.
- reglint's docs/semantics.md#keras-regularizers (defaults) and docs/semantics.md#typical-values.
"""

from __future__ import annotations

from reglint.diagnostic import Applicability, Fix
from reglint.rule import Rule
from reglint.rules._common import L2_REGULARIZER_WORDS, inferred_note, spelled

RULE = Rule(
    code="RL006",
    name="implicit-l2-coefficient",
    summary="Keras L2 regularizer relying on the default coefficient (0.01, 20–100× a typical weight decay)",
    fix=Applicability.DISPLAY_ONLY,
    words=(L2_REGULARIZER_WORDS + (b"'l2'", b'"l2"'),),  # or the string "l2"
    facts=("default_coefficients",),
)

DEFAULT = "0.01"
WHAT = "uses Keras's default coefficient 0.01, a weight decay of 0.02"
WHY = ("Keras adds 0.01·Σw², the loss term of a weight decay of 0.02; typical weight decays are "
       "1e-4–5e-4, 20–100× weaker")


def _choose(l2: str) -> str:
    """The display-only fix's title: the two values a person may mean."""
    return (f"Write the coefficient you mean: `{l2}(5e-5)`–`{l2}(2.5e-4)` for a weight decay of 1e-4–5e-4, "
            f"or `{l2}({DEFAULT})` to keep Keras's default")


def check(model, settings, report):
    import libcst as cst

    for regularizer in model.regularizers:
        if regularizer.framework != "keras" or _only_on_activities(regularizer):
            continue
        if isinstance(regularizer.call, cst.SimpleString):
            if regularizer.kind == "l2":
                yield _string(model, report, regularizer)
        elif regularizer.kind == "l2" and not regularizer.call.args:
            yield _empty_call(model, report, regularizer)
        elif regularizer.qualname == "keras.regularizers.l1_l2" and regularizer.l2_arg is None and not any(a.star for a in regularizer.call.args):
            yield _l1_l2(model, report, regularizer)


def _only_on_activities(regularizer) -> bool:
    """`activity_regularizer=` penalizes outputs: its coefficient is no weight decay."""
    return bool(regularizer.attachments) and all(a.keyword == "activity_regularizer" for a in regularizer.attachments)


def _empty_call(model, report, regularizer):
    written = model.code(regularizer.call.func)
    note = WHY + inferred_note(regularizer.inferred, written)
    return report.diagnostic(RULE, regularizer.call, f"`{written}()` {WHAT}", Fix(Applicability.DISPLAY_ONLY, _choose(written)), note)


def _string(model, report, regularizer):
    node = regularizer.call
    name = spelled(model, "keras.regularizers.l2")
    title = _choose(name) if name else _choose("keras.regularizers.l2") + " (import it first)"
    return report.diagnostic(RULE, node, f"`{model.code(node)}` {WHAT}", Fix(Applicability.DISPLAY_ONLY, title), WHY)


def _l1_l2(model, report, regularizer):
    written = model.code(regularizer.call.func)
    message = f"`{written}(...)` leaves `l2` at its default: 0.01 in Keras 2 / tf.keras, 0 in Keras 3"
    note = ("Keras 3 made `l1_l2` the class `L1L2(l1=0.0, l2=0.0)`: the same line regularizes differently by version"
            + inferred_note(regularizer.inferred, written))
    fix = Fix(Applicability.DISPLAY_ONLY, "Write `l2=` explicitly (0.01 is what Keras 2 used, 0.0 what Keras 3 uses)")
    return report.diagnostic(RULE, regularizer.call, message, fix, note)
