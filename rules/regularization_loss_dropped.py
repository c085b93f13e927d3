"""## What it does
Flags regularizers whose losses never reach the minimized loss:
- TF1: `kernel_regularizer=` on `tf.layers` / `tf.compat.v1.layers`,
  `weights_regularizer=` on `tf.contrib.layers` / slim layers and `slim.arg_scope`,
  `regularizer=` on `tf.get_variable` / `variable_scope` — in a file whose loss passed
  to `optimizer.minimize`, `compute_gradients`, `create_train_op` or
  `EstimatorSpec(loss=…)` never includes `tf.losses.get_regularization_loss()`,
  `get_regularization_losses()`, `get_total_loss()` or the `REGULARIZATION_LOSSES`
  collection;
- TF2 / Keras: layers with `kernel_regularizer=` (or any regularizer) trained by a
  custom `tf.GradientTape` loop — including a `train_step` override — whose loss
  never adds `model.losses` / `self.losses`.

Training through Keras's own `fit` (which adds `model.losses`) is silent, and so is
a file with regularizers but no visible training loss, or a loss built outside the
file (the rule only judges a loss whose construction it can see). A loss that adds its
own L2 penalty over the weights (`loss = losses + wd * tf.add_n([tf.nn.l2_loss(v) for v
in tf.trainable_variables()])`, as tensorflow/tpu's Inception `model_fn` does under a slim
`arg_scope` that also sets `weights_regularizer`) replaced the collection on purpose:
adding it as well would regularize the weights twice, so that is silent too.

## Why is this bad?
TF1 regularizers only *add a tensor to a collection*, and Keras layers only record
it in `model.losses`. An estimator `model_fn` or a custom loop must add them by hand;
otherwise the regularizer does nothing, silently.

## Example
```python
logits = tf.layers.dense(x, 10, kernel_regularizer=tf.contrib.layers.l2_regularizer(1e-4))
loss = tf.losses.sparse_softmax_cross_entropy(labels, logits)
train_op = tf.train.MomentumOptimizer(0.1, 0.9).minimize(loss, global_step=step)
```

## Use instead
```python
train_op = tf.train.MomentumOptimizer(0.1, 0.9).minimize(
    loss + tf.losses.get_regularization_loss(), global_step=step)
```

## Fix safety
Unsafe: adding the missing term changes training numerics. Under an adaptive optimizer
with coupled decay (`AdamOptimizer`, Keras `Adam`, ...) the fix is display-only: the
added L2 terms would be rescaled by the adaptive step — coupled L2, not weight decay,
which RL002 reports — so the message says so and the help points to decoupled weight
decay (`tf.contrib.opt.AdamWOptimizer`, `AdamW`) instead of writing code the next run
would flag. TF1 losses get
`+ tf.losses.get_regularization_loss()` spelled with the file's own module alias
(`tf.compat.v1.losses…` where the file uses `tf.compat.v1`); a GradientTape loss gets
`+ sum(model.losses)` inside the tape block (outside it the term has no gradient).

## Options
None.

## References
- TensorFlow `tensorflow/python/ops/losses/util.py` `get_total_loss`: "Otherwise
  regularization arguments on tf.layers methods will not function."
- TensorFlow `legacy_tf_layers/base.py`: layer losses go to `GraphKeys.REGULARIZATION_LOSSES`.
- tensorflow/estimator `estimator.py`/`model_fn.py`: no reference to regularization.
- Keras guide `writing_a_custom_training_loop_in_tensorflow.py` L297-342:
  `loss_value += sum(model.losses)`.
- tensorflow/tensorflow#33556, #30866; hunglc007/tensorflow-yolov4-tflite#369.
"""

from __future__ import annotations

from reglint.diagnostic import Applicability, Fix
from reglint.rule import Rule
from reglint.rules._common import l2_penalties, plus_code

# where a loss is minimized or differentiated (`reglint.facts.LOSS_SITE_NAMES`, lowercased)
# every spelling of TensorFlow, Keras or slim: `import tensorflow as tf`, `from keras import`,
# `import tf_slim as slim`, a `tf` imported from another module and used as `tf.`
TF_WORDS = (b"tensorflow", b"keras", b"tf.", b"slim")
LOSS_SITE_WORDS = (b"minimize", b"compute_gradients", b"estimatorspec", b"gradient", b"create_train_op", b"optimize_loss")

RULE = Rule(
    code="RL003",
    name="regularization-loss-dropped",
    summary="regularizer losses (TF1 collection / model.losses) never added to the minimized loss",
    fix=Applicability.UNSAFE,
    # the regularizer may be built in another module of the project, by a function imported here
    # the regularizers and loss sites are TensorFlow's or Keras's: a file with neither name
    # (torch code saying "gradient" everywhere) asks no project module about builders
    words=(b"regularizer", LOSS_SITE_WORDS, TF_WORDS),
    project_words=(((b"regularizer",), ()),),
    facts=(("regularizers", "project_builders"), "loss_sites"),
)


TF1_KINDS = ("minimize", "compute_gradients", "create_train_op", "gradients", "estimator_spec")
TF1_WHY = "TF1 regularizers only add a tensor to a collection; unless the minimized loss adds it, they do nothing"
TAPE_WHY = "Keras layers only record their penalties in `.losses`; a custom loop must add them inside the tape"


def _coupled_under(site, regularizers) -> str:
    """The adaptive optimizer (coupled decay) the added L2 terms would reach, or ''."""
    optimizer = site.optimizer
    if optimizer is None or not optimizer.adaptive or optimizer.decay_mode == "decoupled":
        return ""
    if not any(r.has_l2 for r in regularizers):
        return ""
    return optimizer.qualname.rsplit(".", 1)[-1]


def _coupled_fix(adaptive: str, term: str) -> Fix:
    """Display-only: adding the L2 losses under Adam & co. would be coupled L2 (RL002's concern)."""
    return Fix(Applicability.DISPLAY_ONLY, f"Under `{adaptive}`, use decoupled weight decay (`tf.contrib.opt.AdamWOptimizer` "
                                           f"/ `AdamW`) instead of the L2 regularizers; adding `{term}` would be coupled L2")


def _coupled_note(adaptive: str) -> str:
    return f"; under `{adaptive}` the added L2 terms would be rescaled by the adaptive step: coupled L2, not weight decay (RL002)"


def check(model, settings, report):
    yield from _tf1(model, report)
    yield from _tape(model, report)


def _first_line(report, regularizers) -> int:
    return min(report.range_of(r.call)[0].line for r in regularizers)


def _where(report, regularizers, imported, local: str, other: str):
    """Which regularizers a message names: `this file's regularizers (first at line N)` or
    `the regularizers built in models.py:N (by `f`)`, and the related locations."""
    if regularizers:
        return f"{local} (first at line {_first_line(report, regularizers)})", ()
    named = [report.imported(r) for r in imported]
    return f"{other} built in {named[0][0]} (by `{imported[0].builder}`)", tuple(r for _, r in named)


def _tf1(model, report):
    collected = [r for r in model.regularizers if any(a.collected for a in r.attachments)]
    imported = [r for r in model.imported_regularizers if r.collected]
    if not collected and not imported:
        return
    sites = [s for s in model.loss_sites if s.kind in TF1_KINDS and s.framework == "tf1"]
    minimized_scopes = {id(s.scope) for s in sites if s.kind != "estimator_spec"}
    for site in sites:
        if site.includes_reg_losses is not False or site.loss_arg is None or _penalized_by_hand(site):
            continue
        if site.kind == "estimator_spec" and id(site.scope) in minimized_scopes:
            continue  # the minimize call in the same model_fn is the one reported
        term = _regularization_loss_call(model)
        where, related = _where(report, collected, imported, "this file's regularizers", "the regularizers")
        message = f"Loss never adds the REGULARIZATION_LOSSES of {where}"
        adaptive = _coupled_under(site, collected + imported)
        note = TF1_WHY + (_coupled_note(adaptive) if adaptive else "")
        if adaptive:
            fix = _coupled_fix(adaptive, term or "tf.losses.get_regularization_loss()")
        elif term is None or (site.kind == "estimator_spec" and site.loss_assignment is None):
            fix = Fix(Applicability.DISPLAY_ONLY, "Add `tf.losses.get_regularization_loss()` where the loss is built")
        elif site.kind == "estimator_spec":
            # the reported loss alone trains nothing: add the term where the loss is built
            fixed = plus_code(model.module, site.loss_assignment.value, term)
            fix = Fix(Applicability.UNSAFE, f"Add the regularization loss: `{fixed}`", (report.replace(site.loss_assignment.value, fixed),))
        else:
            fixed = plus_code(model.module, site.loss, term)
            fix = Fix(Applicability.UNSAFE, f"Add the regularization loss: `{fixed}`", (report.replace(site.loss, fixed),))
        yield report.diagnostic(RULE, site.loss, message, fix, note, related)


def _penalized_by_hand(site) -> bool:
    """The loss adds its own L2 over the weights (`losses + wd * tf.add_n([tf.nn.l2_loss(v) ...])`):
    the collected penalties were replaced on purpose, and adding them too would regularize twice."""
    return any(p.over_weights and p.coefficient is not None and not p.coefficient.provably_zero
               for p in l2_penalties(site.penalties))


def _regularization_loss_call(model):
    """`tf.losses.get_regularization_loss()`, spelled with the alias the file imports."""
    for local, target in model.imports.items():
        if target in ("tensorflow.compat.v1", "tensorflow.compat.v1.compat.v1"):
            return f"{local}.losses.get_regularization_loss()"
    for local, target in model.imports.items():
        if target == "tensorflow":
            uses_compat = f"{local}.compat.v1." in model.source
            return f"{local}.compat.v1.losses.get_regularization_loss()" if uses_compat else f"{local}.losses.get_regularization_loss()"
    return None


def _tape(model, report):
    keras_regularized = [
        r for r in model.regularizers
        if any(a.kind == "keras_layer" for a in r.attachments) and (r.kind != "l1l2" or r.has_l2 or r.l2 is None)
    ]
    imported = [r for r in model.imported_regularizers if r.framework == "keras" and not r.collected]
    if not keras_regularized and not imported:
        return
    owners = {a.owner for r in keras_regularized for a in r.attachments if a.kind == "keras_layer"} | {r.owner for r in imported}
    tapes = [s for s in model.loss_sites if s.kind == "tape_gradient"]
    if None in owners and any(s.includes_reg_losses for s in tapes):
        return  # the file adds some model's losses: the other tapes' models may have none (a GAN's critic)
    for site in tapes:
        if site.includes_reg_losses is not False or site.loss_arg is None or _penalized_by_hand(site):
            continue
        if None not in owners and site.model_expr not in owners:
            continue  # this tape trains a model without regularizers
        owner = site.model_expr or "model"
        reaching = [r for r in imported if r.owner in (None, site.model_expr) or None in owners]
        if not keras_regularized and not reaching:
            continue
        where, related = _where(report, keras_regularized, reaching, "the layer regularizers", "the layer regularizers")
        term = f"sum({owner}.losses)"
        message = f"GradientTape loss never adds `{owner}.losses`, the penalties of {where}"
        adaptive = _coupled_under(site, keras_regularized + reaching)
        note = TAPE_WHY + (_coupled_note(adaptive) if adaptive else "")
        assignment = site.loss_assignment
        if adaptive:
            fix = _coupled_fix(adaptive, term)
        elif assignment is not None and site.model_expr is not None:
            fixed = plus_code(model.module, assignment.value, term)
            fix = Fix(Applicability.UNSAFE, f"Add the layer losses inside the tape: `{fixed}`", (report.replace(assignment.value, fixed),))
        else:
            fix = Fix(Applicability.DISPLAY_ONLY, f"Add `{term}` to the loss computed inside the tape")
        yield report.diagnostic(RULE, site.loss, message, fix, note, related)
