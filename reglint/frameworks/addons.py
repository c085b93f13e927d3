"""tensorflow/addons (and tf.contrib.opt): decoupled decay applied per step, not multiplied by lr (docs/semantics.md#keras-optimizers).

The tfa optimizer classes themselves are in `keras.OPTIMIZERS` (tfa extends Keras).
"""

from reglint.frameworks import decoupled

# `reglint convert`: how this framework states weight decay (docs/semantics.md#conversion-table; the conversion reads them).
CONVENTIONS = (
    decoupled("tfa-adamw", "tfa.optimizers.AdamW(weight_decay={x})", False,
        "tfa.optimizers.AdamW(weight_decay={value}, learning_rate={lr})", "1e-5 to 1e-4",
        "tensorflow/addons tensorflow_addons/optimizers/weight_decay_optimizers.py L198-206: "
        "var.assign_sub(wd_t * var), not multiplied by lr (docs/semantics.md#keras-optimizers)",
        "tfa (and tf.contrib.opt) decay is not multiplied by lr: under an lr schedule, give weight_decay the "
        "same schedule by hand, e.g. lambda: 1e-4 * schedule(step) (docs/semantics.md#keras-optimizers)."),
)
