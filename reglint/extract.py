"""Source -> model: one libcst pass (`names.collect`), then facts from the tables.

The extractor resolves qualified names, values and loss expressions; it never
decides what is a hazard — that is the rules' job.
"""

from __future__ import annotations

from typing import List, Optional, Sequence, Set, Tuple

import libcst as cst

from reglint.frameworks import canonical, huggingface, keras, mmengine, optax, tf1, timm, torch
from reglint.frameworks.tensors import AGGREGATES, NORM_CALLS, SQUARE_CALLS, SUM_CALLS
from reglint.model import (
    Attachment,
    ChainElement,
    FileModel,
    LossSite,
    PORTING,
    OptaxChain,
    Optimizer,
    Penalty,
    Regularizer,
    Value,
)
from reglint.names import Binding, CallSite, Names, collect, comments_of, dotted

REGULARIZERS = {**keras.REGULARIZERS, **tf1.REGULARIZERS}
OPTIMIZERS = {**torch.OPTIMIZERS, **keras.OPTIMIZERS, **tf1.OPTIMIZERS, **optax.OPTIMIZERS}
LIBRARY_ROOTS = frozenset({
    "tensorflow", "keras", "tf_keras", "tf_slim", "torch", "jax", "optax", "flax", "numpy",
    "math", "haiku", "torchvision", "timm", "transformers",
})
CONVENTIONAL = {**keras.CONVENTIONAL_NAMES, **torch.CONVENTIONAL_NAMES, "tf": "tensorflow", "optax": "optax", "slim": "tf_slim", "np": "numpy", "jnp": "jax.numpy", "jax": "jax"}
OPTIMIZER_CLASS_NAMES = frozenset(q.rsplit(".", 1)[1] for q in {**torch.OPTIMIZERS, **keras.OPTIMIZERS})
MAX_DEPTH = 8


class Extractor:
    def __init__(self, path: str, text: str, module: cst.Module):
        self.names: Names = collect(module, text)
        self.model = FileModel(path=path, source=text, module=module, imports=dict(self.names.imports))
        self._regularizer_by_call = {}
        self._optimizer_by_node = {}
        self._fields = None

    # -- qualified names ---------------------------------------------------------
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

    # -- values -------------------------------------------------------------------
    def value(self, expr: cst.BaseExpression, scopes, statement=None, depth: int = 0) -> Value:
        comments = comments_of(statement)
        result = self._value(expr, scopes, depth, set())
        result.comments = tuple(dict.fromkeys(comments + result.comments))
        return result

    def _value(self, expr, scopes, depth, seen) -> Value:
        if depth > MAX_DEPTH:
            return Value(expr, None, "unknown")
        number = _literal(expr)
        if number is not None:
            return Value(expr, number, "literal")
        if isinstance(expr, cst.UnaryOperation) and isinstance(expr.operator, cst.Minus):
            inner = self._value(expr.expression, scopes, depth + 1, seen)
            return Value(expr, -inner.number if inner.number is not None else None, inner.provenance, inner.names, inner.comments, inner.halved)
        if isinstance(expr, cst.BinaryOperation):
            return self._binary_value(expr, scopes, depth, seen)
        if isinstance(expr, cst.Name):
            return self._name_value(expr, scopes, depth, seen)
        if isinstance(expr, cst.Attribute):
            return self._attribute_value(expr, scopes, depth, seen)
        if isinstance(expr, cst.Subscript):
            key = _string_key(expr)
            return Value(expr, None, "config", (key,) if key else ())
        if isinstance(expr, cst.Call):
            return self._call_value(expr, scopes, depth, seen)
        return Value(expr, None, "unknown")

    def _binary_value(self, expr: cst.BinaryOperation, scopes, depth, seen) -> Value:
        left = self._value(expr.left, scopes, depth + 1, seen)
        right = self._value(expr.right, scopes, depth + 1, seen)
        number = _arith(expr.operator, left.number, right.number)
        halved = left.halved or right.halved or _halves(expr.operator, left, right)
        names = left.names + right.names
        provenance = "literal" if left.provenance == right.provenance == "literal" else (
            left.provenance if left.provenance != "literal" else right.provenance)
        return Value(expr, number, provenance, names, left.comments + right.comments, halved)

    def _name_value(self, expr: cst.Name, scopes, depth, seen) -> Value:
        name = expr.value
        key = (name, id(scopes[-1]) if scopes else 0)
        if key in seen:
            return Value(expr, None, "unknown", (name,))
        seen = seen | {key}
        bindings = self.names.lookup(name, scopes)
        if not bindings:
            return Value(expr, None, "unknown", (name,))
        halved_later = any(b.kind == "augassign" and _halving_augassign(b) for b in bindings)
        bindings = [b for b in bindings if b.kind != "augassign" or not _halving_augassign(b)]
        values = [self._binding_value(b, name, depth, seen) for b in bindings] or [Value(expr, None, "unknown")]
        numbers = {v.number for v in values}
        number = numbers.pop() if len(numbers) == 1 else None
        provenance = values[0].provenance if len(values) == 1 else ("constant" if number is not None else "unknown")
        names = (name,) + tuple(n for v in values for n in v.names if n != name)
        comments = tuple(c for v in values for c in v.comments)
        return Value(expr, number, provenance, names, comments, halved_later or all(v.halved for v in values))

    def _binding_value(self, binding: Binding, name: str, depth, seen) -> Value:
        comments = comments_of(binding.statement)
        if binding.kind == "assign" and binding.value is not None:
            scopes = self._scopes_of(binding.scope)
            inner = self._value(binding.value, scopes, depth + 1, seen)
            provenance = "constant" if inner.provenance == "literal" else inner.provenance
            return Value(binding.value, inner.number, provenance, inner.names, comments + inner.comments, inner.halved)
        if binding.kind == "param":
            return self._parameter_value(binding, name, depth, seen)
        return Value(binding.value or cst.Name(name), None, "unknown", (), comments)

    def _parameter_value(self, binding: Binding, name: str, depth, seen) -> Value:
        """A parameter: its default and the arguments the file's own call sites pass."""
        candidates: List[Value] = []
        outer = self._scopes_of(binding.scope)[:-1] or (self.model.module,)
        if binding.value is not None:
            candidates.append(self._value(binding.value, outer, depth + 1, seen))
        function = binding.function
        if isinstance(function, cst.FunctionDef):
            for site in self.names.calls:
                if isinstance(site.call.func, cst.Name) and site.call.func.value == function.name.value:
                    arg = _argument(site.call, name, binding.position)
                    if arg is not None:
                        candidates.append(self.value(arg.value, site.scopes, site.statement, depth + 1))
        numbers = {c.number for c in candidates if c.number is not None}
        number = numbers.pop() if len(numbers) == 1 else None
        names = tuple(n for c in candidates for n in c.names)
        comments = tuple(c for v in candidates for c in v.comments)
        halved = bool(candidates) and all(c.halved for c in candidates)
        return Value(binding.value or cst.Name(name), number, "parameter", names, comments, halved)

    def _attribute_value(self, expr: cst.Attribute, scopes, depth, seen) -> Value:
        attr = expr.attr.value
        full = dotted(expr)
        if full:
            bindings = self.names.attribute_bindings(full)
            assigned = [b for b in bindings if b.kind == "assign" and b.value is not None]
            if assigned and full not in {s for s in seen if isinstance(s, str)}:
                inner = [self._value(b.value, self._scopes_of(b.scope), depth + 1, seen | {full}) for b in assigned]
                numbers = {v.number for v in inner}
                return Value(expr, numbers.pop() if len(numbers) == 1 else None, "config",
                             (attr,) + tuple(n for v in inner for n in v.names),
                             tuple(c for b in assigned for c in comments_of(b.statement)),
                             all(v.halved for v in inner))
        fields = self._class_fields().get(attr, [])
        if len(fields) == 1 and fields[0].value is not None:
            # `config.weight_decay` where one class in the file declares `weight_decay: float = 5e-6`
            inner = self._value(fields[0].value, self._scopes_of(fields[0].scope), depth + 1, seen)
            return Value(expr, inner.number, "config", (attr,) + inner.names, comments_of(fields[0].statement), inner.halved)
        return Value(expr, None, "config", (attr,))

    def _class_fields(self):
        """Class-body assignments (dataclass/config fields) by name, computed once."""
        if self._fields is None:
            self._fields = {}
            for (_, name), bindings in self.names.bindings.items():
                for binding in bindings:
                    if isinstance(binding.scope, cst.ClassDef) and binding.kind == "assign":
                        self._fields.setdefault(name, []).append(binding)
        return self._fields

    def _call_value(self, expr: cst.Call, scopes, depth, seen) -> Value:
        func = expr.func
        if isinstance(func, cst.Name) and func.value in ("float", "int") and len(expr.args) == 1:
            inner = self._value(expr.args[0].value, scopes, depth + 1, seen)
            return Value(expr, inner.number, inner.provenance, inner.names, inner.comments, inner.halved)
        # cfg.get("weight_decay", 5e-4), getattr(args, "weight_decay", 5e-4)
        if isinstance(func, cst.Attribute) and func.attr.value == "get" and expr.args:
            key = _string_value(expr.args[0].value)
            default = _literal(expr.args[1].value) if len(expr.args) > 1 else None
            return Value(expr, default, "config", (key,) if key else ())
        if isinstance(func, cst.Name) and func.value == "getattr" and len(expr.args) >= 2:
            key = _string_value(expr.args[1].value)
            default = _literal(expr.args[2].value) if len(expr.args) > 2 else None
            return Value(expr, default, "config", (key,) if key else ())
        return Value(expr, None, "unknown")

    def _scopes_of(self, scope) -> Tuple:
        if scope is None or scope is self.model.module:
            return (self.model.module,)
        return self.names.function_scopes.get(id(scope)) or (self.model.module, scope)

    # -- expression origins (what a name was assigned) ---------------------------
    def origins(self, expr: cst.BaseExpression, scopes, depth: int = 0) -> List[Tuple[cst.BaseExpression, Tuple]]:
        """The expressions `expr` may stand for, following simple assignments."""
        if depth > MAX_DEPTH:
            return []
        if isinstance(expr, cst.Name):
            found = []
            for binding in self.names.lookup(expr.value, scopes):
                if binding.kind == "assign" and binding.value is not None:
                    found.extend(self.origins(binding.value, self._scopes_of(binding.scope), depth + 1))
            return found
        if isinstance(expr, cst.Attribute):
            full = dotted(expr)
            bindings = self.names.attribute_bindings(full) if full else []
            found = []
            for binding in bindings:
                if binding.kind == "assign" and binding.value is not None:
                    found.extend(self.origins(binding.value, self._scopes_of(binding.scope), depth + 1))
            return found or [(expr, scopes)]
        return [(expr, scopes)]

    # -- facts ----------------------------------------------------------------------
    def build(self) -> FileModel:
        model = self.model
        module = id(model.module)
        rebound = {name for (scope, name), bindings in self.names.bindings.items()
                   if scope != module or any(b.kind != "import" for b in bindings)}
        model.module_imports = {local: target for local, target in self.names.imports.items()
                                if local not in rebound and (module, local) in self.names.bindings}
        text = " ".join(self.names.comments + self.names.docstrings)
        model.porting_evidence = bool(PORTING.search(text))
        self._site_by_call = {id(site.call): site for site in self.names.calls}
        for site in self.names.calls:
            qualname, inferred = self.call_qualname(site.call, site.scopes)
            site.qualname = qualname
            if qualname in REGULARIZERS:
                self._regularizer(site, qualname, inferred)
            elif qualname in OPTIMIZERS:
                self._optimizer(site, qualname, inferred)
            else:
                self._configured_optimizer(site, qualname)
            if qualname in optax.CHAINS:
                self._chain(site)
        self._penalties()
        for site in self.names.calls:
            self._attachments(site)
            self._loss_site(site)
        for site in self.names.calls:
            self._added_param_group(site)
        return model

    def _added_param_group(self, site: CallSite) -> None:
        """`optimizer.add_param_group({"params": ..., "weight_decay": wd})` decays that group."""
        func = site.call.func
        if not (isinstance(func, cst.Attribute) and func.attr.value == "add_param_group" and site.call.args):
            return
        optimizer = self.optimizer_for(func.value, site.scopes)
        if optimizer is None or optimizer.framework != "torch" or (optimizer.weight_decay and not optimizer.weight_decay.provably_zero):
            return
        group = site.call.args[0].value
        if isinstance(group, cst.Dict) and self._decayed_group(group, site.scopes, site.statement, optimizer):
            optimizer.group_without_decay = True  # the constructor's own group keeps the default

    def _decayed_group(self, group: cst.Dict, scopes, statement, optimizer: Optimizer) -> bool:
        for item in group.elements:
            if isinstance(item, cst.DictElement) and _string_value(item.key) == "weight_decay":
                value = self.value(item.value, scopes, statement)
                if not value.provably_zero:
                    optimizer.weight_decay = value
                    optimizer.weight_decay_arg = item
                    optimizer.explicit = True
                    return True
        return False

    def owner_of(self, call: cst.Call) -> Optional[str]:
        """The variable a layer call's model is assigned to: `m = Sequential([Dense(...)])` -> `m`."""
        node = call
        for _ in range(6):
            node = self.names.parents.get(id(node))
            if node is None:
                return None
            site = self._site_by_call.get(id(node)) if isinstance(node, cst.Call) else None
            if site is not None and (site.qualname or "").startswith(("keras.Sequential", "keras.models.Sequential", "keras.Model", "keras.models.Model")):
                return _assigned_name(site)
        return None

    def _regularizer(self, site: CallSite, qualname: str, inferred: bool) -> None:
        spec = REGULARIZERS[qualname]
        arg = None
        for keyword, position in spec.l2_params:
            arg = _argument(site.call, keyword, position)
            if arg is not None:
                break
        regularizer = Regularizer(
            kind=spec.kind, qualname=qualname, call=site.call, convention=spec.convention,
            framework=spec.framework, l2_arg=arg, l2_default=spec.l2_default if arg is None else None,
            inferred=inferred,
        )
        if arg is not None:
            regularizer.l2 = self.value(arg.value, site.scopes, site.statement)
        self._regularizer_by_call[id(site.call)] = regularizer
        self.model.regularizers.append(regularizer)

    def _optimizer(self, site: CallSite, qualname: str, inferred: bool, via: str = "call",
                   class_node: Optional[cst.CSTNode] = None, decay_param=None, default=None) -> Optimizer:
        spec = OPTIMIZERS[qualname]
        keyword, position = decay_param or spec.weight_decay
        positional = via in ("call", "timm")  # a config dict or TrainingArguments takes keywords only
        arg = _argument(site.call, keyword, position if positional else None) if keyword else None
        decay_mode = spec.decay_mode
        flag = None
        if spec.decoupled_flag:
            flag_arg = _argument(site.call, spec.decoupled_flag[0], spec.decoupled_flag[1] if via == "call" else None)
            flag = spec.decoupled_flag[0]
            if flag_arg is not None and _truthy(flag_arg.value):
                decay_mode = "decoupled"
        optimizer = Optimizer(
            qualname=qualname, family=spec.family, adaptive=spec.adaptive, framework=spec.framework,
            node=site.call, decay_mode=decay_mode, weight_decay_arg=arg, explicit=arg is not None,
            decoupled_flag=flag, scope=site.scopes[-1], inferred=inferred, via=via,
            class_node=class_node if class_node is not None else site.call.func,
            decay_scaled_by_lr=spec.decay_scaled_by_lr,
            hidden_arguments=any(a.star for a in site.call.args),
        )
        default = spec.default_weight_decay if default is None else default
        if arg is not None:
            optimizer.weight_decay = self.value(arg.value, site.scopes, site.statement)
        elif default is not None:
            optimizer.weight_decay = Value(site.call, default, "default")
        if spec.framework == "torch" and via == "call":
            self._torch_param_groups(site, optimizer)
            params = _argument(site.call, "params", 0)
            if params is not None:
                optimizer.default_reaches = self._default_reaches(params.value, site.scopes)
                optimizer.params_of = self._module_of_parameters(params.value, site.scopes)
            else:
                optimizer.default_reaches = None
        if spec.framework == "keras":
            lr_decay = _argument(site.call, "decay", None)
            if lr_decay is not None:
                optimizer.decay_mode = "lr_decay" if arg is None else optimizer.decay_mode
                optimizer.lr_decay_arg = lr_decay
                optimizer.lr_decay = self.value(lr_decay.value, site.scopes, site.statement)
        optimizer.bound_to = _assigned_name(site)
        self._optimizer_by_node[id(site.call)] = optimizer
        self.model.optimizers.append(optimizer)
        return optimizer

    # -- optimizers stated as configuration --------------------------------------------
    def _configured_optimizer(self, site: CallSite, qualname: Optional[str]) -> None:
        func = site.call.func
        if qualname in huggingface.TRAINING_ARGUMENTS:
            self._training_arguments(site)
        elif qualname in timm.CREATE_OPTIMIZER:
            self._timm_optimizer(site)
        elif isinstance(func, cst.Name) and func.value == "dict" and "dict" not in self.names.bound:
            self._config_dict(site)

    def _config_dict(self, site: CallSite) -> None:
        """MMEngine/mmcv `optimizer = dict(type='Adam', lr=..., weight_decay=...)`."""
        type_arg = _argument(site.call, mmengine.TYPE_KEY, None)
        if type_arg is None or not self._in_optimizer_position(site):
            return
        text = _string_value(type_arg.value)
        if text is not None:
            qualname = f"torch.optim.{text}"
        else:
            qualname = self.qualify(type_arg.value, site.scopes)[0]
        if qualname not in torch.OPTIMIZERS:
            return
        optimizer = self._optimizer(site, qualname, False, via="config", class_node=type_arg.value)
        optimizer.display = f"`{mmengine.TYPE_KEY}={self.model.code(type_arg.value)}` ({qualname})"
        deleted = _argument(site.call, mmengine.DELETE_KEY, None)
        if self.names.lookup(mmengine.BASE_KEY, (self.model.module,)) and not (deleted and _truthy(deleted.value)):
            optimizer.hidden_arguments = True  # merged into a base config: unwritten keys may come from it

    def _in_optimizer_position(self, site: CallSite) -> bool:
        """Bound to `optimizer` (or `cfg.optimizer`), or passed as `optimizer=`."""
        bound = _assigned_name(site)
        if bound is not None:
            return bound.rsplit(".", 1)[-1] in mmengine.OPTIMIZER_KEYS
        parent = self.names.parents.get(id(site.call))
        if isinstance(parent, cst.Call):
            for arg in parent.args:
                if arg.value is site.call:
                    return arg.keyword is not None and arg.keyword.value in mmengine.OPTIMIZER_KEYS
        return False

    def _training_arguments(self, site: CallSite) -> None:
        """HF `TrainingArguments(weight_decay=..., optim=...)`: AdamW unless `optim` says otherwise."""
        optim = _argument(site.call, "optim", None)
        if optim is None:
            qualname, spelled = huggingface.DEFAULT_OPTIM, "TrainingArguments()"
        else:
            text = _string_value(optim.value)
            if text is None:
                return
            qualname = huggingface.OPTIM_STRINGS.get(text) or (huggingface.DEFAULT_OPTIM if text.startswith(huggingface.ADAMW_PREFIXES) else None)
            if qualname is None:
                return
            spelled = f"TrainingArguments(optim={self.model.code(optim.value)})"
        class_node = optim.value if optim is not None else site.call.func
        optimizer = self._optimizer(site, qualname, False, via="hf", class_node=class_node, default=0.0)
        optimizer.display = f"`{spelled}` ({qualname})"
        optimizer.default_reaches = False  # the Trainer passes weight_decay to every group

    def _timm_optimizer(self, site: CallSite) -> None:
        """timm `create_optimizer_v2(model, opt='adam', weight_decay=...)`."""
        opt = _argument(site.call, "opt", timm.OPT_POSITION)
        text = "sgd" if opt is None else _string_value(opt.value)
        entry = timm.OPT_STRINGS.get(text.lower().split("_")[-1]) if text is not None else None
        if entry is None:
            return
        qualname, decoupled = entry
        class_node = opt.value if opt is not None else site.call.func
        optimizer = self._optimizer(site, qualname, False, via="timm", class_node=class_node,
                                    decay_param=("weight_decay", timm.WEIGHT_DECAY_POSITION), default=0.0)
        if decoupled:
            optimizer.decay_mode = "decoupled"
        optimizer.display = f"`create_optimizer_v2(opt={self.model.code(opt.value) if opt is not None else repr(text)})` ({qualname})"
        optimizer.default_reaches = False  # timm passes weight_decay to the class
        model_arg = _argument(site.call, "model_or_params", 0)
        if model_arg is not None and isinstance(model_arg.value, (cst.Name, cst.Attribute)):
            optimizer.params_of = self.model.code(model_arg.value)

    def _default_reaches(self, params: cst.BaseExpression, scopes) -> Optional[bool]:
        """Does a torch optimizer's own default decay reach some parameters?

        Flat parameters take it; param groups take it unless every group sets
        `weight_decay`; groups built out of sight (a helper's return value) are unknown.
        """
        verdicts = set()
        for origin, _ in self.origins(params, scopes) or [(params, scopes)]:
            verdicts.add(_flat_or_groups(origin))
        if len(verdicts) == 1:
            return verdicts.pop()
        return None if None in verdicts else True

    def _module_of_parameters(self, params: cst.BaseExpression, scopes) -> Optional[str]:
        """`model` for `model.parameters()` (also inside filter/list/chain), when only one module shows."""
        found = set()

        def visit(node, depth=0) -> None:
            if depth > 6 or not isinstance(node, cst.CSTNode):
                return
            if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value in ("parameters", "named_parameters"):
                found.add(self.model.code(node.func.value))
                return
            if isinstance(node, cst.Attribute) and node.attr.value in ("trainable_variables", "trainable_weights"):
                found.add(self.model.code(node.value))
                return
            for name in _child_fields_of(node):
                value = getattr(node, name)
                for item in value if isinstance(value, (tuple, list)) else (value,):
                    visit(item, depth + 1)

        for origin, _ in self.origins(params, scopes) or [(params, scopes)]:
            visit(origin)
        return found.pop() if len(found) == 1 else None

    def _torch_param_groups(self, site: CallSite, optimizer: Optimizer) -> None:
        """`Adam([{"params": ..., "weight_decay": 1e-4}, ...])`: a group's decay counts too."""
        if optimizer.weight_decay_arg is not None and not (optimizer.weight_decay and optimizer.weight_decay.provably_zero):
            return
        groups = _argument(site.call, "params", 0)
        if groups is None:
            return
        for origin, scopes in self.origins(groups.value, site.scopes) or [(groups.value, site.scopes)]:
            if not isinstance(origin, (cst.List, cst.Tuple)):
                continue
            dicts = [e.value for e in origin.elements if isinstance(e.value, cst.Dict)]
            for group in dicts:
                if self._decayed_group(group, scopes, site.statement, optimizer):
                    optimizer.group_without_decay = any(
                        not any(isinstance(i, cst.DictElement) and _string_value(i.key) == "weight_decay" for i in g.elements)
                        for g in dicts)
                    return

    def _chain(self, site: CallSite) -> None:
        elements = []
        for arg in site.call.args:
            if arg.star or arg.keyword is not None:
                continue
            for origin, scopes in self.origins(arg.value, site.scopes) or [(arg.value, site.scopes)]:
                if not isinstance(origin, cst.Call):
                    continue
                qualname, _ = self.qualify(origin.func, scopes)
                element = ChainElement(qualname or "", origin, _chain_role(qualname), arg if origin is arg.value else None)
                decay_call, mask = origin, _argument(origin, "mask", None)
                if qualname == "optax.masked":  # optax.masked(optax.add_decayed_weights(wd), mask)
                    inner = _argument(origin, "inner", 0)
                    inner_name = self.qualify(inner.value.func, scopes)[0] if inner and isinstance(inner.value, cst.Call) else None
                    if inner_name in optax.DECAY_TRANSFORMS:
                        element.role, decay_call, mask = "decay", inner.value, _argument(origin, "mask", 1)
                if element.role == "decay":
                    decay = _argument(decay_call, "weight_decay", 0)
                    element.value = self.value(decay.value, scopes) if decay is not None else Value(decay_call, 0.0, "default")
                    element.decay_call = decay_call
                    element.mask = mask.value if mask is not None else None
                elements.append(element)
        self.model.chains.append(OptaxChain(site.call, elements))

    def regularizers_in(self, expr: cst.BaseExpression, scopes) -> List[Regularizer]:
        found = []
        for origin, _ in self.origins(expr, scopes):
            if isinstance(origin, cst.Call) and id(origin) in self._regularizer_by_call:
                found.append(self._regularizer_by_call[id(origin)])
        return found

    def optimizer_for(self, expr: Optional[cst.BaseExpression], scopes) -> Optional[Optimizer]:
        if expr is None:
            return None
        for origin, _ in self.origins(expr, scopes):
            if id(origin) in self._optimizer_by_node:
                return self._optimizer_by_node[id(origin)]
        return None

    def _string_regularizer(self, value, qualname: Optional[str]) -> List[Regularizer]:
        """`kernel_regularizer="l2"` on a Keras layer: Keras's `l2()`, coefficient 0.01."""
        text = _string_value(value)
        if text not in keras.STRING_REGULARIZERS or not (qualname or "").startswith(keras.LAYER_PREFIXES):
            return []
        spec = keras.REGULARIZERS[keras.STRING_REGULARIZERS[text]]
        regularizer = Regularizer(spec.kind, keras.STRING_REGULARIZERS[text], value, spec.convention, spec.framework, l2_default=spec.l2_default)
        self.model.regularizers.append(regularizer)
        return [regularizer]

    def _attachments(self, site: CallSite) -> None:
        qualname = site.qualname
        for arg in site.call.args:
            keyword = arg.keyword.value if arg.keyword is not None else None
            if keyword is None or not (keyword.endswith("_regularizer") or keyword == "regularizer"):
                continue
            regularizers = self.regularizers_in(arg.value, site.scopes) or self._string_regularizer(arg.value, qualname)
            if not regularizers:
                continue
            kind, collected = _attachment_kind(qualname, keyword)
            owner = self.owner_of(site.call) if kind == "keras_layer" else None
            for regularizer in regularizers:
                regularizer.attachments.append(Attachment(kind, keyword, site.call, qualname or "", collected, owner))

    # -- loss sites -------------------------------------------------------------------
    def _loss_site(self, site: CallSite) -> None:
        call = site.call
        qualname = site.qualname
        func = call.func
        method = func.attr.value if isinstance(func, cst.Attribute) else None
        if method in ("minimize", "compute_gradients") and isinstance(func, cst.Attribute):
            optimizer = self.optimizer_for(func.value, site.scopes)
            arg = _argument(call, "loss", 0)
            framework = optimizer.framework if optimizer else ("tf1" if _argument(call, "global_step", None) else "")
            self._add_site(method, site, arg, optimizer, framework)
        elif qualname in ("tensorflow.estimator.EstimatorSpec", "tensorflow.contrib.tpu.TPUEstimatorSpec", "tensorflow.estimator.tpu.TPUEstimatorSpec"):
            self._add_site("estimator_spec", site, _argument(call, "loss", 2), None, "tf1")
        elif qualname in ("tf_slim.learning.create_train_op", "tensorflow.contrib.training.create_train_op", "tf_slim.optimize_loss"):
            optimizer_arg = _argument(call, "optimizer", 1 if "create_train_op" in qualname else 3)
            optimizer = self.optimizer_for(optimizer_arg.value, site.scopes) if optimizer_arg else None
            self._add_site("create_train_op", site, _argument(call, "total_loss", 0) or _argument(call, "loss", 0), optimizer, "tf1")
        elif qualname == "tensorflow.gradients":
            self._add_site("gradients", site, _argument(call, "ys", 0), None, "tf1")
        elif method == "gradient" and isinstance(func.value, cst.Name) and any(t == func.value.value for t, _, _ in self.names.tape_blocks):
            self._tape_site(site)
        elif method == "backward" and not call.args:
            self._add_site("backward", site, cst.Arg(func.value), self._stepping_optimizer(site), "torch")
        elif method == "compile":
            self._compile_site(site)
        elif qualname in ("jax.grad", "jax.value_and_grad"):
            self._jax_site(site)

    def _add_site(self, kind, site: CallSite, arg: Optional[cst.Arg], optimizer, framework, loss_expr=None, scopes=None) -> LossSite:
        loss = loss_expr if loss_expr is not None else (arg.value if arg is not None else None)
        includes, penalties = (None, []) if loss is None else self.loss_terms(loss, scopes or site.scopes)
        loss_site = LossSite(kind, site.call, loss, arg, includes, penalties, optimizer, site.scopes[-1], framework)
        loss_site.loss_assignment = self._single_assignment(loss, scopes or site.scopes)
        self.model.loss_sites.append(loss_site)
        return loss_site

    def _single_assignment(self, loss, scopes) -> Optional[cst.Assign]:
        """`loss = ...`, when that one plain assignment is where a name-only loss is built."""
        if not isinstance(loss, cst.Name):
            return None
        bindings = self.names.lookup(loss.value, scopes)
        if len(bindings) != 1 or bindings[0].kind != "assign":
            return None
        statement = bindings[0].statement
        if isinstance(statement, cst.SimpleStatementLine) and isinstance(statement.body[0], cst.Assign):
            assign = statement.body[0]
            if assign.value is bindings[0].value and len(assign.targets) == 1:
                return assign
        return None

    def _tape_site(self, site: CallSite) -> None:
        call = site.call
        target = _argument(call, "target", 0)
        sources = _argument(call, "sources", 1)
        model_expr = None
        if sources is not None:
            for origin, _ in self.origins(sources.value, site.scopes) or [(sources.value, site.scopes)]:
                if isinstance(origin, cst.Attribute) and origin.attr.value in ("trainable_variables", "trainable_weights"):
                    model_expr = self.model.code(origin.value)
                    break
        loss_site = self._add_site("tape_gradient", site, target, None, "keras")
        loss_site.model_expr = model_expr
        tape_name = call.func.value.value
        if target is not None and isinstance(target.value, cst.Name):
            for tape, with_node, _ in self.names.tape_blocks:
                if tape == tape_name:
                    loss_site.loss_assignment = _last_assignment(with_node, target.value.value) or loss_site.loss_assignment

    def _stepping_optimizer(self, site: CallSite) -> Optional[Optimizer]:
        """The optimizer whose `.step()` follows a `loss.backward()` in the same function."""
        for other in self.names.calls:
            func = other.call.func
            if other.scopes[-1] is site.scopes[-1] and isinstance(func, cst.Attribute) and func.attr.value == "step" and not other.call.args:
                optimizer = self.optimizer_for(func.value, other.scopes)
                if optimizer is not None:
                    return optimizer
        # a config dict or TrainingArguments is not an object with `.step()`
        torch_optimizers = [o for o in self.model.optimizers if o.framework == "torch" and o.via in ("call", "timm")]
        return torch_optimizers[0] if len(torch_optimizers) == 1 else None

    def _compile_site(self, site: CallSite) -> None:
        arg = _argument(site.call, "optimizer", 0)
        if arg is None:
            return
        optimizer = None
        text = _string_value(arg.value)
        if text is not None:
            qualname = keras.OPTIMIZER_STRINGS.get(text.lower())
            if qualname is None:
                return
            spec = keras.OPTIMIZERS[qualname]
            optimizer = Optimizer(qualname, spec.family, spec.adaptive, "keras", arg.value, spec.decay_mode, scope=site.scopes[-1],
                                  via="string", class_node=arg.value)
            if spec.default_weight_decay is not None:  # `optimizer="adamw"`: AdamW() with its default decay
                optimizer.weight_decay = Value(arg.value, spec.default_weight_decay, "default")
            self.model.optimizers.append(optimizer)
        else:
            optimizer = self.optimizer_for(arg.value, site.scopes)
        compiled = LossSite("compile", site.call, None, None, True, [], optimizer, site.scopes[-1], "keras")
        compiled.model_expr = self.model.code(site.call.func.value) if isinstance(site.call.func, cst.Attribute) else None
        self.model.loss_sites.append(compiled)

    def _jax_site(self, site: CallSite) -> None:
        fn = _argument(site.call, "fun", 0)
        if fn is None or not isinstance(fn.value, cst.Name):
            return
        for function in self.names.functions.get(fn.value.value, []):
            scopes = self.names.function_scopes.get(id(function), (self.model.module, function))
            for returned in self.names.returns.get(id(function), []):
                loss = returned.elements[0].value if isinstance(returned, cst.Tuple) and returned.elements else returned
                self._add_site("jax_grad", site, None, None, "jax", loss_expr=loss, scopes=scopes)

    # -- what a loss consists of --------------------------------------------------------
    def loss_terms(self, expr: cst.BaseExpression, scopes) -> Tuple[Optional[bool], List[Penalty]]:
        tags: Set[str] = set()
        nodes: List[cst.CSTNode] = []
        self._walk_loss(expr, scopes, 0, tags, nodes, set())
        includes = True if "reg" in tags else (None if "opaque" in tags else False)
        penalties = [p for p in self.model.penalties if any(p.product is n or p.term is n for n in nodes)]
        return includes, penalties

    def _walk_loss(self, expr, scopes, depth, tags, nodes, seen) -> None:
        if depth > MAX_DEPTH:
            tags.add("opaque")
            return
        nodes.append(expr)
        if _literal(expr) is not None:
            return
        if isinstance(expr, cst.BinaryOperation):
            self._walk_loss(expr.left, scopes, depth + 1, tags, nodes, seen)
            self._walk_loss(expr.right, scopes, depth + 1, tags, nodes, seen)
        elif isinstance(expr, cst.UnaryOperation):
            self._walk_loss(expr.expression, scopes, depth + 1, tags, nodes, seen)
        elif isinstance(expr, (cst.List, cst.Tuple)):
            for element in expr.elements:
                self._walk_loss(element.value, scopes, depth + 1, tags, nodes, seen)
        elif isinstance(expr, (cst.ListComp, cst.GeneratorExp)):
            self._walk_loss(expr.elt, scopes, depth + 1, tags, nodes, seen)
        elif isinstance(expr, cst.Subscript):
            self._walk_loss(expr.value, scopes, depth + 1, tags, nodes, seen)
        elif isinstance(expr, cst.Name):
            self._walk_name(expr, scopes, depth, tags, nodes, seen)
        elif isinstance(expr, cst.Attribute):
            if expr.attr.value == "losses":
                tags.add("reg")
                return
            full = dotted(expr)
            bindings = [b for b in self.names.attribute_bindings(full) if b.value is not None] if full else []
            if bindings and full not in seen:
                for binding in bindings:
                    self._walk_loss(binding.value, self._scopes_of(binding.scope), depth + 1, tags, nodes, seen | {full})
            else:
                tags.add("opaque")
        elif isinstance(expr, cst.Call):
            self._walk_call(expr, scopes, depth, tags, nodes, seen)
        else:
            tags.add("opaque")

    def _walk_name(self, expr: cst.Name, scopes, depth, tags, nodes, seen) -> None:
        key = (expr.value, id(scopes[-1]))
        if key in seen:
            return
        bindings = self.names.lookup(expr.value, scopes)
        if not bindings:
            tags.add("opaque")
            return
        for binding in bindings:
            if binding.kind in ("assign", "augassign") and binding.value is not None:
                self._walk_loss(binding.value, self._scopes_of(binding.scope), depth + 1, tags, nodes, seen | {key})
            else:
                tags.add("opaque")

    def _walk_call(self, call: cst.Call, scopes, depth, tags, nodes, seen) -> None:
        qualname, _ = self.qualify(call.func, scopes)
        func = call.func
        if qualname in tf1.REGULARIZATION_LOSS_CALLS:
            if qualname == "tensorflow.get_collection":
                key = self.model.code(call.args[0].value) if call.args else ""
                if tf1.REGULARIZATION_COLLECTION in key or "regularization_losses" in key:
                    tags.add("reg")
                return
            flag = _argument(call, "add_regularization_losses", 0)
            if not (qualname.endswith("get_total_loss") and flag is not None and _falsy(flag.value)):
                tags.add("reg")
            return
        if isinstance(func, cst.Attribute) and func.attr.value == "compute_loss":
            tags.add("reg")  # Keras's Model.compute_loss adds self.losses
            return
        if isinstance(func, cst.Attribute) and func.attr.value == "compiled_loss":
            if _argument(call, "regularization_losses", None) is not None:
                tags.add("reg")
            return
        if _is_aggregate(qualname, func):
            if call.args:
                for arg in call.args:
                    if arg.keyword is None:
                        self._walk_loss(arg.value, scopes, depth + 1, tags, nodes, seen)
            return
        if isinstance(func, cst.Attribute) and func.attr.value in ("mean", "sum", "item", "float", "squeeze", "reduce_mean", "reduce_sum"):
            self._walk_loss(func.value, scopes, depth + 1, tags, nodes, seen)
            return
        if qualname is not None and qualname.split(".")[0] in LIBRARY_ROOTS:
            return  # a library loss: known, carries no collected regularization
        if isinstance(func, cst.Name):
            bindings = self.names.lookup(func.value, scopes)
            functions = [b.value for b in bindings if b.kind == "def"]
            if functions:
                for function in functions:
                    inner = self.names.function_scopes.get(id(function), scopes)
                    for returned in self.names.returns.get(id(function), []):
                        self._walk_loss(returned, inner, depth + 1, tags, nodes, seen)
                return
        # a call on an object built from a library class (`criterion = nn.CrossEntropyLoss()`)
        if isinstance(func, (cst.Name, cst.Attribute)):
            origins = self.origins(func, scopes)
            if origins and all(isinstance(o, cst.Call) and (self.qualify(o.func, s)[0] or "").split(".")[0] in LIBRARY_ROOTS for o, s in origins):
                return
        tags.add("opaque")

    # -- hand-written penalties ----------------------------------------------------------
    def _penalties(self) -> None:
        for product, scopes, statement in self.names.products:
            for term, coefficient in ((product.right, product.left), (product.left, product.right)):
                convention = self.square_sum(term, scopes)
                if convention is None or self.square_sum(coefficient, scopes) is not None:
                    continue
                value = self.value(coefficient, scopes, statement)
                parent = self.names.parents.get(id(product))
                if isinstance(parent, cst.BinaryOperation) and _halving_parent(parent, product):
                    value.halved = True
                framework = "tf" if convention == "half_sum_sq" else ""
                penalty = Penalty(term, product, value, coefficient, convention, framework, scopes[-1])
                penalty.over_weights = self._over_weights(term, scopes)
                penalty.weights_of = self._weights_module(term, scopes)
                self.model.penalties.append(penalty)
                break
            else:
                self._norm_penalty(product, scopes, statement)

    def _norm_penalty(self, product: cst.BinaryOperation, scopes, statement) -> None:
        """`coef * ‖w‖` with an unsquared L2 norm (`l2_reg += torch.norm(p)`; `loss += lam * l2_reg`)."""
        for term, coefficient in ((product.right, product.left), (product.left, product.right)):
            calls = self.norm_terms(term, scopes)
            if not calls or self.norm_terms(coefficient, scopes) or self.square_sum(coefficient, scopes) is not None:
                continue
            penalty = Penalty(term, product, self.value(coefficient, scopes, statement), coefficient, "norm", "", scopes[-1])
            penalty.over_weights = all(self._normed_weight(call, scopes) for call in calls)
            penalty.weights_of = self._weights_module(term, scopes)
            penalty.norm_calls = calls
            names: List[str] = _bound_targets(statement)
            comments = list(comments_of(statement))
            if isinstance(term, cst.Name):
                names.insert(0, term.value)
                for binding in self.names.lookup(term.value, scopes):
                    comments.extend(comments_of(binding.statement))
            penalty.names = tuple(dict.fromkeys(names))
            penalty.comments = tuple(dict.fromkeys(comments))
            self.model.norm_penalties.append(penalty)
            return

    def norm_terms(self, expr: cst.BaseExpression, scopes, depth: int = 0) -> List[cst.Call]:
        """The unsquared L2-norm calls an expression sums (`sum(p.norm(2) for p in ...)`), or []."""
        if depth > 4:
            return []
        if isinstance(expr, cst.Name):
            parts = [(part, inner) for part, inner in self._accumulated(expr, scopes)
                     if not (isinstance(part, cst.Name) and part.value == "None")]  # `reg = None` then `reg = reg + ...`
            found = [self.norm_terms(part, inner, depth + 1) for part, inner in parts]
            return [c for calls in found for c in calls] if found and all(found) else []
        if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Add):
            left, right = self.norm_terms(expr.left, scopes, depth + 1), self.norm_terms(expr.right, scopes, depth + 1)
            return left + right if left and right else []
        if not isinstance(expr, cst.Call):
            return []
        if _is_norm(expr, self, scopes):
            return [] if _norm_along_axis(expr, self, scopes) else [expr]
        qualname, _ = self.qualify(expr.func, scopes)
        func = expr.func
        if qualname in ("tensorflow.add_n", "tensorflow.math.add_n") or (isinstance(func, cst.Name) and func.value == "sum" and "sum" not in self.names.bound):
            if expr.args:
                inner = expr.args[0].value
                if isinstance(inner, (cst.ListComp, cst.GeneratorExp)):
                    inner = inner.elt
                    return self.norm_terms(inner, scopes, depth + 1)
                if isinstance(inner, (cst.List, cst.Tuple)) and inner.elements:
                    found = [self.norm_terms(e.value, scopes, depth + 1) for e in inner.elements]
                    return [c for calls in found for c in calls] if all(found) else []
        return []

    def _normed_weight(self, call: cst.Call, scopes) -> bool:
        """Is the tensor a norm call measures a parameter (`p` from `model.parameters()`,
        `self.fc.weight`), not a gradient (`p.grad`) or a difference (`p - p0`)?"""
        if isinstance(call.func, cst.Attribute) and self.qualify(call.func, scopes)[0] not in NORM_CALLS:
            tensor = call.func.value  # `p.norm(2)`
        else:
            first = _argument(call, "input", 0) or _argument(call, "tensor", 0) or _argument(call, "x", 0) or _argument(call, "A", 0)
            if first is None:
                return False
            tensor = first.value
        if isinstance(tensor, cst.Attribute):
            return tensor.attr.value in ("weight", "kernel")
        if not isinstance(tensor, cst.Name):
            return False
        source = self._loop_source(tensor.value, scopes)
        if source is None:
            return tensor.value in WEIGHT_NAMES
        # `for p in model.parameters()`, or `for p in net_params` after `net_params = list(net.parameters())`
        codes = [self.model.code(source)] + [self.model.code(o) for o, _ in self.origins(source, scopes) if o is not source]
        if any(word in code for code in codes for word in PARAMETER_WORDS):
            return True
        return "param" in codes[0] and tensor.value in WEIGHT_NAMES  # `for param in params` (an argument)

    def _weights_module(self, term: cst.BaseExpression, scopes, depth: int = 0) -> Optional[str]:
        """The one module whose parameters a penalty term ranges over: `model` for
        `sum(p.pow(2).sum() for p in model.parameters())`, `self.fc` for `self.fc.weight`."""
        found: Set[str] = set()

        def visit(node, scopes, depth) -> None:
            if depth > 6 or not isinstance(node, cst.CSTNode):
                return
            if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value in ("parameters", "named_parameters"):
                found.add(self.model.code(node.func.value))
                return
            if isinstance(node, cst.Attribute) and node.attr.value in ("weight", "kernel", "trainable_variables", "trainable_weights"):
                found.add(self.model.code(node.value))
                return
            if isinstance(node, cst.Name):
                source = self._loop_source(node.value, scopes)
                if source is not None:
                    visit(source, scopes, depth + 1)
                elif self.names.lookup(node.value, scopes):
                    for part, inner in self._accumulated(node, scopes):
                        visit(part, inner, depth + 1)
                return
            for name in _child_fields_of(node):
                value = getattr(node, name)
                for item in value if isinstance(value, (tuple, list)) else (value,):
                    visit(item, scopes, depth + 1)

        visit(term, scopes, depth)
        return found.pop() if len(found) == 1 else None

    def _loop_source(self, name: str, scopes) -> Optional[cst.BaseExpression]:
        for scope in reversed(scopes):
            source = self.names.loop_sources.get((id(scope), name))
            if source is not None:
                return source
        return None

    def _over_weights(self, term: cst.BaseExpression, scopes, depth: int = 0) -> bool:
        """Does the squared term range over model parameters (not predictions or latents)?"""
        if depth > 4:
            return False
        found = False

        def visit(node) -> None:
            nonlocal found
            if found or not isinstance(node, cst.CSTNode):
                return
            if isinstance(node, cst.Attribute) and node.attr.value in WEIGHT_SOURCES:
                found = True
            elif isinstance(node, cst.Name):
                if node.value in WEIGHT_NAMES or node.value in WEIGHT_SOURCES:
                    found = True
                elif depth < 4:
                    for part, inner in self._accumulated(node, scopes) if self.names.lookup(node.value, scopes) else []:
                        if self._over_weights(part, inner, depth + 1):
                            found = True
            elif isinstance(node, (cst.BinaryOperation)) and not isinstance(node.operator, cst.Power):
                return  # `pred - y`: arithmetic on data, not a parameter
            else:
                for name in _child_fields_of(node):
                    value = getattr(node, name)
                    for item in value if isinstance(value, (tuple, list)) else (value,):
                        visit(item)

        visit(term)
        return found

    def _accumulated(self, name: cst.Name, scopes):
        """The terms a name accumulates: `x = 0` then `x = x + t` / `x += t` gives [t]."""
        parts = []
        for binding in self.names.lookup(name.value, scopes):
            value = binding.value
            if binding.kind not in ("assign", "augassign") or value is None:
                return []
            if _literal(value) == 0 or _zero_tensor(value):
                continue
            if binding.kind == "assign" and isinstance(value, cst.BinaryOperation) and isinstance(value.operator, cst.Add):
                left_self = isinstance(value.left, cst.Name) and value.left.value == name.value
                right_self = isinstance(value.right, cst.Name) and value.right.value == name.value
                if left_self or right_self:
                    value = value.right if left_self else value.left
            if binding.kind == "augassign" and not isinstance(binding.operator, cst.AddAssign):
                return []
            parts.append((value, self._scopes_of(binding.scope)))
        return parts

    def square_sum(self, expr: cst.BaseExpression, scopes, depth: int = 0) -> Optional[str]:
        """"sum_sq" for Σw², "half_sum_sq" for Σw²/2 (tf.nn.l2_loss), else None."""
        if depth > 4:
            return None
        if isinstance(expr, cst.Name):
            kinds = {self.square_sum(part, s, depth + 1) for part, s in self._accumulated(expr, scopes)}
            return kinds.pop() if len(kinds) == 1 else None
        if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Power) and _literal(expr.right) == 2:
            return "sum_sq" if _is_norm(expr.left, self, scopes) else None
        if not isinstance(expr, cst.Call):
            return None
        qualname, _ = self.qualify(expr.func, scopes)
        func = expr.func
        if qualname in tf1.HALF_SUM_SQ_CALLS:
            return "half_sum_sq"
        if qualname in ("tensorflow.add_n", "tensorflow.math.add_n") or (isinstance(func, cst.Name) and func.value == "sum" and "sum" not in self.names.bound):
            if expr.args:
                inner = expr.args[0].value
                if isinstance(inner, (cst.ListComp, cst.GeneratorExp)):
                    inner = inner.elt
                return self.square_sum(inner, scopes, depth + 1)
            return None
        if qualname in SUM_CALLS and expr.args:
            return "sum_sq" if _is_square(expr.args[0].value, self, scopes) else None
        if isinstance(func, cst.Attribute) and func.attr.value == "sum" and not expr.args:
            return "sum_sq" if _is_square(func.value, self, scopes) else None
        if isinstance(func, cst.Attribute) and func.attr.value == "pow" and expr.args and _literal(expr.args[0].value) == 2:
            return "sum_sq" if _is_norm(func.value, self, scopes) else None
        return None


# Where parameters come from, and the names people give a parameter in a loop.
WEIGHT_SOURCES = frozenset({
    "parameters", "named_parameters", "trainable_variables", "trainable_weights", "weights",
    "weight", "kernel", "tree_leaves", "params", "trainable_params",
})
PARAMETER_WORDS = ("parameters", "trainable_variables", "trainable_weights", "tree_leaves")
WEIGHT_NAMES = frozenset({"p", "param", "params", "w", "W", "weight", "weights", "kernel", "v", "var", "variable"})


def _child_fields_of(node):
    from reglint.names import _child_fields

    return _child_fields(type(node))


def _is_aggregate(qualname: Optional[str], func) -> bool:
    if qualname in AGGREGATES:
        return True
    return isinstance(func, cst.Name) and func.value in ("sum", "float")


def _is_square(expr, extractor: Extractor, scopes) -> bool:
    if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Power) and _literal(expr.right) == 2:
        return True
    if isinstance(expr, cst.Call):
        qualname, _ = extractor.qualify(expr.func, scopes)
        if qualname in SQUARE_CALLS:
            return True
        if qualname in ("torch.pow", "tensorflow.pow", "tensorflow.math.pow") and len(expr.args) == 2 and _literal(expr.args[1].value) == 2:
            return True
        func = expr.func
        if isinstance(func, cst.Attribute):
            if func.attr.value == "square" and not expr.args:
                return True
            if func.attr.value == "pow" and len(expr.args) == 1 and _literal(expr.args[0].value) == 2:
                return True
    return False


def _is_norm(expr, extractor: Extractor, scopes) -> bool:
    """An L2 norm (`torch.norm(p)`, `p.norm(2)`, `tf.norm(w)`), which squared is Σw²."""
    if not isinstance(expr, cst.Call):
        return False
    qualname, _ = extractor.qualify(expr.func, scopes)
    order = _argument(expr, "p", 1) or _argument(expr, "ord", 1)
    if qualname in NORM_CALLS:
        return order is None or _literal(order.value) == 2
    func = expr.func
    if isinstance(func, cst.Attribute) and func.attr.value == "norm":
        order = _argument(expr, "p", 0)
        return order is None or _literal(order.value) == 2
    return False


def _norm_along_axis(expr: cst.Call, extractor: Extractor, scopes) -> bool:
    """`torch.norm(w, dim=1)` / `w.norm(2, 1)`: per-row norms (a group penalty), not ‖w‖."""
    if any(a.keyword is not None and a.keyword.value in ("dim", "axis") for a in expr.args):
        return True
    method = isinstance(expr.func, cst.Attribute) and extractor.qualify(expr.func, scopes)[0] not in NORM_CALLS
    positional = [a for a in expr.args if a.keyword is None]
    return len(positional) > (1 if method else 2) or any(a.star for a in expr.args)


def _bound_targets(statement) -> List[str]:
    """The names a statement assigns: `reg_loss = ...`, `self.l2 = ...`, `loss += ...`."""
    names: List[str] = []
    if isinstance(statement, cst.SimpleStatementLine):
        for small in statement.body:
            targets = [t.target for t in small.targets] if isinstance(small, cst.Assign) else (
                [small.target] if isinstance(small, (cst.AugAssign, cst.AnnAssign)) else [])
            for target in targets:
                name = dotted(target)
                if name:
                    names.append(name.rsplit(".", 1)[-1])
    return names


def _halving_augassign(binding: Binding) -> bool:
    """`wd /= 2` or `wd *= 0.5`."""
    operator, value = binding.operator, binding.value
    return (isinstance(operator, cst.DivideAssign) and _literal(value) == 2) or (
        isinstance(operator, cst.MultiplyAssign) and _literal(value) == 0.5)


def _halving_parent(parent: cst.BinaryOperation, child) -> bool:
    if isinstance(parent.operator, cst.Divide) and parent.left is child and _literal(parent.right) == 2:
        return True
    if isinstance(parent.operator, cst.Multiply):
        other = parent.right if parent.left is child else parent.left
        return _literal(other) == 0.5
    return False


def _chain_role(qualname: Optional[str]) -> str:
    if qualname in optax.DECAY_TRANSFORMS:
        return "decay"
    if qualname in optax.ADAPTIVE_SCALES:
        return "adaptive_scale"
    if qualname in optax.ADAPTIVE_ALIASES:
        return "adaptive_alias"
    if qualname in optax.DECOUPLED_ALIASES or qualname in optax.SGD_ALIASES:
        return "alias"
    if qualname in optax.LR_SCALES:
        return "lr_scale"
    return "other"


def _attachment_kind(qualname: Optional[str], keyword: str) -> Tuple[str, bool]:
    if qualname is None:
        return "unknown", False
    if qualname in tf1.COLLECTING_CALLS:
        kind = "arg_scope" if qualname.endswith("arg_scope") else ("scope" if qualname.endswith("variable_scope") else "variable")
        return kind, True
    if qualname.startswith(tf1.COLLECTING_PREFIXES) and keyword in tf1.COLLECTING_KEYWORDS:
        return "tf1_layer", True
    if qualname.startswith(keras.LAYER_PREFIXES):
        return "keras_layer", False
    return "unknown", False


def _bare_optimizer(call: cst.Call, name: str) -> Optional[str]:
    """Read an unbound `Adam(...)` as torch's when it takes parameters, else Keras's."""
    first = call.args[0] if call.args and call.args[0].keyword is None else None
    params_kw = _argument(call, "params", None)
    source = first or params_kw
    if source is not None:
        code = cst.Module([]).code_for_node(source.value)
        if any(word in code for word in torch.PARAMETER_SOURCES):
            qualname = f"torch.optim.{name}"
            return qualname if qualname in torch.OPTIMIZERS else None
        return None
    if any(a.keyword is not None and a.keyword.value in ("learning_rate", "lr") for a in call.args) or not call.args:
        qualname = f"keras.optimizers.{name}"
        return qualname if qualname in keras.OPTIMIZERS else None
    return None


def _has_key(group: cst.Dict, key: str) -> bool:
    return any(isinstance(item, cst.DictElement) and _string_value(item.key) == key for item in group.elements)


PARAMETER_WRAPPERS = frozenset({"filter", "list", "tuple", "chain", "itertools.chain"})


def _flat_or_groups(origin) -> Optional[bool]:
    """True: plain parameters or groups some of which keep the default decay;
    False: groups that all set `weight_decay`; None: cannot tell."""
    if isinstance(origin, (cst.List, cst.Tuple)):
        elements = origin.elements
        if any(isinstance(e, cst.StarredElement) for e in elements):
            return None
        groups = [e.value for e in elements]
        dicts = [g for g in groups if isinstance(g, cst.Dict)]
        if not dicts:
            return True
        if len(dicts) < len(groups):
            return None
        return any(not _has_key(g, "weight_decay") for g in dicts)
    if isinstance(origin, (cst.ListComp, cst.GeneratorExp)):
        return None if isinstance(origin.elt, cst.Dict) else True
    if isinstance(origin, cst.Call):
        func = origin.func
        if isinstance(func, cst.Attribute) and func.attr.value in ("parameters", "named_parameters"):
            return True
        if dotted(func) in PARAMETER_WRAPPERS:
            return True
    return None


def _argument(call: cst.Call, keyword: Optional[str], position: Optional[int]) -> Optional[cst.Arg]:
    """The argument passed as `keyword=` or at `position` (0-based, before any *args)."""
    index = 0
    for arg in call.args:
        if arg.keyword is not None:
            if keyword is not None and arg.keyword.value == keyword:
                return arg
            continue
        if arg.star:
            return None  # after *args, positions are unknown
        if position is not None and index == position:
            return arg
        index += 1
    return None


def _literal(expr) -> Optional[float]:
    if isinstance(expr, (cst.Integer, cst.Float)):
        try:
            return float(expr.evaluated_value)
        except (ValueError, OverflowError):
            return None
    if isinstance(expr, cst.UnaryOperation) and isinstance(expr.operator, cst.Minus):
        inner = _literal(expr.expression)
        return -inner if inner is not None else None
    return None


def _zero_tensor(expr) -> bool:
    """`torch.tensor(0.)`, `torch.zeros(1)`, `tf.constant(0.0)`: an accumulator's start."""
    if not isinstance(expr, cst.Call) or not expr.args:
        return False
    name = dotted(expr.func) or ""
    leaf = name.rsplit(".", 1)[-1]
    return (leaf in ("tensor", "constant", "as_tensor") and _literal(expr.args[0].value) == 0) or leaf in ("zeros", "zeros_like")


def _falsy(expr) -> bool:
    return (isinstance(expr, cst.Name) and expr.value in ("False", "None")) or _literal(expr) == 0


def _truthy(expr) -> bool:
    return isinstance(expr, cst.Name) and expr.value == "True"


def _arith(operator, left: Optional[float], right: Optional[float]) -> Optional[float]:
    if left is None or right is None:
        return None
    try:
        if isinstance(operator, cst.Add):
            return left + right
        if isinstance(operator, cst.Subtract):
            return left - right
        if isinstance(operator, cst.Multiply):
            return left * right
        if isinstance(operator, cst.Divide):
            return left / right
        if isinstance(operator, cst.Power):
            return left ** right
    except (ZeroDivisionError, OverflowError):
        return None
    return None


def _halves(operator, left: Value, right: Value) -> bool:
    if isinstance(operator, cst.Divide):
        return right.number == 2
    if isinstance(operator, cst.Multiply):
        return (left.number == 0.5 and left.provenance == "literal") or (right.number == 0.5 and right.provenance == "literal")
    return False


def _string_value(expr) -> Optional[str]:
    if isinstance(expr, cst.SimpleString):
        value = expr.evaluated_value
        return value if isinstance(value, str) else None
    return None


def _string_key(expr: cst.Subscript) -> Optional[str]:
    if len(expr.slice) == 1 and isinstance(expr.slice[0].slice, cst.Index):
        return _string_value(expr.slice[0].slice.value)
    return None


def _assigned_name(site: CallSite) -> Optional[str]:
    statement = site.statement
    if isinstance(statement, cst.SimpleStatementLine) and statement.body and isinstance(statement.body[0], cst.Assign):
        assign = statement.body[0]
        if assign.value is site.call and len(assign.targets) == 1:
            return dotted(assign.targets[0].target)
    return None


def _last_assignment(with_node: cst.With, name: str) -> Optional[cst.Assign]:
    found = []

    class _Finder(cst.CSTVisitor):
        def visit_Assign(self, node: cst.Assign) -> None:
            if any(isinstance(t.target, cst.Name) and t.target.value == name for t in node.targets):
                found.append(node)

        def visit_FunctionDef(self, node) -> bool:
            return False

    with_node.body.visit(_Finder())
    return found[-1] if found else None


def build_model(path: str, text: str, module: cst.Module) -> FileModel:
    return Extractor(path, text, module).build()
