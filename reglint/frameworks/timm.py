"""timm `create_optimizer_v2(model_or_params, opt='sgd', lr=None, weight_decay=0., ...)`.

Sources (docs/semantics.md#training-frameworks; timm 1.0.31 `timm/optim/_optim_factory.py` L306-307, L355-453,
L844, L968, L1242-1257): `opt` is lower-cased and split on `_`, the last part names the
optimizer (`lookahead_adam` is Adam); weight_decay is the 4th argument (index 3),
default 0. With `filter_bias_and_bn` (default) biases and 1-D parameters get no decay.
"""

CREATE_OPTIMIZER = frozenset({"timm.optim.create_optimizer_v2"})
OPT_POSITION = 1
DEFAULT_OPT = "sgd"  # `opt` when the call does not pass it
WEIGHT_DECAY_POSITION = 3

# the last `_` part of `opt` -> (torch class, decoupled flag set by timm's defaults)
OPT_STRINGS = {
    "sgd": ("torch.optim.SGD", False),
    "momentum": ("torch.optim.SGD", False),
    "nesterov": ("torch.optim.SGD", False),
    "adam": ("torch.optim.Adam", False),
    "adamw": ("torch.optim.AdamW", False),
    "nadam": ("torch.optim.NAdam", False),
    "radam": ("torch.optim.RAdam", False),
    "radamw": ("torch.optim.RAdam", True),
    "adagrad": ("torch.optim.Adagrad", False),
    "rmsprop": ("torch.optim.RMSprop", False),
}

# the decoupled spelling of a coupled adaptive `opt` (an unsafe fix writes it)
DECOUPLED_OPT = {"adam": "adamw", "radam": "radamw", "nadam": "nadamw"}

# The timm convention (RL010): a model lists the parameters it wants undecayed in
# `no_weight_decay()` (full names) / `no_weight_decay_keywords()` (fragments). Only code
# that calls them honours them: timm's `create_optimizer_v2` does (1.0.29
# `timm/optim/_optim_factory.py` L273, `getattr(model_or_params, 'no_weight_decay', ...)()`),
# a plain `torch.optim.AdamW(model.parameters())` does not.
NO_WEIGHT_DECAY_METHODS = frozenset({"no_weight_decay", "no_weight_decay_keywords"})
CONSULTS_NO_WEIGHT_DECAY = frozenset({"timm.optim.create_optimizer_v2", "timm.optim.create_optimizer"})
