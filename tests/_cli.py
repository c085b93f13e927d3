"""The one runner the tests use for reglint's command line: `python -m reglint ARGS` in a
subprocess, as users, editors and pre-commit start it.

Every run asserts what holds for any input: the process is not killed by a signal and
prints no traceback and no internal error. With `unprivileged`, a run as root drops to
`nobody` first, since root reads through `chmod 000`.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Mapping, Optional, Sequence

NOBODY = 65534
# variables of the tester's shell that would change what reglint prints
_UNSET = ("NO_COLOR", "REGLINT_DEBUG")


def reglint(*args: str, cwd: Optional[Path] = None, stdin: Optional[bytes] = b"", env: Optional[Mapping[str, str]] = None,
            timeout: float = 120, text: bool = True, unprivileged: bool = False,
            flags: Sequence[str] = ()) -> subprocess.CompletedProcess:
    """Run `python [FLAGS] -m reglint ARGS` in `cwd` (default: here) with `stdin`; `env` is added to the
    environment (a value of None removes a variable). stdout and stderr are str
    (undecodable bytes kept as surrogates) unless `text` is False."""
    environment = {k: v for k, v in os.environ.items() if k not in _UNSET}
    for key, value in (env or {}).items():
        if value is None:
            environment.pop(key, None)
        else:
            environment[key] = value
    command = [sys.executable, *flags, "-m", "reglint", *args]
    preexec = None
    if unprivileged and os.geteuid() == 0:
        command, preexec = as_nobody(command)
    result = subprocess.run(command, cwd=cwd, input=stdin if stdin is not None else b"", capture_output=True,
                            env=environment, preexec_fn=preexec, timeout=timeout)
    err = result.stderr.decode("utf-8", "surrogateescape")
    assert result.returncode >= 0, f"killed by signal {-result.returncode}: {err}"
    assert "Traceback" not in err and "internal error" not in err, err
    if not text:
        return subprocess.CompletedProcess(args, result.returncode, result.stdout, result.stderr)
    return subprocess.CompletedProcess(args, result.returncode, result.stdout.decode("utf-8", "surrogateescape"), err)


# -- running as nobody ------------------------------------------------------------------------

def _drop_privileges() -> None:
    os.setgroups([])
    os.setgid(NOBODY)
    os.setuid(NOBODY)


_NOBODY_CAN_RUN: Optional[bool] = None
_WARM_UP = ("import torch\n\nmodel = torch.nn.Linear(4, 2)\nopt = torch.optim.Adam(model.parameters(), lr=1e-3, weight_decay=1e-4)\n",
            "import torch\nopt = torch.optim.Adam(p, weight_decay=1e-4)\ndef f(:\n")

# Fallback when the interpreter or the checkout is out of the unprivileged user's reach
# (a venv whose Python lives under /root): start as root, run reglint once on a scratch
# folder so every module and codec it needs is imported, then drop to `nobody` before
# the real run, so every file access of that run is unprivileged.
_DROP_THEN_RUN = """
import contextlib, io, os, shutil, sys, tempfile
import reglint.cli
scratch = tempfile.mkdtemp()
with open(os.path.join(scratch, "a.py"), "w") as handle:
    handle.write(%r)
with open(os.path.join(scratch, "b.py"), "w") as handle:
    handle.write(%r)
with open(os.path.join(scratch, "pyproject.toml"), "w") as handle:
    handle.write("[tool.reglint]\\n")
for fmt in ("concise", "json"):
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        reglint.cli.main(["--output-format", fmt, scratch])
b"x".decode("utf-8-sig"); b"x".decode("latin-1")  # empty input would skip the codec lookup
shutil.rmtree(scratch)
os.setgroups([]); os.setgid(%d); os.setuid(%d)
sys.exit(reglint.cli.main(sys.argv[1:]))
""" % (*_WARM_UP, NOBODY, NOBODY)


def as_nobody(command):
    """(command, preexec_fn) that run `python -m reglint ARGS` (`command`) as `nobody`."""
    global _NOBODY_CAN_RUN
    if _NOBODY_CAN_RUN is None:
        try:
            probe = subprocess.run([sys.executable, "-c", "import reglint.cli"], cwd="/", capture_output=True,
                                   preexec_fn=_drop_privileges, timeout=60)
            _NOBODY_CAN_RUN = probe.returncode == 0
        except OSError:  # the interpreter itself is out of reach
            _NOBODY_CAN_RUN = False
    if _NOBODY_CAN_RUN:
        return command, _drop_privileges
    return [sys.executable, "-c", _DROP_THEN_RUN, *command[3:]], None
