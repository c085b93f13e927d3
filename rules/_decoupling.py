"""Switching a coupled torch decay to decoupled decay: the fixes RL002 offers for
`torch.optim.Adam` & co. (as a call, an MMEngine `type=`, a Hydra `_target_`, timm's `opt=`,
HF's `optim=`), and the starting value they write (a coupled value does not carry over).
"""

from __future__ import annotations

from reglint.diagnostic import Applicability, Fix
from reglint.frameworks import ADAMW_START, ADAMW_TYPICAL
from reglint.frameworks import torch as torch_table
from reglint.rules._common import next_argument as _next_argument

RETUNE = "the decay value needs retuning for decoupled decay"

START = (f"no decoupled value is equivalent: typical AdamW values are {ADAMW_TYPICAL} (coupled ones 1e-5 to 5e-4), "
         f"start at {ADAMW_START} and tune")


def with_start_value(report, optimizer, fix):
    """A switch to decoupled decay writes the starting value over a literal coupled one; a
    value defined elsewhere would carry over unchanged, so that fix is display-only."""
    import libcst as cst

    if fix is None or not fix.edits:
        return fix
    title = fix.message.replace(f" ({RETUNE})", "").replace(f"; {RETUNE}", "")
    written = optimizer.weight_decay_arg.value
    if isinstance(written, (cst.Float, cst.Integer)) or (
            isinstance(written, cst.UnaryOperation) and isinstance(written.expression, (cst.Float, cst.Integer))):
        return Fix(fix.applicability, f"{title} with weight_decay={ADAMW_START} (a starting point; tune)",
                   fix.edits + (report.replace(written, ADAMW_START),))
    return Fix(Applicability.DISPLAY_ONLY, f"{title}, and set `{model_code(written)}` to about {ADAMW_START} (a starting point; tune)")


def model_code(node) -> str:
    import libcst as cst

    return cst.Module(body=[]).code_for_node(node)


def torch_fix(model, report, optimizer, name):
    import libcst as cst

    if optimizer.via in ("hf", "timm"):
        return _option_fix(model, report, optimizer)
    if optimizer.via == "structured":
        return _structured_fix(report, optimizer)
    call = optimizer.node
    since = torch_table.OPTIMIZERS[optimizer.qualname].flag_since
    flag = next((a for a in call.args if a.keyword is not None and a.keyword.value == optimizer.decoupled_flag), None)
    if flag is not None:  # `decoupled_weight_decay=False` written out: flip it
        return Fix(Applicability.UNSAFE, f"Decouple the decay: `{name}(..., decoupled_weight_decay=True)` (torch ≥ {since}; {RETUNE})",
                   (report.replace(flag.value, "True"),))
    if optimizer.decoupled_flag and optimizer.family in ("nadam", "radam"):
        edit = report.insert_after(call.args[-1], _next_argument(report, call, "decoupled_weight_decay=True"))
        return Fix(Applicability.UNSAFE, f"Decouple the decay: `{name}(..., decoupled_weight_decay=True)` (torch ≥ {since}; {RETUNE})", (edit,))
    replacement = torch_table.DECOUPLED_CLASS.get(optimizer.family)
    if replacement is None:
        return Fix(Applicability.DISPLAY_ONLY, f"Switch to decoupled decay: `torch.optim.AdamW` (or drop weight_decay); {RETUNE}")
    if optimizer.via == "config":  # MMEngine `type='Adam'` -> `type='AdamW'`
        renamed = _renamed_string(optimizer.class_node, replacement)
        if renamed is None:
            return Fix(Applicability.DISPLAY_ONLY, f"Switch to decoupled decay: `type='{replacement}'` ({RETUNE})")
        return Fix(Applicability.UNSAFE, f"Switch to decoupled decay: `type={renamed}` ({RETUNE})", (report.replace(optimizer.class_node, renamed),))
    func = optimizer.class_node if optimizer.via == "lazy" else call.func  # `L(torch.optim.Adam)(...)`: the target
    if isinstance(func, cst.Attribute):
        edits = (report.replace(func.attr, replacement),)
        if optimizer.group_without_decay and not isinstance(optimizer.weight_decay_arg, cst.Arg):
            # the decay is in a param group: keep the other groups at 0, not AdamW's 1e-2
            edits += (report.insert_after(call.args[-1], _next_argument(report, call, "weight_decay=0.0")),)
    elif optimizer.inferred:
        return Fix(Applicability.DISPLAY_ONLY, f"Switch to decoupled decay: `{replacement}` ({RETUNE})")
    else:
        torch_alias = next((local for local, target in model.imports.items() if target == "torch"), None)
        if torch_alias is None:
            return Fix(Applicability.DISPLAY_ONLY, f"Switch to decoupled decay: `torch.optim.{replacement}` ({RETUNE})")
        edits = (report.replace(func, f"{torch_alias}.optim.{replacement}"),)
    return Fix(Applicability.UNSAFE, f"Switch to decoupled decay: `{replacement}` ({RETUNE})", edits)


def _structured_fix(report, optimizer):
    """A Hydra structured config: `_target_ = "torch.optim.Adam"` -> `"torch.optim.AdamW"`
    (or its class expression's last name)."""
    import libcst as cst

    replacement = torch_table.DECOUPLED_CLASS.get(optimizer.family)
    node = optimizer.class_node
    if replacement is None:
        return Fix(Applicability.DISPLAY_ONLY, f"Switch to decoupled decay: `_target_ = torch.optim.AdamW` (or drop weight_decay); {RETUNE}")
    if isinstance(node, cst.SimpleString) and isinstance(node.evaluated_value, str):
        prefix, dot, _ = node.evaluated_value.rpartition(".")
        renamed = _renamed_string(node, prefix + dot + replacement)
        return Fix(Applicability.UNSAFE, f"Switch to decoupled decay: `_target_ = {renamed}` ({RETUNE})", (report.replace(node, renamed),))
    if isinstance(node, cst.Attribute):
        return Fix(Applicability.UNSAFE, f"Switch to decoupled decay: `{replacement}` ({RETUNE})", (report.replace(node.attr, replacement),))
    return Fix(Applicability.DISPLAY_ONLY, f"Switch to decoupled decay: `{replacement}` ({RETUNE})")


def _renamed_string(node, text: str):
    """The string literal `node` with its text replaced, quotes and prefix kept."""
    import libcst as cst

    if not isinstance(node, cst.SimpleString):
        return None
    return f"{node.prefix}{node.quote}{text}{node.quote}"


def _option_fix(model, report, optimizer):
    """timm `opt='adam'` -> `opt='adamw'`; HF `optim="adagrad"` gets advice only."""
    import libcst as cst

    from reglint.frameworks import timm as timm_table

    node = optimizer.class_node
    if optimizer.via == "timm" and isinstance(node, cst.SimpleString) and isinstance(node.evaluated_value, str):
        prefix, underscore, last = node.evaluated_value.lower().rpartition("_")
        decoupled = timm_table.DECOUPLED_OPT.get(last)
        if decoupled is not None:
            renamed = _renamed_string(node, prefix + underscore + decoupled)
            return Fix(Applicability.UNSAFE, f"Switch to decoupled decay: `{renamed}` ({RETUNE})", (report.replace(node, renamed),))
    if optimizer.via == "hf":
        return Fix(Applicability.DISPLAY_ONLY, f"Switch to decoupled decay: the default `optim` (an AdamW), or drop weight_decay; {RETUNE}")
    return Fix(Applicability.DISPLAY_ONLY, f"Switch to decoupled decay: `opt='adamw'` (or drop weight_decay); {RETUNE}")
