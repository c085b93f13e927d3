"""`reglint convert --from-prototxt solver.prototxt --to torch|keras|optax [--net train_val.prototxt]`.

Prints the lines to write in the target framework for a Caffe solver's optimizer and
weight decay: the same coupled L2 Caffe applies (sgd_solver.cpp `Regularize`, λ·Σw²/2
per parameter, × its `decay_mult`), converted through the conventions table of
`reglint convert`, and, for an adaptive solver, the decoupled alternative with its
starting value (no exact equivalent exists, Loshchilov & Hutter 2019). With `--net`,
each layer's `decay_mult` (or the V1 `weight_decay` list) becomes a per-parameter decay.

Caffe semantics and sources: reglint/frameworks/caffe.py.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

from reglint.configs.caffe import NetLayer, Solver, read_net, read_solver
from reglint.convert import CONVENTIONS, _write, convert, format_number
from reglint.frameworks import caffe as caffe_table

EXIT_CLEAN, EXIT_ERROR = 0, 2

# target -> (the coupled convention that reproduces Caffe, the decoupled one to suggest)
TARGETS = {
    "torch": ("torch-sgd", "torch-adamw"),  # torch-adam for adaptive solvers (the same λ)
    "keras": ("keras-l2", "keras-adamw"),
    "optax": ("optax-add-decayed-weights", "optax-adamw"),
}

# Caffe solver type -> target -> constructor template; {lr} and the hyperparameters the solver writes
OPTIMIZER_CALLS: Dict[str, Dict[str, str]] = {
    "SGD": {"torch": "torch.optim.SGD(model.parameters(), lr={lr}{momentum})",
            "keras": "keras.optimizers.SGD(learning_rate={lr}{momentum})",
            "optax": "optax.sgd({lr}{momentum})"},
    "Nesterov": {"torch": "torch.optim.SGD(model.parameters(), lr={lr}{momentum}, nesterov=True)",
                 "keras": "keras.optimizers.SGD(learning_rate={lr}{momentum}, nesterov=True)",
                 "optax": "optax.sgd({lr}{momentum}, nesterov=True)"},
    "Adam": {"torch": "torch.optim.Adam(model.parameters(), lr={lr}{betas}{eps})",
             "keras": "keras.optimizers.Adam(learning_rate={lr}{betas}{eps})",
             "optax": "optax.adam({lr}{betas}{eps})"},
    "AdaGrad": {"torch": "torch.optim.Adagrad(model.parameters(), lr={lr}{eps})",
                "keras": "keras.optimizers.Adagrad(learning_rate={lr}{eps})",
                "optax": "optax.adagrad({lr}{eps})"},
    "RMSProp": {"torch": "torch.optim.RMSprop(model.parameters(), lr={lr}{rho}{eps})",
                "keras": "keras.optimizers.RMSprop(learning_rate={lr}{rho}{eps})",
                "optax": "optax.rmsprop({lr}{rho}{eps})"},
    "AdaDelta": {"torch": "torch.optim.Adadelta(model.parameters(), lr={lr}{rho}{eps})",
                 "keras": "keras.optimizers.Adadelta(learning_rate={lr}{rho}{eps})",
                 "optax": "optax.adadelta({lr}{rho}{eps})"},
}

# how each target spells the hyperparameters (Caffe field -> keyword per target)
KEYWORDS = {
    "momentum": {"torch": "momentum", "keras": "momentum", "optax": "momentum"},
    "betas": {"torch": "betas=({b1}, {b2})", "keras": "beta_1={b1}, beta_2={b2}", "optax": "b1={b1}, b2={b2}"},
    "eps": {"torch": "eps", "keras": "epsilon", "optax": "eps"},
    "rho": {"torch": {"RMSProp": "alpha", "AdaDelta": "rho"}, "keras": "rho",
            "optax": {"RMSProp": "decay", "AdaDelta": "rho"}},
}
IMPORTS = {"torch": "import torch", "keras": "import keras", "optax": "import optax"}
# Keras keyword for Caffe blob 0 / blob 1 by layer type (a Caffe Scale after BatchNorm is
# Keras BatchNormalization's gamma/beta)
KERAS_SLOTS = {
    "Scale": ("gamma_regularizer", "beta_regularizer"), "PReLU": ("alpha_regularizer",),
    "Embed": ("embeddings_regularizer",),
}
KERAS_DEFAULT_SLOTS = ("kernel_regularizer", "bias_regularizer")
PER_PARAMETER_IMPORTS = {"optax": "import jax\nimport optax"}


@dataclass
class Translation:
    target: str
    lines: List[str]
    notes: List[str] = field(default_factory=list)
    decoupled: Optional[str] = None  # the decoupled alternative, adaptive solvers only


def _hyper(solver: Solver, target: str) -> Dict[str, str]:
    """The solver's hyperparameters, spelled for `target` (each with its leading ', ').

    SGD momentum only when written (both sides default to 0); for the adaptive solvers
    every value is written with Caffe's default when the file leaves it out, because those
    defaults differ from the targets' (Caffe Adam's beta1 is 0 unless `momentum` is set).
    """
    out = {"momentum": "", "betas": "", "eps": "", "rho": ""}
    written = {**caffe_table.DEFAULT_HYPERPARAMETERS, **solver.hyperparameters}
    if "momentum" in solver.hyperparameters and solver.type in ("SGD", "Nesterov"):
        out["momentum"] = f", {KEYWORDS['momentum'][target]}={format_number(written['momentum'])}"
    if solver.type == "Adam":
        b1, b2 = format_number(written["momentum"]), format_number(written["momentum2"])
        out["betas"] = ", " + KEYWORDS["betas"][target].format(b1=b1, b2=b2)
    if solver.adaptive:
        out["eps"] = f", {KEYWORDS['eps'][target]}={format_number(written['delta'])}"
    rho = written["rms_decay"] if solver.type == "RMSProp" else written["momentum"]
    if solver.type in ("RMSProp", "AdaDelta"):
        keyword = KEYWORDS["rho"][target]
        keyword = keyword[solver.type] if isinstance(keyword, dict) else keyword
        out["rho"] = f", {keyword}={format_number(rho)}"
    return out


def _per_parameter(solver: Solver, layers: Sequence[NetLayer]) -> List[Tuple[str, float, float, str]]:
    """(layer.blob, decay_mult, resulting Caffe λ, Keras keyword) for every learnable blob the net declares."""
    out = []
    for layer in layers:
        slots = KERAS_SLOTS.get(layer.type, KERAS_DEFAULT_SLOTS)
        for index, (blob, mult) in enumerate(layer.decay_mults):
            slot = slots[index] if index < len(slots) else f"{blob}_regularizer"
            out.append((f"{layer.name}.{blob}", mult, solver.weight_decay * mult, slot))
    return out


def translate(solver: Solver, target: str, layers: Optional[Sequence[NetLayer]] = None) -> Translation:
    coupled_name, decoupled_name = TARGETS[target]
    if target == "torch" and solver.adaptive:
        coupled_name = "torch-adam"
    lr = solver.base_lr
    hyper = _hyper(solver, target)
    decay = solver.weight_decay
    per_param = _per_parameter(solver, layers or ())
    notes: List[str] = []
    if solver.regularization == "L1":
        return _translate_l1(solver, target, hyper, per_param)
    conversion = convert(decay, CONVENTIONS["caffe"], CONVENTIONS[coupled_name], lr)
    value = conversion.written
    if decay:
        notes.append(f"why: {conversion.reason}")
    imports = PER_PARAMETER_IMPORTS.get(target, IMPORTS[target]) if per_param and decay else IMPORTS[target]
    lines = imports.split("\n") + [""]
    call = OPTIMIZER_CALLS[solver.type][target]
    if target == "torch":
        lines += _torch(call, lr, hyper, value, per_param, decay)
    elif target == "keras":
        lines += _keras(call, lr, hyper, value, per_param, decay)
    else:
        lines += _optax(call, lr, hyper, value, per_param, decay)
    decoupled = None
    if solver.adaptive and decay:
        start = convert(decay, CONVENTIONS["caffe"], CONVENTIONS[decoupled_name], lr)
        decoupled = start.code
        notes.append(
            f"warning (RL002): Caffe's {solver.type} solver adds weight_decay·w to the gradient before the adaptive "
            f"update (sgd_solver.cpp Regularize, then ComputeUpdateValue), so large weights are decayed less; the lines "
            f"above keep that coupled decay with the same λ. Caffe has no decoupled solver; to switch to decoupled decay write "
            f"`{start.code}` instead: no exact equivalent, start from {start.written} and tune "
            f"(typical {decoupled_name} values: {start.target.typical}).")
    if layers is None and solver.net:
        notes.append(f"note: the solver trains {solver.net!r}; pass --net to turn its layers' decay_mult into "
                     f"per-parameter decay (without it every parameter gets the full weight_decay, as decay_mult 1).")
    return Translation(target, lines, notes, decoupled)


def _decay_table(per_param, convert_value, indent="    ") -> List[str]:
    return [f'{indent}"{name}": {convert_value(wd)},  # decay_mult {format_number(mult)}' for name, mult, wd, _ in per_param]


def _torch(call, lr, hyper, value, per_param, decay) -> List[str]:
    lr_text = format_number(lr)
    if not per_param:
        decay_kw = f", weight_decay={value}" if decay else ""
        return [f"optimizer = {_with_decay(call.format(lr=lr_text, **hyper), decay_kw)}"]
    lines = ["# weight_decay per parameter (Caffe weight_decay × decay_mult); rename the keys to your",
             "# model's parameter names (Caffe's blob 0 is the weight, blob 1 the bias)",
             "weight_decay = {"]
    lines += _decay_table(per_param, lambda wd: format_number(wd))
    lines += ["}",
              "groups = {}",
              "for name, parameter in model.named_parameters():",
              f"    groups.setdefault(weight_decay.get(name, {format_number(decay)}), []).append(parameter)",
              "param_groups = [{\"params\": ps, \"weight_decay\": wd} for wd, ps in groups.items()]",
              f"optimizer = {call.format(lr=lr_text, **hyper).replace('model.parameters()', 'param_groups')}"]
    return lines


def _with_decay(call: str, keyword: str) -> str:
    return call[:-1] + keyword + ")"


def _keras(call, lr, hyper, value, per_param, decay) -> List[str]:
    lines = [f"optimizer = {call.format(lr=format_number(lr), **hyper)}",
             "# no weight_decay= on the optimizer: in Keras it is decoupled; Caffe's decay is an L2 loss term"]
    if not decay:
        return lines
    if not per_param:
        return lines + ["# on every layer with weights:",
                        f"kernel_regularizer=keras.regularizers.l2({value})",
                        f"bias_regularizer=keras.regularizers.l2({value})"]
    lines.append("# per layer (Caffe blob 0 -> kernel, blob 1 -> bias; Scale -> BatchNormalization gamma/beta):")
    for name, mult, wd, slot in per_param:
        layer = name.rsplit(".", 1)[0]
        text = f"keras.regularizers.l2({convert(wd, CONVENTIONS['caffe'], CONVENTIONS['keras-l2']).written})" \
            if wd else "None"
        lines.append(f"# {layer}: {slot}={text}  (decay_mult {format_number(mult)})")
    return lines


def _optax(call, lr, hyper, value, per_param, decay) -> List[str]:
    optimizer = call.format(lr=format_number(lr), **hyper)
    if not decay:
        return [f"optimizer = {optimizer}"]
    if not per_param:
        return [f"optimizer = optax.chain(optax.add_decayed_weights({value}), {optimizer})",
                "# add_decayed_weights goes before the optimizer: coupled, as in Caffe (after it, see RL009)"]
    mults = sorted({mult for _, mult, _, _ in per_param if mult})
    lines = ["# decay_mult per parameter; rename the keys to your params' paths",
             "decay_mult = {"]
    lines += [f'    "{name}": {format_number(mult)},' for name, mult, _, _ in per_param]
    lines += ["}",
              "",
              "def mask_for(m):",
              "    def mask(params):",
              "        return jax.tree_util.tree_map_with_path(",
              "            lambda path, _: decay_mult.get('.'.join(str(getattr(k, 'key', k)) for k in path), 1.0) == m,",
              "            params)",
              "    return mask",
              ""]
    masked = [f"optax.masked(optax.add_decayed_weights({format_number(decay * mult)}), mask_for({format_number(mult)}))"
              for mult in mults]
    lines += ["optimizer = optax.chain("]
    lines += [f"    {item}," for item in masked]
    lines += [f"    {optimizer},", ")"]
    return lines


def _translate_l1(solver, target, hyper, per_param) -> Translation:
    """Caffe L1 adds λ·sign(w) to the gradient: the loss term λ·Σ|w| (sgd_solver.cpp L172-178)."""
    lr = format_number(solver.base_lr)
    value = format_number(solver.weight_decay)
    call = OPTIMIZER_CALLS[solver.type][target].format(lr=lr, **hyper)
    lines = [IMPORTS[target], "", f"optimizer = {call}"]
    if target == "keras":
        lines += [f"kernel_regularizer=keras.regularizers.l1({value})  # on every layer with weights"]
    elif target == "torch":
        lines += [f"loss = loss + {value} * sum(p.abs().sum() for p in model.parameters())"]
    else:
        lines += [f"loss = loss + {value} * sum(jnp.abs(p).sum() for p in jax.tree_util.tree_leaves(params))"]
    notes = ["why: regularization_type \"L1\": Caffe adds weight_decay·sign(w) to the gradient, the loss term λ·Σ|w|."]
    if per_param:
        notes.append("note: per-layer decay_mult multiplies λ for each parameter as listed: "
                     + ", ".join(f"{n} × {format_number(m)}" for n, m, _, _ in per_param))
    return Translation(target, lines, notes)


def to_json(solver: Solver, translation: Translation) -> dict:
    return {"solver": {"type": solver.type, "adaptive": solver.adaptive, "base_lr": solver.base_lr,
                       "weight_decay": solver.weight_decay, "regularization_type": solver.regularization},
            "to": translation.target, "code": "\n".join(translation.lines),
            "decoupled_alternative": translation.decoupled, "notes": translation.notes}


def main(args: Sequence[str]) -> int:
    """Entry from `reglint convert --from-prototxt ...`; bad input is one line on stderr, exit 2."""
    p = argparse.ArgumentParser(prog="reglint convert --from-prototxt", add_help=False)
    p.add_argument("--from-prototxt", dest="solver", required=True)
    p.add_argument("--to", required=True)
    p.add_argument("--net")
    p.add_argument("--output-format", default="text")
    options, rest = p.parse_known_args(list(args))
    target = options.to.strip().lower()
    problem = None
    if rest:
        problem = f"unexpected arguments: {' '.join(rest)}"
    elif target not in TARGETS:
        problem = f"--to {options.to!r}: choose one of {', '.join(TARGETS)}"
    elif options.output_format not in ("text", "json"):
        problem = f"--output-format {options.output_format!r}: choose text or json"
    if problem:
        print(f"reglint: error: {problem}", file=sys.stderr)
        return EXIT_ERROR
    try:
        solver = read_solver(_read(options.solver), options.solver)
        layers = read_net(_read(options.net), options.net) if options.net else None
    except (OSError, ValueError) as error:
        print(f"reglint: error: {error}", file=sys.stderr)
        return EXIT_ERROR
    translation = translate(solver, target, layers)
    if options.output_format == "json":
        _write(json.dumps(to_json(solver, translation), ensure_ascii=False, indent=2))
    else:
        header = f"# {solver.describe()}"
        _write("\n".join([header] + translation.lines + [""] + [f"# {note}" for note in translation.notes]))
    return EXIT_CLEAN


def _read(path: str) -> str:
    try:
        with open(path, encoding="utf-8-sig") as handle:
            return handle.read()
    except OSError as error:
        raise OSError(f"cannot read {path}: {error.strerror or error}") from None
    except UnicodeDecodeError as error:
        raise ValueError(f"cannot decode {path} as UTF-8: {error.reason} at byte {error.start}") from None
