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
)

# A norm call that is not a norm layer (`self.norm(x)` is LayerNorm/RMSNorm in most models).
NORM_CALL = re.compile(rb"(?<!self)\.norm\s*\(|(?<![\w.])norm\s*\(|linalg\.norm\s*\(|vector_norm\s*\(")
# The evidence `_evidence` accepts, as bytes: `l2` starting a word or a snake/camel part
# (`l2_reg`, `lambda_l2`, `lambdaL2`, `# L2 penalty`), weight decay however spelled, `wd`.
EVIDENCE = re.compile(
    rb"(?:(?<![A-Za-z0-9])[lL]|(?<=[a-z0-9])L)2(?![0-9])|(?i:weight[ _-]?decay|w_?decay)|(?<![A-Za-z0-9])[wW][dD](?![a-z0-9])"
)


# The normed tensor must be a parameter (extract.py `_normed_weight`): a loop variable over
# parameters / trainable variables / tree leaves, a `.weight` / `.kernel`, or a weight-like name.
WEIGHT_WORDS = (b"parameters", b"trainable_variables", b"trainable_weights", b"tree_leaves", b".weight", b".kernel")
WEIGHT_NAME = rb"(?:p|param|params|w|W|weight|weights|kernel|v|var|variable)"
NORMED_WEIGHT = re.compile(rb"(?<![\w.])" + WEIGHT_NAME + rb"\.norm\s*\(|norm\s*\(\s*(?:(?:input|tensor|x|A)\s*=\s*)?"
                           + WEIGHT_NAME + rb"(?![\w.(\[])")


def prefilter(data: bytes) -> bool:
    """A norm call, a word that says L2 or weight decay, and a parameter to take the norm of."""
    if NORM_CALL.search(data) is None or EVIDENCE.search(data) is None:
        return False
    return any(word in data for word in WEIGHT_WORDS) or NORMED_WEIGHT.search(data) is not None


L2_NAME = re.compile(r"(^|_)(l2(?![0-9])|weight_?decay|w_?decay|wd(?![a-z0-9]))")
L2_COMMENT = re.compile(r"\bl2\b|weight[ _-]?decay", re.IGNORECASE)


def _evidence(penalty):
    names = penalty.names + (penalty.coefficient.names if penalty.coefficient else ())
    for name in names:
        if L2_NAME.search(snake(name)):
            return f"named `{name}`"
    for comment in penalty.comments + (penalty.coefficient.comments if penalty.coefficient else ()):
        if L2_COMMENT.search(comment):
            return f"commented `{comment.strip()[:60]}`"
    return None


def check(model, settings):
    reported = set()
    for penalty in model.norm_penalties:
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
        edits = tuple(model.replace(call, f"{model.code(call)} ** 2") for call in penalty.norm_calls)
        fix = Fix(Applicability.UNSAFE, f"Square the norm: `{squared}`", edits)
        yield model.diagnostic(RULE, first, message, fix)
