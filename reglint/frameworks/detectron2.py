"""detectron2 yacs YAML: `SOLVER.*`, and `_BASE_` files merged under a config.

Sources: detectron2 0.6 (commit 02b5c4e2). `detectron2/solver/build.py` L119-139:
the stock `build_optimizer` is always `torch.optim.SGD` with `SOLVER.WEIGHT_DECAY`
(default 1e-4, `detectron2/config/defaults.py` L538), so stock configs have no
adaptive optimizer. `SOLVER.OPTIMIZER` is not a stock key: projects add it.
detectron2's own Panoptic-DeepLab (`projects/Panoptic-DeepLab/train_net.py` L110-131)
reads "SGD" and "ADAM", passing `SOLVER.WEIGHT_DECAY` through
`get_default_optimizer_params` as param-group decay to `torch.optim.Adam`: coupled.
Mask2Former-style projects read "ADAMW" (decoupled). `_BASE_` (fvcore's
`CfgNode.merge_from_file`) names a file, relative to the config, merged first.

LazyConfig Python files (detectron2 `detectron2/config/lazy.py`, commit 084acd0,
`class LazyCall`): `LazyCall(target)(**kwargs)` records `{"_target_": target, **kwargs}`
and `instantiate` later calls `target(**kwargs)`; positional arguments are not
supported. So `L(torch.optim.Adam)(lr=..., weight_decay=...)` (with `LazyCall as L`)
is `torch.optim.Adam(..., weight_decay=...)`. Many projects vendor the class under
the same name (`tops.config.LazyCall`, `omegaconf`-based copies), so it is known
by its last name.
"""

# The deferred-call wrapper of LazyConfig files, by last name: `LazyCall(target)(**kwargs)`
LAZY_CALL = "LazyCall"

# SOLVER.OPTIMIZER value -> the torch class the known projects build
OPTIMIZERS = {
    "SGD": "torch.optim.SGD",
    "ADAM": "torch.optim.Adam",
    "ADAMW": "torch.optim.AdamW",
}
BASE_KEY = "_BASE_"
SOLVER = "SOLVER"
