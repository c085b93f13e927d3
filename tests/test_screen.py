"""The filters change nothing reglint finds (issue 4).

Two filters keep files and rules away from libcst: the rules' words (`Plan.may_flag`,
`Rule.may_flag`) and their fact kinds (`reglint.facts`, `Rule.may_flag_code`), tested on
the names a file's code uses, read from CPython's ast (`reglint.screen`). Both claim "False only when the rule cannot flag
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
from hypothesis import given, settings as hypothesis_settings, strategies as st

from reglint import screen
from reglint.config import Settings
from reglint.engine import Plan
from reglint.parsing import MAX_NESTING
from reglint.prose import code_bytes
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
    with mock.patch.object(Plan, "flaggable", lambda self, data, rules, seen=None, coded=None: tuple(rules)), \
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
    # …but a docstring is no code, and no directive either (RL100's fact)
    assert [rule.code for rule in plan_rules if rule.may_flag_code(code)] == []
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
    """A callee in parentheses, `(regularizers.l2)()`, is outside the words of the rules
    that read a call as written, `l2(` or `.norm(` (README, "What gets parsed"): with that
    mutation only the facts are compared."""
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
    assert [code for code, rule in rules.items() if rule.may_flag_code(docstring_only)] == []
    directive = read("x = 1  # noqa: RL001\n")
    assert [code for code, rule in rules.items() if rule.may_flag_code(directive)] == ["RL100"]
    layer_norm = read("import torch\nclass M:\n    def forward(self, x):\n        return self.norm(x) * 2\n")
    assert not rules["RL007"].may_flag_code(layer_norm)  # no L2/decay name or comment
    layer_with_comment = read("import torch\nclass M:\n    def forward(self, x):\n        return self.norm(x) * 2  # l2\n")
    assert not rules["RL007"].may_flag_code(layer_with_comment)  # `self.norm` is a layer, never a weight's norm
    commented = read("import torch\ndef reg(w):\n    return w.norm() * 2  # l2\n")
    assert rules["RL007"].may_flag_code(commented)


def test_a_decay_mask_is_an_optax_call():
    """timm's functional `adamw(params, grads, ..., lr, weight_decay, eps)` shares optax's last
    name and takes past its `mask` position: without `optax` in the file it is not a mask."""
    from reglint.facts import may_have_param_groups

    call = "    adamw(params, grads, exp_avgs, exp_avg_sqs, state_steps, lr, weight_decay, eps)\n"
    own = read("import torch\ndef adamw(*args):\n    pass\ndef step(params, grads, exp_avgs, exp_avg_sqs, state_steps, lr, weight_decay, eps):\n" + call)
    assert not may_have_param_groups(own)
    imported = read("from optax import adamw\ndef step(params, grads, exp_avgs, exp_avg_sqs, state_steps, lr, weight_decay, eps):\n" + call)
    assert may_have_param_groups(imported)


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


# -- the words of the adaptive optimizers ---------------------------------------------------

def test_adaptive_words_name_every_adaptive_optimizer():
    """RL002's words are its only bytes test, so every adaptive optimizer of the framework
    tables — its class or function, its Keras string, its optax scale — holds one."""
    from reglint.frameworks import keras, optax, tf1, torch
    from reglint.rules._common import ADAPTIVE_WORDS

    names = [qualname.rsplit(".", 1)[-1] for table in (torch.OPTIMIZERS, keras.OPTIMIZERS, tf1.OPTIMIZERS, optax.OPTIMIZERS)
             for qualname, spec in table.items() if spec.adaptive]
    names += [qualname.rsplit(".", 1)[-1] for qualname in optax.ADAPTIVE_SCALES]
    strings = [name for name, qualname in keras.OPTIMIZER_STRINGS.items() if keras.OPTIMIZERS[qualname].adaptive]
    assert len(names) > 40 and len(strings) > 5
    spellings = [spelling.format(name).lower().encode() for name in names
                 for spelling in ("x = {}(lr)", "from m import {} as O", "O = m.{}\n")]
    spellings += [f"compile(optimizer='{name}')".lower().encode() for name in strings]
    assert [text for text in spellings if not any(word in text for word in ADAPTIVE_WORDS)] == []


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
    # issue 13: no `Adam(` and no `weight_decay` in the file, only the import's `adam`
    "aliased positional decay": ("RL002", "from torch.optim import Adam as Optimizer\nwd = 1e-4\ndef configure(model, lr):\n"
                                          "    return Optimizer(model.parameters(), lr, (0.9, 0.999), 1e-8, wd)\n"),
}


@pytest.mark.parametrize("name", sorted(REACHED_INDIRECTLY))
def test_indirect_hazards_pass_both_filters(name):
    """Words and facts alike: each hazard is found with both filters on, as without them."""
    code, source = REACHED_INDIRECTLY[name]
    data = source.encode()
    filtered = outcome("train.py", data, fix=True)
    with unfiltered():
        everything = outcome("train.py", data, fix=True)
    assert code in [d[0] for d in everything[0]] or everything[1] is not None, "the case must be a hazard (fixed, or reported)"
    assert filtered == everything
    assert all_rules()[code].may_flag(words_in(data)) and all_rules()[code].may_flag_code(read(source))


def _momentum_slot_calls():
    """(qualname, source) per class of RL011's tables with a momentum-like slot: a call with
    a small literal there, every slot before it filled by position, the class imported under
    another name (the file spells its name once, in the import)."""
    from reglint.rules.weight_decay_in_wrong_slot import MOMENTUM_SLOTS, SIGNATURES

    for qualname, signature in sorted(SIGNATURES.items()):
        slots = [slot if isinstance(slot, tuple) else (slot,) for slot in signature]
        index = next((i for i, slot in enumerate(slots) if MOMENTUM_SLOTS.intersection(slot)), None)
        if index is None:
            continue
        module, name = qualname.rsplit(".", 1)
        args = ["params" if slot[0] == "params" else "0.5" for slot in slots[:index]] + ["0.001"]
        yield pytest.param(f"from {module} import {name} as Opt\nopt = Opt({', '.join(args)})\n", id=qualname)


@pytest.mark.parametrize("source", list(_momentum_slot_calls()))
def test_a_small_literal_in_any_momentum_like_slot_is_read(source):
    """RL011's words and facts let through every class whose momentum-like slot its
    evidence reads, not only those a decay word or `sgd` names."""
    plan = Plan.build(Settings(select=("RL011",)))
    assert [d.code for d in check_bytes("train.py", source.encode(), plan).diagnostics] == ["RL011"]


# Per framework: the prelude, calls of a table's class imported as `Opt` (its defaults, a
# decay and a rate by keyword, small literals in every positional slot), and a training
# tail with the other parts of the hazards (an L2 penalty or layer, a 16-bit cast, a step).
_TABLE_CALLS = {
    "torch": ("import torch\n", ("Opt(params)", "Opt(params, lr=1e-4, weight_decay=1e-4)", "Opt(params, lr=0.1, weight_decay=5e-4)",
                                   "Opt(params, 0.001, 0.001, 0.001, 0.001, 0.001)"),
              "model = model.to(torch.bfloat16)\nloss = crit(out) + 1e-4 * sum((p ** 2).sum() for p in params)\n"
              "loss.backward()\nopt.step()\n"),
    "keras": ("from tensorflow.keras.layers import Dense\n", ("Opt()", "Opt(learning_rate=1e-4, weight_decay=1e-4)",
                                                          "Opt(0.001, 0.001, 0.001, 0.001)", "Opt(1e-3, decay=5e-4)"),
              "from tensorflow.keras.regularizers import l2\nlayer = Dense(4, kernel_regularizer=l2(5e-4))\n"
              "model.compile(optimizer=opt, loss='mse')\n"),
    "optax": ("import optax, jax\nimport jax.numpy as jnp\n", ("Opt(1e-3)", "Opt(1e-4, weight_decay=1e-4)",
                                                            "Opt(0.001, 0.001, 0.001, 0.001, 0.001, 0.001, 0.001)"),
              "tx = optax.chain(optax.add_decayed_weights(1e-4), opt)\n"
              "loss = l + 1e-4 * sum(jnp.sum(w ** 2) for w in jax.tree_util.tree_leaves(params))\n"),
    "tf1": ("import tensorflow as tf\n", ("Opt(0.1)", "Opt(0.001, 0.001, 0.001)", "Opt(learning_rate=1e-4)"),
            "reg = tf.add_n([tf.nn.l2_loss(v) for v in tf.trainable_variables()])\nloss = l + 5e-4 * reg\n"
            "train = opt.minimize(loss)\n"),
}


def _table_cases():
    from reglint.frameworks import keras, optax, tf1, torch

    for framework, table in (("torch", torch.OPTIMIZERS), ("keras", keras.OPTIMIZERS), ("optax", optax.OPTIMIZERS),
                             ("tf1", tf1.OPTIMIZERS)):
        prelude, calls, tail = _TABLE_CALLS[framework]
        for qualname in sorted(table):
            module, name = qualname.rsplit(".", 1)
            spellings = ((f"from {module} import {name} as Opt\n", "Opt"), (f"from {module} import {name}\n", name),
                         (f"import {module}\n", qualname))
            for index, call in enumerate(calls):
                for trained in (False, True):
                    for way, (imported, callee) in enumerate(spellings):
                        source = (f"{prelude}{imported}opt = {call.replace('Opt(', f'{callee}(')}\n"
                                  + (tail if trained else ""))
                        yield pytest.param(source, id=f"{qualname}-{index}{'-trained' if trained else ''}-{way}")


@pytest.mark.parametrize("source", list(_table_cases()))
def test_every_table_optimizer_is_read_alike_with_and_without_filters(source):
    """Each optimizer class of the tables, spelled three ways (aliased, by name, by module), in
    each way the rules read one: the words
    and facts tests never hide a diagnostic (they missed `from tensorflow.keras.optimizers
    import Adam` with a decay for RL013, and a torch decay given by position for RL005)."""
    assert_filters_change_nothing("train.py", source.encode())


# Each regularizer of the Keras and TF1 tables, by several spellings of its module, imported
# or reached through a module alias, called in the shapes the rules read, under each kind of
# training (Keras compile, a tape, TF1 minimize with an adaptive and a momentum optimizer),
# with and without a porting comment.
_REGULARIZER_MODULES = {"keras": ("keras.regularizers", "tensorflow.keras.regularizers", "tf_keras.regularizers"),
                        "tf1": ("tf_slim", "tensorflow.contrib.layers", "tensorflow.contrib.slim")}
_REGULARIZER_CALLS = ("R(5e-4)", "R()", "R(l2=5e-4)", "R(0.0, 5e-4)", "R(weight_decay)", "R(scale=5e-4)", "R(0.0005 / 2)")
_TRAINING_TAILS = ("", "opt = keras.optimizers.Adam(1e-3)\nmodel.compile(optimizer='adam', loss='mse')\n",
                   "with tf.GradientTape() as tape:\n    loss = loss_fn(y, model(x))\n"
                   "grads = tape.gradient(loss, model.trainable_variables)\n",
                   "loss = tf.losses.softmax_cross_entropy(y, logits)\ntrain = tf.train.AdamOptimizer(1e-3).minimize(loss)\n",
                   "opt = tf.train.MomentumOptimizer(0.1, 0.9)\ntrain = opt.minimize(loss)\n")


def _regularizer_cases():
    from reglint.frameworks import keras, tf1

    for framework, table in (("keras", keras.REGULARIZERS), ("tf1", tf1.REGULARIZERS)):
        layer = ("layer = keras.layers.Dense(4, kernel_regularizer=" if framework == "keras"
                 else "net = slim.conv2d(x, 64, [3, 3], weights_regularizer=")
        for qualname in sorted(table):
            name = qualname.rsplit(".", 1)[1]
            for module in _REGULARIZER_MODULES[framework]:
                yield pytest.param(framework, layer, module, name, id=f"{qualname}-{module}")


@pytest.mark.parametrize("framework, layer, module, name", list(_regularizer_cases()))
def test_every_table_regularizer_is_read_alike_with_and_without_filters(framework, layer, module, name):
    """Regularizers as the optimizers above: the filters never hide what the analysis reports."""
    spellings = ((f"from {module} import {name} as R\n", "R"), (f"import {module} as M\nR = M.{name}\n", "R"),
                 (f"from {module} import {name}\n", name), (f"import {module}\n", f"{module}.{name}"))
    for imported, callee in spellings:
        for call in _REGULARIZER_CALLS:
            for tail in _TRAINING_TAILS:
                for ported in ("", "# weights ported from the Caffe model\n"):
                    source = ("import tensorflow as tf\nimport keras\nimport tf_slim as slim\nweight_decay = 5e-4\n"
                              + ported + imported + layer + call.replace("R(", f"{callee}(") + ")\n" + tail)
                    assert_filters_change_nothing("train.py", source.encode())


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


# -- the words ---------------------------------------------------------------------------

def words_in(data: bytes):
    """`Rule.may_flag`'s argument: whether a word occurs in the lowercased `data`."""
    lowered = data.lower()
    return lambda word: word in lowered


def test_every_rule_has_words():
    rules = all_rules()
    assert sorted(code for code, rule in rules.items() if not rule.words and not rule.prose_words) == []
    assert all(word == word.lower() for rule in rules.values() for word in rule.all_words)
    assert Plan.build(Settings()).words is not None
    assert b"noqa" in Plan.build(Settings(select=("ALL",))).words  # RL100 reads any file with a directive


def test_words_must_be_lowercase():
    from reglint.diagnostic import Applicability

    with pytest.raises(ValueError, match="lowercase"):
        Rule(code="RL999", name="x", summary="x", fix=Applicability.SAFE, words=(b"Adam",))


def test_words_are_tested_as_groups():
    """Each entry of `words` must occur; a tuple entry by one of its words."""
    rule = all_rules()["RL009"]  # ((add_decayed_weights, additive_weight_decay), chain)
    assert rule.may_flag(words_in(b"optax.chain(optax.add_decayed_weights(1e-4))"))
    assert rule.may_flag(words_in(b"from optax import additive_weight_decay as d\nCHAIN = 1"))
    assert not rule.may_flag(words_in(b"optax.add_decayed_weights(1e-4)"))
    assert not rule.may_flag(words_in(b"optax.chain(optax.adam(1e-3))"))


_ANY_RULES_WORDS = sorted({word for rule in all_rules().values() for word in rule.all_words})


@hypothesis_settings(max_examples=300 * SCALE, **SETTINGS)
@given(st.sets(st.sampled_from(_ANY_RULES_WORDS), max_size=12))
def test_the_set_tests_agree_with_may_flag(words):
    """The engine's set intersections (`holds_words`, `may_complete_in_project`) answer as
    `may_flag` does: the same for the file's own words, and never False where the project
    could still complete the rule (every module holding every word)."""
    found = frozenset(words)
    for rule in all_rules().values():
        assert rule.holds_words(found) == rule.may_flag(found.__contains__), rule.code
        if rule.project_words and not rule.may_complete_in_project(found):
            assert not rule.may_flag(found.__contains__, lambda _: True, found.__contains__), rule.code


def test_a_file_without_any_rules_words_is_not_read():
    plan = Plan.build(Settings())
    only_norms = b"import torch\nloss = loss + 0.1 * sum(p.norm() for p in model.parameters())\n"
    assert all_rules()["RL007"].may_flag(words_in(only_norms)) is False  # no word that says L2 or weight decay
    assert not plan.may_flag(only_norms, plan.rules)
    assert plan.may_flag(only_norms.replace(b"0.1", b"wd"), plan.rules)
    assert plan.may_flag(only_norms.replace(b"0.1", b"WD"), plan.rules)  # the file is lowercased, not the words


def test_a_word_counts_only_in_its_context():
    """RL007's `l2` before a digit (`val2017`) and `.norm(` of `self` (a norm layer, never a
    weight's norm to the screen) say nothing: such a file is not read for RL007."""
    plan = Plan.build(Settings(select=("RL007",)))
    layer = b"import torch\nh = wd * self.norm(x) + weight\n"
    assert not plan.flaggable(layer, plan.rules)
    assert plan.flaggable(layer.replace(b"self.norm(x)", b"p.norm()"), plan.rules)
    assert plan.flaggable(layer.replace(b"self.norm", b"myself.norm"), plan.rules)  # another name ending in self
    assert plan.flaggable(layer + b"r = q * self.norm(x) + p.norm()\n", plan.rules)  # one other `.norm(` is enough
    digits = b"import torch\npath = 'val2017'\nloss = c * torch.norm(w)\n"
    assert not plan.flaggable(digits, plan.rules)
    assert plan.flaggable(digits.replace(b"val2017", b"l2_reg"), plan.rules)
    assert plan.flaggable(digits + b"# L2\n", plan.rules)  # at the end of the file


def test_word_contexts_name_the_rules_words_and_agree():
    with pytest.raises(ValueError, match="does not have"):
        Rule("RL999", "x", "x", None, words=(b"norm",), word_contexts=((b"l2", rb"l2"),))
    one = Rule("RL998", "x", "x", None, words=(b"l2",), word_contexts=((b"l2", rb"l2(?!0)"),))
    other = Rule("RL999", "x", "x", None, words=(b"l2",), word_contexts=((b"l2", rb"l2(?!1)"),))
    with mock.patch("reglint.engine.all_rules", return_value={"RL998": one, "RL999": other}):
        with pytest.raises(ValueError, match="another context"):
            Plan.build(Settings(select=("RL998", "RL999")))


def test_a_rule_runs_only_where_its_own_words_occur():
    """The words choose the rules per file, not just the file: RL012's facts hold
    (`AdamW` is named) but its words do not (no tfa / contrib), so only RL013 runs."""
    plan = Plan.build(Settings(select=("RL012", "RL013")))
    data = b"from torch.optim import AdamW\nopt = AdamW(model.parameters(), lr=1e-4, weight_decay=1e-4)\n"
    assert [rule.code for rule in plan.flaggable(data, plan.rules)] == ["RL013"]
    assert all(rule.may_flag_code(read(data.decode())) for rule in plan.rules)
    ran = []
    with mock.patch.object(Rule, "may_flag_code", lambda self, code: ran.append(self.code) or True):
        found = check_bytes("x.py", data, plan).diagnostics
    assert ran == ["RL013"] and [d.code for d in found] == ["RL013"]


@pytest.mark.parametrize("source", INPUTS[::3], ids=lambda p: str(p.relative_to(ROOT)))
def test_one_pass_finds_exactly_the_words_each_scan_finds(source: Path):
    """The automaton's overlapping matches are every word the lowercased file holds,
    a word inside another included (`adam` in `adamw`, `l2` in `l2(`)."""
    data = source.read_bytes()
    assert PLAN.words_in(data) == _each_scan(data)


def _each_scan(data: bytes) -> set:
    """The words found one scan each, a word with a context only where its pattern matches too."""
    lowered = data.lower()
    contexts = dict(PLAN.contexts)
    return {word for word in PLAN.words if word in lowered and (word not in contexts or contexts[word].search(lowered))}


@hypothesis_settings(max_examples=200 * SCALE, deadline=None)
@given(pieces=st.lists(st.sampled_from(PLAN.words + (b" ", b"\n", b"A", b"(", b"_", b"W", b"D")), max_size=30))
def test_one_pass_finds_words_that_overlap_and_nest(pieces):
    data = b"".join(pieces).upper()
    assert PLAN.words_in(data) == _each_scan(data)


def test_facts_are_tested_as_groups():
    """RL002 needs an optimizer (or chain) and an L2 term for it."""
    rule = all_rules()["RL002"]
    assert rule.may_flag_code(read("import torch\nopt = torch.optim.Adam(p, weight_decay=1e-4)\n"))
    assert not rule.may_flag_code(read("import torch\nopt = torch.optim.Adam(p, lr=1e-3)\n"))
    assert not rule.may_flag_code(read("loss = loss + 1e-4 * sum((w ** 2).sum() for w in ws)\n"))


def test_param_groups_need_an_optimizer_mask_or_fragment_list():
    """RL010's fact: a model that only walks `named_parameters()` next to strings that
    mention a norm is no param-group split (timm / transformers model files)."""
    from reglint.facts import may_have_param_groups

    model_file = ('import torch.nn as nn\nclass Net(nn.Module):\n    def __init__(self, norm_layer="layernorm"):\n'
                  '        self.norm = get(norm_layer)\n    def frozen(self):\n'
                  '        return [n for n, p in self.named_parameters() if not p.requires_grad]\n')
    assert not may_have_param_groups(read(model_file))
    split = 'no_decay = ["bias", "LayerNorm.weight"]\nd = [p for n, p in model.named_parameters() if n not in no_decay]\n'
    assert may_have_param_groups(read(split))
    assert not may_have_param_groups(read(split.replace('"bias", "LayerNorm.weight"', '"encoder", "decoder"')))
    assert may_have_param_groups(read("import torch\nopt = torch.optim.AdamW(model.parameters(), lr=1e-3)\n"))
    assert may_have_param_groups(read("from torch.optim import SGD as S\nopt = S([dict(params=ws), dict(params=bs)])\n"))
    assert may_have_param_groups(read("import optax\ntx = optax.adamw(1e-3, mask=m)\n"))


def test_param_groups_need_a_mask_passed_or_a_membership_test_of_names():
    """A mask callee named without a mask (optax's own aliases, timm's `AdamW` class), or
    no-decay strings that no `n in no_decay` tests (a timm model's `no_weight_decay()` set),
    is no param-group fact."""
    from reglint.facts import may_have_param_groups

    assert not may_have_param_groups(read("import optax\ntx = optax.adamw(1e-3, weight_decay=1e-4)\n"))
    assert may_have_param_groups(read("import optax\ntx = optax.add_decayed_weights(1e-4, decay_mask)\n"))
    assert not may_have_param_groups(read("import optax\ntx = optax.add_decayed_weights(1e-4)\n"))
    assert may_have_param_groups(read("import optax\ntx = optax.masked(optax.add_decayed_weights(1e-4), m)\n"))
    assert may_have_param_groups(read("from optax import adamw as aw\ntx = aw(1e-3, 0.9, 0.99, 1e-8, 0.0, None, 1e-4, m)\n"))
    model_file = ('class Net:\n    def no_weight_decay(self):\n        skip = {"pos_embed", "cls_token"}\n'
                  '        for n, _ in self.named_parameters():\n            if "relative_position_bias" in n:\n'
                  '                skip.add(n)\n        return skip\n')
    assert not may_have_param_groups(read(model_file))
    tested = ('def groups(model, no_decay=("bias", "norm")):\n'
              '    return [p for n, p in model.named_parameters() if n not in no_decay]\n')
    assert may_have_param_groups(read(tested))
    aliased = 'NO_DECAY = ["bias"]\nskip = NO_DECAY\nd = [p for n, p in model.named_parameters() if n in skip]\n'
    assert may_have_param_groups(read(aliased))


def test_adaptive_optimizer_alone_is_no_l2_hazard_to_read():
    """RL002 needs an L2 term's word besides the adaptive optimizer; a decay passed by
    position to a torch class has none of its own, so `torch.optim` / `optim` count."""
    rule = all_rules()["RL002"]

    def words(data: bytes):
        return lambda word: word in data.lower()

    assert not rule.may_flag(words(b"model.compile(optimizer='adam', loss='mse')\nmodel.fit(x, y)\n"))
    assert rule.may_flag(words(b"model.compile(optimizer='adam')\nd = Dense(4, kernel_regularizer=reg)\n"))
    positional = b"from torch import nn, optim\nopt = optim.Adam(net.parameters(), 1e-3, (0.9, 0.999), 1e-8, 1e-4)\n"
    assert rule.may_flag(words(positional))
    found = check_bytes("train.py", positional, PLAN)
    assert [(d.code, d.start.line, d.start.column) for d in found.diagnostics] == [("RL002", 2, 62)]


def test_the_project_path_searches_the_file_once(tmp_path):
    """The rules with project words (RL002, RL003) ask whether an imported builder helps
    with the words the file's own search found: the file (and its code, `reglint.prose`)
    is not searched again."""
    (tmp_path / "models.py").write_text("from keras import layers, regularizers\n"
                                        "def build():\n    return layers.Dense(4, kernel_regularizer=regularizers.l2(1e-4))\n")
    data = b"from models import build\nmodel = build()\nmodel.compile(optimizer='adam', loss='mse')\nmodel.fit(x, y)\n"
    plan = Plan.build(Settings())
    searched = []
    original = Plan.words_in

    def counting(self, data):
        searched.append(data)
        return original(self, data)

    with mock.patch.object(Plan, "words_in", counting):
        found = plan.flaggable_at(str(tmp_path / "train.py"), data, plan.rules)
    assert "RL002" in [rule.code for rule in found]
    assert "RL002" not in [rule.code for rule in plan.flaggable(data, plan.rules)]  # its words are the builder's
    assert searched == [data, code_bytes(data)]  # the whole file once, its code once


def test_chains_count_only_with_the_element_a_rule_reads():
    """RL002 / RL005 / RL009 read a chain's decay element (and RL002 its adaptive scaling):
    `optax.chain(clip, adam)` holds neither."""
    from reglint.facts import may_have_adaptive_chains, may_have_decay_chains

    plain = "import optax\ntx = optax.chain(optax.clip(1.0), optax.adam(1e-3))\n"
    assert not may_have_decay_chains(read(plain)) and not may_have_adaptive_chains(read(plain))
    decayed = "from optax import chain, add_decayed_weights as adw, scale_by_adam\ntx = chain(adw(1e-4), scale_by_adam())\n"
    assert may_have_decay_chains(read(decayed)) and may_have_adaptive_chains(read(decayed))
    assert not all_rules()["RL009"].may_flag_code(read(plain))
    assert not all_rules()["RL002"].may_flag_code(read(plain))


def test_default_coefficients_need_a_regularizer_without_its_coefficient():
    """RL006's fact: `l2()`, `L2()`, `"l2"`, `l1_l2(...)` without l2 (also through a name
    bound to one); `l2(5e-4)` and `l1_l2(0.01, 0.01)` are not."""
    from reglint.facts import may_have_default_coefficients as default

    head = "from tensorflow.keras import regularizers\n"
    assert not default(read(head + "r = regularizers.l2(5e-4)\n"))
    assert not default(read(head + "r = regularizers.l1_l2(0.01, 0.01)\n"))
    assert not default(read(head + "r = regularizers.l1_l2(l1=0.01, l2=0.0)\n"))
    assert default(read(head + "r = regularizers.l2()\n"))
    assert default(read(head + "r = regularizers.L2()\n"))
    assert default(read(head + "r = regularizers.l1_l2(0.01)\n"))
    assert default(read(head + "reg = regularizers.l2\nr = reg()\n"))
    assert default(read("from keras.regularizers import l1_l2 as both\nr = both(l1=1e-5)\n"))
    assert default(read("from keras import layers\nd = layers.Dense(8, kernel_regularizer='l2')\n"))


def test_every_fact_kind_a_rule_names_exists():
    from reglint.facts import FACT_KINDS

    named = {kind for rule in all_rules().values() for group in rule.facts for kind in group}
    assert named <= set(FACT_KINDS) and len(named) > 5


def _full_depth(node, depth: int = 1) -> int:
    """The tree's depth as `screen.read` counts it, over every field (contexts and operators too)."""
    if isinstance(node, ast.BoolOp):
        depth += len(node.values) - 1
    elif isinstance(node, ast.alias):
        depth += node.name.count(".")
    elif isinstance(node, ast.ImportFrom):
        depth += (node.module or "").count(".")
    return max((_full_depth(child, depth + 1) for child in ast.iter_child_nodes(node)), default=depth)


@pytest.mark.parametrize("source", INPUTS[::4], ids=lambda p: str(p.relative_to(ROOT)))
def test_the_walk_skips_contexts_and_operators_but_counts_their_level(source: Path):
    """`Load()` / `Add()` are never visited, yet the depth that guards libcst is the full tree's."""
    text = source.read_text(encoding="utf-8", errors="replace") if source.suffix == ".py" else ""
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return
    assert screen.read(tree, text, 10_000)[0] == _full_depth(tree)
    assert screen.read(ast.parse("x = a and b and c\n"), "", 100)[0] == _full_depth(ast.parse("x = a and b and c\n")) == 7


# A product is a norm penalty RL007 can read only when a factor sums weight norms (directly,
# through a name the file accumulates them in, or a function of the file returning them) and
# a loss or penalty name is at hand (the line's targets, a plain factor, the function).
NORM_PRODUCTS = {
    "loss = ce + wd * torch.norm(w)\n": True,
    "l2 = 0\nfor p in model.parameters():\n    l2 += p.norm(2)\nloss = ce + wd * l2\n": True,
    "def l2_term(m):\n    return sum(p.norm() for p in m.parameters())\nloss = ce + wd * l2_term(model)\n": True,
    "reg = []\nfor p in ps:\n    reg.append(p.norm())\nobjective = ce + wd * tf.add_n(reg)\n": True,
    "from torch import norm as n\nloss = ce + wd * n(w)\n": True,
    "def penalty(w):\n    return wd * torch.norm(w)\n": True,
    "reg = 0; z = wd * torch.norm(w)\n": True,  # `_bound_targets` reads the whole line
    "step = lr * torch.norm(w)\n": False,  # no loss name
    "trust_ratio = eta * w.norm() / g.norm()\nupdate = trust_ratio * g\n": False,
    "loss = ce + wd * self.norm(x)\n": False,  # a layer
    "n = torch.norm(w)\nloss = 2 * ce\n": False,  # the norm is no factor of the loss
}


@pytest.mark.parametrize("source", sorted(NORM_PRODUCTS))
def test_norm_products_need_a_norm_factor_and_a_loss_name(source):
    assert read(source).norm_products is NORM_PRODUCTS[source]


@pytest.mark.parametrize("source, positional", [
    ("from torch.optim import Adam as Opt\nOpt(params, 1e-3, (0.9, 0.999), 1e-8, 1e-4)\n", 5),
    ("import torch\nOpt = torch.optim.Adam\nBase = Opt\nBase(params, 1e-3, (0.9, 0.999), 1e-8, 1e-4)\n", 5),
    ("fn = self.helper\nfn(a, b, c)\n", 0),  # bound to a name, but to no optimizer
    ("from utils import step as go\ngo(a, b, c)\n", 0),
])
def test_a_call_under_another_name_is_an_optimizer_call_only_if_bound_to_one(source, positional):
    assert read(source).optimizer_positional == positional


@pytest.mark.parametrize("source, expected", [
    ("no_decay = ['bias', 'LayerNorm.weight']\n"
     "groups = [p for n, p in model.named_parameters() if n not in no_decay]\n", True),
    ("def f(model, skip=('bias', 'norm')):\n    for name, p in model.named_parameters():\n"
     "        if name in skip:\n            pass\n", True),  # a default display
    ("no_decay = ['bias', 'LayerNorm.weight']\nnames = dict(model.named_parameters())\n"
     "for key in keys:\n    if key in no_decay:\n        pass\n", False),  # `key` is no loop's first name of pairs
    ("skip = ['ByobNet', 'norm_layer']\n"
     "groups = [p for n, p in model.named_parameters() if n not in skip]\n", False),  # no leaf: whole names
])
def test_a_fragment_test_needs_a_loop_name_and_fragments(source, expected):
    from reglint.facts import may_have_param_groups

    assert may_have_param_groups(read(source)) is expected


SQUARE_PRODUCTS = {
    "reg = wd * tf.reduce_sum(tf.square(w))\n": True,
    "l2 = 0\nfor w in weights:\n    l2 += tf.nn.l2_loss(w)\nloss = ce + wd * l2\n": True,
    "def l2(m):\n    return sum(p.pow(2).sum() for p in m.parameters())\ntotal = ce + lam * l2(model)\n": True,
    "from torch import norm as n\nloss = ce + wd * n(w) ** 2\n": True,
    "energy = 0.5 * v\nsq = (x ** 2).sum()\n": False,  # the Σ is no factor of a product
    "d = tf.reduce_sum(tf.square(a - b))\nloss = d / n\n": False,
}


@pytest.mark.parametrize("source", sorted(SQUARE_PRODUCTS))
def test_square_products_need_a_square_sum_factor(source):
    assert read(source).square_products is SQUARE_PRODUCTS[source]


@pytest.mark.parametrize("source, expected", [
    ("from keras import layers\nd = layers.Dense(4, kernel_regularizer='l2')\n", True),
    ("from keras import layers\nd = layers.Dense(4)\ncfg = {'norm': 'l2', 'metric': 'l1'}\n", False),  # a string, no regularizer
])
def test_a_string_regularizer_is_a_regularizer_keywords_value(source, expected):
    from reglint.facts import may_have_default_coefficients, may_have_regularizers

    code = read(source)
    assert may_have_regularizers(code) is expected and may_have_default_coefficients(code) is expected


def test_a_no_weight_decay_hook_is_no_decoupled_decay_word():
    """RL013 reads a decoupled optimizer's decay: timm's model hook `no_weight_decay()` names
    none, so a model file holding only it is not read for RL013; the keyword is."""
    rule = all_rules()["RL013"]
    hook = b"class Net(nn.Module):\n    def no_weight_decay(self):\n        return {'pos_embed'}\n"
    assert not rule.may_flag(words_in(hook))
    assert rule.may_flag(words_in(b"opt = keras.optimizers.Adam(learning_rate=1e-3, weight_decay=1e-4)\n"))
    assert rule.may_flag(words_in(b"cfg = {'weight_decay': 1e-4}\n"))


@pytest.mark.parametrize("source, readable", [
    # `optim` alone (a scheduler, "optimization" in a one-line docstring) names no optimizer RL010 reads
    (b"from torch.optim import lr_scheduler\nsched = lr_scheduler.StepLR(opt, 30, gamma=decay)\n", False),
    (b'def groups(self):\n    """Layer groupings for optimization."""\n    return dict(decay=1)\n', False),
    # every way to one: a torch class (aliased too), an optax mask, a fragment test over names
    (b"from torch.optim import AdamW as Opt\nopt = Opt([{'params': no_decay}], lr=1e-3)\n", True),
    (b"from torch import optim\nopt = optim.SGD(groups, lr=0.1, weight_decay=wd)\n", True),
    (b"import optax as ox\ntx = ox.adamw(1e-3, mask=decay_mask)\n", True),
    (b"decay = [p for n, p in model.named_parameters() if n not in skip]\n", True),
])
def test_rl010_words_name_what_its_analysis_reads(source, readable):
    """RL010 reads torch optimizer classes, optax masks and `named_parameters()` splits."""
    assert all_rules()["RL010"].may_flag(words_in(source)) is readable


def test_a_config_writing_a_decay_over_its_bases_may_be_an_adaptive_optimizer():
    """RL002: `optim_wrapper = dict(optimizer=dict(weight_decay=1e-4))` under `_base_` may
    decay the base's Adam; a config with bases that writes no decay is not read for it."""
    rule = all_rules()["RL002"]
    rules = PLAN.rules_for("child.py")
    child = b"_base_ = ['./schedule.py']\noptim_wrapper = dict(optimizer=dict(weight_decay=1e-4))\n"
    assert rule in PLAN.flaggable(child, rules) and rule.may_flag_code(read(child.decode()))
    lr_only = b"_base_ = ['./schedule.py']\noptim_wrapper = dict(optimizer=dict(lr=1e-4))\n"
    assert rule not in PLAN.flaggable(lr_only, rules)  # `_base_ =` counts only beside a decay written
    no_bases = b"optim_wrapper = dict(optimizer=dict(weight_decay=1e-4))\n"
    assert not rule.may_flag_code(read(no_bases.decode()))


def test_a_decay_written_beside_its_type_is_not_read_as_inherited_over_bases():
    """RL002's inherited class (`analysis.optimizers._inherited_type`) needs a dict that writes a
    decay and no `type=`: a config that writes `type='AdamW', weight_decay=0.05` together under
    `_base_` cannot be that (the OpenMMLab configs of the corpus), one without `type` can."""
    rule = all_rules()["RL002"]
    typed = "_base_ = ['./schedule.py']\noptim_wrapper = dict(optimizer=dict(type='AdamW', lr=1e-4, weight_decay=0.05))\n"
    assert not rule.may_flag_code(read(typed))
    untyped = typed.replace("type='AdamW', ", "")
    assert rule.may_flag_code(read(untyped))
    assert rule.may_flag_code(read(typed.replace("'AdamW'", "'Adam'")))  # the class itself is coupled


def test_rl001_reads_only_a_regularizer_whose_l2_is_not_halved():
    """RL001 judges `Regularizer.convention == "sum_sq"` (Keras `l2`, `L1L2`): TF1 / slim's
    `l2_regularizer(scale)` is already λ·Σw²/2, Caffe's own convention."""
    rule = all_rules()["RL001"]
    slim = "import tensorflow as tf\nweight_decay = 5e-4\nreg = tf.contrib.layers.l2_regularizer(weight_decay)\n"
    assert not rule.may_flag_code(read(slim))
    keras = "from tensorflow.keras import regularizers\nweight_decay = 5e-4\nreg = regularizers.l2(weight_decay)\n"
    assert rule.may_flag_code(read(keras))
    assert rule.may_flag_code(read(keras.replace("regularizers.l2(weight_decay)", "regularizers.L1L2(l2=weight_decay)")))


@pytest.mark.parametrize("source, possible", [
    ("import tensorflow as tf\ng = tf.gradients(loss, params)\n", True),
    ("import tensorflow as tf\ng = tf.compat.v1.gradients(loss, params)\n", True),
    ("from tensorflow.compat import v1 as tf\ng = tf.gradients(loss, params)\n", True),
    ("from tensorflow import gradients\ng = gradients(loss, params)\n", True),
    ("import tensorflow as tf\ngrad = tf.gradients\ng = grad(loss, params)\n", True),
    ("from tensorflow.python.ops import gradients_impl\ng = gradients_impl.gradients(loss, params)\n", False),
    ("from tensorflow.python.ops import gradients_impl as gi\ng = gi.gradients(loss, params)\n", False),
])
def test_a_gradients_call_is_a_loss_site_only_as_tf_gradients(source, possible):
    """The extractor reads `gradients(...)` as a TF1 loss site by its qualified name
    (`tf1.GRADIENTS`): another module's `gradients` (tf-slim's tests call
    `gradients_impl.gradients`) is not one."""
    from reglint.facts import FACT_KINDS

    assert FACT_KINDS["loss_sites"](read(source)) is possible


@pytest.mark.parametrize("source, counts", [
    (b"with torch.no_grad():\n    y = model(x)\n", False),
    (b"with torch.enable_grad():\n    y = model(x)\n", False),
    (b"grads = jax.grad(loss_fn)(params)\n", True),
    (b"loss, grads = jax.value_and_grad(loss_fn)(params)\n", True),
    (b"from jax import grad\ngrads = grad (loss_fn)(params)\n", True),
])
def test_rl005_reads_grad_as_a_jax_transform_not_inside_another_name(source, counts):
    """RL005's training word `grad(` stands for JAX's grad transforms (`frameworks.jax.GRAD_TRANSFORMS`):
    torch's `no_grad(` in every model file trains nothing."""
    found = PLAN.words_in(source)
    assert (b"grad(" in found or b"grad (" in found) is counts


def test_every_word_context_starts_with_a_literal():
    """A context runs over every file that holds its word: one that starts with a lookbehind or
    an alternation is tried at each byte (1.4 s over the corpus for each of two such patterns),
    one that starts with a literal is searched for at C speed (0.003 s)."""
    escaped_punctuation = b".()[]{}*+?|\\^$-"
    for rule in all_rules().values():
        for word, pattern in rule.word_contexts:
            first = pattern[:1]
            literal = first not in (b"(", b"[", b".", b"^", b"$", b"|", b"?", b"*", b"+", b"{", b"\\") or (
                first == b"\\" and pattern[1:2] in [bytes([c]) for c in escaped_punctuation])
            assert literal, f"{rule.code}: the context of {word!r} does not start with a literal: {pattern!r}"
