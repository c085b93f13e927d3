"""Fact kinds: one cheap predicate per kind of fact a rule reads, keyed by name.

A rule declares the fact kinds it needs (`Rule.facts`); the engine reads the file's
code with CPython's `ast` (`reglint.screen.Code`) and runs the rule only if each of
its needs holds. A predicate answers "could the extractor find a fact of this kind
here?": False only when it cannot, so it is checked against the extractor on every
fixture, example, generated program and corpus file (tests/test_screen.py).

Each section below belongs to one extractor concern; when the extractor is split
into `reglint/analysis/`, each predicate moves next to its extractor module and
only its `FACT_KINDS` entry's import changes.
"""

from __future__ import annotations

from typing import Callable, Dict

from reglint.frameworks import canonical
from reglint.frameworks import optax as optax_table
from reglint.frameworks import tf1 as tf1_table
from reglint.frameworks.hydra import TARGET_FIELD
from reglint.frameworks.mmengine import BASE_KEY
from reglint.intent import L2_COMMENT, L2_NAME, PORTING, WEIGHT_DECAY_COMMENT, is_weight_decay_name, marks_fragments, names_no_decay_parameter, snake
from reglint.screen import Code, tables


# -- regularizers (Keras / TF1 layer regularizers) ----------------------------------

def may_have_regularizers(code: Code, callees: str = "regularizers") -> bool:
    """A regularizer, by the last name of its callee (in `tables()[callees]`), or a Keras
    regularizer string (`kernel_regularizer="l2"`)."""
    names = tables()
    return not code.all_names.isdisjoint(names[callees]) or not code.regularizer_strings.isdisjoint(names["regularizer_strings"])


def may_have_sum_sq_l2_regularizers(code: Code) -> bool:
    """A regularizer whose L2 term is λ·Σw² (`Regularizer.convention == "sum_sq"`: Keras `l2`,
    `L1L2`, a `"l2"` string), not TF1's halved `l2_regularizer`, by the callee's last name."""
    return may_have_regularizers(code, "sum_sq_l2_regularizers")


def may_have_default_coefficients(code: Code) -> bool:
    """A Keras L2 left at its default coefficient, as RL006 reads one: `*_regularizer="l2"`,
    a regularizer (or a name bound to one) called without arguments, or `l1_l2` (or such
    a name) given no `l2`."""
    names = tables()
    if not code.regularizer_strings.isdisjoint(names["regularizer_strings"]):
        return True
    if code.all_names.isdisjoint(names["regularizers"]):
        return False
    return (not code.argless_callees.isdisjoint(names["regularizers"] | code.aliases)
            or not code.l2_less_callees.isdisjoint(names["l2_less_regularizers"] | code.aliases))


# -- optimizers (classes, factories, config dicts, TrainingArguments, timm) -----------

def _structured_target(code: Code, classes) -> bool:
    """A Hydra structured config naming one of `classes`: a `_target_` field and a dotted
    string ending in the class (`_target_: str = "torch.optim.Adam"`, `analysis.structured`)."""
    return TARGET_FIELD in code.names and not code.dotted_string_tails.isdisjoint(classes)


def may_have_optimizers(code: Code) -> bool:
    names = tables()
    if not code.all_names.isdisjoint(names["optimizers"]) or _structured_target(code, names["torch_classes"]):
        return True
    if "dict" in code.all_names and not code.strings.isdisjoint(names["torch_classes"]):
        return True
    strings = names["optimizer_strings"]
    return any(text.lower() in strings for text in code.strings if len(text) <= 12)


def may_have_adaptive_optimizers(code: Code) -> bool:
    """An optimizer that could be adaptive: an adaptive class or alias by its (last) name,
    a factory that picks its class from a string, an MMEngine `dict(type=...)` naming an
    adaptive torch class (or a config dict whose bases may name it), or a Keras optimizer
    string of an adaptive one."""
    names = tables()
    if not code.all_names.isdisjoint(names["adaptive_optimizers"]) or not code.all_names.isdisjoint(names["optimizer_factories"]):
        return True
    if "dict" in code.all_names and not code.strings.isdisjoint(names["adaptive_optimizers"]):
        return True
    if _structured_target(code, names["adaptive_optimizers"]) or _decay_over_base(code):
        return True
    strings = names["adaptive_optimizer_strings"]
    return any(text.lower() in strings for text in code.strings if len(text) <= 12)


def _decay_over_base(code: Code) -> bool:
    """An MMEngine config dict that writes a decay and no `type`, which it may take from a
    `_base_` file (`optim_wrapper = dict(optimizer=dict(weight_decay=1e-4))`,
    `analysis.optimizers._inherited_type`)."""
    return BASE_KEY in code.names and not code.untyped_dict_keywords.isdisjoint(tables()["torch_decay_keywords"])


def may_have_explicit_torch_decay(code: Code) -> bool:
    """An optimizer with an explicit (coupled) weight decay: `weight_decay=` in a call
    that could build an optimizer, a `"weight_decay"` param-group key, such a call
    with enough positional arguments (`extract._optimizer`, `_decayed_group`), or an
    MMEngine config dict merged into `_base_` files (`analysis.config_bases`)."""
    names = tables()
    keywords = names["torch_decay_keywords"]
    if not (code.optimizer_keywords.isdisjoint(keywords) and code.dict_keys.isdisjoint(keywords)):
        return True
    if TARGET_FIELD in code.names and not code.names.isdisjoint(keywords):  # a structured config's field
        return True
    if BASE_KEY in code.names and "dict" in code.all_names:  # an MMEngine config: its bases may write it
        return True
    return code.optimizer_positional > names["torch_decay_position"]


def may_have_coupled_adaptive_decay(code: Code) -> bool:
    """An explicit torch decay that may be a coupled L2 under an adaptive step: such a
    decay, and an adaptive torch class with coupled decay (by name, as an MMEngine
    `dict(type=...)` string) or a factory that picks the class from a string."""
    if not may_have_explicit_torch_decay(code):
        return False
    names = tables()
    coupled = names["coupled_adaptive_torch"]
    return (not code.all_names.isdisjoint(coupled) or not code.all_names.isdisjoint(names["optimizer_factories"])
            or ("dict" in code.all_names and not code.strings.isdisjoint(coupled)) or _structured_target(code, coupled)
            or _decay_over_base(code))


def may_have_positional_arguments(code: Code) -> bool:
    """An optimizer call with an argument past its first given by position
    (`Optimizer.positional`, read by `optimizers._positional`)."""
    return code.optimizer_positional >= 2 and may_have_optimizers(code)


LEARNING_RATE_KEYWORDS = frozenset({"lr", "learning_rate"})


def may_have_decoupled_learning_rates(code: Code) -> bool:
    """An optimizer given a learning rate (`lr=` / `learning_rate=`, or by position:
    `Optimizer.learning_rate`) whose decay may be decoupled: a torch class that always
    decouples (also as an MMEngine `type='AdamW'`), the decoupled flag, or Keras's
    `weight_decay=` (every Keras >= 2.11 optimizer decouples)."""
    if not may_have_optimizers(code):
        return False
    keywords = code.optimizer_keywords
    decoupled = tables()["torch_decoupled_classes"]
    if _structured_target(code, decoupled) and not code.names.isdisjoint(LEARNING_RATE_KEYWORDS):
        return True
    if keywords.isdisjoint(LEARNING_RATE_KEYWORDS) and code.optimizer_positional < 2:
        return False
    if "decoupled_weight_decay" in keywords or not code.all_names.isdisjoint(decoupled) or not code.strings.isdisjoint(decoupled):
        return True
    return _names_keras(code) and "weight_decay" in keywords


# the roots a Keras optimizer is spelled from (`frameworks.ALIASES` makes each `keras.`)
_KERAS_ROOTS = frozenset({"keras", "tf_keras"})


def _names_keras(code: Code) -> bool:
    """Keras in a name (`tf.keras.optimizers`, `import tf_keras`) or in a module a name is
    imported from (`from tensorflow.keras.optimizers import Adam`)."""
    return not (_KERAS_ROOTS.isdisjoint(code.all_names) and _KERAS_ROOTS.isdisjoint(code.modules))


def may_have_lr_decays(code: Code) -> bool:
    """A Keras optimizer's `decay=` (learning-rate decay): only ever read as that keyword."""
    return "decay" in code.optimizer_keywords


# -- optax chains ----------------------------------------------------------------------

def may_have_chains(code: Code) -> bool:
    return not code.all_names.isdisjoint(tables()["chains"])


def may_have_decay_chains(code: Code) -> bool:
    """A chain that may hold a decay element (`add_decayed_weights`), by name."""
    names = tables()
    return may_have_chains(code) and not code.all_names.isdisjoint(names["decay_transforms"])


def may_have_adaptive_chains(code: Code) -> bool:
    """A chain that may hold an adaptive scaling (`scale_by_adam`), by name."""
    names = tables()
    return may_have_chains(code) and not code.all_names.isdisjoint(names["adaptive_scales"])


# -- penalties (coef * Σw², coef * ‖w‖) ------------------------------------------------

def may_have_penalties(code: Code) -> bool:
    """`coef * Σw²`: a product with a factor that may hold a Σw² (`Code.square_products`)."""
    return code.has_product and code.has_square_sum and code.square_products


def may_have_norm_penalties(code: Code) -> bool:
    """`coef * ‖w‖`: a product with a factor that may sum norms of weights (`Code.norm_products`)."""
    return code.has_product and code.has_norm_call and code.norm_products


# -- loss sites (where a loss is minimized or differentiated) --------------------------

# the methods and functions `extract` reads as a TF1 / tape loss site, by last name
LOSS_SITE_NAMES = frozenset({"minimize", "compute_gradients", "create_train_op", "optimize_loss", "gradients",
                             "gradient", "EstimatorSpec", "TPUEstimatorSpec"})


def may_have_loss_sites(code: Code) -> bool:
    found = code.all_names & LOSS_SITE_NAMES
    return bool(found - {GRADIENTS}) or bool(found) and _tensorflow_gradients(code)


GRADIENTS = "gradients"


def _tensorflow_gradients(code: Code) -> bool:
    """A `gradients` call the extractor may read as `tf.gradients` (`tf1.GRADIENTS`, by its
    qualified name): not when every such call is an attribute of a name imported from another
    module (`gradients_impl.gradients(...)` of `tensorflow.python.ops`), and the name is never
    used as a value (imported itself, or bound to another name)."""
    if GRADIENTS in code.names:
        return True
    return any(not origin or canonical(f"{origin}.{GRADIENTS}") in tf1_table.GRADIENTS
               for _, origin in code.gradients_receivers) or not code.gradients_receivers


# -- the project's own modules (`reglint.project`, `analysis.imported`) -----------------

def may_call_project_builders(code: Code) -> bool:
    """A call of a name imported from a project module, which may build regularized layers there."""
    return bool(code.project_calls)


def may_call_project_penalties(code: Code) -> bool:
    """A product with a factor that may be a call of a function another module of the project
    defines and that may return Σw², or a name bound to one (`5e-4 * l2_penalty(model)`,
    `analysis.imported.returned_elsewhere`), as `square_products` reads the file's own."""
    if not (code.has_product and code.project_penalties):
        return False
    returning = frozenset(name for key, name in code.project_call_names if key in code.project_penalties)
    return code.square_products_calling(returning)


def may_call_project_factories(code: Code) -> bool:
    """A call of a name imported from a project module, which may return an optimizer built there."""
    return bool(code.project_factories)


# -- intent read from names and comments (the vocabulary of `reglint.intent`) -----------

def may_show_weight_decay_intent(code: Code) -> bool:
    """A weight-decay name in the code, a weight-decay comment, or a file that may say it
    was ported: the screen's half of the rules' `weight_decay_evidence`."""
    return (code.names_any(is_weight_decay_name, ("decay", "wd"))
            or code.maybe_in_comment(WEIGHT_DECAY_COMMENT)
            or PORTING.search(code.text) is not None)


def may_show_l2_intent(code: Code) -> bool:
    """A name or comment that could say L2 / weight decay (RL007's `_evidence`)."""
    return (code.names_any(lambda name: L2_NAME.search(snake(name)) is not None, ("l2", "decay", "wd"))
            or code.maybe_in_comment(L2_COMMENT))


# -- suppression directives (`# noqa`, `# reglint: ignore`; reglint.suppress) ----------

def may_have_directives(code: Code) -> bool:
    """A comment that may be a suppression directive (RL100 reads nothing else)."""
    from reglint.suppress import FILE_NOQA, NOQA, REGLINT_IGNORE

    text = code.text
    return any(pattern.search(text) is not None for pattern in (NOQA, REGLINT_IGNORE, FILE_NOQA))


# -- param groups and optax decay masks (reglint/analysis/param_groups.py, decay_masks.py) --

# where a torch optimizer's parameters or groups come from (`model.parameters()`, a
# `{"params": ...}` group, `dict(params=...)`, `named_parameters()` splits, timm's hook)
_PARAMETER_SOURCES = frozenset({"parameters", "named_parameters", "no_weight_decay"})


_MASK_LIBRARY = optax_table.MASKED.split(".")[0]  # the module every decay-mask callee is from


def may_have_param_groups(code: Code) -> bool:
    """What `param_groups.extract` reads: an optax decay mask passed to its callee; a torch
    optimizer (its groups, merged splits and unread `no_weight_decay()` all hang on one) with
    parameters to group; or a `n in no_decay` test of two names, which needs
    `named_parameters()` and a literal list of fragments (`selection.fragments_of`: a leaf or
    a norm class's leaf) holding a no-decay word (`"bias"`, `"LayerNorm.weight"`)."""
    names = code.all_names
    if code.passes_mask and not names.isdisjoint(tables()["decay_mask_callees"]) and _MASK_LIBRARY in code.text:
        return True  # an optax call: the file names optax (timm's own `adamw(...)` shares the last name)
    if not names.isdisjoint(tables()["torch_classes"]) and (
            not names.isdisjoint(_PARAMETER_SOURCES) or "params" in code.dict_keys or "params" in code.optimizer_keywords):
        return True
    listed = code.listed_strings
    return ("named_parameters" in names and code.tests_membership_in_list
            and any(names_no_decay_parameter(text) for text in listed) and any(marks_fragments(text) for text in listed))


# -- per-step decoupled decay (reglint/analysis/decay_schedules.py) -----------------------

def may_have_per_step_decay(code: Code) -> bool:
    """A tfa / tf.contrib decoupled class or the extender is named (`decay_schedules.extract`)."""
    return not code.all_names.isdisjoint(tables()["per_step_callees"])


FACT_KINDS: Dict[str, Callable[[Code], bool]] = {
    "regularizers": may_have_regularizers,
    "sum_sq_l2_regularizers": may_have_sum_sq_l2_regularizers,
    "optimizers": may_have_optimizers,
    "explicit_torch_decay": may_have_explicit_torch_decay,
    "lr_decays": may_have_lr_decays,
    "positional_arguments": may_have_positional_arguments,
    "decoupled_learning_rates": may_have_decoupled_learning_rates,
    "chains": may_have_chains,
    "decay_chains": may_have_decay_chains,
    "adaptive_chains": may_have_adaptive_chains,
    "default_coefficients": may_have_default_coefficients,
    "penalties": may_have_penalties,
    "norm_penalties": may_have_norm_penalties,
    "adaptive_optimizers": may_have_adaptive_optimizers,
    "coupled_adaptive_decay": may_have_coupled_adaptive_decay,
    "loss_sites": may_have_loss_sites,
    "project_builders": may_call_project_builders,
    "project_factories": may_call_project_factories,
    "project_penalties": may_call_project_penalties,
    "weight_decay_intent": may_show_weight_decay_intent,
    "l2_intent": may_show_l2_intent,
    "directives": may_have_directives,
    "param_groups": may_have_param_groups,
    "per_step_decay": may_have_per_step_decay,
}
