"""Values and origins: what a coefficient is worth and where an expression comes from.

`value` follows names, attributes, parameters (and the file's own call sites), config
lookups and arithmetic to a number with its provenance, bound names and comments;
`origins` follows simple assignments to the expressions a name may stand for.
"""

from __future__ import annotations

from dataclasses import replace
from typing import FrozenSet, List, Optional, Tuple

import libcst as cst

from reglint.analysis import calls, cli_defaults
from reglint.analysis.context import Context
from reglint.analysis.names import Binding, CallSite, dotted
from reglint.analysis.syntax import argument, literal, string_key, string_value
from reglint.frameworks import tensors
from reglint.model import Value

MAX_DEPTH = 8


def value(ctx: Context, expr: cst.BaseExpression, scopes, statement=None, depth: int = 0) -> Value:
    comments = ctx.comments_of(statement)
    result = _value(ctx, expr, scopes, depth, set())
    result.comments = tuple(dict.fromkeys(comments + result.comments))
    result.docstrings = tuple(dict.fromkeys(enclosing_docstrings(ctx, scopes) + result.docstrings))
    return result


def enclosing_docstrings(ctx: Context, scopes) -> Tuple[str, ...]:
    """The docstrings of the functions, classes and module `scopes` lie in, innermost first."""
    found = []
    for scope in reversed(tuple(scopes) or (ctx.model.module,)):
        if isinstance(scope, (cst.FunctionDef, cst.ClassDef, cst.Module)):
            text = _docstring(ctx, scope)
            if text:
                found.append(text)
    if not scopes or scopes[0] is not ctx.model.module:
        text = _docstring(ctx, ctx.model.module)
        if text and text not in found:
            found.append(text)
    return tuple(found)


def _docstring(ctx: Context, scope) -> Optional[str]:
    """libcst's get_docstring, once per scope: it evaluates the string with
    ast.literal_eval, which leaves a cycle of garbage per call."""
    key = id(scope)
    if key not in ctx.docstrings:
        ctx.docstrings[key] = scope.get_docstring()
    return ctx.docstrings[key]


def _unique(items) -> tuple:
    """Names and comments once each, in order: a value reached along many paths repeats
    them, and the tuples of values built from values grew with the number of paths."""
    return tuple(dict.fromkeys(items))


def _value(ctx: Context, expr, scopes, depth, seen) -> Value:
    if depth > MAX_DEPTH:
        return Value(expr, None, "unknown")
    number = literal(expr)
    if number is not None:
        return Value(expr, number, "literal")
    if isinstance(expr, cst.UnaryOperation) and isinstance(expr.operator, cst.Minus):
        inner = _value(ctx, expr.expression, scopes, depth + 1, seen)
        return Value(expr, -inner.number if inner.number is not None else None, inner.provenance, inner.names, inner.comments, inner.scales)
    if isinstance(expr, cst.BinaryOperation):
        return _binary_value(ctx, expr, scopes, depth, seen)
    if isinstance(expr, cst.Name):
        return _name_value(ctx, expr, scopes, depth, seen)
    if isinstance(expr, cst.Attribute):
        return _attribute_value(ctx, expr, scopes, depth, seen)
    if isinstance(expr, cst.Subscript):
        key = string_key(expr)
        return Value(expr, None, "config", (key,) if key else ())
    if isinstance(expr, cst.Call):
        return _call_value(ctx, expr, scopes, depth, seen)
    return Value(expr, None, "unknown")


def _binary_value(ctx: Context, expr: cst.BinaryOperation, scopes, depth, seen) -> Value:
    left = _value(ctx, expr.left, scopes, depth + 1, seen)
    right = _value(ctx, expr.right, scopes, depth + 1, seen)
    number = _arith(expr.operator, left.number, right.number)
    scales = left.scales | right.scales | _scale_of(expr.operator, left, right)
    names = _unique(left.names + right.names)
    provenance = "literal" if left.provenance == right.provenance == "literal" else (
        left.provenance if left.provenance != "literal" else right.provenance)
    return Value(expr, number, provenance, names, _unique(left.comments + right.comments), scales)


def _name_value(ctx: Context, expr: cst.Name, scopes, depth, seen) -> Value:
    name = expr.value
    key = (name, id(scopes[-1]) if scopes else 0)
    if key in seen:
        return Value(expr, None, "unknown", (name,))
    seen = seen | {key}
    bindings = ctx.names.lookup(name, scopes)
    if not bindings:
        return Value(expr, None, "unknown", (name,))
    later = frozenset(0.5 for b in bindings if b.kind == "augassign" and _halving_augassign(b))
    bindings = [b for b in bindings if b.kind != "augassign" or not _halving_augassign(b)]
    values = [_binding_value(ctx, b, name, depth, seen) for b in bindings] or [Value(expr, None, "unknown")]
    numbers = {v.number for v in values}
    number = numbers.pop() if len(numbers) == 1 else None
    provenance = values[0].provenance if len(values) == 1 else ("constant" if number is not None else "unknown")
    names = _unique((name,) + tuple(n for v in values for n in v.names))
    comments = _unique(c for v in values for c in v.comments)
    docstrings = tuple(dict.fromkeys(d for v in values for d in v.docstrings))
    cli_default = values[0].cli_default if len(values) == 1 and not later else None  # one binding, unchanged after
    return Value(expr, number, provenance, names, comments, later | _common_scales(values), docstrings, cli_default)


def _binding_value(ctx: Context, binding: Binding, name: str, depth, seen) -> Value:
    comments = ctx.comments_of(binding.statement)
    if binding.kind == "assign" and binding.value is not None:
        scopes = ctx.scopes_of(binding.scope)
        inner = _value(ctx, binding.value, scopes, depth + 1, seen)
        provenance = "constant" if inner.provenance == "literal" else inner.provenance
        return Value(binding.value, inner.number, provenance, inner.names, comments + inner.comments, inner.scales,
                     enclosing_docstrings(ctx, scopes) + inner.docstrings, inner.cli_default)
    if binding.kind == "param":
        return _parameter_value(ctx, binding, name, depth, seen)
    if binding.kind == "import" and ctx.imported_constant is not None:
        found = ctx.imported_constant(ctx, name, binding.value or cst.Name(name))
        if found is not None:
            return found
    return Value(binding.value or cst.Name(name), None, "unknown", (), comments)


def _parameter_value(ctx: Context, binding: Binding, name: str, depth, seen) -> Value:
    """A parameter: its default and the arguments the file's own call sites pass; resolved
    once per (binding, depth, names seen), as every call path reaching it would again."""
    key = (id(binding), depth, frozenset(seen))
    found = ctx.parameter_values.get(key)
    if found is None:
        found = ctx.parameter_values[key] = _parameter_candidates(ctx, binding, name, depth, seen)
    return replace(found)  # a copy: a caller may add its own comments


def _parameter_candidates(ctx: Context, binding: Binding, name: str, depth, seen) -> Value:
    candidates: List[Value] = []
    outer = ctx.scopes_of(binding.scope)[:-1] or (ctx.model.module,)
    if binding.value is not None:
        candidates.append(_value(ctx, binding.value, outer, depth + 1, seen))
    for arg, site in arguments(ctx, binding, name):
        candidates.append(value(ctx, arg, site.scopes, site.statement, depth + 1))
    numbers = {c.number for c in candidates if c.number is not None}
    number = numbers.pop() if len(numbers) == 1 else None
    names = _unique(n for c in candidates for n in c.names)
    comments = _unique(c for v in candidates for c in v.comments)
    docstrings = enclosing_docstrings(ctx, ctx.scopes_of(binding.scope)) + tuple(d for c in candidates for d in c.docstrings)
    return Value(binding.value or cst.Name(name), number, "parameter", names, comments, _common_scales(candidates),
                 tuple(dict.fromkeys(docstrings)))


def _attribute_value(ctx: Context, expr: cst.Attribute, scopes, depth, seen) -> Value:
    attr = expr.attr.value
    full = dotted(expr)
    if full:
        bindings = attribute_bindings(ctx, full, scopes)
        assigned = [b for b in bindings if b.kind == "assign" and b.value is not None]
        if assigned and full not in {s for s in seen if isinstance(s, str)}:
            inner = [_value(ctx, b.value, ctx.scopes_of(b.scope), depth + 1, seen | {full}) for b in assigned]
            numbers = {v.number for v in inner}
            return Value(expr, numbers.pop() if len(numbers) == 1 else None, "config",
                         (attr,) + tuple(n for v in inner for n in v.names),
                         tuple(c for b in assigned for c in ctx.comments_of(b.statement)),
                         _common_scales(inner))
    fields = ctx.class_fields().get(attr, [])
    if len(fields) == 1 and fields[0].value is not None:
        # `config.weight_decay` where one class in the file declares `weight_decay: float = 5e-6`
        inner = _value(ctx, fields[0].value, ctx.scopes_of(fields[0].scope), depth + 1, seen)
        return Value(expr, inner.number, "config", (attr,) + inner.names, ctx.comments_of(fields[0].statement), inner.scales)
    return Value(expr, None, "config", (attr,), cli_default=cli_defaults.default_of(ctx, expr, scopes, origins))


def _call_value(ctx: Context, expr: cst.Call, scopes, depth, seen) -> Value:
    func = expr.func
    if isinstance(func, cst.Name) and func.value in ("float", "int") and len(expr.args) == 1:
        inner = _value(ctx, expr.args[0].value, scopes, depth + 1, seen)
        return Value(expr, inner.number, inner.provenance, inner.names, inner.comments, inner.scales, cli_default=inner.cli_default)
    # cfg.get("weight_decay", 5e-4), getattr(args, "weight_decay", 5e-4)
    if isinstance(func, cst.Attribute) and func.attr.value == "get" and expr.args:
        key = string_value(expr.args[0].value)
        default = literal(expr.args[1].value) if len(expr.args) > 1 else None
        return Value(expr, default, "config", (key,) if key else ())
    if isinstance(func, cst.Name) and func.value == "getattr" and len(expr.args) >= 2:
        key = string_value(expr.args[1].value)
        default = literal(expr.args[2].value) if len(expr.args) > 2 else None
        return Value(expr, default, "config", (key,) if key else ())
    return Value(expr, None, "unknown")


def attribute_bindings(ctx: Context, full: str, scopes) -> List[Binding]:
    """Assignments to a dotted attribute anywhere in the file; `self.x` read in a method
    means the `self.x` its own class's methods assign (several classes each keep a
    `self.optimizer`), falling back to every class's when its own assigns none."""
    bindings = ctx.names.attribute_bindings(full)
    head = full.split(".", 1)[0]
    owner = next((s for s in reversed(scopes) if isinstance(s, cst.ClassDef)), None)
    if head not in calls.RECEIVERS or owner is None or len(bindings) < 2:
        return bindings
    own = [b for b in bindings if isinstance(b.scope, cst.FunctionDef) and calls.enclosing_class(ctx, b.scope) is owner]
    return own or bindings


def unwrap_identity(ctx: Context, expr: cst.BaseExpression, scopes, depth: int = 0) -> cst.BaseExpression:
    """The value an identity call hands back: `x.to(device)`, `x.cuda()`, `x.float()`,
    `tf.identity(x)`, `tf.convert_to_tensor(x)` are all `x` (frameworks.tensors tables)."""
    while isinstance(expr, cst.Call) and depth <= MAX_DEPTH:
        func = expr.func
        on_value = isinstance(func, cst.Attribute) and (
            isinstance(func.value, cst.Call) or ctx.qualify(func.value, scopes)[0] is None)  # not `torch.cuda`
        if on_value and func.attr.value in tensors.IDENTITY_METHODS:
            expr = func.value
        elif expr.args and expr.args[0].keyword is None and ctx.qualify(func, scopes)[0] in tensors.IDENTITY_CALLS:
            expr = expr.args[0].value
        else:
            return expr
        depth += 1
    return expr


def arguments(ctx: Context, binding: Binding, name: str) -> List[Tuple[cst.BaseExpression, CallSite]]:
    """What the file's call sites pass for a parameter (`SimSiam(get_encoder(), ...)` gives
    `get_encoder()` for `encoder`), as (expression, call site) pairs."""
    function = binding.function
    if binding.kind != "param" or not isinstance(function, cst.FunctionDef):
        return []
    found = []
    for site, bound in calls.call_sites(ctx, function):
        position = binding.position - bound if binding.position is not None else None
        if position is not None and position < 0:
            continue  # the `self` a method call binds
        arg = argument(site.call, name, position)
        if arg is not None and not arg.star:
            found.append((arg.value, site))
    return found


def returned(ctx: Context, call: cst.Call, scopes, depth: int = 0) -> List[Tuple[cst.BaseExpression, Tuple]]:
    """What a call of one of this file's functions or methods may return: (expression,
    scopes) pairs; empty for library calls and callees this file does not define."""
    # the receiver's origins (`make().next()`) continue this chain's depth: a function whose
    # value is a method call on its own result would otherwise recurse without end
    return calls.returned(ctx, call, scopes, lambda c, e, s: origins(c, e, s, depth + 1))


def origins(ctx: Context, expr: cst.BaseExpression, scopes, depth: int = 0) -> List[Tuple[cst.BaseExpression, Tuple]]:
    """The expressions `expr` may stand for, following simple assignments, attributes
    assigned anywhere in the file and the return values of the file's own functions.

    Remembered per file (expression, innermost scope, depth): parameters fan out to every
    call site, so without it a chain of helpers costs call sites ** depth."""
    memo = ctx.__dict__.setdefault("_origins_memo", {})
    key = (id(expr), id(scopes[-1]) if scopes else 0, depth)
    found = memo.get(key)
    if found is None:
        found = memo[key] = _distinct(_origins(ctx, expr, scopes, depth))
    return found


def _distinct(found: List[Tuple[cst.BaseExpression, Tuple]]) -> List[Tuple[cst.BaseExpression, Tuple]]:
    """Each origin once: reached along many paths (every call site of every helper on the
    way), the lists grew with the number of paths, not of origins."""
    if len(found) < 2:
        return found
    seen = {}
    for origin in found:
        seen.setdefault((id(origin[0]), id(origin[1][-1]) if origin[1] else 0), origin)
    return list(seen.values())


def _origins(ctx: Context, expr: cst.BaseExpression, scopes, depth: int) -> List[Tuple[cst.BaseExpression, Tuple]]:
    if depth > MAX_DEPTH:
        return []
    if isinstance(expr, cst.Name):
        found = []
        for binding in ctx.names.lookup(expr.value, scopes):
            if binding.kind == "assign" and binding.value is not None:
                found.extend(origins(ctx, binding.value, ctx.scopes_of(binding.scope), depth + 1))
            elif binding.kind == "param":
                for arg, site in arguments(ctx, binding, expr.value):
                    found.extend(origins(ctx, arg, site.scopes, depth + 1))
        return found
    if isinstance(expr, cst.Attribute):
        full = dotted(expr)
        bindings = attribute_bindings(ctx, full, scopes) if full else []
        found = []
        for binding in bindings:
            if binding.kind == "assign" and binding.value is not None:
                found.extend(origins(ctx, binding.value, ctx.scopes_of(binding.scope), depth + 1))
        return found or [(expr, scopes)]
    if isinstance(expr, cst.Call):
        # `self._build_optimizer(args)` / `build_model()`: what the file's own function returns
        found = [o for value, inner in returned(ctx, expr, scopes, depth) for o in origins(ctx, value, inner, depth + 1)]
        return found or [(expr, scopes)]
    return [(expr, scopes)]


def _arith(operator, left: Optional[float], right: Optional[float]) -> Optional[float]:
    if left is None or right is None:
        return None
    try:
        if isinstance(operator, cst.Add):
            return left + right
        if isinstance(operator, cst.Subtract):
            return left - right
        if isinstance(operator, cst.Multiply):
            return left * right
        if isinstance(operator, cst.Divide):
            return left / right
        if isinstance(operator, cst.Power):
            return left ** right
    except (ZeroDivisionError, OverflowError):
        return None
    return None


def _scale_of(operator, left: Value, right: Value) -> FrozenSet[float]:
    """The factor `left <op> right` applies: a division by a known number, a multiplication by a literal."""
    if isinstance(operator, cst.Divide):
        return frozenset((1 / right.number,)) if right.number else frozenset()
    if isinstance(operator, cst.Multiply):
        return frozenset(side.number for side in (left, right) if side.provenance == "literal" and side.number is not None)
    return frozenset()


def _common_scales(values: List[Value]) -> FrozenSet[float]:
    """The factors applied on every path (each binding, each call site's argument)."""
    return frozenset.intersection(*(v.scales for v in values)) if values else frozenset()


def _halving_augassign(binding: Binding) -> bool:
    """`wd /= 2` or `wd *= 0.5` after the assignment: a factor of the value, not a new binding
    (any other augmented assignment makes the value unknown)."""
    operator, value = binding.operator, binding.value
    return (isinstance(operator, cst.DivideAssign) and literal(value) == 2) or (
        isinstance(operator, cst.MultiplyAssign) and literal(value) == 0.5)
