"""## What it does
Flags a penalty meant as L2 regularization or weight decay that is built from an
*unsquared* L2 norm of the weights: `λ * torch.norm(p)`, `λ * sum(p.norm(2) for p in
model.parameters())`, a loop `l2_reg += torch.norm(param)` then `loss += λ * l2_reg`,
`tf.norm(w)`, `torch.linalg.norm(w)`. It needs evidence that the term is meant as L2
or weight decay — a name (`l2_reg`, `l2_lambda`, `weight_decay`, `wd`) or a comment
saying L2 / weight decay — a norm over parameters, not over data, gradients or a
difference of weights, and a product that is a loss term: summed (not a divisor, as in a
LARS trust ratio `‖w‖ / (‖g‖ + wd·‖w‖)`) and bound to a loss or penalty name, summing
one (`l2_reg`), or in a loss function (`loss_fn`).

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
- reglint's docs/semantics.md#caffe and docs/semantics.md#pytorch-optimizers.
"""

from __future__ import annotations

from reglint.diagnostic import Applicability, Fix
from reglint.rule import Rule
from reglint.rules._common import L2_COMMENT, L2_NAME, WEIGHT_DECAY_WORDS, brief, evidence_note, snake, switched_off, word_start

# A call of a norm of `tensors.NORM_CALLS` (`torch.norm(`, `p.norm(`, `vector_norm(`, an
# imported `norm(` or `norm as`), but not a norm layer's (`layer_norm(`, `batch_norm(`: no `_norm(`).
NORM_WORDS = word_start(b"norm(")[1:] + (b".norm (", b" norm (", b"vector_norm(", b"norm as")
# What `extract._normed_weight` reads as a parameter: a loop over `parameters()` & co., a
# `.weight` / `.kernel`, or a name of `extract.WEIGHT_NAMES` as the norm's tensor.
WEIGHT_WORDS = (b"param", b"weight", b"kernel", b"var", b"trainable", b"tree_leaves") + tuple(
    before + name + after for name in (b"p", b"w", b"v") for before, after in ((b"(", b")"), (b"(", b","), (b"=", b")"), (b"=", b","), (b"", b".norm")))

RULE = Rule(
    code="RL007",
    name="unsquared-norm-penalty",
    summary="L2 / weight-decay penalty built from an unsquared norm (gradient w/‖w‖, not w)",
    fix=Applicability.UNSAFE,
    # `_evidence`: a norm alone says nothing (most model files have a norm), an L2 word must occur
    words=(NORM_WORDS, WEIGHT_WORDS),
    prose_words=((b"l2",) + WEIGHT_DECAY_WORDS,),  # a comment may say L2 / weight decay
    # `L2_NAME` / `L2_COMMENT` never read `l2` before a digit (`val2017`, `#L211`); the
    # screen never reads a method of `self` as a norm of a weight (`self.norm(x)`, a layer;
    # each pattern starts with its word, so the regex engine skips ahead to it)
    word_contexts=((b"l2", rb"l2(?![0-9])"), (b".norm(", rb"\.norm\((?:(?<!self\.norm\()|(?<=[a-z0-9_]self\.norm\())")),
    facts=("l2_intent", "norm_penalties"),  # the cheaper test first
)

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
        if not penalty.over_weights or not penalty.loss_term or switched_off(penalty.coefficient):
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
        message = f"`{brief(model.code(first))}`{more} is an unsquared norm in an L2 / weight-decay penalty"
        note = ("its gradient is w/‖w‖, a pull of constant length, not the w of L2 regularization"
                + evidence_note(evidence, model.code(first), "L2 / weight decay"))
        edits = tuple(report.replace(call, f"{model.code(call)} ** 2") for call in penalty.norm_calls)
        fix = Fix(Applicability.UNSAFE, f"Square the norm: use `{squared}`", edits)
        yield report.diagnostic(RULE, first, message, fix, note)
