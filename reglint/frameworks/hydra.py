"""Hydra structured configs in Python: a class (usually a dataclass) whose fields are the
keyword arguments of the object `hydra.utils.instantiate` builds from its `_target_`.

Sources: Hydra 1.3 `hydra/_internal/instantiate/_instantiate2.py` L326-346 (`_Keys.TARGET =
"_target_"`; `instantiate` imports the target and calls it with the config's other keys,
`_partial_` making a `functools.partial` of the same call; see docs/semantics.md), and the docs page
"Instantiating objects with Hydra" (structured configs: a dataclass carrying `_target_`).
So `_target_: str = "torch.optim.Adam"` beside `weight_decay: float = 1e-4` is a
`torch.optim.Adam(params, weight_decay=1e-4)` when the defaults are used.
"""

# the field naming the class to build, and the keyword the default of a field may sit in
# (`weight_decay: float = field(default=1e-4)`)
TARGET_FIELD = "_target_"
FIELD_DEFAULT = "default"
