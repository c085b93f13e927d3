"""optax: where `add_decayed_weights` sits in a chain decides what it means.

Source (docs/semantics.md#optax): google-deepmind/optax `optax/transforms/_adding.py`
L35-89 (`updates = g + wd * p`), `optax/_src/alias.py` L616-744 (`adamw` =
chain(scale_by_adam, add_decayed_weights, scale_by_learning_rate)). Before an
adaptive scaling the decay is coupled L2 (it is normalised by Adam); after a full
alias (which already applied -lr) it makes weights grow by (1 + wd) per step.
"""

from reglint.frameworks import ADAMW_TYPICAL, CAFFE_TYPICAL, OptimizerSpec, coupled, decoupled

DECAY_TRANSFORMS = frozenset({"optax.add_decayed_weights", "optax.additive_weight_decay"})

# Full optimizers: they end with the -lr scaling.
ADAPTIVE_ALIASES = {
    "optax.adam": "adam", "optax.adamax": "adamax", "optax.nadam": "nadam",
    "optax.radam": "radam", "optax.amsgrad": "amsgrad", "optax.adagrad": "adagrad",
    "optax.rmsprop": "rmsprop", "optax.adabelief": "adabelief", "optax.yogi": "yogi",
    "optax.adadelta": "adadelta", "optax.adafactor": "adafactor", "optax.novograd": "novograd",
    "optax.sm3": "sm3", "optax.fromage": "fromage", "optax.lion": "lion",
}
DECOUPLED_ALIASES = frozenset({"optax.adamw", "optax.nadamw", "optax.adamaxw", "optax.lamb", "optax.lars", "optax.adan"})
SGD_ALIASES = frozenset({"optax.sgd", "optax.noisy_sgd", "optax.sign_sgd"})

# Adaptive scalings without the learning rate.
ADAPTIVE_SCALES = frozenset({
    "optax.scale_by_adam", "optax.scale_by_adamax", "optax.scale_by_amsgrad", "optax.scale_by_radam",
    "optax.scale_by_rms", "optax.scale_by_stddev", "optax.scale_by_rss", "optax.scale_by_belief",
    "optax.scale_by_yogi", "optax.scale_by_adadelta", "optax.scale_by_factored_rms",
    "optax.scale_by_novograd", "optax.scale_by_lion", "optax.scale_by_sm3",
})
LR_SCALES = frozenset({"optax.scale", "optax.scale_by_learning_rate", "optax.scale_by_schedule"})

# alias -> (decoupled alias, its keyword for the decay)
DECOUPLED_FORM = {"optax.adam": "optax.adamw", "optax.nadam": "optax.nadamw", "optax.adamax": "optax.adamaxw"}
CHAINS = frozenset({"optax.chain", "optax.named_chain"})


def _alias(family: str, adaptive: bool, decay_mode: str = "none", position=None, default=None) -> OptimizerSpec:
    keyword = "weight_decay" if decay_mode == "decoupled" else ""
    return OptimizerSpec(family, adaptive, "optax", decay_mode, (keyword, position), default)


# optax.adamw(learning_rate, b1, b2, eps, eps_root, mu_dtype, weight_decay=1e-4, mask=None);
# optax.adamaxw(learning_rate, b1, b2, eps, weight_decay=1e-4, mask=None) (alias.py L2393-2400)
OPTIMIZERS = {
    **{qualname: _alias(family, True) for qualname, family in ADAPTIVE_ALIASES.items()},
    "optax.adamw": _alias("adamw", True, "decoupled", 6, 1e-4),
    "optax.nadamw": _alias("adamw", True, "decoupled", 6, 1e-4),
    "optax.adamaxw": _alias("adamw", True, "decoupled", 4, 1e-4),
    "optax.sgd": _alias("sgd", False),
    "optax.noisy_sgd": _alias("sgd", False),
    "optax.sign_sgd": _alias("sgd", False),
}

# The positional parameters of the aliases (`optax/_src/alias.py`, docs/semantics.md#optax);
# `nesterov` and later additions are keyword-only.
POSITIONAL = {
    "optax.adam": ("learning_rate", "b1", "b2", "eps", "eps_root", "mu_dtype"),
    "optax.adamw": ("learning_rate", "b1", "b2", "eps", "eps_root", "mu_dtype", "weight_decay", "mask"),
    "optax.nadamw": ("learning_rate", "b1", "b2", "eps", "eps_root", "mu_dtype", "weight_decay", "mask"),
    "optax.adamaxw": ("learning_rate", "b1", "b2", "eps", "weight_decay", "mask"),
    "optax.sgd": ("learning_rate", "momentum", "nesterov", "accumulator_dtype"),
}

# Wrappers whose result is still the wrapped optimizer (docs/semantics.md#optax):
# `optax.inject_hyperparams(optax.adam)(learning_rate=lr)` is an adam whose hyperparameters
# live in its state; `optax.multi_transform({"net": optax.adam(lr), ...}, labels)` applies
# each transform to its partition. (wrapper -> keyword, position of the wrapped part)
HYPERPARAM_WRAPPERS = {"optax.inject_hyperparams": ("inner_factory", 0), "optax.inject_stateful_hyperparams": ("inner_factory", 0)}
PARTITIONS = {"optax.multi_transform": ("transforms", 0), "optax.partition": ("transforms", 0)}

# `optax.masked(inner, mask)`: an `add_decayed_weights` inside it is the chain's decay.
MASKED = "optax.masked"

# Bound nowhere in the file, `optax.X` is read as optax's.
CONVENTIONAL_NAMES = {"optax": "optax"}


# `reglint convert`: how this framework states weight decay (docs/semantics.md#conversion-table; the conversion reads them).
CONVENTIONS = (
    coupled("optax-add-decayed-weights", "optax.add_decayed_weights({x}) before the optimizer", 0.5,
        "optax.chain(optax.add_decayed_weights({value}), optax.sgd({lr}))", CAFFE_TYPICAL,
        "optax/transforms/_adding.py L70-75: updates = g + s * p; chained before sgd/adam it equals "
        "L + (wd/2)·Σp², checked numerically (docs/semantics.md#optax)",
        "put it before the optimizer (coupled, also with optax.adam); after a full alias such as optax.adam(lr) "
        "it makes the weights grow by (1 + wd) each step (docs/semantics.md#optax)."),
    decoupled("optax-adamw", "optax.adamw(weight_decay={x})", True,
        "optax.adamw(learning_rate={lr}, weight_decay={value})", ADAMW_TYPICAL,
        "google-deepmind/optax optax/_src/alias.py L734-744: chain(scale_by_adam, add_decayed_weights, "
        "scale_by_learning_rate) (docs/semantics.md#optax)",
        "optax.adamw's default weight_decay is 1e-4, not torch's 1e-2 (docs/semantics.md#optax)."),
)


# -- decay masks (RL010) -------------------------------------------------------------
# A mask selects the leaves the decay IS applied to: "True for leaves/subtrees you want to
# apply the weight decay to" (optax 0.2.8 `optax/_src/alias.py` L690-694 for adamw;
# `optax/transforms/_adding.py` L43-46 and `_masking.py` L79-80 for add_decayed_weights /
# masked). A mask that is True for biases and norm scales decays exactly those.
# callable -> (mask keyword, its position) (signatures read from alias.py: adamw L616, adamaxw
# L2418, lion L945, lamb L1252, adan L827, lars L1179)
DECAY_MASK_ARGUMENTS = {
    "optax.adamw": ("mask", 7), "optax.nadamw": ("mask", 7), "optax.adamaxw": ("mask", 5),
    "optax.add_decayed_weights": ("mask", 1), "optax.additive_weight_decay": ("mask", 1),
    "optax.lamb": ("mask", 6), "optax.lion": ("mask", 5), "optax.adan": ("mask", 7),
    "optax.lars": ("weight_decay_mask", 2),
}
# flax leaf names that no-decay masks single out: biases, LayerNorm/BatchNorm `scale`, embeddings
NO_DECAY_LEAVES = frozenset({"bias", "scale", "embedding", "b", "gamma", "beta"})
