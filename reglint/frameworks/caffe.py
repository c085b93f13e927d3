"""Caffe: the solver's `weight_decay` is coupled L2, λ·Σw²/2 (docs/semantics.md#caffe).

Which solver `type` applies it under an adaptive update (the config source and
`reglint convert --from-prototxt` read the tables below).

Sources, BVLC/caffe master 9b891540 (2020-02-13):
- `src/caffe/solvers/sgd_solver.cpp` L109-127 `ApplyUpdate`: for every parameter
  `Normalize`, then `Regularize`, then `ComputeUpdateValue`; L156-183 `Regularize` adds
  `weight_decay · decay_mult · w` (L2, `caffe_axpy` L168-171) or `· sign(w)` (L1, L172-178)
  to the gradient (`diff`). Every solver class derives from SGDSolver
  (`include/caffe/sgd_solvers.hpp` L50-142) and overrides only `ComputeUpdateValue`, so
  the decay always goes through the update rule: momentum for SGD/Nesterov (the L2
  penalty λ/2·Σw²), per-coordinate scaling for the adaptive ones.
- `src/caffe/solvers/adam_solver.cpp` L26-60: m and v are built from `cpu_diff()`, the
  gradient that already holds λ·w; likewise `adagrad_solver.cpp` L14, `rmsprop_solver.cpp`
  L14, `adadelta_solver.cpp` L26. There is no decoupled (AdamW) solver in Caffe.
- `src/caffe/proto/caffe.proto` SolverParameter: `weight_decay` L175 (no default: 0),
  `regularization_type` L178 (default "L2"), `type` L216 (default "SGD"), the deprecated
  enum `solver_type` L235-244 (SGD NESTEROV ADAGRAD RMSPROP ADADELTA ADAM).
- `src/caffe/util/upgrade_proto.cpp` L1043-1071: `solver_type` enum -> `type` string; both
  set is a fatal error (L1043).
- Per-layer multipliers: `ParamSpec.decay_mult` caffe.proto L319 (default 1.0), read in
  `net.cpp` L456-458; the V1 format's `repeated float weight_decay` (caffe.proto
  L1312/L1396) becomes `decay_mult` (`upgrade_proto.cpp` L741-744).
"""

from reglint.frameworks import CAFFE_TYPICAL, coupled

# `reglint convert`: how this framework states weight decay (docs/semantics.md#conversion-table; the conversion reads them).
CONVENTIONS = (
    coupled("caffe", "Caffe `weight_decay: {x}`", 0.5,
        "weight_decay: {value}", CAFFE_TYPICAL,
        "BVLC/caffe src/caffe/solvers/sgd_solver.cpp L166-171: diff += weight_decay·decay_mult·w (docs/semantics.md#caffe)",
        "each blob's `param { decay_mult: m }` multiplies λ (biases usually get decay_mult: 0); every Caffe solver type, "
        "Adam included, applies it as a coupled L2 gradient."),
)

# `type:` string -> (family, adaptive). Lookup is exact: Caffe's solver registry is.
SOLVER_TYPES = {
    "SGD": ("sgd", False),
    "Nesterov": ("nesterov", False),
    "AdaGrad": ("adagrad", True),
    "RMSProp": ("rmsprop", True),
    "AdaDelta": ("adadelta", True),
    "Adam": ("adam", True),
}

# the deprecated `solver_type:` enum -> the `type` string (upgrade_proto.cpp L1049-1066)
SOLVER_TYPE_ENUM = {
    "SGD": "SGD", "NESTEROV": "Nesterov", "ADAGRAD": "AdaGrad",
    "RMSPROP": "RMSProp", "ADADELTA": "AdaDelta", "ADAM": "Adam",
    "0": "SGD", "1": "Nesterov", "2": "AdaGrad", "3": "RMSProp", "4": "AdaDelta", "5": "Adam",
}

DEFAULT_TYPE = "SGD"  # caffe.proto L216
DEFAULT_WEIGHT_DECAY = 0.0  # caffe.proto L175: no default
DEFAULT_REGULARIZATION = "L2"  # caffe.proto L178
DEFAULT_DECAY_MULT = 1.0  # caffe.proto L319
# what a solver runs with when the field is not written: momentum L174 has no default (0, so
# Adam's beta1 and AdaDelta's decay are 0), delta L219, momentum2 L221, rms_decay L225
DEFAULT_HYPERPARAMETERS = {"momentum": 0.0, "delta": 1e-8, "momentum2": 0.999, "rms_decay": 0.99}

# fields that make a prototxt a solver (a net file has `layer`/`layers` instead)
SOLVER_FIELDS = frozenset({
    "base_lr", "lr_policy", "weight_decay", "solver_type", "max_iter", "snapshot_prefix",
    "regularization_type", "momentum", "test_iter", "test_interval", "stepsize", "stepvalue",
    "solver_mode", "iter_size", "momentum2", "rms_decay", "delta",
})
NET_FIELDS = frozenset({"layer", "layers"})
