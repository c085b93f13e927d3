"""Gradual adoption: `reglint check --add-noqa`, and RL100 `unused-noqa` with its safe fix.

RL100 is tested through the engine (what a run with the rule selected reports and
fixes) and end to end through the CLI; --add-noqa through the CLI on real files,
notebooks included, and then checked again: what it added must silence exactly what
was there, so RL100 must find nothing to remove.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import nbformat
import pytest

from reglint.config import Settings
from reglint.engine import Plan
from reglint.runner import check_bytes

from _cli import reglint

ADAM = "opt = torch.optim.Adam(model.parameters(), lr=1e-3, weight_decay=1e-4)"
ADAMW = "opt = torch.optim.AdamW(model.parameters(), weight_decay=0.05)"
HEAD = "import torch\nmodel = torch.nn.Linear(4, 2)\n"


def plan(*codes: str) -> Plan:
    return Plan.build(Settings(select=codes or ("RL001", "RL002", "RL003", "RL100")))


def found(source: str, *codes: str):
    result = check_bytes("t.py", source.encode(), plan(*codes))
    return [(d.start.line, d.start.column, d.code, d.message) for d in result.diagnostics]


def fixed(source: str, *codes: str) -> str:
    result = check_bytes("t.py", source.encode(), plan(*codes), fix=True)
    return result.fixed.decode() if result.fixed is not None else source


# -- RL100: what is reported --------------------------------------------------------------

def test_a_used_directive_is_not_reported():
    assert found(HEAD + ADAM + "  # noqa: RL002\n") == []
    assert found(HEAD + ADAM + "  # reglint: ignore[RL002]\n") == []
    assert found("# reglint: noqa: RL002\n" + HEAD + ADAM + "\n") == []


def test_an_unused_directive_is_reported_at_the_directive():
    source = HEAD + ADAMW + "  # noqa: RL002\n"
    column = source.splitlines()[2].index("# noqa") + 1
    assert found(source) == [(3, column, "RL100", "Unused `noqa` directive (unused: `RL002`)")]


def test_rl100_is_opt_in():
    default = Plan.build(Settings())
    assert "RL100" not in [rule.code for rule in default.rules]
    assert check_bytes("t.py", (HEAD + ADAMW + "  # noqa: RL002\n").encode(), default).diagnostics == []


@pytest.mark.parametrize("comment", ["# noqa", "# noqa: E501", "# noqa: E501, W291", "# NOQA:E501", "# type: ignore"])
def test_other_tools_directives_are_never_judged(comment):
    assert found(f"{HEAD}{ADAMW}  {comment}\n") == []


def test_unknown_rl_codes_are_reported():
    source = HEAD + ADAMW + "  # noqa: RL0002, RL999\n"
    assert [m for *_, m in found(source)] == ["Unused `noqa` directive (unknown: `RL0002`, `RL999`)"]


def test_codes_of_rules_that_did_not_run_are_not_judged():
    source = HEAD + ADAMW + "  # noqa: RL001, RL003\n"
    assert found(source, "RL002", "RL100") == []
    assert [m for *_, m in found(source, "RL001", "RL100")] == ["Unused `noqa` directive (unused: `RL001`)"]


def test_bare_reglint_directives_are_ours_and_judged():
    assert [m for *_, m in found(HEAD + ADAMW + "  # reglint: ignore\n")] == [
        "Unused `reglint: ignore` directive (it silences nothing)"]
    assert [m for *_, m in found("# reglint: noqa\n" + HEAD + ADAMW + "\n")] == [
        "Unused `reglint: noqa` directive (it silences nothing)"]
    assert found(HEAD + ADAM + "  # reglint: ignore\n") == []
    assert found("# reglint: noqa\n" + HEAD + ADAM + "\n") == []


def test_file_level_codes_are_judged_over_the_whole_file():
    assert [(line, m) for line, _, _, m in found("# reglint: noqa: RL001, RL002\n" + HEAD + ADAM + "\n")] == [
        (1, "Unused `reglint: noqa` directive (unused: `RL001`)")]


def test_a_line_directive_is_credited_before_a_file_level_one():
    source = "# reglint: noqa: RL002\n" + HEAD + ADAM + "  # noqa: RL002\n"
    assert [(line, m) for line, _, _, m in found(source)] == [(1, "Unused `reglint: noqa` directive (unused: `RL002`)")]


def test_rl100_can_itself_be_silenced():
    assert found(HEAD + ADAMW + "  # noqa: RL002, RL100\n") == []
    assert found(HEAD + ADAMW + "  # reglint: ignore[RL002]  # noqa\n") == []
    assert found("# reglint: noqa: RL100\n" + HEAD + ADAMW + "  # noqa: RL002\n") == []


def test_noqa_in_a_string_is_not_a_directive():
    assert found(HEAD + 'x = "# noqa: RL002"\n' + ADAMW + "\n") == []


# -- RL100: the fix ------------------------------------------------------------------------

@pytest.mark.parametrize(
    "line, expected",
    [
        (ADAMW + "  # noqa: RL002", ADAMW),
        (ADAMW + "  # noqa: E501, RL002", ADAMW + "  # noqa: E501"),
        (ADAMW + "  # noqa: RL001,RL002,E501", ADAMW + "  # noqa: E501"),
        (ADAMW + "  # noqa: RL002  # why this is fine", ADAMW + "  # why this is fine"),
        (ADAMW + "  # type: ignore  # noqa: RL002", ADAMW + "  # type: ignore"),
        (ADAMW + "  # noqa: RL002 -- tuned on purpose", ADAMW + "  # -- tuned on purpose"),
        (ADAMW + "  # reglint: ignore[RL001, RL002]", ADAMW),
        (ADAMW + "  # noqa: RL001  # reglint: ignore[RL003]", ADAMW),
        (ADAMW + "\t# reglint: ignore", ADAMW),
    ],
)
def test_the_fix_removes_only_what_is_unused(line, expected):
    assert fixed(f"{HEAD}{line}\n") == f"{HEAD}{expected}\n"


def test_a_removal_that_would_silence_more_is_left_to_the_user():
    """Only the first `# noqa` of a comment counts: dropping it would let the bare one silence RL002."""
    source = HEAD + ADAM + "  # noqa: RL999  # noqa\n"
    result = check_bytes("t.py", source.encode(), plan(), fix=True)
    (diagnostic,) = [d for d in result.diagnostics if d.code == "RL100"]
    assert diagnostic.fix.applicability.value == "display-only" and not diagnostic.fix.edits
    assert [d.code for d in result.diagnostics] == ["RL002", "RL100"] and result.fixed is None


def test_the_fix_keeps_used_codes():
    source = HEAD + ADAM + "  # noqa: RL001, RL002\n"
    assert fixed(source) == HEAD + ADAM + "  # noqa: RL002\n"


def test_a_directive_alone_on_its_line_goes_with_its_line():
    assert fixed(HEAD + "# noqa: RL002\n" + ADAMW + "\n") == HEAD + ADAMW + "\n"
    assert fixed(HEAD + ADAMW + "\n    # noqa: RL002") == HEAD + ADAMW + "\n"  # the last line, no newline
    assert fixed("# reglint: noqa: RL003\n" + HEAD + ADAMW + "\n") == HEAD + ADAMW + "\n"


def test_crlf_line_endings_are_kept():
    source = (HEAD + ADAMW + "  # noqa: RL002\n" + "x = 1\n").replace("\n", "\r\n")
    assert fixed(source) == (HEAD + ADAMW + "\n" + "x = 1\n").replace("\n", "\r\n")


def test_the_fix_is_safe_and_idempotent():
    result = check_bytes("t.py", (HEAD + ADAMW + "  # noqa: RL002\n").encode(), plan())
    (diagnostic,) = result.diagnostics
    assert diagnostic.fix.applicability.value == "safe"
    once = fixed(HEAD + ADAMW + "  # noqa: E501, RL002\n")
    assert fixed(once) == once and found(once) == []


# -- the CLI -----------------------------------------------------------------------------

def run(*args: str, cwd: Path, stdin: bytes = b"") -> subprocess.CompletedProcess:
    return reglint(*args, cwd=cwd, stdin=stdin)


def test_cli_fix_removes_unused_directives(work):
    (work / "t.py").write_text(HEAD + ADAMW + "  # noqa: E501, RL002\n")
    result = run("check", "--output-format", "concise", "--extend-select", "RL100", "--fix", "t.py", cwd=work)
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "Found 1 diagnostic (1 fixed, 0 remaining).\n")
    assert (work / "t.py").read_text() == HEAD + ADAMW + "  # noqa: E501\n"


def test_cli_stdin_fix_prints_the_fixed_source_and_diagnostics_on_stderr(work):
    """The editor contract: fixed buffer on stdout, what remains on stderr."""
    source = HEAD + ADAM + "\n" + ADAMW.replace("opt =", "opt2 =") + "  # noqa: RL002\n"
    result = run("check", "--output-format", "concise", "--extend-select", "RL100", "--fix",
                 "--stdin-filename", "train.py", cwd=work, stdin=source.encode())
    assert result.returncode == 1
    assert result.stdout == HEAD + ADAM + "\n" + ADAMW.replace("opt =", "opt2 =") + "\n"
    lines = result.stderr.splitlines()
    assert lines[0].startswith("train.py:3:53: RL002 ") and lines[1] == (
        "Found 2 diagnostics (1 fixed, 1 remaining; 1 hidden fix can be enabled with the `--unsafe-fixes` option).")


def test_add_noqa_silences_everything_once(work):
    source = (
        HEAD
        + ADAM + "  # noqa: E501\n"
        + ADAM.replace("opt =", "opt2 =") + "  # type: ignore\n"
        + ADAM.replace("opt =", "opt3 =") + "  # reglint: ignore[RL001]\n"
        + ADAM.replace("opt =", "opt4 =") + "\n"
    )
    (work / "train.py").write_text(source)
    (work / "clean.py").write_text(HEAD + ADAMW + "\n")
    result = run("check", "--add-noqa", ".", cwd=work)
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "Added 4 noqa directives.\n")
    assert (work / "train.py").read_text() == (
        HEAD
        + ADAM + "  # noqa: E501, RL002\n"
        + ADAM.replace("opt =", "opt2 =") + "  # type: ignore  # noqa: RL002\n"
        + ADAM.replace("opt =", "opt3 =") + "  # reglint: ignore[RL001, RL002]\n"
        + ADAM.replace("opt =", "opt4 =") + "  # noqa: RL002\n"
    )
    assert (work / "clean.py").read_text() == HEAD + ADAMW + "\n"
    again = run("check", "--add-noqa", ".", cwd=work)
    assert (again.returncode, again.stderr) == (0, "Added 0 noqa directives.\n")
    assert run("check", ".", cwd=work).returncode == 0
    # what was added is all used: only the pre-existing unused RL001 is left for RL100
    result = run("check", "--output-format", "concise", "--extend-select", "RL100", ".", cwd=work)
    assert [line.split(": ", 1)[1] for line in result.stdout.splitlines()] == [
        "RL100 [*] Unused `reglint: ignore` directive (unused: `RL001`)"]


def test_add_noqa_lists_codes_once_sorted_and_keeps_crlf(work):
    source = (HEAD + "WEIGHT_DECAY = 5e-4\n"
              "from tensorflow import keras\n"
              "layer = keras.layers.Dense(4, kernel_regularizer=keras.regularizers.l2(WEIGHT_DECAY)); "
              "layer2 = keras.layers.Dense(4, kernel_regularizer=keras.regularizers.l2(WEIGHT_DECAY))\n")
    (work / "k.py").write_bytes(source.replace("\n", "\r\n").encode())
    before = run("check", "--output-format", "json", "k.py", cwd=work)
    codes = sorted({d["code"] for d in json.loads(before.stdout) if d["location"]["row"] == 5})
    assert codes and before.returncode == 1
    result = run("check", "--add-noqa", "k.py", cwd=work)
    assert result.stderr == "Added 1 noqa directive.\n"
    text = (work / "k.py").read_bytes().decode()
    assert text.count("\r\n") == source.count("\n") and "\n" not in text.replace("\r\n", "")
    assert text.splitlines()[4].endswith("  # noqa: " + ", ".join(codes))
    assert run("check", "k.py", cwd=work).returncode == 0


def test_add_noqa_leaves_what_a_comment_cannot_silence(work):
    (work / "in_string.py").write_text(HEAD + ADAM[:-1] + ', foreach=None if """a\nb""" else None)\n')
    (work / "backslash.py").write_text(HEAD + ADAM + " \\\n    if True else None\n")
    (work / "broken.py").write_text(HEAD + ADAM + "\ndef f(:\n")
    result = run("check", "--add-noqa", "--output-format", "concise", ".", cwd=work)
    assert result.returncode == 1
    assert result.stderr.splitlines()[0] == "Added 0 noqa directives."
    assert [line.split(": ")[1].split()[0] for line in result.stdout.splitlines()] == ["RL002", "RL000", "RL002"]
    assert [line.split(":")[0] for line in result.stdout.splitlines()] == ["backslash.py", "broken.py", "in_string.py"]
    assert "noqa" not in (work / "in_string.py").read_text() + (work / "backslash.py").read_text()


@pytest.mark.parametrize("args, message", [
    (("--add-noqa", "-"), "--add-noqa edits files in place and cannot read stdin"),
    (("--add-noqa", "--stdin-filename", "a.py"), "--add-noqa edits files in place and cannot read stdin"),
    (("--add-noqa", "--fix", "."), "--add-noqa cannot be combined with --fix or --diff"),
    (("--add-noqa", "--diff", "."), "--add-noqa cannot be combined with --fix or --diff"),
])
def test_add_noqa_usage_errors(work, args, message):
    result = run("check", *args, cwd=work)
    assert (result.returncode, result.stdout, result.stderr) == (2, "", f"reglint: error: {message}\n")


def test_add_noqa_in_a_notebook(work):
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_code_cell("%matplotlib inline\n" + HEAD.rstrip("\n")),
        nbformat.v4.new_markdown_cell("Adam, with weight decay"),
        nbformat.v4.new_code_cell(ADAM + "\n!nvidia-smi"),
    ]
    notebook.cells[2].outputs = [nbformat.v4.new_output("stream", text="GPU 0\n")]
    nbformat.write(notebook, str(work / "nb.ipynb"))
    before = (work / "nb.ipynb").read_text()
    result = run("check", "--add-noqa", "nb.ipynb", cwd=work)
    assert (result.returncode, result.stderr) == (0, "Added 1 noqa directive.\n")
    after = nbformat.read(str(work / "nb.ipynb"), as_version=4)
    nbformat.validate(after)
    assert after.cells[2].source == ADAM + "  # noqa: RL002\n!nvidia-smi"
    assert after.cells[2].outputs == notebook.cells[2].outputs
    changed = [line for line in zip(before.splitlines(), (work / "nb.ipynb").read_text().splitlines()) if line[0] != line[1]]
    assert len(changed) == 1  # one line of the JSON: that cell's first source line
    assert run("check", "--extend-select", "RL100", "nb.ipynb", cwd=work).returncode == 0


# -- any mix of directives: the fix converges and leaves nothing unused -----------------------------

from hypothesis import given, settings as hypothesis_settings, strategies as st  # noqa: E402

COMMENTS = ["# noqa", "# noqa: RL002", "# noqa: RL001", "# noqa: E501, RL002", "# reglint: ignore",
            "# reglint: ignore[RL002, RL003]", "# type: ignore", "# why", "# noqa: RL999", "# reglint: noqa",
            "# reglint: noqa: RL001", "# noqa:RL001,RL002 -- x", "# noqa: RL002, RL100"]
LINE = st.tuples(st.sampled_from([ADAM, ADAMW, "x = 1", ""]), st.lists(st.sampled_from(COMMENTS), max_size=3))


@hypothesis_settings(max_examples=200, deadline=None)
@given(st.lists(LINE, min_size=1, max_size=5), st.sampled_from(["\n", "\r\n", ""]))
def test_fixing_any_directives_converges(lines, ending):
    body = ["  ".join(filter(None, [code, "  ".join(comments)])) for code, comments in lines]
    source = HEAD + "\n".join(body) + ending
    before = check_bytes("t.py", source.encode(), plan())
    result = check_bytes("t.py", source.encode(), plan(), fix=True)
    if result.fixed is None:
        assert all(not d.fix.edits for d in before.diagnostics if d.code == "RL100")
        return
    text = result.fixed.decode()
    compile(text, "t.py", "exec")
    again = check_bytes("t.py", result.fixed, plan(), fix=True)
    assert again.fixed is None
    assert all(not d.fix.edits for d in again.diagnostics if d.code == "RL100")  # only the by-hand ones remain
    # the fixes silence nothing new and un-silence nothing
    assert sorted(d.code for d in again.diagnostics if d.code != "RL100") == sorted(
        d.code for d in before.diagnostics if d.code != "RL100")
