"""Keras 1/2/3 and tf.keras (tf.keras is normalised to `keras`), and tfa's Keras optimizers.

Sources (docs/semantics.md#keras-regularizers, docs/semantics.md#keras-optimizers): keras-team/keras `v2.15.0:keras/regularizers.py`
L293-412 and `v3.15.1:keras/src/regularizers/regularizers.py` L168-268 — every
Keras L2 regularizer adds `l2 * sum(square(w))`, with no 1/2. Keras 3
`base_optimizer.py` L952-959: `weight_decay=` is decoupled on every optimizer;
legacy `decay=` is learning-rate time decay (`optimizer_v2.py` `_decayed_lr`).
"""

from reglint.frameworks import ADAMW_TYPICAL, OptimizerSpec, RegularizerSpec, coupled, decoupled

_L2 = RegularizerSpec("l2", "sum_sq", "keras", (("l2", 0), ("l", 0)), 0.01)
_L1 = RegularizerSpec("l1", "sum_sq", "keras", (), None)
# Keras 2 `l1_l2(l1=0.01, l2=0.01)` is a function; Keras 3 `l1_l2` is the class L1L2(0, 0):
# the default differs between versions, so it is left unknown.
_L1_L2_FUNCTION = RegularizerSpec("l1l2", "sum_sq", "keras", (("l2", 1),), None)
_L1L2 = RegularizerSpec("l1l2", "sum_sq", "keras", (("l2", 1),), 0.0)

REGULARIZERS = {
    "keras.regularizers.l2": _L2,
    "keras.regularizers.L2": _L2,
    "keras.regularizers.L1": _L1,
    "keras.regularizers.l1": _L1,
    "keras.regularizers.l1_l2": _L1_L2_FUNCTION,
    "keras.regularizers.L1L2": _L1L2,
}

# `kernel_regularizer="l2"`: string identifiers. Keras 2's "l1_l2" is 0.01/0.01 but
# Keras 3's "l1l2" is 0/0, so only "l2" and "l1" carry a known coefficient.
STRING_REGULARIZERS = {"l2": "keras.regularizers.l2", "l1": "keras.regularizers.l1"}

# Regularizer-valued keywords of Keras layers, Keras 1 spellings included.
LAYER_REGULARIZER_KEYWORDS = frozenset({
    "kernel_regularizer", "bias_regularizer", "activity_regularizer", "recurrent_regularizer",
    "depthwise_regularizer", "pointwise_regularizer", "embeddings_regularizer",
    "beta_regularizer", "gamma_regularizer", "alpha_regularizer",
    "W_regularizer", "b_regularizer", "U_regularizer",
})
# Activity regularizers penalise outputs, not weights: never weight decay.
WEIGHT_REGULARIZER_KEYWORDS = LAYER_REGULARIZER_KEYWORDS - {"activity_regularizer"}


def _adaptive(family: str) -> OptimizerSpec:
    return OptimizerSpec(family, True, "keras", "decoupled", ("weight_decay", None), None)


OPTIMIZERS = {
    "keras.optimizers.Adam": _adaptive("adam"),
    "keras.optimizers.Adamax": _adaptive("adamax"),
    "keras.optimizers.Nadam": _adaptive("nadam"),
    "keras.optimizers.Adagrad": _adaptive("adagrad"),
    "keras.optimizers.RMSprop": _adaptive("rmsprop"),
    "keras.optimizers.Adadelta": _adaptive("adadelta"),
    "keras.optimizers.Adafactor": _adaptive("adafactor"),
    "keras.optimizers.Lamb": _adaptive("lamb"),
    # `AdamW(learning_rate=0.001, weight_decay=0.004, ...)` in tf.keras ≥ 2.11 and Keras 3
    "keras.optimizers.AdamW": OptimizerSpec("adamw", True, "keras", "decoupled", ("weight_decay", 1), 0.004),
    "keras.optimizers.SGD": OptimizerSpec("sgd", False, "keras", "decoupled", ("weight_decay", None), None),
    # Keras 3 `Muon(learning_rate=0.001, adam_beta_1, adam_beta_2, adam_weight_decay=0.004, epsilon,
    # weight_decay=0.004, ...)` (v3.13.2 API docs; v3.15.1 muon.py L90); earlier 3.x releases had
    # `weight_decay=0.1` and no `adam_weight_decay`, so the position is left unknown.
    "keras.optimizers.Muon": OptimizerSpec("muon", True, "keras", "decoupled", ("weight_decay", None), 0.004),
    # tensorflow/addons `weight_decay_optimizers.py`: `AdamW(weight_decay, learning_rate=0.001, ...)`,
    # `SGDW(weight_decay, learning_rate=0.001, momentum=0.0, ...)`; weight_decay is required and
    # `var.assign_sub(wd * var)` is applied per step, not multiplied by lr (docs/semantics.md#keras-optimizers).
    "tensorflow_addons.optimizers.AdamW": OptimizerSpec("adamw", True, "keras", "decoupled", ("weight_decay", 0), None, decay_scaled_by_lr=False),
    "tensorflow_addons.optimizers.SGDW": OptimizerSpec("sgd", False, "keras", "decoupled", ("weight_decay", 0), None, decay_scaled_by_lr=False),
}

# `model.compile(optimizer="adam")`: Keras's string identifiers (case-insensitive).
OPTIMIZER_STRINGS = {
    "adam": "keras.optimizers.Adam",
    "adamax": "keras.optimizers.Adamax",
    "nadam": "keras.optimizers.Nadam",
    "adagrad": "keras.optimizers.Adagrad",
    "rmsprop": "keras.optimizers.RMSprop",
    "adadelta": "keras.optimizers.Adadelta",
    "adafactor": "keras.optimizers.Adafactor",
    "adamw": "keras.optimizers.AdamW",
    "sgd": "keras.optimizers.SGD",
}

# Names that, bound nowhere in a file (a notebook cell, a pasted snippet), are read
# as the Keras symbol of that name.
CONVENTIONAL_NAMES = {
    "l2": "keras.regularizers.l2",
    "L2": "keras.regularizers.L2",
    "l1_l2": "keras.regularizers.l1_l2",
    "L1L2": "keras.regularizers.L1L2",
    "regularizers": "keras.regularizers",
    "keras": "keras",
    "layers": "keras.layers",
    "optimizers": "keras.optimizers",
}

# Calls under these prefixes are Keras layers/models (attachment sites).
LAYER_PREFIXES = ("keras.layers.", "keras.Sequential", "keras.Model", "keras.models.")

# The positional parameters of each constructor, one entry per position; a tuple lists the
# names that position has had across releases (keras 2.2.4 `keras/optimizers.py`, tf.keras
# OptimizerV2 2.0-2.10, tf.keras 2.11-2.15 and Keras 3 `keras/src/optimizers/*.py`;
# docs/semantics.md#keras-optimizers). Positions whose meaning changed to or from `weight_decay` are left out.
POSITIONAL = {
    "keras.optimizers.Adam": (("learning_rate", "lr"), "beta_1", "beta_2", "epsilon", ("amsgrad", "decay")),
    "keras.optimizers.SGD": (("learning_rate", "lr"), "momentum", ("nesterov", "decay")),
    "keras.optimizers.RMSprop": (("learning_rate", "lr"), "rho", ("momentum", "epsilon"), ("epsilon", "decay")),
    "keras.optimizers.AdamW": ("learning_rate", "weight_decay", "beta_1", "beta_2", "epsilon", "amsgrad"),
    "keras.optimizers.Muon": ("learning_rate", "adam_beta_1", "adam_beta_2"),
    # tensorflow/addons `weight_decay_optimizers.py`: the decay comes first (AdamW L500-510)
    "tensorflow_addons.optimizers.AdamW": ("weight_decay", "learning_rate", "beta_1", "beta_2", "epsilon", "amsgrad"),
    "tensorflow_addons.optimizers.SGDW": ("weight_decay", "learning_rate", "momentum", "nesterov"),
}

# The optimizers module a bare `Adam(learning_rate=...)` is read from.
OPTIMIZERS_MODULE = "keras.optimizers"

# Model constructors: a layer built inside one of these belongs to the model it is assigned to.
MODEL_BUILDERS = ("keras.Sequential", "keras.models.Sequential", "keras.Model", "keras.models.Model")

# The `keras.Model` methods that train it with its compiled optimizer (keras/src/trainers/trainer.py:
# `fit`, `train_on_batch`; Keras 2 also `fit_generator`), and the one that loads trained weights.
# A model whose weights are loaded and that is never trained is evaluated or served: its
# `compile(optimizer=...)` runs no optimizer step.
TRAINING_METHODS = frozenset({"fit", "fit_generator", "train_on_batch"})
WEIGHT_LOADERS = frozenset({"load_weights"})

# `with tf.GradientTape() as tape:` — recognised by the callee's last name where the tape is
# opened (the names pass runs before qualified names are resolved).
GRADIENT_TAPE = "GradientTape"


# `reglint convert`: how this framework states weight decay (docs/semantics.md#conversion-table; the conversion reads them).
CONVENTIONS = (
    coupled("keras-l2", "keras.regularizers.l2({x})", 1.0,
        "kernel_regularizer=keras.regularizers.l2({value})", "2e-5 to 2.5e-4",
        "keras-team/keras v3.15.1 keras/src/regularizers/regularizers.py L265: l2 * ops.sum(ops.square(x)); "
        "v2.15.0 keras/regularizers.py L293-326 (docs/semantics.md#keras-regularizers)",
        "Keras adds the penalty only in fit()/evaluate(); a custom training loop must add sum(model.losses) "
        "to its loss (docs/semantics.md#keras-regularizers)."),
    decoupled("keras-weight-decay", "keras.optimizers.SGD(weight_decay={x})", True,
        "keras.optimizers.SGD(learning_rate={lr}, weight_decay={value})", ADAMW_TYPICAL,
        "keras-team/keras v3.15.1 keras/src/optimizers/base_optimizer.py L952-959: variable - variable * wd * lr; "
        "keras 2.11-2.15 _apply_weight_decay (docs/semantics.md#keras-optimizers)",
        "every Keras >= 2.11 optimizer (SGD and Adam included) applies weight_decay= decoupled; with SGD momentum μ "
        "a coupled λ acts roughly like a decoupled λ/(1 − μ) (derived, docs/semantics.md#keras-optimizers); the legacy decay= "
        "argument is learning-rate decay, not weight decay."),
    decoupled("keras-adamw", "keras.optimizers.AdamW(weight_decay={x})", True,
        "keras.optimizers.AdamW(learning_rate={lr}, weight_decay={value})", ADAMW_TYPICAL,
        "keras-team/keras v3.15.1 keras/src/optimizers/adamw.py L56 with base_optimizer.py L952-959 "
        "(docs/semantics.md#keras-optimizers)",
        "Keras AdamW's default weight_decay is 0.004, not torch's 1e-2 (docs/semantics.md#keras-optimizers)."),
)


# -- learning-rate schedules (RL012) -----------------------------------------------
# A `LearningRateSchedule` passed as `learning_rate` is called with the step count each
# step (keras 3.15.1 `keras/src/optimizers/schedules/learning_rate_schedule.py` L10-901;
# tf.keras 2.x `keras/optimizers/schedules/learning_rate_schedule.py`).
LR_SCHEDULES = frozenset({
    "keras.optimizers.schedules.ExponentialDecay", "keras.optimizers.schedules.PiecewiseConstantDecay",
    "keras.optimizers.schedules.PolynomialDecay", "keras.optimizers.schedules.InverseTimeDecay",
    "keras.optimizers.schedules.CosineDecay", "keras.optimizers.schedules.CosineDecayRestarts",
    "keras.experimental.CosineDecay", "keras.experimental.CosineDecayRestarts",
    "keras.experimental.LinearCosineDecay", "keras.experimental.NoisyLinearCosineDecay",
    "tensorflow.optimizers.schedules.ExponentialDecay", "tensorflow.optimizers.schedules.PiecewiseConstantDecay",
    "tensorflow.optimizers.schedules.PolynomialDecay", "tensorflow.optimizers.schedules.InverseTimeDecay",
    "tensorflow.optimizers.schedules.CosineDecay", "tensorflow.optimizers.schedules.CosineDecayRestarts",
    "tensorflow_addons.optimizers.CyclicalLearningRate", "tensorflow_addons.optimizers.TriangularCyclicalLearningRate",
    "tensorflow_addons.optimizers.Triangular2CyclicalLearningRate",
    "tensorflow_addons.optimizers.ExponentialCyclicalLearningRate",
})
LR_SCHEDULE_BASES = frozenset({"keras.optimizers.schedules.LearningRateSchedule", "tensorflow.optimizers.schedules.LearningRateSchedule"})
# the schedule's starting rate: (keyword, position); PiecewiseConstantDecay's is values[0]
SCHEDULE_INITIAL_RATE = ("initial_learning_rate", 0)
PIECEWISE = "keras.optimizers.schedules.PiecewiseConstantDecay"
# `extend_with_decoupled_weight_decay(Base)` makes a class whose first argument is the
# per-step decay (tfa v0.23 `weight_decay_optimizers.py` L279-380; tf.contrib r1.15 likewise)
DECOUPLED_EXTENDERS = frozenset({
    "tensorflow_addons.optimizers.extend_with_decoupled_weight_decay",
    "tensorflow.contrib.opt.extend_with_decoupled_weight_decay",
})
# how a message names the origin of a per-step decoupled class, by its top-level package
PER_STEP_ORIGINS = {"tensorflow_addons": "tfa", "tensorflow": "tf.contrib"}
# where a per-step decoupled optimizer takes its learning rate: tfa `AdamW(weight_decay,
# learning_rate=0.001, ...)` (L501-510), `SGDW(weight_decay, learning_rate=0.001, ...)` (L422-430)
LEARNING_RATE_ARGUMENT = ("learning_rate", 1)
# A class from outside the file (a project's `WarmUpCosine`) is read as a learning-rate
# schedule by its name: these words in a CapWords class name.
SCHEDULE_CLASS_WORDS = ("Schedule", "WarmUp", "Warmup", "Cosine", "Decay", "Cyclic", "OneCycle")
# Callbacks that change the optimizer's rate during `fit` (a schedule without a schedule object).
LR_CALLBACKS = frozenset({"keras.callbacks.LearningRateScheduler", "keras.callbacks.ReduceLROnPlateau"})
