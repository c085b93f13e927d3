"""reglint convert: translate a weight-decay / L2 coefficient between frameworks.

    reglint convert 5e-4 --from caffe --to keras-l2
    reglint convert 5e-4 --from caffe --to tfa-adamw --lr 0.1 --output-format json
    reglint convert --from-prototxt solver.prototxt --to torch [--net train_val.prototxt]

The same number means different things in different frameworks: Caffe's
`weight_decay: 5e-4` is the loss term 5e-4·Σw²/2, Keras `l2(5e-4)` is 5e-4·Σw²
(twice as strong), and AdamW-style decay is not a loss term at all. This command
prints the coefficient that gives the same regularization, the line of code to
write, and the one-sentence reason. Semantics and sources: SEMANTICS.md (the
section numbers below), conversion table at its end.

Conventions
-----------
Coupled conventions are a loss term k·λ·Σw² (its gradient 2k·λ·w goes through the
optimizer's momentum and adaptive scaling). Between two coupled conventions the
conversion is exact: c = λ·k_from/k_to.

  name                       you write                                   means              source
  caffe                      solver `weight_decay: λ` (× decay_mult)     λ·Σw²/2            §1 sgd_solver.cpp L166-171
  torch-sgd                  torch.optim.SGD(weight_decay=λ)             λ·Σw²/2            §4 sgd.py L353/355 (2.14.1)
  torch-adam                 torch.optim.Adam(weight_decay=λ)            λ·Σw²/2            §4 adam.py L426/428 (2.14.1)
  tf1-l2-regularizer         tf.contrib.layers / slim l2_regularizer(λ)  λ·Σw²/2            §3 contrib regularizers.py; tf_slim L76-107
  tf-nn-l2-loss              λ * tf.nn.l2_loss(w)                        λ·Σw²/2            §3 api_def_L2Loss.pbtxt
  keras-l2 (alias: keras)    keras.regularizers.l2(λ) / L2(λ)            λ·Σw² (no ½)       §2 keras v3.15.1 regularizers.py L265
  optax-add-decayed-weights  optax.chain(optax.add_decayed_weights(λ),   λ·Σw²/2            §6 _adding.py L70-75 (checked numerically)
                               <sgd/adam>)  (placed before the optimizer)

Decoupled conventions shrink the weights directly each step, outside the gradient
and the moment estimates. Between two of them the conversion is exact (given --lr
when only one side multiplies by the learning rate).

  name                       you write                                   each step          source
  torch-adamw                torch.optim.AdamW(weight_decay=λ)           w ← w·(1 − lr·λ)   §4 adamw.py L405 (2.6.0)
  keras-weight-decay         keras.optimizers.SGD/Adam/...(weight_decay=λ) w ← w·(1 − lr·λ) §5 base_optimizer.py L952-959 (3.15.1)
  keras-adamw                keras.optimizers.AdamW(weight_decay=λ)      w ← w·(1 − lr·λ)   §5 adamw.py L56 + base_optimizer.py
  optax-adamw                optax.adamw(lr, weight_decay=λ)             w ← w·(1 − lr·λ)   §6 alias.py L734-744
  tfa-adamw                  tfa.optimizers.AdamW(weight_decay=λ)        w ← w·(1 − λ)      §5 weight_decay_optimizers.py L198-206
    (alias: tf-contrib-adamw)                                            (not × lr)

Between coupled and decoupled there is no exact equivalent for adaptive methods:
Adam divides the L2 gradient by √v̂, decoupled decay is not divided (Loshchilov &
Hutter 2019, SEMANTICS.md §9). The two agree only for plain SGD without momentum,
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

from reglint.cli import EXIT_CLEAN, EXIT_ERROR, UsageError, _Parser

COUPLED, DECOUPLED = "coupled", "decoupled"
L_AND_H = "Loshchilov & Hutter, Decoupled Weight Decay Regularization, ICLR 2019 (SEMANTICS.md §9)"


@dataclass(frozen=True)
class Convention:
    """One way a framework states weight decay, as data the conversion reads.

    `k` is the factor in the loss term k·λ·Σw² (coupled only). `lr_scaled` says
    whether one step of decay (through plain SGD for coupled ones) shrinks w by
    lr·(...) or, as in tfa, by the coefficient alone. `api` and `code` are
    templates: `{x}` is the coefficient's symbol, `{value}` the number to write and
    `{lr}` the learning rate.
    """

    name: str
    api: str
    coupling: str
    k: Optional[float]
    lr_scaled: bool
    code: str
    typical: str
    source: str
    note: str

    @property
    def scale(self) -> float:
        """Per-step shrink of w under plain SGD per unit coefficient (before any lr)."""
        return 2 * self.k if self.coupling == COUPLED else 1.0

    @property
    def lr_power(self) -> int:
        return 1 if self.lr_scaled else 0


def _c(name, api, k, code, typical, source, note) -> Convention:
    return Convention(name, api, COUPLED, k, True, code, typical, source, note)


def _d(name, api, lr_scaled, code, typical, source, note) -> Convention:
    return Convention(name, api, DECOUPLED, None, lr_scaled, code, typical, source, note)


_CAFFE_TYPICAL = "4e-5 to 5e-4"
_ADAMW_TYPICAL = "1e-2 to 1e-1"

CONVENTIONS: Dict[str, Convention] = {c.name: c for c in (
    _c("caffe", "Caffe `weight_decay: {x}`", 0.5,
       "weight_decay: {value}", _CAFFE_TYPICAL,
       "BVLC/caffe src/caffe/solvers/sgd_solver.cpp L166-171: diff += weight_decay·decay_mult·w (SEMANTICS.md §1)",
       "each blob's `param { decay_mult: m }` multiplies λ (biases usually get decay_mult: 0); every Caffe solver type, "
       "Adam included, applies it as a coupled L2 gradient."),
    _c("torch-sgd", "torch.optim.SGD(weight_decay={x})", 0.5,
       "torch.optim.SGD(model.parameters(), lr={lr}, weight_decay={value})", _CAFFE_TYPICAL,
       "torch/optim/sgd.py L353/355 (2.14.1): grad = grad.add(param, alpha=weight_decay) (SEMANTICS.md §4)",
       "with momentum and dampening=0 this is the same λ as Caffe (SEMANTICS.md §4)."),
    _c("torch-adam", "torch.optim.Adam(weight_decay={x})", 0.5,
       "torch.optim.Adam(model.parameters(), lr={lr}, weight_decay={value})", _CAFFE_TYPICAL,
       "torch/optim/adam.py L426/428 (2.14.1), documented as 'weight decay (L2 penalty)' (SEMANTICS.md §4)",
       "torch.optim.Adam's weight_decay is coupled L2 that Adam's normalization rescales, not AdamW; "
       "the decoupled form is AdamW or Adam(decoupled_weight_decay=True) (torch >= 2.7)."),
    _c("tf1-l2-regularizer", "tf.contrib.layers.l2_regularizer({x})", 0.5,
       "regularizer=tf.contrib.layers.l2_regularizer(scale={value})", _CAFFE_TYPICAL,
       "tensorflow/contrib/layers/python/layers/regularizers.py: scale * nn.l2_loss(weights); the same in "
       "tf_slim/layers/regularizers.py L76-107 (SEMANTICS.md §3)",
       "the penalty goes to GraphKeys.REGULARIZATION_LOSSES; the training loss must add "
       "tf.compat.v1.losses.get_regularization_loss() (tf.estimator does not)."),
    _c("tf-nn-l2-loss", "{x} * tf.nn.l2_loss(w)", 0.5,
       "loss += {value} * tf.add_n([tf.nn.l2_loss(w) for w in weights])", _CAFFE_TYPICAL,
       "tensorflow/core/api_def/base_api/api_def_L2Loss.pbtxt: output = sum(t ** 2) / 2 (SEMANTICS.md §3)",
       "tf.nn.l2_loss already halves the sum of squares; `2 * tf.nn.l2_loss` (TF Model Garden's Keras ResNet) "
       "is Keras l2 semantics."),
    _c("keras-l2", "keras.regularizers.l2({x})", 1.0,
       "kernel_regularizer=keras.regularizers.l2({value})", "2e-5 to 2.5e-4",
       "keras-team/keras v3.15.1 keras/src/regularizers/regularizers.py L265: l2 * ops.sum(ops.square(x)); "
       "v2.15.0 keras/regularizers.py L293-326 (SEMANTICS.md §2)",
       "Keras adds the penalty only in fit()/evaluate(); a custom training loop must add sum(model.losses) "
       "to its loss (SEMANTICS.md §2)."),
    _c("optax-add-decayed-weights", "optax.add_decayed_weights({x}) before the optimizer", 0.5,
       "optax.chain(optax.add_decayed_weights({value}), optax.sgd({lr}))", _CAFFE_TYPICAL,
       "optax/transforms/_adding.py L70-75: updates = g + s * p; chained before sgd/adam it equals "
       "L + (wd/2)·Σp², checked numerically (SEMANTICS.md §6)",
       "put it before the optimizer (coupled, also with optax.adam); after a full alias such as optax.adam(lr) "
       "it makes the weights grow by (1 + wd) each step (SEMANTICS.md §6)."),
    _d("torch-adamw", "torch.optim.AdamW(weight_decay={x})", True,
       "torch.optim.AdamW(model.parameters(), lr={lr}, weight_decay={value})", _ADAMW_TYPICAL,
       "torch/optim/adamw.py L405 (2.6.0): param.mul_(1 - lr * weight_decay); >= 2.7 AdamW is "
       "Adam(decoupled_weight_decay=True) (SEMANTICS.md §4)",
       "AdamW's default weight_decay is 1e-2; the decay uses the scheduled lr (SEMANTICS.md §4)."),
    _d("keras-weight-decay", "keras.optimizers.SGD(weight_decay={x})", True,
       "keras.optimizers.SGD(learning_rate={lr}, weight_decay={value})", _ADAMW_TYPICAL,
       "keras-team/keras v3.15.1 keras/src/optimizers/base_optimizer.py L952-959: variable - variable * wd * lr; "
       "keras 2.11-2.15 _apply_weight_decay (SEMANTICS.md §5)",
       "every Keras >= 2.11 optimizer (SGD and Adam included) applies weight_decay= decoupled; with SGD momentum μ "
       "a coupled λ acts roughly like a decoupled λ/(1 − μ) (derived, SEMANTICS.md §5); the legacy decay= "
       "argument is learning-rate decay, not weight decay."),
    _d("keras-adamw", "keras.optimizers.AdamW(weight_decay={x})", True,
       "keras.optimizers.AdamW(learning_rate={lr}, weight_decay={value})", _ADAMW_TYPICAL,
       "keras-team/keras v3.15.1 keras/src/optimizers/adamw.py L56 with base_optimizer.py L952-959 "
       "(SEMANTICS.md §5)",
       "Keras AdamW's default weight_decay is 0.004, not torch's 1e-2 (SEMANTICS.md §5)."),
    _d("optax-adamw", "optax.adamw(weight_decay={x})", True,
       "optax.adamw(learning_rate={lr}, weight_decay={value})", _ADAMW_TYPICAL,
       "google-deepmind/optax optax/_src/alias.py L734-744: chain(scale_by_adam, add_decayed_weights, "
       "scale_by_learning_rate) (SEMANTICS.md §6)",
       "optax.adamw's default weight_decay is 1e-4, not torch's 1e-2 (SEMANTICS.md §6)."),
    _d("tfa-adamw", "tfa.optimizers.AdamW(weight_decay={x})", False,
       "tfa.optimizers.AdamW(weight_decay={value}, learning_rate={lr})", "1e-5 to 1e-4",
       "tensorflow/addons tensorflow_addons/optimizers/weight_decay_optimizers.py L198-206: "
       "var.assign_sub(wd_t * var), not multiplied by lr (SEMANTICS.md §5)",
       "tfa (and tf.contrib.opt) decay is not multiplied by lr: under an lr schedule, give weight_decay the "
       "same schedule by hand, e.g. lambda: 1e-4 * schedule(step) (SEMANTICS.md §5)."),
)}

ALIASES = {"keras": "keras-l2", "tf-contrib-adamw": "tfa-adamw"}


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
    p = _Parser(prog="reglint convert", description=__doc__, add_help=False,
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
    if any(arg == "--from-prototxt" or arg.startswith("--from-prototxt=") for arg in args):
        from reglint import convert_prototxt  # a whole Caffe solver: its own module

        return convert_prototxt.main(args)
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
