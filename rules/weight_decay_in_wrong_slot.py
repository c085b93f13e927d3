"""## What it does
Flags a weight-decay value passed by position into a parameter that is not the
optimizer's `weight_decay`: `torch.optim.Adam(params, lr, betas, args.weight_decay)`
makes it `eps`, `torch.optim.SGD(params, lr, wd)` makes it `momentum`,
`torch.optim.Adagrad(params, lr, wd)` makes it `lr_decay`, `optax.adamw(lr, b1, b2, wd)`
makes it `eps`, `tfa.optimizers.AdamW(lr, wd)` swaps the rate and the decay.

A value counts as a weight decay by its name (`weight_decay`, `wd`, `WEIGHT_DECAY`,
`cfg.train.wd`), by a weight-decay comment on its line, or, in a `momentum` / `alpha` /
`rho` slot, by a literal no momentum has (0 < value ≤ 0.01). The slots come from each
framework's signature tables, across releases: a position whose meaning changed to or
from `weight_decay` between releases is never judged. A large literal `eps` alone is not
flagged (1e-4 is a common deliberate choice for float16 training), nor are other
libraries' classes (apex `FusedAdam`, lion-pytorch `Lion`) or calls with `*args`.

## Why is this bad?
The program runs and trains, just without the regularization it asks for: the decay
sets another hyperparameter (an eps of 1e-4 instead of 1e-8, a momentum of 5e-4
instead of 0.9) and `weight_decay` stays 0. joliGEN PR #555 fixed exactly this.

## Example
```python
optimizer = torch.optim.Adam(model.parameters(), args.lr, (0.9, 0.999), args.weight_decay)
```

## Use instead
```python
optimizer = torch.optim.Adam(model.parameters(), args.lr, (0.9, 0.999), weight_decay=args.weight_decay)
```

## Fix safety
Unsafe: passing the value as `weight_decay=` turns the decay on and returns the slot
it filled to its default, which changes training numerics. Offered only when the value
is the last positional argument, nothing else fills `weight_decay`, and the class takes
that keyword in every release (torch, `optax.adamw`/`nadamw`/`adamaxw`); Keras (whose
legacy optimizers have no `weight_decay=`), tfa and `optax.adam` get the advice only. For an adaptive class with coupled decay
(torch `Adam`, `Adagrad`, `RMSprop` …) the fix is display-only too: in its own slot the
value would be a coupled L2 under the adaptive step (RL002), so a fix must not reveal
that hazard silently; the diagnostic's note names both.

## Options
None.

## References
- torch `torch/optim/adam.py`, `adamw.py`, `sgd.py`, `adagrad.py`, `rmsprop.py`, ... (2.0.1–2.14.1):
  `Adam(params, lr, betas, eps, weight_decay, amsgrad, *, ...)`, `SGD(params, lr, momentum,
  dampening, weight_decay, nesterov, *, ...)`, `Adagrad(params, lr, lr_decay, weight_decay, ...)`;
  `_muon.py` L91-101 (2.14.1): `Muon(params, lr, weight_decay, momentum, ...)`.
- keras 2.2.4 `keras/optimizers.py` (`SGD(lr, momentum, decay, nesterov)`), Keras 3
  `keras/src/optimizers/sgd.py`, `adam.py`, `adamw.py` (`AdamW(learning_rate, weight_decay, ...)`).
- tensorflow/addons `weight_decay_optimizers.py` L500-510: `AdamW(weight_decay, learning_rate, ...)`.
- optax `optax/_src/alias.py`: `adamw(learning_rate, b1, b2, eps, eps_root, mu_dtype, weight_decay, mask)`.
- jolibrain/joliGEN PR #555 (Adam's weight decay passed as eps); reglint docs/semantics.md#pytorch-optimizers, #keras-optimizers, #optax.
"""

from __future__ import annotations

from reglint.diagnostic import Applicability, Fix
from reglint.frameworks import keras, lookup, optax, torch
from reglint.rule import Rule
from reglint.rules._common import WEIGHT_DECAY_WORDS, brief, class_words, evidence_note, format_number, weight_decay_name

SIGNATURES = {**torch.POSITIONAL, **keras.POSITIONAL, **optax.POSITIONAL}
# Slots no weight decay belongs in whose usual values are far from one: a literal here of
# at most 0.01 reads as a misplaced decay (momentum is ~0.9, RMSprop's alpha/rho ~0.9-0.99).
MOMENTUM_SLOTS = frozenset({"momentum", "alpha", "rho"})
# A class the signature tables know.
CLASS_WORDS = class_words(SIGNATURES)
# A decay's name (`weight_decay`, `WEIGHT_DECAY`, `weightDecay`, `w_decay`, `wd` as a word), or
# a class with a momentum-like slot a small literal can fill (evidence enough, see `_evidence`).
EVIDENCE_WORDS = WEIGHT_DECAY_WORDS + class_words(
    qualname for qualname, signature in SIGNATURES.items()
    if any(MOMENTUM_SLOTS.intersection(slot if isinstance(slot, tuple) else (slot,)) for slot in signature))

RULE = Rule(
    code="RL011",
    name="weight-decay-in-wrong-slot",
    summary="a weight-decay value passed positionally into another parameter (Adam's eps, SGD's momentum)",
    fix=Applicability.UNSAFE,
    words=(CLASS_WORDS, EVIDENCE_WORDS),
    facts=("optimizers", "positional_arguments"),
)

# Classes whose `weight_decay=` keyword exists in every release the tables cover.
KEYWORD_FIX = frozenset(torch.POSITIONAL) | frozenset({"optax.adamw", "optax.nadamw", "optax.adamaxw"})
# Classes with no weight_decay parameter at all.
NO_DECAY = frozenset({"optax.adam", "optax.sgd"})
MOMENTUM_LIKE_LIMIT = 0.01
ORDINALS = {1: "1st", 2: "2nd", 3: "3rd"}


def check(model, settings, report):
    for optimizer in model.optimizers:
        signature = lookup(SIGNATURES, optimizer.qualname) if optimizer.via == "call" else None
        if not signature:
            continue
        decay_index = next((i for i, slot in enumerate(signature) if "weight_decay" in _names(slot)), None)
        for index, (arg, value) in enumerate(optimizer.positional[:len(signature)]):
            slots = _names(signature[index])
            if "weight_decay" in slots:
                continue
            evidence = _evidence(value, slots)
            if evidence is not None:
                yield _diagnostic(model, report, optimizer, signature, decay_index, index, arg, value, evidence)


def _names(slot) -> tuple:
    return slot if isinstance(slot, tuple) else (slot,)


def _evidence(value, slots):
    """Why `value` reads as a weight decay, or None."""
    if value.number is not None and not 0 < value.number < 1:
        return None  # no decay is 0, negative or 1 and above
    name = weight_decay_name(value)
    if name is not None:
        return f"named `{name}`"
    # (a comment is no evidence here: it belongs to the whole line, every argument on it)
    if set(slots) & MOMENTUM_SLOTS and value.provenance == "literal" and 0 < value.number <= MOMENTUM_LIKE_LIMIT:
        return f"{format_number(value.number)} is no {slots[0]}"
    return None


def _diagnostic(model, report, optimizer, signature, decay_index, index, arg, value, evidence):
    code = model.code(arg.value)
    name = optimizer.qualname
    slot = "/".join(_names(signature[index]))
    shown = ", ".join("/".join(_names(s)) for s in signature[:max(index, decay_index or 0) + 1])
    message = f"`{brief(code)}` goes into `{slot}`, the {_ordinal(index + 1)} positional parameter of `{name.rsplit('.', 1)[-1]}`"
    note = f"the signature is `{name}({shown}, ...)`"
    if name in NO_DECAY:
        message += ", which has no weight_decay"
        note += "; no weight decay is applied"
    elif decay_index is None:
        message += ", not `weight_decay`"
        note += f"; it sets {slot} and no weight decay is applied"
    elif decay_index < len(optimizer.positional):
        other = model.code(optimizer.positional[decay_index][0].value)
        message += f"; `{brief(other, 20)}` goes into `weight_decay`"
        note += f"; `{other}` goes into `weight_decay` (the {_ordinal(decay_index + 1)}) instead"
    elif slot == "betas":
        message += f", not `weight_decay` (the {_ordinal(decay_index + 1)})"
        note += "; torch reads `betas[0]` of a number and fails at construction"
    else:
        message += f", not `weight_decay` (the {_ordinal(decay_index + 1)})"
        note += f"; it sets {slot} and no weight decay is applied"
    note += evidence_note(evidence, code)
    fix = _fix(model, report, optimizer, decay_index, index, arg, code)
    if fix is not None and optimizer.adaptive and optimizer.decay_mode == "coupled":
        # in its own slot the value is a coupled L2 under an adaptive step (RL002): moving
        # it there would trade this hazard for that one, so say both and fix neither
        fix = Fix(Applicability.DISPLAY_ONLY, f"Pass it by keyword to the decoupled class (`AdamW`-style), `weight_decay={code}`")
        note += f"; by keyword it would be a coupled L2 under `{name.rsplit('.', 1)[-1]}` (RL002): use decoupled decay"
    elif name in NO_DECAY:
        fix = Fix(Applicability.DISPLAY_ONLY, "Use the decoupled alias with `weight_decay=`: `optax.adamw(..., weight_decay=...)`")
    elif fix is None:
        fix = Fix(Applicability.DISPLAY_ONLY, "Pass the arguments by keyword (`weight_decay=...`)")
    return report.diagnostic(RULE, arg, message, fix, note)


def _fix(model, report, optimizer, decay_index, index, arg, code):
    """`weight_decay=<value>` in place of the value, when no other argument moves."""
    if optimizer.qualname not in KEYWORD_FIX or decay_index is None or decay_index < index:
        return None
    if index != len(optimizer.positional) - 1 or optimizer.hidden_arguments:
        return None  # arguments after it would shift into the freed slot
    if optimizer.weight_decay_arg is not None:
        return None  # weight_decay is passed as well
    return Fix(Applicability.UNSAFE, f"Pass it by keyword: use `weight_decay={code}`", (report.replace(arg.value, f"weight_decay={code}"),))


def _ordinal(n: int) -> str:
    return ORDINALS.get(n, f"{n}th")
