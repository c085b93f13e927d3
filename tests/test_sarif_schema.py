"""`--output-format sarif` validated against the official SARIF 2.1.0 JSON schema.

The schema is vendored in tests/data (see tests/data/README.md for where it comes
from); jsonschema checks every document reglint writes against it: the real CLI on
the examples (rules with help text, results, fixes), a clean run, RL000, notebooks,
display-only fixes, multi-line ranges and odd file names.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
from pathlib import Path

import jsonschema
import nbformat
import pytest

from reglint import report
from reglint.diagnostic import Applicability, Diagnostic, Edit, Fix, Position, parse_error
from reglint.pipeline import FileResult
from reglint.report import Context, sarif
from reglint.rule import all_rules

from _cli import reglint

ROOT = Path(__file__).resolve().parents[1]
SCHEMA_FILE = ROOT / "tests" / "data" / "sarif-schema-2.1.0.json"
SCHEMA_SHA256 = "c3b4bb2d6093897483348925aaa73af03b3e3f4bd4ca38cef26dcb4212a2682e"


@pytest.fixture(scope="module")
def validator():
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def assert_valid(validator, log: dict) -> None:
    errors = sorted(validator.iter_errors(log), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:10])


def cli_sarif(*args: str) -> dict:
    result = reglint("check", "--output-format", "sarif", *args, cwd=ROOT)
    assert result.returncode in (0, 1), result.stderr
    assert "Traceback" not in result.stderr
    return json.loads(result.stdout)


def test_the_vendored_schema_is_the_official_file():
    assert hashlib.sha256(SCHEMA_FILE.read_bytes()).hexdigest() == SCHEMA_SHA256
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    assert schema["id"] == sarif.SCHEMA  # the `$schema` reglint writes names this very file
    assert schema["$schema"] == "http://json-schema.org/draft-04/schema#"


def test_the_validator_is_not_vacuous(validator):
    """What the schema forbids is caught: a zero line, a misspelt key, a level SARIF has not."""
    log = cli_sarif("--unsafe-fixes", "--no-cache", "examples/torch_adam_weight_decay.py")
    assert_valid(validator, log)
    result = log["runs"][0]["results"][0]
    for path, value in ((("locations", 0, "physicalLocation", "region", "startLine"), 0),
                        (("level",), "fatal"),
                        (("message", "txt"), "typo")):
        broken = json.loads(json.dumps(log))
        target = broken["runs"][0]["results"][0]
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
        assert list(validator.iter_errors(broken)), path
    assert result["ruleId"] == "RL002"


def test_examples_with_fixes_are_valid(validator):
    log = cli_sarif("--unsafe-fixes", "--no-cache", "examples")
    assert_valid(validator, log)
    run = log["runs"][0]
    assert {r["ruleId"] for r in run["results"]} == {"RL001", "RL002", "RL003"}
    for rule in run["tool"]["driver"]["rules"]:
        assert rule["help"]["text"].startswith("## What it does") and rule["help"]["markdown"]
        assert rule["helpUri"].endswith("#" + rule["id"].lower())
    assert any("fixes" in r for r in run["results"])
    for result in run["results"]:
        assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].startswith("examples/")


def test_a_clean_run_is_valid(validator):
    log = cli_sarif("--no-cache", "examples/clean")
    assert_valid(validator, log)
    assert log["runs"][0]["results"] == [] and log["runs"][0]["tool"]["driver"]["rules"] == []


def test_every_rule_and_odd_inputs_are_valid(validator, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    rules = all_rules()
    diagnostics = []
    for number, (code, rule) in enumerate(rules.items(), 1):
        fix = Fix(Applicability.SAFE, "do it", (Edit(Position(number, 1), Position(number + 1, 1), "x\n"),))
        diagnostics.append(Diagnostic(code, rule.name, f"message {code}", "src/my file.py",
                                      Position(number, 3), Position(number + 2, 1), fix))
    diagnostics.append(Diagnostic("RL002", "l2-with-adaptive-optimizer", "display only", "src/a.py",
                                  Position(1, 1), Position(1, 1), Fix(Applicability.DISPLAY_ONLY, "consider AdamW")))
    results = [
        FileResult("src/my file.py", diagnostics[:-1]),
        FileResult("src/a.py", diagnostics[-1:]),
        FileResult(os.fsdecode(b"caf\xe9.py"), [parse_error(os.fsdecode(b"caf\xe9.py"), "cannot decode")]),
        FileResult(str(tmp_path / "abs.py"), [parse_error(str(tmp_path / "abs.py"), "SyntaxError: invalid syntax", 3, 7)]),
    ]
    out = io.StringIO()
    report.write("sarif", results, out, Context(rules=rules))
    log = json.loads(out.getvalue())
    assert_valid(validator, log)
    assert {r["id"] for r in log["runs"][0]["tool"]["driver"]["rules"]} == set(rules) | {"RL000"}


def test_notebook_results_are_valid(validator, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text("[tool.reglint]\n")
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_markdown_cell("# train"),
        nbformat.v4.new_code_cell("import torch\nmodel = torch.nn.Linear(4, 2)"),
        nbformat.v4.new_code_cell("opt = torch.optim.Adam(model.parameters(), weight_decay=1e-4)"),
    ]
    nbformat.write(notebook, str(tmp_path / "train.ipynb"))
    result = reglint("check", "--output-format", "sarif", "--unsafe-fixes", "--no-cache", "train.ipynb", cwd=tmp_path)
    log = json.loads(result.stdout)
    assert_valid(validator, log)
    (found,) = log["runs"][0]["results"]
    assert found["properties"] == {"cell": 3, "cellLine": 1, "cellColumn": 44} and "fixes" not in found
    # the region is the .ipynb file's own line and column, as code scanning shows that file
    region = found["locations"][0]["physicalLocation"]["region"]
    lines = (tmp_path / "train.ipynb").read_text(encoding="utf-8").splitlines()
    assert lines[region["startLine"] - 1].strip().startswith('"opt = torch.optim.Adam(')
    assert lines[region["startLine"] - 1][region["startColumn"] - 1:region["endColumn"] - 1] == "weight_decay=1e-4"
