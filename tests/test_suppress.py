"""`# noqa`, `# reglint: ignore[...]` and file-level `# reglint: noqa`, tested on reglint.suppress directly."""

from __future__ import annotations

import pytest

from reglint.diagnostic import Diagnostic, Position
from reglint.suppress import ALL, scan, filter_diagnostics


def diag(code: str, line: int) -> Diagnostic:
    return Diagnostic(code, "name", "message", "x.py", Position(line, 1), Position(line, 2))


def silenced(source: str, code: str, line: int) -> bool:
    return scan(source).silences(code, line)


@pytest.mark.parametrize(
    "comment, code, expected",
    [
        ("# noqa", "RL002", True),
        ("#noqa", "RL002", True),
        ("# NOQA", "RL002", True),
        ("# noqa: RL002", "RL002", True),
        ("# noqa:RL002", "RL002", True),
        ("# noqa: rl002", "RL002", True),
        ("# noqa: RL001,RL002", "RL002", True),
        ("# noqa: RL001, RL002", "RL002", True),
        ("# noqa: RL001 RL002", "RL002", True),
        ("# noqa: RL001", "RL002", False),
        ("# noqa: E501", "RL002", False),  # another tool's code silences nothing of ours
        ("# noqa: E501, RL002", "RL002", True),
        ("# noqa: RL002 -- tuned on purpose", "RL002", True),
        ("# type: ignore  # noqa: RL002", "RL002", True),
        ("# noqanything", "RL002", False),
        ("# not a noqa comment", "RL002", False),
        ("# reglint: ignore[RL002]", "RL002", True),
        ("# reglint: ignore[RL001, RL002]", "RL002", True),
        ("# reglint:ignore[rl002]", "RL002", True),
        ("# reglint: ignore[RL001]", "RL002", False),
        ("# reglint: ignore", "RL002", True),
        ("# reglint: ignore[]", "RL002", False),
        ("# noqa: RL001  # reglint: ignore[RL002]", "RL002", True),
        ("# noqa: RL001  # reglint: ignore[RL003]", "RL002", False),
    ],
)
def test_line_comments(comment, code, expected):
    source = f"x = 1\nopt = Adam(p, weight_decay=1e-4)  {comment}\ny = 2\n"
    assert silenced(source, code, 2) is expected
    assert not silenced(source, code, 1) and not silenced(source, code, 3)


def test_noqa_inside_a_string_literal_does_not_count():
    source = (
        'a = "# noqa"\n'
        "b = '# reglint: ignore[RL002]'\n"
        'c = """\n# noqa\n# reglint: noqa\n"""\n'
        "d = f'{x} # noqa: RL002'\n"
    )
    found = scan(source)
    assert found.by_line == {}
    assert found.whole_file == frozenset()


def test_file_level_noqa_on_its_own_line_silences_everything():
    source = "import torch\n# reglint: noqa\nopt = Adam(p, weight_decay=1e-4)\n"
    found = scan(source)
    assert found.whole_file is ALL
    assert found.silences("RL002", 3) and found.silences("RL001", 99)


def test_file_level_noqa_with_codes_silences_only_those():
    source = "    # reglint: noqa: RL002\nopt = Adam(p, weight_decay=1e-4)\n"
    found = scan(source)
    assert found.silences("RL002", 2)
    assert not found.silences("RL001", 2)


def test_file_level_noqa_after_code_is_kept_to_its_line():
    source = "opt = Adam(p, weight_decay=1e-4)  # reglint: noqa\nother = Adam(q, weight_decay=1e-4)\n"
    found = scan(source)
    assert found.silences("RL002", 1)
    assert not found.silences("RL002", 2)


def test_no_comment_no_work():
    assert scan("x = 1\n").by_line == {}


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_line_numbers_follow_every_line_ending(newline):
    source = newline.join(["x = 1", "y = 2", "opt = Adam(p, weight_decay=1e-4)  # noqa: RL002", ""])
    assert scan(source).by_line == {3: frozenset({"RL002"})}


def test_comments_before_a_tokenize_failure_still_count():
    source = "opt = Adam(p, weight_decay=1e-4)  # noqa: RL002\nx = '''never closed\n"
    assert scan(source).by_line == {1: frozenset({"RL002"})}


def test_noqa_on_a_continuation_line_applies_to_that_line():
    source = "opt = Adam(\n    p,\n    weight_decay=1e-4,  # noqa: RL002\n)\n"
    found = scan(source)
    assert found.silences("RL002", 3)
    assert not found.silences("RL002", 1)


def test_filter_diagnostics_keeps_what_is_not_silenced():
    source = "a = 1  # noqa: RL002\nb = 2  # noqa\nc = 3\n"
    kept = filter_diagnostics([diag("RL002", 1), diag("RL001", 1), diag("RL003", 2), diag("RL002", 3)], source)
    assert [(d.code, d.start.line) for d in kept] == [("RL001", 1), ("RL002", 3)]


def test_filter_diagnostics_with_nothing_to_filter():
    assert filter_diagnostics([], "x = 1  # noqa\n") == []


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_only_a_directive_on_a_diagnostics_line_or_a_reglint_comment_makes_the_filter_tokenize(monkeypatch, newline):
    """A large file's `# noqa: E402` lines far from every diagnostic: nothing can be
    silenced, so the file is not tokenized (0.4 s for 2 MB); a `noqa` on a diagnostic's
    line, or any `reglint:` comment (file-wide directives), still is, with every line ending."""
    from reglint import suppress

    tokenized = []
    original = suppress._comment_tokens
    monkeypatch.setattr(suppress, "_comment_tokens", lambda source: tokenized.append(1) or original(source))
    far = newline.join(["import os  # noqa: E402", "opt = Adam(p, weight_decay=1e-4)", ""])
    assert filter_diagnostics([diag("RL002", 2)], far) == [diag("RL002", 2)] and not tokenized
    near = newline.join(["import os", "opt = Adam(p, weight_decay=1e-4)  # NOQA: RL002", ""])
    assert filter_diagnostics([diag("RL002", 2)], near) == [] and tokenized == [1]
    whole = newline.join(["# reglint: noqa", "opt = Adam(p, weight_decay=1e-4)", ""])
    assert filter_diagnostics([diag("RL002", 2)], whole) == [] and tokenized == [1, 1]
    quoted = newline.join(["import os", 'opt = Adam(p, weight_decay=1e-4, name="# noqa")', ""])
    assert filter_diagnostics([diag("RL002", 2)], quoted) == [diag("RL002", 2)] and tokenized == [1, 1, 1]
