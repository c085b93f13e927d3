"""Property tests (issue 5): for generated programs and for mutations of every rule fixture,
reglint never crashes; every fix result re-parses (with libcst, and with CPython when the
input did); `--fix --unsafe-fixes` twice equals once; diagnostics on unchanged text are
deterministic and in a stable order.

* every fixture under CRLF line breaks, a BOM and a latin-1 coding cookie gives the same
  diagnostics at the same places and the same fix, in the file's own line breaks and
  encoding (exhaustive, no sampling);
* hypothesis mutates fixtures: renamed import aliases, extra parentheses, comments, line
  breaks inside brackets, tabs, CRLF, BOM, a cookie, several at once;
* hypothesmith generates arbitrary valid programs (with rule vocabulary in front);
* a small generator writes training code (optimizers, regularizers, penalties, optax
  chains, with random aliases and values), which reaches the rules and their fixes;
* the CLI gives byte-identical JSON over all fixtures under other hash seeds and job counts.
"""

from __future__ import annotations

import io
import json
import os
import re
import tokenize
from pathlib import Path
from typing import List, Tuple

import pytest
from hypothesis import HealthCheck, assume, given, settings as hypothesis_settings, strategies as st

from reglint.config import Settings
from reglint.engine import Plan
from reglint.reading import decode
from reglint.runner import check_bytes
from reglint.fixes import parses, python_parses

from _cli import reglint

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "rules"
CASES = sorted(p for p in FIXTURES.glob("*/*.py") if not p.name.endswith(".fixed.py"))
PLAN = Plan.build(Settings(select=("ALL",)))
SETTINGS = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
# CI keeps example counts modest; REGLINT_FUZZ_SCALE=20 runs a longer bug hunt
SCALE = max(1, int(os.environ.get("REGLINT_FUZZ_SCALE", "1")))


def positions(diagnostics, shift: int = 0) -> List[Tuple[str, int, int]]:
    return [(d.code, d.start.line + shift, d.start.column) for d in diagnostics]


def check_properties(name: str, data: bytes) -> None:
    """The properties every input must have; raises AssertionError with the input's name."""
    first = check_bytes(name, data, PLAN)
    second = check_bytes(name, data, PLAN)
    assert first.diagnostics == second.diagnostics, name  # deterministic
    assert [d.sort_key for d in first.diagnostics] == sorted(d.sort_key for d in first.diagnostics), name
    try:
        text = decode(data)[0]
    except Exception:
        text = None
    if text is not None and python_parses(text) and len(data) < 1_000_000:
        # valid Python is analysed, not refused (nesting is far below the limits here)
        assert not [d for d in first.diagnostics if d.code == "RL000"
                    and not d.message.startswith("libcst cannot parse this valid Python")], (name, first.diagnostics)
    repaired = check_bytes(name, data, PLAN, fix=True, unsafe=True)
    if repaired.fixed is None:
        return
    fixed_text = decode(repaired.fixed)[0]
    assert parses(fixed_text), (name, fixed_text)
    if text is not None and python_parses(text):
        assert python_parses(fixed_text), (name, fixed_text)
    again = check_bytes(name, repaired.fixed, PLAN, fix=True, unsafe=True)
    assert again.fixed is None, (name, fixed_text, again.fixed)  # fixing twice equals fixing once
    assert again.diagnostics == repaired.diagnostics, name


# -- encodings: exhaustive and exact ------------------------------------------------------------------

def _crlf(data: bytes) -> bytes:
    return data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def _cookie(data: bytes) -> bytes:
    return b"# -*- coding: latin-1 -*-\n" + data.decode("utf-8").encode("latin-1")


@pytest.mark.parametrize("source", CASES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_line_breaks_bom_and_cookie_change_nothing(source: Path) -> None:
    data = source.read_bytes()
    base = check_bytes(str(source), data, PLAN, fix=True, unsafe=True)
    variants = [("crlf", _crlf(data), 0, _crlf), ("bom", b"\xef\xbb\xbf" + data, 0, lambda b: b"\xef\xbb\xbf" + b)]
    try:
        data.decode("utf-8").encode("latin-1")
        variants.append(("latin-1 cookie", _cookie(data), 1, _cookie))
    except UnicodeEncodeError:
        pass
    for label, variant, shift, transform in variants:
        result = check_bytes(str(source), variant, PLAN, fix=True, unsafe=True)
        assert positions(result.fixed_diagnostics) == positions(base.fixed_diagnostics, shift), label
        assert positions(result.diagnostics) == positions(base.diagnostics, shift), label
        assert result.fixed == (None if base.fixed is None else transform(base.fixed)), label
        check_properties(f"{source.name} ({label})", variant)


# -- hypothesis: mutated fixtures ---------------------------------------------------------------------------

def _tokens(text: str):
    try:
        return list(tokenize.generate_tokens(io.StringIO(text).readline))
    except (tokenize.TokenError, SyntaxError):
        return []


def _offset(text: str, row: int, col: int) -> int:
    lines = text.splitlines(keepends=True)
    return sum(len(line) for line in lines[: row - 1]) + col


IMPORT = re.compile(r"^import ([A-Za-z_][\w.]*)$", re.MULTILINE)
ALIASED = re.compile(r"^(?:from [\w.]+ )?import [\w.]+ as (\w+)$", re.MULTILINE)


@st.composite
def rename_alias(draw, text: str, same_length: bool = False) -> str:
    """`import torch` -> `import torch as t0rch`, uses renamed (same length, so columns stay);
    or an existing `as X` alias renamed everywhere."""
    plain = IMPORT.findall(text)
    aliased = ALIASED.findall(text)
    if not plain and not aliased:
        return text
    if plain and (not aliased or draw(st.booleans())):
        module = draw(st.sampled_from(plain))
        alias = "A" + "x" * (len(module) - 1) if len(module) > 1 else "A"
        body = _in_code(text, re.compile(rf"(?<![\w.]){re.escape(module)}\."), alias + ".")
        return re.sub(rf"^import {re.escape(module)}$", f"import {module} as {alias}", body, count=1, flags=re.MULTILINE)
    alias = draw(st.sampled_from(aliased))
    new = draw(st.sampled_from(["Q" * len(alias)] if same_length else ["Q" * len(alias), alias + "_renamed", "z"]))
    body = _in_code(text, re.compile(rf"(?<![\w.]){re.escape(alias)}\b"), new)
    return "".join(re.sub(rf"\bas {re.escape(alias)}\b", f"as {new}", line) if IMPORT_LINE.match(line) else line
                   for line in body.splitlines(keepends=True))


IMPORT_LINE = re.compile(r"\s*(import|from)\s")


def _in_code(text: str, usage, replacement: str) -> str:
    """`usage` replaced where it is code: not on an import line, not inside a string literal
    (a renamed import alias leaves `_target_ = "torch.optim.Adam"` as it is)."""
    strings = [(_offset(text, *t.start), _offset(text, *t.end)) for t in _tokens(text) if t.type == tokenize.STRING]
    starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def replace(match):
        at = match.start()
        line_start = max(s for s in starts if s <= at)
        if IMPORT_LINE.match(text, line_start) or any(a <= at < b for a, b in strings):
            return match.group()
        return replacement

    return usage.sub(replace, text)


@st.composite
def extra_parentheses(draw, text: str) -> str:
    """A number, a name or a whole call argument wrapped in (one or more) parentheses."""
    tokens = [t for t in _tokens(text) if t.type in (tokenize.NUMBER, tokenize.NAME) and t.string not in KEYWORDS]
    if not tokens:
        return text
    token = draw(st.sampled_from(tokens))
    start, end = _offset(text, *token.start), _offset(text, *token.end)
    depth = draw(st.integers(1, 3))
    return text[:start] + "(" * depth + text[start:end] + ")" * depth + text[end:]


KEYWORDS = {"import", "from", "as", "def", "class", "return", "if", "else", "elif", "for", "in", "while", "with",
            "try", "except", "finally", "lambda", "yield", "not", "and", "or", "is", "pass", "global", "nonlocal",
            "assert", "del", "raise", "break", "continue", "async", "await", "True", "False", "None"}


@st.composite
def comments(draw, text: str) -> str:
    """Comments at ends of lines and on lines of their own (where a new line may start)."""
    tokens = _tokens(text)
    ends = [t for t in tokens if t.type in (tokenize.NEWLINE, tokenize.NL) and t.string]
    if not ends:
        return text
    chosen = draw(st.lists(st.sampled_from(ends), min_size=1, max_size=4, unique_by=lambda t: t.start))
    words = draw(st.sampled_from(["# note", "# weight decay 1e-4", "# noqa-like: not really", "#", "# λ = 0.5"]))
    for token in sorted(chosen, key=lambda t: t.start, reverse=True):
        at = _offset(text, *token.start)
        text = text[:at] + "  " + words + text[at:]
    return text


@st.composite
def line_breaks(draw, text: str) -> str:
    """A line break after a comma or an opening bracket inside brackets."""
    depth, places = 0, []
    for token in _tokens(text):
        if token.type == tokenize.OP and token.string in "([{":
            depth += 1
            places.append(token)
        elif token.type == tokenize.OP and token.string in ")]}":
            depth -= 1
        elif token.type == tokenize.OP and token.string == "," and depth > 0:
            places.append(token)
    if not places:
        return text
    chosen = draw(st.lists(st.sampled_from(places), min_size=1, max_size=3, unique_by=lambda t: t.start))
    for token in sorted(chosen, key=lambda t: t.end, reverse=True):
        at = _offset(text, *token.end)
        text = text[:at] + "\n" + " " * draw(st.integers(0, 12)) + text[at:].lstrip(" ")
    return text


def tabs(text: str) -> str:
    """Indentation in tabs (four spaces a tab), every line alike."""
    def retab(match):
        spaces = len(match.group(0))
        return "\t" * (spaces // 4) + " " * (spaces % 4)

    return re.sub(r"^ +", retab, text, flags=re.MULTILINE)


@st.composite
def mutated(draw) -> Tuple[str, bytes]:
    source = draw(st.sampled_from(CASES))
    text = source.read_text(encoding="utf-8")
    kinds = draw(st.lists(st.sampled_from(["alias", "parens", "comments", "breaks", "tabs"]), min_size=1, max_size=4))
    for kind in kinds:
        if kind == "alias":
            text = draw(rename_alias(text))
        elif kind == "parens":
            text = draw(extra_parentheses(text))
        elif kind == "comments":
            text = draw(comments(text))
        elif kind == "breaks":
            text = draw(line_breaks(text))
        else:
            text = tabs(text)
    if draw(st.booleans()):
        text = text.replace("\n", "\r\n")
    encoding = draw(st.sampled_from(["utf-8", "bom", "cookie"]))
    if encoding == "bom":
        data = b"\xef\xbb\xbf" + text.encode("utf-8")
    elif encoding == "cookie":
        try:
            data = b"# -*- coding: latin-1 -*-\n" + text.encode("latin-1")
        except UnicodeEncodeError:
            data = text.encode("utf-8")
    else:
        data = text.encode("utf-8")
    return f"{source.parent.name}/{source.name} {'+'.join(kinds)} {encoding}", data


@hypothesis_settings(max_examples=150 * SCALE, **SETTINGS)
@given(mutated())
def test_mutated_fixtures_keep_the_properties(case):
    name, data = case
    check_properties(name, data)


@hypothesis_settings(max_examples=150 * SCALE, **SETTINGS)
@given(st.sampled_from(CASES), st.data())
def test_renamed_aliases_find_the_same_hazards(source, data):
    """Same-length aliases keep every column: the diagnostics must not move or change code."""
    text = source.read_text(encoding="utf-8")
    renamed = data.draw(rename_alias(text, same_length=True))
    assume(renamed != text)
    before = check_bytes(str(source), text.encode(), PLAN).diagnostics
    after = check_bytes(str(source), renamed.encode(), PLAN).diagnostics
    assert positions(after) == positions(before), renamed


# -- hypothesis: generated programs ----------------------------------------------------------------------------

PRELUDE = (
    "import torch\nimport tensorflow as tf\nfrom tensorflow import keras\nimport optax\n"
    "opt = torch.optim.Adam(model.parameters(), lr=1e-3, weight_decay=1e-4)\n"
    "layer = keras.layers.Dense(4, kernel_regularizer=keras.regularizers.l2())\n"
)


try:
    import hypothesmith
except ImportError:  # the `test` extra installs it
    hypothesmith = None


@pytest.mark.skipif(hypothesmith is None, reason="hypothesmith is not installed")
@hypothesis_settings(max_examples=60 * SCALE, **SETTINGS)
@given(hypothesmith.from_grammar() if hypothesmith else st.nothing())
def test_generated_programs_keep_the_properties(program):
    for variant in (PRELUDE + program, program + "\n" + PRELUDE):
        check_properties("generated.py", variant.encode("utf-8", "surrogatepass"))


OPTIMIZERS = ["torch.optim.Adam", "torch.optim.AdamW", "torch.optim.SGD", "torch.optim.RMSprop", "torch.optim.Adagrad",
              "torch.optim.NAdam", "torch.optim.RAdam", "optim.Adam", "Adam", "keras.optimizers.Adam",
              "keras.optimizers.AdamW", "tf.keras.optimizers.Adam", "keras.optimizers.SGD"]
VALUES = ["1e-4", "5e-4", "0.0", "0", "wd", "WEIGHT_DECAY", "cfg['weight_decay']", "args.wd", "1e-2 / 2", "-1", "None"]


@st.composite
def training_code(draw) -> str:
    torch_alias = draw(st.sampled_from(["torch", "T"]))
    keras_alias = draw(st.sampled_from(["keras", "K"]))
    lines = [f"import torch as {torch_alias}" if torch_alias != "torch" else "import torch",
             "from torch import optim", "from torch.optim import Adam",
             "import tensorflow as tf", f"import keras as {keras_alias}" if keras_alias != "keras" else "import keras",
             "from keras import regularizers as R", "import optax",
             f"WEIGHT_DECAY = {draw(st.sampled_from(['1e-4', '5e-4', '0.0005']))}",
             f"wd = {draw(st.sampled_from(['1e-4', '3e-5', '0.0']))}  # {draw(st.sampled_from(['weight decay', 'l2', 'caffe decay', '']))}"]
    statements = draw(st.lists(st.sampled_from(["optimizer", "regularizer", "penalty", "optax", "compile", "tape",
                                                "groups", "function"]), min_size=1, max_size=8))
    for kind in statements:
        value = draw(st.sampled_from(VALUES))
        if kind == "optimizer":
            name = draw(st.sampled_from(OPTIMIZERS)).replace("torch.", f"{torch_alias}.").replace("keras.", f"{keras_alias}.")
            keyword = draw(st.sampled_from(["weight_decay", "decay", "lr", "decoupled_weight_decay"]))
            lines.append(f"opt = {name}(model.parameters(), lr=1e-3, {keyword}={value})")
        elif kind == "regularizer":
            call = draw(st.sampled_from(["R.l2({v})", "R.l2()", f"{keras_alias}.regularizers.L1L2(l2={{v}})",
                                         f"{keras_alias}.regularizers.l1_l2(0.0, {{v}})", "tf.keras.regularizers.l2(l={v})"]))
            lines.append(f"layer = {keras_alias}.layers.Dense(8, kernel_regularizer={call.format(v=value)})")
        elif kind == "penalty":
            form = draw(st.sampled_from(["sum(p.pow(2).sum() for p in model.parameters())",
                                         f"sum({torch_alias}.norm(p) for p in model.parameters())",
                                         "sum((p ** 2).sum() for p in model.parameters())", "tf.nn.l2_loss(w)"]))
            lines.append(f"loss = loss + {value} * {form}")
        elif kind == "optax":
            order = draw(st.booleans())
            parts = [f"optax.add_decayed_weights({value})", "optax.adam(1e-3)"]
            lines.append(f"tx = optax.chain({', '.join(parts if order else parts[::-1])})")
        elif kind == "compile":
            lines.append("model.compile(optimizer=opt, loss='mse')")
        elif kind == "tape":
            lines += ["with tf.GradientTape() as tape:", "    loss = loss_fn(y, model(x))",
                      "grads = tape.gradient(loss, model.trainable_variables)"]
        elif kind == "groups":
            lines.append(f"opt = {torch_alias}.optim.Adam([{{'params': a, 'weight_decay': {value}}}, {{'params': b}}])")
        else:
            lines += [f"def make(params, weight_decay={value}):",
                      f"    return {torch_alias}.optim.Adam(params, weight_decay=weight_decay)"]
    return "\n".join(lines) + "\n"


@hypothesis_settings(max_examples=120 * SCALE, **SETTINGS)
@given(training_code(), st.sampled_from(["\n", "\r\n"]), st.booleans())
def test_generated_training_code_keeps_the_properties(code, newline, bom):
    data = code.replace("\n", newline).encode()
    check_properties("train.py", (b"\xef\xbb\xbf" if bom else b"") + data)


# -- the same output, whatever the hash seed or the number of processes -------------------------------------------

def test_cli_output_is_identical_across_hash_seeds_and_jobs(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[tool.reglint]\n")
    outputs = set()
    for seed, jobs in (("0", "1"), ("1", "2"), ("4242", "2"), ("random", "1")):
        result = reglint("--no-cache", "--config", str(tmp_path / "pyproject.toml"), "--select", "ALL",
                         "--output-format", "json", "-j", jobs, str(FIXTURES),
                         env={"PYTHONHASHSEED": seed}, timeout=300, text=False)
        assert result.returncode == 1, result.stderr
        outputs.add(result.stdout)
    assert len(outputs) == 1
    assert len(json.loads(outputs.pop())) > 100
