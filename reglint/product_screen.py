"""The screen's second look at a file's ast: may one of its products be a penalty?

`Code.has_product` with `has_square_sum` or `has_norm_call` holds in most model and
optimizer files (a LAMB trust ratio, `x / x.norm()`, `0.5 * (x ** 2).sum()` in a loss),
where libcst would then run for nothing. This walk, made only for such a file, asks what
`analysis.penalties` needs of one product: a factor that is the term (Σw², or an unsquared
norm of a weight) as `square_sum` / `norm_terms` read one — by itself, as a sum of terms,
or through a name or function of the file the term is assigned, appended or returned to
(followed to a fixed point, all scopes of a name together). A norm penalty must also be
named as a loss (RL007's `loss_term`).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Callable, Dict, FrozenSet, List, Set, Tuple

from reglint.intent import LOSS_NAME, snake
from reglint.screen_names import WALKED, is_norm, is_two, may_measure_weights, square_sum, tables, terminal, walked_fields_of

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
    walked_fields = WALKED
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
            walked = walked_fields[kind] = walked_fields_of(kind)
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

    def leaf(node) -> bool:
        return type(node) is ast.Call and terminal(node.func, renamed) in norms and may_measure_weights(node.func)

    def loss_named(product, function, line) -> bool:
        names = [function, *found.line_targets.get(line, ())]
        names.extend(factor.id for factor in (product.left, product.right) if type(factor) is ast.Name)
        return any(LOSS_NAME.search(snake(name)) for name in names if name)

    return _held(found, [p for p, function, line in found.products if loss_named(p, function, line)], leaf)


def square_products(found: Products, returning: FrozenSet[str] = frozenset()) -> bool:
    """Some product may be `coef * Σw²` (`penalties.penalties`); `returning`: names of
    functions of other modules that may return a Σw² (`5e-4 * l2_penalty(model)`)."""
    table, renamed = tables(), found.renamed
    norms, sums = table["norms"], table["sum_calls"]

    def leaf(node) -> bool:
        kind = type(node)
        if kind is ast.Call:
            function = terminal(node.func, renamed)
            return function in sums and square_sum(node, function, norms, renamed)
        return (kind is ast.BinOp and type(node.op) is ast.Pow and is_two(node.right)
                and is_norm(node.left, norms, renamed))

    return _held(found, [p for p, _, _ in found.products], leaf, returning)


def _held(found: Products, products, leaf: Callable[[ast.AST], bool], returning: FrozenSet[str] = frozenset()) -> bool:
    """Whether a factor of one of `products` is a term as the extractor reads one: a `leaf`,
    a sum of terms (`a + b`, `sum(... for ...)`, `tf.add_n(reg)`, `reduce_sum(stack(reg))`),
    a name the file binds to terms (`l2 += p.norm()`, `reg.append(...)`), or a call of a
    function of the file returning one. Never narrower than the extractor, which needs every
    part of a sum and every binding of a name to be a term."""
    if not products:
        return False
    table = tables()
    # calls whose first argument's terms are summed: `sum`, `tf.add_n`, `reduce_sum` (`_sums_a_list`,
    # SUM_CALLS), and the stacks `reduce_sum(stack(reg))` goes through (`_stacked_list`)
    summing = table["sum_calls"] | table["stacks"]
    renamed = found.renamed
    names: Set[str] = set()
    functions: Set[str] = set(returning)

    def term(node, depth: int = 0) -> bool:
        kind = type(node)
        if kind is ast.Name:
            return node.id in names
        if depth > MAX_TERM_DEPTH:
            return False
        if kind is ast.BinOp and type(node.op) is ast.Add:
            return term(node.left, depth + 1) or term(node.right, depth + 1)
        if leaf(node):
            return True
        if kind is not ast.Call:
            return False
        func = node.func
        function = terminal(func, renamed)
        if function in functions:
            return True
        if function == "sum" and type(func) is ast.Attribute and not node.args:  # `torch.stack(reg).sum()`
            return term(func.value, depth + 1)
        if function not in summing or not node.args:
            return False
        inner = node.args[0]
        if type(inner) in (ast.GeneratorExp, ast.ListComp):
            return term(inner.elt, depth + 1)
        if type(inner) in (ast.List, ast.Tuple):
            return any(term(element, depth + 1) for element in inner.elts)
        return term(inner, depth + 1)

    changed = True
    while changed:
        changed = False
        for targets, value in found.bound:
            kind = type(value)
            if not targets <= names and (term(value) or (kind in (ast.List, ast.Tuple) and any(term(e) for e in value.elts))):
                names |= targets
                changed = True
            if not targets <= functions and (  # `f = model.l2_term`, `f = lambda: ...`: calls of `f` too
                    (kind in (ast.Name, ast.Attribute) and terminal(value) in functions) or (kind is ast.Lambda and term(value.body))):
                functions |= targets
                changed = True
        for function, value in found.returned:
            if function not in functions and term(value):
                functions.add(function)
                changed = True
    return any(term(product.left) or term(product.right) for product in products)


MAX_TERM_DEPTH = 8  # the extractor follows a term 4 levels deep
