"""Safe writes (issue 5): `--fix` never damages or loses what it writes.

* through a temporary file in the same folder and one atomic `os.replace`;
* mode bits, owner, line endings (CRLF, CR), encoding (latin-1 cookie, BOM) kept;
* read-only files (by their mode bits, since CI runs as root), files the user may not
  write, read-only folders, symlinks and files changed during the run;
* a process killed (SIGKILL) in the middle of a multi-file fix leaves every file either
  the original or the complete fixed text — at chosen points (mid-write, before and
  after a replace) and at random moments of a real run;
* `--diff` writes nothing;
* a fix round that one bad fix would break keeps the good fixes (bisection).
"""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import libcst as cst
import pytest

from reglint import fixes
from reglint.config import Settings
from reglint.diagnostic import Applicability, Diagnostic, Edit, Fix, Position
from reglint.engine import Plan
from reglint.runner import check_bytes
from reglint.rule import Rule

from _cli import reglint

HAZARD = (
    "import torch\n"
    "\n"
    "model = torch.nn.Linear(4, 2)\n"
    "opt = torch.optim.Adam(model.parameters(), lr=1e-3, weight_decay=1e-4)\n"
)
FIXED = HAZARD.replace("torch.optim.Adam(", "torch.optim.AdamW(").replace("weight_decay=1e-4", "weight_decay=1e-2")  # RL002 starts AdamW at 1e-2
FIX = ("--fix", "--unsafe-fixes")


def cli(*args: str, cwd: Path, unprivileged: bool = False) -> subprocess.CompletedProcess:
    return reglint("--no-cache", "--output-format", "concise", *args, cwd=cwd, unprivileged=unprivileged)


def leftovers(folder: Path):
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(".reglint-"))


# -- what is kept -------------------------------------------------------------------------------

@pytest.mark.parametrize("name, before, after", [
    ("lf", HAZARD.encode(), FIXED.encode()),
    ("crlf", HAZARD.replace("\n", "\r\n").encode(), FIXED.replace("\n", "\r\n").encode()),
    ("cr", HAZARD.replace("\n", "\r").encode(), FIXED.replace("\n", "\r").encode()),
    ("bom", b"\xef\xbb\xbf" + HAZARD.encode(), b"\xef\xbb\xbf" + FIXED.encode()),
    ("bom_crlf", b"\xef\xbb\xbf" + HAZARD.replace("\n", "\r\n").encode(), b"\xef\xbb\xbf" + FIXED.replace("\n", "\r\n").encode()),
    ("latin1", b"# -*- coding: latin-1 -*-\n# d\xe9croissance\n" + HAZARD.encode(),
     b"# -*- coding: latin-1 -*-\n# d\xe9croissance\n" + FIXED.encode()),
    ("tabs", HAZARD.encode() + b"if 1:\n\tx = 1\n", FIXED.encode() + b"if 1:\n\tx = 1\n"),
    ("no_final_newline", HAZARD.rstrip("\n").encode(), FIXED.rstrip("\n").encode()),
])
def test_fix_keeps_line_endings_and_encoding(work, name, before, after):
    path = work / "train.py"
    path.write_bytes(before)
    result = cli(*FIX, "train.py", cwd=work)
    assert result.returncode == 0, result.stdout
    assert path.read_bytes() == after
    assert leftovers(work) == []


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o600, 0o755, 0o664, 0o4755])
def test_fix_keeps_the_mode(work, mode):
    path = work / "train.py"
    path.write_text(HAZARD)
    path.chmod(mode)
    assert cli(*FIX, "train.py", cwd=work).returncode == 0
    assert (path.read_text(), stat.S_IMODE(path.stat().st_mode)) == (FIXED, mode)


@pytest.mark.skipif(os.geteuid() != 0, reason="changing a file's owner needs root")
def test_fix_keeps_the_owner(work):
    path = work / "train.py"
    path.write_text(HAZARD)
    os.chown(path, 65534, 65534)
    path.chmod(0o4755)  # a change of owner after chmod would clear the setuid bit
    assert cli(*FIX, "train.py", cwd=work).returncode == 0
    info = path.stat()
    assert (path.read_text(), info.st_uid, info.st_gid, stat.S_IMODE(info.st_mode)) == (FIXED, 65534, 65534, 0o4755)


def test_fix_writes_through_a_symlink(work):
    (work / "real").mkdir()
    real = work / "real" / "train.py"
    real.write_text(HAZARD)
    os.symlink("real/train.py", work / "link.py")
    assert cli(*FIX, "link.py", cwd=work).returncode == 0
    assert (work / "link.py").is_symlink() and os.readlink(work / "link.py") == "real/train.py"
    assert real.read_text() == FIXED
    assert leftovers(work) == [] and leftovers(work / "real") == []


def test_write_goes_through_a_temporary_file_in_the_same_folder(work, monkeypatch):
    path = work / "train.py"
    path.write_text(HAZARD)
    inode = path.stat().st_ino
    calls = []
    real_replace = os.replace

    def replace(source, target):
        calls.append((source, target, Path(source).read_bytes(), path.read_bytes()))
        real_replace(source, target)

    monkeypatch.setattr(os, "replace", replace)
    assert fixes.write_fixed(str(path), FIXED.encode()) is None
    (source, target, staged, at_replace), = calls
    assert os.path.dirname(source) == str(work) and os.path.basename(source).startswith(".reglint-")
    assert source.endswith(".tmp")  # never a `.py` a later run would pick up
    assert target == str(path)
    assert (staged, at_replace) == (FIXED.encode(), HAZARD.encode())  # complete before, untouched until the replace
    assert path.read_text() == FIXED and path.stat().st_ino != inode
    assert leftovers(work) == []


@pytest.mark.parametrize("failing", ["fsync", "chmod", "replace"])
def test_a_failed_write_leaves_the_file_and_no_temporary(work, monkeypatch, failing):
    path = work / "train.py"
    path.write_text(HAZARD)

    def fail(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, failing, fail)
    assert fixes.write_fixed(str(path), FIXED.encode()) == "cannot fix: No space left on device"
    monkeypatch.undo()
    assert path.read_text() == HAZARD
    assert leftovers(work) == []


def test_a_file_changed_during_the_run_is_not_overwritten(work):
    path = work / "train.py"
    path.write_text(HAZARD)
    edited = HAZARD + "# the user's edit\n"
    path.write_text(edited)
    assert fixes.write_fixed(str(path), FIXED.encode(), expected=HAZARD.encode()) == (
        "cannot fix: the file changed while fixing; the newer file is kept")
    assert path.read_text() == edited
    assert fixes.write_fixed(str(path), FIXED.encode(), expected=edited.encode()) is None
    assert path.read_text() == FIXED


NOTEBOOK = json.dumps({
    "cells": [{"cell_type": "code", "execution_count": None, "id": "c1", "metadata": {}, "outputs": [],
               "source": HAZARD.splitlines(keepends=True)}],
    "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
                 "language_info": {"name": "python"}},
    "nbformat": 4, "nbformat_minor": 5}, indent=1) + "\n"


@pytest.mark.parametrize("name, before", [("train.py", HAZARD), ("train.ipynb", NOTEBOOK)])
def test_fix_keeps_an_edit_saved_between_the_read_and_the_write(work, monkeypatch, capsys, name, before):
    """The command line hands the bytes it read to the write: an editor saving the file
    while the fixes are computed wins, and the run reports that it did (issue 14, item 11)."""
    from reglint import cli, runner

    path = work / name
    path.write_text(before)
    edited = before.replace("lr=1e-3", "lr=3e-4")  # the user's edit, still with the hazard
    checked = runner.check_bytes

    def check_then_edit(*args, **kwargs):
        result = checked(*args, **kwargs)
        path.write_text(edited)  # saved after reglint read the file, before it writes
        return result

    monkeypatch.setattr(runner, "check_bytes", check_then_edit)
    monkeypatch.chdir(work)
    code = cli.main(["--no-cache", "--output-format", "concise", "-j", "1", "--fix", "--unsafe-fixes", name])
    out = capsys.readouterr().out
    assert path.read_text() == edited
    assert f"{name}:1:1: RL000 cannot fix: the file changed while fixing; the newer file is kept" in out
    assert "RL002" in out  # the newer file's hazard, read again from disk, is still reported
    assert code == 1
    assert leftovers(work) == []


def test_a_non_regular_file_is_not_replaced(work):
    os.mkfifo(work / "pipe.py")
    assert fixes.write_fixed(str(work / "pipe.py"), FIXED.encode()) == "cannot fix: not a regular file"
    assert stat.S_ISFIFO((work / "pipe.py").stat().st_mode)


# -- what is refused ----------------------------------------------------------------------------------

@pytest.mark.parametrize("mode", [0o444, 0o400, 0o555, 0o044])
def test_a_read_only_file_is_refused_and_unchanged(work, mode):
    path = work / "train.py"
    path.write_text(HAZARD)
    path.chmod(mode)
    before = path.stat()
    result = cli(*FIX, "train.py", cwd=work)
    assert result.returncode == 1
    assert "train.py:1:1: RL000 cannot fix: file is read-only\n" in result.stdout
    after = path.stat()
    assert path.read_text() == HAZARD
    assert (after.st_ino, after.st_mtime_ns, stat.S_IMODE(after.st_mode)) == (before.st_ino, before.st_mtime_ns, mode)
    assert leftovers(work) == []


def test_a_refused_fix_still_reports_what_it_would_have_fixed(work):
    path = work / "train.py"
    path.write_text(HAZARD)
    path.chmod(0o444)
    result = cli(*FIX, "train.py", cwd=work)
    assert "train.py:4:53: RL002 " in result.stdout


@pytest.fixture
def shared(tmp_path_factory):
    import shutil
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="reglint-writes-"))
    folder.chmod(0o755)
    (folder / "pyproject.toml").write_text("[tool.reglint]\n")
    (folder / "pyproject.toml").chmod(0o644)
    yield folder
    for path in folder.rglob("*"):
        if path.is_dir() and not path.is_symlink():
            path.chmod(0o755)
    shutil.rmtree(folder)


def test_a_file_in_a_read_only_folder_is_refused_as_an_unprivileged_user(shared):
    folder = shared / "locked"
    folder.mkdir()
    path = folder / "train.py"
    path.write_text(HAZARD)
    path.chmod(0o666)
    folder.chmod(0o555)
    result = cli(*FIX, "locked/train.py", cwd=shared, unprivileged=True)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "locked/train.py:1:1: RL000 cannot fix: Permission denied\n" in result.stdout
    assert path.read_text() == HAZARD and leftovers(folder) == []


def test_a_file_the_user_may_not_write_is_not_replaced_through_its_folder(shared):
    """Owning (or being allowed to write) the folder allows replacing any file in it; reglint
    must not use that to rewrite a file its user cannot write (as `sed -i` would)."""
    folder = shared / "open"
    folder.mkdir()
    path = folder / "train.py"
    path.write_text(HAZARD)
    path.chmod(0o644)  # root's file, not writable by nobody
    folder.chmod(0o777)
    result = cli(*FIX, "open/train.py", cwd=shared, unprivileged=True)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "open/train.py:1:1: RL000 cannot fix: Permission denied\n" in result.stdout
    assert path.read_text() == HAZARD and path.stat().st_uid == os.geteuid() and leftovers(folder) == []


# -- --diff -----------------------------------------------------------------------------------------------

def test_diff_never_writes(work):
    for index in range(20):  # enough for the process pool
        (work / f"t{index:02}.py").write_text(HAZARD)
    (work / "crlf.py").write_bytes(HAZARD.replace("\n", "\r\n").encode())
    (work / "ro.py").write_text(HAZARD)
    (work / "ro.py").chmod(0o444)
    before = {p.name: (p.read_bytes(), p.stat().st_mtime_ns, p.stat().st_ino) for p in work.iterdir()}
    for args in (("--diff",), ("--diff", "--unsafe-fixes"), ("--diff", "--fix", "--unsafe-fixes")):
        result = cli(*args, ".", cwd=work)
        assert result.returncode == 1
        after = {p.name: (p.read_bytes(), p.stat().st_mtime_ns, p.stat().st_ino) for p in work.iterdir()}
        assert after == before, args
    assert "+opt = torch.optim.AdamW(" in result.stdout


# -- killed in the middle ------------------------------------------------------------------------------------

def _files(folder: Path, count: int):
    """`count` files, each with its own text; name -> (original, fixed)."""
    expected = {}
    for index in range(count):
        original = HAZARD + f"step_{index} = {index}\n" * (1 + index % 7)
        name = f"train_{index:03}.py"
        (folder / name).write_text(original)
        expected[name] = (original.encode(), original.replace("torch.optim.Adam(", "torch.optim.AdamW(").replace("weight_decay=1e-4", "weight_decay=1e-2").encode())
    return expected


def _states(folder: Path, expected):
    """name -> 'original' | 'fixed'; fails on anything else (a torn or empty file)."""
    states = {}
    for name, (original, fixed) in expected.items():
        data = (folder / name).read_bytes()
        assert data in (original, fixed), f"{name} is neither the original nor the fixed text: {data[:200]!r}"
        states[name] = "original" if data == original else "fixed"
    for name in leftovers(folder):
        assert name.endswith(".tmp")
    return states


# kill the reglint process itself at the k-th call of a step of write_fixed
KILLER = r"""
import os, signal, sys
point, k = sys.argv[1], int(sys.argv[2])
calls = [0]
def bomb():
    os.kill(os.getpid(), signal.SIGKILL)
def counted():
    calls[0] += 1
    return calls[0] == k
if point == "mid-write":  # half of the temporary file written
    real_fdopen = os.fdopen
    class Torn:
        def __init__(self, handle): self.handle = handle
        def __enter__(self): return self
        def __exit__(self, *exc): return self.handle.__exit__(*exc)
        def fileno(self): return self.handle.fileno()
        def flush(self): self.handle.flush()
        def write(self, data):
            if counted():
                self.handle.write(data[: len(data) // 2]); self.handle.flush(); os.fsync(self.handle.fileno()); bomb()
            return self.handle.write(data)
    os.fdopen = lambda fd, *a, **kw: Torn(real_fdopen(fd, *a, **kw))
elif point == "before-replace":
    real_replace = os.replace
    def replace(a, b):
        if counted(): bomb()
        real_replace(a, b)
    os.replace = replace
elif point == "after-replace":
    real_replace = os.replace
    def replace(a, b):
        real_replace(a, b)
        if counted(): bomb()
    os.replace = replace
import reglint.cli
sys.exit(reglint.cli.main(sys.argv[3:]))
"""


@pytest.mark.parametrize("point", ["mid-write", "before-replace", "after-replace"])
@pytest.mark.parametrize("k", [1, 5, 12])
def test_killed_at_a_chosen_point_every_file_is_whole(work, point, k):
    expected = _files(work, 12)
    result = subprocess.run([sys.executable, "-c", KILLER, point, str(k), "--no-cache", "-q", *FIX, "-j", "1", "."],
                            cwd=work, capture_output=True, timeout=120)
    assert result.returncode == -signal.SIGKILL, result.stderr
    states = _states(work, expected)
    done = sum(state == "fixed" for state in states.values())
    assert done == (k if point == "after-replace" else k - 1)
    # the next run finishes the job; a leftover temporary is never mistaken for source
    assert cli(*FIX, ".", cwd=work).returncode == 0
    assert set(_states(work, expected).values()) == {"fixed"}


@pytest.mark.slow
def test_killed_at_random_moments_every_file_is_whole(work):
    """A real multi-file run killed by SIGKILL while it writes: as soon as the first fixed file
    shows up, and a little later; repeated. Every file stays whole every time."""
    mixed = 0
    for trial in range(5):
        folder = work / f"trial{trial}"
        folder.mkdir()
        (folder / "pyproject.toml").write_text("[tool.reglint]\n")
        expected = _files(folder, 150)
        process = subprocess.Popen([sys.executable, "-m", "reglint", "--no-cache", "-q", *FIX, "-j", "2", "."],
                                   cwd=folder, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 120
        probe = [folder / name for name in sorted(expected)]
        while process.poll() is None and time.monotonic() < deadline:
            if any(path.read_bytes() == expected[path.name][1] for path in probe[::10]):
                time.sleep(0.002 * trial)  # a little later each trial
                break
            time.sleep(0.001)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=60)
        states = _states(folder, expected)
        if len(set(states.values())) == 2:
            mixed += 1
    print(f"\n{mixed} of 5 kills landed in the middle of the writes")
    assert mixed >= 1, "no trial was killed in the middle of the writes; the test proved nothing"


# -- one bad fix does not cost the good ones -----------------------------------------------------------------------

def _rule(code: str, make_fixes):
    """A rule reporting one diagnostic per (line, col, end_col, replacement) that `make_fixes(source)` gives."""
    def check(model, settings, report):
        for line, column, end, content in make_fixes(model.source):
            position = Position(line, column)
            fix = Fix(Applicability.SAFE, f"write {content!r}", (Edit(position, Position(line, end), content),))
            yield Diagnostic(code, "test-rule", f"replace with {content!r}", model.path, position, Position(line, end), fix)

    return Rule(code=code, name="test-rule", summary="test", fix=Applicability.SAFE, check=check)


def _plan(rule):
    return Plan(Settings(), (rule,))


def test_a_round_keeps_the_good_fixes_when_one_breaks_the_code():
    """Rename `a`, `b`, `c` to `x`, `y`, `z`; the fix for `b` writes `y(` and would break the file."""
    source = "a = 1\nb = 2\nc = 3\n"

    def renames(text):
        if text.startswith("a ="):
            return [(1, 1, 2, "x"), (2, 1, 2, "y("), (3, 1, 2, "z")]
        return []

    result = check_bytes("t.py", source.encode(), _plan(_rule("RL901", renames)), fix=True)
    assert result.fixed == b"x = 1\nb = 2\nz = 3\n"
    assert [d.fix.message for d in result.fixed_diagnostics] == ["write 'x'", "write 'z'"]


def test_bisection_finds_every_culprit_among_many():
    source = "".join(f"v{i} = {i}\n" for i in range(40))
    bad = {3, 17, 18, 39}
    edits = [[Edit(Position(i + 1, 1), Position(i + 1, 1), "(" if i in bad else "w")] for i in range(40)]
    calls = []
    real_parses = fixes.parses

    def counting(text):
        calls.append(1)
        return real_parses(text)

    fixes.parses, saved = counting, fixes.parses
    try:
        text, applied = fixes.apply_fixes(source, edits)
    finally:
        fixes.parses = saved
    assert applied == [i for i in range(40) if i not in bad]
    assert text == "".join(f"{'' if i in bad else 'w'}v{i} = {i}\n" for i in range(40))
    cst.parse_module(text)
    assert len(calls) < 40  # fewer parses than trying each fix alone


def test_a_fix_cpython_rejects_is_left_out_even_when_libcst_accepts_it():
    """libcst accepts 300 nested parentheses; CPython stops at 200 ("too many nested parentheses")."""
    source = "x = 1\ny = 2\n"
    deep = "(" * 300 + "1" + ")" * 300
    edits = [[Edit(Position(1, 5), Position(1, 6), deep)], [Edit(Position(2, 5), Position(2, 6), "3")]]
    assert fixes.parses(source.replace("1", deep)) and not fixes.python_parses(source.replace("1", deep))
    assert fixes.apply_fixes(source, edits) == ("x = 1\ny = 3\n", [1])


def test_inserted_line_breaks_follow_the_file():
    source = "a = 1\r\nb = 2\r\n"
    text, applied = fixes.apply_fixes(source, [[Edit(Position(2, 1), Position(2, 1), "c = 0\nd = 0\n")]])
    assert (text, applied) == ("a = 1\r\nc = 0\r\nd = 0\r\nb = 2\r\n", [0])


def test_a_fix_the_encoding_cannot_hold_leaves_the_file():
    source = b"# coding: ascii\na = 1\n"

    def accents(text):
        return [(2, 1, 2, "\u00e9")] if "a = 1" in text else []

    result = check_bytes("t.py", source, _plan(_rule("RL902", accents)), fix=True)
    assert result.fixed is None and [d.code for d in result.diagnostics] == ["RL902"]
