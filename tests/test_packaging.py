"""The wheel: built from this checkout, installed into a fresh venv, run from there.

The rules live in the top-level `rules/` folder of the checkout but must ship as
`reglint.rules`; a wheel must never put a package called plainly `rules` on
sys.path. A plain checkout, not installed, runs as `python -m reglint` too. The wheel is built from a copy of the checkout (sources only), so a
stale `build/` folder or another checkout's files cannot leak into it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from _cli import reglint

ROOT = Path(__file__).resolve().parents[1]
BIN = "Scripts" if os.name == "nt" else "bin"

HAZARDOUS = '''\
import torch


def make_optimizer(model):
    return torch.optim.Adam(model.parameters(), lr=1e-3, weight_decay=5e-4)
'''


def _ignore(folder, names):
    """Hidden folders (.git, .venv, caches, .ci), build output and bytecode."""
    return {
        n for n in names
        if (n.startswith(".") and os.path.isdir(os.path.join(folder, n)))
        or n in ("build", "dist", "venv", "__pycache__")
        or n.endswith(".egg-info")
    }


def run(*args, cwd, timeout=600):
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    env["NO_COLOR"] = "1"
    return subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


def ok(result):
    assert result.returncode == 0, f"{result.args}\nexit {result.returncode}\n{result.stdout}\n{result.stderr}"
    return result


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("wheel")
    source = tmp / "src"
    shutil.copytree(ROOT, source, ignore=_ignore, symlinks=True)
    ok(run(sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", tmp / "dist", ".", cwd=source))
    wheels = list((tmp / "dist").glob("reglint-*.whl"))
    assert len(wheels) == 1, wheels
    return wheels[0]


@pytest.fixture(scope="module")
def venv(wheel, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("venv")
    ok(run(sys.executable, "-m", "venv", tmp / "venv", cwd=tmp))
    python = tmp / "venv" / BIN / "python"
    ok(run(python, "-m", "pip", "install", wheel, cwd=tmp))
    return tmp / "venv"


@pytest.mark.slow
def test_wheel_ships_rules_as_reglint_rules(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    top_level = {name.split("/", 1)[0] for name in names}
    dist_info = {t for t in top_level if t.endswith(".dist-info")}
    assert top_level - dist_info == {"reglint"}, sorted(top_level)
    assert not any(name.startswith("rules/") for name in names)

    shipped = {name[len("reglint/rules/"):] for name in names if re.fullmatch(r"reglint/rules/[^/]+\.py", name)}
    in_checkout = {path.name for path in (ROOT / "rules").glob("*.py")}
    assert "__init__.py" in shipped
    assert shipped == in_checkout, f"wheel ships {sorted(shipped)}, checkout has {sorted(in_checkout)}"
    assert len(shipped) > 1, "the wheel ships no rule module"


@pytest.mark.slow
def test_installed_wheel_runs_its_rules(venv, tmp_path):
    elsewhere = tmp_path / "elsewhere"  # neither the checkout's rules/ nor reglint/ is importable here
    elsewhere.mkdir()
    python = venv / BIN / "python"
    reglint = venv / BIN / "reglint"

    where = ok(run(python, "-c", "import reglint, reglint.rules; print(reglint.__file__)", cwd=elsewhere))
    assert Path(where.stdout.strip()).resolve().is_relative_to(venv.resolve()), where.stdout
    collision = run(python, "-c", "import rules", cwd=elsewhere)
    assert collision.returncode != 0 and "ModuleNotFoundError" in collision.stderr, collision.stderr

    version = ok(run(reglint, "--version", cwd=elsewhere))
    assert re.fullmatch(r"reglint \S+\n", version.stdout), version.stdout

    listed = ok(run(reglint, "rules", "--output-format", "json", cwd=elsewhere))
    codes = [rule["code"] for rule in json.loads(listed.stdout)]
    assert "RL002" in codes, codes
    text = ok(run(reglint, "rules", cwd=elsewhere))
    assert all(code in text.stdout for code in codes)

    (elsewhere / "train.py").write_text(HAZARDOUS)
    check = run(reglint, "check", "--output-format", "concise", "train.py", cwd=elsewhere)
    assert check.returncode == 1, f"{check.stdout}\n{check.stderr}"
    assert re.search(r"^train\.py:5:\d+: RL002 ", check.stdout, re.MULTILINE), check.stdout
    assert "Traceback" not in check.stderr

    module = run(python, "-m", "reglint", "check", "--output-format", "concise", "train.py", cwd=elsewhere)
    assert module.returncode == 1 and module.stdout == check.stdout, module.stdout + module.stderr


def test_a_plain_checkout_runs_as_python_dash_m(tmp_path):
    """The checkout's reglint/ and rules/ folders, copied and not installed: `python -m
    reglint` finds `reglint.rules` in the rules/ folder beside reglint/. `-S` keeps the
    editable install of this checkout (a .pth file) out; PYTHONPATH gives the dependencies."""
    checkout = tmp_path / "checkout"
    for folder in ("reglint", "rules", "examples"):
        shutil.copytree(ROOT / folder, checkout / folder, ignore=shutil.ignore_patterns("__pycache__"))
    paths = sysconfig.get_paths()
    plain = {"PYTHONPATH": os.pathsep.join(dict.fromkeys((paths["purelib"], paths["platlib"])))}
    where = subprocess.run([sys.executable, "-S", "-c", "import reglint.rules; print(reglint.rules.__file__)"],
                           cwd=checkout, env={**os.environ, **plain}, capture_output=True, text=True, timeout=60)
    assert Path(where.stdout.strip()) == checkout / "rules" / "__init__.py", where.stderr

    args = ("check", "--no-cache", "--output-format", "concise", "examples")
    copied = reglint(*args, cwd=checkout, flags=("-S",), env=plain)
    installed = reglint(*args, cwd=ROOT)
    assert copied.returncode == installed.returncode == 1, copied.stderr
    assert copied.stdout == installed.stdout and "RL002" in copied.stdout
