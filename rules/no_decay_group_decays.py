"""## What it does
Flags parameters meant to be kept out of weight decay (biases, norm weights, 1-D
tensors, the names a model lists in `no_weight_decay()`) that are decayed after all:

- `n not in no_decay` (or `n in no_decay`) where `no_decay` is a list of name
  fragments such as `"bias"` and `"LayerNorm.weight"`;
- a no-decay group (selected by such fragments, `p.ndim <= 1`, `.bias`, norm module
  types, or named `no_decay`) without its own `"weight_decay": 0.0`, given to a torch
  optimizer whose weight decay is not zero;
- an optax decay mask that is True for biases and norm scales (and so False for kernels);
- the decay and no-decay lists split and then handed to the optimizer as one list;
- a model class with a timm-style `no_weight_decay()` that the file never reads, while
  it builds the optimizer from that model's plain `.parameters()`;
- a no-decay group chosen by fragments meant for norms (`"LayerNorm.weight"`, `"bn"`)
  from a model whose norms are named otherwise (`ln_1`, `ln_f`): a class of the same
  file or of another module of the project (`from model import GPT`, the message names
  `model.py:LINE`), also kept on `self.model` by a wrapper whose class assigns it once,
  in `__init__`; the norm weights that certainly exist (built unconditionally in
  `__init__`, through `nn.ModuleList` / `nn.Sequential` / `nn.ModuleDict` and that
  module's own classes) and that no fragment is part of are listed; a library model
  only from a table of its norms' names (GPT-2's `ln_1` / `ln_2` / `ln_f`, Llama's
  `input_layernorm` / `post_attention_layernorm` / `norm`: `in` is case-sensitive).

## Why is this bad?
A full parameter name (`encoder.layer.0.output.LayerNorm.weight`) never *equals* a
fragment, so `n not in no_decay` is True for every parameter: all of them decay and
the no-decay group is empty (pytorchic-bert PR #22, transformers #11936). A torch
param group takes the optimizer's value for every key it leaves out, so a no-decay
group without `"weight_decay": 0.0` decays with AdamW's 0.01 or whatever
`weight_decay=` the constructor got (minGPT #23, mindcv PR #752). optax decays the
leaves where the mask is **True**: a mask written as "which leaves are biases or
scales" decays exactly those and leaves every kernel undecayed (transformers #16908,
#35927). `any(nd in n for nd in no_decay)` is a substring test: the list copied from
BERT (whose modules are named `LayerNorm`) matches no norm of a GPT whose norms are
`ln_1` / `ln_f`, so those weights decay too. Nothing fails; the model is regularized
differently from the recipe.

## Example
```python
no_decay = ["bias", "LayerNorm.weight"]
groups = [
    {"params": [p for n, p in model.named_parameters() if n not in no_decay], "weight_decay": 0.01},
    {"params": [p for n, p in model.named_parameters() if n in no_decay], "weight_decay": 0.0},
]
```

## Use instead
```python
groups = [
    {"params": [p for n, p in model.named_parameters() if not any(nd in n for nd in no_decay)], "weight_decay": 0.01},
    {"params": [p for n, p in model.named_parameters() if any(nd in n for nd in no_decay)], "weight_decay": 0.0},
]
```

## Fix safety
Unsafe: each fix changes which parameters decay. `n not in no_decay` becomes
`not any(nd in n for nd in no_decay)` (and `n in no_decay` becomes `any(...)`); a
no-decay group gets `"weight_decay": 0.0`; an inverted optax mask test is negated.
Merged lists, an unread `no_weight_decay()` and fragments that miss the norms are
display-only: how to rebuild the groups (by shape, `p.ndim < 2`, or by the model's own
names) is the author's choice.

## Options
None.

## References
- torch 2.14.1 `torch/optim/optimizer.py` L1181-1187: `param_group.setdefault(name, default)`
  for every constructor default; `torch/optim/adamw.py` L26: `weight_decay: float = 1e-2`.
- optax 0.2.8 `optax/_src/alias.py` L690-694 (`mask`: "`True` for leaves/subtrees you want
  to apply the weight decay to"); `optax/transforms/_adding.py` L80-86 (`masked`).
- timm 1.0.29 `timm/optim/_optim_factory.py` L273: only the factory reads `no_weight_decay()`.
- torch docs 2.13.0 `torch.nn.LayerNorm(normalized_shape, eps, elementwise_affine=True, bias=True)`
  (`torch/nn/modules/normalization.py` L105): a norm's scale is its parameter `weight`, and
  `named_parameters()` names it by the attribute path (`transformer.ln_f.weight`).
- pytorchic-bert PR #22, mindcv PR #752, transformers #11936, #16908, #35927, minGPT #23,
  graphnet #713.
"""

from __future__ import annotations

from reglint.diagnostic import Applicability, Fix
from reglint.intent import names_norm
from reglint.rule import Rule
from reglint.rules._common import TORCH_CLASS_WORDS, brief, format_number

RULE = Rule(
    code="RL010",
    name="no-decay-group-decays",
    summary="parameters meant to be excluded from weight decay (biases, norms) are decayed",
    fix=Applicability.UNSAFE,
    # a mask is optax's, a fragment test reads `named_parameters()`, a group a torch class's
    words=(b"decay", (b"optax", b"named_parameters") + TORCH_CLASS_WORDS),
    facts=("param_groups",),
)


def check(model, settings, report):
    facts = _facts(model)
    for test in facts.fragment_tests:
        yield _fragment_diagnostic(model, report, test)
    for optimizer in facts.optimizers:
        inherited = _inherited_decay(model, optimizer)
        yield from _missed_norms(model, report, optimizer, inherited)
        if inherited is None:
            continue
        for group in optimizer.groups:
            if group.selection.kind == "no_decay" and group.decay_key is None:
                yield _group_diagnostic(model, report, optimizer, group, inherited)
        if optimizer.merged is not None and {p.kind for p in optimizer.merged_parts} == {"decay", "no_decay"}:
            yield _merged_diagnostic(model, report, optimizer, inherited)
    for mask in facts.masks:
        if mask.selects.kind == "no_decay":
            yield _mask_diagnostic(model, report, mask)
    yield from _unread_no_weight_decay(model, report, facts)


def _facts(model):
    from reglint.analysis import param_groups

    cached = getattr(model, "_param_groups", None)
    if cached is None:
        cached = param_groups.extract(model.module, model.source, model.names, model.path)
        model._param_groups = cached
        model.depends = tuple(dict.fromkeys(model.depends + cached.depends))  # the cache keys on them
    return cached


def _fragment_diagnostic(model, report, test):
    shown = ", ".join(f'"{f}"' for f in test.fragments[:2])
    written = model.code(test.comparison)
    replacement = f"{'not ' if test.negated else ''}any(nd in {test.name} for nd in {test.collection})"
    consequence = "True for every parameter" if test.negated else "False for every parameter (the no-decay side is empty)"
    dotted_fragment = next((f for f in test.fragments if "." in f), None)
    example = dotted_fragment or f"dense.{test.fragments[0]}"
    message = f"`{brief(written)}` compares whole parameter names with name fragments: every parameter decays"
    note = (f"`{test.collection}` holds fragments ({shown}): a full name such as `encoder.layer.0.output.{example}` "
            f"never equals a fragment, so the test is {consequence}")
    fix = Fix(Applicability.UNSAFE, f"Use `{replacement}`", (report.replace(test.comparison, replacement),))
    return report.diagnostic(RULE, test.comparison, message, fix, note)


def _inherited_decay(model, optimizer):
    """What a group without a decay key decays with (`AdamW`'s 0.01, `weight_decay=wd`), or None when nothing."""
    value = optimizer.weight_decay
    if value is not None:
        if _literal_zero(value):
            return None
        return f"the `weight_decay={model.code(value)}` passed to `{optimizer.display}`"
    if not optimizer.default_decay:
        return None
    return f"`{optimizer.display}`'s default weight_decay={format_number(optimizer.default_decay)}"


def _group_diagnostic(model, report, optimizer, group, inherited):
    key = (optimizer.decay_keys or ("weight_decay",))[0]
    entry = f"{group.quote}{key}{group.quote}: 0.0" if group.quote else f"{key}=0.0"
    message = f"No-decay group sets no `{key}`: its parameters decay with the optimizer's value"
    note = (f"the group's parameters are {_evidence(group.selection)}; it inherits {inherited} "
            "(a torch param group takes the optimizer's value for every key it omits)")
    fix = Fix(Applicability.UNSAFE, f"Add to the group: use `{entry}`", (report.insert_after(group.last, f", {entry}"),))
    return report.diagnostic(RULE, group.node, message, fix, note)


def _missed_norms(model, report, optimizer, inherited):
    """A no-decay group chosen by fragments meant for norms (`"LayerNorm.weight"`) whose model
    names its norms otherwise (`ln_1`, `ln_f`): no fragment is in their names, so they decay."""
    for group in optimizer.groups:
        fragments = group.fragments
        if group.selection.kind != "no_decay" or not group.norm_weights or not any(names_norm(f) for f in fragments):
            continue
        # the decayed group is the same test negated: what the fragments miss is in it (a decayed group
        # chosen otherwise, `p.ndim >= 2`, leaves the missed norms in no group at all)
        decays = [g for g in optimizer.groups if g.selection.kind == "decay" and g.fragments == fragments
                  and g.model_class == group.model_class and (not _literal_zero(g.decay) if g.decay_key else inherited)]
        if not decays:
            continue
        if any(c.isdigit() for f in fragments for c in f):
            continue  # `h.0.ln_1` stands for every index: a fragment with a digit might pick one
        missed = [name for name in group.norm_weights if not any(f in name for f in fragments)]
        if not missed:
            continue
        more = f" and {len(missed) - 1} more" if len(missed) > 1 else ""
        message = f"No-decay fragments match none of `{brief(group.model_class, 30)}`'s norm weights (`{brief(missed[0], 40)}`{more}): they decay"
        shown = ", ".join(f'"{f}"' for f in fragments[:3])
        value = decays[0].decay if decays[0].decay_key else None
        with_value = f"`{model.code(value)}`" if value is not None else inherited
        note = (f"`{brief(model.code(group.fragment_test), 60)}` tests whether a fragment ({shown}) is part of the name; "
                f"`{group.model_class}` names its norm weights {', '.join(f'`{m}`' for m in missed[:3])}, so they are in "
                f"the decayed group, with {with_value}")
        related = ()
        if group.model_defined is not None:
            where, found = report.elsewhere(*group.model_defined, f"`{group.model_class}` is defined here")
            note, related = f"{note} (`{group.model_class}`: {where})", (found,)
        fix = Fix(Applicability.DISPLAY_ONLY, "Keep norm weights out by shape (`p.ndim < 2`: biases and norm weights) "
                  "or add their names to the fragments")
        yield report.diagnostic(RULE, group.fragment_test, message, fix, note, related)


def _literal_zero(value) -> bool:
    """A decay written as the number zero (`0`, `0.0`)."""
    import libcst as cst

    return isinstance(value, (cst.Integer, cst.Float)) and float(value.evaluated_value) == 0


def _evidence(selection) -> str:
    return f"selected by `{selection.evidence}`" if selection.by_test else selection.evidence


def _merged_diagnostic(model, report, optimizer, inherited):
    parts = " and ".join(f"`{p.evidence}`" if not p.by_test else f"`{p.evidence}`" for p in optimizer.merged_parts)
    message = (f"`{brief(model.code(optimizer.merged))}` merges the decay / no-decay split back into one list: "
               "every parameter decays")
    note = f"the split is {parts}; `{optimizer.display}` sees one group and every parameter decays with {inherited}"
    fix = Fix(Applicability.DISPLAY_ONLY, "Pass the two lists as two param groups, the no-decay one with `\"weight_decay\": 0.0`")
    return report.diagnostic(RULE, optimizer.merged, message, fix, note)


def _mask_diagnostic(model, report, mask):
    replacement = _negated(model, mask.test)
    message = (f"Decay mask given to `{brief(mask.target)}` is True for no-decay leaves: "
               "biases and norm scales decay, kernels do not")
    note = f"the mask selects `{mask.selects.evidence}`, and optax decays where the mask is True"
    fix = Fix(Applicability.UNSAFE, f"Use `{replacement}`", (report.replace(mask.test, replacement),))
    return report.diagnostic(RULE, mask.test, message, fix, note)


_OPPOSITE = {"==": "!=", "!=": "==", "in": "not in", "not in": "in", "<=": ">", "<": ">=", ">": "<=", ">=": "<"}


def _negated(model, test) -> str:
    import libcst as cst

    if isinstance(test, cst.Comparison) and len(test.comparisons) == 1:
        target = test.comparisons[0]
        operator = " ".join(model.code(target.operator).split())
        if operator in _OPPOSITE:
            return f"{model.code(test.left)} {_OPPOSITE[operator]} {model.code(target.comparator)}"
    if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
        return model.code(test.expression)
    return f"not ({model.code(test)})"


def _unread_no_weight_decay(model, report, facts):
    for found in facts.no_weight_decay:
        if found.consulted:
            continue
        owners = set(found.instances)
        for optimizer in facts.optimizers:
            of = optimizer.parameters_of
            inside = of == "self" and found.cls in optimizer.scopes
            if not (of in owners or inside):
                continue
            inherited = _inherited_decay(model, optimizer)
            if inherited is None:
                continue
            name = found.cls.name.value
            method = found.method.name.value
            call = brief(f"{optimizer.display}({of}.parameters())", 50)
            message = f"`{brief(name, 30)}.{method}()` is never read: `{call}` decays every parameter"
            note = f"`{method}()` lists parameters to keep out of weight decay; all of them decay with {inherited}"
            fix = Fix(Applicability.DISPLAY_ONLY, "Build param groups from no_weight_decay() (timm's `create_optimizer_v2`, "
                      "or a group with `\"weight_decay\": 0.0`)")
            yield report.diagnostic(RULE, optimizer.call, message, fix, note)
