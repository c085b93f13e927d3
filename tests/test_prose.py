"""The prose a words test skips (`reglint.prose`): comments and long string literals are
blanked, and nothing the code screen reads as code ever is."""

from __future__ import annotations

import ast
import warnings
from pathlib import Path

import pytest
from hypothesis import given, settings as hypothesis_settings

from reglint.config import Settings
from reglint.engine import Plan
from reglint.prose import code_bytes
from reglint.reading import DecodeError, decode
from reglint.screen import SHORT_STRING

from test_properties import SCALE, SETTINGS, mutated, training_code

ROOT = Path(__file__).resolve().parent.parent
INPUTS = sorted(p for p in (ROOT / "tests" / "fixtures" / "rules").glob("*/*.py")) + sorted((ROOT / "examples").rglob("*.py"))
CORPUS = ROOT / "bench" / ".corpus"
PLAN = Plan.build(Settings(select=("ALL",)))


def test_comments_and_docstrings_are_blanked():
    data = b'"""Trains the network with Adam and a weight_decay of 1e-4 on every layer."""\nx = 1  # torch.optim.Adam(weight_decay=1e-4)\n'
    assert code_bytes(data) == b' \nx = 1   \n'


def test_a_short_docstring_is_a_short_string():
    """The screen reads a constant of at most SHORT_STRING characters as a string, docstring or not."""
    data = b'"""Adam, weight_decay."""\n'
    assert code_bytes(data) == data


def test_a_quote_that_opens_no_literal_is_passed_over():
    data = b"x = 'unterminated\nopt = Adam(p)  # it's\ny = " + b"'" * 3 + b"never closed\nz = SGD(p)\n"
    assert code_bytes(data) == data.replace(b"# it's", b" ")


def test_a_carriage_return_ends_a_comment():
    assert code_bytes(b"x = 1  # c\ropt = Adam(p)\r") == b"x = 1   \ropt = Adam(p)\r"


def test_short_strings_and_code_are_kept():
    data = b"opt = dict(type='Adam', weight_decay=1e-4)  # coupled\nname = \"sgd\"\n"
    assert code_bytes(data) == b"opt = dict(type='Adam', weight_decay=1e-4)   \nname = \"sgd\"\n"


def test_a_hash_in_a_string_is_no_comment_and_a_quote_in_a_comment_no_string():
    data = b"key = 'a#b'; opt = Adam(p)  # it's Adam\nother = SGD(p)\n"
    assert code_bytes(data) == b"key = 'a#b'; opt = Adam(p)   \nother = SGD(p)\n"


@pytest.mark.parametrize("literal", [
    b"f'" + b"x" * 80 + b"{Adam}'",  # an f-string: ast reads its literal parts as strings
    b"'" + b"\\x41" * 20 + b"'",  # escapes: 20 characters in 80 bytes
    "'{}'".format("é" * 40).encode(),  # 40 characters in 80 bytes
])
def test_a_literal_that_may_hold_a_short_string_is_kept(literal):
    data = b"x = " + literal + b"\n"
    assert code_bytes(data) == data


def test_a_long_plain_string_is_blanked():
    data = b"msg = '" + b"use AdamW " * 8 + b"'\n"
    assert code_bytes(data) == b"msg =  \n"


def _read_as_code(text: str):
    """What the code screen reads as code: names, attribute names, short string constants."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # invalid escapes: not ours
        tree = ast.parse(text)
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            yield node.id
        elif isinstance(node, ast.Attribute):
            yield node.attr
        elif isinstance(node, ast.alias):
            yield from node.name.split(".")
        elif isinstance(node, ast.keyword) and node.arg:
            yield node.arg
        elif (isinstance(node, ast.Constant) and isinstance(node.value, str) and len(node.value) <= SHORT_STRING
              and node.value.isidentifier() and node.value.isascii() and node.value in text):  # words: ASCII, spelled out
            yield node.value


def _parses(data: bytes) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # invalid escapes and the like: not ours
            ast.parse(data)
    except (SyntaxError, ValueError):
        return False
    return True


def _assert_code_kept(data: bytes, path=None) -> None:
    try:
        text, encoding = decode(data)  # as the pipeline reads it: BOM, coding cookie
    except DecodeError:
        return  # not read as Python at all
    kept = code_bytes(data).decode(encoding, "replace")
    missing = {name for name in _read_as_code(text) if name not in kept}
    assert missing == set(), path


@pytest.mark.parametrize("source", INPUTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_name_and_short_string_of_the_code_is_kept(source: Path):
    _assert_code_kept(source.read_bytes())


@hypothesis_settings(max_examples=100 * SCALE, **SETTINGS)
@given(training_code())
def test_every_name_and_short_string_of_generated_training_code_is_kept(code):
    _assert_code_kept(code.encode())


@hypothesis_settings(max_examples=100 * SCALE, **SETTINGS)
@given(mutated())
def test_every_name_and_short_string_of_mutated_fixtures_is_kept(case):
    name, data = case
    if _parses(data):  # a mutation that broke the syntax: the screen reads nothing there either
        _assert_code_kept(data, name)


@pytest.mark.slow
@pytest.mark.skipif(not CORPUS.is_dir(), reason="benchmark corpus not built (python bench/corpus.py)")
def test_every_name_and_short_string_of_the_corpus_is_kept():
    checked = 0
    for path in sorted(CORPUS.rglob("*.py")):
        data = path.read_bytes()
        if _parses(data):
            _assert_code_kept(data, path)
            checked += 1
    assert checked > 7000


def test_a_word_only_in_prose_does_not_read_the_file():
    """RL002's words are the hazard's code: "Adam" in a docstring and "weight_decay" in a
    comment let no rule read the file; in code they do."""
    prose = (b'"""Plain SGD here: the Adam runs of the paper overfit, so this module trains with SGD."""\n'
             b"import torch\nopt = torch.optim.SGD(params, lr=0.1)  # weight_decay later\n")
    code = b"import torch\nopt = torch.optim.Adam(params, lr=0.1, weight_decay=1e-4)\n"
    rules = PLAN.rules_for("train.py")
    assert "RL002" not in [rule.code for rule in PLAN.flaggable(prose, rules)]
    assert "RL002" in [rule.code for rule in PLAN.flaggable(code, rules)]


def test_evidence_in_a_comment_still_counts():
    """RL001's intent words are `prose_words`: a Caffe comment is evidence."""
    data = b"from keras import regularizers\nreg = regularizers.l2(5e-4)  # Caffe solver weight decay\n"
    assert "RL001" in [rule.code for rule in PLAN.flaggable(data, PLAN.rules_for("net.py"))]
