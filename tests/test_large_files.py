"""Large files (issue 14, item 7): the cost grows linearly with the file's size and its
findings, and the size limit is the `max-file-size` setting."""

from __future__ import annotations

import time

import pytest

from big_training_file import loss_sites_file, training_file
from reglint.config import Settings
from reglint.engine import Plan
from reglint.pipeline import check_python

from _cli import reglint

VOCABULARY = "import torch\nopt = torch.optim.Adam(model.parameters(), lr=1e-3, weight_decay=1e-4)\n"
RL002_AT = "big.py:2:53: RL002"


def _cpu_seconds(text: str, plan: Plan, expected: int) -> float:
    started = time.process_time()
    result = check_python("big.py", text.encode(), plan)
    spent = time.process_time() - started
    assert len(result.diagnostics) == expected
    return spent


def test_four_times_the_loss_sites_cost_about_four_times_as_much():
    """Each site's lookups (which penalties its loss holds, which optimizer steps after
    it, which calls pass a parameter) are indexed, not a pass over every penalty or call
    of the file: quadratic, they took 7.5x the time for 4x the sites. CPU time, so that a
    busy machine does not decide; the best of two runs of each size."""
    plan = Plan.build(Settings())
    _cpu_seconds(loss_sites_file(2), plan, 2)  # imports and first-use tables
    small = min(_cpu_seconds(loss_sites_file(400), plan, 400) for _ in range(2))
    large = min(_cpu_seconds(loss_sites_file(1600), plan, 1600) for _ in range(2))
    assert large < 6 * small, (small, large)


@pytest.mark.slow
def test_a_large_training_file_is_linear_too():
    """The generated training file of issue 14 (an optimizer, a penalty and a loss per
    stage), 4x the stages."""
    plan = Plan.build(Settings())
    small = min(_cpu_seconds(training_file(60), plan, 180) for _ in range(2))
    large = min(_cpu_seconds(training_file(240), plan, 720) for _ in range(2))
    assert large < 6 * small, (small, large)


def test_the_size_limit_is_a_setting(work):
    data = VOCABULARY + "# " + "x" * 1500 + "\n"
    (work / "big.py").write_text(data)
    (work / "pyproject.toml").write_text("[tool.reglint]\nmax-file-size = 1_000\n")
    result = reglint("--no-cache", "--output-format", "concise", "big.py", cwd=work)
    assert (result.returncode, result.stdout) == (1, "big.py:1:1: RL000 file too large to analyse (0.0 MB > 0.001 MB limit, setting `max-file-size`)\n")
    (work / "pyproject.toml").write_text("[tool.reglint]\nmax-file-size = 2_000\n")
    result = reglint("--no-cache", "--output-format", "concise", "big.py", cwd=work)
    assert (result.returncode, result.stdout.split(" `")[0]) == (1, RL002_AT)


@pytest.mark.parametrize("value, message", [
    ('"2MB"', "expected a number of bytes (an integer), got a string"),
    ("true", "expected a number of bytes (an integer), got a boolean"),
    ("2.5e6", "expected a number of bytes (an integer), got a number"),
    ("0", "expected a number of bytes from 1 to 64_000_000, got 0"),
    ("100_000_000", "expected a number of bytes from 1 to 64_000_000, got 100_000_000"),
])
def test_a_bad_size_limit_names_the_key(work, value, message):
    (work / "pyproject.toml").write_text(f"[tool.reglint]\nmax-file-size = {value}\n")
    result = reglint("--no-cache", "x.py", cwd=work)
    assert result.returncode == 2
    assert result.stderr.endswith(f"[tool.reglint] max-file-size: {message}\n"), result.stderr
