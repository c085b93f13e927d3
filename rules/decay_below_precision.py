"""## What it does
Flags a decoupled weight decay whose per-step factor `1 − lr·weight_decay` cannot be
represented in the parameters' floating-point type, so that the decay never happens:
lr·weight_decay below 2⁻²⁵ ≈ 2.98e-8 for float32 parameters (DETR's lr = weight_decay
= 1e-4 gives 1e-8), below 2⁻⁹ ≈ 1.95e-3 for bfloat16 and 2⁻¹² ≈ 2.44e-4 for float16
parameters (`model.to(torch.bfloat16)`, `.bfloat16()`, `.half()`,
`from_pretrained(..., torch_dtype=torch.bfloat16)`). Both numbers are written (or an
AdamW default) in the file — in the optimizer call or in an MMEngine/mmdet config
`dict(type='AdamW', lr=..., weight_decay=...)` — or are the defaults of the script's
argparse options (`lr=args.lr` with `parser.add_argument('--lr', default=1e-4)` and
`args` from `parser.parse_args()`, as DETR's `main.py` writes them): what a run that does
not pass the option trains with, and the message names the options. The message shows
the arithmetic.

It looks at optimizers that apply the decay as a rounded step of its own: torch
`AdamW`, `Adam`/`NAdam`/`RAdam` with `decoupled_weight_decay=True`, `Adafactor`, `Muon`,
and every Keras ≥ 2.11 optimizer's `weight_decay=`. optax adds `wd·p` to the update
before its one addition to the parameters, and coupled decay (torch `Adam`, `SGD`)
goes into the gradient: neither loses the decay this way, and neither is flagged. A
16-bit model trained with `fused=True`, or through PEFT/DeepSpeed/FSDP/Accelerate
(which may keep float32 master weights), is not flagged either, nor is a file that sets
the rate apart from the constructor (`group["lr"] = ...` warm-up loops, `OneCycleLR`,
`CyclicLR`, Keras `LearningRateScheduler`).

## Why is this bad?
Half the spacing of float32 just below 1 is 2⁻²⁵: `1 − 1e-8` rounds to exactly 1.0, so
`param.mul_(1 - lr * weight_decay)` multiplies by one, and Keras's per-element
`w - w * wd * lr` changes no weight by half an ulp. The configured regularization is
silently absent (pytorch PR #64475); a decaying learning-rate schedule only makes
lr·wd smaller. Between 2⁻²⁵ and 2⁻²⁴ float32 still decays, by the rounded factor
1 − 2⁻²⁴, so that range is not flagged. bfloat16 keeps 8 significant bits: any
lr·wd below 2⁻⁹ leaves every weight where it was (OneTrainer #996).

## Example
```python
optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4, weight_decay=1e-4)
```

## Use instead
```python
optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4, weight_decay=0.05)
```

## Fix safety
Display-only: the remedy (a larger decay, float32 master weights, or dropping a decay
that never acted) is a training decision.

## Options
None.

## References
- torch `torch/optim/adam.py` L402-405 (2.7.0) `param.mul_(1 - lr * weight_decay)`
  (`adamw.py` L405 in 2.6.0); foreach `torch._foreach_mul_`; the fused kernel
  `param -= lr * weight_decay * param` in float op-math (`aten/src/ATen/native/cuda/fused_adam_utils.cuh`).
- keras v3.15.1 `keras/src/optimizers/base_optimizer.py` L952-959: `variable.assign(variable - variable * wd * lr)`.
- optax `optax/transforms/_adding.py` L70-75 and `optax/_src/alias.py` L734-744: decay joins the update.
- IEEE 754 binary32 (24 significant bits), bfloat16 (8), binary16 (11); pytorch PR #64475,
  Nerogar/OneTrainer #996; reglint `reglint/frameworks/precision.py`.
- Python 3.11.7 `Lib/argparse.py` L1560-1592 (an option's `dest`), L1400-1407
  (`set_defaults`); facebookresearch/detr `main.py` (`--lr` and `--weight_decay` default 1e-4).
"""

from __future__ import annotations

from dataclasses import replace

from reglint.diagnostic import Applicability, Fix
from reglint.frameworks import precision
from reglint.rule import Rule
from reglint.rules._common import WORD_STARTS

# `weight_decay` as a keyword, key or name of its own, not the end of another name: the
# `no_weight_decay()` hook of every timm model names no optimizer's decay
DECAY_KEYWORD_WORDS = tuple(start + b"weight_decay" for start in WORD_STARTS if start != b"_")

RULE = Rule(
    code="RL013",
    name="decay-below-precision",
    summary="decoupled decay whose factor 1 − lr·wd rounds to 1 in the parameters' dtype",
    fix=Applicability.DISPLAY_ONLY,
    # a class that always decouples, the decoupled flag, or Keras (whose weight_decay= decouples)
    words=((b"adamw", b"muon", b"adafactor", b"decoupled") + DECAY_KEYWORD_WORDS,),
    facts=("optimizers", "decoupled_learning_rates"),
)


EXPONENT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")
KNOWN = ("literal", "constant", "default")
CLI_DEFAULT = "command-line default"
MECHANISM = {
    "torch": "multiplies each weight by 1 − lr·weight_decay, which rounds to exactly 1",
    "keras": "subtracts w·weight_decay·lr from each weight w, less than half its spacing",
}


def check(model, settings, report):
    for optimizer in model.optimizers:
        found = _rounds_away(model, optimizer)
        if found is not None:
            yield _diagnostic(model, report, optimizer, *found)


def _rounds_away(model, optimizer):
    """(lr, wd, dtype, cast) when the decay provably rounds away, else None."""
    if optimizer.decay_mode != "decoupled" or not optimizer.decay_scaled_by_lr or optimizer.via not in ("call", "config", "lazy", "structured"):
        return None
    if precision.DECAY_STEP.get(optimizer.framework, ("",))[0] != "separate":
        return None
    lr, wd = _known(optimizer.learning_rate), _known(optimizer.weight_decay)
    if lr is None or wd is None:
        return None
    if optimizer.hidden_arguments and (optimizer.via == "call" or wd.provenance == "default"):
        return None  # `**kwargs` may carry either; a config merged into `_base_` files keeps what it writes
    if not (lr.number and wd.number and lr.number > 0 and wd.number > 0):
        return None
    if optimizer.default_reaches is False or model.lr_set_elsewhere:
        return None  # every param group sets its own decay; or the lr is set apart from the constructor
    cast = model.parameter_casts.get(optimizer.params_of) if optimizer.params_of else None
    dtype = cast.dtype if cast is not None and not model.master_weight_wrappers else "float32"
    if dtype != "float32" and optimizer.fused and precision.FUSED_KEEPS_16_BIT:
        return None
    if lr.number * wd.number >= _bound(dtype):
        return None
    return lr, wd, dtype, cast if dtype != "float32" else None


def _known(value):
    """`value` with the number a run uses unless told otherwise: written in the file (a
    literal, a constant, the framework's default), or an argparse option's default
    (`args.lr` of `add_argument('--lr', default=1e-4)`); None when not known."""
    if value is None:
        return None
    if value.provenance in KNOWN:
        return value
    if value.cli_default is not None:
        return replace(value, number=value.cli_default[0], provenance=CLI_DEFAULT)
    return None


def _bound(dtype: str) -> float:
    return 2.0 ** -(precision.SIGNIFICAND_BITS[dtype] + 1)


def _diagnostic(model, report, optimizer, lr, wd, dtype, cast):
    bits = precision.SIGNIFICAND_BITS[dtype] + 1
    bound = _bound(dtype)
    product = lr.number * wd.number
    default = " (the default)" if wd.provenance == "default" else ""
    name = optimizer.qualname
    options = [value.cli_default[1] for value in (lr, wd) if value.provenance == CLI_DEFAULT]
    defaults = f" (the default{'s' if len(options) > 1 else ''} of {', '.join(f'`{o}`' for o in options)})" if options else ""
    message = (
        f"lr·weight_decay = {_short(lr.number)}·{_short(wd.number)}{default} = {_short(product)}{defaults} "
        f"< 2{f'-{bits}'.translate(EXPONENT)} ≈ {_short(bound)}: the decay rounds away in {dtype}"
    )
    note = f"{_short(bound)} is half the {dtype} spacing below 1"
    if cast is None:
        note += (f": `{name}` {MECHANISM[optimizer.framework]} in {dtype}, so no weight ever decays "
                 f"(a falling lr schedule only lowers it); a decay {dtype} can apply needs "
                 f"weight_decay > {_short(bound / lr.number)} at this lr")
        advice = f"Raise weight_decay above {_short(bound / lr.number)} so that lr·weight_decay exceeds 2⁻²⁵, or drop it"
    else:
        note += (f": the parameters of `{cast.module}` are {dtype} (`{model.code(cast.node)}`), and `{name}` "
                 f"rounds each decayed weight back to its {dtype} value, so no weight ever decays")
        advice = (f"Keep float32 master weights (a float32 model under torch.autocast) or make lr·weight_decay exceed "
                  f"{_short(bound)}")
    node = optimizer.weight_decay_arg if optimizer.weight_decay_arg is not None else optimizer.node
    return report.diagnostic(RULE, node, message, Fix(Applicability.DISPLAY_ONLY, advice), note)


def _short(number: float) -> str:
    """2.98e-8, 1.95e-3, 1e-8, 0.05: three significant digits, an exponent below 0.01."""
    if number >= 0.01:
        return f"{number:.3g}"
    mantissa, _, exponent = f"{number:.2e}".partition("e")
    return f"{mantissa.rstrip('0').rstrip('.')}e{int(exponent)}"
