"""Static only (issue 5): reglint never imports or executes the code it checks, and opens
no network connection.

A project whose every module has a side effect when imported or run (it writes a marker
file) is checked, fixed and read from stdin; the project also ships fake `torch`,
`tensorflow`, `keras` and `optax` packages, `sitecustomize` / `usercustomize`, a `.pth`
file, `conftest.py`, `setup.py` and a notebook. reglint runs under an audit hook
(`sys.addaudithook`, inherited by the forked workers of its process pool) that logs any
import of a checked module name, any code object executed or compiled from a checked
file, any process started, any socket that is not a local pipe, any name lookup or
connection, and any write into the checked tree outside `--fix`.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from _cli import reglint

VOCABULARY = "import torch\nopt = torch.optim.Adam(p, weight_decay=1e-4)\n"
SIDE_EFFECT = "open({marker!r}, 'w').write('executed')\n"
CHECKED_MODULES = ("train", "torch", "tensorflow", "keras", "optax", "conftest", "setup", "sitecustomize",
                   "usercustomize", "victim", "model_zoo", "evil")


def _project(folder: Path, markers: Path) -> None:
    """A project whose every module leaves a marker when executed."""
    def module(relative: str, body: str = "") -> None:
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        marker = str(markers / relative.replace("/", "_"))
        path.write_text("import os, socket\n" + SIDE_EFFECT.format(marker=marker) + body)

    module("train.py", "try:\n    socket.create_connection(('example.invalid', 80), timeout=1)\nexcept OSError:\n    pass\n"
           + "import torch, tensorflow as tf, keras, optax\nfrom victim import helpers\n" + VOCABULARY
           + "model = keras.layers.Dense(4, kernel_regularizer=keras.regularizers.l2())\n")
    for index in range(20):  # enough files for the process pool
        module(f"victim/step_{index:02}.py", VOCABULARY + f"if __name__ == '__main__':\n    print({index})\n")
    module("victim/__init__.py", VOCABULARY)
    module("victim/helpers.py", VOCABULARY)
    module("victim/__main__.py", VOCABULARY)
    for package in ("torch", "tensorflow", "keras", "optax", "model_zoo"):
        module(f"{package}/__init__.py", "weight_decay = 1e-4\nAdam = None\n")
    for name in ("conftest.py", "setup.py", "sitecustomize.py", "usercustomize.py"):
        module(name, VOCABULARY)
    (folder / "evil.pth").write_text(f"import os; open({str(markers / 'pth')!r}, 'w')\n")
    cell = {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [],
            "source": (SIDE_EFFECT.format(marker=str(markers / "notebook")) + VOCABULARY).splitlines(keepends=True)}
    notebook = {"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    (folder / "notebook.ipynb").write_text(json.dumps(notebook))
    (folder / "pyproject.toml").write_text(
        "[build-system]\nrequires = ['setuptools']\nbuild-backend = 'setuptools.build_meta'\n\n[tool.reglint]\n")


HARNESS = r"""
import os, socket, sys
log = os.open(sys.argv[1], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
checked = set(sys.argv[2].split(","))
root = os.path.realpath(sys.argv[3]) + os.sep
may_write = sys.argv[4] == "fix"
LOCAL = {getattr(socket, "AF_UNIX", None)}
NETWORK = {"socket.connect", "socket.bind", "socket.sendto", "socket.sendmsg", "socket.getaddrinfo",
           "socket.gethostbyname", "socket.gethostbyaddr", "socket.getnameinfo", "urllib.Request",
           "http.client.connect", "ftplib.connect", "smtplib.connect", "webbrowser.open"}
PROCESSES = {"subprocess.Popen", "os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.startfile", "pty.spawn"}

def inside(path, existing=False):
    try:
        path = os.fsdecode(path)
        if existing and not os.path.exists(path):  # "<string>", "<frozen runpy>", ...
            return False
        return os.path.realpath(path).startswith(root)
    except Exception:
        return False

def hook(event, args):
    problem = None
    if event in NETWORK or event in PROCESSES:
        problem = args
    elif event == "socket.__new__" and args[1] not in LOCAL:
        problem = args[1:]
    elif event == "import" and args[0].split(".")[0] in checked:
        problem = args[0]
    elif event == "exec" and inside(getattr(args[0], "co_filename", ""), True):
        problem = args[0].co_filename
    elif event == "compile" and args[1] is not None and inside(args[1], True):
        problem = args[1]
    elif event == "open" and isinstance(args[0], (str, bytes)) and inside(args[0]):
        mode = args[1] or "r"
        writing = any(flag in mode for flag in "wax+") if isinstance(mode, str) else bool(args[2] & (os.O_WRONLY | os.O_RDWR))
        if writing and not may_write and ".reglint_cache" not in os.fsdecode(args[0]):
            problem = args[:2]
    if problem is not None:
        os.write(log, f"{os.getpid()} {event} {problem!r}\n".encode())

sys.addaudithook(hook)
import reglint.cli
sys.exit(reglint.cli.main(sys.argv[5:]))
"""


@pytest.fixture
def project(tmp_path):
    folder, markers = tmp_path / "project", tmp_path / "markers"
    folder.mkdir()
    markers.mkdir()
    _project(folder, markers)
    return folder, markers, tmp_path / "audit.log"


def _audited(project_folder: Path, log: Path, mode: str, *args: str, stdin: bytes = b""):
    command = [sys.executable, "-c", HARNESS, str(log), ",".join(CHECKED_MODULES), str(project_folder), mode, *args]
    result = subprocess.run(command, cwd=project_folder, input=stdin, capture_output=True, timeout=300)
    assert result.returncode in (0, 1), result.stderr.decode()
    assert b"Traceback" not in result.stderr
    return result


def _violations(log: Path):
    return log.read_text().splitlines() if log.exists() else []


def test_checking_a_project_executes_none_of_it(project):
    folder, markers, log = project
    result = _audited(folder, log, "check", "--select", "ALL", "--output-format", "concise", "-j", "2", ".")
    assert b"train.py:" in result.stdout and b"notebook.ipynb:" in result.stdout  # the code was read
    assert result.stdout.count(b"RL002") >= 20
    assert _violations(log) == []
    assert sorted(os.listdir(markers)) == []


def test_fixing_a_project_executes_none_of_it(project):
    folder, markers, log = project
    before = (folder / "train.py").read_text()
    _audited(folder, log, "fix", "--select", "ALL", "--fix", "--unsafe-fixes", "--output-format", "concise", "-j", "2", ".")
    assert (folder / "train.py").read_text() != before  # the fixes were written
    assert _violations(log) == []
    assert sorted(os.listdir(markers)) == []


def test_checking_stdin_executes_none_of_it(project):
    folder, markers, log = project
    source = (folder / "train.py").read_bytes()
    for extra in ((), ("--fix", "--unsafe-fixes")):
        result = _audited(folder, log, "check", "--select", "ALL", *extra, "--stdin-filename", "train.py", stdin=source)
        assert b"RL002" in result.stdout + result.stderr or result.stdout != source
    assert _violations(log) == []
    assert sorted(os.listdir(markers)) == []


def test_the_audit_hook_sees_what_it_should(project):
    """Guards the tests above: the same hook logs an import, an execution and a connection attempt."""
    folder, markers, log = project
    probe = (
        "import sys, runpy\nsys.path.insert(0, '.')\n"
        "try:\n    runpy.run_path('train.py')\nexcept OSError:\n    pass\n"
    )
    harness = HARNESS.replace("import reglint.cli\nsys.exit(reglint.cli.main(sys.argv[5:]))", probe)
    subprocess.run([sys.executable, "-c", harness, str(log), ",".join(CHECKED_MODULES), str(folder), "check"],
                   cwd=folder, capture_output=True, timeout=120)
    seen = "\n".join(_violations(log))
    assert " import 'torch'" in seen and " exec " in seen and " socket.getaddrinfo " in seen, seen
    assert "train.py" in os.listdir(markers)


def _console_script() -> Path:
    script = Path(sys.executable).parent / "reglint"
    if not script.exists():
        pytest.skip("no reglint console script next to this Python")
    return script


@pytest.mark.parametrize("how", ["console-script", "python -P -m reglint"])
def test_shadowing_modules_in_the_checked_folder_are_not_imported(project, how):
    """A checked project's `ast.py`, `json.py`, `tokenize.py`, ... must not replace the standard
    library's inside reglint (run from the project folder, as pre-commit and editors do)."""
    folder, markers, _ = project
    for name in ("ast", "json", "tokenize", "re", "codecs", "enum", "dataclasses", "typing", "pickle", "hashlib",
                 "tempfile", "difflib", "warnings", "argparse", "concurrent", "libcst", "rich", "tomllib", "tomli"):
        (folder / f"{name}.py").write_text(SIDE_EFFECT.format(marker=str(markers / name)) + "raise SystemExit(99)\n")
    command = [str(_console_script())] if how == "console-script" else [sys.executable, "-P", "-m", "reglint"]
    result = subprocess.run([*command, "--no-cache", "--output-format", "concise", "-j", "2", "."], cwd=folder,
                            capture_output=True, timeout=120)
    assert result.returncode == 1 and b"RL002" in result.stdout, result.stderr
    assert sorted(os.listdir(markers)) == []


def test_python_dash_m_does_not_import_the_checked_folders_modules(project):
    folder, markers, _ = project
    (folder / "ast.py").write_text(SIDE_EFFECT.format(marker=str(markers / "ast")) + "from _ast import *\n")
    reglint("--no-cache", "train.py", cwd=folder)
    assert sorted(os.listdir(markers)) == []
