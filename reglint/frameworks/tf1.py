"""TF1: tf.layers, tf.contrib.layers / tf-slim, collections, tf.train optimizers.

Sources (docs/semantics.md#tf1-regularizers-and-collections): `tensorflow/contrib/layers/python/layers/regularizers.py`
and google-research/tf-slim `tf_slim/layers/regularizers.py` L76-107 —
`l2_regularizer(scale)` returns `scale * nn.l2_loss(w)` = scale·Σw²/2, the Caffe
convention; `tensorflow/core/api_def/base_api/api_def_L2Loss.pbtxt`: `l2_loss(t) =
sum(t ** 2) / 2`; `tensorflow/python/ops/losses/util.py`: regularizers land in
`GraphKeys.REGULARIZATION_LOSSES` and only `get_regularization_loss(es)` /
`get_total_loss()` bring them back; tensorflow/estimator adds none of them.
"""

from reglint.frameworks import CAFFE_TYPICAL, OptimizerSpec, RegularizerSpec, coupled

REGULARIZERS = {
    "tf_slim.l2_regularizer": RegularizerSpec("l2", "half_sum_sq", "tf1", (("scale", 0),), None),
    "tf_slim.l1_regularizer": RegularizerSpec("l1", "half_sum_sq", "tf1", (), None),
    "tf_slim.l1_l2_regularizer": RegularizerSpec("l1l2", "half_sum_sq", "tf1", (("scale_l2", 1),), 1.0),
}

# Layers and variable factories whose regularizers go to REGULARIZATION_LOSSES.
COLLECTING_PREFIXES = ("tensorflow.layers.", "tf_slim.")
COLLECTING_CALLS = frozenset({
    "tensorflow.get_variable", "tensorflow.variable_scope", "tf_slim.arg_scope",
    "tf_slim.model_variable", "tf_slim.variable",
})
COLLECTING_KEYWORDS = frozenset({
    "kernel_regularizer", "bias_regularizer", "activity_regularizer", "depthwise_regularizer",
    "pointwise_regularizer", "weights_regularizer", "biases_regularizer", "regularizer",
    "beta_regularizer", "gamma_regularizer",
})

# Calls whose value includes the collected regularization losses.
REGULARIZATION_LOSS_CALLS = frozenset({
    "tensorflow.losses.get_regularization_loss",
    "tensorflow.losses.get_regularization_losses",
    "tensorflow.losses.get_total_loss",
    "tf_slim.losses.get_regularization_losses",
    "tf_slim.losses.get_total_loss",
    "tensorflow.get_collection",  # with GraphKeys.REGULARIZATION_LOSSES (checked by the extractor)
})
REGULARIZATION_COLLECTION = "REGULARIZATION_LOSSES"

# Squared-weights helpers: tf.nn.l2_loss is Σw²/2.
HALF_SUM_SQ_CALLS = frozenset({"tensorflow.nn.l2_loss"})


def _tf1(family: str, adaptive: bool) -> OptimizerSpec:
    return OptimizerSpec(family, adaptive, "tf1", "none", ("", None), None)


OPTIMIZERS = {
    "tensorflow.train.AdamOptimizer": _tf1("adam", True),
    "tensorflow.train.RMSPropOptimizer": _tf1("rmsprop", True),
    "tensorflow.train.AdagradOptimizer": _tf1("adagrad", True),
    "tensorflow.train.AdadeltaOptimizer": _tf1("adadelta", True),
    "tensorflow.train.AdagradDAOptimizer": _tf1("adagrad", True),
    "tensorflow.train.ProximalAdagradOptimizer": _tf1("adagrad", True),
    "tf_slim.opt.LazyAdamOptimizer": _tf1("adam", True),
    "tensorflow.contrib.opt.LazyAdamOptimizer": _tf1("adam", True),
    "tensorflow.contrib.opt.NadamOptimizer": _tf1("nadam", True),
    # `AdamWOptimizer(weight_decay, learning_rate=0.001, ...)`, `MomentumWOptimizer(weight_decay,
    # learning_rate, momentum, ...)`: `var.assign_sub(weight_decay * var)`, not multiplied by lr
    "tensorflow.contrib.opt.AdamWOptimizer": OptimizerSpec("adamw", True, "tf1", "decoupled", ("weight_decay", 0), None, decay_scaled_by_lr=False),
    "tensorflow.contrib.opt.MomentumWOptimizer": OptimizerSpec("sgd", False, "tf1", "decoupled", ("weight_decay", 0), None, decay_scaled_by_lr=False),
    "tensorflow.train.MomentumOptimizer": _tf1("sgd", False),
    "tensorflow.train.GradientDescentOptimizer": _tf1("sgd", False),
}

# `tf.get_collection(key)`: a regularization loss only with the REGULARIZATION_LOSSES key.
GET_COLLECTION = "tensorflow.get_collection"

# Loss sites (docs/semantics.md#tf1-regularizers-and-collections). EstimatorSpec(mode, predictions, loss, train_op, ...): loss at index 2.
ESTIMATOR_SPECS = frozenset({
    "tensorflow.estimator.EstimatorSpec", "tensorflow.contrib.tpu.TPUEstimatorSpec",
    "tensorflow.estimator.tpu.TPUEstimatorSpec",
})
ESTIMATOR_SPEC_LOSS_POSITION = 2
# Train-op builders -> the position of their `optimizer` argument (`create_train_op(total_loss,
# optimizer, ...)`, `optimize_loss(loss, global_step, learning_rate, optimizer, ...)`).
TRAIN_OP_BUILDERS = {
    "tf_slim.learning.create_train_op": 1,
    "tensorflow.contrib.training.create_train_op": 1,
    "tf_slim.optimize_loss": 3,
}
GRADIENTS = frozenset({"tensorflow.gradients"})

# Bound nowhere in the file, `tf.X` / `slim.X` are read as TensorFlow's / tf-slim's.
CONVENTIONAL_NAMES = {"tf": "tensorflow", "slim": "tf_slim"}


# `reglint convert`: how this framework states weight decay (docs/semantics.md#conversion-table; the conversion reads them).
CONVENTIONS = (
    coupled("tf1-l2-regularizer", "tf.contrib.layers.l2_regularizer({x})", 0.5,
        "regularizer=tf.contrib.layers.l2_regularizer(scale={value})", CAFFE_TYPICAL,
        "tensorflow/contrib/layers/python/layers/regularizers.py: scale * nn.l2_loss(weights); the same in "
        "tf_slim/layers/regularizers.py L76-107 (docs/semantics.md#tf1-regularizers-and-collections)",
        "the penalty goes to GraphKeys.REGULARIZATION_LOSSES; the training loss must add "
        "tf.compat.v1.losses.get_regularization_loss() (tf.estimator does not)."),
    coupled("tf-nn-l2-loss", "{x} * tf.nn.l2_loss(w)", 0.5,
        "loss += {value} * tf.add_n([tf.nn.l2_loss(w) for w in weights])", CAFFE_TYPICAL,
        "tensorflow/core/api_def/base_api/api_def_L2Loss.pbtxt: output = sum(t ** 2) / 2 (docs/semantics.md#tf1-regularizers-and-collections)",
        "tf.nn.l2_loss already halves the sum of squares; `2 * tf.nn.l2_loss` (TF Model Garden's Keras ResNet) "
        "is Keras l2 semantics."),
)


# TF1 learning-rate decay functions: each returns a tensor (or, eagerly, a callable) that
# falls with `global_step` (tensorflow 2.21 `tensorflow/python/keras/optimizer_v2/
# legacy_learning_rate_decay.py` L28-682, exported as `tf.compat.v1.train.*`) (RL012).
LR_DECAY_FUNCTIONS = frozenset({
    "tensorflow.train.exponential_decay", "tensorflow.train.piecewise_constant",
    "tensorflow.train.piecewise_constant_decay", "tensorflow.train.polynomial_decay",
    "tensorflow.train.natural_exp_decay", "tensorflow.train.inverse_time_decay",
    "tensorflow.train.cosine_decay", "tensorflow.train.cosine_decay_restarts",
    "tensorflow.train.linear_cosine_decay", "tensorflow.train.noisy_linear_cosine_decay",
})
