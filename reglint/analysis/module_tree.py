"""The norm weights a model builds, as `named_parameters()` names them.

A no-decay split by name fragments (`any(nd in n for nd in no_decay)`) keeps a norm's
weight out of decay only if a fragment is a substring of its parameter name, and that
name is the attribute path from the model: `self.transformer = nn.ModuleDict(dict(h=
nn.ModuleList([Block(c) for _ in range(n)]), ln_f=LayerNorm(d)))` names
`transformer.h.0.ln_1.weight` and `transformer.ln_f.weight`. Read from the unconditional
statements of each `__init__` (what certainly exists) of a class of this file, or of
another module of the project (`project_model` parses that module, and a class it builds
from a third module is read there too), through torch's norm
layers (`frameworks.torch.NORM_WEIGHT`), the module's norm-like classes (a `*Norm` class
setting `self.weight = nn.Parameter(...)`), `nn.ModuleList` / `nn.Sequential` (by
position; one index stands for a comprehension's) and `nn.ModuleDict` (by key). What it
cannot read (a library class inside a model, `setattr`, conditional layers) adds no
name: the result lists norm weights that exist, not all. A library model is known only
from a table of its norm weights' names (`library_model`).
"""

from __future__ import annotations

from typing import List, Optional, Sequence, Tuple

import libcst as cst

from reglint.analysis.names import dotted
from reglint.analysis.syntax import argument
from reglint.frameworks import huggingface
from reglint.frameworks import torch as torch_table
from reglint.intent import CLASS_NAMED_NORM

MAX_DEPTH = 6  # classes nested in classes; deeper is left unread


def model_class(resolver, receiver: cst.BaseExpression, scopes: Sequence[cst.CSTNode]) -> Optional[cst.ClassDef]:
    """The class of this file whose instance `receiver` is: `self` in its methods, or a
    name bound to `Cls(...)` (`.to(device)` and the like hand back the same module)."""
    if isinstance(receiver, cst.Name) and receiver.value == "self":
        return next((s for s in reversed(scopes) if isinstance(s, cst.ClassDef)), None)
    value = _constructed(resolver, receiver, scopes)
    if isinstance(value, cst.Call) and isinstance(value.func, cst.Name):
        return _class_named(resolver, value.func.value, scopes)
    return None


def library_model(resolver, receiver: cst.BaseExpression, scopes: Sequence[cst.CSTNode]) -> Optional[Tuple[str, Tuple[str, ...]]]:
    """(class name, norm weight names) of a library model `receiver` is, from the table
    (`frameworks.huggingface.NORM_WEIGHTS`): `GPT2LMHeadModel.from_pretrained(...)`."""
    value = _constructed(resolver, receiver, scopes)
    if not isinstance(value, cst.Call):
        return None
    func = value.func
    if isinstance(func, cst.Attribute) and func.attr.value in huggingface.MODEL_CONSTRUCTORS:
        func = func.value
    qualname = resolver.qualname(func)
    if qualname in huggingface.NORM_WEIGHTS:
        return qualname.rsplit(".", 1)[-1], huggingface.NORM_WEIGHTS[qualname]
    return None


def project_model(resolver, receiver: cst.BaseExpression, scopes: Sequence[cst.CSTNode]):
    """(class name, norm weight names, (module path, line, column) of the class) of a model
    built from a class another module of the project defines (`from model import GPT`;
    `GPT(config)`): that module is parsed and read as this file's classes are, and each
    module read is added to `resolver.depends`. None when it cannot be found or read."""
    value = _constructed(resolver, receiver, scopes)
    if not (isinstance(value, cst.Call) and isinstance(value.func, cst.Name)):
        return None
    found = _imported_class(resolver, value.func.value)
    if found is None:
        return None
    inner, cls, where = found
    return value.func.value, norm_weights(inner, cls), where


def _imported_class(resolver, local: str):
    """(a resolver of the module defining it, the class, (path, line, column)) for a name this
    module imports from another module of the project (`from .blocks import Block`)."""
    path = resolver.path
    spec = resolver.names.from_imports.get(local)
    bindings = resolver.bindings(local, (resolver.names.module,))
    if not path or path == "-" or spec is None or not bindings or any(b.kind != "import" for b in bindings):
        return None
    from reglint.project import Index

    index = Index(path)
    found = index.lookup(*spec)
    resolver.depends.update(dict.fromkeys(index.depends))
    if found is None or found[1] not in found[0].classes:
        return None
    summary, name = found
    if summary.path not in resolver.modules:  # each module parsed once, however many classes it gives
        resolver.modules[summary.path] = _parsed(summary.path)
    other = resolver.modules[summary.path]
    if other is None:
        return None
    inner = type(resolver)(other, summary.path)
    inner.depends, inner.modules = resolver.depends, resolver.modules  # one record of what was read
    cls = _class_named(inner, name, (other.module,))
    return (inner, cls, (summary.path, *summary.classes[name])) if cls is not None else None


def _parsed(path: str):
    """The names of another module of the project, read as this file's are (utf-8 text)."""
    from reglint.analysis.names import collect

    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
        return collect(cst.parse_module(text), text)
    except (OSError, ValueError, RecursionError, MemoryError, cst.ParserSyntaxError):
        return None  # (UnicodeDecodeError is a ValueError) another module never breaks this file's check


def _constructed(resolver, receiver: cst.BaseExpression, scopes) -> cst.BaseExpression:
    """The expression that built `receiver`: a name's single assignment, or for `self.model`
    in a method the one `self.model = ...` of its class's `__init__` (a LightningModule
    wrapping the model); `.to(device)` and the like seen through."""
    if (isinstance(receiver, cst.Attribute) and isinstance(receiver.value, cst.Name)
            and receiver.value.value == "self"):
        owner = next((s for s in reversed(scopes) if isinstance(s, cst.ClassDef)), None)
        init = _method(owner, "__init__") if owner is not None else None
        if init is None:
            return receiver
        built = [value for target, value in _self_assignments(init) if target == receiver.attr.value]
        if len(built) != 1 or _assignments_in_class(resolver, owner, receiver.attr.value) != 1:
            return receiver  # assigned once in the whole class, unconditionally, or not known
        return _unwrapped(resolver.value(built[0], resolver.names.function_scopes.get(id(init), tuple(scopes))))
    return _unwrapped(resolver.value(receiver, scopes))


def _unwrapped(value):
    while (isinstance(value, cst.Call) and isinstance(value.func, cst.Attribute)
           and value.func.attr.value in torch_table.MODULE_SELF_CALLS):
        value = value.func.value
    return value


def norm_weights(resolver, cls: cst.ClassDef, depth: int = 0) -> Tuple[str, ...]:
    """The parameter names of the norm weights `cls` certainly builds (one index for a
    comprehension's modules), in the order its `__init__` writes them."""
    init = _method(cls, "__init__")
    if init is None or depth > MAX_DEPTH:
        return ()
    scopes = resolver.names.function_scopes.get(id(init), (resolver.names.module, cls, init))
    found: List[str] = []
    for target, value in _self_assignments(init):
        if _assignments_in_class(resolver, cls, target) == 1:  # not replaced later (`self.ln_f = None`)
            found.extend(f"{target}.{name}" for name in _built(resolver, value, scopes, depth))
    return tuple(dict.fromkeys(found))


def _assignments_in_class(resolver, cls: cst.ClassDef, attribute: str) -> int:
    """How many `self.<attribute> = ...` the methods of `cls` write, anywhere in them."""
    names = resolver.names
    return sum(1 for b in names.attribute_bindings(f"self.{attribute}") if cls in names.function_scopes.get(id(b.scope), ()))


def _built(resolver, value: cst.BaseExpression, scopes, depth: int) -> Tuple[str, ...]:
    """The norm weight names inside the module `value` builds, relative to it."""
    value = resolver.value(value, scopes)
    if not isinstance(value, cst.Call) or depth > MAX_DEPTH:
        return ()
    qualname = resolver.qualname(value.func)
    if qualname in torch_table.NORM_WEIGHT:
        return ("weight",) if _learns_weight(value, torch_table.NORM_WEIGHT[qualname]) else ()
    if qualname in torch_table.MODULE_LISTS:
        return tuple(f"{index}.{name}" for index, child in _listed(value, qualname) for name in _built(resolver, child, scopes, depth + 1))
    if qualname == torch_table.MODULE_DICT:
        return tuple(f"{key}.{name}" for key, child in _keyed(value) for name in _built(resolver, child, scopes, depth + 1))
    if isinstance(value.func, cst.Name):
        cls = _class_named(resolver, value.func.value, scopes)
        if cls is not None:
            return ("weight",) if _norm_like(resolver, cls) else norm_weights(resolver, cls, depth + 1)
        imported = _imported_class(resolver, value.func.value)  # `from .blocks import Block`
        if imported is not None:
            inner, cls, _ = imported
            return ("weight",) if _norm_like(inner, cls) else norm_weights(inner, cls, depth + 1)
    return ()


def _learns_weight(call: cst.Call, spec) -> bool:
    keyword, position, default = spec
    arg = argument(call, keyword, position)
    if arg is None:
        return default
    return isinstance(arg.value, cst.Name) and arg.value.value == "True"  # anything else: not certain


def _listed(call: cst.Call, qualname: str) -> List[Tuple[int, cst.BaseExpression]]:
    """(index, child) of `nn.ModuleList([...])`, `nn.ModuleList(X for _ in ...)`, `nn.Sequential(a, b)`."""
    if qualname == torch_table.SEQUENTIAL:
        if any(arg.star or arg.keyword for arg in call.args):
            return []
        return [(index, arg.value) for index, arg in enumerate(call.args)]
    if len(call.args) != 1 or call.args[0].keyword or call.args[0].star:
        return []
    items = call.args[0].value
    if isinstance(items, (cst.List, cst.Tuple)) and not any(isinstance(e, cst.StarredElement) for e in items.elements):
        return [(index, element.value) for index, element in enumerate(items.elements)]
    if isinstance(items, (cst.ListComp, cst.GeneratorExp)) and items.for_in.inner_for_in is None and not items.for_in.ifs:
        return [(0, items.elt)]  # every index names the same layers
    return []


def _keyed(call: cst.Call) -> List[Tuple[str, cst.BaseExpression]]:
    """(key, child) of `nn.ModuleDict(dict(k=...))` / `nn.ModuleDict({"k": ...})`."""
    if len(call.args) != 1 or call.args[0].keyword or call.args[0].star:
        return []
    items = call.args[0].value
    if isinstance(items, cst.Call) and dotted(items.func) == "dict" and all(a.keyword is not None for a in items.args):
        return [(arg.keyword.value, arg.value) for arg in items.args]
    if isinstance(items, cst.Dict):
        return [(e.key.evaluated_value, e.value) for e in items.elements
                if isinstance(e, cst.DictElement) and isinstance(e.key, cst.SimpleString) and isinstance(e.key.evaluated_value, str)]
    return []


def _norm_like(resolver, cls: cst.ClassDef) -> bool:
    """A `*Norm` class of the file that sets its own `self.weight = nn.Parameter(...)` (nanoGPT's `LayerNorm`)."""
    init = _method(cls, "__init__")
    if init is None or not CLASS_NAMED_NORM.search(cls.name.value):
        return False
    return any(target == "weight" and isinstance(value, cst.Call) and resolver.qualname(value.func) in torch_table.PARAMETER
               for target, value in _self_assignments(init))


def _class_named(resolver, name: str, scopes) -> Optional[cst.ClassDef]:
    bindings = resolver.bindings(name, scopes) or resolver.bindings(name, (resolver.names.module,))
    if len(bindings) == 1 and bindings[0].kind == "class" and isinstance(bindings[0].value, cst.ClassDef):
        return bindings[0].value
    return None


def _method(cls: cst.ClassDef, name: str) -> Optional[cst.FunctionDef]:
    body = cls.body.body if isinstance(cls.body, cst.IndentedBlock) else ()
    return next((f for f in body if isinstance(f, cst.FunctionDef) and f.name.value == name), None)


def _self_assignments(function: cst.FunctionDef) -> List[Tuple[str, cst.BaseExpression]]:
    """(attribute, value) of each `self.x = value` statement at the top of `function`'s body."""
    found = []
    body = function.body.body if isinstance(function.body, cst.IndentedBlock) else ()
    for statement in body:
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        for small in statement.body:
            if isinstance(small, cst.Assign) and len(small.targets) == 1:
                target, value = small.targets[0].target, small.value
            elif isinstance(small, cst.AnnAssign) and small.value is not None:
                target, value = small.target, small.value
            else:
                continue
            if isinstance(target, cst.Attribute) and isinstance(target.value, cst.Name) and target.value.value == "self":
                found.append((target.attr.value, value))
    return found
