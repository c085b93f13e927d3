"""RL002 / RL005 / RL008 on config facts: the rules' codes, names and reasons, config wording.

A config diagnostic's first line says where (the key path) and why in under 140
characters; fixes are minimal text edits of the config (the class name, a flag,
a written default), with the applicability of their Python twins: switching to
decoupled decay is unsafe, writing a default the framework already uses is safe.
"""

from __future__ import annotations

from typing import Iterable

from reglint.configs.facts import ConfigOptimizer, ConfigRegularizer, number_of
from reglint.diagnostic import Applicability, Diagnostic, Edit, Fix
from reglint.frameworks import ADAMW_START
from reglint.frameworks import torch as torch_table

RETUNE = "retune the decay value"
STARTING_POINT = "(a starting point; tune)"
# torch classes with a `decoupled_weight_decay` flag, and the formats whose mapping passes
# every key to the constructor (Ultralytics builds NAdam/RAdam itself, without the flag)
FLAG_FAMILIES = ("nadam", "radam")
FLAG_FORMATS = ("hydra", "lightning")


def _short(number: float) -> str:
    from reglint.rules._common import format_number

    return format_number(number)


def coupled_decay(model, settings, report) -> Iterable[Diagnostic]:
    """RL002: an adaptive optimizer whose config writes a coupled weight decay > 0."""
    from reglint.rules.l2_with_adaptive_optimizer import RULE

    for optimizer in model.optimizers:
        if not isinstance(optimizer, ConfigOptimizer):
            continue
        if optimizer.notes and optimizer.flag_node is not None and optimizer.flag_node.value is False:
            yield _ignored_flag(report, RULE, optimizer)
        if not optimizer.adaptive or optimizer.decay_mode != "coupled" or not optimizer.explicit:
            continue
        value = optimizer.weight_decay
        if value is None or value.number is None or value.number <= 0:
            continue  # zero, `auto`, an unresolved `${...}`: nothing to say for sure
        inherited = "" if optimizer.weight_decay_arg in (None, value.expr) else " (from _BASE_)"
        subject = optimizer.display
        if optimizer.flag_node is not None:
            subject += f", {optimizer.flag_node.path[-1]}={optimizer.flag_node.raw}"
        message = f"{value.expr.dotted}={_short(value.number)}{inherited} with {subject} is a coupled L2 penalty, not weight decay"
        site = optimizer.weight_decay_arg if optimizer.weight_decay_arg is not None else value.expr
        fix = _with_start_value(model, report, optimizer, _decouple(model, report, optimizer))
        yield report.diagnostic(RULE, site.entry, message, fix, _why(optimizer))
    yield from _coupled_terms(model, report, RULE)


def _coupled_terms(model, report, rule) -> Iterable[Diagnostic]:
    """RL002: an L2 loss term from a config (AllenNLP `l2` regularizer) under an adaptive optimizer."""
    for term in model.regularizers:
        if not isinstance(term, ConfigRegularizer) or not term.optimizer.adaptive:
            continue
        if term.coefficient.number is None or term.coefficient.number <= 0:
            continue
        message = f"{term.display} with {term.optimizer.display} is a coupled L2 penalty, not weight decay"
        yield report.diagnostic(rule, term.node.entry, message, Fix(Applicability.DISPLAY_ONLY, term.advice), _why(term.optimizer))


def _ignored_flag(report, rule, optimizer: ConfigOptimizer) -> Diagnostic:
    """A coupled-mode flag the framework never reads: the config says L2, training does AdamW."""
    flag = optimizer.flag_node
    message = f"{optimizer.notes[0]}: {optimizer.display} runs as AdamW, not coupled Adam"
    fix = Fix(Applicability.DISPLAY_ONLY, f"Move `{flag.path[-1]}` into `optimizer.params`, or delete it to keep AdamW")
    return report.diagnostic(rule, flag.entry, message, fix)


def _decouple(model, report, optimizer: ConfigOptimizer) -> Fix:
    if optimizer.advice is not None:
        return Fix(Applicability.DISPLAY_ONLY, optimizer.advice)
    if optimizer.flag_node is not None and optimizer.flag_fix is not None:
        flag = optimizer.flag_node
        return Fix(Applicability.UNSAFE, f"Decouple the decay: `{flag.path[-1]}: {optimizer.flag_fix}` ({RETUNE})",
                   (report.replace(flag, optimizer.flag_fix),))
    if optimizer.family in FLAG_FAMILIES and optimizer.config_format in FLAG_FORMATS:
        edit = _new_entry(model, optimizer.decay_home, "decoupled_weight_decay: true")
        if edit is not None:
            since = torch_table.OPTIMIZERS[optimizer.qualname].flag_since
            return Fix(Applicability.UNSAFE, f"Decouple the decay: `decoupled_weight_decay: true` (torch >= {since}; {RETUNE})", (edit,))
    if optimizer.decoupled_text is not None and optimizer.class_node is not None:
        return Fix(Applicability.UNSAFE, f"Switch to decoupled decay: `{optimizer.decoupled_text}` ({RETUNE})",
                   (report.replace(optimizer.class_node, _requoted(optimizer.class_node, optimizer.decoupled_text)),))
    return Fix(Applicability.DISPLAY_ONLY, f"Switch to a decoupled optimizer (AdamW) or drop the decay; {RETUNE}")


def _why(optimizer: ConfigOptimizer) -> str:
    """The note under the message, as RL002's in Python: why it is not weight decay and,
    where a decoupled optimizer is the way out, which value to start from."""
    from reglint.rules.l2_with_adaptive_optimizer import START, WHY

    return WHY if optimizer.advice is not None else f"{WHY}; {START}"


def _with_start_value(model, report, optimizer: ConfigOptimizer, fix: Fix) -> Fix:
    """As RL002's torch fixes: a switch to decoupled decay writes the starting value over a
    number this file writes (`0.01`, which every YAML loader reads as a float); a value
    written elsewhere (`_BASE_`, `${...}`, a group file, a jsonnet local) would carry over
    unchanged, so that fix is display-only and names the key to set."""
    if not fix.edits:
        return fix
    title = fix.message.replace(f" ({RETUNE})", "").replace(f"; {RETUNE}", "")
    value, site = optimizer.weight_decay, optimizer.weight_decay_arg
    start = float(ADAMW_START)
    here = site is value.expr and site.source is model.root.source
    if not here or number_of(site) is None:
        shown = site.raw if here else value.expr.dotted  # `${optimizer.wd}`: set what it points at
        return Fix(Applicability.DISPLAY_ONLY, f"{title}, and set `{shown}` to about {_short(start)} {STARTING_POINT}")
    edits = fix.edits if number_of(site) == start else fix.edits + (report.replace(site, _requoted(site, _short(start))),)
    return Fix(fix.applicability, f"{title} with weight_decay: {_short(start)} {STARTING_POINT}", edits)


def _requoted(node, text: str) -> str:
    """`text` in the quotes `node` was written with."""
    return f"{node.style}{text}{node.style}" if node.style in ("'", '"') else text


def default_decay(model, settings, report) -> Iterable[Diagnostic]:
    """RL008: an AdamW-style class from a config, its decay left at the framework default."""
    from reglint.rules.framework_default_weight_decay import RULE
    from reglint.rules._common import literal

    for optimizer in model.optimizers:
        if not isinstance(optimizer, ConfigOptimizer) or optimizer.decay_mode != "decoupled" or optimizer.explicit:
            continue
        value = optimizer.weight_decay
        if value is None or value.provenance != "default" or not value.number or optimizer.hidden_arguments:
            continue
        default = literal(value.number)
        message = (f"{optimizer.display} at {optimizer.class_node.dotted} leaves weight_decay at torch's default {default}, "
                   "not Keras' 0.004 or optax's 1e-4: write it")
        edit = _new_entry(model, optimizer.decay_home, f"weight_decay: {default}")
        if edit is None:
            fix = Fix(Applicability.DISPLAY_ONLY, f"Write the default: `weight_decay: {default}`")
        else:
            fix = Fix(Applicability.SAFE, f"Write the default: `weight_decay: {default}`", (edit,))
        yield report.diagnostic(RULE, optimizer.class_node, message, fix)


def _new_entry(model, home, entry: str):
    """An insertion of `entry` as the last entry of the block mapping `home`, on a line
    of its own after the last entry's line (and its comment); None where that is not exact."""
    if home is None or home.kind != "mapping" or home.style != "block" or not home.entries:
        return None
    key, last = home.entries[-1]
    if last.kind != "scalar":
        return None  # a nested block ends on a later line; keep it simple and exact
    from reglint.diagnostic import Position
    from reglint.fixes import LINE_BREAK

    line = LINE_BREAK.split(model.source)[last.end.line - 1]
    end = Position(last.end.line, len(line) + 1)
    indent = " " * (key.start.column - 1)
    return Edit(end, end, f"\n{indent}{entry}")


def double_regularization(model, settings, report) -> Iterable[Diagnostic]:
    """RL005: a config's L2 loss term (AllenNLP `l2` regularizer) and its optimizer's weight
    decay (written, or the class's default) both shrink the weights."""
    from reglint.rules.double_regularization import KEEP_ONE, RULE, WHY

    for term in model.regularizers:
        if not isinstance(term, ConfigRegularizer) or term.coefficient.number is None or term.coefficient.number <= 0:
            continue
        optimizer, decay = term.optimizer, term.optimizer.weight_decay
        if decay is None or decay.number is None or decay.number <= 0:
            continue
        default = "" if optimizer.explicit else " (default)"
        message = f"The model is regularized twice: {term.display} and {optimizer.display} weight_decay={_short(decay.number)}{default}"
        site = optimizer.weight_decay_arg if optimizer.explicit and optimizer.weight_decay_arg is not None else term.node
        yield report.diagnostic(RULE, site.entry, message, Fix(Applicability.DISPLAY_ONLY, KEEP_ONE), WHY)


CHECKS = {"RL002": coupled_decay, "RL005": double_regularization, "RL008": default_decay}

# Lowercased bytes of which every config these checks can report on holds one: a written
# decay (RL002), an AdamW-style class left at its default (RL008), DeepSpeed's flag. A
# check added here adds its words, so that `formats.may_hold_facts` stays exact.
GATES = (b"weight_decay", b"adamw", b"adam_w_mode")
