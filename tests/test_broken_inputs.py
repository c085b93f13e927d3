"""Broken inputs are never "All checks passed!" (issue 14, item 6).

A file named on the command line (as pre-commit and editors name them), stdin, and
every notebook are read enough to report RL000 when they are not Python source, even
when no rule's words occur in them; a folder walk still skips vocabulary-free files
unparsed (README, "What gets parsed").
"""

from __future__ import annotations

import json
from pathlib import Path

from _cli import reglint

CONCISE = ("--output-format", "concise")
BROKEN = "def f(:\n    pass\n"  # no ML vocabulary at all
SYNTAX = "RL000 SyntaxError: invalid syntax"


def run(*args: str, cwd: Path, stdin: bytes = b""):
    return reglint("--no-cache", *CONCISE, *args, cwd=cwd, stdin=stdin)


def notebook(*sources: str) -> str:
    cells = [{"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [], "source": source}
             for source in sources]
    return json.dumps({"cells": cells, "metadata": {"kernelspec": {"name": "python3", "language": "python",
                                                                     "display_name": "Python 3"}},
                       "nbformat": 4, "nbformat_minor": 5}, indent=1) + "\n"


def test_a_named_file_with_a_syntax_error_and_no_vocabulary_is_rl000(work):
    (work / "broken.py").write_text(BROKEN)
    result = run("broken.py", cwd=work)
    assert (result.returncode, result.stdout, result.stderr) == (1, f"broken.py:1:7: {SYNTAX}\n", "Found 1 diagnostic.\n")
    walked = run(".", cwd=work)  # a folder walk does not parse vocabulary-free files (documented)
    assert (walked.returncode, walked.stdout, walked.stderr) == (0, "", "All checks passed!\n")


def test_a_named_binary_file_is_rl000(work):
    (work / "x.py").write_bytes(b"x = 1\n\x00\x01\x02\xff")
    (work / "latin.py").write_bytes(b"name = '\xe9'\n")  # not UTF-8, no cookie
    result = run("x.py", "latin.py", cwd=work)
    assert result.returncode == 1
    assert result.stdout == (
        "latin.py:1:1: RL000 invalid or missing encoding declaration\n"
        "x.py:1:1: RL000 binary file (contains NUL bytes), not Python source\n")


def test_stdin_with_a_syntax_error_is_rl000(work):
    result = run("--stdin-filename", "buffer.py", cwd=work, stdin=BROKEN.encode())
    assert (result.returncode, result.stdout) == (1, f"buffer.py:1:7: {SYNTAX}\n")


def test_broken_notebooks_are_rl000_even_in_a_folder_walk(work):
    text = notebook("import json\n", "x = 1\n")
    (work / "truncated.ipynb").write_text(text[: len(text) // 2])
    (work / "cell.ipynb").write_text(notebook("x = 1\n", BROKEN))
    result = run(".", cwd=work)
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines[0] == f"cell.ipynb:cell 2:1:7: {SYNTAX}"
    assert lines[1].startswith("truncated.ipynb:") and "RL000 invalid notebook: not JSON" in lines[1]
    assert len(lines) == 2


def test_look_alikes_pass(work):
    """Valid vocabulary-free code, named or in a notebook, is still clean: an invalid
    escape is CPython's warning, not a syntax error, and a latin-1 file with its cookie decodes."""
    (work / "ok.py").write_text("import re\nPATTERN = '\\d+'\n")
    (work / "cookie.py").write_bytes(b"# -*- coding: latin-1 -*-\nname = '\xe9'\n")
    (work / "ok.ipynb").write_text(notebook("%matplotlib inline\n", "x = 1\n"))
    result = run("ok.py", "cookie.py", "ok.ipynb", cwd=work)
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "All checks passed!\n")


def test_the_cache_does_not_hide_a_named_file_s_error(work):
    """A walk caches 'nothing found' for a vocabulary-free broken file; naming it later
    must not reuse that."""
    (work / "broken.py").write_text(BROKEN)
    assert reglint(*CONCISE, ".", cwd=work).returncode == 0
    result = reglint(*CONCISE, "broken.py", cwd=work)
    assert (result.returncode, result.stdout) == (1, f"broken.py:1:7: {SYNTAX}\n")
    assert reglint(*CONCISE, "broken.py", cwd=work).stdout == f"broken.py:1:7: {SYNTAX}\n"  # and cached as such
