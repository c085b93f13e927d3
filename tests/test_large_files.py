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


def test_the_costly_steps_run_once_per_file_and_never_on_the_whole_text_at_once(monkeypatch):
    """Without timing: a large training file with a finding in every block is parsed by
    libcst in pieces no larger than PIECE_CHARS, its names are collected once, its code
    is generated once for all positions (not per finding, not by libcst's metadata
    wrapper), and no statement is walked by libcst's visitor (no comments in it)."""
    import libcst

    from reglint import pieces, positions
    from reglint.analysis import context, decay_schedules, names, param_groups

    calls = {"parse": [], "collect": 0, "generate": 0, "provider": 0, "visit": 0}

    def counted(name, function, record=None):
        def wrapper(*args, **kwargs):
            if record:
                record(args)
            else:
                calls[name] += 1
            return function(*args, **kwargs)
        return wrapper

    monkeypatch.setattr(libcst, "parse_module", counted("parse", libcst.parse_module,
                                                        lambda args: calls["parse"].append(len(args[0]))))
    for module in (context, param_groups, decay_schedules):
        monkeypatch.setattr(module, "collect", counted("collect", names.collect))
    monkeypatch.setattr(positions.Positions, "_generate", counted("generate", positions.Positions._generate))
    monkeypatch.setattr(positions, "_provider_map", counted("provider", positions._provider_map))
    monkeypatch.setattr(libcst.CSTNode, "visit", counted("visit", libcst.CSTNode.visit))
    text = training_file(1000)  # 0.57 MB, 3,000 findings
    result = check_python("big.py", text.encode(), Plan.build(Settings()))
    assert len(result.diagnostics) == 3000
    assert len(calls["parse"]) == 3 and max(calls["parse"]) < pieces.PIECE_CHARS * 1.01, calls["parse"]
    assert (calls["collect"], calls["generate"], calls["provider"], calls["visit"]) == (1, 1, 0, 0)


def test_analysing_a_large_file_leaves_little_cyclic_garbage():
    """The collector is off while a file is checked (`runner._collected_after`): what the
    analysis leaves in reference cycles while the tree is alive waits for the end of the
    file and adds to its peak memory. libcst's evaluated_value and get_docstring
    (ast.literal_eval: four closures in a cycle per call), a visitor class per
    comments_of call and self-referring closures left 287 objects a block; now 11."""
    import gc

    from reglint.analysis import build_model
    from reglint.parsing import parse, read

    text = training_file(300)
    _, lines = read(text)
    module = parse(text, lines)
    gc.collect()
    enabled = gc.isenabled()
    gc.disable()
    try:
        model = build_model("big.py", text, module)
        left = gc.collect()
    finally:
        if enabled:
            gc.enable()
    assert len(model.optimizers) == 600
    assert left < 20 * 300, left
