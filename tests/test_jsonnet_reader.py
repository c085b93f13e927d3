"""The jsonnet reader: literal values with positions, locals, what stays Unknown, errors, fuzz."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reglint.configs.jsonnet_reader import Unknown, comments, read, unknown
from reglint.configs.tree import ConfigSyntaxError
from reglint.diagnostic import Position as P

CONFIG = """\
local lr = 1e-3;  // the rate
local wd = std.parseJson(std.extVar("WD")), eps = 1e-8;
{
  local inner = 0.5,
  "trainer": {
    optimizer: { type: 'adam', lr: lr, weight_decay: eps, hidden:: 1, betas: [0.9, 0.999], neg: -2 },
    other+: { a: inner },
    comp: { [k]: 1 for k in ["a"] },
    arr: [x for x in [1]],
    text: |||
      hello
    |||,
    from_env: wd,
    calc: lr * 2,
    base: $.x + { type: "adagrad" },
  },
  f(x): x,
  assert true,
}
"""


def test_literals_locals_and_positions():
    root = read(CONFIG)
    assert list(root.value) == ["trainer"]  # `f(x)` is a method, `assert` no field
    optimizer = root.find("trainer", "optimizer")
    assert list(optimizer.value) == ["type", "lr", "weight_decay", "betas", "neg"]  # `hidden::` is not manifested
    kind = optimizer.get("type")
    assert (kind.value, kind.style, kind.start, kind.end, kind.raw) == ("adam", "'", P(6, 24), P(6, 30), "'adam'")
    assert (kind.key_node.start, kind.key_node.end, kind.dotted) == (P(6, 18), P(6, 22), "trainer.optimizer.type")
    lr = optimizer.get("lr")  # a local's literal, placed where the name is written
    assert (lr.value, lr.raw, lr.start, lr.end) == (0.001, "lr", P(6, 36), P(6, 38))
    assert optimizer.get("weight_decay").value == 1e-8
    assert [item.value for item in optimizer.get("betas").value] == [0.9, 0.999]
    assert optimizer.get("neg").value == -2
    other = root.find("trainer", "other")
    assert other.key_node.style == "+" and other.get("a").value == 0.5
    assert root.find("trainer", "text").value == "hello\n"


def test_what_is_computed_stays_unknown():
    trainer = read(CONFIG).get("trainer")
    assert trainer.get("comp").value == Unknown('{ [k]: 1 for k in ["a"] }')
    assert trainer.get("arr").value == Unknown("[x for x in [1]]")
    assert trainer.get("from_env").value == Unknown('std.parseJson(std.extVar("WD"))')
    assert trainer.get("calc").value == Unknown("lr * 2")
    assert unknown(trainer.get("calc")) and not unknown(trainer.get("text"))
    base = trainer.get("base")  # `$.x + {...}`: the literal object's fields, the rest is unknown
    assert base.style == "extends" and base.get("type").value == "adagrad"


def test_json_is_jsonnet_and_comments_are_kept_for_noqa():
    root = read('{"a": {"b": [1, 2.5, true, null, "s\\n\\u00e9"]}} // noqa: RL002\n# hash\n/* block */')
    assert [item.value for item in root.find("a", "b").value] == [1, 2.5, True, None, "s\né"]
    assert comments('{"a": 1} // noqa: RL002\n  # x\n/* b */') == [(1, 9, "#  noqa: RL002", False), (2, 2, "# x", True)]


def test_empty_text_and_verbatim_strings():
    assert read("").value == {} and read("  // nothing\n").value == {}
    assert read("{a: @'it''s', b: @\"c:\\d\"}").get("a").value == "it's"
    assert read("{a: @'it''s', b: @\"c:\\d\"}").get("b").value == "c:\\d"


def test_local_scopes_and_shadowing():
    root = read("local a = 1; { local a = 2, x: a, y: { local a = 3, z: a }, f(a): a }")
    assert root.get("x").value == 2 and root.find("y", "z").value == 3
    root = read("local f(x) = x; local g = f; { v: g }")
    assert unknown(root.get("v"))


@pytest.mark.parametrize("text, message, line, column", [
    ('{a: "x}', "jsonnet error: unterminated string", 1, 5),
    ("{a: 1", "jsonnet error: '{' is never closed", 1, 1),
    ("{a: 1]}", "jsonnet error: unexpected ']'", 1, 6),
    ("{a 1}", "jsonnet error: expected ':' after field 'a', found '1'", 1, 4),
    ("{a: }", "jsonnet error: expected a value", 1, 5),
    ("{a: 1} /* open", "jsonnet error: unterminated comment", 1, 8),
    ("{a: ?}", "jsonnet error: unexpected character '?'", 1, 5),
    ('{a: "\\q"}', "jsonnet error: invalid escape \\q", 1, 6),
    ("{a: |||\n  x\n}", "jsonnet error: unterminated text block", 1, 5),
    ("local a = 1 {}", "jsonnet error: expected ';' after a local", 1, 1),
    ("local = 1; {}", "jsonnet error: expected a name after 'local'", 1, 7),
    ("{1: 2}", "jsonnet error: expected a field name, found '1'", 1, 2),
    ('{"type": "adam" "lr": 1}', "jsonnet error: expected an operator or ',' before '\"lr\"'", 1, 17),
    ("{a: b: 1}", "jsonnet error: unexpected ':'", 1, 6),
])
def test_malformed_input_is_a_syntax_error_with_its_position(text, message, line, column):
    with pytest.raises(ConfigSyntaxError) as caught:
        read(text)
    assert (caught.value.message, caught.value.line, caught.value.column) == (message, line, column)


def test_deep_nesting_is_a_clean_error():
    with pytest.raises(ConfigSyntaxError) as caught:
        read("{a: " * 300 + "1" + "}" * 300)
    assert caught.value.message == "jsonnet error: nesting too deep"


_PIECES = st.sampled_from([
    "{", "}", "[", "]", "(", ")", ":", "::", "+:", ",", ";", " ", "\n", "a", "local", "for", "in", "=", "1",
    "-", "2.5e-4", '"s"', "'t'", '"', "'", "|||", "//c\n", "#c\n", "/*", "*/", "@", "$", "self", "+", "\\",
])


@settings(max_examples=400, deadline=None)
@given(st.lists(_PIECES, max_size=40).map("".join))
def test_fuzz_raises_only_syntax_errors(text):
    try:
        read(text)
        comments(text)
    except ConfigSyntaxError as error:
        assert error.line >= 1 and error.column >= 1
