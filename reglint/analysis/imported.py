"""What this file takes from the other modules of its project (through `reglint.project`).

A call of a function or class imported from a project module brings in the
regularizers that builder attaches, or the optimizer that factory returns; an
imported number constant resolves to its value. The summaries are read only for
names this file actually uses that way.
"""

from __future__ import annotations

import os
from typing import Dict, List, Optional, Tuple

import libcst as cst

from reglint.analysis import resolve
from reglint.analysis.context import Context
from reglint.analysis.names import dotted
from reglint.analysis.syntax import argument, assigned_name
from reglint.builders import FACTORY_WORD, MODULE_HOPS, may_build, may_hold
from reglint.model import ImportedRegularizer, Optimizer, Value
from reglint.project import may_be_project_module, submodule


def _index(ctx: Context):
    index = ctx.project_index
    if index is None:
        from reglint.project import Index

        index = ctx.project_index = Index(ctx.model.path)
    return index


def _project_callee(ctx: Context, func: cst.BaseExpression) -> Optional[Tuple[str, Tuple[int, str, str]]]:
    """(the callee as written, (level, module, name)) for a call of a name imported from a
    project module, or of a project module's attribute (`models.build()`, and
    `pkg.models.build()` after `import pkg.models`); None for anything else."""
    if not ctx.model.path or ctx.model.path == "-":
        return None
    if isinstance(func, cst.Name):
        if func.value not in ctx.names.from_imports or not _only_imported(ctx, func.value):
            return None
        return func.value, ctx.names.from_imports[func.value]
    if not isinstance(func, cst.Attribute):
        return None
    receiver = dotted(func.value)
    if isinstance(func.value, cst.Attribute) and receiver in ctx.names.dotted_imports and \
            _only_imported(ctx, receiver.split(".")[0]) and may_be_project_module(receiver):
        return f"{receiver}.{func.attr.value}", (0, receiver, func.attr.value)  # `import pkg.optim`: `pkg.optim.build()`
    if not isinstance(func.value, cst.Name) or not _only_imported(ctx, func.value.value):
        return None
    local, name = func.value.value, func.attr.value
    written = f"{local}.{name}"
    if local in ctx.names.from_imports:  # `from . import models`, `from pkg import models`
        level, package, module = ctx.names.from_imports[local]
        return written, (level, submodule(package, module), name)
    target = ctx.names.imports.get(local)  # `import models`, `import pkg.models as m`
    if target is None or not may_be_project_module(target):
        return None
    return written, (0, target, name)


def _only_imported(ctx: Context, local: str) -> bool:
    """A module-level name bound by imports only."""
    bindings = ctx.names.lookup(local, (ctx.model.module,))
    return bool(bindings) and all(b.kind == "import" for b in bindings)


def _imported(ctx: Context, local: str):
    """(summary, name) for a module-level name bound only by `from <project module> import`."""
    spec = ctx.names.from_imports.get(local)
    if spec is None or not ctx.model.path or ctx.model.path == "-" or not _only_imported(ctx, local):
        return None
    level, module, name = spec
    return _index(ctx).lookup(level, module, name)


def regularizers(ctx: Context) -> None:
    """The regularizers built by imported project functions and classes this file calls:
    `build(...)` after `from models import build`, and `models.build(...)` after
    `import models` / `import models as m` / `from . import models`."""
    screened: List[str] = []  # module files whose bytes said whether a name may build
    for site in ctx.names.calls:
        called = _project_callee(ctx, site.call.func)
        if called is None:
            continue
        written, (level, module, original) = called
        if not may_build(ctx.model.path, level, module, original, screened):
            continue  # read no summary of a module that builds nothing (most library imports)
        found = _index(ctx).lookup(level, module, original)
        if found is None:
            continue
        summary, name = found
        owner = assigned_name(site)
        for path, built in _built_by(_index(ctx), summary, name, MODULE_HOPS, screened):
            has_l2 = _has_l2(ctx, site, built) if path == summary.path else built.has_l2
            ctx.model.imported_regularizers.append(ImportedRegularizer(
                path, built.line, built.column, built.framework, has_l2, built.collected, written, site.call, owner))
    ctx.depends_on(screened)


def _built_by(index, summary, name: str, hops: int, read: List[str], called_here: bool = True, seen=None):
    """(module file, site) of each regularizer `name` of `summary`'s module builds: its own,
    and those of the functions it calls that its module imports from another project module
    (`build_model` of models.py calling `conv_block` of layers.py), `hops` modules further at
    most. Past the first module, a site whose coefficient is a parameter of its function is
    left out: what the calling module passes is not read. The module files consulted are
    added to `read`."""
    seen = set() if seen is None else seen
    if (summary.path, name) in seen:
        return
    seen.add((summary.path, name))
    for built in summary.builders.get(name, ()):
        if called_here or built.parameter is None:
            yield summary.path, built
    if hops <= 0:
        return
    for callee in summary.imported_calls.get(name, ()):
        level, module, original = summary.imports[callee]
        if (level or may_be_project_module(module)) and may_build(summary.path, level, module, original, read):
            found = index.lookup(level, module, original, importer=summary.path)
            if found is not None:
                yield from _built_by(index, found[0], found[1], hops - 1, read, False, seen)


def factory_optimizers(ctx: Context, call: cst.Call) -> List[Optimizer]:
    """The optimizers `call` returns when it calls an imported project function that returns
    one (`optimizer = build_optimizer(model)` after `from optim import build_optimizer`, also
    `optim.build_optimizer(...)`): one per class its branches may return, registered for the
    call. Asked only for an object the file steps, compiles or minimizes, so the other calls
    of a file read no summary."""
    from reglint.analysis.optimizers import made_by_factory

    made = ctx.optimizers_by_node[id(call)] = []  # `made_by_factory` adds to it
    site = ctx.site_by_call.get(id(call))
    called = _project_callee(ctx, call.func) if site is not None else None
    if called is None:
        return []
    written, (level, module, original) = called
    screened: List[str] = []  # module files whose bytes said whether the name may return one
    if may_hold(ctx.model.path, level, module, original, (FACTORY_WORD,), screened):
        found = _index(ctx).lookup(level, module, original)
        if found is not None:
            summary, name = found
            for factory in summary.factories.get(name, ()):
                made_by_factory(ctx, site, factory.qualname, factory.decoupled,
                                (summary.path, factory.line, factory.column, written))
    ctx.depends_on(screened)
    return list(made)


def _has_l2(ctx: Context, site, built) -> bool:
    """An L2 term not provably zero: when the coefficient is the builder's parameter, what
    this call passes (`build(l2_regularization=5e-4)`), else the parameter's default."""
    if built.parameter is None:
        return built.has_l2
    name, position, default = built.parameter
    arg = argument(site.call, name, position if position >= 0 else None)
    if arg is None:
        return default != 0
    return not resolve.value(ctx, arg.value, site.scopes, site.statement).provably_zero


def constant(ctx: Context, name: str, expr: cst.BaseExpression) -> Optional[Value]:
    """`from config import WEIGHT_DECAY`: the constant's value, named and with its comment."""
    if name not in ctx.names.from_imports:
        return None
    found = _imported(ctx, name)
    if found is None:
        return None
    summary, original = found
    defined = summary.constants.get(original)
    if defined is None:
        return None
    ctx.depends_on()
    comments = (defined.comment,) if defined.comment else ()
    return Value(expr, defined.number, "constant", (name,) if name == original else (name, original), comments)


def returned_elsewhere(ctx: Context, call: cst.Call) -> List[Tuple[Context, cst.BaseExpression, Tuple]]:
    """What a call of a top-level function of another project module may return, read in
    that module's own context: (its Context, an expression of a `return`, the function's
    scopes). `l2_penalty(model)` after `from regularization import l2_penalty` gives
    `sum((p ** 2).sum() for p in model.parameters())`. The module becomes a dependency of
    the file's result (`_module_context`)."""
    found = _function_elsewhere(ctx, call.func)
    if found is None:
        return []
    summary, name, _ = found
    inner = _module_context(ctx, summary.path)
    if inner is None:
        return []
    body = inner.model.module.body
    returns = []
    for function in inner.names.functions.get(name, ()):
        if any(function is statement for statement in body):
            scopes = inner.names.function_scopes.get(id(function), (inner.model.module, function))
            returns.extend((inner, value, scopes) for value in inner.names.returns.get(id(function), []))
    return returns


def _function_elsewhere(ctx: Context, func: cst.BaseExpression):
    """(summary, name there, the callee as written) when `func` calls a top-level function of
    another project module; None for anything else, and from a module read for another file
    (its own imports are not followed: the bytes test does not follow them either)."""
    called = _project_callee(ctx, func) if not ctx.foreign else None
    if called is None:
        return None
    written, (level, module, original) = called
    found = _index(ctx).lookup(level, module, original)
    ctx.depends_on()
    if found is None or found[1] not in found[0].functions:
        return None
    return found[0], found[1], written


def _module_context(ctx: Context, path: str) -> Optional[Context]:
    """The analysis context of another module of the project: parsed once while its file is
    unchanged (the last RECENT_CONTEXTS kept: the files of a package call the same helpers),
    and a dependency of this file's result."""
    contexts = ctx.__dict__.setdefault("_module_contexts", {})
    if path not in contexts:
        ctx.depends_on([path])
        try:
            status = os.stat(path)
        except OSError:
            contexts[path] = None
            return None
        key = (path, status.st_size, status.st_mtime_ns)
        if key not in _recent_contexts:
            if len(_recent_contexts) >= RECENT_CONTEXTS:
                del _recent_contexts[next(iter(_recent_contexts))]
            _recent_contexts[key] = _parsed_context(path)
        contexts[path] = _recent_contexts[key]
    return contexts[path]


RECENT_CONTEXTS = 8
_recent_contexts: Dict[Tuple[str, int, int], Optional[Context]] = {}


def _parsed_context(path: str) -> Optional[Context]:
    """The module read as a checked file is: CPython's parser first (libcst never sees code it
    could crash or hang on, `reglint.parsing`), then libcst."""
    from reglint.parsing import Unanalysable, parse, read

    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
        code, lines = read(text)
        if code is None:  # not Python CPython can parse
            return None
        inner = Context(path, text, parse(text, lines))
    except (OSError, ValueError, RecursionError, MemoryError, Unanalysable, cst.ParserSyntaxError):
        return None  # (UnicodeDecodeError is a ValueError) another module never breaks this file's check
    inner.foreign = True
    return inner


def defined_elsewhere(ctx: Context, expr: cst.BaseExpression, scopes) -> Optional[Tuple[str, int, int, str]]:
    """(file, line, 1-based column, the callee as written) of the function of another project
    module whose call `expr` is, or a name of this file is bound to (`reg = l2_penalty(model)`)."""
    for origin, _ in resolve.origins(ctx, expr, scopes) if not ctx.foreign else ():
        found = _function_elsewhere(ctx, origin.func) if isinstance(origin, cst.Call) else None
        if found is not None:
            summary, name, written = found
            return (summary.path, *summary.functions[name], written)
    return None
