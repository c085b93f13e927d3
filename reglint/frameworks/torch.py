"""PyTorch `torch.optim`: which optimizers couple their weight_decay into the gradient.

Sources (docs/semantics.md#pytorch-optimizers): `torch/optim/*.py` in the 2.0.1–2.14.1 wheels; signatures
re-read from the 2.13.0 wheel: Adam/Adamax/NAdam/RAdam/RMSprop/Adadelta/SGD take
`weight_decay` as the 5th positional argument (index 4 with params at 0), Adagrad
as the 4th, ASGD as the 6th. Coupled decay is `grad = grad.add(param, alpha=wd)`
before the moment update; `decoupled_weight_decay=True` exists on Adam (2.7),
NAdam (2.1, positional index 6) and RAdam (2.2, positional index 5).
"""

from reglint.frameworks import ADAMW_TYPICAL, CAFFE_TYPICAL, OptimizerSpec, coupled, decoupled


def _coupled(family: str, adaptive: bool, position: int, flag=None, since=None) -> OptimizerSpec:
    return OptimizerSpec(family, adaptive, "torch", "coupled", ("weight_decay", position), 0.0, flag, since)


OPTIMIZERS = {
    "torch.optim.Adam": _coupled("adam", True, 4, ("decoupled_weight_decay", None), "2.7"),
    "torch.optim.NAdam": _coupled("nadam", True, 4, ("decoupled_weight_decay", 6), "2.1"),
    "torch.optim.RAdam": _coupled("radam", True, 4, ("decoupled_weight_decay", 5), "2.2"),
    "torch.optim.Adamax": _coupled("adamax", True, 4),
    "torch.optim.Adagrad": _coupled("adagrad", True, 3),
    "torch.optim.RMSprop": _coupled("rmsprop", True, 4),
    "torch.optim.Adadelta": _coupled("adadelta", True, 4),
    "torch.optim.SGD": _coupled("sgd", False, 4),
    "torch.optim.ASGD": _coupled("sgd", False, 5),
    "torch.optim.AdamW": OptimizerSpec("adamw", True, "torch", "decoupled", ("weight_decay", 4), 0.01),
    "torch.optim.Adafactor": OptimizerSpec("adafactor", True, "torch", "decoupled", ("weight_decay", None), 0.0),
    # `Muon(params, lr=1e-3, weight_decay=0.1, momentum=0.95, ...)`: `param.mul_(1 - lr * weight_decay)`
    # (`torch/optim/_muon.py`, docs/semantics.md#pytorch-optimizers; absent in 2.7.0, present in 2.14.1)
    "torch.optim.Muon": OptimizerSpec("muon", True, "torch", "decoupled", ("weight_decay", 2), 0.1),
}

# The decoupled replacement for an adaptive class without a flag of its own.
DECOUPLED_CLASS = {"adam": "AdamW"}

# Bound nowhere in the file, `optim.X` / `torch.X` are read as torch's.
CONVENTIONAL_NAMES = {"torch": "torch", "optim": "torch.optim", "nn": "torch.nn"}

# Where parameters come from: a first argument like these makes a bare `Adam(...)` torch's.
PARAMETER_SOURCES = ("parameters", "named_parameters", "param_groups", "params")

# The positional parameters of each constructor, in order, as every release from 1.x to
# 2.14.1 has them (`torch/optim/*.py`; docs/semantics.md#pytorch-optimizers); the rest are keyword-only or
# moved between releases (`foreach`, `capturable`, `decoupled_weight_decay`, ...) and are
# left out, so a position past the tuple is unknown.
POSITIONAL = {
    "torch.optim.Adam": ("params", "lr", "betas", "eps", "weight_decay", "amsgrad"),
    "torch.optim.AdamW": ("params", "lr", "betas", "eps", "weight_decay", "amsgrad"),
    "torch.optim.Adamax": ("params", "lr", "betas", "eps", "weight_decay"),
    "torch.optim.NAdam": ("params", "lr", "betas", "eps", "weight_decay", "momentum_decay"),
    "torch.optim.RAdam": ("params", "lr", "betas", "eps", "weight_decay"),
    "torch.optim.SGD": ("params", "lr", "momentum", "dampening", "weight_decay", "nesterov"),
    "torch.optim.RMSprop": ("params", "lr", "alpha", "eps", "weight_decay", "momentum", "centered"),
    "torch.optim.Adagrad": ("params", "lr", "lr_decay", "weight_decay", "initial_accumulator_value", "eps"),
    "torch.optim.Adadelta": ("params", "lr", "rho", "eps", "weight_decay"),
    "torch.optim.ASGD": ("params", "lr", "lambd", "alpha", "t0", "weight_decay"),
    "torch.optim.Muon": ("params", "lr", "weight_decay", "momentum", "nesterov"),
}

# Keyword-only parameters of the classes above in torch 2.x (not every class has each): with
# POSITIONAL, the keys an MMEngine config dict may hold. Its registry calls the class with every
# key but `type` as a keyword (mmengine 0.10.7 `optim/optimizer/default_constructor.py`
# L299-318, `registry/build_functions.py` L121), so a key outside both sinks the build.
KEYWORD_ONLY = ("foreach", "maximize", "capturable", "differentiable", "fused", "decoupled_weight_decay")

# The module whose classes a bare `Adam(...)` or an MMEngine `type='Adam'` names.
OPTIM_MODULE = "torch.optim"


# `reglint convert`: how this framework states weight decay (docs/semantics.md#conversion-table; the conversion reads them).
CONVENTIONS = (
    coupled("torch-sgd", "torch.optim.SGD(weight_decay={x})", 0.5,
        "torch.optim.SGD(model.parameters(), lr={lr}, weight_decay={value})", CAFFE_TYPICAL,
        "torch/optim/sgd.py L353/355 (2.14.1): grad = grad.add(param, alpha=weight_decay) (docs/semantics.md#pytorch-optimizers)",
        "with momentum and dampening=0 this is the same λ as Caffe (docs/semantics.md#pytorch-optimizers)."),
    coupled("torch-adam", "torch.optim.Adam(weight_decay={x})", 0.5,
        "torch.optim.Adam(model.parameters(), lr={lr}, weight_decay={value})", CAFFE_TYPICAL,
        "torch/optim/adam.py L426/428 (2.14.1), documented as 'weight decay (L2 penalty)' (docs/semantics.md#pytorch-optimizers)",
        "torch.optim.Adam's weight_decay is coupled L2 that Adam's normalization rescales, not AdamW; "
        "the decoupled form is AdamW or Adam(decoupled_weight_decay=True) (torch >= 2.7)."),
    decoupled("torch-adamw", "torch.optim.AdamW(weight_decay={x})", True,
        "torch.optim.AdamW(model.parameters(), lr={lr}, weight_decay={value})", ADAMW_TYPICAL,
        "torch/optim/adamw.py L405 (2.6.0): param.mul_(1 - lr * weight_decay); >= 2.7 AdamW is "
        "Adam(decoupled_weight_decay=True) (docs/semantics.md#pytorch-optimizers)",
        "AdamW's default weight_decay is 1e-2; the decay uses the scheduled lr (docs/semantics.md#pytorch-optimizers)."),
)


# -- parameter groups (RL010) ------------------------------------------------------
# A group without a decay key inherits the optimizer-wide value: `add_param_group` runs
# `param_group.setdefault(name, default)` for every constructor default (torch 2.14.1
# `torch/optim/optimizer.py` L1181-1187), so a no-decay group without `weight_decay: 0.0`
# decays with the optimizer's weight_decay (AdamW's default 1e-2, adamw.py L26).
# The keys a group sets its own decay with: torch's, and the BERT-era `weight_decay_rate`
# of pytorch-pretrained-bert's BertAdam and its copies (pytorchic-bert `optim.py` L126).
GROUP_DECAY_KEYS = ("weight_decay", "weight_decay_rate")

# Leaf names of parameters: a list of these is a list of name *fragments*; a full
# `named_parameters()` name (`encoder.layer.0.attention.output.LayerNorm.weight`) never equals one.
PARAMETER_LEAVES = frozenset({"bias", "weight", "gamma", "beta", "scale"})

# Module types whose parameters a no-decay split excludes (normalisation and embeddings).
NO_DECAY_MODULES = frozenset({
    "torch.nn.LayerNorm", "torch.nn.GroupNorm", "torch.nn.RMSNorm", "torch.nn.LocalResponseNorm",
    "torch.nn.BatchNorm1d", "torch.nn.BatchNorm2d", "torch.nn.BatchNorm3d", "torch.nn.SyncBatchNorm",
    "torch.nn.InstanceNorm1d", "torch.nn.InstanceNorm2d", "torch.nn.InstanceNorm3d",
    "torch.nn.Embedding", "torch.nn.modules.batchnorm._BatchNorm", "torch.nn.modules.normalization.LayerNorm",
})
# What a no-decay fragment names (a `["weight"]` list selects the decayed side instead).
NO_DECAY_WORDS = ("bias", "gamma", "beta", "norm", "embed", "ln_", "bn")

# Norm layers and whether they learn a `weight` (the scale a no-decay split keeps out of decay):
# (the keyword that turns it off, its position, its default). torch docs (2.13.0):
# `LayerNorm(normalized_shape, eps, elementwise_affine=True, bias=True)` (nn/modules/normalization.py
# L105), `RMSNorm(normalized_shape, eps, elementwise_affine=True)`, `GroupNorm(num_groups,
# num_channels, eps, affine=True)`, `BatchNorm{1,2,3}d(num_features, eps, momentum, affine=True,
# track_running_stats)`, `InstanceNorm{1,2,3}d(num_features, eps, momentum, affine=False, ...)`.
NORM_WEIGHT = {
    "torch.nn.LayerNorm": ("elementwise_affine", 2, True),
    "torch.nn.RMSNorm": ("elementwise_affine", 2, True),
    "torch.nn.GroupNorm": ("affine", 3, True),
    "torch.nn.BatchNorm1d": ("affine", 3, True),
    "torch.nn.BatchNorm2d": ("affine", 3, True),
    "torch.nn.BatchNorm3d": ("affine", 3, True),
    "torch.nn.SyncBatchNorm": ("affine", 3, True),
    "torch.nn.InstanceNorm1d": ("affine", 3, False),
    "torch.nn.InstanceNorm2d": ("affine", 3, False),
    "torch.nn.InstanceNorm3d": ("affine", 3, False),
}
# Containers whose children `named_parameters()` names by position (`h.0.ln_1.weight`) or by key.
SEQUENTIAL = "torch.nn.Sequential"  # its children are its positional arguments
MODULE_LISTS = frozenset({"torch.nn.ModuleList", SEQUENTIAL})
MODULE_DICT = "torch.nn.ModuleDict"
PARAMETER = frozenset({"torch.nn.Parameter", "torch.nn.parameter.Parameter"})
# Calls that hand back the module they are called on (`GPT(config).to(device)`).
MODULE_SELF_CALLS = frozenset({"to", "cuda", "cpu", "float", "half", "bfloat16", "double", "train", "eval", "requires_grad_"})
