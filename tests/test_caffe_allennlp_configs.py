"""Caffe solver.prototxt and AllenNLP JSON/jsonnet through the config Source: the fixture folders
tests/fixtures/configs/caffe and .../allennlp (run by tests/test_configs_fixtures.py) have enough
cases; Caffe fixes are advice only; spans, the config-files setting, discovery and JSON output.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from reglint.config import Settings
from reglint.diagnostic import Applicability
from reglint.engine import Plan
from reglint.runner import check_bytes

CONFIGS = Path(__file__).resolve().parent / "fixtures" / "configs"
FORMATS = ("caffe", "allennlp")
CASES = sorted(p for name in FORMATS for p in (CONFIGS / name).iterdir()
               if p.suffix != ".txt" and ".fixed." not in p.name)


def _expected(source: Path):
    return [line for line in source.with_suffix(".txt").read_text().splitlines() if line.strip()]


@pytest.mark.parametrize("source", [p for p in CASES if p.suffix == ".prototxt"], ids=lambda p: p.name)
def test_caffe_fix_is_advice_only(source: Path) -> None:
    """No decoupled Caffe solver exists: RL002 on a solver is display-only and nothing is edited
    (the expectations themselves are checked by tests/test_configs_fixtures.py)."""
    plan = Plan.build(Settings(select=("RL",)))
    data = source.read_bytes()
    for diagnostic in check_bytes(str(source), data, plan).diagnostics:
        if diagnostic.code == "RL002":
            assert diagnostic.fix.applicability == Applicability.DISPLAY_ONLY
            assert diagnostic.fix.message.startswith("Caffe has no decoupled solver")
    assert check_bytes(str(source), data, plan, fix=True, unsafe=True).fixed is None


@pytest.mark.parametrize("name", FORMATS)
def test_enough_cases_and_a_third_silent(name) -> None:
    cases = [p for p in CASES if p.parent.name == name]
    silent = [p for p in cases if not _expected(p)]
    assert len(cases) >= 12 and len(silent) * 3 >= len(cases)


def test_the_diagnostic_spans_the_decay_entry() -> None:
    result = check_bytes("solver.prototxt", b'type: "Adam"\nweight_decay: 5e-4  # wd\n', Plan.build(Settings()))
    (diagnostic,) = result.diagnostics
    assert (diagnostic.start.line, diagnostic.start.column, diagnostic.end.line, diagnostic.end.column) == (2, 1, 2, 19)


def test_config_files_setting_can_leave_prototxt_out() -> None:
    plan = Plan.build(Settings(config_files=("*.yaml",)))
    assert check_bytes("solver.prototxt", b'type: "Adam"\nweight_decay: 5e-4\n', plan).diagnostics == []


def test_directory_walk_finds_solvers_and_json_output(tmp_path: Path) -> None:
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "solver.prototxt").write_text('type: "RMSProp"\nbase_lr: 0.01\nweight_decay: 1e-4\n')
    (tmp_path / "models" / "train_val.prototxt").write_text('layer { name: "a" type: "Data" }\n')
    run = subprocess.run([sys.executable, "-m", "reglint", "check", "--no-cache", "--output-format", "json", "."],
                         cwd=tmp_path, capture_output=True, text=True)
    assert run.returncode == 1, run.stderr
    (found,) = json.loads(run.stdout)
    assert (found["code"], found["filename"].replace("\\", "/"), found["location"]) == (
        "RL002", "models/solver.prototxt", {"row": 3, "column": 1})
    assert found["fix"]["edits"] == []
