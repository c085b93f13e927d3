"""reglint convert: translate a weight-decay / L2 coefficient between frameworks.

    reglint convert 5e-4 --from caffe --to keras-l2
    reglint convert 5e-4 --from caffe --to tfa-adamw --lr 0.1 --output-format json
    reglint convert --from-prototxt solver.prototxt --to torch [--net train_val.prototxt]  (reglint.convert_prototxt)

The same number means different things in different frameworks: Caffe's
`weight_decay: 5e-4` is the loss term 5e-4·Σw²/2, Keras `l2(5e-4)` is 5e-4·Σw²
(twice as strong), and AdamW-style decay is not a loss term at all. This command
prints the coefficient that gives the same regularization, the line of code to
write, and the one-sentence reason. Semantics and sources: docs/semantics.md (the
sections named below), conversion table at docs/semantics.md#conversion-table.

Conventions
-----------
Coupled conventions are a loss term k·λ·Σw² (its gradient 2k·λ·w goes through the
optimizer's momentum and adaptive scaling). Between two coupled conventions the
conversion is exact: c = λ·k_from/k_to.

  name                       you write                                   means              source
  caffe                      solver `weight_decay: λ` (× decay_mult)     λ·Σw²/2            #caffe sgd_solver.cpp L166-171
  torch-sgd                  torch.optim.SGD(weight_decay=λ)             λ·Σw²/2            #pytorch-optimizers sgd.py L353/355 (2.14.1)
  torch-adam                 torch.optim.Adam(weight_decay=λ)            λ·Σw²/2            #pytorch-optimizers adam.py L426/428 (2.14.1)
  tf1-l2-regularizer         tf.contrib.layers / slim l2_regularizer(λ)  λ·Σw²/2            #tf1-regularizers-and-collections contrib regularizers.py; tf_slim L76-107
  tf-nn-l2-loss              λ * tf.nn.l2_loss(w)                        λ·Σw²/2            #tf1-regularizers-and-collections api_def_L2Loss.pbtxt
  keras-l2 (alias: keras)    keras.regularizers.l2(λ) / L2(λ)            λ·Σw² (no ½)       #keras-regularizers keras v3.15.1 regularizers.py L265
  optax-add-decayed-weights  optax.chain(optax.add_decayed_weights(λ),   λ·Σw²/2            #optax _adding.py L70-75 (checked numerically)
                               <sgd/adam>)  (placed before the optimizer)

Decoupled conventions shrink the weights directly each step, outside the gradient
and the moment estimates. Between two of them the conversion is exact (given --lr
when only one side multiplies by the learning rate).

  name                       you write                                   each step          source
  torch-adamw                torch.optim.AdamW(weight_decay=λ)           w ← w·(1 − lr·λ)   #pytorch-optimizers adamw.py L405 (2.6.0)
  keras-weight-decay         keras.optimizers.SGD/Adam/...(weight_decay=λ) w ← w·(1 − lr·λ) #keras-optimizers base_optimizer.py L952-959 (3.15.1)
  keras-adamw                keras.optimizers.AdamW(weight_decay=λ)      w ← w·(1 − lr·λ)   #keras-optimizers adamw.py L56 + base_optimizer.py
  optax-adamw                optax.adamw(lr, weight_decay=λ)             w ← w·(1 − lr·λ)   #optax alias.py L734-744
  tfa-adamw                  tfa.optimizers.AdamW(weight_decay=λ)        w ← w·(1 − λ)      #keras-optimizers weight_decay_optimizers.py L198-206
    (alias: tf-contrib-adamw)                                            (not × lr)
  lion (aliases: lion-pytorch, lion_pytorch.Lion(weight_decay=λ),          w ← w·(1 − lr·λ)   lion_pytorch.py L17 (05258c9);
    optax-lion)              optax.lion(lr, weight_decay=λ)                                 #optax alias.py lion
    Lion's lr is typically 3-10x smaller than AdamW's, so the same lr·λ needs a λ 3-10x larger.

Between coupled and decoupled there is no exact equivalent for adaptive methods:
Adam divides the L2 gradient by √v̂, decoupled decay is not divided (Loshchilov &
Hutter 2019, docs/semantics.md#decoupled-weight-decay-paper). The two agree only for plain SGD without momentum,
where one step of coupled decay λ_c (the Caffe-equivalent coefficient) shrinks w by
lr·λ_c. That matching value is printed as the place to start (JSON `start`), with
`value` null; tfa needs --lr for it because its decay is not multiplied by lr.

Exit codes: 0 printed a conversion, 2 bad input (one line on stderr).
"""

from __future__ import annotations

import argparse
import difflib
import json
import math
import sys
from dataclasses import dataclass
from fractions import Fraction
from typing import Dict, List, Optional, Sequence

from reglint.usage import EXIT_CLEAN, EXIT_ERROR, Parser, UsageError
from reglint.frameworks import COUPLED, DECOUPLED, Convention, addons, caffe, keras, lion, optax, tf1, torch

L_AND_H = "Loshchilov & Hutter, Decoupled Weight Decay Regularization, ICLR 2019 (docs/semantics.md#decoupled-weight-decay-paper)"

# Coupled conventions first, then decoupled ones, each in framework order.
CONVENTIONS: Dict[str, Convention] = {c.name: c for c in sorted(
    (*caffe.CONVENTIONS, *torch.CONVENTIONS, *tf1.CONVENTIONS, *keras.CONVENTIONS, *optax.CONVENTIONS, *addons.CONVENTIONS, *lion.CONVENTIONS),
    key=lambda c: c.coupling != COUPLED)}

ALIASES = {"keras": "keras-l2", "tf-contrib-adamw": "tfa-adamw", "lion-pytorch": "lion", "optax-lion": "lion"}


def valid_conventions() -> str:
    """The list every usage error ends with, so a typo is fixed without reading docs."""
    aliases = ", ".join(f"{alias} = {name}" for alias, name in ALIASES.items())
    return f"valid conventions: {', '.join(CONVENTIONS)} (aliases: {aliases})"


# -- numbers ---------------------------------------------------------------------------

def format_number(x: float) -> str:
    """Short, Python-valid float literal: 2.5e-4 rather than 0.00025000000000000001.

    Weight decays are small, so below 1e-3 the exponent form is shorter and easier to
    compare with papers; the result always reads as a float (tf.contrib's
    l2_regularizer rejects integers).
    """
    if x == 0:
        return "0.0"
    x = float(f"{x:.12g}")  # drop float noise such as 5.000000000000001e-05
    if 1e-3 <= abs(x) < 1e5:
        return repr(x)
    mantissa, exponent = f"{x:.12e}".split("e")
    mantissa = mantissa.rstrip("0").rstrip(".")
    return f"{mantissa}e{int(exponent)}"


def _number(text: str, what: str, allow_zero: bool) -> float:
    """Parse a coefficient or lr, refusing what no framework accepts."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid {what} {text!r}: not a number") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"invalid {what} {text!r}: must be finite")
    if value < 0 or (value == 0 and not allow_zero):
        need = "must not be negative" if allow_zero else "must be positive"
        raise argparse.ArgumentTypeError(f"invalid {what} {text!r}: {need}")
    return abs(value)  # -0.0 becomes 0.0


def _coefficient(text: str) -> float:
    return _number(text, "coefficient", allow_zero=True)


def _learning_rate(text: str) -> float:
    return _number(text, "learning rate", allow_zero=False)


def _convention(text: str) -> Convention:
    key = text.strip().lower().replace("_", "-")
    key = ALIASES.get(key, key)
    if key in CONVENTIONS:
        return CONVENTIONS[key]
    close = difflib.get_close_matches(key, list(CONVENTIONS) + list(ALIASES), n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    raise argparse.ArgumentTypeError(f"unknown convention {text!r}{hint}")


# -- the conversion --------------------------------------------------------------------

@dataclass(frozen=True)
class Conversion:
    source: Convention
    target: Convention
    coefficient: float
    lr: Optional[float]
    exact: bool
    start: Optional[float]  # the number written in `code`; None when it needs --lr
    written: str  # what `code` holds for the coefficient: `2.5e-4`, or `5e-4 * lr` without --lr
    code: str
    reason: str

    @property
    def value(self) -> Optional[float]:
        """The equivalent coefficient, or None when no exact one exists (or lr is missing)."""
        return self.start if self.exact else None


def convert(coefficient: float, source: Convention, target: Convention, lr: Optional[float] = None) -> Conversion:
    """Map λ through the per-step shrink of plain SGD, the one setting where all conventions meet.

    Under plain SGD one step of decay multiplies w by 1 − lr^p·scale·λ (p = 0 only for
    tfa), so the target coefficient is λ·scale_from/scale_to·lr^(p_from − p_to).
    Within one coupling that identity holds for every optimizer; across couplings it
    holds only for plain SGD, so the result is a starting point, not an equivalent.
    """
    ratio = source.scale / target.scale
    lr_power = source.lr_power - target.lr_power
    exact = source.coupling == target.coupling or coefficient == 0
    if lr_power == 0 or coefficient == 0:
        start: Optional[float] = coefficient * ratio
        written = format_number(start)
    elif lr is not None:
        start = coefficient * ratio * lr ** lr_power
        written = format_number(start)
    else:
        start = None
        written = f"{format_number(coefficient * ratio)} {'*' if lr_power > 0 else '/'} lr"
    code = target.code.format(value=written, lr=format_number(lr) if lr is not None else "lr")
    reason = _reason(source, target, coefficient, ratio, lr_power, written, start, exact)
    return Conversion(source, target, coefficient, lr, exact, start, written, code, reason)


def _reason(source, target, coefficient, ratio, lr_power, written, start, exact) -> str:
    """One sentence: what each side does to the weights, and the formula that follows."""
    symbol = "d" if target.coupling == DECOUPLED else "c"
    if coefficient == 0:
        return "A coefficient of 0 means no weight decay in every convention."
    result = f"{symbol} = {_formula(ratio, lr_power)} = {written}"
    result += "" if start is not None else " (pass --lr for the number)"
    lhs = f"{source.api.format(x='λ')} {_effect(source, 'λ', contrast=not exact)}"
    rhs = f"{target.api.format(x=symbol)} {_effect(target, symbol, contrast=not exact)}"
    if exact:
        return f"{lhs}, and {rhs}, so {result}."
    return (f"{lhs}, but {rhs}, so no {symbol} is equivalent for adaptive methods (Loshchilov & Hutter 2019); "
            f"they agree only for plain SGD without momentum, at {result}: start there and tune "
            f"(typical {target.name} values: {target.typical}).")


def _effect(convention: Convention, symbol: str, contrast: bool) -> str:
    """What the coefficient does to the weights, from the convention's data."""
    if convention.coupling == COUPLED:
        term = f"{symbol}·Σw²" if convention.k == 1 else f"{symbol}·Σw²/{Fraction(1 / convention.k)}"
        return f"acts as the loss term {term}" + (", a gradient term that adaptive optimizers rescale" if contrast else "")
    text = f"multiplies w by (1 − lr·{symbol}) each step" if convention.lr_scaled else \
        f"multiplies w by (1 − {symbol}) each step with no lr factor"
    return text + (", outside the gradient" if contrast else "")


def _formula(ratio: float, lr_power: int) -> str:
    """`λ/2`, `2·λ`, `lr·λ`, `λ/(2·lr)`: the factor between the two coefficients, in symbols."""
    fraction = Fraction(ratio).limit_denominator(100)
    numerator = ([str(fraction.numerator)] if fraction.numerator != 1 else []) + (["lr"] if lr_power > 0 else []) + ["λ"]
    denominator = ([str(fraction.denominator)] if fraction.denominator != 1 else []) + (["lr"] if lr_power < 0 else [])
    text = "·".join(numerator)
    if denominator:
        text += "/" + (denominator[0] if len(denominator) == 1 else f"({'·'.join(denominator)})")
    return text


# -- output ----------------------------------------------------------------------------

def to_json(conversion: Conversion) -> dict:
    return {
        "value": conversion.value,
        "from": conversion.source.name,
        "to": conversion.target.name,
        "input": conversion.coefficient,
        "exact": conversion.exact,
        "start": conversion.start,
        "lr": conversion.lr,
        "code": conversion.code,
        "reason": conversion.reason,
        "note": conversion.target.note,
        "sources": _sources(conversion),
    }


def _sources(conversion: Conversion) -> List[str]:
    sources = [conversion.source.source]
    if conversion.target is not conversion.source:
        sources.append(conversion.target.source)
    if not conversion.exact:
        sources.append(L_AND_H)
    return sources


def to_text(conversion: Conversion) -> str:
    """Headline, the line to write, then why, a caveat about the target, and sources."""
    c = conversion
    given = f"{c.source.name} {format_number(c.coefficient)}"
    if c.exact:
        headline = f"{given} = {c.target.name} {c.written}"
    else:
        headline = f"{given} -> {c.target.name}: no exact equivalent; start from {c.written}"
    lines = [headline, f"    {c.code}", f"why: {c.reason}", f"note: {c.target.note}"]
    lines += [f"source: {source}" for source in _sources(c)]
    return "\n".join(lines)


# -- command line ----------------------------------------------------------------------

_OPTIONS_WITH_VALUE = ("--from", "--to", "--lr", "--output-format")


def parser() -> argparse.ArgumentParser:
    p = Parser(prog="reglint convert", description=__doc__, add_help=False,
                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("coefficient", type=_coefficient, metavar="VALUE", help="the coefficient as written in --from")
    p.add_argument("--from", dest="source", type=_convention, required=True, metavar="CONVENTION",
                   help="the convention VALUE is written in")
    p.add_argument("--to", dest="target", type=_convention, required=True, metavar="CONVENTION",
                   help="the convention to convert to")
    p.add_argument("--lr", type=_learning_rate, help="learning rate, for conversions to or from tfa-adamw")
    p.add_argument("--output-format", choices=("text", "json"), default="text")
    p.add_argument("-h", "--help", action="store_true", help="show this help and exit")
    return p


def _negative_numbers(args: List[str]) -> List[str]:
    """Let `-5e-4` reach the type check instead of argparse calling it an unknown option.

    argparse only treats `-5` and `-.5` as numbers; a value after an option is glued on
    with `=`, and a stray negative VALUE is rejected here with the usual message.
    """
    result: List[str] = []
    for token in args:
        if token.startswith("-") and len(token) > 1 and _is_float(token):
            if result and result[-1] in _OPTIONS_WITH_VALUE:
                result[-1] = f"{result[-1]}={token}"
                continue
            try:
                token = format_number(_coefficient(token))
            except argparse.ArgumentTypeError as error:
                raise UsageError(f"argument VALUE: {error}") from None
        result.append(token)
    return result


def _is_float(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def main(args: Sequence[str]) -> int:
    """`reglint convert ...`: print one conversion; bad input is one line on stderr, exit 2."""
    args = list(args)
    if "-h" in args or "--help" in args:
        print(parser().format_help())
        return EXIT_CLEAN
    try:
        options = parser().parse_args(_negative_numbers(args))
    except UsageError as error:
        print(f"reglint: error: {error}; {valid_conventions()}", file=sys.stderr)
        return EXIT_ERROR
    conversion = convert(options.coefficient, options.source, options.target, options.lr)
    if options.output_format == "json":
        _write(json.dumps(to_json(conversion), ensure_ascii=False, indent=2))
    else:
        _write(to_text(conversion))
    return EXIT_CLEAN


def _write(text: str) -> None:
    """Print, degrading λ and Σ to `?` on a terminal that cannot encode them rather than crashing."""
    try:
        print(text)
    except UnicodeEncodeError:
        encoding = sys.stdout.encoding or "ascii"
        print(text.encode(encoding, "replace").decode(encoding))
