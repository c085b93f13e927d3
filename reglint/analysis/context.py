"""What every extractor module shares: the file's names, the model being filled, and qualified names.

`Context` holds one file's `Names` (from the single libcst pass), the `FileModel`
the sites fill, and the lookups between sites (which call built which regularizer
or optimizer). `qualify` reads a Name/Attribute as a canonical framework name.
"""

from __future__ import annotations

from typing import Dict, List, Optional, Sequence, Tuple

import libcst as cst

from reglint.analysis.comments import comments_of
from reglint.analysis.names import Binding, CallSite, Names, collect, dotted
from reglint.analysis.syntax import argument
from reglint.frameworks import canonical, jax, keras, optax, tensors, tf1, torch
from reglint.model import FileModel, Optimizer, Regularizer

CONVENTIONAL = {**keras.CONVENTIONAL_NAMES, **torch.CONVENTIONAL_NAMES, **tf1.CONVENTIONAL_NAMES, **optax.CONVENTIONAL_NAMES,
                **tensors.CONVENTIONAL_NAMES, **jax.CONVENTIONAL_NAMES}
OPTIMIZER_CLASS_NAMES = frozenset(q.rsplit(".", 1)[1] for q in {**torch.OPTIMIZERS, **keras.OPTIMIZERS})


class Context:
    """One file's analysis state, shared by the site modules (resolve, optimizers, losses, ...)."""

    def __init__(self, path: str, text: str, module: cst.Module):
        self.names: Names = collect(module, text)
        self.model = FileModel(path=path, source=text, module=module, imports=dict(self.names.imports))
        self.regularizer_by_call: Dict[int, Regularizer] = {}
        # the optimizers a call makes: its own class, or those an imported factory may return
        self.optimizers_by_node: Dict[int, List[Optimizer]] = {}
        self.site_by_call: Dict[int, CallSite] = {id(site.call): site for site in self.names.calls}
        self.fields: Optional[Dict[str, List[Binding]]] = None
        self.cli_defaults: Optional[Dict[str, Tuple[float, str]]] = None  # `cli_defaults.dest_defaults`
        self.appends: Optional[Dict[Tuple[int, str], List[Tuple[cst.BaseExpression, Tuple]]]] = None
        # indexes of `names.calls`, built on first use, so that a lookup per site costs
        # what it finds, not a pass over every call of the file (a large file has thousands)
        self._calls_by_callee: Optional[Dict[str, List[CallSite]]] = None
        self._steps_by_scope: Optional[Dict[int, List[CallSite]]] = None
        self._call_order: Optional[Dict[int, int]] = None
        self._penalty_index: Tuple[int, Dict[int, List[int]]] = (-1, {})
        # (ctx, name, expr) -> Value of a constant imported from a project module, or None
        # (`analysis.imported.constant`, set by `build_model`: the resolver does not import the index)
        self.imported_constant = None
        # `analysis.imported.factory_optimizers`, set when the file imports anything: the
        # optimizers a call of an imported project factory returns, resolved when asked
        self.imported_optimizers = None
        self.project_index = None  # the `reglint.project.Index` of this file, once a lookup needs it
        # a module read for another file's check (`imported.returned_elsewhere`): its own
        # imports are not followed
        self.foreign = False
        # id(function, class or module) -> its docstring: read once, not for each value resolved in it
        self.docstrings: Dict[int, Optional[str]] = {}
        # id(statement) -> its comments; (id(parameter binding), depth, names seen) -> its Value:
        # a parameter is resolved once however many call paths reach it (the arguments of
        # each call site resolve through the caller's parameters: fan-out to the power depth)
        self.comments: Dict[int, Tuple[str, ...]] = {}
        self.parameter_values: Dict[tuple, object] = {}

    def depends_on(self, paths: Sequence[str] = ()) -> None:
        """Make `paths` (module files read), and every file the project index read so far,
        dependencies of this file's result: the cached result is stale once one changes."""
        read = tuple(self.project_index.depends) if self.project_index is not None else ()
        self.model.depends = tuple(dict.fromkeys(self.model.depends + tuple(paths) + read))

    def comments_of(self, statement: Optional[cst.CSTNode]) -> Tuple[str, ...]:
        """`comments.comments_of`, once per statement (every value through it reaches it)."""
        if statement is None:
            return ()
        key = id(statement)
        if key not in self.comments:
            self.comments[key] = comments_of(statement)
        return self.comments[key]

    def qualify(self, node: cst.CSTNode, scopes: Sequence, depth: int = 0) -> Tuple[Optional[str], bool]:
        """(canonical qualified name, inferred) of a Name/Attribute, or (None, False)."""
        raw = dotted(node)
        if raw is None or depth > 3:
            return None, False
        head, _, rest = raw.partition(".")
        target = self.names.imports.get(head)
        if target is not None:
            bindings = self.names.lookup(head, scopes)
            if bindings and any(b.kind != "import" for b in bindings):
                return None, False
            return canonical(f"{target}.{rest}" if rest else target), False
        bindings = self.names.lookup(head, scopes)
        if bindings:
            # `Opt = torch.optim.Adam` / `opt_cls = keras.optimizers.Adam`: follow one alias
            if len(bindings) == 1 and bindings[0].kind == "assign" and isinstance(bindings[0].value, (cst.Name, cst.Attribute)):
                aliased, inferred = self.qualify(bindings[0].value, scopes, depth + 1)
                if aliased:
                    return canonical(f"{aliased}.{rest}" if rest else aliased), inferred
            return None, False
        if head in self.names.bound:
            return None, False  # bound somewhere else in the file: not the library symbol
        if head in CONVENTIONAL:
            base = CONVENTIONAL[head]
            return canonical(f"{base}.{rest}" if rest else base), True
        if not rest and head in OPTIMIZER_CLASS_NAMES:
            return head, True  # framework decided from the call's shape
        return None, False

    def call_qualname(self, site_call: cst.Call, scopes) -> Tuple[Optional[str], bool]:
        name, inferred = self.qualify(site_call.func, scopes)
        if name in OPTIMIZER_CLASS_NAMES:  # a bare, unbound `Adam(...)`
            name = _bare_optimizer(site_call, name)
        return name, inferred

    def scopes_of(self, scope) -> Tuple:
        if scope is None or scope is self.model.module:
            return (self.model.module,)
        return self.names.function_scopes.get(id(scope)) or (self.model.module, scope)

    def appended(self, name: str, scope) -> List[Tuple[cst.BaseExpression, Tuple]]:
        """The elements `name.append(x)` / `name.extend([x, ...])` add to the list `name` bound in
        `scope` ((expression, scopes) pairs), indexed once per file."""
        if self.appends is None:
            self.appends = {}
            for site in self.names.calls:
                func, args = site.call.func, site.call.args
                if not (isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name) and len(args) == 1
                        and func.attr.value in ("append", "extend") and args[0].keyword is None):
                    continue
                bindings = self.names.lookup(func.value.value, site.scopes)
                if not bindings:
                    continue
                added = args[0].value
                if func.attr.value == "append":
                    elements = [added]
                elif isinstance(added, (cst.List, cst.Tuple)):
                    elements = [e.value for e in added.elements if not isinstance(e, cst.StarredElement)]
                elif isinstance(added, (cst.ListComp, cst.GeneratorExp)):
                    elements = [added.elt]
                else:
                    continue
                key = (id(bindings[0].scope), func.value.value)
                self.appends.setdefault(key, []).extend((e, site.scopes) for e in elements)
        return self.appends.get((id(scope), name), [])

    def class_fields(self):
        """Class-body assignments (dataclass/config fields) by name, computed once."""
        if self.fields is None:
            self.fields = {}
            for (_, name), bindings in self.names.bindings.items():
                for binding in bindings:
                    if isinstance(binding.scope, cst.ClassDef) and binding.kind == "assign":
                        self.fields.setdefault(name, []).append(binding)
        return self.fields


    def calls_of(self, name: str) -> List[CallSite]:
        """The calls of the plain name `name` (`f(...)`), in file order."""
        return [site for site in self.calls_named(name) if isinstance(site.call.func, cst.Name)]

    def calls_named(self, last: str) -> List[CallSite]:
        """The calls whose callee's last name is `last` (`f(...)`, `x.f(...)`), in file order."""
        if self._calls_by_callee is None:
            self._calls_by_callee = {}
            for site in self.names.calls:
                func = site.call.func
                name = func.value if isinstance(func, cst.Name) else func.attr.value if isinstance(func, cst.Attribute) else None
                if name is not None:
                    self._calls_by_callee.setdefault(name, []).append(site)
        return self._calls_by_callee.get(last, [])

    def in_file_order(self, sites: List[CallSite]) -> List[CallSite]:
        if self._call_order is None:
            self._call_order = {id(site): index for index, site in enumerate(self.names.calls)}
        return sorted(sites, key=lambda site: self._call_order[id(site)])

    def step_calls(self, scope) -> List[CallSite]:
        """The argument-less `x.step()` calls whose innermost scope is `scope`, in file order."""
        if self._steps_by_scope is None:
            self._steps_by_scope = {}
            for site in self.names.calls:
                func = site.call.func
                if isinstance(func, cst.Attribute) and func.attr.value == "step" and not site.call.args:
                    self._steps_by_scope.setdefault(id(site.scopes[-1]), []).append(site)
        return self._steps_by_scope.get(id(scope), [])


    def penalties_of(self, nodes) -> List:
        """The model's penalties whose product or term is one of `nodes`, in model order."""
        penalties = self.model.penalties
        count, index = self._penalty_index
        if count != len(penalties):  # built once the penalties are known; again if one was added
            index = {}
            for position, penalty in enumerate(penalties):
                for node in {id(penalty.product): None, id(penalty.term): None}:
                    index.setdefault(node, []).append(position)
            self._penalty_index = (len(penalties), index)
        found = sorted({position for node in {id(n) for n in nodes} for position in index.get(node, ())})
        return [penalties[position] for position in found]


def _bare_optimizer(call: cst.Call, name: str) -> Optional[str]:
    """Read an unbound `Adam(...)` as torch's when it takes parameters, else Keras's."""
    first = call.args[0] if call.args and call.args[0].keyword is None else None
    params_kw = argument(call, "params", None)
    source = first or params_kw
    if source is not None:
        code = cst.Module([]).code_for_node(source.value)
        if any(word in code for word in torch.PARAMETER_SOURCES):
            qualname = f"{torch.OPTIM_MODULE}.{name}"
            return qualname if qualname in torch.OPTIMIZERS else None
        return None
    if any(a.keyword is not None and a.keyword.value in ("learning_rate", "lr") for a in call.args) or not call.args:
        qualname = f"{keras.OPTIMIZERS_MODULE}.{name}"
        return qualname if qualname in keras.OPTIMIZERS else None
    return None
