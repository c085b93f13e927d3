"""Fixes and messages a user can trust (issue 14 items 1, 2, 3, 8): a fix never hides the
concern it warned about nor reveals a finding the first run did not show, and a message's
first line says what and where while its note says why."""

from __future__ import annotations

from reglint.config import Settings
from reglint.diagnostic import Applicability
from reglint.engine import Plan
from reglint.runner import check_bytes


def run(code: str, source: str, select=None, **fixing):
    plan = Plan.build(Settings(select=tuple(select or (code,))))
    return check_bytes("train.py", source.encode(), plan, **fixing)


KERAS_DEFAULT_L2 = (
    "from tensorflow.keras import layers, regularizers\n"
    "dense = layers.Dense(8, kernel_regularizer=regularizers.l2())\n"
)


def test_rl006_fix_never_silences_the_warning_about_the_value():
    """`l2()` -> `l2(0.01)` kept the value and hid the warning: now display-only, with both choices."""
    [diagnostic] = run("RL006", KERAS_DEFAULT_L2).diagnostics
    assert (diagnostic.start.line, diagnostic.start.column) == (2, 44)
    assert diagnostic.message == "`regularizers.l2()` uses Keras's default coefficient 0.01, a weight decay of 0.02"
    assert diagnostic.note == ("Keras adds 0.01·Σw², the loss term of a weight decay of 0.02; "
                               "typical weight decays are 1e-4–5e-4, 20–100× weaker")
    assert diagnostic.fix.applicability is Applicability.DISPLAY_ONLY and not diagnostic.fix.edits
    assert diagnostic.fix.message == (
        "Write the coefficient you mean: `regularizers.l2(5e-5)`–`regularizers.l2(2.5e-4)` for a weight decay "
        "of 1e-4–5e-4, or `regularizers.l2(0.01)` to keep Keras's default")
    assert run("RL006", KERAS_DEFAULT_L2, fix=True, unsafe=True).fixed is None


def test_rl006_an_explicit_coefficient_is_a_choice():
    chosen = KERAS_DEFAULT_L2.replace("l2()", "l2(0.01)")
    assert run("RL006", chosen).diagnostics == []
