"""The code screen: which facts a file's code could yield, read from CPython's ast.

libcst's parse is most of reglint's time, and most files the bytes prefilter lets
through hold no regularizer, optimizer or penalty at all: `weight_decay` in a
docstring, `self.norm(x)` in a model. The engine parses every such file with
CPython first anyway (to keep libcst off code that could crash it), so one walk
of that tree also collects the names the code uses. A fact can only arise from
its table's names: the extractor resolves a call through imports and assignments
to a qualified name, and every spelling of `keras.regularizers.l2` — `l2(...)`,
`R.l2(...)`, `from ... import l2 as R` — has `l2` somewhere in the code. A rule
whose facts cannot arise is not run, and a file no rule can flag never reaches
libcst. `tests/test_screen.py` checks the claim on every fixture and corpus file.
"""

from __future__ import annotations

import ast
import dataclasses
from dataclasses import dataclass
from functools import cached_property
from typing import Callable, Dict, FrozenSet, Optional, Pattern, Set, Tuple

from reglint.frameworks.mmengine import TYPE_KEY
from reglint.project import may_be_project_module, submodule
from reglint.screen_names import WALKED, is_norm, is_two, may_measure_weights, square_sum, tables, terminal, walked_fields_of

SHORT_STRING = 64  # longer string constants are prose (docstrings, messages), never a name or key
# the keywords an optax decay mask is passed by (`frameworks.optax.DECAY_MASK_ARGUMENTS`)
MASK_KEYWORDS = frozenset({"mask", "weight_decay_mask"})


@dataclass(frozen=True)
class Code:
    """What the code of a file (not its comments or docstrings) is made of."""

    text: str
    names: FrozenSet[str]  # names read or bound as values: Name ids, attribute names, imported names
    callees: FrozenSet[str]  # names only ever seen as the called function (`l2norm(x)`, `self.norm(x)`)
    strings: FrozenSet[str]  # short string constants (`type='Adam'`, `cfg["wd"]`)
    # of the calls that could build an optimizer (see `_optimizer_calls`): their keyword
    # names (`decay=` in `SGD(lr, decay=1e-6)`) and the most positional arguments of one
    optimizer_keywords: FrozenSet[str]
    optimizer_positional: int
    dict_keys: FrozenSet[str]  # short string keys of dict displays (`{"weight_decay": wd}`)
    listed_strings: FrozenSet[str]  # the strings of list/tuple/set displays of strings only (`["bias", "norm"]`)
    has_product: bool  # some `a * b`
    has_square_sum: bool  # some Σw² as the extractor spells it (`tf.reduce_sum(tf.square(w))`, `p.pow(2).sum()`)
    has_norm_call: bool  # some `norm(...)` call that could measure a parameter
    # (dots, module, name) of each `from <module of the project> import name` the file calls (not
    # a library, see `frameworks.LIBRARY_ROOTS`): a builder may attach regularizers there; the
    # pipeline keeps those that may (`builders.builder_imports`), which needs the file's path
    project_calls: FrozenSet[Tuple[int, str, str]] = frozenset()
    # names an object could be bound to under another name (`import ... as R`, `reg = regularizers.l2`)
    aliases: FrozenSet[str] = frozenset()
    # the called names of calls without any argument (`l2()`), and of calls given fewer than
    # two positional arguments and no `l2=` (`l1_l2(0.01)`: Keras's default l2)
    argless_callees: FrozenSet[str] = frozenset()
    l2_less_callees: FrozenSet[str] = frozenset()
    # some call passes an optax decay mask (`mask=` / `weight_decay_mask=`, or by position:
    # `add_decayed_weights(wd, mask)`, `masked(inner, mask)`), see `decay_masks.decay_mask`
    passes_mask: bool = False
    # some `x in y` / `x not in y` of two plain names, `x` the first name a loop draws from
    # pairs (`for n, p in ...`) and `y` bound to a display of strings or to another name
    # (`n not in no_decay`, read by `param_groups._fragment_tests`)
    tests_membership_in_list: bool = False
    # the strings passed as a regularizer keyword's value (`kernel_regularizer="l2"`)
    regularizer_strings: FrozenSet[str] = frozenset()
    # the keywords of `dict(...)` calls that write no `type=` (an MMEngine config's
    # `optimizer=dict(weight_decay=...)`, whose class may come from a `_base_` file)
    untyped_dict_keywords: FrozenSet[str] = frozenset()
    # the tree itself, for the predicates that need more than these sets (`norm_products`)
    tree: Optional[ast.AST] = dataclasses.field(default=None, repr=False, compare=False)
    # (receiver, what it was imported as by `from m import x`, or "") of each `receiver.gradients(...)`
    # call ("" for a receiver that is no plain name): `tf.gradients` or another module's
    gradients_receivers: FrozenSet[Tuple[str, str]] = frozenset()
    # of the `project_calls`, those that may return an optimizer (`builders.factory_imports`):
    # set by the pipeline from the unfiltered calls, as it filters `project_calls`
    project_factories: FrozenSet[Tuple[int, str, str]] = frozenset()
    # of the `project_calls`, those that may return a Σw² penalty (`builders.penalty_imports`),
    # set by the pipeline as `project_factories` is
    project_penalties: FrozenSet[Tuple[int, str, str]] = frozenset()
    # ((dots, module, name), the name the call spells last) of each call in `project_calls`
    # (`from reg import l2 as L`; `L(model)`: L): what a product's factor may call
    project_call_names: FrozenSet[Tuple[Tuple[int, str, str], str]] = frozenset()
    # the parts of every module an import names (`from tensorflow.keras import optimizers`:
    # tensorflow, keras): where the file's from-imported names come from
    modules: FrozenSet[str] = frozenset()

    @cached_property
    def products(self):
        from reglint.product_screen import walk

        return walk(self.tree)

    @cached_property
    def norm_products(self) -> bool:
        """Whether a product may be a norm penalty in a loss (`product_screen`; True without a tree)."""
        from reglint.product_screen import norm_products

        return self.tree is None or norm_products(self.products)

    def square_products_calling(self, names: FrozenSet[str]) -> bool:
        """Whether a product may have a Σw² as a factor, the functions `names` returning one."""
        from reglint.product_screen import square_products

        return self.tree is None or square_products(self.products, names)

    @cached_property
    def square_products(self) -> bool:
        """Whether a product may have a Σw² as a factor (`product_screen`; True without a tree)."""
        from reglint.product_screen import square_products

        return self.tree is None or square_products(self.products)

    @cached_property
    def all_names(self) -> FrozenSet[str]:
        return self.names | self.callees

    @cached_property
    def dotted_string_tails(self) -> FrozenSet[str]:
        """The last part of each dotted short string (`"torch.optim.Adam"` -> `Adam`)."""
        return frozenset(text.rsplit(".", 1)[-1] for text in self.strings if "." in text)

    def names_any(self, predicate: Callable[[str], bool], hint: Tuple[str, ...]) -> bool:
        """Whether a value name or short string of the code satisfies `predicate`; only
        those whose lowercase form contains one of `hint` are tried. (A value's names —
        what it was bound to, read from, keyed by — are never a called function's name.)"""
        for name in self.names | self.strings:
            lowered = name.lower()
            if any(word in lowered for word in hint) and predicate(name):
                return True
        return False

    def maybe_in_comment(self, pattern: Pattern[str]) -> bool:
        """Whether `pattern` matches after a `#` on its line: a superset of its matches in comments."""
        text = self.text
        for match in pattern.finditer(text):
            line_start = text.rfind("\n", 0, match.start()) + 1
            if "#" in text[line_start:match.start()]:
                return True
        return False


def read(tree: ast.AST, text: str, limit: int, renamed: Optional[Dict[str, str]] = None) -> Tuple[int, Code]:
    """The nesting depth of `tree` (stopping once past `limit`) and its `Code`.

    The depth counts what libcst nests deeper than CPython's ast: each further operand
    of `a and b and c`, and each dot of a dotted import name, is a level there.
    `renamed`: the square / sum / norm functions imported under another name
    (`from tensorflow import square as sq`), found by a first read that then reads again."""
    table = tables()
    renamed = renamed or {}
    imported_as: Dict[str, str] = {}
    sums, norms = table["sum_calls"], table["norms"]
    names: Set[str] = set()
    callees: Set[str] = set()
    callee_nodes: Set[int] = set()
    strings: Set[str] = set()
    dict_keys: Set[str] = set()
    listed: Set[str] = set()
    aliases: Set[str] = set()  # names an object could be bound to under another name (`R = regularizers`)
    assigned: Dict[str, Set[str]] = {}  # `Opt = torch.optim.Adam`: Opt -> {"Adam"} (the values' last names)
    bare_calls = []  # (callee name, call) for calls of a plain name: an alias, perhaps
    argless: Set[str] = set()
    l2_less: Set[str] = set()
    mask_positions = table["decay_mask_positions"]
    passes_mask = False
    regularizer_strings: Set[str] = set()
    untyped_dict_keywords: Set[str] = set()
    masks_if_alias: Set[str] = set()
    sequence_bound: Set[str] = set()  # names bound to a display of strings, or to a name
    membership = []  # (x, y) of each `x in y` of two plain names
    loop_keys: Set[str] = set()  # `n` of each `for n, p in ...` (a loop or comprehension)
    optimizer_calls = []
    optimizer_names = table["optimizer_callees"]
    has_product = has_square_sum = has_norm_call = False
    project_names: Dict[str, Tuple[int, str, str]] = {}
    project_modules: Dict[str, str] = {}  # `import models as m`: m -> models
    attribute_calls = []  # (receiver, attribute) of `receiver.attribute(...)`
    from_modules: Dict[str, str] = {}  # `from a.b import c as d`: d -> a.b.c
    unnamed_gradients = False
    modules: Set[str] = set()
    chained_calls = []  # the `a.b.f` of each `a.b.f(...)`
    dotted_imports: Set[str] = set()  # `import pkg.models`: pkg.models
    deepest = 0
    walked_fields = WALKED
    stack = [(tree, 1)]
    pop, push, extend = stack.pop, stack.append, stack.extend
    AST, Name, Attribute, Constant, Call, BinOp, BoolOp, Alias, ImportFrom = (
        ast.AST, ast.Name, ast.Attribute, ast.Constant, ast.Call, ast.BinOp, ast.BoolOp, ast.alias, ast.ImportFrom)
    Pow, Mult = ast.Pow, ast.Mult
    while stack:
        node, depth = pop()
        kind = type(node)
        if kind is Name:
            (callees if id(node) in callee_nodes else names).add(node.id)
        elif kind is Attribute:
            (callees if id(node) in callee_nodes else names).add(node.attr)
        elif kind is Constant:
            value = node.value
            if type(value) is str and len(value) <= SHORT_STRING:
                strings.add(value)
        elif kind is Call:
            function = terminal(node.func, renamed)
            if function is None and type(node.func) is Call and len(node.func.args) == 1:
                if terminal(node.func.args[0], renamed) in optimizer_names:  # LazyConfig `L(torch.optim.Adam)(...)`
                    optimizer_calls.append(node)
            if function is not None:
                if function in optimizer_names:
                    optimizer_calls.append(node)
                elif type(node.func) is Name:
                    bare_calls.append((function, node))
                elif type(node.func.value) is Name:
                    attribute_calls.append((node.func.value.id, function))  # `models.build()`, perhaps
                else:
                    if type(node.func.value) is Attribute:
                        chained_calls.append(node.func)  # `pkg.models.build()`, read once the imports are known
                    if function == "gradients":
                        unnamed_gradients = True  # `tf.compat.v1.gradients(...)`: its receiver is no plain name
                callee_nodes.add(id(node.func))
                positional = _positional(node)
                if not node.args and not node.keywords:
                    argless.add(function)
                elif positional < 2 and not any(keyword.arg == "l2" for keyword in node.keywords):
                    l2_less.add(function)
                if function == "dict" and not any(keyword.arg == TYPE_KEY for keyword in node.keywords):
                    untyped_dict_keywords.update(keyword.arg for keyword in node.keywords if keyword.arg)
                for keyword in node.keywords:  # `kernel_regularizer="l2"` (`regularizers._string_regularizer`)
                    value = keyword.value
                    if type(value) is Constant and type(value.value) is str and (keyword.arg or "").endswith("regularizer"):
                        regularizer_strings.add(value.value)
                if any(keyword.arg in MASK_KEYWORDS for keyword in node.keywords):
                    passes_mask = True
                elif function in mask_positions:
                    passes_mask = passes_mask or positional > mask_positions[function]
                elif type(node.func) is Name and positional >= 2:
                    masks_if_alias.add(function)  # `aw(lr, ..., mask)` with `adamw as aw`, perhaps
                if not has_norm_call and function in norms and may_measure_weights(node.func):
                    has_norm_call = True
                if not has_square_sum and function in sums and square_sum(node, function, norms, renamed):
                    has_square_sum = True
        elif kind is BinOp:
            operator = type(node.op)
            if operator is Mult:
                has_product = True
            elif operator is Pow and not has_square_sum and is_two(node.right) and is_norm(node.left, norms, renamed):
                has_square_sum = True
        elif kind is BoolOp:
            depth += len(node.values) - 1
        elif kind is Alias:
            depth += node.name.count(".")
            names.update(node.name.split("."))
            if node.asname:
                names.add(node.asname)
                aliases.add(node.asname)
                imported_as[node.asname] = node.name.rsplit(".", 1)[-1]
        elif kind is ast.Dict:
            dict_keys.update(key.value for key in node.keys
                             if type(key) is Constant and type(key.value) is str and len(key.value) <= SHORT_STRING)
        elif kind is ast.List or kind is ast.Tuple or kind is ast.Set:
            elements = node.elts
            if elements and all(type(e) is Constant and type(e.value) is str for e in elements):
                listed.update(e.value for e in elements)
        elif kind is ast.Assign or kind is ast.AnnAssign:
            value_kind = type(node.value)
            if value_kind in (Name, Attribute):
                targets = node.targets if kind is ast.Assign else [node.target]
                aliases.update(target.id for target in targets if type(target) is Name)
                for target in targets:
                    if type(target) is Name:
                        assigned.setdefault(target.id, set()).add(terminal(node.value))
            if value_kind in (Name, ast.List, ast.Tuple, ast.Set):
                targets = node.targets if kind is ast.Assign else [node.target]
                sequence_bound.update(target.id for target in targets if type(target) is Name)
        elif kind is ast.Compare:
            if (type(node.left) is Name and len(node.ops) == 1 and type(node.ops[0]) in (ast.In, ast.NotIn)
                    and type(node.comparators[0]) is Name):
                membership.append((node.left.id, node.comparators[0].id))
        elif kind is ast.comprehension or kind is ast.For or kind is ast.AsyncFor:
            target = node.target
            if type(target) is ast.Tuple and target.elts and type(target.elts[0]) is Name:
                loop_keys.add(target.elts[0].id)  # `for name, p in model.named_parameters()`
        elif kind is ast.arguments:
            defaults = node.defaults + [d for d in node.kw_defaults if d is not None]
            if defaults:  # a parameter's default display may be the list (`no_decay=("bias",)`)
                sequence_bound.update(a.arg for a in node.args + node.posonlyargs + node.kwonlyargs)
        elif kind is ImportFrom:
            depth += (node.module or "").count(".")
            modules.update((node.module or "").split("."))
            if not node.level and node.module:
                from_modules.update((alias.asname or alias.name, f"{node.module}.{alias.name}") for alias in node.names)
            if node.level or may_be_project_module(node.module):
                project_names.update((alias.asname or alias.name, (node.level, node.module or "", alias.name)) for alias in node.names)
        elif kind is ast.Import:
            # `import models as m` -> m: models; `import pkg.models` binds only `pkg`
            project_modules.update((alias.asname, alias.name) if alias.asname else (alias.name.split(".")[0],) * 2
                                   for alias in node.names if may_be_project_module(alias.name))
            dotted_imports.update(alias.name for alias in node.names
                                  if not alias.asname and "." in alias.name and may_be_project_module(alias.name))
        walked = walked_fields.get(kind)
        if walked is None:
            walked = walked_fields[kind] = walked_fields_of(kind)
        fields, singletons = walked
        if depth + singletons > deepest:
            deepest = depth + singletons
            if deepest > limit:
                break
        depth += 1
        for field in fields:
            value = getattr(node, field, None)
            if isinstance(value, AST):
                push((value, depth))
            elif type(value) is list:
                extend([(item, depth) for item in value if isinstance(item, AST)])
    if not renamed:
        terms = {name: original for name, original in imported_as.items() if original in sums or original in norms or original == "square"}
        if terms and deepest <= limit:
            return read(tree, text, limit, terms)
    optimizer_classes = _bound_to(optimizer_names, imported_as, assigned)
    optimizer_calls.extend(call for name, call in bare_calls if name in optimizer_classes)
    keywords = frozenset(keyword.arg for call in optimizer_calls for keyword in call.keywords if keyword.arg)
    project_call_names = (
        {(project_names[name], name) for name, _ in bare_calls if name in project_names}
        | {(_module_call(receiver, attribute, project_names, project_modules), attribute) for receiver, attribute in attribute_calls
           if receiver in project_names or receiver in project_modules}
        | {(key, key[2]) for key in _dotted_module_calls(chained_calls, dotted_imports)})
    code = Code(text, frozenset(names), frozenset(callees - names), frozenset(strings), keywords,
                max((_positional(call) for call in optimizer_calls), default=0), frozenset(dict_keys), frozenset(listed), has_product, has_square_sum, has_norm_call,
                frozenset(key for key, _ in project_call_names),
                frozenset(aliases), frozenset(argless), frozenset(l2_less), passes_mask or not masks_if_alias.isdisjoint(aliases),
                any(x in loop_keys and y in sequence_bound for x, y in membership), frozenset(regularizer_strings),
                frozenset(untyped_dict_keywords), tree,
                gradients_receivers=frozenset((receiver, from_modules.get(receiver, "")) for receiver, attribute in attribute_calls
                                              if attribute == "gradients") | ({("", "")} if unnamed_gradients else set()),
                modules=frozenset(modules), project_call_names=frozenset(project_call_names))
    return deepest, code


def _bound_to(originals, imported_as: Dict[str, str], assigned: Dict[str, Set[str]]) -> Set[str]:
    """The names that may stand for one of `originals` under another name, as `qualify`
    follows them: imported as it (`from torch.optim import Adam as Opt`), or assigned it or
    such a name, by its last name (`Opt = torch.optim.Adam`, `Base = Opt`)."""
    found = {name for name, original in imported_as.items() if original in originals}
    changed = True
    while changed:
        changed = False
        for name, values in assigned.items():
            if name not in found and not (values.isdisjoint(originals) and values.isdisjoint(found)):
                found.add(name)
                changed = True
    return found


def _dotted_module_calls(chained_calls, dotted_imports: Set[str]) -> FrozenSet[Tuple[int, str, str]]:
    """(0, module, name) of each `pkg.models.build(...)` whose `pkg.models` the file imports."""
    found = set()
    for func in chained_calls if dotted_imports else ():
        parts, receiver = [], func.value
        while type(receiver) is ast.Attribute:
            parts.append(receiver.attr)
            receiver = receiver.value
        if type(receiver) is ast.Name:
            module = ".".join([receiver.id] + parts[::-1])
            if module in dotted_imports:
                found.add((0, module, func.attr))
    return frozenset(found)


def _module_call(receiver: str, attribute: str, project_names, project_modules) -> Tuple[int, str, str]:
    """(level, module, name) of `receiver.attribute(...)` where `receiver` may be a project module."""
    if receiver in project_names:  # `from . import models`: the module is `.models`
        level, package, module = project_names[receiver]
        return level, submodule(package, module), attribute
    return 0, project_modules[receiver], attribute


def _positional(call: ast.Call) -> int:
    """Positional arguments before any `*args` (after it, positions are unknown)."""
    count = 0
    for arg in call.args:
        if type(arg) is ast.Starred:
            break
        count += 1
    return count
