"""Knowledge as data: qualified name -> semantics, one module per framework.

`canonical` maps the many spellings of one API to a single qualified name
(`tf.keras` is `keras`, `tf.compat.v1` is TF1, `tf.contrib.slim` is `tf_slim`).
The tables hold no control flow beyond this normalisation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Tuple

# the top-level packages of libraries (never a module of the checked project)
LIBRARY_ROOTS = frozenset({
    "tensorflow", "keras", "tf_keras", "tf_slim", "tensorflow_addons", "torch", "torchvision", "torchaudio",
    "jax", "jaxlib", "flax", "optax", "haiku", "numpy", "scipy", "sklearn", "pandas", "matplotlib", "transformers",
    "timm", "mmengine", "mmcv", "mmdet", "deepspeed", "accelerate", "datasets", "lightning", "pytorch_lightning",
    "absl", "tqdm", "PIL", "cv2", "yaml", "wandb", "tensorboardX", "h5py", "six", "future", "__future__",
})

# prefix -> replacement, longest first
ALIASES: Tuple[Tuple[str, str], ...] = (
    ("tensorflow.compat.v1.keras.", "keras."),
    ("tensorflow.compat.v2.keras.", "keras."),
    ("tensorflow.compat.v1.", "tensorflow."),
    ("tensorflow.compat.v2.", "tensorflow."),
    ("tensorflow.python.keras.", "keras."),
    ("tensorflow.keras.", "keras."),
    ("tensorflow.contrib.slim.", "tf_slim."),
    ("tensorflow.contrib.layers.python.layers.regularizers.", "tf_slim."),
    ("tensorflow.contrib.layers.python.layers.", "tf_slim."),
    ("tensorflow.contrib.layers.", "tf_slim."),
    ("tensorflow.contrib.framework.", "tf_slim."),
    ("tf_slim.layers.regularizers.", "tf_slim."),
    ("tf_slim.layers.layers.", "tf_slim."),
    ("tf_slim.layers.", "tf_slim."),
    ("tf_slim.ops.arg_scope.", "tf_slim."),
    ("tf_keras.src.", "keras."),
    ("tf_keras.", "keras."),
    ("keras._tf_keras.keras.", "keras."),
    ("keras.api.", "keras."),
    ("keras.src.regularizers.regularizers.", "keras.regularizers."),
    ("keras.src.", "keras."),
    ("keras.optimizers.legacy.", "keras.optimizers."),
    ("keras.optimizers.experimental.", "keras.optimizers."),
    ("keras.optimizers.schedules.", "keras.optimizers.schedules."),
    ("tensorflow.losses.", "tensorflow.losses."),
    ("optax._src.alias.", "optax."),
    ("optax._src.transform.", "optax."),
    ("optax._src.combine.", "optax."),
    ("optax.transforms.", "optax."),
    ("tensorflow_addons.optimizers.weight_decay_optimizers.", "tensorflow_addons.optimizers."),
    ("timm.optim._optim_factory.", "timm.optim."),
    ("timm.optim.optim_factory.", "timm.optim."),
    ("transformers.training_args_seq2seq.", "transformers."),
    ("transformers.training_args.", "transformers."),
)

# Top-level packages whose calls are library code: a loss built by one of them carries no
# collected regularization losses of the file's own.
LIBRARY_ROOTS = frozenset({
    "tensorflow", "keras", "tf_keras", "tf_slim", "torch", "jax", "optax", "flax", "numpy",
    "math", "haiku", "torchvision", "timm", "transformers",
})

TORCH_OPTIM_MODULES = ("adam", "adamw", "adamax", "nadam", "radam", "adagrad", "rmsprop", "adadelta", "sgd", "asgd", "_adafactor", "adafactor", "_muon")


# every optimizer class of the torch, Keras and TF1 tables is spelled with it, aliases too
# (`torch.optim`, `keras.optimizers`, `tf.train.AdamOptimizer`): a module without it builds none
OPTIMIZER_WORD = b"optim"
# Σw² as `analysis.penalties.square_sum` reads one: `w ** 2`, `square(w)`, `pow(w, 2)` /
# `p.pow(2)`, `tf.nn.l2_loss(w)`; an imported square or pow under another name (`square as`)
# too. A module whose function returns a penalty (`l2_penalty(model)`) holds one of them.
PENALTY_WORDS = (b"**2", b"** 2", b"square(", b"square (", b"square as", b"pow(", b"pow (", b"pow as", b"l2_loss")


def canonical(qualname: str) -> str:
    """The one spelling reglint's tables use for `qualname`."""
    name = qualname
    for _ in range(3):  # aliases can chain (tensorflow.compat.v1.keras -> keras)
        for prefix, replacement in ALIASES:
            if name.startswith(prefix):
                name = replacement + name[len(prefix):]
                break
        else:
            break
    parts = name.split(".")
    # torch.optim.adam.Adam -> torch.optim.Adam
    if len(parts) == 4 and parts[:2] == ["torch", "optim"] and parts[2] in TORCH_OPTIM_MODULES:
        name = "torch.optim." + parts[3]
    if name.startswith("keras.regularizers.regularizers."):
        name = "keras.regularizers." + name.rsplit(".", 1)[1]
    return name


@dataclass(frozen=True)
class RegularizerSpec:
    kind: str  # "l1" | "l2" | "l1l2"
    convention: str  # "sum_sq" | "half_sum_sq"
    framework: str  # "keras" | "tf1"
    # (keyword, position) pairs that can hold the squared term's coefficient
    l2_params: Tuple[Tuple[str, Optional[int]], ...] = ()
    l2_default: Optional[float] = None


@dataclass(frozen=True)
class OptimizerSpec:
    family: str
    adaptive: bool
    framework: str
    decay_mode: str  # how weight_decay acts: "coupled" | "decoupled" | "none"
    weight_decay: Tuple[str, Optional[int]] = ("weight_decay", None)
    default_weight_decay: Optional[float] = 0.0
    decoupled_flag: Optional[Tuple[str, Optional[int]]] = None  # keyword (and position) of the flag
    flag_since: Optional[str] = None  # the release that added the flag
    # decoupled decay multiplied by the learning rate (torch, Keras, optax), or applied
    # per step as written (tfa / tf.contrib `AdamW`, docs/semantics.md#keras-optimizers)
    decay_scaled_by_lr: bool = True


def lookup(table: dict, qualname: Optional[str]):
    return table.get(canonical(qualname)) if qualname else None


# -- `reglint convert`'s conventions (each framework module lists its own CONVENTIONS) --
COUPLED, DECOUPLED = "coupled", "decoupled"


@dataclass(frozen=True)
class Convention:
    """One way a framework states weight decay, as data the conversion reads.

    `k` is the factor in the loss term k·λ·Σw² (coupled only). `lr_scaled` says
    whether one step of decay (through plain SGD for coupled ones) shrinks w by
    lr·(...) or, as in tfa, by the coefficient alone. `api` and `code` are
    templates: `{x}` is the coefficient's symbol, `{value}` the number to write and
    `{lr}` the learning rate.
    """

    name: str
    api: str
    coupling: str
    k: Optional[float]
    lr_scaled: bool
    code: str
    typical: str
    source: str
    note: str

    @property
    def scale(self) -> float:
        """Per-step shrink of w under plain SGD per unit coefficient (before any lr)."""
        return 2 * self.k if self.coupling == COUPLED else 1.0

    @property
    def lr_power(self) -> int:
        return 1 if self.lr_scaled else 0


def coupled(name, api, k, code, typical, source, note) -> Convention:
    return Convention(name, api, COUPLED, k, True, code, typical, source, note)


def decoupled(name, api, lr_scaled, code, typical, source, note) -> Convention:
    return Convention(name, api, DECOUPLED, None, lr_scaled, code, typical, source, note)


CAFFE_TYPICAL = "4e-5 to 5e-4"
ADAMW_TYPICAL = "1e-2 to 1e-1"
# Where a decoupled (AdamW) decay starts when it replaces a coupled one: no value is equivalent
# under an adaptive step (docs/semantics.md#decoupled-weight-decay-paper), so the low end of
# the typical range, which is also torch's AdamW default.
ADAMW_START = "1e-2"
