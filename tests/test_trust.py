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


TF1_GRAPH = (
    "import tensorflow as tf\n"
    "logits = tf.layers.dense(x, 10, kernel_regularizer=tf.contrib.layers.l2_regularizer(1e-4))\n"
    "loss = tf.losses.sparse_softmax_cross_entropy(labels, logits)\n"
    "train_op = tf.train.{optimizer}.minimize(loss)\n"
)


def test_rl003_under_adam_says_the_l2_terms_would_be_coupled_and_fixes_nothing():
    source = TF1_GRAPH.format(optimizer="AdamOptimizer(1e-3)")
    [diagnostic] = run("RL003", source, select=("ALL",)).diagnostics
    assert (diagnostic.code, diagnostic.start.line, diagnostic.start.column) == ("RL003", 4, 50)
    assert diagnostic.message == "Loss never adds the REGULARIZATION_LOSSES of this file's regularizers (first at line 2)"
    assert diagnostic.note.endswith("; under `AdamOptimizer` the added L2 terms would be rescaled by the adaptive step: "
                                    "coupled L2, not weight decay (RL002)")
    assert diagnostic.fix.applicability is Applicability.DISPLAY_ONLY
    assert diagnostic.fix.message == (
        "Under `AdamOptimizer`, use decoupled weight decay (`tf.contrib.opt.AdamWOptimizer` / `AdamW`) instead of the "
        "L2 regularizers; adding `tf.losses.get_regularization_loss()` would be coupled L2")
    assert run("RL003", source, select=("ALL",), fix=True, unsafe=True).fixed is None


def test_rl003_under_momentum_still_adds_the_regularization_loss():
    source = TF1_GRAPH.format(optimizer="MomentumOptimizer(0.1, 0.9)")
    [diagnostic] = run("RL003", source).diagnostics
    assert diagnostic.note == ("TF1 regularizers only add a tensor to a collection; unless the minimized loss adds it, "
                               "they do nothing")
    fixed = run("RL003", source, fix=True, unsafe=True).fixed.decode()
    assert fixed.endswith("minimize(loss + tf.losses.get_regularization_loss())\n")
    assert run("RL003", fixed, select=("ALL",)).diagnostics == []


ADAM = "import torch\nopt = torch.optim.Adam(model.parameters(), lr=1e-3, weight_decay={decay})\n"


def test_rl002_adam_to_adamw_writes_a_starting_value_not_the_coupled_one():
    [diagnostic] = run("RL002", ADAM.format(decay="1e-4")).diagnostics
    assert diagnostic.message == "`torch.optim.Adam` with weight_decay=0.0001 is a coupled L2 penalty, not weight decay"
    assert diagnostic.note.endswith("; no decoupled value is equivalent: typical AdamW values are 1e-2 to 1e-1 "
                                    "(coupled ones 1e-5 to 5e-4), start at 1e-2 and tune")
    assert diagnostic.fix.message == "Switch to decoupled decay: `AdamW` with weight_decay=1e-2 (a starting point; tune)"
    fixed = run("RL002", ADAM.format(decay="1e-4"), fix=True, unsafe=True).fixed.decode()
    assert fixed.endswith("opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=1e-2)\n")


def test_rl002_a_named_coupled_value_is_not_carried_over_silently():
    [diagnostic] = run("RL002", ADAM.format(decay="args.wd")).diagnostics
    assert diagnostic.fix.applicability is Applicability.DISPLAY_ONLY
    assert diagnostic.fix.message == ("Switch to decoupled decay: `AdamW`, and set `args.wd` to about 1e-2 "
                                      "(a starting point; tune)")


HYDRA_ADAM = "optimizer:\n  _target_: torch.optim.Adam\n  wd: 5e-4\n  weight_decay: {decay}  # coupled\n"


def run_config(source: str, path: str = "conf/optimizer.yaml", **fixing):
    return check_bytes(path, source.encode(), Plan.build(Settings(select=("RL002",))), **fixing)


def test_rl002_config_adam_to_adamw_writes_a_starting_value_not_the_coupled_one():
    """A config's class switch follows the torch fix: the coupled 1e-4 is not carried over."""
    [diagnostic] = run_config(HYDRA_ADAM.format(decay="1e-4")).diagnostics
    assert diagnostic.message == "optimizer.weight_decay=0.0001 with `torch.optim.Adam` is a coupled L2 penalty, not weight decay"
    assert diagnostic.note.endswith("; no decoupled value is equivalent: typical AdamW values are 1e-2 to 1e-1 "
                                    "(coupled ones 1e-5 to 5e-4), start at 1e-2 and tune")
    assert diagnostic.fix.applicability is Applicability.UNSAFE
    assert diagnostic.fix.message == ("Switch to decoupled decay: `torch.optim.AdamW` with weight_decay: 0.01 "
                                      "(a starting point; tune)")
    fixed = run_config(HYDRA_ADAM.format(decay="1e-4"), fix=True, unsafe=True).fixed.decode()
    assert fixed == "optimizer:\n  _target_: torch.optim.AdamW\n  wd: 5e-4\n  weight_decay: 0.01  # coupled\n"


def test_rl002_config_value_written_elsewhere_is_not_carried_over_silently():
    """`${optimizer.wd}` would keep its coupled value after the class switch: display-only."""
    [diagnostic] = run_config(HYDRA_ADAM.format(decay="${optimizer.wd}")).diagnostics
    assert diagnostic.message == "optimizer.weight_decay=0.0005 with `torch.optim.Adam` is a coupled L2 penalty, not weight decay"
    assert diagnostic.fix.applicability is Applicability.DISPLAY_ONLY and not diagnostic.fix.edits
    assert diagnostic.fix.message == ("Switch to decoupled decay: `torch.optim.AdamW`, and set `${optimizer.wd}` to about 0.01 "
                                      "(a starting point; tune)")


def test_rl002_config_flag_flip_keeps_a_value_already_at_the_start():
    """DeepSpeed `adam_w_mode: false` -> `true` with weight_decay 0.01: only the flag changes."""
    text = '{"train_batch_size": 8, "optimizer": {"type": "Adam", "params": {"adam_w_mode": false, "weight_decay": 0.01}}}\n'
    [diagnostic] = run_config(text, "ds_config.json").diagnostics
    assert diagnostic.fix.message == "Decouple the decay: `adam_w_mode: true` with weight_decay: 0.01 (a starting point; tune)"
    fixed = run_config(text, "ds_config.json", fix=True, unsafe=True).fixed.decode()
    assert fixed == text.replace("false", "true")


# -- one run tells the whole story (item 2) -------------------------------------------

import difflib  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

from reglint.report import cell_of  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
CASES = sorted(p for p in (ROOT / "tests" / "fixtures" / "rules").glob("*/*.py") if not p.name.endswith(".fixed.py"))
CASES += sorted(p for p in (ROOT / "examples").rglob("*") if p.suffix in (".py", ".ipynb"))
CASES += sorted(p for p in (ROOT / "tests" / "fixtures" / "configs").rglob("*")
                if p.suffix in (".yaml", ".yml", ".json", ".prototxt", ".jsonnet") and ".fixed." not in p.name)
EVERY_RULE = Plan.build(Settings(select=("ALL",)))


def _old_lines(before: str, after: str) -> dict:
    """Each line of `after` -> the lines of `before` it came from (an edited line: the edited block)."""
    mapping = {}
    old, new = before.splitlines(), after.splitlines()
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        for j in range(j1, j2):
            mapping[j + 1] = {i1 + (j - j1) + 1} if tag == "equal" else set(range(i1 + 1, max(i2, i1 + 1) + 1))
    return mapping


@pytest.mark.parametrize("source", CASES, ids=lambda p: str(p.relative_to(ROOT)))
def test_a_fix_reveals_nothing_the_first_run_did_not_show(source: Path) -> None:
    """After `--fix --unsafe-fixes` every diagnostic of the fixed text was reported by the
    first run, with the same code, at the site the fixed line came from."""
    data = source.read_bytes()
    first = check_bytes(str(source), data, EVERY_RULE, fix=True, unsafe=True)
    if first.fixed is None:
        return
    before = check_bytes(str(source), data, EVERY_RULE).diagnostics
    after = check_bytes(str(source), first.fixed, EVERY_RULE).diagnostics
    if source.suffix == ".ipynb":
        seen = [(d.code, cell_of(d)) for d in before]
        new = [(d.code, cell_of(d)) for d in after if (d.code, cell_of(d)) not in seen]
    else:
        origin = _old_lines(data.decode(), first.fixed.decode())
        seen = {(d.code, line) for d in before for line in range(d.start.line, d.end.line + 1)}
        new = [(d.code, d.start.line, d.message) for d in after
               if not any((d.code, line) in seen for line in origin.get(d.start.line, ()))]
    assert new == [], new
