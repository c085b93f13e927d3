"""MMEngine / mmcv config files: an optimizer is a `dict(type=..., ...)`.

Sources (docs/semantics.md#training-frameworks): open-mmlab/mmengine `mmengine/optim/optimizer/builder.py`
L16-35 registers every `torch.optim` class under its own name, so `type='Adam'` is
`torch.optim.Adam(params, **rest)`; `optim_wrapper = dict(optimizer=dict(...),
paramwise_cfg=...)` (builder.py L211 pops `paramwise_cfg` from the wrapper); mmcv
1.x `optimizer = dict(type='SGD', ..., paramwise_cfg=...)` (`mmcv/runner/optimizer/
builder.py` L55-64). A config that names `_base_` files is merged into them key by
key, so a key it does not write may still be set by a base (`analysis.config_bases`:
mmengine 0.10.7 `mmengine/config/config.py` `_file2dict` L880-913 and L972,
`_merge_a_into_b` L1289-1345).
"""

# Where an optimizer dict sits: bound to a name (or attribute) ending in one of these,
# or passed as one of these keywords (`optim_wrapper=dict(optimizer=dict(...))`).
OPTIMIZER_KEYS = frozenset({"optimizer"})

# The keyword holding the class name, and the config key that inherits from base files.
TYPE_KEY = "type"
BASE_KEY = "_base_"
DELETE_KEY = "_delete_"
