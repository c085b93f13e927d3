"""A cheap summary of one project module, for the files that import it.

Read with CPython's `ast` (several times faster than libcst, and positions come
free): the module's number constants, and per top-level function or class the
layer regularizers it builds (where, which framework, whether they carry an L2
term, whether they land in TF1's collection or in `model.losses`), per top-level
function the optimizers it returns (an optimizer factory), and the module's own
`from m import x` (a re-export is followed by the index). Nothing is imported or
executed; what the summary cannot read it leaves out.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

from reglint.analysis.attach import REGULARIZERS, attachment_kind
from reglint.frameworks import OPTIMIZER_WORD, canonical, keras, tf1, torch

# the optimizer classes a factory's return is read for: those whose loss sites step the
# object itself (torch `.step()`, Keras `compile`, TF1 `.minimize`); each is spelled with
# OPTIMIZER_WORD in the module that builds it (the bytes test of `reglint.builders`)
FACTORY_CLASSES = {**torch.OPTIMIZERS, **keras.OPTIMIZERS, **tf1.OPTIMIZERS}


@dataclass(frozen=True)
class RegularizerSite:
    """A regularizer attached to a layer or variable inside a function or class of another module."""

    line: int
    column: int  # 1-based
    qualname: str
    framework: str  # "keras" | "tf1"
    has_l2: bool
    collected: bool  # in TF1's REGULARIZATION_LOSSES collection (else the Keras model's `losses`)
    # the coefficient is the builder's parameter: (name, position, default number or None);
    # whether the term is zero then depends on what the caller passes
    parameter: Optional[Tuple[str, int, Optional[float]]] = None


@dataclass(frozen=True)
class FactorySite:
    """An optimizer construction a function of another module returns."""

    line: int
    column: int  # 1-based
    qualname: str
    decoupled: bool  # the class's decoupling flag is written True (`Adam(decoupled_weight_decay=True)`)


@dataclass(frozen=True)
class Constant:
    number: float
    line: int
    comment: str  # the comment on its line, evidence of intent


@dataclass
class Summary:
    path: str
    constants: Dict[str, Constant] = field(default_factory=dict)
    # top-level function or class name -> the regularizers it builds
    builders: Dict[str, List[RegularizerSite]] = field(default_factory=dict)
    # local name -> (relative level, module, name), for re-exports
    imports: Dict[str, Tuple[int, str, str]] = field(default_factory=dict)
    # the module's top-level classes, name -> (line, 1-based column): a model class an
    # importer's optimizer groups read
    classes: Dict[str, Tuple[int, int]] = field(default_factory=dict)
    # top-level function name -> the optimizers it may return (one per branch)
    factories: Dict[str, List[FactorySite]] = field(default_factory=dict)
    # top-level function or class name -> the names it calls that the module imports from
    # another (`from layers import conv_block`): what those build, it builds (`analysis.imported`)
    imported_calls: Dict[str, Tuple[str, ...]] = field(default_factory=dict)
    # the module's top-level functions, name -> (line, 1-based column): what a call of one
    # returns is read in the module itself (`analysis.imported.returned_elsewhere`)
    functions: Dict[str, Tuple[int, int]] = field(default_factory=dict)


def summarize(path: str, text: str) -> Optional[Summary]:
    """The summary of a module's text; None when it does not parse."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    summary = Summary(path)
    qualified: Dict[str, str] = {}
    for node in _imports(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                qualified[alias.asname or alias.name.split(".")[0]] = alias.name if alias.asname else alias.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom):
            for alias in node.names:
                local = alias.asname or alias.name
                if node.level == 0 and node.module:
                    qualified[local] = f"{node.module}.{alias.name}"
                if node in tree.body:
                    summary.imports[local] = (node.level, node.module or "", alias.name)
    lines = text.splitlines()
    for statement in tree.body:
        if isinstance(statement, ast.Assign) and len(statement.targets) == 1 and isinstance(statement.targets[0], ast.Name):
            number = _number(statement.value, summary.constants)
            if number is not None:
                line = lines[statement.lineno - 1] if statement.lineno <= len(lines) else ""
                comment = line.split("#", 1)[1].strip() if "#" in line else ""
                summary.constants[statement.targets[0].id] = Constant(number, statement.lineno, comment)
        elif isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) \
                and _mentions_regularizer(lines, statement):
            sites = _regularizer_sites(statement, qualified, summary.constants, lines)
            if sites:
                summary.builders[statement.name] = sites
    calls = _calls(tree)
    if summary.builders:
        _inherit(calls, summary.builders)
    summary.imported_calls = {name: tuple(sorted(called & summary.imports.keys()))
                              for name, called in calls.items() if not called.isdisjoint(summary.imports)}
    if OPTIMIZER_WORD.decode() in text.lower():
        summary.factories = _factories(tree, qualified, lines)
    summary.classes = {statement.name: (statement.lineno, statement.col_offset + 1)
                       for statement in tree.body if isinstance(statement, ast.ClassDef)}
    summary.functions = {statement.name: (statement.lineno, statement.col_offset + 1)
                         for statement in tree.body if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef))}
    return summary


MAX_CALL_DEPTH = 6  # how many calls between the imported builder and the layer it builds are followed


def _calls(tree: ast.Module) -> Dict[str, set]:
    """Per top-level function or class, the names it calls (`conv_block(x)`), itself left out."""
    calls: Dict[str, set] = {}
    for statement in tree.body:
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            calls[statement.name] = {node.func.id for node in ast.walk(statement)
                                     if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)} - {statement.name}
    return calls


def _inherit(calls: Dict[str, set], builders: Dict[str, List[RegularizerSite]]) -> None:
    """A top-level function or class that calls one of this module's builders (by name) builds
    what that builds (`yolo_body` -> `darknet_body` -> `DarknetConv2D`), as far as
    `MAX_CALL_DEPTH` calls. A site whose coefficient is the callee's parameter is left out:
    what the call passes is not read here."""
    for _ in range(MAX_CALL_DEPTH):
        grown = False
        for name, called in calls.items():
            own = builders.get(name, [])
            inherited = [site for callee in sorted(called) for site in builders.get(callee, ())
                         if site.parameter is None and site not in own]
            if inherited:
                builders[name] = own + list(dict.fromkeys(inherited))
                grown = True
        if not grown:
            break


def _factories(tree: ast.Module, qualified: Dict[str, str], lines: List[str]) -> Dict[str, List[FactorySite]]:
    """Per top-level function, the optimizer constructions it returns: `return Adam(...)`, or
    a name every assignment of which in the function is one (`opt = Adam(...); return opt`);
    a return of another such function of the module counts as its optimizers."""
    found: Dict[str, List[FactorySite]] = {}
    forwards: Dict[str, List[str]] = {}  # function -> the module's functions whose result it returns
    functions = [s for s in tree.body if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef))]
    for function in functions:
        nodes = list(_own_nodes(function))
        assigned: Dict[str, List[ast.AST]] = {}
        for node in nodes:
            if isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
                whole = node.value if not isinstance(node, ast.AugAssign) else None
                for target in node.targets if isinstance(node, ast.Assign) else [node.target]:
                    for name in ast.walk(target):
                        if isinstance(name, ast.Name):  # a part of a tuple target: not followed
                            assigned.setdefault(name.id, []).append(whole if target is name else None)
        sites: List[FactorySite] = []
        for node in nodes:
            if not isinstance(node, ast.Return) or node.value is None:
                continue
            values = [node.value]
            if isinstance(node.value, ast.Name):
                values = assigned.get(node.value.id) or []
                if _rebound_otherwise(function, node.value.id) or any(v is None for v in values):
                    continue
            for value in values:
                site = _construction(value, qualified, lines)
                if site is not None:
                    sites.append(site)
                elif isinstance(value, ast.Call) and isinstance(value.func, ast.Name):
                    forwards.setdefault(function.name, []).append(value.func.id)
        if sites:
            found[function.name] = sorted(sites, key=lambda site: (site.line, site.column))
    for _ in range(MAX_CALL_DEPTH):  # `def build(cfg): return _make(cfg)`
        grown = False
        for name, callees in forwards.items():
            own = found.get(name, [])
            more = [site for callee in callees if callee != name for site in found.get(callee, ()) if site not in own]
            if more:
                found[name] = own + list(dict.fromkeys(more))
                grown = True
        if not grown:
            break
    return found


def _own_nodes(function: ast.AST):
    """The nodes of a function's body, not those of functions, lambdas or classes inside it."""
    pending = list(ast.iter_child_nodes(function))
    while pending:
        node = pending.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            continue
        yield node
        pending.extend(ast.iter_child_nodes(node))


def _rebound_otherwise(function, name: str) -> bool:
    """The name is a parameter, or bound by a loop, `with`, `:=`, `global` or an import."""
    arguments = function.args
    if any(a.arg == name for a in arguments.posonlyargs + arguments.args + arguments.kwonlyargs):
        return True
    if any(a is not None and a.arg == name for a in (arguments.vararg, arguments.kwarg)):
        return True
    for node in _own_nodes(function):
        if isinstance(node, (ast.For, ast.AsyncFor, ast.comprehension)):
            targets = [node.target]
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            targets = [item.optional_vars for item in node.items if item.optional_vars is not None]
        elif isinstance(node, ast.NamedExpr):
            targets = [node.target]
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            if name in node.names:
                return True
            continue
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            if any((a.asname or a.name.split(".")[0]) == name for a in node.names):
                return True
            continue
        else:
            continue
        if any(isinstance(n, ast.Name) and n.id == name for t in targets for n in ast.walk(t)):
            return True
    return False


def _construction(value: Optional[ast.AST], qualified: Dict[str, str], lines: List[str]) -> Optional[FactorySite]:
    """An optimizer class's call (`torch.optim.Adam(...)`); decoupled when its flag is written
    True, as `analysis.optimizers.add_optimizer` reads a call in the file."""
    if not isinstance(value, ast.Call):
        return None
    qualname = _qualname(value.func, qualified)
    spec = FACTORY_CLASSES.get(qualname) if qualname else None
    if spec is None:
        return None
    decoupled = False
    if spec.decoupled_flag:
        keyword, position = spec.decoupled_flag
        flag = next((k.value for k in value.keywords if k.arg == keyword), None)
        if flag is None and position is not None and position < len(value.args):
            flag = value.args[position]
        decoupled = isinstance(flag, ast.Constant) and flag.value is True
    return FactorySite(value.lineno, _column(lines, value), qualname, decoupled)


def _imports(tree: ast.Module):
    """The imports at module level, also under `if`/`try` (`try: import tensorflow.compat.v1 as tf`)."""
    pending = list(tree.body)
    while pending:
        node = pending.pop()
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
        elif isinstance(node, (ast.If, ast.Try)):
            pending.extend(node.body + node.orelse + getattr(node, "finalbody", []))
            pending.extend(item for handler in getattr(node, "handlers", []) for item in handler.body)


def _mentions_regularizer(lines: List[str], node: ast.AST) -> bool:
    """Whether the definition's text could attach a regularizer (every attaching keyword says so)."""
    end = getattr(node, "end_lineno", None) or len(lines)
    return any("regularizer" in line for line in lines[node.lineno - 1:end])


def _number(node: ast.AST, constants: Dict[str, Constant]) -> Optional[float]:
    """A number literal, a known constant, or arithmetic of those."""
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        return float(node.value)
    if isinstance(node, ast.Name) and node.id in constants:
        return constants[node.id].number
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        inner = _number(node.operand, constants)
        return -inner if inner is not None else None
    if isinstance(node, ast.BinOp):
        left, right = _number(node.left, constants), _number(node.right, constants)
        if left is None or right is None:
            return None
        try:
            if isinstance(node.op, ast.Mult):
                return left * right
            if isinstance(node.op, ast.Div):
                return left / right
            if isinstance(node.op, ast.Add):
                return left + right
            if isinstance(node.op, ast.Sub):
                return left - right
        except ZeroDivisionError:
            return None
    return None


def _dotted(node: ast.AST) -> Optional[str]:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))


def _qualname(func: ast.AST, qualified: Dict[str, str]) -> Optional[str]:
    raw = _dotted(func)
    if raw is None:
        return None
    head, _, rest = raw.partition(".")
    target = qualified.get(head)
    if target is None:
        return None
    return canonical(f"{target}.{rest}" if rest else target)


def _regularizer_sites(owner: ast.AST, qualified: Dict[str, str], constants: Dict[str, Constant],
                       lines: List[str]) -> List[RegularizerSite]:
    """The regularizers attached (directly, or through a name assigned in the same body) inside `owner`."""
    built: Dict[str, ast.Call] = {}  # name -> the regularizer call it was assigned
    nodes = list(ast.walk(owner))
    calls = [node for node in nodes if isinstance(node, ast.Call)]
    for node in nodes:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call) and len(node.targets) == 1 \
                and isinstance(node.targets[0], ast.Name) and _qualname(node.value.func, qualified) in REGULARIZERS:
            built[node.targets[0].id] = node.value
    keyword_dicts = _keyword_dicts(nodes)
    sites = []
    for call in calls:
        layer = _qualname(call.func, qualified)
        for name, value in _keywords(call, keyword_dicts):
            if not (name.endswith("_regularizer") or name == "regularizer"):
                continue
            regularizer = built.get(value.id) if isinstance(value, ast.Name) else value
            qualname = _qualname(regularizer.func, qualified) if isinstance(regularizer, ast.Call) else None
            if qualname not in REGULARIZERS:
                continue
            kind, collected = attachment_kind(layer, name)
            if kind == "unknown" or name == "activity_regularizer":
                continue
            spec = REGULARIZERS[qualname]
            sites.append(RegularizerSite(regularizer.lineno, _column(lines, regularizer), qualname, spec.framework,
                                         _has_l2(regularizer, spec, constants), collected,
                                         _parameter(owner, regularizer, spec, nodes, constants)))
    return sites


def _keyword_dicts(nodes) -> Dict[str, List[Tuple[str, ast.AST]]]:
    """Names bound to a dict of keyword arguments: `kw = {'kernel_regularizer': l2(5e-4)}`,
    `kw = dict(kernel_regularizer=...)`, and `kw['kernel_regularizer'] = ...` later."""
    found: Dict[str, List[Tuple[str, ast.AST]]] = {}
    for node in nodes:
        if not isinstance(node, ast.Assign) or len(node.targets) != 1:
            continue
        target, value = node.targets[0], node.value
        if isinstance(target, ast.Name) and isinstance(value, ast.Dict):
            found.setdefault(target.id, []).extend(
                (key.value, item) for key, item in zip(value.keys, value.values)
                if isinstance(key, ast.Constant) and isinstance(key.value, str))
        elif isinstance(target, ast.Name) and isinstance(value, ast.Call) and _dotted(value.func) == "dict":
            found.setdefault(target.id, []).extend((k.arg, k.value) for k in value.keywords if k.arg)
        elif isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name) \
                and isinstance(target.slice, ast.Constant) and isinstance(target.slice.value, str):
            found.setdefault(target.value.id, []).append((target.slice.value, value))
    return found


def _keywords(call: ast.Call, keyword_dicts) -> List[Tuple[str, ast.AST]]:
    """A call's keyword arguments, with those of a `**kw` dict bound in the same body."""
    found = []
    for keyword in call.keywords:
        if keyword.arg is not None:
            found.append((keyword.arg, keyword.value))
        elif isinstance(keyword.value, ast.Name):
            found.extend(keyword_dicts.get(keyword.value.id, ()))
    return found


def _column(lines: List[str], node: ast.AST) -> int:
    """The 1-based column in characters (ast counts UTF-8 bytes)."""
    line = lines[node.lineno - 1] if node.lineno <= len(lines) else ""
    return len(line.encode("utf-8")[:node.col_offset].decode("utf-8", "replace")) + 1


def _l2_argument(call: ast.Call, spec) -> Optional[ast.AST]:
    for keyword, position in spec.l2_params:
        arg = next((k.value for k in call.keywords if k.arg == keyword), None)
        if arg is None and position is not None and position < len(call.args):
            arg = call.args[position]
        if arg is not None:
            return arg
    return None


def _parameter(owner, call: ast.Call, spec, nodes, constants) -> Optional[Tuple[str, int, Optional[float]]]:
    """`def build(l2_reg=0.0): ... l2(l2_reg)` (also through `r = l2_reg`): the parameter the
    coefficient is, its position and its default."""
    if not isinstance(owner, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return None
    arg = _l2_argument(call, spec)
    keyword = _keyword_read(owner, arg)
    if keyword is not None:  # `l2(kwargs.get("weight_decay", 5e-4))`: a keyword the caller may pass
        name, default = keyword
        return name, -1, _number(default, constants) if default is not None else None
    if not isinstance(arg, ast.Name):
        return None
    name = arg.id
    aliases = [n.value.id for n in nodes if isinstance(n, ast.Assign) and isinstance(n.value, ast.Name)
               and len(n.targets) == 1 and isinstance(n.targets[0], ast.Name) and n.targets[0].id == name]
    if len(aliases) == 1:
        name = aliases[0]
    positional = owner.args.posonlyargs + owner.args.args
    defaults = [None] * (len(positional) - len(owner.args.defaults)) + list(owner.args.defaults)
    for position, (parameter, default) in enumerate(zip(positional, defaults)):
        if parameter.arg == name:
            return name, position, _number(default, constants) if default is not None else None
    for parameter, default in zip(owner.args.kwonlyargs, owner.args.kw_defaults):
        if parameter.arg == name:
            return name, -1, _number(default, constants) if default is not None else None
    return None


def _keyword_read(owner, arg) -> Optional[Tuple[str, Optional[ast.AST]]]:
    """(keyword, default) of `kwargs.get("weight_decay", 5e-4)` / `kwargs["weight_decay"]` on the
    function's own `**kwargs`."""
    extra = owner.args.kwarg.arg if owner.args.kwarg is not None else None
    if extra is None:
        return None
    if isinstance(arg, ast.Call) and isinstance(arg.func, ast.Attribute) and arg.func.attr == "get" \
            and isinstance(arg.func.value, ast.Name) and arg.func.value.id == extra and arg.args \
            and isinstance(arg.args[0], ast.Constant) and isinstance(arg.args[0].value, str):
        return arg.args[0].value, arg.args[1] if len(arg.args) > 1 else None
    if isinstance(arg, ast.Subscript) and isinstance(arg.value, ast.Name) and arg.value.id == extra \
            and isinstance(arg.slice, ast.Constant) and isinstance(arg.slice.value, str):
        return arg.slice.value, None
    return None


def _has_l2(call: ast.Call, spec, constants) -> bool:
    """An L2 term not provably zero (written, or the framework default)."""
    if spec.kind == "l1":
        return False
    arg = _l2_argument(call, spec)
    if arg is not None:
        return _number(arg, constants) != 0
    return bool(spec.l2_default)
