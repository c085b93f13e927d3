"""The protobuf text-format reader: values, positions of keys and values, errors with line/col, fuzz."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reglint.configs.prototxt import IDENTIFIER, NUMBER, STRING, Message, PrototxtError, Scalar, parse
from reglint.diagnostic import Position as P

SOLVER = """\
# The solver for a small net
net: "models/train_val.prototxt"
base_lr: 0.001   # noqa: RL002
type: "Adam"
weight_decay: 5e-4
solver_type: ADAM
stepvalue: 1000
stepvalue: 2000
"""


def test_solver_fields_values_and_positions():
    doc = parse(SOLVER)
    names = [f.name for f in doc.root.fields]
    assert names == ["net", "base_lr", "type", "weight_decay", "solver_type", "stepvalue", "stepvalue"]
    decay = doc.root.last("weight_decay")
    assert (decay.key_start, decay.key_end) == (P(5, 1), P(5, 13))
    assert decay.value == Scalar(NUMBER, "5e-4", 5e-4, P(5, 15), P(5, 19))
    kind = doc.root.scalar("type")
    assert (kind.kind, kind.value, kind.text, kind.start, kind.end) == (STRING, "Adam", '"Adam"', P(4, 7), P(4, 13))
    assert doc.root.scalar("solver_type").kind == IDENTIFIER
    assert [f.value.value for f in doc.root.all("stepvalue")] == [1000, 2000]
    assert doc.comments == [(1, 0, "# The solver for a small net", True), (3, 17, "# noqa: RL002", False)]


def test_nested_messages_with_braces_and_angles_and_optional_colon():
    doc = parse("layer {\n  name: 'conv1'\n  param < lr_mult: 1 decay_mult: 1 >\n  param: { decay_mult: 0 }\n}\n")
    layer = doc.root.messages("layer")[0]
    assert (layer.start, layer.end) == (P(1, 7), P(5, 2))
    params = layer.messages("param")
    assert [p.scalar("decay_mult").value for p in params] == [1, 0]
    assert (params[0].start, params[0].end) == (P(3, 9), P(3, 37))
    assert params[1].scalar("decay_mult").start == P(4, 24)


def test_lists_give_one_field_per_element_with_the_shared_key():
    doc = parse("test_iter: [100, 200]\nlayer: [{name: 'a'}, <name: 'b'>]\nempty: []\n")
    items = doc.root.all("test_iter")
    assert [(f.value.value, f.value.start, f.key_start) for f in items] == [(100, P(1, 13), P(1, 1)),
                                                                              (200, P(1, 18), P(1, 1))]
    assert [m.scalar("name").value for m in doc.root.messages("layer")] == ["a", "b"]
    assert doc.root.messages("layer")[1].scalar("name").start == P(2, 29)
    assert doc.root.all("empty") == []


@pytest.mark.parametrize("text, value", [
    ("1", 1), ("-2", -2), ("0x1F", 31), ("017", 15), ("1.5", 1.5), (".5", 0.5), ("5.", 5.0),
    ("1e-4", 1e-4), ("2.5E+3", 2500.0), ("1.0f", 1.0), ("- 3", -3),
])
def test_numbers(text, value):
    scalar = parse(f"x: {text}").root.scalar("x")
    assert scalar.kind == NUMBER and scalar.value == value and scalar.text == text
    assert scalar.number() == float(value)


def test_identifiers_and_special_floats():
    root = parse("a: inf b: -inf c: nan d: true e: ADAM f: - Infinity").root
    assert root.scalar("a").number() == math.inf
    assert root.scalar("b").number() == -math.inf and root.scalar("b").value == "-inf"
    assert math.isnan(root.scalar("c").number())
    assert root.scalar("d").number() is None and root.scalar("d").value == "true"
    assert root.scalar("e").kind == IDENTIFIER
    assert root.scalar("f").number() == -math.inf


@pytest.mark.parametrize("text, value", [
    (r'"plain"', "plain"), (r"'single \"q\"'", 'single "q"'), (r'"tab\there"', "tab\there"),
    (r'"\x41\101\u00e9"', "AAé"), (r'"\303\251"', "é"), (r'"a" "b" ' + "'c'", "abc"), (r'"\\n"', "\\n"),
    ('"λ"', "λ"),
])
def test_strings(text, value):
    scalar = parse(f"s: {text}").root.scalar("s")
    assert (scalar.kind, scalar.value, scalar.text) == (STRING, value, text)


def test_separators_extensions_and_bom():
    root = parse("\ufeffa: 1, b: 2; [ext.pkg.field]: 3 [type.googleapis.com/x.Y] { c: 4 }").root
    assert [f.name for f in root.fields] == ["a", "b", "[ext.pkg.field]", "[type.googleapis.com/x.Y]"]
    assert root.fields[0].key_start == P(1, 2)  # the BOM is a column, as in the file
    assert root.last("[ext.pkg.field]").key_end == P(1, 29)


def test_columns_count_characters_not_bytes():
    root = parse('name: "αβγ" weight_decay: 1').root
    assert root.last("weight_decay").key_start == P(1, 13)


def test_empty_and_comment_only_files():
    assert parse("").root.fields == []
    doc = parse("# only a comment\n\n")
    assert doc.root.fields == [] and doc.comments == [(1, 0, "# only a comment", True)]


@pytest.mark.parametrize("text, reason, line, column", [
    ('type: "Adam', "unterminated string", 1, 7),
    ("a: 1\nb: 'x\n'", "unterminated string", 2, 4),
    ("layer {\n name: 'a'\n", "'{' is never closed with '}'", 1, 7),
    ("layer < a: 1 }", "expected a field name, found '}'", 1, 14),
    ("a: 1 }", "expected a field name, found '}'", 1, 6),
    ("a 1", "expected ':' or '{' after field 'a', found '1'", 1, 3),
    ("a", "expected ':' or '{' after field 'a', found end of file", 1, 2),
    ("a:", "unexpected end of file", 1, 3),
    ("a: }", "expected a value, found '}'", 1, 4),
    ("a: [1 2]", "expected ',' or ']' in a list, found '2'", 1, 7),
    ("a: [1,", "unexpected end of file", 1, 7),
    ("a: -x", "expected a number after '-', found 'x'", 1, 5),
    ("a: - ;", "expected a number after '-', found ';'", 1, 6),
    ("a: @", "unexpected character '@'", 1, 4),
    ('a: "\\q"', "invalid escape \\q", 1, 5),
    ('a: "\\UFFFFFFFF"', "invalid \\U escape", 1, 5),
    ("a: 1.2.3", "unexpected character '1'", 1, 4),
    ("[]: 1", "empty extension name", 1, 1),
    ("[a 1]: 1", "unexpected '1' in an extension name", 1, 4),
    ("a: [{b: 1}, {c: }]", "expected a value, found '}'", 1, 17),
    ("a: [{b: 1]", "expected a field name, found ']'", 1, 10),
    ("a: [1", "'[' is never closed with ']'", 1, 4),
])
def test_malformed_input_is_an_error_with_its_position(text, reason, line, column):
    with pytest.raises(PrototxtError) as caught:
        parse(text)
    assert (caught.value.reason, caught.value.line, caught.value.column) == (reason, line, column)
    assert str(caught.value) == f"{reason} (line {line}, column {column})"


def test_deep_nesting_is_no_recursion_error():
    depth = 100_000
    root = parse("a {" * depth + "}" * depth).root
    assert isinstance(root.fields[0].value, Message)
    nested = parse("a: [" + "{a: [" * depth + "]}" * depth + "]").root
    assert isinstance(nested.messages("a")[0].messages("a")[0], Message)


_PIECES = st.sampled_from([
    "a", "type", ":", " ", "\n", "{", "}", "<", ">", "[", "]", ",", ";", "#c\n", '"s"', "'t'", '"',
    "\\", "1", "-", "5e-4", ".", "0x", "inf", "/", "λ", "\t", "\ufeff", "\x00", "é",
])


@settings(max_examples=400, deadline=None)
@given(st.lists(_PIECES, max_size=40).map("".join))
def test_fuzz_token_soup_raises_only_its_own_error(text):
    try:
        doc = parse(text)
    except PrototxtError as error:
        assert error.line >= 1 and error.column >= 1
    else:
        for item in doc.root.fields:
            assert item.key_start <= item.key_end <= item.start


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=60))
def test_fuzz_any_text_raises_only_its_own_error(text):
    try:
        parse(text)
    except PrototxtError:
        pass
