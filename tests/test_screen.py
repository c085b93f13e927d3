"""The filters change nothing reglint finds (issue 4).

Two filters keep files and rules away from libcst: the bytes prefilter (`Rule.may_flag`)
and the code screen (`reglint.screen`, `Rule.may_flag_code`), which reads the names a
file's code uses from CPython's ast. Both claim "False only when the rule cannot flag
the file". Here every input is checked twice, as reglint checks it and with both
filters bypassed, and the diagnostics and the fixed text must be identical: every rule
fixture and example, mutated fixtures, generated training code, a sample of the
standard library and (when it is built) every benchmark-corpus file.
"""

from __future__ import annotations

import ast
import contextlib
import os
from pathlib import Path
from unittest import mock

import pytest
from hypothesis import given, settings as hypothesis_settings

from reglint import screen
from reglint.config import Settings
from reglint.engine import Plan
from reglint.parsing import MAX_NESTING
from reglint.runner import check_bytes
from reglint.rule import Rule, all_rules

from test_properties import SCALE, SETTINGS, mutated, training_code

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "rules"
INPUTS = sorted(p for p in FIXTURES.glob("*/*.py") if not p.name.endswith(".fixed.py")) + sorted(
    p for p in (ROOT / "examples").rglob("*") if p.suffix in (".py", ".ipynb"))
PLAN = Plan.build(Settings(select=("ALL",)))


@contextlib.contextmanager
def unfiltered():
    """Every enabled rule runs on every file: no prefilter, no screen."""
    with mock.patch.object(Plan, "may_flag", lambda self, data, rules: True), \
            mock.patch.object(Rule, "may_flag_code", lambda self, code: True):
        yield


def outcome(name: str, data: bytes, fix: bool):
    result = check_bytes(name, data, PLAN, fix=fix, unsafe=fix)
    found = [(d.code, d.start.line, d.start.column, d.end.line, d.end.column, d.message) for d in result.diagnostics]
    return found, result.fixed


def assert_filters_change_nothing(name: str, data: bytes, fix: bool = True) -> None:
    """Equal outcomes; except that a file the prefilter rejects is never read as Python,
    so its syntax error is no RL000 (documented: the price of not parsing clean files)."""
    filtered = outcome(name, data, fix)
    with unfiltered():
        everything = outcome(name, data, fix)
    if not PLAN.may_flag(data, PLAN.rules_for(name)):
        everything = ([d for d in everything[0] if d[0] != "RL000"], everything[1])
    assert filtered == everything, name


def test_the_bypass_bypasses():
    """The comparison could not fail if `unfiltered` left the filters on."""
    data = b"'''weight_decay, Adam(), regularizers.l2(5e-4)'''\nx = 1\n"
    plan_rules = PLAN.rules_for("x.py")
    assert PLAN.may_flag(data, plan_rules)  # the words pass the prefilter…
    code = screen.read(ast.parse(data), data.decode(), MAX_NESTING)[1]
    # …but a docstring is no code (RL100, which reads comments, is never screened)
    assert [rule.code for rule in plan_rules if rule.may_flag_code(code)] == ["RL100"]
    with unfiltered():
        assert PLAN.may_flag(b"", plan_rules)
        assert all(rule.may_flag_code(code) for rule in plan_rules)


@pytest.mark.parametrize("source", INPUTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_fixtures_and_examples(source: Path):
    assert_filters_change_nothing(source.name, source.read_bytes())


def assert_screen_changes_nothing(name: str, data: bytes) -> None:
    """The code screen alone: the prefilter on in both runs."""
    screened = outcome(name, data, True)
    with mock.patch.object(Rule, "may_flag_code", lambda self, code: True):
        assert outcome(name, data, True) == screened, name


@hypothesis_settings(max_examples=100 * SCALE, **SETTINGS)
@given(mutated())
def test_mutated_fixtures(case):
    """A callee in parentheses, `(Adam)(params, weight_decay=...)`, is outside the bytes
    prefilter, which reads a call as written, `Adam(` (README, "What gets parsed"): with
    that mutation only the screen is compared."""
    name, data = case
    if "parens" in name.split()[1].split("+"):
        assert_screen_changes_nothing(name, data)
    else:
        assert_filters_change_nothing(name, data)


@hypothesis_settings(max_examples=150 * SCALE, **SETTINGS)
@given(training_code())
def test_generated_training_code(code):
    assert_filters_change_nothing("train.py", code.encode())


# -- the code screen's reading ------------------------------------------------------------

def read(text: str) -> screen.Code:
    return screen.read(ast.parse(text), text, MAX_NESTING)[1]


def test_names_callees_and_strings_come_from_code_not_prose():
    code = read(
        '"""Adam with weight_decay, as in the paper: prose, longer than any name or key."""\n'
        "import torch.optim as O\n"
        "def f(x):\n"
        "    return self.norm(x) * wd + l2norm(x) + x.norm()\n"
        "cfg = {'weight_decay': 1e-4}\n"
        "print('" + "a long message about weight_decay " * 3 + "')\n"
    )
    assert {"torch", "optim", "O", "self", "x", "wd", "cfg"} <= code.names
    assert code.callees == {"norm", "l2norm", "print"}  # `x.norm`: `norm` is only ever called
    assert "weight_decay" in code.strings and not any("paper" in s for s in code.strings)
    assert not any("long message" in s for s in code.strings)
    assert code.has_product and code.has_norm_call and not code.has_square_sum


@pytest.mark.parametrize("expression", [
    "tf.reduce_sum(tf.square(w))", "sum(p.pow(2).sum() for p in ps)", "sum((p ** 2).sum() for p in ps)",
    "torch.norm(p) ** 2", "p.norm().pow(2)", "tf.nn.l2_loss(w)", "torch.sum(w ** 2)", "w.square().sum()",
])
def test_square_sums_are_seen(expression):
    assert read(f"loss = {expression}\n").has_square_sum


@pytest.mark.parametrize("expression", ["w ** 2", "torch.norm(p)", "x.sum()", "torch.sum(w)", "w ** 3"])
def test_other_terms_are_not_square_sums(expression):
    assert not read(f"loss = {expression}\n").has_square_sum


def test_screen_rejects_files_whose_code_cannot_hold_a_fact():
    """The corpus's typical pass-through: rule words in prose, or names of other things."""
    rules = all_rules()
    docstring_only = read('"""Use AdamW with weight_decay=0.01 and an l2 regularizer."""\n')
    assert [code for code, rule in rules.items() if rule.may_flag_code(docstring_only)] == ["RL100"]
    layer_norm = read("import torch\nclass M:\n    def forward(self, x):\n        return self.norm(x) * 2\n")
    assert not rules["RL007"].may_flag_code(layer_norm)  # no L2/decay name or comment
    layer_with_comment = read("import torch\nclass M:\n    def forward(self, x):\n        return self.norm(x) * 2  # l2\n")
    assert not rules["RL007"].may_flag_code(layer_with_comment)  # `self.norm` is a layer, never a weight's norm
    commented = read("import torch\ndef reg(w):\n    return w.norm() * 2  # l2\n")
    assert rules["RL007"].may_flag_code(commented)


# -- real code ----------------------------------------------------------------------------

STDLIB = Path(os.path.dirname(ast.__file__))
CORPUS = ROOT / "bench" / ".corpus"


def _python_files(tree: Path, every: int):
    files = sorted(p for p in tree.rglob("*.py") if "site-packages" not in p.parts)
    return files[::every]


@pytest.mark.slow
def test_standard_library_sample_without_filters():
    """Every 8th stdlib file, the prefilter and screen bypassed: the same (empty) findings."""
    for path in _python_files(STDLIB, 8):
        assert_filters_change_nothing(str(path), path.read_bytes(), fix=False)


@pytest.mark.slow
@pytest.mark.skipif(not CORPUS.is_dir(), reason="benchmark corpus not built (python bench/corpus.py)")
def test_corpus_files_past_the_prefilter_screened_alike():
    """Every corpus file the prefilter lets through gives the same findings with and without the screen."""
    checked = 0
    for path in sorted(CORPUS.rglob("*.py")):
        data = path.read_bytes()
        rules = PLAN.rules_for(str(path))
        if not PLAN.may_flag(data, rules):
            continue
        checked += 1
        filtered = outcome(str(path), data, fix=False)
        with mock.patch.object(Rule, "may_flag_code", lambda self, code: True):
            assert outcome(str(path), data, fix=False) == filtered, path
    assert checked > 100


# -- prefilter gates ------------------------------------------------------------------------

def test_adaptive_gates_cover_every_adaptive_word():
    """A file without a gate word is rejected unscanned, so every word must hold one."""
    import re

    from reglint.rules._common import ADAPTIVE_CALLS, ADAPTIVE_GATES, ADAPTIVE_STRINGS, mentions_adaptive_optimizer

    assert all(any(gate in word.lower() for gate in ADAPTIVE_GATES) for word in ADAPTIVE_CALLS)
    names = re.findall(rb"\w+", ADAPTIVE_STRINGS.pattern)
    assert len(names) > 10 and all(any(gate in name.lower() for gate in ADAPTIVE_GATES) for name in names)
    assert mentions_adaptive_optimizer(b"opt = 'RMSprop'") and mentions_adaptive_optimizer(b"from torch.optim import Adam as A")
    assert not mentions_adaptive_optimizer(b"opt = SGD(params)  # Adadelt a")


@pytest.mark.parametrize("code, measures", [
    ("self.norm(x) * 2", False), ("self.final.norm(x) * 2", False), ("f(p).norm() * 2", False),
    ("params[0].norm() * 2", False), ("self.fc.weight.norm() * 2", True), ("p.norm() * 2", True),
    ("torch.norm(p) * 2", True), ("torch.linalg.norm(w) * 2", True), ("norm(w) * 2", True),
    ("p.grad.norm() * 2", True), ("tf.compat.v1.norm(w) * 2", True),
])
def test_norm_calls_that_can_measure_a_parameter(code, measures):
    assert read(code + "\n").has_norm_call is measures


# -- hazards reached only through aliases, positions and configs ---------------------------
# Each must be flagged (so the comparison is not of two empty lists) and flagged alike
# with the screen on; the screen reads optimizer calls by their callee's name.

REACHED_INDIRECTLY = {
    "assigned alias": ("RL002", "import torch\nOpt = torch.optim.Adam\nopt = Opt(model.parameters(), lr=1e-3, weight_decay=1e-4)\n"),
    "import alias": ("RL002", "from torch.optim import Adam as Make\nopt = Make(model.parameters(), weight_decay=1e-4)\n"),
    "positional decay": ("RL002", "import torch\nopt = torch.optim.Adam(model.parameters(), 1e-3, (0.9, 0.999), 1e-8, 1e-4)\n"),
    "positional Adagrad": ("RL002", "import torch\nopt = torch.optim.Adagrad(model.parameters(), 1e-2, 0.0, 1e-4)\n"),
    "param group key": ("RL002", "import torch\nopt = torch.optim.Adam([{'params': a, 'weight_decay': 1e-4}, {'params': b}])\n"),
    "mmengine dict": ("RL002", "optimizer = dict(type='Adam', lr=1e-3, weight_decay=1e-4)\n"),
    "timm factory alias": ("RL002", "from timm.optim import create_optimizer_v2 as make\nopt = make(model, 'adam', 1e-3, 1e-4)\n"),
    "keras decay alias": ("RL004", "from tensorflow import keras\nO = keras.optimizers.SGD\nWEIGHT_DECAY = 5e-4\n"
                                   "opt = O(learning_rate=0.1, momentum=0.9, decay=WEIGHT_DECAY)\n"),
}


@pytest.mark.parametrize("name", sorted(REACHED_INDIRECTLY))
def test_indirect_hazards_pass_the_screen(name):
    """The screen alone (the prefilter bypassed in both runs: its vocabulary misses a
    decay given only by position, `Adam(p, 1e-3, (0.9, 0.999), 1e-8, 1e-4)`)."""
    code, source = REACHED_INDIRECTLY[name]
    data = source.encode()
    with mock.patch.object(Plan, "may_flag", lambda self, data, rules: True):
        screened = outcome("train.py", data, fix=True)
        with mock.patch.object(Rule, "may_flag_code", lambda self, code: True):
            everything = outcome("train.py", data, fix=True)
    assert code in [d[0] for d in everything[0]] or everything[1] is not None, "the case must be a hazard"
    assert screened == everything
    assert all_rules()[code].may_flag_code(read(source))


def test_optimizer_keywords_come_from_optimizer_calls_only():
    """Keras's own optimizer classes pass `weight_decay=` to their base class: no torch decay there."""
    keras_adam = read("from keras.src.optimizers import optimizer\nclass Adam(optimizer.Optimizer):\n"
                      "    def __init__(self, learning_rate=0.001, weight_decay=None, **kwargs):\n"
                      "        super().__init__(learning_rate=learning_rate, weight_decay=weight_decay, name='adam', **kwargs)\n")
    assert keras_adam.optimizer_keywords == frozenset() and keras_adam.optimizer_positional == 0
    assert not all_rules()["RL002"].may_flag_code(keras_adam)
    torch_adam = read("import torch\nO = torch.optim.Adam\nO(p, 1e-3, weight_decay=1e-4)\nf(1, 2, 3, 4, 5, decay=1)\n")
    assert torch_adam.optimizer_keywords == {"weight_decay"} and torch_adam.optimizer_positional == 2
    assert read("d = {'weight_decay': 1, 'x' * 2: 3}\n").dict_keys == {"weight_decay"}


# -- the plan's gate words --------------------------------------------------------------

GATED = [rule for rule in all_rules().values() if rule.gates]


def _gate_holds(rule, data: bytes) -> bool:
    """A file the rule's prefilter lets through holds one of its gates (lowercased)."""
    return not rule.may_flag(data) or any(gate in data.lower() for gate in rule.gates)


def test_every_rule_but_the_noqa_one_has_gates():
    assert sorted(rule.code for rule in GATED) == sorted(code for code in all_rules() if code != "RL100")
    assert Plan.build(Settings()).gates is not None
    assert Plan.build(Settings(select=("ALL",))).gates is None  # RL100 reads any file with a directive


@pytest.mark.parametrize("rule", GATED, ids=lambda r: r.code)
def test_gates_hold_on_every_input_and_trigger(rule):
    samples = [p.read_bytes() for p in INPUTS]
    samples += [b"x = " + word + b"\n" for r in all_rules().values() for word in r.triggers]
    samples += [word.upper() + b" " + word for r in all_rules().values() for word in r.triggers]
    assert any(rule.may_flag(data) for data in samples)
    assert all(_gate_holds(rule, data) for data in samples)


def test_a_gated_out_file_is_not_read_even_if_another_rules_words_pass():
    plan = Plan.build(Settings())
    only_norms = b"import torch\nloss = loss + 0.1 * sum(p.norm() for p in model.parameters())\n"
    assert all_rules()["RL007"].may_flag(only_norms) is False  # no word that says L2 or weight decay
    assert not plan.may_flag(only_norms, plan.rules)
    assert plan.may_flag(only_norms.replace(b"0.1", b"wd"), plan.rules)


@pytest.mark.slow
@pytest.mark.skipif(not CORPUS.is_dir(), reason="benchmark corpus not built (python bench/corpus.py)")
def test_gates_hold_on_the_corpus():
    for path in sorted(CORPUS.rglob("*.py")):
        data = path.read_bytes()
        assert all(_gate_holds(rule, data) for rule in GATED), path
