"""Parameter groups: which parameters a torch optimizer decays, and optax decay masks.

Facts for RL010, read off the code without deciding what is a hazard:
- `FragmentTest`: `n in no_decay` / `n not in no_decay` where `no_decay` is a literal
  list of name fragments (`"bias"`, `"LayerNorm.weight"`) and `n` a `named_parameters()` name;
- `GroupedOptimizer`: the groups (or one plain parameter list) given to a torch optimizer,
  each group with how its parameters were selected (name fragments, `ndim`, `.bias`,
  norm module types, or only the variable's name) and its own decay key, if any;
- `DecayMask` (`decay_masks`): the test an optax decay mask is built from and what it is True for;
- `NoWeightDecay`: a class's timm-style `no_weight_decay()` and whether the file reads it.

The cheap predicate is `reglint.facts.may_have_param_groups`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

import libcst as cst

from reglint.analysis import decay_masks, module_tree
from reglint.analysis.names import Names, collect, dotted
from reglint.analysis.selection import Selection, classify, fragments_of
from reglint.analysis.syntax import argument
from reglint.frameworks import optax as optax_table
from reglint.frameworks import timm as timm_table
from reglint.frameworks import torch as torch_table


@dataclass
class FragmentTest:
    comparison: cst.Comparison
    negated: bool  # `not in`
    name: str  # the parameter-name variable (`n`)
    collection: str  # the fragment collection as written (`no_decay`)
    fragments: Tuple[str, ...]


@dataclass
class ParamGroup:
    node: cst.BaseExpression  # the `{...}` or `dict(...)` literal
    selection: Selection
    decay_key: Optional[str] = None  # the key that sets its own decay, when written
    decay: Optional[cst.BaseExpression] = None
    quote: str = '"'  # how its keys are quoted (`dict(...)`: "")
    last: Optional[cst.CSTNode] = None  # its last element / argument, to insert after
    # its parameters chosen by `[p for n, p in m.named_parameters() if any(nd in n for nd in
    # no_decay)]` (or `not any(...)`) alone: that test, the fragments, and when `m` is an
    # instance of a class of this file, the class and its norm weights' names (module_tree)
    fragment_test: Optional[cst.BaseExpression] = None
    fragments: Tuple[str, ...] = ()
    model_class: Optional[str] = None
    norm_weights: Tuple[str, ...] = ()
    model_defined: Optional[Tuple[str, int, int]] = None  # (path, line, column) when in another module


@dataclass
class GroupedOptimizer:
    call: cst.Call
    qualname: str
    display: str  # `AdamW`
    groups: List[ParamGroup] = field(default_factory=list)
    decay_keys: Tuple[str, ...] = ()  # the decay keys its groups use
    weight_decay: Optional[cst.BaseExpression] = None  # the optimizer-wide value, when passed
    default_decay: Optional[float] = None  # the class's default, when not passed
    merged: Optional[cst.BaseExpression] = None  # `decay + no_decay` given as one list
    merged_parts: Tuple[Selection, ...] = ()
    parameters_of: Optional[str] = None  # `model` in `Opt(model.parameters())`
    scopes: Tuple[cst.CSTNode, ...] = ()


@dataclass
class NoWeightDecay:
    cls: cst.ClassDef
    method: cst.FunctionDef
    consulted: bool  # the file reads `.no_weight_decay` (or hands the model to timm) elsewhere
    instances: Tuple[str, ...] = ()  # names bound to `Cls(...)` in the file


@dataclass
class ParamGroupFacts:
    fragment_tests: List[FragmentTest] = field(default_factory=list)
    optimizers: List[GroupedOptimizer] = field(default_factory=list)
    masks: List[decay_masks.DecayMask] = field(default_factory=list)
    no_weight_decay: List[NoWeightDecay] = field(default_factory=list)
    depends: Tuple[str, ...] = ()  # other project modules read (a model class defined there)


def extract(module: cst.Module, text: str, names: Optional[Names] = None, path: str = "") -> ParamGroupFacts:
    names = names or collect(module)
    facts = ParamGroupFacts()
    resolver = _Resolver(names, path)
    for site in names.calls:
        qualname = resolver.qualname(site.call.func)
        if qualname is None:
            continue
        spec = torch_table.OPTIMIZERS.get(qualname)
        if spec is not None:
            facts.optimizers.append(_grouped(resolver, site, qualname, spec))
        if qualname in optax_table.DECAY_MASK_ARGUMENTS or qualname == optax_table.MASKED:
            mask = decay_masks.decay_mask(resolver, site, qualname)
            if mask is not None:
                facts.masks.append(mask)
    if _fragment_lists(resolver):
        facts.fragment_tests = _fragment_tests(resolver, module)
    if "no_weight_decay" in text:
        facts.no_weight_decay = _no_weight_decay(resolver, text)
    facts.depends = tuple(resolver.depends)
    return facts


class _Resolver:
    """Qualified names and single bindings, through `reglint.analysis.names`."""

    def __init__(self, names: Names, path: str = ""):
        self.names = names
        self.path = path  # the checked file: its project's modules may define the model class
        self.depends: Dict[str, None] = {}
        self.modules: Dict[str, object] = {}  # other modules parsed, by path (module_tree)

    def qualname(self, func: cst.BaseExpression) -> Optional[str]:
        """Through the imports; a name bound by no import stays as written."""
        return self.names.imported_qualname(func) or dotted(func)

    def value(self, expr: cst.BaseExpression, scopes: Sequence[cst.CSTNode], depth: int = 0):
        """`expr`, or the single expression a plain name was assigned (3 hops at most)."""
        while isinstance(expr, cst.Name) and depth < 3:
            bindings = self.names.lookup(expr.value, scopes)
            if len(bindings) != 1 or bindings[0].kind not in ("assign", "def") or bindings[0].value is None:
                return expr
            expr, depth = bindings[0].value, depth + 1
        return expr

    def bindings(self, name: str, scopes: Sequence[cst.CSTNode]):
        return self.names.lookup(name, scopes)

    @staticmethod
    def argument(call: cst.Call, keyword: Optional[str], position: Optional[int]) -> Optional[cst.Arg]:
        return argument(call, keyword, position)


# -- groups -------------------------------------------------------------------------

def _grouped(resolver: _Resolver, site, qualname: str, spec) -> GroupedOptimizer:
    display = qualname.rsplit(".", 1)[-1]
    found = GroupedOptimizer(site.call, qualname, display, scopes=site.scopes)
    keyword, position = spec.weight_decay if spec is not None else ("weight_decay", None)
    decay_arg = argument(site.call, keyword, position)
    found.weight_decay = decay_arg.value if decay_arg is not None else None
    found.default_decay = spec.default_weight_decay if spec is not None else None
    params_arg = argument(site.call, "params", 0)
    if params_arg is None:
        return found
    params = params_arg.value
    if _plain_parameters(params):
        found.parameters_of = dotted(params.func.value)
        return found
    groups_expr = resolver.value(params, site.scopes)
    if isinstance(groups_expr, (cst.List, cst.Tuple)):
        found.groups = [g for g in (_group(resolver, e.value, site.scopes) for e in groups_expr.elements) if g is not None]
    elif isinstance(groups_expr, cst.Call) and isinstance(groups_expr.func, cst.Name):
        found.groups = _returned_groups(resolver, groups_expr.func.value, site.scopes)
    merged = _merge(groups_expr if groups_expr is not params else params)
    if merged is not None:
        parts = tuple(_selection_of(resolver, part, site.scopes) for part in merged)
        found.merged, found.merged_parts = params, parts
    found.decay_keys = tuple(dict.fromkeys(g.decay_key for g in found.groups if g.decay_key))
    return found


def _plain_parameters(expr) -> bool:
    return (isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute)
            and expr.func.attr.value == "parameters" and dotted(expr.func.value) is not None)


def _returned_groups(resolver: _Resolver, function: str, scopes) -> List[ParamGroup]:
    for binding in resolver.bindings(function, scopes):
        if binding.kind == "def" and isinstance(binding.value, cst.FunctionDef):
            inner = resolver.names.function_scopes.get(id(binding.value), (*scopes[:1], binding.value))
            for value in resolver.names.returns.get(id(binding.value), []):
                value = resolver.value(value, inner)
                if isinstance(value, (cst.List, cst.Tuple)):
                    return [g for g in (_group(resolver, e.value, inner) for e in value.elements) if g is not None]
    return []


def _merge(expr) -> Optional[Tuple[cst.BaseExpression, ...]]:
    """`a + b`, `[*a, *b]`, `list(a) + list(b)`: two lists given as one."""
    if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Add):
        return tuple(_unlist(side) for side in (expr.left, expr.right))
    if isinstance(expr, cst.List) and len(expr.elements) == 2 and all(isinstance(e, cst.StarredElement) for e in expr.elements):
        return tuple(e.value for e in expr.elements)
    return None


def _unlist(expr):
    if isinstance(expr, cst.Call) and isinstance(expr.func, cst.Name) and expr.func.value == "list" and len(expr.args) == 1:
        return expr.args[0].value
    return expr


def _group(resolver: _Resolver, element, scopes) -> Optional[ParamGroup]:
    """A `{"params": ..., "weight_decay": ...}` or `dict(params=..., ...)` group."""
    entries: Dict[str, Tuple[cst.BaseExpression, cst.CSTNode]] = {}
    quote = '"'
    if isinstance(element, cst.Dict):
        for item in element.elements:
            if isinstance(item, cst.DictElement) and isinstance(item.key, cst.SimpleString):
                key = item.key.evaluated_value
                entries[key] = (item.value, item)
                quote = item.key.value[0]
            elif not isinstance(item, cst.DictElement):
                return None  # `**defaults`: keys out of sight
    elif isinstance(element, cst.Call) and dotted(element.func) == "dict":
        quote = ""
        for arg in element.args:
            if arg.keyword is None:
                return None
            entries[arg.keyword.value] = (arg.value, arg)
    else:
        return None
    if "params" not in entries:
        return None
    group = ParamGroup(element, _selection_of(resolver, entries["params"][0], scopes), quote=quote)
    for key in torch_table.GROUP_DECAY_KEYS:
        if key in entries:
            group.decay_key, group.decay = key, entries[key][0]
    group.last = list(entries.values())[-1][1]
    _read_fragment_split(resolver, group, entries["params"][0], scopes)
    return group


def _read_fragment_split(resolver: _Resolver, group: ParamGroup, params, scopes) -> None:
    """Fill `group.fragment_test` and what goes with it when `params` is a comprehension over
    `m.named_parameters()` whose only test is a fragment test."""
    comp = resolver.value(params, scopes)
    if not isinstance(comp, (cst.ListComp, cst.GeneratorExp)) or comp.for_in.inner_for_in is not None or len(comp.for_in.ifs) != 1:
        return
    target = comp.for_in.target
    if not (isinstance(target, cst.Tuple) and len(target.elements) == 2 and isinstance(target.elements[0].value, cst.Name)):
        return
    test = comp.for_in.ifs[0].test
    inner = test.expression if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not) else test
    fragments = _any_fragments(resolver, inner, target.elements[0].value.value, scopes)
    receiver = _parameters_receiver(resolver, comp.for_in.iter, scopes)
    if not fragments or receiver is None:
        return
    group.fragment_test, group.fragments = test, fragments
    cls = module_tree.model_class(resolver, receiver, scopes)
    if cls is not None:
        group.model_class, group.norm_weights = cls.name.value, module_tree.norm_weights(resolver, cls)
        return
    library = module_tree.library_model(resolver, receiver, scopes)
    if library is not None:
        group.model_class, group.norm_weights = library
        return
    project = module_tree.project_model(resolver, receiver, scopes)  # records the modules read
    if project is not None:
        group.model_class, group.norm_weights, group.model_defined = project


def _any_fragments(resolver: _Resolver, test, name: str, scopes) -> Tuple[str, ...]:
    """The fragments of `any(nd in <name> for nd in <fragments>)`, else ()."""
    if not (isinstance(test, cst.Call) and dotted(test.func) == "any" and len(test.args) == 1):
        return ()
    gen = test.args[0].value
    if not isinstance(gen, (cst.GeneratorExp, cst.ListComp)) or gen.for_in.ifs or gen.for_in.inner_for_in is not None:
        return ()
    elt, variable = gen.elt, gen.for_in.target
    if not (isinstance(elt, cst.Comparison) and len(elt.comparisons) == 1 and isinstance(elt.comparisons[0].operator, cst.In)
            and isinstance(variable, cst.Name) and isinstance(elt.left, cst.Name) and elt.left.value == variable.value
            and isinstance(elt.comparisons[0].comparator, cst.Name) and elt.comparisons[0].comparator.value == name):
        return ()
    source = gen.for_in.iter
    if isinstance(source, cst.Name):
        return _fragments(resolver, source.value, scopes) or ()
    return fragments_of(source) or ()


def _parameters_receiver(resolver: _Resolver, source, scopes, depth: int = 0) -> Optional[cst.BaseExpression]:
    """`m` of `m.named_parameters()` (`list(...)` around it, or a name bound to either)."""
    if isinstance(source, cst.Name) and depth < 3:
        value = resolver.value(source, scopes)
        return None if value is source else _parameters_receiver(resolver, value, scopes, depth + 1)
    if isinstance(source, cst.Call):
        if isinstance(source.func, cst.Attribute) and source.func.attr.value == "named_parameters" and not source.args:
            return source.func.value
        if dotted(source.func) == "list" and len(source.args) == 1:
            return _parameters_receiver(resolver, source.args[0].value, scopes, depth + 1)
    return None


def _selection_of(resolver: _Resolver, params, scopes) -> Selection:
    """How the parameters of `params` were chosen: by a test, or only by a name."""
    value = resolver.value(params, scopes)
    if isinstance(value, (cst.ListComp, cst.GeneratorExp)):
        found = _comprehension_selection(resolver, value, scopes)
        if found.kind != "unknown" or not isinstance(params, cst.Name):
            return found
    if isinstance(params, cst.Name):
        appended = _append_selection(resolver, params.value, scopes)
        if appended.kind != "unknown":
            return appended
        return Selection.by_name(params.value)
    return Selection()


def _comprehension_selection(resolver: _Resolver, comp, scopes) -> Selection:
    tests = []
    clause = comp.for_in
    while clause is not None:
        tests.extend(i.test for i in clause.ifs)
        clause = clause.inner_for_in
    if len(tests) != 1:
        return Selection()
    return classify(tests[0], lambda name: _fragments(resolver, name, scopes), resolver.qualname, lambda e: resolver.value(e, scopes))


def _fragments(resolver: _Resolver, name: str, scopes) -> Optional[Tuple[str, ...]]:
    return fragments_of(resolver.value(cst.Name(name), scopes)) if name else None


def _append_selection(resolver: _Resolver, name: str, scopes) -> Selection:
    """`if <test>: name.append(p)` / `else:` / `(name if <test> else other).append(p)`."""
    found = _AppendFinder(name)
    scope = scopes[-1] if scopes else resolver.names.module
    for binding in resolver.bindings(name, scopes):
        scope = binding.scope or scope
    scope.visit(found)
    kinds = []
    for test, inverted in found.tests:
        selection = classify(test, lambda n: _fragments(resolver, n, scopes), resolver.qualname, lambda e: resolver.value(e, scopes))
        kinds.append(selection.inverted() if inverted else selection)
    if kinds and all(k.kind == kinds[0].kind for k in kinds):
        return kinds[0]
    return Selection()


class _AppendFinder(cst.CSTVisitor):
    def __init__(self, name: str):
        self.name = name
        self.tests: List[Tuple[cst.BaseExpression, bool]] = []
        self.branches: List[Tuple[cst.BaseExpression, bool]] = []

    def visit_If(self, node: cst.If) -> bool:
        self.branches.append((node.test, False))
        node.body.visit(self)
        self.branches[-1] = (node.test, True)
        if node.orelse is not None:
            node.orelse.visit(self)
        self.branches.pop()
        return False

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if not (isinstance(func, cst.Attribute) and func.attr.value in ("append", "extend")):
            return
        target = func.value
        if isinstance(target, cst.Name) and target.value == self.name and self.branches:
            self.tests.append(self.branches[-1])
        elif isinstance(target, cst.IfExp):
            for side, inverted in ((target.body, False), (target.orelse, True)):
                if isinstance(side, cst.Name) and side.value == self.name:
                    self.tests.append((target.test, inverted))


# -- `n in no_decay` --------------------------------------------------------------------

def _fragment_lists(resolver: _Resolver) -> bool:
    """Some name is assigned a literal list of fragments (else no tree walk for `n in no_decay`)."""
    return any(b.kind == "assign" and fragments_of(b.value) for bindings in resolver.names.bindings.values() for b in bindings)


def _fragment_tests(resolver: _Resolver, module: cst.Module) -> List[FragmentTest]:
    names = resolver.names
    found = []
    for comparison, name, collection, negated, scopes in names.memberships:
        if not any(_named_parameters(resolver, source, origin_scopes) for source, origin_scopes in names.pair_loops.get(name, ())):
            continue
        fragments = fragments_of(resolver.value(cst.Name(collection), scopes or (module,)))
        if fragments:
            found.append(FragmentTest(comparison, negated, name, collection, fragments))
    return found


def _named_parameters(resolver: _Resolver, source, scopes, depth: int = 0) -> bool:
    """`m.named_parameters()`, `list(m.named_parameters())`, or a name bound to one."""
    if isinstance(source, cst.Name) and depth < 3:
        return _named_parameters(resolver, resolver.value(source, scopes), scopes, depth + 1) if resolver.value(source, scopes) is not source else False
    if isinstance(source, cst.Call):
        if isinstance(source.func, cst.Attribute) and source.func.attr.value == "named_parameters":
            return True
        if dotted(source.func) == "list" and len(source.args) == 1:
            return _named_parameters(resolver, source.args[0].value, scopes, depth + 1)
    return False


# -- timm's no_weight_decay() -------------------------------------------------------------------

# `.no_weight_decay(` / `"no_weight_decay"` (getattr): a read; `def no_weight_decay(` is not
_READ = re.compile(r"(?<!def )(?:\.|['\"])no_weight_decay(?:_keywords)?\b")


def _no_weight_decay(resolver: _Resolver, text: str) -> List[NoWeightDecay]:
    """Classes that define `no_weight_decay()`, read from the bindings (no tree walk)."""
    methods = []
    for bindings in resolver.names.bindings.values():
        for binding in bindings:
            if binding.kind == "class" and isinstance(binding.value, cst.ClassDef):
                body = binding.value.body.body if isinstance(binding.value.body, cst.IndentedBlock) else ()
                methods.extend((binding.value, f) for f in body
                               if isinstance(f, cst.FunctionDef) and f.name.value in timm_table.NO_WEIGHT_DECAY_METHODS)
    if not methods:
        return []
    consulted = bool(_READ.search(text)) or any(
        resolver.qualname(site.call.func) in timm_table.CONSULTS_NO_WEIGHT_DECAY for site in resolver.names.calls)
    found = []
    for cls, method in methods:
        instances = tuple(sorted(
            name for (scope, name), bindings in resolver.names.bindings.items()
            if any(b.kind == "assign" and isinstance(b.value, cst.Call) and dotted(b.value.func) == cls.name.value for b in bindings)))
        found.append(NoWeightDecay(cls, method, consulted, instances))
    return found
