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
from functools import cached_property, lru_cache
from typing import Callable, Dict, FrozenSet, Optional, Pattern, Set, Tuple

from reglint.project import may_be_project_module, submodule

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
    # the tree itself, for the predicates that need more than these sets (`norm_products`)
    tree: Optional[ast.AST] = dataclasses.field(default=None, repr=False, compare=False)

    @cached_property
    def products(self):
        from reglint.product_screen import walk

        return walk(self.tree)

    @cached_property
    def norm_products(self) -> bool:
        """Whether a product may be a norm penalty in a loss (`product_screen`; True without a tree)."""
        from reglint.product_screen import norm_products

        return self.tree is None or norm_products(self.products)

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
    deepest = 0
    walked_fields = _WALKED
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
            function = _terminal(node.func, renamed)
            if function is None and type(node.func) is Call and len(node.func.args) == 1:
                if _terminal(node.func.args[0], renamed) in optimizer_names:  # LazyConfig `L(torch.optim.Adam)(...)`
                    optimizer_calls.append(node)
            if function is not None:
                if function in optimizer_names:
                    optimizer_calls.append(node)
                elif type(node.func) is Name:
                    bare_calls.append((function, node))
                elif type(node.func.value) is Name:
                    attribute_calls.append((node.func.value.id, function))  # `models.build()`, perhaps
                callee_nodes.add(id(node.func))
                positional = _positional(node)
                if not node.args and not node.keywords:
                    argless.add(function)
                elif positional < 2 and not any(keyword.arg == "l2" for keyword in node.keywords):
                    l2_less.add(function)
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
                if not has_norm_call and function in norms and _may_measure_weights(node.func):
                    has_norm_call = True
                if not has_square_sum and function in sums and _square_sum(node, function, norms, renamed):
                    has_square_sum = True
        elif kind is BinOp:
            operator = type(node.op)
            if operator is Mult:
                has_product = True
            elif operator is Pow and not has_square_sum and _is_two(node.right) and _is_norm(node.left, norms, renamed):
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
                        assigned.setdefault(target.id, set()).add(_terminal(node.value))
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
            if node.level or may_be_project_module(node.module):
                project_names.update((alias.asname or alias.name, (node.level, node.module or "", alias.name)) for alias in node.names)
        elif kind is ast.Import:
            # `import models as m` -> m: models; `import pkg.models` binds only `pkg`
            project_modules.update((alias.asname, alias.name) if alias.asname else (alias.name.split(".")[0],) * 2
                                   for alias in node.names if may_be_project_module(alias.name))
        walked = walked_fields.get(kind)
        if walked is None:
            walked = walked_fields[kind] = _walked(kind)
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
    code = Code(text, frozenset(names), frozenset(callees - names), frozenset(strings), keywords,
                max((_positional(call) for call in optimizer_calls), default=0), frozenset(dict_keys), frozenset(listed), has_product, has_square_sum, has_norm_call,
                frozenset(project_names[name] for name, _ in bare_calls if name in project_names)
                | frozenset(_module_call(receiver, attribute, project_names, project_modules) for receiver, attribute in attribute_calls
                            if receiver in project_names or receiver in project_modules),
                frozenset(aliases), frozenset(argless), frozenset(l2_less), passes_mask or not masks_if_alias.isdisjoint(aliases),
                any(x in loop_keys and y in sequence_bound for x, y in membership), frozenset(regularizer_strings), tree)
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


def _module_call(receiver: str, attribute: str, project_names, project_modules) -> Tuple[int, str, str]:
    """(level, module, name) of `receiver.attribute(...)` where `receiver` may be a project module."""
    if receiver in project_names:  # `from . import models`: the module is `.models`
        level, package, module = project_names[receiver]
        return level, submodule(package, module), attribute
    return 0, project_modules[receiver], attribute


# The fields of each node class the walk visits: not the expression context or operator
# (`Load()`, `Add()`: shared singletons the walk never reads; a node holding them counts one
# level deeper, as their own level did), so each class is read as (fields, 1 or 0).
_SINGLETON_FIELDS = frozenset({"ctx", "op", "ops"})
_WALKED: Dict[type, Tuple[Tuple[str, ...], int]] = {}


def _walked(kind: type) -> Tuple[Tuple[str, ...], int]:
    fields = tuple(field for field in kind._fields if field not in _SINGLETON_FIELDS)
    return fields, int(len(fields) < len(kind._fields))


# -- Σw² and norms, as `extract.square_sum` / `norm_terms` read them, by name ----------

def _terminal(function, renamed: Dict[str, str] = {}) -> Optional[str]:
    kind = type(function)
    return renamed.get(function.id, function.id) if kind is ast.Name else function.attr if kind is ast.Attribute else None


def _may_measure_weights(function) -> bool:
    """Whether a `norm` call could measure a parameter, as `extract._normed_weight` reads
    one: not a method of `self` (`self.norm(x)` is a layer), of a `self.` attribute other
    than `.weight` / `.kernel`, or of a call or subscript (`p.grad.norm()` is a method of
    an attribute: kept). A name or other attribute in front may be a module (`torch.norm`)."""
    if type(function) is not ast.Attribute:
        return True
    receiver = function.value
    if type(receiver) is ast.Name:
        return receiver.id != "self"
    if type(receiver) is not ast.Attribute:
        return False
    if receiver.attr in ("weight", "kernel"):
        return True
    root = receiver.value
    while type(root) is ast.Attribute:
        root = root.value
    return not (type(root) is ast.Name and root.id == "self")


def _positional(call: ast.Call) -> int:
    """Positional arguments before any `*args` (after it, positions are unknown)."""
    count = 0
    for arg in call.args:
        if type(arg) is ast.Starred:
            break
        count += 1
    return count


def _is_two(node) -> bool:
    return type(node) is ast.Constant and type(node.value) in (int, float) and node.value == 2


def _is_norm(node, norms, renamed: Dict[str, str] = {}) -> bool:
    return type(node) is ast.Call and _terminal(node.func, renamed) in norms


def _is_square(node, renamed: Dict[str, str] = {}) -> bool:
    """`w ** 2`, `square(w)` / `w.square()`, `pow(w, 2)` / `w.pow(2)`."""
    if type(node) is ast.BinOp:
        return type(node.op) is ast.Pow and _is_two(node.right)
    if type(node) is ast.Call:
        function = _terminal(node.func, renamed)
        return function == "square" or (function == "pow" and any(_is_two(arg) for arg in node.args))
    return False


def _square_sum(call: ast.Call, function: str, norms, renamed: Dict[str, str] = {}) -> bool:
    """A call that is Σw² by itself: `l2_loss(w)`, `sum`/`reduce_sum`/`add_n` of a square,
    `square(w).sum()`, `norm(w).pow(2)`. (A name that accumulates such terms needs one
    of these somewhere in the file, and the walk meets it there.)"""
    if function == "l2_loss":
        return True
    if function == "pow":
        return type(call.func) is ast.Attribute and _is_norm(call.func.value, norms, renamed)
    if not call.args:
        return type(call.func) is ast.Attribute and _is_square(call.func.value, renamed)
    inner = call.args[0]
    if type(inner) in (ast.GeneratorExp, ast.ListComp):
        inner = inner.elt
    return _is_square(inner, renamed)


# -- the names each kind of fact needs ------------------------------------------------

def _last(qualnames) -> FrozenSet[str]:
    return frozenset(q.rsplit(".", 1)[-1] for q in qualnames)


@lru_cache(maxsize=1)
def tables():
    """Names from the framework tables, built on first use (so a clean run never imports them)."""
    from reglint.frameworks import huggingface, keras, optax, tf1, timm, torch
    from reglint.frameworks import tensors

    torch_decay = [spec.weight_decay for spec in torch.OPTIMIZERS.values()] + [("weight_decay", timm.WEIGHT_DECAY_POSITION)]

    regularizers = _last({**keras.REGULARIZERS, **tf1.REGULARIZERS})
    optimizers = _last({**torch.OPTIMIZERS, **keras.OPTIMIZERS, **tf1.OPTIMIZERS, **optax.OPTIMIZERS}) | _last(
        huggingface.TRAINING_ARGUMENTS) | _last(timm.CREATE_OPTIMIZER)
    return {
        "regularizers": regularizers,
        "regularizer_strings": frozenset(keras.STRING_REGULARIZERS),
        # the regularizers whose l2 has a default when not passed (`l1_l2(0.01)`)
        "l2_less_regularizers": _last(q for q in keras.REGULARIZERS if q.rsplit(".", 1)[-1].lower() == "l1_l2"),
        "optimizers": optimizers,
        # the callees of calls that can build an optimizer: a class or factory, or an
        # MMEngine `dict(type=...)` config; a plain name may also be an alias (`read`)
        "optimizer_callees": optimizers | {"dict"},
        "torch_classes": _last(torch.OPTIMIZERS),  # MMEngine `dict(type='Adam')`
        # the adaptive ones of the classes and strings above, and the factories whose class
        # is chosen by a string the code may build (TrainingArguments' `optim=`, timm's `opt=`)
        "adaptive_optimizers": _last({name: spec for table in (torch.OPTIMIZERS, keras.OPTIMIZERS, tf1.OPTIMIZERS,
                                                                optax.OPTIMIZERS)
                                      for name, spec in table.items() if spec.adaptive}),
        # torch classes whose `weight_decay` is a coupled L2 under an adaptive step (Adam, not AdamW)
        "coupled_adaptive_torch": _last({name: spec for name, spec in torch.OPTIMIZERS.items()
                                         if spec.adaptive and spec.decay_mode == "coupled"}),
        "optimizer_factories": _last(huggingface.TRAINING_ARGUMENTS) | _last(timm.CREATE_OPTIMIZER),
        "adaptive_optimizer_strings": frozenset(text for text, name in keras.OPTIMIZER_STRINGS.items()
                                                if keras.OPTIMIZERS.get(name) is None or keras.OPTIMIZERS[name].adaptive),
        # torch classes whose decay is always decoupled (`AdamW`, `Adafactor`, `Muon`)
        "torch_decoupled_classes": _last({q: s for q, s in torch.OPTIMIZERS.items() if s.decay_mode == "decoupled"}),
        "optimizer_strings": frozenset(keras.OPTIMIZER_STRINGS),  # `compile(optimizer="Adam")`, any case
        "chains": _last(optax.CHAINS),
        "decay_transforms": _last(optax.DECAY_TRANSFORMS),
        "adaptive_scales": _last(optax.ADAPTIVE_SCALES),
        # each optax mask callee's mask position (`masked(inner, mask)`: 1); the smallest
        # where two tables spell one last name alike
        "decay_mask_positions": {name: min(position for q, (_, position) in
                                           {**optax.DECAY_MASK_ARGUMENTS, optax.MASKED: ("mask", 1)}.items()
                                           if q.rsplit(".", 1)[-1] == name)
                                 for name in _last(optax.DECAY_MASK_ARGUMENTS) | _last({optax.MASKED})},
        # optax calls that take a decay mask (`adamw(mask=...)`, `masked(...)`: `decay_masks`)
        "decay_mask_callees": _last(optax.DECAY_MASK_ARGUMENTS) | _last({optax.MASKED}),
        # tfa / tf.contrib classes whose decoupled decay ignores the lr, and the extender
        # that makes one (`decay_schedules`)
        "per_step_callees": _last({q for table in (keras.OPTIMIZERS, tf1.OPTIMIZERS) for q, s in table.items()
                                   if s.decay_mode == "decoupled" and not s.decay_scaled_by_lr})
        | _last(keras.DECOUPLED_EXTENDERS),
        # calls that can be a Σw² by themselves (see `_square_sum`)
        "sum_calls": _last(tensors.SUM_CALLS) | _last(tf1.HALF_SUM_SQ_CALLS) | {"sum", "add_n", "pow"},
        "norms": _last(tensors.NORM_CALLS) | {"norm"},
        # how a torch / timm / config optimizer is given its weight decay: a keyword (also a
        # param group's key), or a positional argument at this index or later
        "torch_decay_keywords": frozenset(keyword for keyword, _ in torch_decay if keyword),
        "torch_decay_position": min(position for _, position in torch_decay if position is not None),
    }
