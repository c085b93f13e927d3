"""The command line's contract (DESIGN §3): exit codes, flags, stdin, and every kind of bad
input with its exact one-line message — never a traceback.

Most tests run the real CLI as a subprocess (`python -m reglint`); unreadable files
and folders are tested as an unprivileged user when the tests run as root, since
root reads through `chmod 000`.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import pytest

from reglint import __version__, cli

from _cli import reglint as run

HAZARD = (
    "import torch\n"
    "\n"
    "model = torch.nn.Linear(4, 2)\n"
    "opt = torch.optim.Adam(model.parameters(), lr=1e-3, weight_decay=1e-4)\n"
)
FIXED = HAZARD.replace("torch.optim.Adam(", "torch.optim.AdamW(").replace("weight_decay=1e-4", "weight_decay=1e-2")  # RL002 starts AdamW at 1e-2
CLEAN = "import torch\n\nmodel = torch.nn.Linear(4, 2)\nopt = torch.optim.SGD(model.parameters(), lr=0.1)\n"
RL002 = (
    "RL002 `torch.optim.Adam` with weight_decay=0.0001 is a coupled L2 penalty, not weight decay"
)
# what makes a broken file reach the decoder and the parser: the words of an Adam + weight decay
VOCABULARY = "import torch\nopt = torch.optim.Adam(p, weight_decay=1e-4)\n"

def write(folder: Path, name: str, text) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)
    return path


CONCISE = ("--output-format", "concise")


# -- exit codes and flags ---------------------------------------------------------------------

def test_diagnostics_exit_1_and_clean_code_exits_0(work):
    write(work, "train.py", HAZARD)
    write(work, "clean.py", CLEAN)
    result = run(*CONCISE, ".", cwd=work)
    assert (result.returncode, result.stdout) == (1, f"train.py:4:53: {RL002}\n")
    assert result.stderr == "Found 1 diagnostic (1 hidden fix can be enabled with the `--unsafe-fixes` option).\n"
    result = run(*CONCISE, "clean.py", cwd=work)
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "All checks passed!\n")


def test_diff_with_only_unsafe_fixes_says_how_to_see_them(work):
    """Plain `--diff` with nothing safe to fix prints no diff; it says so, with ruff's
    hidden-fixes hint, instead of exiting 1 in silence (issue 14, item 4)."""
    write(work, "train.py", HAZARD)
    hint = "No fixes available (1 hidden fix can be enabled with the `--unsafe-fixes` option).\n"
    result = run(*CONCISE, "--diff", "train.py", cwd=work)
    assert (result.returncode, result.stdout, result.stderr) == (1, "", hint)
    result = run(*CONCISE, "--diff", "--stdin-filename", "train.py", cwd=work, stdin=HAZARD.encode())
    assert (result.returncode, result.stdout, result.stderr) == (1, "", hint)
    result = run(*CONCISE, "--diff", "--unsafe-fixes", "train.py", cwd=work)
    assert result.returncode == 1
    assert "+opt = torch.optim.AdamW(" in result.stdout
    assert result.stderr == "Would fix 1 diagnostic.\n"
    assert run(*CONCISE, "--diff", "-q", "train.py", cwd=work).stderr == ""
    write(work, "clean.py", CLEAN)
    assert run(*CONCISE, "--diff", "clean.py", cwd=work).stderr == ""


def test_check_subcommand_and_default_path_are_the_same_run(work):
    write(work, "train.py", HAZARD)
    plain = run(*CONCISE, cwd=work)
    assert plain.stdout == f"train.py:4:53: {RL002}\n"
    assert run("check", *CONCISE, cwd=work).stdout == plain.stdout
    assert run("check", *CONCISE, ".", cwd=work).stdout == plain.stdout


def test_exit_zero(work):
    write(work, "train.py", HAZARD)
    result = run(*CONCISE, "--exit-zero", "train.py", cwd=work)
    assert (result.returncode, result.stdout) == (0, f"train.py:4:53: {RL002}\n")


def test_quiet_prints_diagnostics_only(work):
    write(work, "train.py", HAZARD)
    result = run(*CONCISE, "-q", "train.py", cwd=work)
    assert (result.returncode, result.stdout, result.stderr) == (1, f"train.py:4:53: {RL002}\n", "")
    write(work, "clean.py", CLEAN)
    assert run(*CONCISE, "--quiet", "clean.py", cwd=work).stderr == ""


def test_no_cache_is_accepted(work):
    write(work, "train.py", HAZARD)
    assert run(*CONCISE, "--no-cache", "train.py", cwd=work).returncode == 1


def test_version(work):
    result = run("--version", cwd=work)
    assert (result.returncode, result.stdout, result.stderr) == (0, f"reglint {__version__}\n", "")


def test_rules_lists_every_rule(work):
    result = run("rules", cwd=work)
    assert result.returncode == 0
    line = next(line for line in result.stdout.splitlines() if line.startswith("RL002"))
    assert "l2-with-adaptive-optimizer" in line
    listed = json.loads(run("rules", "--output-format", "json", cwd=work).stdout)
    assert "RL002" in [rule["code"] for rule in listed]


@pytest.mark.parametrize("name", ["RL002", "rl002", "l2-with-adaptive-optimizer"])
def test_rule_prints_its_docs(work, name):
    result = run("rule", name, cwd=work)
    assert result.returncode == 0 and result.stderr == ""
    assert result.stdout.startswith("# l2-with-adaptive-optimizer (RL002)\n")
    for heading in ("## What it does", "## Why is this bad?", "## Example", "## Fix safety"):
        assert heading in result.stdout


def test_unknown_rule_is_one_line_and_exit_2(work):
    result = run("rule", "RL999", cwd=work)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr.startswith("reglint: error: unknown rule 'RL999'; known codes: RL001, RL002")
    assert result.stderr.count("\n") == 1


@pytest.mark.parametrize(
    "args, message",
    [
        (("--select", "RL999", "."), "reglint: error: --select: unknown rule code or prefix 'RL999' (see `reglint rules`)\n"),
        (("--ignore", "E501", "."), "reglint: error: --ignore: unknown rule code or prefix 'E501' (see `reglint rules`)\n"),
        (("--extend-select", "RL0,RLX", "."),
         "reglint: error: --extend-select: unknown rule code or prefix 'RLX' (see `reglint rules`)\n"),
        (("--bogus",), "reglint: error: unrecognized arguments: --bogus\n"),
        (("--output-format", "xml"), "reglint: error: argument --output-format: invalid choice: 'xml' (choose from "
                                     "'full', 'concise', 'json', 'json-lines', 'sarif', 'github')\n"),
        (("-", "a.py"), "reglint: error: reading stdin (`-` or --stdin-filename) cannot be combined with other paths\n"),
        (("--config", "nope.toml", "."), "reglint: error: cannot read config file nope.toml: No such file or directory\n"),
        (("rule",), "reglint: error: usage: reglint rule CODE (see `reglint rules`)\n"),
    ],
)
def test_usage_errors_are_one_line_and_exit_2(work, args, message):
    write(work, "train.py", HAZARD)
    result = run(*args, cwd=work)
    assert (result.returncode, result.stdout, result.stderr) == (2, "", message)


def test_select_and_ignore_from_the_command_line_override_the_config(work):
    write(work, "train.py", HAZARD)
    write(work, "pyproject.toml", "[tool.reglint]\nignore = ['RL002']\n")
    assert run(*CONCISE, "train.py", cwd=work).returncode == 0
    assert run(*CONCISE, "--select", "RL002", "train.py", cwd=work).returncode == 1
    assert run(*CONCISE, "--extend-select", "RL00", "train.py", cwd=work).returncode == 1
    write(work, "pyproject.toml", "[tool.reglint]\nselect = ['RL002']\n")
    assert run(*CONCISE, "--ignore", "RL002", "train.py", cwd=work).returncode == 0
    assert run(*CONCISE, "--select", "RL001", "train.py", cwd=work).returncode == 0


def test_per_file_ignores_from_the_config(work):
    write(work, "pyproject.toml", "[tool.reglint.per-file-ignores]\n\"legacy/*\" = [\"RL002\"]\n")
    write(work, "legacy/old/train.py", HAZARD)
    write(work, "train.py", HAZARD)
    result = run(*CONCISE, ".", cwd=work)
    assert result.stdout == f"train.py:4:53: {RL002}\n"


def test_config_exclude_and_gitignore_apply_to_folders_not_named_files(work):
    write(work, "pyproject.toml", "[tool.reglint]\nextend-exclude = [\"generated\"]\n")
    write(work, ".gitignore", "scratch/\n")
    write(work, "generated/train.py", HAZARD)
    write(work, "scratch/train.py", HAZARD)
    write(work, ".venv/lib/train.py", HAZARD)
    result = run(*CONCISE, ".", cwd=work)
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
    result = run(*CONCISE, "generated/train.py", "scratch/train.py", cwd=work)
    assert result.stdout == f"generated/train.py:4:53: {RL002}\nscratch/train.py:4:53: {RL002}\n"


def test_force_exclude_skips_excluded_files_that_are_named(work):
    """pre-commit names every staged file, fixtures with deliberate hazards included."""
    write(work, "pyproject.toml", "[tool.reglint]\nextend-exclude = [\"tests/fixtures\"]\n")
    write(work, "tests/fixtures/hazard.py", HAZARD)
    write(work, "train.py", HAZARD)
    named = ("tests/fixtures/hazard.py", "train.py")
    assert run(*CONCISE, *named, cwd=work).stdout.count("RL002") == 2
    assert run(*CONCISE, "--force-exclude", *named, cwd=work).stdout == f"train.py:4:53: {RL002}\n"
    result = run(*CONCISE, "--force-exclude", "tests/fixtures/hazard.py", cwd=work)
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
    write(work, "pyproject.toml", "[tool.reglint]\nextend-exclude = [\"tests/fixtures\"]\nforce-exclude = true\n")
    assert run(*CONCISE, *named, cwd=work).stdout == f"train.py:4:53: {RL002}\n"
    assert run(*CONCISE, "--no-force-exclude", *named, cwd=work).stdout.count("RL002") == 2


def test_force_exclude_with_stdin_gives_the_source_back_untouched(work):
    write(work, "pyproject.toml", "[tool.reglint]\nextend-exclude = [\"tests/fixtures\"]\n")
    name = "tests/fixtures/hazard.py"
    result = run(*CONCISE, "--force-exclude", "--stdin-filename", name, cwd=work, stdin=HAZARD.encode())
    assert (result.returncode, result.stdout) == (0, "")
    result = run(*CONCISE, "--force-exclude", "--fix", "--unsafe-fixes", "--stdin-filename", name, cwd=work,
                 stdin=HAZARD.encode())
    assert (result.returncode, result.stdout) == (0, HAZARD)


def test_a_fifo_named_py_does_not_block_the_run(work):
    write(work, "train.py", HAZARD)
    os.mkfifo(work / "pipe.py")
    result = run(*CONCISE, ".", cwd=work)
    assert (result.returncode, result.stdout) == (1, f"train.py:4:53: {RL002}\n")


def test_config_is_found_from_the_first_path(work, tmp_path):
    write(work, "pyproject.toml", "[tool.reglint]\nignore = ['RL002']\n")
    write(work, "pkg/train.py", HAZARD)
    outside = tmp_path / "outside"
    outside.mkdir()
    assert run(*CONCISE, str(work / "pkg"), cwd=outside).returncode == 0
    assert run(*CONCISE, "--config", str(work / "pyproject.toml"), str(work / "pkg"), cwd=outside).returncode == 0


# -- nothing to check -------------------------------------------------------------------------

def test_a_folder_without_python_files_exits_0_silently(work):
    write(work, "README.md", "# hi\n")
    for args in ((), (".",), ("check",)):
        result = run(*args, cwd=work)
        assert (result.returncode, result.stdout, result.stderr) == (0, "", ""), args


def test_an_empty_folder_exits_0_silently(work):
    (work / "empty").mkdir()
    result = run("empty", cwd=work)
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


def test_an_empty_file_passes(work):
    write(work, "empty.py", "")
    result = run(*CONCISE, "empty.py", cwd=work)
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "All checks passed!\n")


# -- standard input -----------------------------------------------------------------------------

def test_stdin_dash_reports_as_dash(work):
    result = run(*CONCISE, "-", cwd=work, stdin=HAZARD.encode())
    assert (result.returncode, result.stdout) == (1, f"-:4:53: {RL002}\n")


def test_stdin_filename_reports_under_that_name(work):
    result = run(*CONCISE, "--stdin-filename", "src/train.py", cwd=work, stdin=HAZARD.encode())
    assert (result.returncode, result.stdout) == (1, f"src/train.py:4:53: {RL002}\n")
    result = run(*CONCISE, "--stdin-filename", "src/train.py", "-", cwd=work, stdin=HAZARD.encode())
    assert result.stdout == f"src/train.py:4:53: {RL002}\n"


def test_stdin_filename_applies_its_per_file_ignores(work):
    write(work, "pyproject.toml", "[tool.reglint.per-file-ignores]\n\"tests/*\" = [\"RL002\"]\n")
    result = run(*CONCISE, "--stdin-filename", "tests/test_train.py", cwd=work, stdin=HAZARD.encode())
    assert (result.returncode, result.stdout) == (0, "")
    result = run(*CONCISE, "--stdin-filename", "src/train.py", cwd=work, stdin=HAZARD.encode())
    assert result.returncode == 1


def test_stdin_fix_prints_the_fixed_source_and_diagnostics_on_stderr(work):
    result = run(*CONCISE, "--stdin-filename", "train.py", "--fix", "--unsafe-fixes", cwd=work, stdin=HAZARD.encode())
    assert (result.returncode, result.stdout) == (0, FIXED)
    assert result.stderr == "Found 1 diagnostic (1 fixed, 0 remaining).\n"
    assert not (work / "train.py").exists()  # nothing is written


def test_stdin_fix_without_an_applicable_fix_echoes_the_source(work):
    result = run(*CONCISE, "--stdin-filename", "train.py", "--fix", cwd=work, stdin=HAZARD.encode())
    assert (result.returncode, result.stdout) == (1, HAZARD)
    assert result.stderr == f"train.py:4:53: {RL002}\nFound 1 diagnostic (1 hidden fix can be enabled with the `--unsafe-fixes` option).\n"


def test_stdin_syntax_error_is_rl000_under_the_name(work):
    result = run(*CONCISE, "--stdin-filename", "buf.py", cwd=work, stdin=(VOCABULARY + "def f(:\n").encode())
    assert (result.returncode, result.stdout) == (1, "buf.py:3:7: RL000 SyntaxError: invalid syntax\n")


# -- bad input: each a one-line RL000 diagnostic (exit 1) or error (exit 2), never a traceback ---

def test_syntax_error_is_rl000_at_the_parsers_position(work):
    write(work, "bad.py", "import torch\nopt = torch.optim.Adam(model.parameters(, weight_decay=1e-4)\n")
    result = run(*CONCISE, "bad.py", cwd=work)
    assert (result.returncode, result.stdout) == (1, "bad.py:2:41: RL000 SyntaxError: invalid syntax\n")
    item, = json.loads(run("--output-format", "json", "bad.py", cwd=work).stdout)
    assert (item["code"], item["location"], item["message"]) == (
        "RL000", {"row": 2, "column": 41}, "SyntaxError: invalid syntax")


def test_the_run_goes_on_after_a_bad_file(work):
    write(work, "a_bad.py", VOCABULARY + "def f(:\n")
    write(work, "b_train.py", HAZARD)
    result = run(*CONCISE, ".", cwd=work)
    assert result.stdout == f"a_bad.py:3:7: RL000 SyntaxError: invalid syntax\nb_train.py:4:53: {RL002}\n"
    assert result.returncode == 1


def test_non_utf8_without_a_cookie_is_rl000(work):
    write(work, "latin.py", b"import torch\nx = 'caf\xe9'\nopt = torch.optim.Adam(p, weight_decay=1e-4)\n")
    result = run(*CONCISE, "latin.py", cwd=work)
    assert result.returncode == 1
    assert result.stdout == (
        "latin.py:1:1: RL000 cannot decode as utf-8: 'utf-8' codec can't decode byte 0xe9 in position 21: "
        "invalid continuation byte\n")


def test_latin1_with_a_cookie_is_fine(work):
    write(work, "latin.py", b"# -*- coding: latin-1 -*-\n" + HAZARD.encode() + b"x = 'caf\xe9'\n")
    result = run(*CONCISE, "latin.py", cwd=work)
    assert (result.returncode, result.stdout) == (1, f"latin.py:5:53: {RL002}\n")


def test_binary_file_named_py_is_rl000(work):
    write(work, "blob.py", b"\x7fELF\x02\x01\x00\x00" + VOCABULARY.encode() + b"\x00\xff\xfe")
    result = run(*CONCISE, "blob.py", cwd=work)
    assert (result.returncode, result.stdout) == (1, "blob.py:1:1: RL000 binary file (contains NUL bytes), not Python source\n")


def test_missing_path_is_rl000_and_exit_1(work):
    write(work, "train.py", HAZARD)
    result = run(*CONCISE, "missing.py", "train.py", cwd=work)
    assert result.returncode == 1
    assert result.stdout == f"missing.py:1:1: RL000 cannot read: No such file or directory\ntrain.py:4:53: {RL002}\n"
    result = run(*CONCISE, "no/such/folder", cwd=work)
    assert (result.returncode, result.stdout) == (1, "no/such/folder:1:1: RL000 cannot read: No such file or directory\n")


def test_broken_pyproject_is_one_line_and_exit_2(work):
    write(work, "pyproject.toml", "[tool.reglint]\nselect = = 1\n")
    write(work, "train.py", HAZARD)
    result = run("train.py", cwd=work)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == f"reglint: error: {work / 'pyproject.toml'}: invalid TOML: Invalid value (at line 2, column 10)\n"


@pytest.mark.parametrize(
    "table, message",
    [
        ("select = 'RL002'", "[tool.reglint] select: expected a list of strings, got a string"),
        ("fix = 1", "[tool.reglint] fix: expected true or false, got an integer"),
        ("extend-exclude = [1, 2]", "[tool.reglint] extend-exclude: expected a list of strings, got a list containing an integer"),
        ("per-file-ignores = 'x'", "[tool.reglint] per-file-ignores: expected a table of \"glob\" = [\"RL001\", ...], got a string"),
        ("output-format = 'xml'", "[tool.reglint] output-format: expected one of full, concise, json, json-lines, sarif, github, got 'xml'"),
        ("slect = ['RL002']", "[tool.reglint] unknown key 'slect' (did you mean 'select'?)"),
        ("select = ['RL999']", "[tool.reglint] select: unknown rule code or prefix 'RL999' (see `reglint rules`)"),
        ("per-file-ignores = {'a.py' = ['XX1']}", "[tool.reglint] per-file-ignores 'a.py': unknown rule code or prefix 'XX1' (see `reglint rules`)"),
    ],
)
def test_bad_config_values_are_one_line_naming_the_key_and_exit_2(work, table, message):
    write(work, "pyproject.toml", f"[tool.reglint]\n{table}\n")
    write(work, "train.py", HAZARD)
    result = run("train.py", cwd=work)
    assert (result.returncode, result.stdout, result.stderr) == (2, "", f"reglint: error: {work / 'pyproject.toml'}: {message}\n")


def test_symlink_loops_do_not_hang(work):
    write(work, "pkg/train.py", HAZARD)
    os.symlink("..", work / "pkg" / "up")
    os.symlink("self.py", work / "pkg" / "self.py")
    result = run(*CONCISE, ".", cwd=work)
    assert result.returncode == 1
    assert result.stdout == (
        "pkg/self.py:1:1: RL000 cannot read file: Too many levels of symbolic links\n"
        f"pkg/train.py:4:53: {RL002}\n")


def test_a_file_name_that_is_not_utf8_is_printed_as_its_bytes(work):
    name = os.fsdecode(b"caf\xe9.py")
    write(work, name, HAZARD)
    result = run(*CONCISE, ".", cwd=work)
    assert (result.returncode, result.stdout) == (1, f"{name}:4:53: {RL002}\n")


# -- unreadable files and folders (as an unprivileged user: root reads through chmod 000) -------

@pytest.fixture
def shared():
    """A folder an unprivileged user can reach (pytest's tmp_path is private to root)."""
    folder = Path(tempfile.mkdtemp(prefix="reglint-cli-"))
    folder.chmod(0o755)
    (folder / "pyproject.toml").write_text("[tool.reglint]\n")
    yield folder
    for path in folder.rglob("*"):
        if path.is_dir() and not path.is_symlink():
            path.chmod(0o755)
    import shutil

    shutil.rmtree(folder)


def readable_by_all(folder: Path, *names: str, text: str = HAZARD) -> None:
    for name in names:
        path = write(folder, name, text)
        path.chmod(0o644)
        for parent in path.relative_to(folder).parents:
            (folder / parent).chmod(0o755)


def test_unreadable_folder_is_rl000_and_the_run_goes_on(shared):
    readable_by_all(shared, "locked/train.py", "train.py")
    (shared / "locked").chmod(0o000)
    result = run(*CONCISE, ".", cwd=shared, unprivileged=True)
    assert result.returncode == 1
    assert result.stdout == f"locked:1:1: RL000 cannot read directory: Permission denied\ntrain.py:4:53: {RL002}\n"
    result = run(*CONCISE, "locked", cwd=shared, unprivileged=True)
    assert (result.returncode, result.stdout) == (1, "locked:1:1: RL000 cannot read directory: Permission denied\n")


def test_unreadable_file_is_rl000_and_the_run_goes_on(shared):
    readable_by_all(shared, "secret.py", "train.py")
    (shared / "secret.py").chmod(0o000)
    result = run(*CONCISE, ".", cwd=shared, unprivileged=True)
    assert result.returncode == 1
    assert result.stdout == f"secret.py:1:1: RL000 cannot read file: Permission denied\ntrain.py:4:53: {RL002}\n"
    result = run(*CONCISE, "secret.py", cwd=shared, unprivileged=True)
    assert (result.returncode, result.stdout) == (1, "secret.py:1:1: RL000 cannot read file: Permission denied\n")


def test_unreadable_pyproject_is_skipped_while_searching(shared):
    readable_by_all(shared, "pkg/train.py")
    (shared / "pkg" / "pyproject.toml").write_text("[tool.reglint]\nignore = ['RL002']\n")
    (shared / "pkg" / "pyproject.toml").chmod(0o000)
    result = run(*CONCISE, "pkg", cwd=shared, unprivileged=True)
    assert (result.returncode, result.stdout) == (1, f"pkg/train.py:4:53: {RL002}\n")


def test_unreadable_config_option_is_one_line_and_exit_2(shared):
    readable_by_all(shared, "train.py")
    (shared / "conf.toml").write_text("select = ['RL002']\n")
    (shared / "conf.toml").chmod(0o000)
    result = run("--config", "conf.toml", "train.py", cwd=shared, unprivileged=True)
    assert (result.returncode, result.stdout, result.stderr) == (
        2, "", "reglint: error: cannot read config file conf.toml: Permission denied\n")


def test_the_unprivileged_helper_really_is_unprivileged(shared):
    """Guards the tests above: as root they would pass vacuously if privileges were not dropped."""
    readable_by_all(shared, "train.py")
    (shared / "train.py").chmod(0o000)
    result = run(*CONCISE, "train.py", cwd=shared, unprivileged=True)
    assert "Permission denied" in result.stdout


# -- in process -------------------------------------------------------------------------------------

def test_main_in_process_returns_the_exit_code(work, monkeypatch, capsys):
    monkeypatch.chdir(work)
    write(work, "train.py", HAZARD)
    assert cli.main([*CONCISE, "train.py"]) == 1
    assert capsys.readouterr().out == f"train.py:4:53: {RL002}\n"
    assert cli.main([*CONCISE, "--select", "NOPE", "train.py"]) == 2
    assert capsys.readouterr().err == "reglint: error: --select: unknown rule code or prefix 'NOPE' (see `reglint rules`)\n"



def test_a_folder_without_python_files_still_writes_an_empty_machine_report(work):
    """Silent for people (above), but a program parsing `--output-format json` must get `[]`,
    not an empty stdout, and SARIF a run with no results."""
    (work / "empty").mkdir()
    result = run("check", "empty", "--output-format", "json", cwd=work)
    assert (result.returncode, json.loads(result.stdout), result.stderr) == (0, [], "")
    sarif = json.loads(run("check", "empty", "--output-format", "sarif", cwd=work).stdout)
    assert sarif["runs"][0]["results"] == []
