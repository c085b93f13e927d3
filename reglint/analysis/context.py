"""What every extractor module shares: the file's names, the model being filled, and qualified names.

`Context` holds one file's `Names` (from the single libcst pass), the `FileModel`
the sites fill, and the lookups between sites (which call built which regularizer
or optimizer). `qualify` reads a Name/Attribute as a canonical framework name.
"""

from __future__ import annotations

from typing import Dict, List, Optional, Sequence, Tuple

import libcst as cst

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
        self.optimizer_by_node: Dict[int, Optimizer] = {}
        self.site_by_call: Dict[int, CallSite] = {id(site.call): site for site in self.names.calls}
        self.fields: Optional[Dict[str, List[Binding]]] = None
        # (ctx, name, expr) -> Value of a constant imported from a project module, or None
        # (`analysis.imported.constant`, set by `build_model`: the resolver does not import the index)
        self.imported_constant = None
        self.project_index = None  # the `reglint.project.Index` of this file, once a lookup needs it

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

    def class_fields(self):
        """Class-body assignments (dataclass/config fields) by name, computed once."""
        if self.fields is None:
            self.fields = {}
            for (_, name), bindings in self.names.bindings.items():
                for binding in bindings:
                    if isinstance(binding.scope, cst.ClassDef) and binding.kind == "assign":
                        self.fields.setdefault(name, []).append(binding)
        return self.fields


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
