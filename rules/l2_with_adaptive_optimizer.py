"""## What it does
Flags a coupled L2 penalty that reaches an adaptive optimizer (Adam, Adamax, NAdam,
RAdam, Adagrad, RMSprop, Adadelta, …):
- `torch.optim.Adam(..., weight_decay=λ)` (and the other adaptive `torch.optim`
  classes) with a decay not provably zero, without `decoupled_weight_decay=True` —
  also when configured: MMEngine/mmcv `optimizer = dict(type='Adam', weight_decay=λ)`
  (the `type` string is the `torch.optim` class; a config that writes `type='Adam'` and
  no decay inherits the `weight_decay` its `_base_` files give that dict, reported at the
  `type` with the base's line named; one that writes a decay and no `type` inherits the
  base's class, reported at its decay), timm `create_optimizer_v2(model,
  opt='adam', weight_decay=λ)`, HF `TrainingArguments(optim="adagrad" | "rmsprop",
  weight_decay=λ)` (the default AdamW is decoupled and silent), detectron2 LazyConfig
  `L(torch.optim.Adam)(weight_decay=λ)` (`LazyCall as L`), and a Hydra structured config
  class writing both `_target_ = "torch.optim.Adam"` and `weight_decay = λ`;
- Keras layers with L2 regularizers in a model compiled or trained with an adaptive
  optimizer (`optimizer="adam"`, `keras.optimizers.Adam(...)`) — also when the layers are
  built in another module of the project, or the compiled model wraps the regularized one
  (`Model(body.input, ...)`) or is returned by a factory of this file — but not a script or
  notebook that compiles a model at module level, loads its weights (`load_weights`) and
  never trains it (`fit`, `fit_generator`, `train_on_batch`; nor hands it to a call in a
  file that trains something, `finetune(model)`): an evaluation run, where
  `compile` steps no optimizer (keras 3.15.1 `keras/src/backend/tensorflow/trainer.py`:
  only `fit`, L388/L399, and `train_on_batch`, L623/L629, run `train_step`);
- a hand-written `λ * Σw²` penalty added to a loss minimized by an adaptive optimizer
  (the Σw² may be returned by a function of this file or of another module of the project,
  `5e-4 * l2_penalty(model)`; the message names that function's line);
  the optimizer (for Keras layers and TF1 too) may be returned by a factory of this file
  or of another module of the project (`optimizer = build_optimizer(model)`; the message
  names the factory, its note and related location the line that builds the class);
- `optax.add_decayed_weights(λ)` placed before the Adam scaling in `optax.chain`;
- a TF1 `tf.train.AdamOptimizer` (RMSProp, Adagrad, …) minimizing a loss that
  includes the collected regularization losses or an `l2_loss` penalty.
- the same in training configs (YAML, JSON, `solver.prototxt`, jsonnet; README
  "Training configs"), reported at the decay's key and value: Hydra `_target_:
  torch.optim.Adam` (also composed from a defaults-list group file), Lightning CLI
  `class_path` / `optimizer: Adam`, Ultralytics `optimizer: Adam`, detectron2
  `SOLVER.OPTIMIZER: ADAM` (through `_BASE_`), DeepSpeed `"type": "Adam"` with
  `"adam_w_mode": false` in `params` (and an `adam_w_mode` written outside `params`,
  which DeepSpeed ignores: the config says L2, training runs AdamW), HF / axolotl `optim:
  adagrad` / `rmsprop`, a Caffe solver `type: "Adam"` / `"RMSProp"` / `"AdaGrad"` /
  `"AdaDelta"`, AllenNLP `"type": "adam"` and its `l2` regularizer terms, NeMo
  `model.optim.name: adam` / `adagrad` / `rmsprop` — each with a
  `weight_decay` > 0 written in the file or the files it composes.

## Why is this bad?
An L2 term's gradient `λ·w` goes through the optimizer's per-parameter scaling, so
weights with large gradient history are decayed less: it is not weight decay.
Loshchilov & Hutter ("Decoupled Weight Decay Regularization", ICLR 2019) show that
L2 and weight decay are equivalent for SGD but not for adaptive methods, and that
decoupling the decay improves Adam's generalization.

## Example
```python
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, weight_decay=1e-4)
```

In a Hydra config:
```yaml
optimizer:
  _target_: torch.optim.Adam
  weight_decay: 1e-4
```

## Use instead
```python
optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=1e-2)
```

```yaml
optimizer:
  _target_: torch.optim.AdamW
  weight_decay: 0.01
```

## Fix safety
Unsafe: switching to decoupled decay changes the training method, and the decay
value needs retuning (decoupled values are typically 1e-2–1e-1). torch `Adam` →
`AdamW` (`type='AdamW'` in an MMEngine config, `opt='adamw'` for timm);
`NAdam`/`RAdam` → `decoupled_weight_decay=True` (torch ≥ 2.1/2.2);
`optax.chain(add_decayed_weights(λ), adam(lr))` → `optax.adamw(lr, weight_decay=λ)`,
or `add_decayed_weights` moved after `scale_by_adam`. Keras, TF1 and hand-written
penalties get display-only advice (`AdamW(weight_decay=…)` instead of the L2 term), and
so do `Adagrad`/`RMSprop` (no decoupled flag) and HF `optim=` strings.

A switch to decoupled decay does not carry the coupled value over: λ·w added to the
gradient and then divided by √v̂ has no decoupled equivalent, and AdamW values are
typically 1e-2 to 1e-1 where coupled Adam values are 1e-5 to 5e-4. The torch fixes
therefore write `weight_decay=1e-2` (the low end of that range and torch's AdamW
default) in place of a literal value, and the note says to tune from there; a value
defined elsewhere (`args.weight_decay`, a constant) would be kept unchanged by an edit
here, so that fix is display-only and says which value to start from.

Configs get the same fixes as minimal text edits that keep the file's formatting,
quotes and comments, with the same applicability and the same starting value. Unsafe:
the class is renamed where the format names it (`torch.optim.Adam` → `torch.optim.AdamW`
for Hydra `_target_` and Lightning `class_path`, `optimizer: Adam` → `AdamW` for
Lightning and Ultralytics, `optim: adagrad` / `rmsprop` → `adamw_torch` for HF and
axolotl, AllenNLP `"adam"` → `"adamw"`, NeMo `name: adam` → `adamw`), or a flag is set where the framework reads
one (DeepSpeed `"adam_w_mode": false` → `true`; `decoupled_weight_decay: true` for
NAdam/RAdam under Hydra and Lightning, written as a new entry or set where it says
`false`); and a `weight_decay` number written in the same file becomes `0.01`. A value
written elsewhere (a `${...}` interpolation, a `_BASE_` file, a Hydra group file, a
jsonnet `local`) makes the fix display-only, naming the key to set. Display-only too:
detectron2 (whether `ADAMW` is accepted depends on the project's `build_optimizer`),
an adaptive class with no decoupled twin in its framework (Adagrad, RMSprop, …), a
DeepSpeed `adam_w_mode` outside `params` (move it in, or delete it to keep AdamW),
AllenNLP `l2` regularizer terms, and Caffe (no decoupled solver: `reglint convert
--from-prototxt` prints the lines to write in code).

## Options
None.

## References
- Loshchilov & Hutter, ICLR 2019, arXiv:1711.05101.
- torch `torch/optim/adam.py` (2.14.1 L426/428): `grad = grad.add(param, alpha=weight_decay)`;
  `decoupled_weight_decay` added to Adam in 2.7, NAdam 2.1, RAdam 2.2.
- optax `optax/_src/alias.py` L734-744 (`adamw` = scale_by_adam, add_decayed_weights, scale_by_learning_rate).
- Keras `v3.15.1:keras/src/trainers/trainer.py` L386-391: `fit` adds `model.losses` to the loss.
- MMEngine `mmengine/optim/optimizer/builder.py` L16-35 (every `torch.optim` class registered
  by name); timm `_optim_factory.py` L394-398 (`'adam'` is `torch.optim.Adam`); transformers
  5.24.0 `trainer_optimizer.py` L326/336/348 (`"sgd"`, `"adagrad"`, `"rmsprop"`).
- reglint's docs/semantics.md#pytorch-optimizers, docs/semantics.md#keras-optimizers, docs/semantics.md#optax, docs/semantics.md#training-frameworks and docs/semantics.md#decoupled-weight-decay-paper.
"""

from __future__ import annotations

from reglint.diagnostic import Applicability, Fix
from reglint.frameworks import ADAMW_START
from reglint.frameworks import torch as torch_table
from reglint.rule import Rule
from reglint.rules._common import (
    ADAPTIVE_WORDS, L2_REGULARIZER_WORDS, SQUARE_WORDS, WEIGHT_DECAY_WORDS, format_number, inferred_note, l2_penalties, stated_as,
    imported_keras_l2, reaching, summed_elsewhere, trains_owner,
)
from reglint.rules._decoupling import RETUNE, START, torch_fix, with_start_value
from reglint.rules._common import with_decay as _with_decay

# The L2 term: a regularizer (by call, string or the collection), a Σw², a decay
# (`weight_decay=`, `wd`, optax's `add_decayed_weights`), or a torch class or timm factory
# given its decay by position, which has no word of its own but is a `torch.optim` / `timm.optim`
# name (also as `from torch import optim`) or timm's `create_optimizer`.
L2_TERM_WORDS = (L2_REGULARIZER_WORDS + (b"'l2'", b'"l2"', b"regulariz", b"regularizer") + SQUARE_WORDS + (b"decay",) + WEIGHT_DECAY_WORDS
                 + (b"_base_",)  # an MMEngine config's decay may be written in its base files
                 + (b".optim", b"import optim", b" optim,", b",optim", b" optim\n", b" optim\r", b" optim)", b"create_optimizer"))

# An MMEngine config that names `_base_` files and writes a decay: the adaptive `type` may be
# the base's (`optim_wrapper = dict(optimizer=dict(weight_decay=1e-4))`)
BASE_WORDS = (b"_base_ =", b"_base_=")
# a loss site that takes its optimizer from the file (`analysis.losses`): every one that can
# take an optimizer made by another module's factory writes one of these
STEPPING_WORDS = (b".backward(", b".compile(", b".gradient(", b".minimize(", b"compute_gradients(", b"create_train_op", b"optimize_loss")
DECAY_WRITTEN = rb"weight_decay\s*="
KERAS_COMPILE = b".compile("
# `re.compile(`, `torch.compile(` take no optimizer (the lookbehinds follow the literal: a
# pattern that starts with its literal is searched for fast)
NOT_RE_OR_TORCH = rb"\.compile\((?<!\bre\.compile\()(?<!torch\.compile\()"

RULE = Rule(
    code="RL002",
    name="l2-with-adaptive-optimizer",
    summary="coupled L2 penalty fed to an adaptive optimizer (Adam & co.): not weight decay",
    fix=Applicability.UNSAFE,
    words=(ADAPTIVE_WORDS + BASE_WORDS, L2_TERM_WORDS),
    word_contexts=tuple((word, DECAY_WRITTEN) for word in BASE_WORDS) + ((KERAS_COMPILE, NOT_RE_OR_TORCH),),
    # the layers' regularizers may sit in the module that builds the model, a Σw² in a function
    # of another module (`l2_penalty(model)`), the adaptive optimizer in a factory's module
    # (`optimizer = build_optimizer(model)`) when this file steps, compiles or minimizes something
    project_words=(((b"regularizer",), ()), (SQUARE_WORDS, ()), (ADAPTIVE_WORDS, STEPPING_WORDS)),
    project_pair_words=(KERAS_COMPILE,),  # a Keras model from one module compiled with another's optimizer
    facts=(("adaptive_optimizers", "adaptive_chains", "project_factories"),
           ("regularizers", "penalties", "decay_chains", "coupled_adaptive_decay", "project_builders", "project_penalties")),
)


WHY = "the L2 gradient is rescaled by the adaptive step, so it is not weight decay (Loshchilov & Hutter, ICLR 2019)"


def check(model, settings, report):
    yield from _torch(model, report)
    yield from _keras(model, report)
    yield from _penalties(model, report)
    yield from _optax(model, report)
    yield from _tf1(model, report)


# -- torch ------------------------------------------------------------------------

def _torch(model, report):
    for optimizer in model.optimizers:
        if optimizer.framework != "torch" or not optimizer.adaptive or optimizer.decay_mode != "coupled":
            continue
        value = optimizer.weight_decay
        if not optimizer.explicit or value is None or value.provably_zero:
            continue
        name = optimizer.qualname.rsplit(".", 1)[1]
        amount = format_number(value.number) if value.number is not None else f"`{model.code(value.expr)}` (not provably zero)"
        spelled = model.code(getattr(optimizer.node, "func", optimizer.class_node))
        subject = stated_as(model, optimizer) or f"`{spelled}`"
        if optimizer.decay_written_in is not None:  # a config's decay from a `_base_` file
            yield _inherited(model, report, optimizer, subject, amount)
            continue
        if optimizer.type_written_in is not None:  # a config's class from a `_base_` file
            yield _on_inherited_class(report, optimizer, amount)
            continue
        message = f"{subject} with weight_decay={amount} is a coupled L2 penalty, not weight decay"
        fix = with_start_value(report, optimizer, torch_fix(model, report, optimizer, name))
        note = f"{WHY}; {START}" + inferred_note(optimizer.inferred, spelled)
        yield report.diagnostic(RULE, optimizer.weight_decay_arg, message, fix, note)


def _inherited(model, report, optimizer, subject, amount):
    """An MMEngine config's optimizer that inherits its `weight_decay` from a `_base_` file:
    reported at the class this file writes, the base's line named. The fix stays advice: the
    decay is written in the base (which other configs may share), and either choice (no decay
    here, or decoupled decay retuned) is the author's."""
    where, related = report.elsewhere(*optimizer.decay_written_in, "the inherited `weight_decay`")
    message = f"{subject} inherits weight_decay={amount} from `{where}`: a coupled L2 penalty"
    replacement = torch_table.DECOUPLED_CLASS.get(optimizer.family, "AdamW")
    fix = Fix(Applicability.DISPLAY_ONLY,
              f"Write `weight_decay=0` in this dict, or switch to `type='{replacement}'` with weight_decay={ADAMW_START} here (a starting point; tune)")
    return report.diagnostic(RULE, optimizer.class_node, message, fix, f"{WHY}; {START}", related=(related,))


def _on_inherited_class(report, optimizer, amount):
    """A config dict that writes a decay for the class its `_base_` file names: reported at
    the decay, the base's line named. Advice only: the class is written in the base."""
    where, related = report.elsewhere(*optimizer.type_written_in, "the inherited `type`")
    name = optimizer.qualname.rsplit(".", 1)[1]
    message = f"weight_decay={amount} for the `type='{name}'` of `{where}` ({optimizer.qualname}) is a coupled L2 penalty"
    replacement = torch_table.DECOUPLED_CLASS.get(optimizer.family, "AdamW")
    fix = Fix(Applicability.DISPLAY_ONLY,
              f"Set `type='{replacement}'` here with weight_decay={ADAMW_START} (a starting point; tune), or drop the decay")
    return report.diagnostic(RULE, optimizer.weight_decay_arg, message, fix, f"{WHY}; {START}", related=(related,))


# -- Keras layers + adaptive optimizer ------------------------------------------------

def _keras_l2(model):
    from reglint.frameworks.keras import WEIGHT_REGULARIZER_KEYWORDS

    for regularizer in model.regularizers:
        if regularizer.framework != "keras" or not regularizer.has_l2:
            continue
        if any(a.keyword in WEIGHT_REGULARIZER_KEYWORDS and a.kind in ("keras_layer", "unknown") for a in regularizer.attachments):
            yield regularizer


def _keras(model, report):
    regularizers = list(_keras_l2(model))
    imported = imported_keras_l2(model)
    if not regularizers and not imported:
        return
    owners = {a.owner for r in regularizers for a in r.attachments} | {r.owner for r in imported}
    compiles = [s for s in model.loss_sites if s.kind == "compile"]
    if None in owners and any(s.optimizer is None or not s.optimizer.adaptive for s in compiles):
        return  # several models, some not trained adaptively, and the L2's model is not known
    reported = set()
    for site in model.loss_sites:
        trained = site.kind == "compile" or (site.kind == "tape_gradient" and site.includes_reg_losses)
        if not trained or (None not in owners and not any(trains_owner(model, site, o) for o in owners)) or _served(model, site):
            continue
        optimizers = [site.optimizer] if site.kind == "compile" else [o for o in model.optimizers if o.framework == "keras"]
        for optimizer in optimizers:
            if optimizer is None or not optimizer.adaptive or id(optimizer.node) in reported:
                continue
            reported.add(id(optimizer.node))
            name, built, made = _named(report, optimizer)
            reached = reaching(model, site, imported, owners)
            related = [report.imported(r) for r in reached]
            own = [r for r in regularizers  # those of the model this site trains (all, when one's model is not known)
                   if None in owners or any(trains_owner(model, site, a.owner) for a in r.attachments)]
            if own:
                where = f"line {report.range_of(own[0].call)[0].line}"
            elif related:
                where = f"{related[0][0]}, built by `{reached[0].builder}`"
            else:
                continue
            count = len(own) + len(reached)
            message = f"Keras L2 regularizers ({count}, first at {where}) reach the adaptive optimizer {name}"
            note = f"{built}{WHY}; use `keras.optimizers.AdamW(weight_decay=...)` without the layer L2"
            fix = Fix(Applicability.DISPLAY_ONLY, f"Use `AdamW(weight_decay=...)` and remove the layers' L2 regularizers ({RETUNE})")
            yield report.diagnostic(RULE, optimizer.node, message, fix, note, related=[r for _, r in related] + made)


def _served(model, site) -> bool:
    """A model compiled at module level (a script, a notebook) whose weights the file loads
    and that it never trains: an evaluation or inference run, where `compile` steps no
    optimizer (ssd_keras' evaluation notebooks compile with Adam "so that Keras won't
    complain"). A model compiled inside a function may be trained by its caller, and one
    passed to a call (`finetune(model)`) in a file that trains something (`m.fit(...)`)
    by that call. (Passed to an imported trainer in a file with no training call, it is
    taken as evaluated, as by ssd_keras' `Evaluator(model=model)`.)"""
    from reglint.frameworks.keras import TRAINING_METHODS, WEIGHT_LOADERS

    if site.kind != "compile" or site.model_expr is None or site.scope is not model.module:
        return False
    trains = any(methods & TRAINING_METHODS for methods in model.methods_of.values())
    if site.model_expr in model.passed and trains:
        return False
    methods = model.methods_of.get(site.model_expr, set())
    return bool(methods & WEIGHT_LOADERS) and not methods & TRAINING_METHODS


# -- hand-written penalties ---------------------------------------------------------------

def _penalties(model, report):
    seen = set()
    for site in model.loss_sites:
        optimizer = site.optimizer
        if site.kind == "jax_grad":
            adaptive = _optax_adaptive_only(model)
            name = "an adaptive optax optimizer"
        elif site.kind == "tape_gradient":
            keras_optimizers = [o for o in model.optimizers if o.framework == "keras"]
            adaptive = bool(keras_optimizers) and all(o.adaptive for o in keras_optimizers)
            optimizer = keras_optimizers[0] if keras_optimizers else None
        elif optimizer is not None and optimizer.framework == "tf1":
            continue  # reported once, at the optimizer, by _tf1
        else:
            # a factory's branches: the penalty is minimized by each optimizer it may build
            candidates = site.optimizers or ([optimizer] if optimizer is not None else [])
            optimizer = next((o for o in candidates if o.adaptive and o.family != "adamw"), None)
            adaptive = optimizer is not None
        if not adaptive:
            continue
        built, made = "", []
        if site.kind != "jax_grad":
            name, built, made = _named(report, optimizer)
        for penalty in l2_penalties(site.penalties):
            if id(penalty.product) in seen or penalty.coefficient is None or penalty.coefficient.provably_zero:
                continue
            if not penalty.over_weights:
                continue  # a squared data loss or an activity penalty is not weight decay
            seen.add(id(penalty.product))
            summed, elsewhere = summed_elsewhere(report, penalty)
            summed = f" (Σw² from {summed})" if summed else ""
            message = f"Hand-written L2 penalty `{_short(model.code(penalty.product))}`{summed} is minimized by {name}"
            note = f"{built}{WHY}; drop it and use decoupled weight decay (AdamW / optax.adamw)"
            fix = Fix(Applicability.DISPLAY_ONLY, f"Remove the penalty and use a decoupled optimizer ({RETUNE})")
            yield report.diagnostic(RULE, penalty.product, message, fix, note, related=elsewhere + made)


def _named(report, optimizer):
    """How a message names the optimizer: its class (`Adam`), and for one an imported project
    factory returns, by whom (`Adam (built by `make_optimizer`)`), with a note that says where
    and the related location that carries it."""
    name = optimizer.qualname.rsplit(".", 1)[1]
    if optimizer.built_by is None:
        return name, "", []
    path, line, column, callee = optimizer.built_by
    where, related = report.elsewhere(path, line, column, f"the {name} `{callee}` returns")
    return f"{name} (built by `{callee}`)", f"`{callee}` returns {name} at {where}; ", [related]


def _optax_adaptive_only(model) -> bool:
    """True when every optax optimizer in the file scales adaptively."""
    optax_optimizers = [o for o in model.optimizers if o.framework == "optax"]
    scales = [e for chain in model.chains for e in chain.elements if e.role == "adaptive_scale"]
    if any(not o.adaptive for o in optax_optimizers):
        return False
    return bool(optax_optimizers or scales)


def _short(code: str, limit: int = 60) -> str:
    code = " ".join(code.split())
    return code if len(code) <= limit else code[: limit - 1] + "…"


# -- optax chains ------------------------------------------------------------------------

def _optax(model, report):
    from reglint.frameworks import optax as optax_table

    for chain in model.chains:
        elements = chain.elements
        for index, element in enumerate(elements):
            if element.role != "decay" or _zero_decay(model, element):
                continue
            later = next((e for e in elements[index + 1:] if e.role in ("adaptive_scale", "adaptive_alias")), None)
            if later is None:
                continue
            name = later.qualname.rsplit(".", 1)[1]
            fix = _optax_fix(model, report, chain, element, later, optax_table)
            message = f"`add_decayed_weights` before `{name}` in optax.chain is a coupled L2 penalty"
            note = WHY
            if fix.edits:
                note += f"; {fix.message[0].lower()}{fix.message[1:]}"
            yield report.diagnostic(RULE, element.decay_call, message, fix, note)


def _zero_decay(model, element) -> bool:
    """`add_decayed_weights(weight_decay)` whose value is provably zero (a 0.0 default, say)."""
    value = element.value
    return value is not None and value.provably_zero


def _optax_fix(model, report, chain, decay, later, optax_table):
    """Adam alias -> adamw(weight_decay=...), or swap the decay with the adaptive scaling after it.

    Edits touch only the chain's elements, never its layout, so indentation and
    trailing commas stay as the user wrote them.
    """
    args = [a for a in chain.call.args if a.keyword is None and not a.star]
    decay_arg, later_arg = decay.arg, later.arg
    positional_extra = any(a.keyword is None for a in decay.decay_call.args[1:])
    if decay_arg is None or later_arg is None or positional_extra or later.wrapper is not None:
        return Fix(Applicability.DISPLAY_ONLY, "Use `optax.adamw(...)` or move `add_decayed_weights` after the adaptive scaling")
    following = args[args.index(decay_arg) + 1]
    if later.role == "adaptive_alias" and later.qualname in optax_table.DECOUPLED_FORM:
        decoupled = optax_table.DECOUPLED_FORM[later.qualname].rsplit(".", 1)[1]
        new_call = _with_decay(later.call, decoupled, decay)
        delete = report.replace_between(decay_arg, following, "")
        return Fix(Applicability.UNSAFE, f"Use `optax.{decoupled}(..., weight_decay=...)` ({RETUNE})",
                   (delete, report.replace(later.call, model.code(new_call))))
    if later.role == "adaptive_scale" and following is later_arg:
        edits = (report.replace(decay.call, model.code(later.call)), report.replace(later.call, model.code(decay.call)))
        return Fix(Applicability.UNSAFE, "Move `add_decayed_weights` after the adaptive scaling (decoupled, as optax.adamw does)", edits)
    return Fix(Applicability.DISPLAY_ONLY, f"Use a decoupled optimizer such as `optax.adamw`, or move `add_decayed_weights` after the adaptive scaling ({RETUNE})")


# -- TF1 -----------------------------------------------------------------------------------

def _tf1(model, report):
    l2 = [r for r in model.regularizers if r.has_l2 and any(a.collected for a in r.attachments)]
    reported = set()
    for site in model.loss_sites:
        optimizer = site.optimizer
        if optimizer is None or optimizer.framework != "tf1" or not optimizer.adaptive or optimizer.decay_mode == "decoupled":
            continue
        reaches = (site.includes_reg_losses and l2) or l2_penalties(site.penalties)
        if not reaches or id(optimizer.node) in reported:
            continue
        reported.add(id(optimizer.node))
        what = "the collected L2 regularization losses" if site.includes_reg_losses and l2 else "an l2_loss penalty"
        name, built, made = _named(report, optimizer)
        message = f"{name} minimizes a loss with {what}"
        note = f"{built}{WHY}; use a decoupled optimizer (tf.contrib.opt.AdamWOptimizer / AdamW)"
        fix = Fix(Applicability.DISPLAY_ONLY, f"Use decoupled weight decay instead of the L2 loss term ({RETUNE})")
        yield report.diagnostic(RULE, optimizer.node, message, fix, note, related=made)
