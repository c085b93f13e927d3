"""Caffe prototxt -> facts: a solver's type and weight decay, a net's per-parameter decay_mult.

Reads the shared config tree (`prototxt.read`: a message is a mapping whose entries
keep repeated fields); what each field means is `reglint.frameworks.caffe` (with
Caffe source citations). A solver whose `type` (or deprecated `solver_type`) is an
adaptive solver and whose `weight_decay` is written is a `ConfigOptimizer` with coupled
decay, as Caffe's `Regularize` adds λ·w to the gradient before every solver's update.
There is no decoupled Caffe solver, so the fix is advice only. An unknown type string
(a fork's solver) is not guessed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

from reglint.configs.facts import ConfigOptimizer, config_value
from reglint.configs.prototxt import number_of, read
from reglint.configs.tree import MAPPING, SCALAR, ConfigSyntaxError, Node
from reglint.frameworks import caffe as table

WORDS = (b"weight_decay",)  # without it a solver has no decay to report
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
NO_DECOUPLED_SOLVER = ("Caffe has no decoupled solver: keep weight_decay only with SGD/Nesterov, or drop it here and "
                       "decay in code (`reglint convert --from-prototxt` prints the torch/keras/optax lines)")


@dataclass
class Solver:
    """A solver.prototxt's optimizer facts with the nodes that state them."""

    path: str
    type: str  # Caffe's type string after the solver_type upgrade ("SGD" when unset)
    family: Optional[str]  # None: a type Caffe does not register (a fork's solver)
    adaptive: bool
    type_node: Optional[Node]  # the value of `type:` or `solver_type:`; None when left at SGD
    weight_decay: float
    decay_node: Optional[Node]
    regularization: str  # "L2" | "L1" | whatever the file says
    base_lr: float
    hyperparameters: Dict[str, float] = field(default_factory=dict)
    net: Optional[str] = None  # `net:` / `train_net:` as written

    @property
    def via_enum(self) -> bool:
        return self.type_node is not None and self.type_node.path[-1] == "solver_type"

    def describe(self) -> str:
        from reglint.convert import format_number

        head = f"Caffe solver {self.path}: type {self.type!r}"
        if self.type_node is not None:
            head += f" (line {self.type_node.start.line})"
        parts = [head, f"base_lr {format_number(self.base_lr)}"]
        parts += [f"{name} {format_number(value)}" for name, value in self.hyperparameters.items()]
        parts.append(f"weight_decay {format_number(self.weight_decay)} ({self.regularization})")
        return ", ".join(parts)


@dataclass
class NetLayer:
    name: str
    type: str
    decay_mults: List[Tuple[str, float]]  # (blob name, decay_mult) for each trained learnable blob


def entries(node: Node, name: str) -> List[Node]:
    """Every value of a (repeated) field, in order."""
    return [value for key, value in node.entries if key.value == name] if node.kind == MAPPING else []


def is_solver(root: Node) -> bool:
    """A solver has solver fields at top level and no layers (a net has layers)."""
    names = set(root.value) if root.kind == MAPPING else set()
    return bool(names & table.SOLVER_FIELDS) and not names & table.NET_FIELDS


def solver_facts(root: Node, path: str) -> Solver:
    """What Caffe runs: the type after the solver_type upgrade, the last value of each field."""
    type_node = _scalar(root.get("type"))
    enum_node = _scalar(root.get("solver_type"))
    kind = table.DEFAULT_TYPE
    if type_node is not None:
        kind = str(type_node.value)
    elif enum_node is not None:
        kind = table.SOLVER_TYPE_ENUM.get(str(enum_node.value), str(enum_node.value))
    family, adaptive = table.SOLVER_TYPES.get(kind, (None, False))
    decay_node = _scalar(root.get("weight_decay"))
    decay = number_of(decay_node)
    regularization = _scalar(root.get("regularization_type"))
    net = _scalar(root.get("net")) or _scalar(root.get("train_net"))
    hyper = {name: number_of(root.get(name)) for name in HYPERPARAMETERS}
    return Solver(
        path, kind, family, adaptive, type_node or enum_node,
        decay if decay is not None else table.DEFAULT_WEIGHT_DECAY, decay_node,
        str(regularization.value) if regularization is not None else table.DEFAULT_REGULARIZATION,
        number_of(root.get("base_lr")) or 0.0,
        {name: value for name, value in hyper.items() if value is not None},
        str(net.value) if net is not None and net.style else None,
    )


def interpret(document) -> List[ConfigOptimizer]:
    """The solver's optimizer when the file is a Caffe solver with an adaptive (or known) type."""
    root = document.root
    if document.syntax != "prototxt" or not is_solver(root):
        return []
    solver = solver_facts(root, document.path)
    if solver.family is None or solver.decay_node is None:
        return []
    written = solver.type_node
    display = f"`{written.path[-1]}: {written.raw}`" if written is not None else "Caffe's default SGD solver"
    fact = ConfigOptimizer(
        qualname=f"caffe.{solver.type}", family=solver.family, adaptive=solver.adaptive, framework="caffe",
        node=root, decay_mode="coupled" if solver.regularization == "L2" else "none",
        weight_decay=config_value(solver.decay_node, number_of(solver.decay_node), "weight_decay"),
        weight_decay_arg=solver.decay_node, explicit=True, via="config", class_node=written or solver.decay_node,
        display=display, config_format="caffe", key_path=written.dotted if written is not None else "type",
        advice=NO_DECOUPLED_SOLVER,
    )
    return [fact]


def read_solver(text: str, path: str = "solver.prototxt") -> Solver:
    """A solver file's facts; ValueError when the file is malformed or not a Caffe solver."""
    root = _read(text, path)
    if not is_solver(root):
        raise ValueError(f"{path} is not a Caffe solver (no base_lr, weight_decay, type, ... at top level)")
    return solver_facts(root, path)


def read_net(text: str, path: str = "train_val.prototxt") -> List[NetLayer]:
    """Every layer with learnable blobs that are trained (lr_mult ≠ 0), with its blobs' decay_mult."""
    root = _read(text, path)
    layers = []
    for index, body in enumerate(entries(root, "layer") + entries(root, "layers")):
        if body.kind != MAPPING:
            continue
        name = _text(body.get("name")) or f"layer{index}"
        kind = _text(body.get("type")) or ""
        decay_mults = _decay_mults(body, kind)
        if decay_mults:
            layers.append(NetLayer(name, kind, decay_mults))
    return layers


def _decay_mults(body: Node, kind: str) -> List[Tuple[str, float]]:
    """decay_mult per blob: `param { decay_mult lr_mult }` (V2) or `weight_decay`/`blobs_lr` lists (V1)."""
    specs = [spec for spec in entries(body, "param") if spec.kind == MAPPING]
    if specs:
        pairs = [(number_of(spec.get("decay_mult")), number_of(spec.get("lr_mult"))) for spec in specs]
    else:
        v1_decay = [number_of(node) for node in entries(body, "weight_decay")]
        v1_lr = [number_of(node) for node in entries(body, "blobs_lr")]
        pairs = [(v1_decay[i] if i < len(v1_decay) else None, v1_lr[i] if i < len(v1_lr) else None)
                 for i in range(max(len(v1_decay), len(v1_lr)))]
    count = len(pairs)
    if kind in LEARNABLE:
        param_message, bias = LEARNABLE[kind]
        options = body.get(param_message) if param_message else None
        written = _scalar(options.get("bias_term")) if options is not None else None
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


def _read(text: str, path: str) -> Node:
    try:
        return read(text)
    except ConfigSyntaxError as error:
        raise ValueError(f"{path}:{error.line}:{error.column}: {error.message}") from None


def _scalar(node: Optional[Node]) -> Optional[Node]:
    return node if node is not None and node.kind == SCALAR else None


def _text(node: Optional[Node]) -> Optional[str]:
    return str(node.value) if _scalar(node) is not None else None
