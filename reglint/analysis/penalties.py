"""Hand-written penalties: `coef * Σw²` (or Σw²/2 via l2_loss) and `coef * ‖w‖` unsquared,
whether they range over a model's parameters, and which module's."""

from __future__ import annotations

from typing import List, Optional, Set

import libcst as cst

from reglint.analysis import imported, resolve
from reglint.analysis.context import Context
from reglint.analysis.names import dotted
from reglint.analysis.syntax import argument, child_fields_of, literal
from reglint.frameworks import tf1
from reglint.frameworks.tensors import ADD_N_CALLS, NORM_CALLS, POW_CALLS, SQUARE_CALLS, STACK_CALLS, SUM_CALLS
from reglint.model import Penalty
from reglint.intent import LOSS_NAME, snake

# Where parameters come from, and the names people give a parameter in a loop.
WEIGHT_SOURCES = frozenset({
    "parameters", "named_parameters", "trainable_variables", "trainable_weights", "weights",
    "weight", "kernel", "tree_leaves", "params", "trainable_params",
})
PARAMETER_WORDS = ("parameters", "trainable_variables", "trainable_weights", "tree_leaves")
WEIGHT_NAMES = frozenset({"p", "param", "params", "w", "W", "weight", "weights", "kernel", "v", "var", "variable"})


def penalties(ctx) -> None:
    for product, scopes, statement in ctx.names.products:
        for term, coefficient in ((product.right, product.left), (product.left, product.right)):
            convention = square_sum(ctx, term, scopes)
            if convention is None or square_sum(ctx, coefficient, scopes) is not None:
                continue
            value = resolve.value(ctx, coefficient, scopes, statement)
            parent = ctx.names.parents.get(id(product))
            if isinstance(parent, cst.BinaryOperation):
                value.scales |= _parent_scale(parent, product)
            framework = "tf" if convention == "half_sum_sq" else ""
            penalty = Penalty(term, product, value, coefficient, convention, framework, scopes[-1])
            penalty.over_weights = _over_weights(ctx, term, scopes)
            penalty.weights_of = _weights_module(ctx, term, scopes)
            penalty.summed_in = imported.defined_elsewhere(ctx, term, scopes)
            ctx.model.penalties.append(penalty)
            break
        else:
            _norm_penalty(ctx, product, scopes, statement)


def _norm_penalty(ctx: Context, product: cst.BinaryOperation, scopes, statement) -> None:
    """`coef * ‖w‖` with an unsquared L2 norm (`l2_reg += torch.norm(p)`; `loss += lam * l2_reg`)."""
    for term, coefficient in ((product.right, product.left), (product.left, product.right)):
        calls = norm_terms(ctx, term, scopes)
        if not calls or norm_terms(ctx, coefficient, scopes) or square_sum(ctx, coefficient, scopes) is not None:
            continue
        penalty = Penalty(term, product, resolve.value(ctx, coefficient, scopes, statement), coefficient, "norm", "", scopes[-1])
        penalty.over_weights = all(_normed_weight(ctx, call, scopes) for call in calls)
        penalty.weights_of = _weights_module(ctx, term, scopes)
        penalty.norm_calls = calls
        names: List[str] = _bound_targets(statement)
        comments = list(ctx.comments_of(statement))
        if isinstance(term, cst.Name):
            names.insert(0, term.value)
            for binding in ctx.names.lookup(term.value, scopes):
                comments.extend(ctx.comments_of(binding.statement))
        penalty.names = tuple(dict.fromkeys(names))
        penalty.comments = tuple(dict.fromkeys(comments))
        penalty.loss_term = _added_as_a_whole(ctx, product) and _named_as_loss(penalty.names, scopes)
        ctx.model.penalties.append(penalty)
        return


def _added_as_a_whole(ctx: Context, product) -> bool:
    """The product is summed or scaled, never a divisor: `loss + lam * ‖w‖` is a loss term,
    `eeta * ‖w‖ / (‖g‖ + wd * ‖w‖)` (a trust ratio's denominator) is not."""
    node, parent = product, ctx.names.parents.get(id(product))
    while isinstance(parent, cst.BinaryOperation):
        if isinstance(parent.operator, cst.Divide) and parent.right is node:
            return False
        if not isinstance(parent.operator, (cst.Add, cst.Subtract, cst.Multiply, cst.Divide)):
            return False
        node, parent = parent, ctx.names.parents.get(id(parent))
    return True


def _named_as_loss(names, scopes) -> bool:
    """Bound to a loss or penalty name, summing one (`l2_reg`), or in a loss function (`loss_fn`)."""
    functions = [s.name.value for s in scopes if isinstance(s, cst.FunctionDef)]
    return any(LOSS_NAME.search(snake(name)) for name in list(names) + functions[-1:])


def norm_terms(ctx: Context, expr: cst.BaseExpression, scopes, depth: int = 0) -> List[cst.Call]:
    """The unsquared L2-norm calls an expression sums (`sum(p.norm(2) for p in ...)`), or []."""
    if depth > 4:
        return []
    if isinstance(expr, cst.Name):
        parts = [(part, inner) for part, inner in accumulated(ctx, expr, scopes)
                 if not (isinstance(part, cst.Name) and part.value == "None")]  # `reg = None` then `reg = reg + ...`
        found = [norm_terms(ctx, part, inner, depth + 1) for part, inner in parts]
        return [c for calls in found for c in calls] if found and all(found) else []
    if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Add):
        left, right = norm_terms(ctx, expr.left, scopes, depth + 1), norm_terms(ctx, expr.right, scopes, depth + 1)
        return left + right if left and right else []
    if not isinstance(expr, cst.Call):
        return []
    if _is_norm(expr, ctx, scopes):
        return [] if _norm_along_axis(expr, ctx, scopes) else [expr]
    qualname, _ = ctx.qualify(expr.func, scopes)
    func = expr.func
    if _sums_a_list(ctx, qualname, func):
        if expr.args:
            inner = expr.args[0].value
            if isinstance(inner, (cst.ListComp, cst.GeneratorExp)):
                inner = inner.elt
                return norm_terms(ctx, inner, scopes, depth + 1)
            if isinstance(inner, (cst.List, cst.Tuple)) and inner.elements:
                found = [norm_terms(ctx, e.value, scopes, depth + 1) for e in inner.elements]
                return [c for calls in found for c in calls] if all(found) else []
            if isinstance(inner, cst.Name):  # `sum(reg)` over `reg.append(torch.norm(p))`
                return norm_terms(ctx, inner, scopes, depth + 1)
    elif qualname in SUM_CALLS and expr.args:
        stacked = _stacked_list(ctx, expr.args[0].value, scopes)
        return norm_terms(ctx, stacked, scopes, depth + 1) if isinstance(stacked, cst.Name) else []
    returned = resolve.returned(ctx, expr, scopes)
    found = [norm_terms(ctx, value, inner, depth + 1) for value, inner in returned]
    return [c for terms in found for c in terms] if found and all(found) else []


def _normed_weight(ctx: Context, call: cst.Call, scopes) -> bool:
    """Is the tensor a norm call measures a parameter (`p` from `model.parameters()`,
    `self.fc.weight`), not a gradient (`p.grad`) or a difference (`p - p0`)?"""
    if isinstance(call.func, cst.Attribute) and ctx.qualify(call.func, scopes)[0] not in NORM_CALLS:
        tensor = call.func.value  # `p.norm(2)`
    else:
        first = argument(call, "input", 0) or argument(call, "tensor", 0) or argument(call, "x", 0) or argument(call, "A", 0)
        if first is None:
            return False
        tensor = first.value
    if isinstance(tensor, cst.Attribute):
        return tensor.attr.value in ("weight", "kernel")
    if not isinstance(tensor, cst.Name):
        return False
    source = _loop_source(ctx, tensor.value, scopes)
    if source is None:
        return tensor.value in WEIGHT_NAMES
    # `for p in model.parameters()`, or `for p in net_params` after `net_params = list(net.parameters())`
    codes = [ctx.model.code(source)] + [ctx.model.code(o) for o, _ in resolve.origins(ctx, source, scopes) if o is not source]
    if any(word in code for code in codes for word in PARAMETER_WORDS):
        return True
    return "param" in codes[0] and tensor.value in WEIGHT_NAMES  # `for param in params` (an argument)


def _weights_module(ctx: Context, term: cst.BaseExpression, scopes, depth: int = 0) -> Optional[str]:
    """The one module whose parameters a penalty term ranges over: `model` for
    `sum(p.pow(2).sum() for p in model.parameters())`, `self.fc` for `self.fc.weight`."""
    found: Set[str] = set()

    def visit(node, scopes, depth) -> None:
        if depth > 6 or not isinstance(node, cst.CSTNode):
            return
        if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value in ("parameters", "named_parameters"):
            found.add(ctx.model.code(node.func.value))
            return
        if isinstance(node, cst.Attribute) and node.attr.value in ("weight", "kernel", "trainable_variables", "trainable_weights"):
            found.add(ctx.model.code(node.value))
            return
        if isinstance(node, cst.Name):
            source = _loop_source(ctx, node.value, scopes)
            if source is not None:
                visit(source, scopes, depth + 1)
            elif ctx.names.lookup(node.value, scopes):
                for part, inner in accumulated(ctx, node, scopes):
                    visit(part, inner, depth + 1)
            return
        for name in child_fields_of(node):
            value = getattr(node, name)
            for item in value if isinstance(value, (tuple, list)) else (value,):
                visit(item, scopes, depth + 1)

    visit(term, scopes, depth)
    del visit  # the closure refers to itself: a cycle of garbage per call otherwise
    return found.pop() if len(found) == 1 else None


def _loop_source(ctx: Context, name: str, scopes) -> Optional[cst.BaseExpression]:
    for scope in reversed(scopes):
        source = ctx.names.loop_sources.get((id(scope), name))
        if source is not None:
            return source
    return None


def _over_weights(ctx: Context, term: cst.BaseExpression, scopes, depth: int = 0) -> bool:
    """Does the squared term range over model parameters (not predictions or latents)?"""
    if depth > 4:
        return False
    found = False

    def visit(node) -> None:
        nonlocal found
        if found or not isinstance(node, cst.CSTNode):
            return
        if isinstance(node, cst.Attribute) and node.attr.value in WEIGHT_SOURCES:
            found = True
        elif isinstance(node, cst.Name):
            if node.value in WEIGHT_NAMES or node.value in WEIGHT_SOURCES:
                found = True
            elif depth < 4:
                for part, inner in accumulated(ctx, node, scopes) if ctx.names.lookup(node.value, scopes) else []:
                    if _over_weights(ctx, part, inner, depth + 1):
                        found = True
        elif isinstance(node, (cst.BinaryOperation)) and not isinstance(node.operator, cst.Power):
            return  # `pred - y`: arithmetic on data, not a parameter
        elif isinstance(node, cst.Call) and depth < 4 and (any(
                _over_weights(ctx, value, inner, depth + 1) for value, inner in resolve.returned(ctx, node, scopes))
                or any(_over_weights(other, value, inner, depth + 1) for other, value, inner in imported.returned_elsewhere(ctx, node))):
            found = True  # `model.l2()` returning a sum over `self.parameters()`, here or in another module
        else:
            for name in child_fields_of(node):
                value = getattr(node, name)
                for item in value if isinstance(value, (tuple, list)) else (value,):
                    visit(item)

    visit(term)
    del visit  # the closure refers to itself: a cycle of garbage per call otherwise
    return found


def accumulated(ctx: Context, name: cst.Name, scopes):
    """The terms a name accumulates: `x = 0` then `x = x + t` / `x += t` gives [t]; a list
    `x = []` then `x.append(t)` / `x.extend([...])` / `x += [t]` gives its elements."""
    parts = []
    bindings = ctx.names.lookup(name.value, scopes)
    for binding in bindings:
        value = binding.value
        if binding.kind not in ("assign", "augassign") or value is None:
            return []
        inner = ctx.scopes_of(binding.scope)
        if literal(value) == 0 or _zero_tensor(ctx, value, inner):
            continue
        if binding.kind == "assign" and isinstance(value, cst.BinaryOperation) and isinstance(value.operator, cst.Add):
            left_self = isinstance(value.left, cst.Name) and value.left.value == name.value
            right_self = isinstance(value.right, cst.Name) and value.right.value == name.value
            if left_self or right_self:
                value = value.right if left_self else value.left
        if binding.kind == "augassign" and not isinstance(binding.operator, cst.AddAssign):
            return []
        if isinstance(value, (cst.List, cst.Tuple)):
            parts.extend((element.value, inner) for element in value.elements if not isinstance(element, cst.StarredElement))
            continue
        parts.append((value, inner))
    if bindings:
        parts.extend(ctx.appended(name.value, bindings[0].scope))
    return parts


def square_sum(ctx: Context, expr: cst.BaseExpression, scopes, depth: int = 0) -> Optional[str]:
    """"sum_sq" for Σw², "half_sum_sq" for Σw²/2 (tf.nn.l2_loss), else None."""
    if depth > 4:
        return None
    if isinstance(expr, cst.Name):
        kinds = {square_sum(ctx, part, s, depth + 1) for part, s in accumulated(ctx, expr, scopes)}
        return kinds.pop() if len(kinds) == 1 else None
    if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Power) and literal(expr.right) == 2:
        return "sum_sq" if _is_norm(expr.left, ctx, scopes) else None
    if not isinstance(expr, cst.Call):
        return None
    qualname, _ = ctx.qualify(expr.func, scopes)
    func = expr.func
    if qualname in tf1.HALF_SUM_SQ_CALLS:
        return "half_sum_sq"
    if _sums_a_list(ctx, qualname, func):
        if expr.args:
            inner = expr.args[0].value
            if isinstance(inner, (cst.ListComp, cst.GeneratorExp)):
                inner = inner.elt
            return square_sum(ctx, inner, scopes, depth + 1)
        return None
    summed = expr.args[0].value if qualname in SUM_CALLS and expr.args else (
        func.value if isinstance(func, cst.Attribute) and func.attr.value == "sum" and not expr.args else None)
    if summed is not None:
        stacked = _stacked_list(ctx, summed, scopes)
        if stacked is not None:  # `tf.reduce_sum(tf.stack(reg))`: the sum of the list
            return square_sum(ctx, stacked, scopes, depth + 1)
        return "sum_sq" if _is_square(summed, ctx, scopes) else None
    if isinstance(func, cst.Attribute) and func.attr.value == "pow" and expr.args and literal(expr.args[0].value) == 2:
        return "sum_sq" if _is_norm(func.value, ctx, scopes) else None
    # `model.l2()` / `self.l2_penalty()`: what the file's own function returns; `l2_penalty(model)`
    # imported from another module of the project: what it returns there
    kinds = {square_sum(ctx, value, inner, depth + 1) for value, inner in resolve.returned(ctx, expr, scopes)} or {
        square_sum(other, value, inner, depth + 1) for other, value, inner in imported.returned_elsewhere(ctx, expr)}
    return kinds.pop() if len(kinds) == 1 else None


def _stacked_list(ctx: Context, expr, scopes) -> Optional[cst.BaseExpression]:
    """The list a `tf.stack(reg)` / `torch.stack(reg)` call makes one tensor of, else None."""
    if isinstance(expr, cst.Call) and expr.args and expr.args[0].keyword is None:
        if ctx.qualify(expr.func, scopes)[0] in STACK_CALLS:
            return expr.args[0].value
    return None


def _sums_a_list(ctx: Context, qualname: Optional[str], func) -> bool:
    """`sum(...)` (the builtin, bound nowhere in the file) or `tf.add_n(...)`."""
    return qualname in ADD_N_CALLS or (isinstance(func, cst.Name) and func.value == "sum" and "sum" not in ctx.names.bound)


def _is_square(expr, ctx: Context, scopes) -> bool:
    if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Power) and literal(expr.right) == 2:
        return True
    if isinstance(expr, cst.Call):
        qualname, _ = ctx.qualify(expr.func, scopes)
        if qualname in SQUARE_CALLS:
            return True
        if qualname in POW_CALLS and len(expr.args) == 2 and literal(expr.args[1].value) == 2:
            return True
        func = expr.func
        if isinstance(func, cst.Attribute):
            if func.attr.value == "square" and not expr.args:
                return True
            if func.attr.value == "pow" and len(expr.args) == 1 and literal(expr.args[0].value) == 2:
                return True
    return False


def _is_norm(expr, ctx: Context, scopes) -> bool:
    """An L2 norm (`torch.norm(p)`, `p.norm(2)`, `tf.norm(w)`), which squared is Σw²."""
    if not isinstance(expr, cst.Call):
        return False
    qualname, _ = ctx.qualify(expr.func, scopes)
    order = argument(expr, "p", 1) or argument(expr, "ord", 1)
    if qualname in NORM_CALLS:
        return order is None or literal(order.value) == 2
    func = expr.func
    if isinstance(func, cst.Attribute) and func.attr.value == "norm":
        order = argument(expr, "p", 0)
        return order is None or literal(order.value) == 2
    return False


def _norm_along_axis(expr: cst.Call, ctx: Context, scopes) -> bool:
    """`torch.norm(w, dim=1)` / `w.norm(2, 1)`: per-row norms (a group penalty), not ‖w‖."""
    if any(a.keyword is not None and a.keyword.value in ("dim", "axis") for a in expr.args):
        return True
    method = isinstance(expr.func, cst.Attribute) and ctx.qualify(expr.func, scopes)[0] not in NORM_CALLS
    positional = [a for a in expr.args if a.keyword is None]
    return len(positional) > (1 if method else 2) or any(a.star for a in expr.args)


def _bound_targets(statement) -> List[str]:
    """The names a statement assigns: `reg_loss = ...`, `self.l2 = ...`, `loss += ...`."""
    names: List[str] = []
    if isinstance(statement, cst.SimpleStatementLine):
        for small in statement.body:
            targets = [t.target for t in small.targets] if isinstance(small, cst.Assign) else (
                [small.target] if isinstance(small, (cst.AugAssign, cst.AnnAssign)) else [])
            for target in targets:
                name = dotted(target)
                if name:
                    names.append(name.rsplit(".", 1)[-1])
    return names


def _parent_scale(parent: cst.BinaryOperation, child) -> frozenset:
    """The literal factor around a product: `(wd * Σw²) / 2` -> 0.5, `0.5 * wd * Σw²` -> 0.5."""
    if isinstance(parent.operator, cst.Divide) and parent.left is child:
        divisor = literal(parent.right)
        return frozenset((1 / divisor,)) if divisor else frozenset()
    if isinstance(parent.operator, cst.Multiply):
        factor = literal(parent.right if parent.left is child else parent.left)
        return frozenset((factor,)) if factor is not None else frozenset()
    return frozenset()


def _zero_tensor(ctx: Context, expr, scopes) -> bool:
    """`torch.tensor(0.)`, `torch.zeros(1)`, `tf.constant(0.0)`: an accumulator's start, also
    moved or cast on the way (`torch.tensor(0.).to(device)`, `tf.identity(tf.constant(0.))`)."""
    expr = resolve.unwrap_identity(ctx, expr, scopes)
    if not isinstance(expr, cst.Call) or not expr.args:
        return False
    name = dotted(expr.func) or ""
    leaf = name.rsplit(".", 1)[-1]
    return (leaf in ("tensor", "constant", "as_tensor") and literal(expr.args[0].value) == 0) or leaf in ("zeros", "zeros_like")
