"""The screen's second look at a file's ast: may one of its products be a penalty?

`Code.has_product` with `has_square_sum` or `has_norm_call` holds in most model and
optimizer files (a LAMB trust ratio, `x / x.norm()`, `0.5 * (x ** 2).sum()` in a loss),
where libcst would then run for nothing. This walk, made only for such a file, asks what
`analysis.penalties` needs of one product: a factor that holds the term (Σw² or an
unsquared norm of a weight) itself, or through a name or function of the file whose
assigned, appended or returned values hold one (followed to a fixed point, all scopes of
a name together, as `penalties.accumulated` and `resolve.returned` follow them). A norm
penalty must also be named as a loss (RL007's `loss_term`).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Set, Tuple

from reglint.intent import LOSS_NAME, snake
from reglint.screen import _WALKED, _is_norm, _is_two, _may_measure_weights, _square_sum, _terminal, _walked, tables

_ASSIGNMENTS = (ast.Assign, ast.AugAssign, ast.AnnAssign)


@dataclass
class Products:
    """A file's products and what its names and functions are given."""

    products: List[Tuple[ast.BinOp, str, int]] = field(default_factory=list)  # (product, function, line)
    bound: List[Tuple[Set[str], ast.AST]] = field(default_factory=list)  # (names, value)
    returned: List[Tuple[str, ast.AST]] = field(default_factory=list)  # (function, value)
    line_targets: Dict[int, Set[str]] = field(default_factory=dict)  # names the assignments on a line bind
    renamed: Dict[str, str] = field(default_factory=dict)  # `from torch import norm as n`: n -> norm


def walk(tree: ast.AST) -> Products:
    """One walk of the tree for both questions."""
    found = Products()
    products, bound, returned, line_targets = found.products, found.bound, found.returned, found.line_targets
    table = tables()
    terms = table["norms"] | table["sum_calls"] | {"square", "pow", "l2_loss"}
    walked_fields = _WALKED
    stack = [(tree, "", 0)]
    pop, push = stack.pop, stack.append
    Name, Call, Attribute = ast.Name, ast.Call, ast.Attribute
    while stack:
        node, function, line = pop()
        kind = type(node)
        if kind is ast.BinOp:
            if type(node.op) is ast.Mult:
                products.append((node, function, line))
        elif kind is Call:
            func = node.func
            if type(func) is Attribute and func.attr in ("append", "extend") and type(func.value) is Name and node.args:
                bound.append(({func.value.id}, node.args[0]))  # `reg.append(torch.norm(p))`
        elif kind in _ASSIGNMENTS or kind is ast.NamedExpr:
            targets = node.targets if kind is ast.Assign else [node.target]
            if node.value is not None:
                bound.append(({n.id for t in targets for n in ast.walk(t) if type(n) is Name}, node.value))
            if kind is not ast.NamedExpr:
                line = node.lineno
                line_targets.setdefault(line, set()).update(
                    t.id if type(t) is Name else t.attr for t in targets if type(t) is Name or type(t) is Attribute)
        elif kind is ast.Return:
            if node.value is not None and function:
                returned.append((function, node.value))
        elif kind is ast.ImportFrom:
            found.renamed.update((alias.asname, alias.name) for alias in node.names if alias.asname and alias.name in terms)
        elif kind is ast.FunctionDef or kind is ast.AsyncFunctionDef:
            function = node.name
        if isinstance(node, ast.stmt) and kind not in _ASSIGNMENTS:
            line = 0  # a product in another statement is bound to no name
        walked = walked_fields.get(kind)
        if walked is None:
            walked = walked_fields[kind] = _walked(kind)
        for name in walked[0]:
            value = getattr(node, name, None)
            if type(value) is list:
                for item in value:
                    if isinstance(item, ast.AST):
                        push((item, function, line))
            elif isinstance(value, ast.AST):
                push((value, function, line))
    return found


def norm_products(found: Products) -> bool:
    """Some product may be `coef * ‖w‖` in a loss (`penalties._norm_penalty`, RL007)."""
    norms, renamed = tables()["norms"], found.renamed

    def norm(node) -> bool:
        return type(node) is ast.Call and _terminal(node.func, renamed) in norms and _may_measure_weights(node.func)

    def loss_named(product, function, line) -> bool:
        names = [function, *found.line_targets.get(line, ())]
        names.extend(factor.id for factor in (product.left, product.right) if type(factor) is ast.Name)
        return any(LOSS_NAME.search(snake(name)) for name in names if name)

    return _held(found, [p for p, function, line in found.products if loss_named(p, function, line)], norm)


def square_products(found: Products) -> bool:
    """Some product may be `coef * Σw²` (`penalties.penalties`)."""
    table, renamed = tables(), found.renamed
    norms, sums = table["norms"], table["sum_calls"]

    def square_sum(node) -> bool:
        kind = type(node)
        if kind is ast.Call:
            function = _terminal(node.func, renamed)
            return function in sums and _square_sum(node, function, norms, renamed)
        return (kind is ast.BinOp and type(node.op) is ast.Pow and _is_two(node.right)
                and _is_norm(node.left, norms, renamed))

    return _held(found, [p for p, _, _ in found.products], square_sum)


def _held(found: Products, products, term: Callable[[ast.AST], bool]) -> bool:
    """Whether a factor of one of `products` holds a `term`, directly or through the names
    and functions of the file that hold one."""
    if not products:
        return False
    names: Set[str] = set()
    functions: Set[str] = set()

    def holds(expr) -> bool:
        for node in ast.walk(expr):
            kind = type(node)
            if kind is ast.Name:
                if node.id in names:
                    return True
            elif kind is ast.Call and _terminal(node.func) in functions:
                return True
            if term(node):
                return True
        return False

    changed = True
    while changed:
        changed = False
        for targets, value in found.bound:
            if not targets <= names and holds(value):
                names |= targets
                changed = True
        for function, value in found.returned:
            if function not in functions and holds(value):
                functions.add(function)
                changed = True
    return any(holds(product.left) or holds(product.right) for product in products)
