"""Caffe: the solver's `weight_decay` is coupled L2, λ·Σw²/2 (docs/semantics.md#caffe)."""

from reglint.frameworks import CAFFE_TYPICAL, coupled

# `reglint convert`: how this framework states weight decay (docs/semantics.md#conversion-table; the conversion reads them).
CONVENTIONS = (
    coupled("caffe", "Caffe `weight_decay: {x}`", 0.5,
        "weight_decay: {value}", CAFFE_TYPICAL,
        "BVLC/caffe src/caffe/solvers/sgd_solver.cpp L166-171: diff += weight_decay·decay_mult·w (docs/semantics.md#caffe)",
        "each blob's `param { decay_mult: m }` multiplies λ (biases usually get decay_mult: 0); every Caffe solver type, "
        "Adam included, applies it as a coupled L2 gradient."),
)
