"""Caffe prototxt -> facts: the solver's type and weight decay, and a net's per-parameter decay_mult.

Reads the positioned tree of `reglint.configs.prototxt`; what each field means is the
table in `reglint.frameworks.caffe` (with Caffe source citations). Nothing is guessed:
a solver with both `type` and `solver_type` is rejected by Caffe itself
(upgrade_proto.cpp L1043) and is reported as such; an unknown type string (a fork's
solver) is kept with `family` None.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

from reglint.configs.prototxt import STRING, Field, Message, PrototxtError, Scalar, parse
from reglint.frameworks import caffe as table

# hyperparameters the conversion carries over when the solver writes them
HYPERPARAMETERS = ("momentum", "momentum2", "delta", "rms_decay")
BLOB_NAMES = ("weight", "bias")
# layer type -> (the *_param message with `bias_term`, whether the layer has a bias when it is unset);
# each has one weight blob first (caffe.proto: ConvolutionParameter/InnerProductParameter/
# EmbedParameter bias_term default true, ScaleParameter bias_term default false)
LEARNABLE = {
    "Convolution": ("convolution_param", True), "Deconvolution": ("convolution_param", True),
    "InnerProduct": ("inner_product_param", True), "Embed": ("embed_param", True),
    "Scale": ("scale_param", False), "Bias": (None, False), "PReLU": (None, False),
    # V1 enum spellings (caffe.proto V1LayerParameter.LayerType)
    "CONVOLUTION": ("convolution_param", True), "DECONVOLUTION": ("convolution_param", True),
    "INNER_PRODUCT": ("inner_product_param", True),
}


@dataclass
class Solver:
    """A solver.prototxt's optimizer facts with the fields that state them."""

    path: str
    type: str  # Caffe's type string after the solver_type upgrade ("SGD" when unset)
    family: Optional[str]  # None: a type Caffe does not register (a fork's solver)
    adaptive: bool
    type_field: Optional[Field]  # `type: "Adam"` or `solver_type: ADAM`; None when left at SGD
    weight_decay: float
    decay_field: Optional[Field]
    regularization: str  # "L2" | "L1" | whatever the file says
    base_lr: float
    hyperparameters: Dict[str, float] = field(default_factory=dict)
    net: Optional[str] = None  # `net:` / `train_net:` as written
    problems: List[Tuple[Field, str]] = field(default_factory=list)  # what Caffe would refuse

    @property
    def via_enum(self) -> bool:
        return self.type_field is not None and self.type_field.name == "solver_type"

    def describe(self) -> str:
        parts = [f"Caffe solver {self.path}: type {self.type!r}"]
        if self.type_field is not None:
            parts[0] += f" (line {self.type_field.key_start.line})"
        parts.append(f"base_lr {_number_text(self.base_lr)}")
        parts += [f"{name} {_number_text(value)}" for name, value in self.hyperparameters.items()]
        parts.append(f"weight_decay {_number_text(self.weight_decay)} ({self.regularization})")
        return ", ".join(parts)


@dataclass
class NetLayer:
    name: str
    type: str
    decay_mults: List[Tuple[str, float]]  # (blob name, decay_mult) for each learnable blob
    field: Field


def is_solver(root: Message) -> bool:
    """A solver has solver fields and no layers (a net has layers)."""
    names = {f.name for f in root.fields}
    return bool(names & table.SOLVER_FIELDS) and not names & table.NET_FIELDS


def solver_facts(root: Message, path: str) -> Solver:
    """What Caffe would run: the type after the solver_type upgrade, the last value of each field."""
    problems: List[Tuple[Field, str]] = []
    type_field = root.last("type")
    enum_field = root.last("solver_type")
    if type_field is not None and enum_field is not None:
        problems.append((enum_field, "Caffe refuses a solver with both `type` and the deprecated `solver_type` "
                                     "(upgrade_proto.cpp L1043)"))
    kind = table.DEFAULT_TYPE
    written = type_field or enum_field
    if type_field is not None and isinstance(type_field.value, Scalar):
        kind = str(type_field.value.value)
    elif enum_field is not None and isinstance(enum_field.value, Scalar):
        kind = table.SOLVER_TYPE_ENUM.get(str(enum_field.value.value), str(enum_field.value.value))
    family, adaptive = table.SOLVER_TYPES.get(kind, (None, False))
    decay_field = root.last("weight_decay")
    decay = _number(decay_field)
    regularization = root.scalar("regularization_type")
    net = root.scalar("net") or root.scalar("train_net")
    hyper = {name: _number(root.last(name)) for name in HYPERPARAMETERS if root.last(name) is not None}
    return Solver(
        path, kind, family, adaptive, written,
        decay if decay is not None else table.DEFAULT_WEIGHT_DECAY, decay_field,
        str(regularization.value) if regularization is not None else table.DEFAULT_REGULARIZATION,
        _number(root.last("base_lr")) or 0.0,
        {k: v for k, v in hyper.items() if v is not None},
        str(net.value) if net is not None and net.kind == STRING else None,
        problems,
    )


def _parse(text: str, path: str) -> Message:
    """The file's top-level message; ValueError `path:line:col: reason` when malformed."""
    try:
        return parse(text).root
    except PrototxtError as error:
        raise ValueError(f"{path}:{error.line}:{error.column}: {error.reason}") from None


def read_solver(text: str, path: str = "solver.prototxt") -> Solver:
    """A solver file's facts; ValueError when the file is malformed or not a Caffe solver."""
    root = _parse(text, path)
    if not is_solver(root):
        raise ValueError(f"{path} is not a Caffe solver (no base_lr, weight_decay, type, ... at top level)")
    return solver_facts(root, path)


def read_net(text: str, path: str = "train_val.prototxt") -> List[NetLayer]:
    """Every layer with learnable blobs that are trained (lr_mult ≠ 0), with its blobs' decay_mult."""
    root = _parse(text, path)
    layers = []
    for item in root.all("layer") + root.all("layers"):
        if not isinstance(item.value, Message):
            continue
        body = item.value
        name = _text(body.scalar("name")) or f"layer{len(layers)}"
        kind = _text(body.scalar("type")) or ""
        layers.append(NetLayer(name, kind, _decay_mults(body, kind), item))
    return [layer for layer in layers if layer.decay_mults]


def _decay_mults(body: Message, kind: str) -> List[Tuple[str, float]]:
    """decay_mult per blob: `param { decay_mult lr_mult }` (V2) or `weight_decay`/`blobs_lr` lists (V1)."""
    specs = body.messages("param")
    if specs:
        pairs = [(_number(spec.last("decay_mult")), _number(spec.last("lr_mult"))) for spec in specs]
    else:
        v1_decay = [_number(f) for f in body.all("weight_decay")]
        v1_lr = [_number(f) for f in body.all("blobs_lr")]
        pairs = [(v1_decay[i] if i < len(v1_decay) else None, v1_lr[i] if i < len(v1_lr) else None)
                 for i in range(max(len(v1_decay), len(v1_lr)))]
    count = len(pairs)
    if kind in LEARNABLE:
        param_message, bias = LEARNABLE[kind]
        options = body.messages(param_message) if param_message else []
        written = options[-1].scalar("bias_term") if options else None
        if written is not None:
            bias = str(written.value) == "true"
        count = max(count, 2 if bias else 1)
    out = []
    for index in range(count):
        decay, lr = pairs[index] if index < len(pairs) else (None, None)
        if lr == 0:
            continue  # a frozen blob is never updated, so its decay does nothing
        blob = BLOB_NAMES[index] if index < len(BLOB_NAMES) else f"blob{index}"
        out.append((blob, table.DEFAULT_DECAY_MULT if decay is None else decay))
    return out


def _number(item: Optional[Field]) -> Optional[float]:
    if item is None or not isinstance(item.value, Scalar):
        return None
    if item.value.kind == STRING:  # protobuf accepts no quoted numbers; neither does reglint
        return None
    return item.value.number()


def _text(scalar: Optional[Scalar]) -> Optional[str]:
    return str(scalar.value) if scalar is not None else None


def _number_text(value: float) -> str:
    from reglint.convert import format_number

    return format_number(value)

