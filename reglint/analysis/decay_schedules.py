"""Per-step decoupled decay and the learning rate beside it (facts for RL012).

tfa's `AdamW`/`SGDW`, classes made by `extend_with_decoupled_weight_decay`, and
tf.contrib's `AdamWOptimizer`/`MomentumWOptimizer` subtract `weight_decay * var` every
step without multiplying by the learning rate (the tables' `decay_scaled_by_lr=False`).
For each such constructor this records how its decay and its rate are given: a
constant, a schedule (a Keras `LearningRateSchedule`, a `tf.train.*_decay` tensor, a
callable, a `LearningRateScheduler`/`ReduceLROnPlateau` callback in the file), or
unknown. The cheap predicate is `reglint.facts.may_have_per_step_decay`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import List, Optional, Sequence

import libcst as cst

from reglint.analysis.names import Names, collect, dotted
from reglint.analysis.syntax import argument
from reglint.frameworks import keras as keras_table
from reglint.frameworks import tf1 as tf1_table

_PER_STEP = {
    qualname: spec
    for table in (keras_table.OPTIMIZERS, tf1_table.OPTIMIZERS)
    for qualname, spec in table.items()
    if spec.decay_mode == "decoupled" and not spec.decay_scaled_by_lr
}


@dataclass
class Rate:
    kind: str  # "schedule" | "constant" | "unknown"
    expr: Optional[cst.BaseExpression] = None
    schedule: str = ""  # the schedule's class or function (`ExponentialDecay`, `tf.train.exponential_decay`)
    name: Optional[str] = None  # the variable a Keras schedule instance is bound to
    initial: Optional[cst.BaseExpression] = None  # its starting rate, when readable
    values: tuple = ()  # PiecewiseConstantDecay's literal values
    callback: bool = False  # a Keras callback of the file changes the rate during `fit`


@dataclass
class PerStepDecay:
    call: cst.Call
    display: str  # `AdamW` (tfa)
    decay_arg: cst.Arg
    decay: Rate  # "constant" here means a number or a plain name, not a callable
    rate_arg: Optional[cst.Arg]
    rate: Rate
    bound_to: Optional[str] = None  # the variable the optimizer is assigned to


@dataclass
class ScheduleFacts:
    per_step: List[PerStepDecay] = field(default_factory=list)


def extract(module: cst.Module, names: Optional[Names] = None) -> ScheduleFacts:
    names = names or collect(module)
    reader = _Reader(names)
    facts = ScheduleFacts()
    callback = next((site.call for site in names.calls if reader.qualname(site.call.func) in keras_table.LR_CALLBACKS), None)
    # `self.model.optimizer.weight_decay = lr * ratio` in a callback: the file schedules the decay itself
    rescheduled = any(name.endswith(".weight_decay") for (scope, name) in names.bindings if scope == 0)
    for site in names.calls:
        label = reader.per_step_class(site.call.func, site.scopes)
        if label is None:
            continue
        decay_arg = argument(site.call, "weight_decay", 0)
        if decay_arg is None:
            continue
        rate_arg = argument(site.call, *keras_table.LEARNING_RATE_ARGUMENT)
        rate = reader.rate(rate_arg.value, site.scopes) if rate_arg is not None else Rate("constant")
        if rate.kind == "constant" and callback is not None:
            leaf = dotted(callback.func).rsplit(".", 1)[-1]
            rate = Rate("schedule", callback, f"the `{leaf}` callback", callback=True)
        decay = Rate("unknown", decay_arg.value) if rescheduled else reader.rate(decay_arg.value, site.scopes)
        facts.per_step.append(PerStepDecay(site.call, label, decay_arg, decay, rate_arg, rate, _assigned(site.statement, site.call)))
    return facts


class _Reader:
    def __init__(self, names: Names):
        self.names = names

    def qualname(self, func) -> Optional[str]:
        return self.names.imported_qualname(func)  # bound by no import: not a library symbol

    def per_step_class(self, func, scopes) -> Optional[str]:
        qualname = self.qualname(func)
        if qualname in _PER_STEP:
            origin = keras_table.PER_STEP_ORIGINS[qualname.partition(".")[0]]
            return f"`{qualname.rsplit('.', 1)[-1]}` ({origin})"
        if isinstance(func, cst.Name):
            for binding in self.names.lookup(func.value, scopes):
                value = binding.value
                if binding.kind == "assign" and isinstance(value, cst.Call) and self.qualname(value.func) in keras_table.DECOUPLED_EXTENDERS:
                    return f"`{func.value}` (`extend_with_decoupled_weight_decay`)"
        return None

    def rate(self, expr, scopes: Sequence[cst.CSTNode], depth: int = 0, name: Optional[str] = None) -> Rate:
        """How a rate or a decay is given: constant, schedule, or unknown."""
        if depth > 4:
            return Rate("unknown", expr)
        if isinstance(expr, (cst.Integer, cst.Float)):
            return Rate("constant", expr)
        if isinstance(expr, cst.UnaryOperation):
            return self.rate(expr.expression, scopes, depth + 1)
        if isinstance(expr, cst.Lambda):
            return Rate("schedule", expr, "a callable")
        if isinstance(expr, cst.Name):
            bindings = self.names.lookup(expr.value, scopes)
            if len(bindings) == 1 and bindings[0].kind == "def":
                return Rate("schedule", expr, f"the function `{expr.value}`")
            if len(bindings) == 1 and bindings[0].kind == "assign" and bindings[0].value is not None:
                found = self.rate(bindings[0].value, scopes, depth + 1, expr.value)
                return Rate(found.kind, expr, found.schedule, found.name, found.initial, found.values)
            return Rate("constant" if not bindings or bindings[0].kind == "param" else "unknown", expr)
        if isinstance(expr, cst.Attribute):
            return Rate("constant", expr)  # `FLAGS.weight_decay`, `args.lr`, `config.wd`
        if isinstance(expr, cst.Call):
            return self._called(expr, scopes, depth, name)
        if isinstance(expr, cst.BinaryOperation):
            sides = [self.rate(s, scopes, depth + 1) for s in (expr.left, expr.right)]
            kinds = {s.kind for s in sides}
            if "schedule" in kinds:
                return Rate("schedule", expr, next(s.schedule for s in sides if s.kind == "schedule"))
            return Rate("constant" if kinds == {"constant"} else "unknown", expr)
        return Rate("unknown", expr)

    def _called(self, call: cst.Call, scopes, depth: int, name: Optional[str]) -> Rate:
        qualname = self.qualname(call.func)
        if qualname in keras_table.LR_SCHEDULES or self._schedule_class(call.func, scopes):
            label = (qualname or dotted(call.func) or "schedule").rsplit(".", 1)[-1]
            initial, values = None, ()
            if qualname == keras_table.PIECEWISE:
                values_arg = argument(call, "values", 1)
                if values_arg is not None and isinstance(values_arg.value, (cst.List, cst.Tuple)) and values_arg.value.elements:
                    values = tuple(e.value for e in values_arg.value.elements)
                    initial = values[0]
            elif qualname in keras_table.LR_SCHEDULES and argument(call, "warmup_target", None) is None:
                initial_arg = argument(call, *keras_table.SCHEDULE_INITIAL_RATE)
                initial = initial_arg.value if initial_arg is not None else None
            return Rate("schedule", call, f"`{label}`", name, initial, values)
        leaf = (dotted(call.func) or "").rsplit(".", 1)[-1]
        if leaf[:1].isupper() and any(word in leaf for word in keras_table.SCHEDULE_CLASS_WORDS) and not self._local_class(call.func, scopes):
            return Rate("schedule", call, f"`{leaf}`, a schedule by its name", name)
        if qualname in tf1_table.LR_DECAY_FUNCTIONS:
            return Rate("schedule", call, f"`{dotted(call.func)}`")
        if dotted(call.func) in ("float", "int") and len(call.args) == 1:
            return self.rate(call.args[0].value, scopes, depth + 1)
        return Rate("unknown", call)

    def _local_class(self, func, scopes) -> bool:
        """A class this file defines (then its bases, not its name, say what it is)."""
        return isinstance(func, cst.Name) and any(b.kind == "class" for b in self.names.lookup(func.value, scopes))

    def _schedule_class(self, func, scopes) -> bool:
        """A class of this file deriving from `LearningRateSchedule`."""
        if not isinstance(func, cst.Name):
            return False
        for binding in self.names.lookup(func.value, scopes):
            if binding.kind == "class" and isinstance(binding.value, cst.ClassDef):
                if any(self.qualname(base.value) in keras_table.LR_SCHEDULE_BASES for base in binding.value.bases):
                    return True
        return False


def _assigned(statement, call) -> Optional[str]:
    if isinstance(statement, cst.SimpleStatementLine) and statement.body and isinstance(statement.body[0], cst.Assign):
        assign = statement.body[0]
        if assign.value is call and len(assign.targets) == 1:
            return dotted(assign.targets[0].target)
    return None
