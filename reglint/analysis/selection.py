"""What a parameter test selects: the no-decay side (biases, norms, 1-D tensors) or the rest.

`classify` reads the tests torch code splits parameters with (`any(nd in n for nd in
no_decay)`, `p.ndim <= 1`, `n.endswith(".bias")`, `isinstance(m, nn.LayerNorm)`);
`classify_mask` the tests an optax mask is built from (`path[-1] == "bias"`, `x.ndim == 1`).
Both say only what the test is True for; the rules decide what that means.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Optional, Tuple

import libcst as cst

from reglint.analysis.names import dotted
from reglint.frameworks import optax as optax_table
from reglint.frameworks import torch as torch_table
from reglint.intent import marks_fragments, names_no_decay_parameter

# variable names that say which side a list holds (names are evidence of intent)
NO_DECAY_NAME = re.compile(r"(^|_)(no_?decay|nodecay|no_?wd|without_decay|not_regularized|unregularized|skip)", re.IGNORECASE)
DECAY_NAME = re.compile(r"^(decay|decayed|with_decay|wd|regularized)(_params|_parameters)?$|^(params|parameters)_decay$", re.IGNORECASE)


@dataclass(frozen=True)
class Selection:
    kind: str = "unknown"  # "no_decay" | "decay" | "unknown"
    evidence: str = ""  # the test as written, or "named `no_decay`"
    by_test: bool = False  # decided by a test, not only by a variable's name

    def inverted(self) -> "Selection":
        flipped = {"no_decay": "decay", "decay": "no_decay"}.get(self.kind, self.kind)
        return Selection(flipped, self.evidence, self.by_test)

    @staticmethod
    def by_name(name: str) -> "Selection":
        if NO_DECAY_NAME.search(name):
            return Selection("no_decay", f"named `{name}`")
        if DECAY_NAME.search(name):
            return Selection("decay", f"named `{name}`")
        return Selection()


def fragments_of(expr) -> Optional[Tuple[str, ...]]:
    """The strings of a literal list/tuple/set of parameter-name fragments, else None.

    The list holds fragments when one of them is a bare leaf name (`bias`, `gamma`) or a
    leaf under a norm class's name (`LayerNorm.weight`); `{"pos_embed", "cls_token"}` and
    `["1.weight"]` name whole top-level parameters."""
    if not isinstance(expr, (cst.List, cst.Tuple, cst.Set)) or not expr.elements:
        return None
    strings = []
    for element in expr.elements:
        value = element.value
        if not isinstance(value, cst.SimpleString) or not isinstance(value.evaluated_value, str):
            return None
        strings.append(value.evaluated_value)
    if any(marks_fragments(s) for s in strings):
        if any(names_no_decay_parameter(s) for s in strings):
            return tuple(strings)
    return None




Fragments = Callable[[str], Optional[Tuple[str, ...]]]
Qualname = Callable[[cst.BaseExpression], Optional[str]]
Resolve = Callable[[cst.BaseExpression], cst.BaseExpression]


def classify(test, fragments: Fragments, qualname: Qualname, resolve: Resolve = lambda e: e) -> Selection:
    """What a torch parameter test is True for (`resolve` reads a name's assigned value)."""
    if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
        return classify(test.expression, fragments, qualname, resolve).inverted()
    if isinstance(test, cst.BooleanOperation):
        sides = [classify(s, fragments, qualname, resolve) for s in (test.left, test.right)]
        kinds = {s.kind for s in sides} - {"unknown"}
        if len(kinds) == 1:
            kind = kinds.pop()
            if isinstance(test.operator, cst.Or) or all(s.kind == kind for s in sides) or kind == "decay":
                return Selection(kind, _code(test), True)
        return Selection()
    kind = _any_fragment(test, fragments) or _dimension(test) or _bias_name(test) or _norm_type(test, qualname, resolve)
    return Selection(kind, _code(test), True) if kind else Selection()


def classify_mask(test, params: Tuple[str, ...] = ()) -> Selection:
    """What an optax mask test is True for: no-decay leaves (bias, scale, 1-D) or the rest."""
    if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
        return classify_mask(test.expression, params).inverted()
    if isinstance(test, cst.BooleanOperation):
        sides = [classify_mask(s, params) for s in (test.left, test.right)]
        kinds = {s.kind for s in sides}
        if len(kinds) == 1 and "unknown" not in kinds:
            return Selection(kinds.pop(), _code(test), True)
        return Selection()
    kind = _dimension(test) or _leaf_name(test)
    return Selection(kind, _code(test), True) if kind else Selection()


def _code(node) -> str:
    return cst.Module(body=()).code_for_node(node)


def _any_fragment(test, fragments: Fragments) -> Optional[str]:
    """`any(nd in n for nd in no_decay)` (True for no-decay), `n in no_decay` likewise."""
    if isinstance(test, cst.Call) and dotted(test.func) == "any" and len(test.args) == 1:
        comp = test.args[0].value
        if isinstance(comp, (cst.GeneratorExp, cst.ListComp)) and isinstance(comp.for_in.iter, (cst.Name, cst.List, cst.Tuple)):
            source = comp.for_in.iter
            strings = fragments(source.value) if isinstance(source, cst.Name) else _strings(source)
            if strings and any(names_no_decay_parameter(s) for s in strings):
                return "no_decay"
        return None
    if isinstance(test, cst.Comparison) and len(test.comparisons) == 1 and isinstance(test.comparisons[0].comparator, cst.Name):
        operator = test.comparisons[0].operator
        if isinstance(operator, (cst.In, cst.NotIn)) and fragments(test.comparisons[0].comparator.value):
            return "no_decay" if isinstance(operator, cst.In) else "decay"
    return None


def _strings(node) -> Tuple[str, ...]:
    return tuple(e.value.evaluated_value for e in node.elements if isinstance(e.value, cst.SimpleString))


_LOW = {"<=": 1, "<": 2, "==": 1}  # `ndim <= 1`, `ndim < 2`, `ndim == 1`: 1-D (and 0-D) tensors
_HIGH = {">": 1, ">=": 2, "!=": 1}


def _dimension(test) -> Optional[str]:
    """`p.ndim <= 1`, `len(p.shape) == 1`, `p.dim() < 2` and their opposites."""
    if not isinstance(test, cst.Comparison) or len(test.comparisons) != 1:
        return None
    left, target = test.left, test.comparisons[0]
    if not _is_rank(left) or not isinstance(target.comparator, cst.Integer):
        return None
    operator = _code(target.operator).strip()
    number = int(target.comparator.value)
    if _LOW.get(operator) == number:
        return "no_decay"
    if _HIGH.get(operator) == number:
        return "decay"
    return None


def _is_rank(node) -> bool:
    if isinstance(node, cst.Attribute) and node.attr.value == "ndim":
        return True
    if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value in ("dim", "ndimension") and not node.args:
        return True
    return (isinstance(node, cst.Call) and dotted(node.func) == "len" and len(node.args) == 1
            and isinstance(node.args[0].value, cst.Attribute) and node.args[0].value.attr.value == "shape")


def _bias_name(test) -> Optional[str]:
    """`n.endswith(".bias")`, `"bias" in n`, `"norm" in n`, `name == "bias"`: True for no-decay names."""
    if isinstance(test, cst.Call) and isinstance(test.func, cst.Attribute) and test.func.attr.value == "endswith" and test.args:
        suffix = test.args[0].value
        strings = _strings(suffix) if isinstance(suffix, cst.Tuple) else ((suffix.evaluated_value,) if isinstance(suffix, cst.SimpleString) else ())
        if strings and all(s.strip(".").rsplit(".", 1)[-1] in ("bias", "gamma", "beta") or "norm" in s.lower() for s in strings):
            return "no_decay"
    if (isinstance(test, cst.Comparison) and len(test.comparisons) == 1 and isinstance(test.comparisons[0].operator, cst.Equal)
            and isinstance(test.comparisons[0].comparator, cst.SimpleString) and test.comparisons[0].comparator.evaluated_value == "bias"):
        return "no_decay"  # `name == "bias"` over `named_parameters(recurse=False)`
    if isinstance(test, cst.Comparison) and len(test.comparisons) == 1 and isinstance(test.left, cst.SimpleString):
        operator = test.comparisons[0].operator
        word = test.left.evaluated_value
        if isinstance(word, str) and (word.strip(".") in ("bias", "gamma", "beta") or "norm" in word.lower()):
            if isinstance(operator, cst.In):
                return "no_decay"
            if isinstance(operator, cst.NotIn):
                return "decay"
    return None


def _norm_type(test, qualname: Qualname, resolve: Resolve) -> Optional[str]:
    """`isinstance(m, nn.LayerNorm)`, `isinstance(m, (nn.BatchNorm2d, nn.GroupNorm))`, `isinstance(m, norm_types)`."""
    if not (isinstance(test, cst.Call) and dotted(test.func) == "isinstance" and len(test.args) == 2):
        return None
    kinds = resolve(test.args[1].value)
    members = [e.value for e in kinds.elements] if isinstance(kinds, cst.Tuple) else [kinds]
    if any(qualname(m) in torch_table.NO_DECAY_MODULES for m in members if dotted(m)):
        return "no_decay"
    return None


def _leaf_name(test) -> Optional[str]:
    """`path[-1] == "bias"`, `path[-1] in ("bias", "scale")`, `"bias" in path`, and negations."""
    if not isinstance(test, cst.Comparison) or len(test.comparisons) != 1:
        return None
    target = test.comparisons[0]
    operator = target.operator
    if isinstance(test.left, cst.SimpleString):
        word = test.left.evaluated_value
        if isinstance(operator, (cst.In, cst.NotIn)) and word in optax_table.NO_DECAY_LEAVES:
            return "no_decay" if isinstance(operator, cst.In) else "decay"
        return None
    comparator = target.comparator
    if isinstance(comparator, cst.SimpleString):
        words = (comparator.evaluated_value,)
    elif isinstance(comparator, (cst.Tuple, cst.List, cst.Set)):
        words = _strings(comparator)
    else:
        return None
    if not words or not all(w in optax_table.NO_DECAY_LEAVES for w in words):
        return None
    if isinstance(operator, (cst.Equal, cst.In)):
        return "no_decay"
    if isinstance(operator, (cst.NotEqual, cst.NotIn)):
        return "decay"
    return None
