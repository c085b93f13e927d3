"""## What it does
Flags a model regularized twice: an L2 penalty on its weights *and* a weight decay in
the optimizer that trains it.
- Keras layers with L2 regularizers (`kernel_regularizer=l2(…)`, also built by a function
  of another project module, as RL002 follows them) in a model compiled
  with (or trained in a `GradientTape` loop that adds `model.losses` by) an optimizer
  that decays weights: `weight_decay=` on any tf.keras ≥ 2.11 / Keras 3 optimizer,
  `AdamW` (default 0.004, also `optimizer="adamw"`), tfa `AdamW`/`SGDW`;
- a hand-written `λ·Σw²` penalty over a model's parameters (the Σw² also returned by a
  function of another project module, `l2_penalty(model)`) in a loss whose
  `backward()` is stepped by a torch optimizer with a nonzero `weight_decay` (AdamW's
  default 0.01 included);
- a hand-written penalty in a JAX loss when the file's one optax optimizer decays
  (`optax.adamw`, default 1e-4, or `add_decayed_weights` in a chain);
- TF1 collected L2 regularizers or an `l2_loss` penalty minimized by
  `tf.contrib.opt.AdamWOptimizer` / `MomentumWOptimizer`;
- in an AllenNLP config (JSON / jsonnet), an `l2` regularizer term in `model.regularizer`
  with the trainer's optimizer decaying too: a written `weight_decay` > 0, or the class's
  default (`adamw`, `huggingface_adamw`: 0.01). Display-only, as in Python.

The rule is silent when it cannot tell that both act on the same model: several
models compiled in one file, several optimizers, a penalty over another module's
parameters than the optimizer's.

## Why is this bad?
Each mechanism shrinks the same weights; together the effective regularization is
the sum of both, usually far stronger than either was tuned for (a recipe's
`weight_decay` plus a layer `l2` copied from another recipe). With an adaptive
optimizer the two are not even the same kind of decay — one passes through Adam's
normalization, the other does not — so neither value means what its recipe says.

## Example
```python
import keras
from keras import layers, regularizers

model = keras.Sequential([
    layers.Dense(256, activation="relu", kernel_regularizer=regularizers.l2(1e-4)),
    layers.Dense(10),
])
model.compile(optimizer=keras.optimizers.AdamW(learning_rate=1e-3, weight_decay=0.05), loss="mse")
```

## Use instead
```python
model.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-3), loss="mse")
```

## Fix safety
Display-only: which of the two to keep is a modelling decision, and either choice
changes training. Decoupled weight decay alone is the usual choice with AdamW-style
optimizers; keep the L2 penalty alone to reproduce a Caffe/SGD recipe.

## Options
None.

## References
- Keras `v3.15.1:keras/src/trainers/trainer.py` L386-391 (`fit` adds `model.losses`) and
  `base_optimizer.py` L952-959 (`weight_decay=` decays every variable).
- torch `torch/optim/adamw.py` (default `weight_decay=1e-2`), `sgd.py` (coupled `weight_decay`).
- optax `optax/_src/alias.py` L598-605 (`adamw` default `weight_decay=1e-4`).
- tensorflow/addons `weight_decay_optimizers.py` L198-206: `var.assign_sub(wd * var)` per step,
  not multiplied by the learning rate.
- reglint's docs/semantics.md#keras-regularizers, docs/semantics.md#pytorch-optimizers, docs/semantics.md#keras-optimizers, docs/semantics.md#optax.
"""

from __future__ import annotations

from reglint.diagnostic import Applicability, Fix
from reglint.frameworks.keras import WEIGHT_REGULARIZER_KEYWORDS
from reglint.rule import Rule
from reglint.rules._common import (
    SQUARE_WORDS, TORCH_CLASS_WORDS, format_number, imported_keras_l2, l2_penalties, reaching, stated_as, summed_elsewhere,
    switched_off, trains_owner,
)

# an optimizer that decays: a `weight_decay` argument or key, AdamW-style classes and strings
# (`adamw`, `nadamw`), optax's `add_decayed_weights`, tfa / tf.contrib `SGDW` / `MomentumW`,
# a torch class given its decay by position (`SGD(params, 0.1, 0.9, 0, 5e-4)`)
DECAY_WORDS = (b"decay", b"damw", b"sgdw", b"momentumw") + TORCH_CLASS_WORDS
# what trains the model (the loss sites `check` reads): Keras compile / a tape loop, torch
# backward, jax.grad (`value_and_grad(`, `grad as g`), TF1 minimize & co.
TRAINING_WORDS = (b"compile(", b"compile (", b"gradienttape", b"backward(", b"backward (", b"grad(", b"grad (", b"grad as",
                  b"minimize", b"compute_gradients", b"create_train_op", b"optimize_loss")
# `grad(` counts as JAX's `grad(` / `jax.grad(` / `value_and_grad(` (`frameworks.jax.GRAD_TRANSFORMS`),
# not inside another name: torch's `no_grad(` / `enable_grad(` train nothing
GRAD_CALL = rb"grad(?:(?<!\wgrad)|(?<=value_and_grad))\s*\("  # its literal first: searched for fast

RULE = Rule(
    code="RL005",
    name="double-regularization",
    summary="L2 penalty and optimizer weight decay on the same model (regularized twice)",
    fix=Applicability.DISPLAY_ONLY,
    words=(DECAY_WORDS, (b"regularizer",) + SQUARE_WORDS, TRAINING_WORDS),
    # the L2 layers may be built, or the Σw² summed, in a project module this file imports (`reglint.builders`)
    project_words=(((b"regularizer",), ()), (SQUARE_WORDS, ())),
    word_contexts=((b"grad(", GRAD_CALL), (b"grad (", GRAD_CALL)),
    facts=(("regularizers", "penalties", "project_builders", "project_penalties"), ("optimizers", "decay_chains")),
)


WHY = "both shrink the same weights, so the total is stronger than either was tuned for"
KEEP_ONE = "Keep one: the optimizer's decoupled weight decay (usual with AdamW) or the L2 penalty (a Caffe/SGD recipe)"
PER_STEP = ("; tfa / tf.contrib apply this decay per step, not multiplied by the learning rate, "
            "so it is stronger than a torch/Keras value of the same size")


def check(model, settings, report):
    yield from _keras(model, report)
    yield from _torch(model, report)
    yield from _optax(model, report)
    yield from _tf1(model, report)


def _decays(optimizer) -> bool:
    """The optimizer applies a weight decay that is not provably zero."""
    value = optimizer.weight_decay
    if optimizer.hidden_arguments and not optimizer.explicit:
        return False
    if value is None or value.provably_zero or optimizer.decay_mode == "lr_decay" and not optimizer.explicit:
        return False
    return optimizer.explicit or optimizer.default_reaches is True


def _amount(model, optimizer) -> str:
    value = optimizer.weight_decay
    if not optimizer.explicit:
        return f"{format_number(value.number)} (its default)"
    return format_number(value.number) if value.number is not None else f"`{model.code(value.expr)}`"


def _where(model, optimizer):
    """The node that states the decay: its argument, or the optimizer when it is a default."""
    return optimizer.weight_decay_arg if optimizer.explicit and optimizer.weight_decay_arg is not None else optimizer.node


def _name(model, optimizer) -> str:
    return stated_as(model, optimizer) or f"`{optimizer.qualname.rsplit('.', 1)[-1]}`"


def _line(report, node) -> int:
    return report.range_of(node)[0].line


def _report(model, report, optimizer, other: str, owner: str, related=()):
    message = f"{owner} is regularized twice: {other} and {_name(model, optimizer)} weight decay {_amount(model, optimizer)}"
    note = WHY if optimizer.decay_scaled_by_lr else WHY + PER_STEP
    fix = Fix(Applicability.DISPLAY_ONLY, KEEP_ONE)
    return report.diagnostic(RULE, _where(model, optimizer), message, fix, note, related=list(related))


# -- Keras layers + an optimizer that decays ------------------------------------------------

def _keras(model, report):
    regularizers = [
        r for r in model.regularizers
        if r.framework == "keras" and r.has_l2
        and any(a.kind == "keras_layer" and a.keyword in WEIGHT_REGULARIZER_KEYWORDS for a in r.attachments)
    ]
    imported = imported_keras_l2(model)
    if not regularizers and not imported:
        return
    owners = {a.owner for r in regularizers for a in r.attachments if a.kind == "keras_layer"} | {r.owner for r in imported}
    compiles = [s for s in model.loss_sites if s.kind == "compile"]
    tapes = [s for s in model.loss_sites if s.kind == "tape_gradient" and s.includes_reg_losses]
    trained = {s.model_expr for s in compiles + tapes}
    if None in owners and len(trained) > 1:
        return  # some L2 layers' model is not known and the file trains several models
    keras_optimizers = [o for o in model.optimizers if o.framework == "keras"]
    reported = set()
    for site in compiles + tapes:
        if None not in owners and not any(trains_owner(model, site, o) for o in owners):
            continue
        if site.kind == "compile":
            optimizer = site.optimizer
        else:  # a custom loop: only when the file has one Keras optimizer
            optimizer = keras_optimizers[0] if len(keras_optimizers) == 1 else None
        if optimizer is None or id(optimizer.node) in reported or not _decays(optimizer):
            continue
        reported.add(id(optimizer.node))
        reached = reaching(model, site, imported, owners)
        related = [report.imported(r) for r in reached]  # each names its builder
        if regularizers:
            where = f"line {min(_line(report, r.call) for r in regularizers)}"
        elif related:
            where = related[0][0]
        else:
            continue
        owner = f"`{site.model_expr}`" if site.model_expr else "The model"
        other = f"Keras L2 regularizers on its layers ({len(regularizers) + len(reached)}, first at {where})"
        yield _report(model, report, optimizer, other, owner, (r for _, r in related))


# -- torch: a hand-written penalty + weight_decay --------------------------------------------

def _same_module(a, b) -> bool:
    """`model` and `model.fc` are the same model, and so are `self.model` and the `model`
    it was assigned from; `G` and `D`, `self.generator` and `self.critic` are not."""
    return a == b or a.startswith(b + ".") or b.startswith(a + ".") or a.rsplit(".", 1)[-1] == b.rsplit(".", 1)[-1]


def _torch(model, report):
    reported = set()
    for site in model.loss_sites:
        optimizer = site.optimizer
        if site.kind != "backward" or optimizer is None or optimizer.framework != "torch" or not _decays(optimizer):
            continue
        for penalty in l2_penalties(site.penalties):
            if not penalty.over_weights or penalty.coefficient is None or switched_off(penalty.coefficient):
                continue
            if penalty.weights_of and optimizer.params_of and not _same_module(penalty.weights_of, optimizer.params_of):
                continue  # the penalty is on another module than the optimizer trains
            if id(optimizer.node) in reported:
                break
            reported.add(id(optimizer.node))
            owner = f"`{penalty.weights_of or optimizer.params_of}`" if (penalty.weights_of or optimizer.params_of) else "The model"
            summed, elsewhere = summed_elsewhere(report, penalty)
            summed = f"; Σw² from {summed}" if summed else ""
            other = f"a hand-written L2 penalty (line {_line(report, penalty.product)}{summed})"
            yield _report(model, report, optimizer, other, owner, elsewhere)


# -- JAX: a hand-written penalty + an optax optimizer that decays ------------------------------

def _optax(model, report):
    sites = [s for s in model.loss_sites if s.kind == "jax_grad" and any(_weight_penalty(p) for p in s.penalties)]
    if not sites:
        return
    optimizers = [o for o in model.optimizers if o.framework == "optax"]
    decaying = [o for o in optimizers if o.decay_mode == "decoupled" and _decays(o)]
    decays_in_chains = [(chain, e) for chain in model.chains for e in chain.elements
                        if e.role == "decay" and e.value is not None and not e.value.provably_zero]
    in_chain = {id(e.call) for chain in model.chains for e in chain.elements}
    plain = [o for o in optimizers if o not in decaying and id(o.node) not in in_chain]
    if len(decaying) + len(decays_in_chains) != 1 or plain or len(sites) > 1 and len({id(s.scope) for s in sites}) > 1:
        return  # attribution is ambiguous: several optax optimizers or several losses
    penalty = next(p for p in sites[0].penalties if _weight_penalty(p))
    other = f"a hand-written L2 penalty in the loss (line {_line(report, penalty.product)})"
    if decaying:
        yield _report(model, report, decaying[0], other, "The model")
        return
    _, element = decays_in_chains[0]
    amount = format_number(element.value.number) if element.value.number is not None else f"`{model.code(element.value.expr)}`"
    message = f"The model is regularized twice: {other} and `add_decayed_weights` {amount} in optax.chain"
    fix = Fix(Applicability.DISPLAY_ONLY, "Keep one: the optax weight decay or the L2 penalty")
    yield report.diagnostic(RULE, element.decay_call, message, fix, WHY)


def _weight_penalty(penalty) -> bool:
    """A Σw² penalty over the model's parameters, switched on."""
    return penalty.convention != "norm" and penalty.over_weights and penalty.coefficient is not None and not switched_off(penalty.coefficient)


# -- TF1: collected L2 / l2_loss + a decoupled contrib optimizer ---------------------------------

def _tf1(model, report):
    collected = [r for r in model.regularizers if r.has_l2 and any(a.collected for a in r.attachments)]
    reported = set()
    for site in model.loss_sites:
        optimizer = site.optimizer
        if optimizer is None or optimizer.framework != "tf1" or optimizer.decay_mode != "decoupled" or not _decays(optimizer):
            continue
        penalties = [p for p in site.penalties if _weight_penalty(p)]
        if site.includes_reg_losses and collected:
            first = min(_line(report, r.call) for r in collected)
            other = f"the collected L2 regularization losses (first at line {first})"
        elif penalties:
            other = f"a hand-written L2 penalty (line {_line(report, penalties[0].product)})"
        else:
            continue
        if id(optimizer.node) in reported:
            continue
        reported.add(id(optimizer.node))
        yield _report(model, report, optimizer, other, "The model")
