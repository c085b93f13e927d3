"""The training-setup model the rules read: facts, not syntax.

`analysis.build_model` fills a `FileModel` from one libcst pass. Rules read the
facts (regularizers, optimizers, penalties, loss sites, optax chains) and hand the
nodes to their `reporter.Reporter` for positions and fix targets.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Dict, FrozenSet, List, Optional, Set, Tuple


if TYPE_CHECKING:  # annotations only, so that loading the rules does not import libcst
    import libcst as cst

@dataclass
class Value:
    """A coefficient with its provenance and the evidence of what it means."""

    expr: cst.BaseExpression  # the expression as written where it is used
    number: Optional[float]  # resolved value, None when unknown
    provenance: str  # "literal" | "constant" | "parameter" | "config" | "unknown"
    names: Tuple[str, ...] = ()  # names the value was bound to, nearest first
    comments: Tuple[str, ...] = ()  # comments/docstrings on the defining and using lines
    # the factors the code applies to it on every path between definition and use: a
    # multiplication by a literal (`wd * 0.5` -> 0.5), a division by a known number
    # (`wd / 2` -> 0.5), `wd /= 2` / `wd *= 0.5` after the assignment, `(wd * Σw²) / 2`
    # around a penalty; what a factor means (RL001: already halved) the rules decide
    scales: FrozenSet[float] = frozenset()
    # docstrings of the function, class and module around the use and around each binding
    # the value came through, innermost first: where evidence of intent ("a Keras port of
    # the Caffe model", "Darknet parameters") belongs to this value; the rules weigh it
    docstrings: Tuple[str, ...] = ()
    # `args.lr` of an argparse namespace: (the default the file writes, its option as
    # written) — what a run without the option uses; `number` stays unknown (the command
    # line may say otherwise), and a rule decides whether a default is enough
    cli_default: Optional[Tuple[float, str]] = None

    @property
    def provably_zero(self) -> bool:
        return self.number == 0


@dataclass
class Attachment:
    """Where a regularizer is attached: a layer call, a variable, a scope."""

    kind: str  # "keras_layer" | "tf1_layer" | "variable" | "scope" | "arg_scope"
    keyword: str  # kernel_regularizer, weights_regularizer, regularizer, ...
    call: cst.Call
    qualname: str
    collected: bool  # lands in TF1's REGULARIZATION_LOSSES collection (else model.losses)
    owner: Optional[str] = None  # the model variable the layer is built into (`Sequential([...])`)


@dataclass
class Regularizer:
    kind: str  # "l1" | "l2" | "l1l2"
    qualname: str
    call: cst.Call
    convention: str  # "sum_sq" (Keras: c·Σw²) | "half_sum_sq" (TF1: c·Σw²/2)
    framework: str  # "keras" | "tf1"
    l2: Optional[Value] = None  # the squared term's coefficient when written
    l2_arg: Optional[cst.Arg] = None
    l2_default: Optional[float] = None  # framework default when not written
    attachments: List[Attachment] = field(default_factory=list)
    inferred: bool = False  # rests on an unbound name read by its conventional meaning

    @property
    def has_l2(self) -> bool:
        if self.kind == "l1":
            return False
        if self.l2 is not None:
            return not self.l2.provably_zero
        return bool(self.l2_default)


@dataclass
class Optimizer:
    qualname: str
    family: str  # "sgd" | "adam" | "rmsprop" | "adagrad" | ...
    adaptive: bool
    framework: str  # "torch" | "keras" | "tf1" | "optax"
    node: cst.CSTNode  # the constructor call, or the string naming it
    decay_mode: str  # "coupled" | "decoupled" | "lr_decay" | "none"
    weight_decay: Optional[Value] = None
    weight_decay_arg: Optional[cst.CSTNode] = None  # cst.Arg, or a dict Element
    explicit: bool = False  # the decay was written (not left at the default)
    decoupled_flag: Optional[str] = None  # the keyword that makes the class decoupled
    # some param group leaves weight_decay to the optimizer-wide value
    group_without_decay: bool = False
    bound_to: Optional[str] = None  # variable the optimizer was assigned to
    scope: Optional[cst.CSTNode] = None
    inferred: bool = False
    # how the optimizer is stated: "call" (its constructor), "string" (`compile(optimizer="adam")`),
    # "config" (an MMEngine/mmcv `dict(type=...)`), "hf" (TrainingArguments' `optim=`),
    # "timm" (`create_optimizer_v2(opt=...)`), "lazy" (detectron2 LazyConfig
    # `L(torch.optim.Adam)(...)`), "structured" (a Hydra structured config's `_target_` field),
    # "project" (the call of an imported project function that returns one, `built_by`)
    via: str = "call"
    # what names the class: the callee, the `type=` / `opt=` / `optim=` value (the callee when
    # TrainingArguments or create_optimizer_v2 leave it at the default)
    class_node: Optional[cst.CSTNode] = None
    # decoupled decay multiplied by lr (torch/Keras/optax) or per step as written (tfa, tf.contrib)
    decay_scaled_by_lr: bool = True
    lr_decay: Optional[Value] = None  # legacy Keras `decay=`: learning-rate time decay
    lr_decay_arg: Optional[cst.Arg] = None
    # arguments the file cannot see (`**kwargs`, `*args`, a config merged into `_base_` files)
    hidden_arguments: bool = False
    # (file, line, column) of a `weight_decay` a config inherits from a `_base_` file
    decay_written_in: Optional[Tuple[str, int, int]] = None
    # (file, line, column) of the `type` a config dict that writes none inherits from a `_base_` file
    type_written_in: Optional[Tuple[str, int, int]] = None
    # (file, line, column, the callee as called here) of the construction an imported project
    # factory returns (`via="project"`)
    built_by: Optional[Tuple[str, int, int, str]] = None
    # torch: the framework-default decay reaches some parameters (no param group overrides
    # it); None when the groups are built out of sight
    default_reaches: Optional[bool] = True
    params_of: Optional[str] = None  # the module whose parameters it optimizes (`model`)
    # the arguments passed by position, in order (up to any `*args`), with their values
    positional: List[Tuple[cst.Arg, Value]] = field(default_factory=list)
    learning_rate: Optional[Value] = None  # the `lr` / `learning_rate` argument, when written
    fused: bool = False  # `fused=True` (torch's single-kernel step)


@dataclass
class ParameterCast:
    """A module whose parameters are put in a dtype: `model.to(torch.bfloat16)`, `.half()`,
    `from_pretrained(..., torch_dtype=torch.bfloat16)`."""

    module: str  # the variable holding the module (`model`)
    dtype: str  # "float32" | "bfloat16" | "float16"
    node: cst.CSTNode  # the call that casts or loads it


@dataclass
class Penalty:
    """A hand-written weights term: coef * Σw² (or Σw²/2 via l2_loss), or coef * ‖w‖ unsquared."""

    term: cst.BaseExpression  # the Σw² (or l2_loss) expression
    product: cst.BaseExpression  # coefficient * term, as written
    coefficient: Optional[Value]
    coefficient_expr: Optional[cst.BaseExpression]
    convention: str  # "sum_sq" | "half_sum_sq" | "norm" (an unsquared L2 norm ‖w‖: no Σw² at all)
    framework: str
    scope: Optional[cst.CSTNode] = None
    over_weights: bool = False  # the squared tensors are parameters, not data or activations
    weights_of: Optional[str] = None  # the module whose parameters are penalized (`model`, `self.fc`)
    norm_calls: List[cst.Call] = field(default_factory=list)  # for "norm": the unsquared norm calls
    names: Tuple[str, ...] = ()  # names the term and the product are bound to (`l2_reg`, `reg_loss`)
    comments: Tuple[str, ...] = ()  # comments on the product's and the term's statements
    # for "norm": the product is summed into a loss (not a divisor) and a loss or penalty name
    # binds it, sums it or is its function's; None where not asked
    loss_term: Optional[bool] = None
    # where the Σw² is summed when a function of another project module returns it
    # (`l2_penalty(model)`): (its file, line, 1-based column, the call as written)
    summed_in: Optional[Tuple[str, int, int, str]] = None


@dataclass
class LossSite:
    """A place where a loss is minimized or differentiated."""

    kind: str  # "minimize" | "compute_gradients" | "estimator_spec" | "tape_gradient" | ...
    call: cst.Call
    loss: Optional[cst.BaseExpression]
    loss_arg: Optional[cst.Arg]
    # True/False when the loss's construction is fully visible in the file, None otherwise
    includes_reg_losses: Optional[bool]
    penalties: List[Penalty] = field(default_factory=list)
    optimizer: Optional[Optimizer] = None
    scope: Optional[cst.CSTNode] = None
    framework: str = ""
    # for a GradientTape: the statement that assigns the loss inside the tape block
    loss_assignment: Optional[cst.Assign] = None
    model_expr: Optional[str] = None  # `model` / `self`, whose .losses would be added
    # every optimizer the stepping/minimizing object may be (a factory's branches), `optimizer` first
    optimizers: List[Optimizer] = field(default_factory=list)


@dataclass
class ChainElement:
    qualname: str
    call: cst.Call
    role: str  # "decay" | "adaptive_scale" | "adaptive_alias" | "alias" | "lr_scale" | "other"
    arg: Optional[cst.Arg] = None  # the cst.Arg of the chain holding this element
    value: Optional[Value] = None  # for add_decayed_weights: the decay
    decay_call: Optional[cst.Call] = None  # the add_decayed_weights call (inside optax.masked too)
    mask: Optional[cst.BaseExpression] = None  # optax.masked(..., mask) / add_decayed_weights(mask=)
    # the optax wrapper `call` is, when qualname/role are the wrapped optimizer's
    # (`optax.inject_hyperparams`, `optax.multi_transform`): its call is not the alias's own
    wrapper: Optional[str] = None


@dataclass
class OptaxChain:
    call: cst.Call
    elements: List[ChainElement]


@dataclass(frozen=True)
class ImportedRegularizer:
    """A regularizer built in another module of the project by a function or class this file calls."""

    path: str  # the module's file
    line: int
    column: int
    framework: str  # "keras" | "tf1"
    has_l2: bool
    collected: bool  # TF1's REGULARIZATION_LOSSES collection (else the Keras model's `losses`)
    builder: str  # the function or class called here (`build_resnet`)
    call: cst.Call  # the call in this file that builds it
    owner: Optional[str] = None  # the variable the call's result is assigned to (`model`)


@dataclass
class FileModel:
    path: str
    source: str
    module: cst.Module
    regularizers: List[Regularizer] = field(default_factory=list)
    optimizers: List[Optimizer] = field(default_factory=list)
    penalties: List[Penalty] = field(default_factory=list)
    loss_sites: List[LossSite] = field(default_factory=list)
    chains: List[OptaxChain] = field(default_factory=list)
    # local name -> qualified module/object it was imported as (`tf` -> `tensorflow`)
    imports: Dict[str, str] = field(default_factory=dict)
    # the imports a fix may spell names with: bound at module level, by imports only
    module_imports: Dict[str, str] = field(default_factory=dict)
    # every comment (`# ...`) of the file, and every docstring / bare string statement, in order
    comments: List[str] = field(default_factory=list)
    docstrings: List[str] = field(default_factory=list)
    # the methods the file calls on each receiver written as a name or dotted name, by its
    # code (`model` -> {"compile", "load_weights", "predict"}), anywhere in the file
    methods_of: Dict[str, Set[str]] = field(default_factory=dict)
    # the names and dotted names the file passes as an argument to some call (`train(model)`)
    passed: Set[str] = field(default_factory=set)
    # module variable -> the one dtype the file puts its parameters in (absent: none, or several)
    parameter_casts: Dict[str, ParameterCast] = field(default_factory=dict)
    # the file hands parameters to a wrapper that may keep float32 master weights (peft, deepspeed, FSDP, ...)
    master_weight_wrappers: bool = False
    # the learning rate is set apart from the constructors (`group["lr"] = ...`, OneCycleLR)
    lr_set_elsewhere: bool = False
    imported_regularizers: List[ImportedRegularizer] = field(default_factory=list)
    # (id of a scope, a model's name there) -> the names of the models whose layers it holds
    # (`m = Model(body.input, ...)`, `m = create_model()` returning such a model): `analysis.model_flow`
    holds: Dict[Tuple[int, str], Set[str]] = field(default_factory=dict)
    # the project modules the analysis read (absolute paths): a cached result is stale once one changes
    depends: Tuple[str, ...] = ()
    # the file's names (`analysis.names.Names`), for the extractors a rule runs on demand
    # (param groups, decay schedules): one libcst walk per file, not one per rule
    names: object = None

    def code(self, node: cst.CSTNode) -> str:
        return self.module.code_for_node(node)
