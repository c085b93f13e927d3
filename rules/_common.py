"""What the rules share: reading weight-decay intent, and spelling small edits.

Evidence of weight-decay intent, strongest first (issue #3): the value's bound
name, a comment on the defining or using line, a published weight-decay value
whose own lines or enclosing docstrings (function, class, module) say it was ported.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Optional

from reglint.frameworks import PENALTY_WORDS, mmengine, timm
from reglint.frameworks import torch as torch_table
from reglint.intent import (  # noqa: F401 (the rules read the vocabulary from here)
    L2_COEFFICIENT_NAME, L2_COMMENT, L2_NAME, PORTING, WEIGHT_DECAY_COMMENT, WEIGHT_DECAY_NAME, is_weight_decay_name, snake,
)
from reglint.model import Value

if TYPE_CHECKING:  # libcst is imported where a fix is spelled, not when the rules load
    import libcst as cst

# Published coupled (Caffe/SGD) weight decays: AlexNet/VGG/WRN 5e-4, ResNet 1e-4,
# GoogLeNet 2e-4, Inception/MobileNet 4e-5 (docs/semantics.md#typical-values).
PUBLISHED_WEIGHT_DECAYS = (5e-4, 1e-4, 2e-4, 4e-5)

# -- words (lowercase bytes, see `Rule.words`) ------------------------------------------
# The bytes a name part or word starts after: words cannot say "at a word's start", so a
# word that would match inside other words (`wd` in `cwd`, `kwds`) is written once per
# such byte (`_wd`, ` wd`, `(wd`, ...).
WORD_STARTS = (b"_", b" ", b"\t", b"\n", b"(", b"[", b"{", b",", b"=", b".", b"*", b"/", b"+", b"-", b"#", b"'", b'"', b":")


def word_start(word: bytes) -> tuple:
    """`word` as the start of a name part or a word, for `Rule.words`."""
    return tuple(start + word for start in WORD_STARTS)


# A weight-decay name or comment: `weight_decay`, `weightDecay`, `w_decay`, `weight decay`,
# `wd` as a name part (`WEIGHT_DECAY_NAME`; a camelCase `baseWd` is outside, as before).
WEIGHT_DECAY_WORDS = (b"weight_decay", b"weightdecay", b"weight decay", b"weight-decay", b"w_decay", b"wdecay") + word_start(b"wd")
# Σw² as `analysis.penalties.square_sum` reads one (`frameworks.PENALTY_WORDS`)
SQUARE_WORDS = PENALTY_WORDS
# A Keras L2 regularizer called, imported under another name, or bound to one (`l2(`, `L1L2(`,
# `l1_l2(`, `l2 as reg`, `reg = regularizers.l2` at a line's end or before a comment).
L2_REGULARIZER_WORDS = (b"l2(", b"l2 (", b"l1l2", b"l2 as", b"l2\n", b"l2\r", b"l2 #", b"l2  #")
# Every adaptive optimizer of the framework tables (torch, Keras, TF1, optax, their string
# names) contains one of these in its name, so every import of it does, aliased or not.
# (Keras's `Lamb` as a call, an import or an alias's value: `lamb` alone is in every `lambda`.)
ADAPTIVE_WORDS = (b"adam", b"rmsprop", b"adagrad", b"adadelta", b"afactor", b"amsgrad", b"belief", b"yogi", b"novograd",
                  b"sm3", b"fromage", b"lion", b"muon", b"scale_by_", b"lamb(", b"lamb (", b"lamb as", b"lamb\n", b"lamb\r",
                  b"lamb,", b"lamb)", b"lamb #", b"lamb  #")
# Every torch optimizer class of the table, lowercased: an optimizer the analysis reads as
# torch's is called by a name it resolves to one of them, so its name is spelled in the file.
def class_words(classes) -> tuple:
    """The lowercased names of `classes` (qualified names): every spelling of one, aliased or
    not, holds its name (in its import at least)."""
    return tuple(sorted({qualname.rsplit(".", 1)[-1].lower().encode("ascii") for qualname in classes}))


TORCH_CLASS_WORDS = class_words(torch_table.OPTIMIZERS)
# What `model.PORTING` reads as a file that says it was ported (`ported` as a word: the
# regex also matches `supported`, which says nothing of the kind).
PORTING_WORDS = (b"caffe", b"prototxt", b"darknet", b"port of") + word_start(b"ported")


def weight_decay_name(value: Value) -> Optional[str]:
    return next((name for name in value.names if is_weight_decay_name(name)), None)


def weight_decay_comment(value: Value) -> Optional[str]:
    for comment in value.comments:
        if WEIGHT_DECAY_COMMENT.search(comment):
            return comment
    return None


# Halves of published decays (5e-4, 1e-4, 4e-5 and EfficientNet's 1e-5) that are not
# published themselves: a value like these was most likely halved already.
HALVED_PUBLISHED = (2.5e-4, 5e-5, 2e-5, 5e-6)


def _among(number: Optional[float], values) -> bool:
    return number is not None and any(abs(number - v) < v * 1e-9 for v in values)


def published_value(value: Value) -> bool:
    return _among(value.number, PUBLISHED_WEIGHT_DECAYS)


def _half_of_round(number: Optional[float]) -> bool:
    """1.5e-5, 2.5e-4: not round themselves, but twice them is (3e-5, 5e-4)."""
    if number is None or number <= 0:
        return False
    import math

    mantissa = number / 10 ** math.floor(math.log10(number))
    return abs(mantissa - round(mantissa)) > 1e-6 and abs(2 * mantissa - round(2 * mantissa)) < 1e-6


def looks_halved(value: Value) -> bool:
    """Written already halved (`wd / 2`), equal to half a published weight decay, or
    a half-step mantissa (1.5e-5 = 3e-5 / 2) that only halving produces."""
    return 0.5 in value.scales or _among(value.number, HALVED_PUBLISHED) or _half_of_round(value.number)


def porting_line(value: Value) -> Optional[str]:
    """The line of the value's own statements (its use and its bindings) or of the docstrings
    of the functions, classes and module it comes through that says it was ported, or None
    (weak evidence: asked last). A comment on an unrelated line
    (`BASE_LR = 0.001  # Caffe solver value`) says nothing about this value."""
    for text in value.comments + value.docstrings:
        for line in text.splitlines():
            if PORTING.search(line):
                return brief(line, 60)
    return None


def published_and_ported(value: Value) -> str:
    return f"{format_number(value.number)} is a published weight decay and `{porting_line(value)}` says it was ported"


def weight_decay_evidence(value: Value) -> Optional[str]:
    """Why `value` reads as a weight decay, in words for a message; None if it does not."""
    name = weight_decay_name(value)
    if name:
        return f"named `{name}`"
    comment = weight_decay_comment(value)
    if comment:
        return f"commented `{comment.strip()[:60]}`"
    # a parameter's default counts as well (`def ssd_300(..., l2_regularization=0.0005)`)
    if value.provenance in ("literal", "constant", "parameter") and published_value(value) and porting_line(value):
        return published_and_ported(value)
    return None


def switched_off(value: Optional[Value]) -> bool:
    """A coefficient written as zero. A parameter whose default is 0 (`l2_scaling=0.0`,
    guarded by `if l2_scaling > 0`) is a switch the caller turns on: not off."""
    return value is not None and value.provably_zero and value.provenance in ("literal", "constant", "default")


def format_number(number: Optional[float]) -> str:
    if number is None:
        return "unknown"
    return f"{number:g}"


def halved_code(module: cst.Module, expr: cst.BaseExpression) -> str:
    import libcst as cst

    tight = (cst.Name, cst.Attribute, cst.Call, cst.Subscript, cst.Integer, cst.Float)  # take `/ 2` bare
    code = module.code_for_node(expr)
    if isinstance(expr, tight) or (isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, (cst.Multiply, cst.Divide))) or expr.lpar:
        return f"{code} / 2"
    return f"({code}) / 2"


def plus_code(module: cst.Module, expr: cst.BaseExpression, term: str) -> str:
    import libcst as cst

    code = module.code_for_node(expr)
    if isinstance(expr, (cst.Lambda, cst.IfExp, cst.NamedExpr, cst.BooleanOperation)) and not expr.lpar:
        code = f"({code})"
    return f"{code} + {term}"


def l2_penalties(penalties) -> list:
    """The Σw² penalties (λ·Σw², λ·Σw²/2): an unsquared norm λ·‖w‖ is no L2 term (RL007's own)."""
    return [p for p in penalties if p.convention != "norm"]


def stated_as(model, optimizer) -> Optional[str]:
    """How messages name an optimizer stated as configuration — "`type='Adam'`
    (torch.optim.Adam)", "`TrainingArguments()` (torch.optim.AdamW)" — or None for a
    constructor call or a Keras string."""
    node = optimizer.class_node
    default = node is getattr(optimizer.node, "func", None)  # the class is left at the default
    if optimizer.via == "config" and optimizer.type_written_in is not None:  # named by a `_base_` file
        spelled = f"{mmengine.TYPE_KEY}='{optimizer.qualname.rsplit('.', 1)[1]}'"
    elif optimizer.via == "config":
        spelled = f"{mmengine.TYPE_KEY}={model.code(node)}"
    elif optimizer.via == "hf":
        spelled = "TrainingArguments()" if default else f"TrainingArguments(optim={model.code(node)})"
    elif optimizer.via == "timm":
        spelled = f"create_optimizer_v2(opt={repr(timm.DEFAULT_OPT) if default else model.code(node)})"
    elif optimizer.via == "lazy":  # LazyConfig `L(torch.optim.Adam)(...)`
        spelled = model.code(optimizer.node.func)
    elif optimizer.via == "structured":  # a Hydra structured config's field
        spelled = f"_target_ = {model.code(node)}"
    else:
        return None
    return f"`{spelled}` ({optimizer.qualname})"


def imported_keras_l2(model) -> list:
    """The Keras L2 regularizers other project modules build for this file's models (landing in
    `model.losses`, not TF1's collection): `analysis.imported`."""
    return [r for r in model.imported_regularizers if r.framework == "keras" and r.has_l2 and not r.collected]


def summed_elsewhere(report, penalty) -> tuple:
    """Where a message says a penalty's Σw² is summed when a function of another module
    returns it (`regularization.py:4`), and the related location naming that function;
    ("", []) for a penalty written in the file."""
    if penalty.summed_in is None:
        return "", []
    path, line, column, written = penalty.summed_in
    where, related = report.elsewhere(path, line, column, f"the Σw² `{written}` returns")
    return where, [related]


def reaching(model, site, imported, owners) -> list:
    """Of the `imported` regularizers, those on the model a loss site trains (all of them when
    some regularizer's model, among `owners`, is not known)."""
    return [r for r in imported if r.owner is None or None in owners or trains_owner(model, site, r.owner)]


def trains_owner(model, site, owner: str) -> bool:
    """Whether the model a loss site trains holds the layers of the model bound to `owner`:
    it is that model, or one built from it in the site's scope (`Model(body.input, ...)`, a
    same-file factory's return: `FileModel.holds`)."""
    return site.model_expr == owner or owner in model.holds.get((id(site.scope), site.model_expr), ())


def brief(code: str, limit: int = 40) -> str:
    """Code as a first line quotes it: on one line, and cut with `…` past `limit` characters
    (the diagnostic's range shows it whole)."""
    code = " ".join(code.split())
    return code if len(code) <= limit else code[: limit - 1].rstrip() + "…"


def evidence_note(evidence: str, code: str, meaning: str = "weight decay") -> str:
    """The evidence of intent for a note ("read as weight decay: commented `# Caffe`"), or ""
    when it only repeats the code (`named `wd`` for `args.wd`)."""
    named = re.fullmatch(r"named `([^`]*)`", evidence)
    if named and re.search(rf"(?<![A-Za-z0-9_]){re.escape(named.group(1))}(?![A-Za-z0-9_])", code):
        return ""
    return f"; read as {meaning}: {evidence}"


def inferred_note(inferred: bool, name: str) -> str:
    return f" (`{name}` is not imported in this file; read as its conventional meaning)" if inferred else ""


# -- spelling edits -------------------------------------------------------------------

def next_argument(report, call: cst.Call, text: str) -> str:
    """`, text` — on a line of its own when the call puts one argument per line."""
    last = call.args[-1]
    last_start = report.range_of(last)[0]
    if len(call.args) > 1 and report.range_of(call.args[-2])[0].line != last_start.line:
        return f",\n{' ' * (last_start.column - 1)}{text}"
    return f", {text}"


def add_keyword(model, report, call: cst.Call, name: str, value: str):
    """The edit that passes `name=value` to `call`, after its last argument."""
    if call.args:
        return report.insert_after(call.args[-1], next_argument(report, call, f"{name}={value}"))
    return report.replace(call, f"{model.code(call.func)}({name}={value})")


def keyword_arg(name: str, value: cst.BaseExpression) -> cst.Arg:
    import libcst as cst

    tight = cst.AssignEqual(whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace(""))
    return cst.Arg(value, keyword=cst.Name(name), equal=tight)


def with_decay(alias_call: cst.Call, decoupled: str, decay) -> cst.Call:
    """`optax.adam(lr)` -> `optax.adamw(lr, weight_decay=wd[, mask=m])` for a chain's decay element."""
    import libcst as cst

    func = alias_call.func
    new_func = func.with_changes(attr=cst.Name(decoupled)) if isinstance(func, cst.Attribute) else cst.Name(decoupled)
    weight = decay.value.expr if decay.value is not None else cst.Float("1e-4")
    extra = [keyword_arg("weight_decay", weight)] + ([keyword_arg("mask", decay.mask)] if decay.mask is not None else [])
    args = [a.with_changes(comma=cst.MaybeSentinel.DEFAULT) for a in alias_call.args] + extra
    commas = [a.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))) for a in args[:-1]]
    return alias_call.with_changes(func=new_func, args=commas + args[-1:])


def spelled(model, qualname: str) -> Optional[str]:
    """How this file can name `qualname` through its module-level imports (the shortest
    spelling), e.g. `regularizers.l2` after `from tensorflow.keras import regularizers`."""
    from reglint.frameworks import canonical

    parts = qualname.split(".")
    found = []
    for local, target in model.module_imports.items():
        if ".legacy" in target:
            continue  # tf.keras.optimizers.legacy lacks the new classes (AdamW)
        for cut in range(len(parts) + 1):
            rest = ".".join(parts[cut:])
            if canonical(f"{target}.{rest}" if rest else target) == qualname:
                found.append(f"{local}.{rest}" if rest else local)
    return min(found, key=len) if found else None


def literal(number: float) -> str:
    """0.01 -> `0.01`, 1e-4 -> `1e-4`: how a person writes a small coefficient."""
    if number and abs(number) < 1e-3:
        mantissa, exponent = f"{number:e}".split("e")
        return f"{float(mantissa):g}e{int(exponent)}"
    return f"{number:g}"
