"""`reglint convert`: every (from, to) pair, the text and JSON output, and bad input.

The expected numbers come from docs/semantics.md's conversion table, restated here
independently of reglint/convert.py's data: the Caffe-equivalent coefficient of each
coupled convention, and which decoupled conventions multiply their decay by lr.
"""

from __future__ import annotations

import ast
import io
import itertools
import json
import sys

import pytest

from reglint import cli
from reglint.convert import CONVENTIONS, _convention, convert, format_number, main

from _cli import reglint

# Caffe-equivalent λ per unit of the written coefficient (docs/semantics.md#conversion-table)
COUPLED = {
    "caffe": 1.0,
    "torch-sgd": 1.0,
    "torch-adam": 1.0,
    "tf1-l2-regularizer": 1.0,
    "tf-nn-l2-loss": 1.0,
    "optax-add-decayed-weights": 1.0,
    "keras-l2": 2.0,  # l2(c) is c·Σw² = (2c/2)·Σw²: Caffe λ = 2c
}
# per-step shrink is lr·λ (True) or λ alone (tfa / tf.contrib, False)
DECOUPLED = {
    "torch-adamw": True,
    "keras-weight-decay": True,
    "keras-adamw": True,
    "optax-adamw": True,
    "tfa-adamw": False,
    "lion": True,
}
LR = 0.1
VALID = (
    "valid conventions: caffe, torch-sgd, torch-adam, tf1-l2-regularizer, tf-nn-l2-loss, keras-l2, "
    "optax-add-decayed-weights, torch-adamw, keras-weight-decay, keras-adamw, optax-adamw, tfa-adamw, lion "
    "(aliases: keras = keras-l2, tf-contrib-adamw = tfa-adamw, lion-pytorch = lion, optax-lion = lion)"
)
PAIRS = list(itertools.product(list(COUPLED) + list(DECOUPLED), repeat=2))


def expected(source: str, target: str, value: float, lr: float):
    """(exact value or None, value to start from) for plain SGD as the common ground."""
    shrink = value * COUPLED[source] if source in COUPLED else value
    if source in DECOUPLED and not DECOUPLED[source]:
        shrink /= lr  # tfa: per-step factor λ = lr·λ_c
    start = shrink / COUPLED[target] if target in COUPLED else shrink
    if target in DECOUPLED and not DECOUPLED[target]:
        start *= lr
    same_coupling = (source in COUPLED) == (target in COUPLED)
    return (start if same_coupling else None), start


def run(capsys, *args):
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_the_table_covers_every_convention():
    assert set(CONVENTIONS) == set(COUPLED) | set(DECOUPLED)


@pytest.mark.parametrize(("source", "target"), PAIRS)
def test_every_pair_json(capsys, source, target):
    code, out, err = run(capsys, "5e-4", "--from", source, "--to", target, "--lr", str(LR), "--output-format", "json")
    assert (code, err) == (0, "")
    result = json.loads(out)
    value, start = expected(source, target, 5e-4, LR)
    assert result["from"] == source and result["to"] == target
    assert result["value"] == (pytest.approx(value) if value is not None else None)
    assert result["start"] == pytest.approx(start)
    assert result["exact"] is (value is not None)
    assert format_number(start) in result["code"]
    assert result["reason"].endswith(".") and "\n" not in result["reason"]
    if value is None:
        assert "no d is equivalent" in result["reason"] or "no c is equivalent" in result["reason"]
        assert "plain SGD without momentum" in result["reason"]


@pytest.mark.parametrize(("source", "target"), PAIRS)
def test_every_pair_without_lr(source, target):
    """Only a tfa side needs the learning rate; without it the code carries `* lr` or `/ lr`."""
    result = convert(5e-4, CONVENTIONS[source], CONVENTIONS[target])
    needs_lr = DECOUPLED.get(source, True) != DECOUPLED.get(target, True)
    if needs_lr:
        assert result.start is None and result.value is None
        assert "pass --lr for the number" in result.reason
        assert (" * lr" in result.code) or (" / lr" in result.code)
    else:
        value, start = expected(source, target, 5e-4, LR)
        assert result.start == pytest.approx(start)
        assert result.value == (pytest.approx(value) if value is not None else None)


@pytest.mark.parametrize(
    ("value", "source", "target", "want"),
    [
        ("5e-4", "caffe", "keras", 2.5e-4),
        ("2.5e-4", "keras", "caffe", 5e-4),
        ("5e-4", "caffe", "keras-l2", 2.5e-4),
        ("1e-4", "keras-l2", "torch-sgd", 2e-4),
        ("4e-5", "tf-nn-l2-loss", "keras-l2", 2e-5),
        ("1e-2", "torch-adamw", "optax-adamw", 1e-2),
        ("4e-3", "keras-adamw", "torch-adamw", 4e-3),
    ],
)
def test_known_values(capsys, value, source, target, want):
    code, out, _ = run(capsys, value, "--from", source, "--to", target, "--output-format", "json")
    assert code == 0
    assert json.loads(out)["value"] == pytest.approx(want, rel=1e-12)


@pytest.mark.parametrize(("source", "target"), list(itertools.product(
    ["tf1-l2-regularizer", "caffe", "torch-sgd", "tf-nn-l2-loss", "optax-add-decayed-weights", "torch-adam"], repeat=2)))
def test_factor_one_group_is_identity(source, target):
    result = convert(5e-4, CONVENTIONS[source], CONVENTIONS[target])
    assert result.exact and result.value == 5e-4 and result.written == "5e-4"


def test_tfa_needs_lr_and_is_not_lr_scaled():
    result = convert(1e-2, CONVENTIONS["torch-adamw"], CONVENTIONS["tfa-adamw"], lr=3e-4)
    assert result.exact and result.value == pytest.approx(3e-6)
    assert "with no lr factor" in result.reason
    assert "not multiplied by lr" in CONVENTIONS["tfa-adamw"].note
    back = convert(3e-6, CONVENTIONS["tfa-adamw"], CONVENTIONS["keras-adamw"], lr=3e-4)
    assert back.value == pytest.approx(1e-2)
    sgd = convert(5e-4, CONVENTIONS["caffe"], CONVENTIONS["tfa-adamw"], lr=0.1)
    assert sgd.value is None and sgd.start == pytest.approx(5e-5)  # per-step factor lr·λ for plain SGD


def test_zero_is_exact_everywhere():
    result = convert(0.0, CONVENTIONS["caffe"], CONVENTIONS["tfa-adamw"])
    assert result.exact and result.value == 0.0 and "weight_decay=0.0" in result.code


def test_text_output_caffe_to_keras(capsys):
    code, out, err = run(capsys, "5e-4", "--from", "caffe", "--to", "keras")
    assert (code, err) == (0, "")
    assert out == (
        "caffe 5e-4 = keras-l2 2.5e-4\n"
        "    kernel_regularizer=keras.regularizers.l2(2.5e-4)\n"
        "why: Caffe `weight_decay: λ` acts as the loss term λ·Σw²/2, and keras.regularizers.l2(c) acts as the "
        "loss term c·Σw², so c = λ/2 = 2.5e-4.\n"
        "note: Keras adds the penalty only in fit()/evaluate(); a custom training loop must add sum(model.losses) "
        "to its loss (docs/semantics.md#keras-regularizers).\n"
        "source: BVLC/caffe src/caffe/solvers/sgd_solver.cpp L166-171: diff += weight_decay·decay_mult·w "
        "(docs/semantics.md#caffe)\n"
        "source: keras-team/keras v3.15.1 keras/src/regularizers/regularizers.py L265: l2 * ops.sum(ops.square(x)); "
        "v2.15.0 keras/regularizers.py L293-326 (docs/semantics.md#keras-regularizers)\n"
    )


def test_text_output_decoupled_target(capsys):
    code, out, _ = run(capsys, "5e-4", "--from", "caffe", "--to", "torch-adamw")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "caffe 5e-4 -> torch-adamw: no exact equivalent; start from 5e-4"
    assert lines[1] == "    torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=5e-4)"
    assert "Loshchilov & Hutter" in lines[2] and "1e-2 to 1e-1" in lines[2]


def test_json_output(capsys):
    code, out, _ = run(capsys, "5e-4", "--from", "caffe", "--to", "keras", "--output-format", "json")
    assert code == 0
    result = json.loads(out)
    assert result["value"] == 2.5e-4
    assert result["from"] == "caffe" and result["to"] == "keras-l2"
    assert result["code"] == "kernel_regularizer=keras.regularizers.l2(2.5e-4)"
    assert result["reason"].endswith("so c = λ/2 = 2.5e-4.")
    assert result["exact"] is True and result["lr"] is None and len(result["sources"]) == 2


def test_json_null_for_coupled_to_decoupled(capsys):
    code, out, _ = run(capsys, "5e-4", "--from", "torch-sgd", "--to", "optax-adamw", "--output-format", "json")
    result = json.loads(out)
    assert code == 0 and result["value"] is None and result["start"] == 5e-4
    assert "no d is equivalent for adaptive methods" in result["reason"]
    assert result["code"] == "optax.adamw(learning_rate=lr, weight_decay=5e-4)"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["5e-4", "--from", "caffe", "--to", "kears"],
         "argument --to: unknown convention 'kears' (did you mean 'keras'?)"),
        (["5e-4", "--from", "mxnet", "--to", "keras"], "argument --from: unknown convention 'mxnet'"),
        (["-5e-4", "--from", "caffe", "--to", "keras"], "argument VALUE: invalid coefficient '-5e-4': must not be negative"),
        (["--from", "caffe", "-1", "--to", "keras"], "argument VALUE: invalid coefficient '-1': must not be negative"),
        (["abc", "--from", "caffe", "--to", "keras"], "argument VALUE: invalid coefficient 'abc': not a number"),
        (["inf", "--from", "caffe", "--to", "keras"], "argument VALUE: invalid coefficient 'inf': must be finite"),
        (["nan", "--from", "caffe", "--to", "keras"], "argument VALUE: invalid coefficient 'nan': must be finite"),
        (["5e-4", "--to", "keras"], "the following arguments are required: --from"),
        (["5e-4", "--from", "caffe"], "the following arguments are required: --to"),
        (["5e-4"], "the following arguments are required: --from, --to"),
        (["--from", "caffe", "--to", "keras"], "the following arguments are required: VALUE"),
        (["5e-4", "--from", "caffe", "--to", "keras", "--lr", "-1e-3"],
         "argument --lr: invalid learning rate '-1e-3': must be positive"),
        (["5e-4", "--from", "caffe", "--to", "keras", "--lr", "0"],
         "argument --lr: invalid learning rate '0': must be positive"),
    ],
)
def test_bad_input(capsys, args, message):
    code, out, err = run(capsys, *args)
    assert (code, out) == (2, "")
    assert err == f"reglint: error: {message}; {VALID}\n"


def test_bad_input_through_the_cli_has_no_traceback():
    done = reglint("convert", "-5e-4", "--from", "caffe", "--to", "keras")
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr


def test_cli_dispatch(capsys):
    assert cli.main(["convert", "5e-4", "--from", "caffe", "--to", "keras"]) == 0
    assert capsys.readouterr().out.startswith("caffe 5e-4 = keras-l2 2.5e-4\n")


def test_help_lists_every_convention(capsys):
    code, out, err = run(capsys, "--help")
    assert (code, err) == (0, "")
    assert out.startswith("usage: reglint convert")
    for name in CONVENTIONS:
        assert f"\n  {name} " in out


def test_names_are_forgiving():
    assert _convention("Keras_L2").name == "keras-l2"
    assert _convention("tf-contrib-adamw").name == "tfa-adamw"
    assert _convention("optax-lion").name == "lion"


def test_lion_note_asks_for_a_larger_decay():
    """Lion (lion-pytorch #2): same per-step form as AdamW, so λ carries over at one lr; the note says 3-10x."""
    result = convert(0.01, CONVENTIONS["torch-adamw"], CONVENTIONS["lion"], lr=1e-4)
    assert (result.exact, result.value, result.code) == (True, 0.01, "Lion(model.parameters(), lr=1e-4, weight_decay=0.01)")
    assert "3-10x larger" in CONVENTIONS["lion"].note


@pytest.mark.parametrize(
    ("number", "text"),
    [(2.5e-4, "2.5e-4"), (5e-4, "5e-4"), (0.1 * 5e-4, "5e-5"), (0.01, "0.01"), (0.004, "0.004"),
     (1e-3, "0.001"), (1.0, "1.0"), (2, "2.0"), (1e5, "1e5"), (0, "0.0"), (1 / 3 * 1e-4, "3.33333333333e-5")],
)
def test_format_number(number, text):
    assert format_number(number) == text
    assert isinstance(ast.literal_eval(text), float)


@pytest.mark.parametrize("name", [n for n in CONVENTIONS if n != "caffe"])
def test_code_is_python(name):
    """The line to write parses, with and without --lr (caffe's is prototxt)."""
    for lr in (None, 0.1):
        for source in ("caffe", "torch-adamw", "tfa-adamw"):
            ast.parse(convert(5e-4, CONVENTIONS[source], CONVENTIONS[name], lr=lr).code)


def test_unencodable_terminal_degrades(monkeypatch):
    stream = io.TextIOWrapper(io.BytesIO(), encoding="ascii")
    monkeypatch.setattr(sys, "stdout", stream)
    assert main(["5e-4", "--from", "caffe", "--to", "keras"]) == 0
    stream.flush()
    assert b"c = ?/2 = 2.5e-4" in stream.buffer.getvalue()
