"""## What it does
Flags a penalty meant as L2 regularization or weight decay that is built from an
*unsquared* L2 norm of the weights: `λ * torch.norm(p)`, `λ * sum(p.norm(2) for p in
model.parameters())`, a loop `l2_reg += torch.norm(param)` then `loss += λ * l2_reg`,
`tf.norm(w)`, `torch.linalg.norm(w)`. It needs evidence that the term is meant as L2
or weight decay — a name (`l2_reg`, `l2_lambda`, `weight_decay`, `wd`) or a comment
saying L2 / weight decay — and a norm over parameters, not over data, gradients or a
difference of weights.

## Why is this bad?
L2 regularization is `λ/2·‖w‖²`, whose gradient `λ·w` shrinks each weight in
proportion to its size. The gradient of the unsquared `λ·‖w‖` is `λ·w/‖w‖`: a pull of
constant length whatever the weights' size, so small weights are pushed hard toward
zero and large ones barely at all. It is a different regularizer (a group-lasso-like
penalty), and its λ has nothing to do with a weight decay's. This is the common
"`l2_reg += torch.norm(param)`" snippet.

## Example
```python
l2_reg = sum(torch.norm(p) for p in model.parameters())
loss = criterion(model(x), y) + l2_lambda * l2_reg
```

## Use instead
```python
l2_reg = sum(torch.norm(p) ** 2 for p in model.parameters())
```

## Fix safety
Unsafe: squaring the norm changes the penalty (that is the point) and λ may need
retuning; applied only with `--unsafe-fixes`. Every unsquared norm the penalty sums
gets `** 2`. Note that `λ·‖w‖²` is twice the penalty of a weight decay λ
(`λ/2·‖w‖²`); RL001 says so when λ is named as a weight decay.

## Options
None.

## References
- torch `torch.norm` / `torch.linalg.vector_norm` docs: the 2-norm is `sqrt(Σ|x|²)`.
- Caffe `sgd_solver.cpp` `Regularize` (L156-215): weight decay adds `λ·w` to the gradient,
  the gradient of `λ/2·‖w‖²`.
- Loshchilov & Hutter, ICLR 2019, arXiv:1711.05101 (L2 and weight decay, §2).
- reglint's SEMANTICS.md §1 and §4.
"""

from __future__ import annotations

import re

from reglint.diagnostic import Applicability, Fix
from reglint.rule import Rule
from reglint.rules._common import snake, switched_off

RULE = Rule(
    code="RL007",
    name="unsquared-norm-penalty",
    summary="L2 / weight-decay penalty built from an unsquared norm (gradient w/‖w‖, not w)",
    fix=Applicability.UNSAFE,
    triggers=(b"norm(",),
    gates=(b"l2", b"decay", b"wd"),  # `_l2_evidence`: a norm alone says nothing
)

# The prefilter scans the file's `norm(` calls (a regex led by a literal, so `re` finds them
# fast) and reads each call's surroundings in Python, rather than running regexes that start
# with look-behinds over every byte of every file.
NORM_OPEN = re.compile(rb"norm\s*\(")
IDENTIFIER = re.compile(rb"[A-Za-z0-9_]+\Z")
# Names extract.py `_normed_weight` reads as a parameter when nothing else is known.
WEIGHT_NAMES = frozenset({b"p", b"param", b"params", b"w", b"W", b"weight", b"weights", b"kernel", b"v", b"var", b"variable"})
NORMED_ARGUMENT = re.compile(rb"\s*(?:(?:input|tensor|x|A)\s*=\s*)?([A-Za-z_][A-Za-z0-9_]*)(?![\w.(\[])")
# Loop sources and attributes `_normed_weight` accepts.
WEIGHT_WORDS = (b"parameters", b"trainable_variables", b"trainable_weights", b"tree_leaves", b".weight", b".kernel")
# The evidence `_evidence` accepts, as bytes: `l2` starting a word or a snake/camel part
# (`l2_reg`, `lambda_l2`, `lambdaL2`, `# L2 penalty`), weight decay however spelled, `wd`.
L2_TOKEN = re.compile(rb"[lL]2(?![0-9])")
DECAY_WORDS = re.compile(rb"(?i:weight[ _-]?decay|w_?decay)")
WD_TOKEN = re.compile(rb"[wW][dD](?![a-z0-9])")


def _name_part(byte: bytes) -> bool:
    """One byte of a (dotted) name: a letter, digit, `_` or `.`."""
    return byte.isalnum() or byte in (b"_", b".")


def _norm_calls(data: bytes):
    """(a norm call that is not a norm layer, one of them takes the norm of a weight-like name)."""
    call = weight = False
    for match in NORM_OPEN.finditer(data):
        before = data[max(0, match.start() - 40):match.start()]
        if before.endswith(b"."):
            owner = IDENTIFIER.search(before[:-1])
            name = owner.group(0) if owner else b""
            if name == b"self":
                continue  # `self.norm(x)`: a LayerNorm / RMSNorm module
            call = True
            start = len(before) - 1 - len(name)
            if name in WEIGHT_NAMES and not _name_part(before[start - 1:start] if start else b""):
                weight = True  # `p.norm(2)`, not `self.p.norm(2)`
        elif before.endswith(b"vector_") or not _name_part(before[-1:]):
            call = True  # `torch.linalg.vector_norm(`, a bare `norm(` (numpy.linalg's)
        else:
            continue  # `layer_norm(`, `batch_norm(`, ...
        argument = NORMED_ARGUMENT.match(data, match.end())
        if argument and argument.group(1) in WEIGHT_NAMES:
            weight = True  # `torch.norm(w)`
        if call and weight:
            break
    return call, weight


def _l2_evidence(data: bytes) -> bool:
    for match in L2_TOKEN.finditer(data):
        previous = data[match.start() - 1:match.start()] if match.start() else b""
        if not previous.isalnum() or (data[match.start():match.start() + 1] == b"L" and (previous.islower() or previous.isdigit())):
            return True
    if (b"ecay" in data or b"ECAY" in data or b"Ecay" in data) and DECAY_WORDS.search(data):
        return True
    for match in WD_TOKEN.finditer(data):
        if match.start() == 0 or not data[match.start() - 1:match.start()].isalnum():
            return True
    return False


def prefilter(data: bytes) -> bool:
    """A norm call, a word that says L2 or weight decay, and a parameter to take the norm of."""
    if b"norm" not in data:
        return False
    call, weight = _norm_calls(data)
    if not call or not (weight or any(word in data for word in WEIGHT_WORDS)):
        return False
    return _l2_evidence(data)


L2_NAME = re.compile(r"(^|_)(l2(?![0-9])|weight_?decay|w_?decay|wd(?![a-z0-9]))")
L2_COMMENT = re.compile(r"\bl2\b|weight[ _-]?decay", re.IGNORECASE)


def screen(code) -> bool:
    """An unsquared-norm penalty, and a name or comment that could say L2 / weight decay."""
    if not code.could_have("norm_penalties"):
        return False
    return code.names_any(lambda name: L2_NAME.search(snake(name)) is not None, ("l2", "decay", "wd")) or code.maybe_in_comment(L2_COMMENT)


def _evidence(penalty):
    names = penalty.names + (penalty.coefficient.names if penalty.coefficient else ())
    for name in names:
        if L2_NAME.search(snake(name)):
            return f"named `{name}`"
    for comment in penalty.comments + (penalty.coefficient.comments if penalty.coefficient else ()):
        if L2_COMMENT.search(comment):
            return f"commented `{comment.strip()[:60]}`"
    return None


def check(model, settings, report):
    reported = set()
    for penalty in model.penalties:
        if penalty.convention != "norm":
            continue
        if not penalty.over_weights or switched_off(penalty.coefficient):
            continue
        evidence = _evidence(penalty)
        if evidence is None:
            continue
        key = tuple(id(c) for c in penalty.norm_calls)
        if key in reported:
            continue
        reported.add(key)
        first = penalty.norm_calls[0]
        squared = f"{model.code(first)} ** 2"
        more = f" (and {len(penalty.norm_calls) - 1} more norm)" if len(penalty.norm_calls) > 1 else ""
        message = (
            f"`{model.code(first)}`{more} is an unsquared L2 norm in a penalty meant as L2 / weight decay ({evidence}): "
            f"its gradient is w/‖w‖, a pull of constant length, not the w of L2 regularization; use `{squared}`"
        )
        edits = tuple(report.replace(call, f"{model.code(call)} ** 2") for call in penalty.norm_calls)
        fix = Fix(Applicability.UNSAFE, f"Square the norm: `{squared}`", edits)
        yield report.diagnostic(RULE, first, message, fix)
