"""One libcst pass that records what names mean: imports, bindings, calls, scopes.

Resolution is deliberately simple and cheap (no libcst ScopeProvider, which costs
more than the parse): names are looked up in the enclosing function scopes, then
the module; imports anywhere in the file map a local name to a qualified name.
A name bound by anything other than an import is never read as a library symbol.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

import libcst as cst
from libcst.helpers import get_full_name_for_node

from reglint.frameworks import canonical
from reglint.frameworks.keras import GRADIENT_TAPE

Scope = cst.CSTNode  # a Module, FunctionDef, Lambda or ClassDef


@dataclass
class Binding:
    """One way a name gets its value."""

    kind: str  # "assign" | "augassign" | "param" | "import" | "def" | "class" | "other"
    value: Optional[cst.CSTNode] = None  # the assigned expression / default / FunctionDef
    statement: Optional[cst.CSTNode] = None  # the statement, for its comments
    scope: Optional[Scope] = None
    function: Optional[cst.FunctionDef] = None  # for parameters
    position: Optional[int] = None  # for positional parameters
    operator: Optional[cst.CSTNode] = None  # for augmented assignments (`/=`, `+=`)


@dataclass
class CallSite:
    call: cst.Call
    name: Optional[str]  # the dotted callee as written (`tf.keras.regularizers.l2`)
    scopes: Tuple[Scope, ...]  # innermost last
    statement: Optional[cst.CSTNode]
    tapes: Tuple[Tuple[str, cst.With], ...] = ()  # enclosing `with ... as tape` blocks
    qualname: Optional[str] = None  # canonical qualified callee, filled by the extractor


@dataclass
class Names:
    module: cst.Module
    imports: Dict[str, str] = field(default_factory=dict)
    bindings: Dict[Tuple[int, str], List[Binding]] = field(default_factory=dict)
    bound: set = field(default_factory=set)  # every name bound anywhere, by anything
    calls: List[CallSite] = field(default_factory=list)
    products: List[Tuple[cst.BinaryOperation, Tuple[Scope, ...], Optional[cst.CSTNode]]] = field(default_factory=list)
    parents: Dict[int, cst.CSTNode] = field(default_factory=dict)  # BinaryOperation/Arg parents
    functions: Dict[str, List[cst.FunctionDef]] = field(default_factory=dict)
    returns: Dict[int, List[cst.BaseExpression]] = field(default_factory=dict)
    comments: List[str] = field(default_factory=list)
    docstrings: List[str] = field(default_factory=list)
    function_scopes: Dict[int, Tuple[Scope, ...]] = field(default_factory=dict)
    tape_blocks: List[Tuple[str, cst.With, Tuple[Scope, ...]]] = field(default_factory=list)
    # (id(scope), name) -> what a `for name in <iterable>` loop draws the name from
    loop_sources: Dict[Tuple[int, str], cst.BaseExpression] = field(default_factory=dict)
    # for param_groups' fragment tests: each `x in y` / `x not in y` of two plain names as
    # (comparison, x, y, negated, scopes), and for each `for x, ... in <iterable>` (a loop or
    # comprehension) x -> [(iterable, scopes)]; scopes here are the module and functions only
    memberships: List[Tuple[cst.Comparison, str, str, bool, Tuple[Scope, ...]]] = field(default_factory=list)
    pair_loops: Dict[str, List[Tuple[cst.BaseExpression, Tuple[Scope, ...]]]] = field(default_factory=dict)
    # local name -> (relative level, module as written, imported name) of every `from m import x`,
    # for the project index (`reglint.project`) to find the module in the project
    from_imports: Dict[str, Tuple[int, str, str]] = field(default_factory=dict)
    # the dotted modules of `import pkg.optim` statements (no `as`): `pkg.optim.build(...)`
    # calls that module's function
    dotted_imports: set = field(default_factory=set)

    # -- lookups ---------------------------------------------------------------
    def lookup(self, name: str, scopes: Sequence[Scope]) -> List[Binding]:
        """Bindings of `name` visible from the innermost of `scopes`."""
        innermost = scopes[-1] if scopes else self.module
        for scope in reversed(scopes):
            if isinstance(scope, cst.ClassDef) and scope is not innermost:
                continue  # class bodies are not enclosing scopes for their methods
            found = self.bindings.get((id(scope), name))
            if found:
                return found
        return []

    def imported_qualname(self, func: cst.BaseExpression) -> Optional[str]:
        """The canonical qualified name of a dotted callee through the file's imports
        (`optim.AdamW` after `from torch import optim`); None when its head is bound by
        no import (a local name, not a library symbol) or it is not a dotted name."""
        name = dotted(func)
        if name is None:
            return None
        head, _, rest = name.partition(".")
        target = self.imports.get(head)
        if target is None:
            return None
        return canonical(f"{target}.{rest}" if rest else target)

    def attribute_bindings(self, dotted: str) -> List[Binding]:
        return self.bindings.get((0, dotted), [])


def dotted(node: cst.CSTNode) -> Optional[str]:
    if isinstance(node, (cst.Name, cst.Attribute)):
        return get_full_name_for_node(node)
    return None


_SKIPPED_FIELDS = ("whitespace", "lpar", "rpar", "comma", "semicolon", "colon", "equal", "dot",
                   "lbracket", "rbracket", "lbrace", "rbrace", "header", "footer", "leading_lines",
                   "lines_after_decorators", "operator", "newline", "asynchronous", "star", "quote",
                   "prefix", "semantic", "value_str")
_CHILD_FIELDS: Dict[type, Tuple[str, ...]] = {}


def child_fields(node_type: type) -> Tuple[str, ...]:
    """The fields of a node type that can hold code (not whitespace or punctuation)."""
    fields = _CHILD_FIELDS.get(node_type)
    if fields is None:
        import dataclasses

        fields = tuple(
            f.name for f in dataclasses.fields(node_type)
            if not any(skip in f.name for skip in _SKIPPED_FIELDS)
        )
        _CHILD_FIELDS[node_type] = fields
    return fields


class _Collector:
    """A hand-rolled walk over code-bearing fields only.

    libcst's visitor dispatch visits every whitespace and punctuation node and
    costs two to three times the parse itself; this walk skips them.
    """

    def __init__(self, names: Names):
        self.names = names
        self.scopes: List[Scope] = [names.module]
        self.statement: Optional[cst.CSTNode] = None
        self.tapes: List[Tuple[str, cst.With]] = []

    def walk(self, node: cst.CSTNode) -> None:
        handler = _HANDLERS.get(type(node))
        if handler is not None:
            handler(self, node)
        else:
            self.children(node)

    def children(self, node: cst.CSTNode) -> None:
        # node types told apart by a table (`IS_NODE`): isinstance was a fifth of the walk
        walk, is_node = self.walk, IS_NODE
        for name in child_fields(type(node)):
            value = getattr(node, name)
            value_type = type(value)
            known = is_node.get(value_type)
            if known is None:
                known = is_node[value_type] = isinstance(value, cst.CSTNode)
            if known:
                walk(value)
            elif isinstance(value, (tuple, list)):
                for item in value:
                    known = is_node.get(type(item))
                    if known is None:
                        known = is_node[type(item)] = isinstance(item, cst.CSTNode)
                    if known:
                        walk(item)

    # -- helpers -----------------------------------------------------------------
    def bind(self, name: str, binding: Binding, scope: Optional[Scope] = None) -> None:
        scope = scope if scope is not None else self.scopes[-1]
        binding.scope = scope
        self.names.bindings.setdefault((id(scope), name), []).append(binding)
        self.names.bound.add(name)

    def bind_target(self, target: cst.BaseExpression, value: Optional[cst.BaseExpression], kind: str) -> None:
        if isinstance(target, cst.Name):
            self.bind(target.value, Binding(kind, value, self.statement))
        elif isinstance(target, (cst.Tuple, cst.List)):
            values = value.elements if isinstance(value, (cst.Tuple, cst.List)) else None
            for index, element in enumerate(target.elements):
                inner = values[index].value if values and len(values) == len(target.elements) else None
                self.bind_target(element.value, inner, kind if inner is not None else "other")
        elif isinstance(target, cst.Attribute):
            name = dotted(target)
            if name:
                self.names.bindings.setdefault((0, name), []).append(Binding(kind, value, self.statement, self.scopes[-1]))
        elif isinstance(target, cst.StarredElement):
            self.bind_target(target.value, None, "other")

    def scoped(self, scope: Scope) -> None:
        self.scopes.append(scope)
        self.children(scope)
        self.scopes.pop()

    # -- statements and scopes --------------------------------------------------
    def simple_statement(self, node) -> None:
        outer, self.statement = self.statement, node
        self.children(node)
        self.statement = outer

    def expr(self, node: cst.Expr) -> None:
        if isinstance(node.value, (cst.SimpleString, cst.ConcatenatedString)):
            self.names.docstrings.append(_string_text(node.value))
        else:
            self.children(node)

    def function_def(self, node: cst.FunctionDef) -> None:
        self.bind(node.name.value, Binding("def", node, self.statement))
        self.names.functions.setdefault(node.name.value, []).append(node)
        for decorator in node.decorators:
            self.walk(decorator)
        params = node.params
        for param in (*params.posonly_params, *params.params, *params.kwonly_params):
            if param.default is not None:
                self.walk(param.default)
        self.scopes.append(node)
        self.names.function_scopes[id(node)] = tuple(self.scopes)
        positional = list(params.posonly_params) + list(params.params)
        for index, param in enumerate(positional):
            self.bind(param.name.value, Binding("param", param.default, None, node, node, index))
        for param in params.kwonly_params:
            self.bind(param.name.value, Binding("param", param.default, None, node, node, None))
        for star in (params.star_arg, params.star_kwarg):
            if isinstance(star, cst.Param):
                self.bind(star.name.value, Binding("other", None, None, node))
        self.walk(node.body)
        self.scopes.pop()

    def lambda_(self, node: cst.Lambda) -> None:
        self.scopes.append(node)
        for param in list(node.params.params) + list(node.params.kwonly_params):
            self.bind(param.name.value, Binding("param", param.default, None, node, None))
        self.walk(node.body)
        self.scopes.pop()

    def class_def(self, node: cst.ClassDef) -> None:
        self.bind(node.name.value, Binding("class", node, self.statement))
        for item in (*node.decorators, *node.bases, *node.keywords):
            self.walk(item)
        self.scopes.append(node)
        self.walk(node.body)
        self.scopes.pop()

    def return_(self, node: cst.Return) -> None:
        function = next((s for s in reversed(self.scopes) if isinstance(s, cst.FunctionDef)), None)
        if function is not None and node.value is not None:
            self.names.returns.setdefault(id(function), []).append(node.value)
        self.children(node)

    # -- bindings -------------------------------------------------------------------
    def import_(self, node: cst.Import) -> None:
        for alias in node.names:
            full = get_full_name_for_node(alias.name)
            if not full:
                continue
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                local, target = alias.asname.name.value, full
            else:
                local = target = full.split(".")[0]
                if "." in full:
                    self.names.dotted_imports.add(full)
            self.names.imports[local] = target
            self.bind(local, Binding("import", None, self.statement))

    def import_from(self, node: cst.ImportFrom) -> None:
        base = None if node.relative or node.module is None else get_full_name_for_node(node.module)
        if isinstance(node.names, cst.ImportStar):
            return
        for alias in node.names:
            name = get_full_name_for_node(alias.name)
            if not name:
                continue
            local = alias.asname.name.value if alias.asname is not None and isinstance(alias.asname.name, cst.Name) else name
            module = get_full_name_for_node(node.module) if node.module is not None else ""
            self.names.from_imports[local] = (len(node.relative), module or "", name)
            if base:
                self.names.imports[local] = f"{base}.{name}"
            else:
                self.names.imports.pop(local, None)  # relative import: the project's own code
            self.bind(local, Binding("import", None, self.statement))

    def assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            self.bind_target(target.target, node.value, "assign")
        self.children(node)

    def ann_assign(self, node: cst.AnnAssign) -> None:
        self.bind_target(node.target, node.value, "assign" if node.value is not None else "other")
        self.children(node)

    def aug_assign(self, node: cst.AugAssign) -> None:
        if isinstance(node.target, cst.Name):
            self.bind(node.target.value, Binding("augassign", node.value, self.statement, operator=node.operator))
        else:
            self.bind_target(node.target, node.value, "augassign")
        self.children(node)

    def named_expr(self, node: cst.NamedExpr) -> None:
        self.bind_target(node.target, node.value, "assign")
        self.children(node)

    def for_(self, node: cst.For) -> None:
        self.bind_target(node.target, None, "other")
        self.loop_source(node.target, node.iter)
        self.children(node)

    def comp_for(self, node: cst.CompFor) -> None:
        self.bind_target(node.target, None, "other")
        self.loop_source(node.target, node.iter)
        self.children(node)

    def function_scopes(self) -> Tuple[Scope, ...]:
        return tuple(s for s in self.scopes if isinstance(s, (cst.Module, cst.FunctionDef)))

    def comparison(self, node: cst.Comparison) -> None:
        if len(node.comparisons) == 1 and isinstance(node.left, cst.Name):
            target = node.comparisons[0]
            if isinstance(target.operator, (cst.In, cst.NotIn)) and isinstance(target.comparator, cst.Name):
                self.names.memberships.append((node, node.left.value, target.comparator.value,
                                               isinstance(target.operator, cst.NotIn), self.function_scopes()))
        self.children(node)

    def loop_source(self, target: cst.BaseExpression, iterable: cst.BaseExpression) -> None:
        """`for p in model.parameters()` / `for name, p in model.named_parameters()`: each name's
        iterable, and the first name of pairs (`name`) for the fragment tests."""
        if isinstance(target, cst.Tuple):
            names = [e.value for e in target.elements if isinstance(e.value, cst.Name)]
            if target.elements and isinstance(target.elements[0].value, cst.Name):
                self.names.pair_loops.setdefault(target.elements[0].value.value, []).append((iterable, self.function_scopes()))
        else:
            names = [target] if isinstance(target, cst.Name) else []
        for name in names:
            self.names.loop_sources[(id(self.scopes[-1]), name.value)] = iterable

    def except_handler(self, node: cst.ExceptHandler) -> None:
        if node.name is not None and isinstance(node.name.name, cst.Name):
            self.bind(node.name.name.value, Binding("other"))
        self.children(node)

    def with_(self, node: cst.With) -> None:
        pushed = 0
        for item in node.items:
            if item.asname is None:
                continue
            self.bind_target(item.asname.name, None, "other")
            if isinstance(item.asname.name, cst.Name) and isinstance(item.item, cst.Call):
                callee = dotted(item.item.func)
                if callee and callee.split(".")[-1] == GRADIENT_TAPE:
                    tape = item.asname.name.value
                    self.tapes.append((tape, node))
                    self.names.tape_blocks.append((tape, node, tuple(self.scopes)))
                    pushed += 1
        self.children(node)
        del self.tapes[len(self.tapes) - pushed:]

    def global_(self, node) -> None:
        for item in node.names:
            self.names.bound.add(item.name.value)

    # -- expressions ------------------------------------------------------------------
    def call(self, node: cst.Call) -> None:
        self.names.calls.append(CallSite(node, dotted(node.func), tuple(self.scopes), self.statement, tuple(self.tapes)))
        for arg in node.args:
            self.names.parents[id(arg.value)] = node
        self.children(node)

    def concatenated_string(self, node: cst.ConcatenatedString) -> None:
        """`'a' 'b' 'c'` nests one node per string: walk the chain in a loop, not by recursion."""
        while isinstance(node, cst.ConcatenatedString):
            self.walk(node.left)
            node = node.right
        self.walk(node)

    def sequence(self, node) -> None:
        for element in node.elements:
            self.names.parents[id(element.value)] = node
        self.children(node)

    def binary_operation(self, node: cst.BinaryOperation) -> None:
        self.names.parents[id(node.left)] = node
        self.names.parents[id(node.right)] = node
        if isinstance(node.operator, cst.Multiply):
            self.names.products.append((node, tuple(self.scopes), self.statement))
        self.children(node)


# node class -> the _Collector method that reads it (a table of functions, not of bound
# methods: an instance holding its own bound methods is a reference cycle, which kept every
# file's libcst tree alive until the cyclic collector ran)
_HANDLERS = {
    cst.SimpleStatementLine: _Collector.simple_statement,
    cst.Expr: _Collector.expr,
    cst.FunctionDef: _Collector.function_def,
    cst.Lambda: _Collector.lambda_,
    cst.ClassDef: _Collector.class_def,
    cst.Return: _Collector.return_,
    cst.Import: _Collector.import_,
    cst.ImportFrom: _Collector.import_from,
    cst.Assign: _Collector.assign,
    cst.AnnAssign: _Collector.ann_assign,
    cst.AugAssign: _Collector.aug_assign,
    cst.NamedExpr: _Collector.named_expr,
    cst.For: _Collector.for_,
    cst.CompFor: _Collector.comp_for,
    cst.ExceptHandler: _Collector.except_handler,
    cst.With: _Collector.with_,
    cst.Global: _Collector.global_,
    cst.Nonlocal: _Collector.global_,
    cst.Call: _Collector.call,
    cst.BinaryOperation: _Collector.binary_operation,
    cst.ConcatenatedString: _Collector.concatenated_string,
    cst.List: _Collector.sequence,
    cst.Tuple: _Collector.sequence,
    cst.Comparison: _Collector.comparison,
}


def _string_text(node) -> str:
    parts = []
    while isinstance(node, cst.ConcatenatedString):
        parts.append(node.left)
        node = node.right
    parts.append(node)
    return "".join(part.value for part in parts if isinstance(part, cst.SimpleString))


COMMENT = re.compile(r"#[^\r\n]*")


# node type -> whether it is a CSTNode: told apart by this table, not isinstance (CSTNode is
# an ABC, a slow check); the collector's walk and `comments.holds_comment` share it
IS_NODE: Dict[type, bool] = {}


def collect(module: cst.Module, text: str = "") -> Names:
    names = Names(module)
    _Collector(names).children(module)
    names.comments = COMMENT.findall(text) if text else []
    return names
