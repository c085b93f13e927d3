"""`reglint convert --from-prototxt`: the lines printed per target, --net decay_mult, JSON, bad input."""

from __future__ import annotations

import ast
import json
import os

import pytest

from reglint.configs.caffe import read_net, read_solver
from reglint.cli import main

DATA = os.path.join(os.path.dirname(__file__), "data", "caffe")
SGD = os.path.join(DATA, "sgd_solver.prototxt")
ADAM = os.path.join(DATA, "adam_solver.prototxt")
NET = os.path.join(DATA, "train_val.prototxt")
V1 = os.path.join(DATA, "v1_net.prototxt")


def run(capsys, *args):
    code = main(["convert", *args])
    out, err = capsys.readouterr()
    return code, out, err


def code_lines(out: str) -> str:
    """The Python the command prints: everything but the comment lines around it."""
    return "\n".join(line for line in out.splitlines() if not line.startswith("#"))


def test_sgd_to_torch_with_a_v1_net_gives_per_parameter_groups(capsys):
    code, out, err = run(capsys, "--from-prototxt", SGD, "--to", "torch", "--net", V1)
    assert (code, err) == (0, "")
    assert out == f"""\
# Caffe solver {SGD}: type 'SGD', base_lr 0.01, momentum 0.9, weight_decay 5e-4 (L2)
import torch

# weight_decay per parameter (Caffe weight_decay × decay_mult); rename the keys to your
# model's parameter names (Caffe's blob 0 is the weight, blob 1 the bias)
weight_decay = {{
    "conv1.weight": 5e-4,  # decay_mult 1.0
    "conv1.bias": 0.0,  # decay_mult 0.0
    "ip1.weight": 5e-4,  # decay_mult 1.0
    "ip1.bias": 5e-4,  # decay_mult 1.0
}}
groups = {{}}
for name, parameter in model.named_parameters():
    groups.setdefault(weight_decay.get(name, 5e-4), []).append(parameter)
param_groups = [{{"params": ps, "weight_decay": wd}} for wd, ps in groups.items()]
optimizer = torch.optim.SGD(param_groups, lr=0.01, momentum=0.9)

# why: Caffe `weight_decay: λ` acts as the loss term λ·Σw²/2, and torch.optim.SGD(weight_decay=c) acts as the loss term c·Σw²/2, so c = λ = 5e-4.
"""
    ast.parse(code_lines(out))


def test_adam_to_torch_keeps_the_coupled_decay_and_warns_with_the_decoupled_start(capsys):
    code, out, _ = run(capsys, "--from-prototxt", ADAM, "--to", "torch")
    lines = out.splitlines()
    assert code == 0
    assert lines[0] == (f"# Caffe solver {ADAM}: type 'Adam' (line 2), base_lr 0.001, momentum 0.9, momentum2 0.999, "
                        "delta 1e-8, weight_decay 5e-4 (L2)")
    assert lines[3] == ("optimizer = torch.optim.Adam(model.parameters(), lr=0.001, betas=(0.9, 0.999), eps=1e-8, "
                        "weight_decay=5e-4)")
    assert lines[5].endswith("and torch.optim.Adam(weight_decay=c) acts as the loss term c·Σw²/2, so c = λ = 5e-4.")
    assert lines[6] == (
        "# warning (RL002): Caffe's Adam solver adds weight_decay·w to the gradient before the adaptive update "
        "(sgd_solver.cpp Regularize, then ComputeUpdateValue), so large weights are decayed less; the lines above keep "
        "that coupled decay with the same λ. Caffe has no decoupled solver; to switch to decoupled decay write "
        "`torch.optim.AdamW(model.parameters(), lr=0.001, weight_decay=5e-4)` instead: no exact equivalent, start "
        "from 5e-4 and tune (typical torch-adamw values: 1e-2 to 1e-1).")
    assert lines[7] == ("# note: the solver trains 'train_val.prototxt'; pass --net to turn its layers' decay_mult "
                        "into per-parameter decay (without it every parameter gets the full weight_decay, as decay_mult 1).")


def test_adam_to_keras_puts_half_the_decay_on_layer_regularizers_not_on_the_optimizer(capsys):
    _, out, _ = run(capsys, "--from-prototxt", ADAM, "--to", "keras", "--net", NET)
    assert out.splitlines()[1:11] == [
        "import keras",
        "",
        "optimizer = keras.optimizers.Adam(learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-8)",
        "# no weight_decay= on the optimizer: in Keras it is decoupled; Caffe's decay is an L2 loss term",
        "# per layer (Caffe blob 0 -> kernel, blob 1 -> bias; Scale -> BatchNormalization gamma/beta):",
        "# conv1: kernel_regularizer=keras.regularizers.l2(2.5e-4)  (decay_mult 1.0)",
        "# conv1: bias_regularizer=None  (decay_mult 0.0)",
        "# scale1: gamma_regularizer=keras.regularizers.l2(2.5e-4)  (decay_mult 1.0)",
        "# scale1: beta_regularizer=keras.regularizers.l2(2.5e-4)  (decay_mult 1.0)",
        "# fc: kernel_regularizer=keras.regularizers.l2(5e-4)  (decay_mult 2.0)",
    ]
    assert "keras.optimizers.AdamW(learning_rate=0.001, weight_decay=5e-4)" in out


def test_sgd_to_keras_without_net_and_to_optax(capsys):
    _, out, _ = run(capsys, "--from-prototxt", SGD, "--to", "keras")
    assert out.splitlines()[3:8] == [
        "optimizer = keras.optimizers.SGD(learning_rate=0.01, momentum=0.9)",
        "# no weight_decay= on the optimizer: in Keras it is decoupled; Caffe's decay is an L2 loss term",
        "# on every layer with weights:",
        "kernel_regularizer=keras.regularizers.l2(2.5e-4)",
        "bias_regularizer=keras.regularizers.l2(2.5e-4)",
    ]
    assert "warning" not in out  # SGD with decay is Caffe's intended L2: no hazard
    _, out, _ = run(capsys, "--from-prototxt", SGD, "--to", "optax")
    assert out.splitlines()[3] == ("optimizer = optax.chain(optax.add_decayed_weights(5e-4), "
                                   "optax.sgd(0.01, momentum=0.9))")


def test_optax_per_parameter_masks_are_valid_python(capsys):
    _, out, _ = run(capsys, "--from-prototxt", ADAM, "--to", "optax", "--net", NET)
    ast.parse(code_lines(out))
    assert "    optax.masked(optax.add_decayed_weights(5e-4), mask_for(1.0)),\n" in out
    assert "    optax.masked(optax.add_decayed_weights(0.001), mask_for(2.0)),\n" in out
    assert "    optax.adam(0.001, b1=0.9, b2=0.999, eps=1e-8),\n)" in out


def test_json_output(capsys):
    _, out, _ = run(capsys, "--from-prototxt", ADAM, "--to", "optax", "--output-format", "json")
    data = json.loads(out)
    assert data["solver"] == {"type": "Adam", "adaptive": True, "base_lr": 0.001, "weight_decay": 0.0005,
                              "regularization_type": "L2"}
    assert data["code"] == ("import optax\n\noptimizer = optax.chain(optax.add_decayed_weights(5e-4), "
                            "optax.adam(0.001, b1=0.9, b2=0.999, eps=1e-8))\n"
                            "# add_decayed_weights goes before the optimizer: coupled, as in Caffe (after it, see RL009)")
    assert data["decoupled_alternative"] == "optax.adamw(learning_rate=0.001, weight_decay=5e-4)"


@pytest.mark.parametrize("solver, target, expected", [
    ('solver_type: ADAGRAD\nbase_lr: 0.01\ndelta: 1e-6\nweight_decay: 1e-4\n', "torch",
     "optimizer = torch.optim.Adagrad(model.parameters(), lr=0.01, eps=1e-6, weight_decay=1e-4)"),
    ('type: "RMSProp"\nbase_lr: 0.01\nrms_decay: 0.98\nweight_decay: 1e-4\n', "optax",
     "optimizer = optax.chain(optax.add_decayed_weights(1e-4), optax.rmsprop(0.01, decay=0.98, eps=1e-8))"),
    ('type: "AdaDelta"\nbase_lr: 1.0\nmomentum: 0.95\nweight_decay: 0\n', "torch",
     "optimizer = torch.optim.Adadelta(model.parameters(), lr=1.0, rho=0.95, eps=1e-8)"),
    ('type: "Adam"\nbase_lr: 0.001\nweight_decay: 0\n', "torch",  # Caffe's beta1 is 0 without momentum
     "optimizer = torch.optim.Adam(model.parameters(), lr=0.001, betas=(0.0, 0.999), eps=1e-8)"),
    ('type: "Nesterov"\nbase_lr: 0.1\nmomentum: 0.9\nweight_decay: 1e-4\n', "keras",
     "optimizer = keras.optimizers.SGD(learning_rate=0.1, momentum=0.9, nesterov=True)"),
    ('base_lr: 0.1\nweight_decay: 1e-4\nregularization_type: "L1"\n', "torch",
     "optimizer = torch.optim.SGD(model.parameters(), lr=0.1)\n"
     "loss = loss + 1e-4 * sum(p.abs().sum() for p in model.parameters())"),
])
def test_each_solver_type(tmp_path, capsys, solver, target, expected):
    path = tmp_path / "solver.prototxt"
    path.write_text(solver)
    code, out, _ = run(capsys, "--from-prototxt", str(path), "--to", target)
    assert code == 0
    assert expected in out
    assert ("warning (RL002)" in out) == (("ADAGRAD" in solver or "RMSProp" in solver) and "weight_decay: 0\n" not in solver)


@pytest.mark.parametrize("content, args, message", [
    ("layer {\n", ("--to", "torch"), "reglint: error: {path}:1:7: prototxt error: '{{' is never closed with '}}'\n"),
    ("layer { name: 'x' }\n", ("--to", "torch"),
     "reglint: error: {path} is not a Caffe solver (no base_lr, weight_decay, type, ... at top level)\n"),
    ("base_lr: 0.1\n", ("--to", "jax"), "reglint: error: --to 'jax': choose one of torch, keras, optax\n"),
    ("base_lr: 0.1\n", ("--to", "torch", "--output-format", "xml"),
     "reglint: error: --output-format 'xml': choose text or json\n"),
    ("base_lr: 0.1\n", ("--to", "torch", "extra"), "reglint: error: unexpected arguments: extra\n"),
    (b"base_lr: \xff\n", ("--to", "torch"), "reglint: error: cannot decode {path} as UTF-8: invalid start byte at byte 9\n"),
])
def test_bad_input_is_one_line_and_exit_2(tmp_path, capsys, content, args, message):
    path = tmp_path / "solver.prototxt"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    code, out, err = run(capsys, "--from-prototxt", str(path), *args)
    assert (code, out, err) == (2, "", message.format(path=path))


def test_missing_file(capsys, tmp_path):
    missing = tmp_path / "none.prototxt"
    code, _, err = run(capsys, "--from-prototxt", str(missing), "--to", "torch")
    assert (code, err) == (2, f"reglint: error: cannot read {missing}: No such file or directory\n")


def test_solver_facts_and_net_layers():
    solver = read_solver('solver_type: ADAM\nweight_decay: 0.0005\nweight_decay: 0.0001\nbase_lr: 0.01\n')
    assert (solver.type, solver.family, solver.adaptive, solver.via_enum) == ("Adam", "adam", True, True)
    assert solver.weight_decay == 0.0001 and solver.decay_node.key_node.start.line == 3  # the last one wins
    assert read_solver("base_lr: 0.1").type == "SGD"
    unknown = read_solver('type: "AdamW"\nbase_lr: 0.1\n')  # a fork's solver: not guessed
    assert (unknown.type, unknown.family, unknown.adaptive) == ("AdamW", None, False)
    layers = read_net(open(NET).read())
    assert [(layer.name, layer.type, layer.decay_mults) for layer in layers] == [
        ("conv1", "Convolution", [("weight", 1), ("bias", 0)]),
        ("scale1", "Scale", [("weight", 1.0), ("bias", 1.0)]),
        ("fc", "InnerProduct", [("weight", 2)]),
    ]
