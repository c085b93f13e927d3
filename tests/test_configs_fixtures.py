"""Config fixtures: every format's positives, look-alike negatives, fixes and malformed input.

Layout, one folder per format family under tests/fixtures/configs/:

    <case>.yaml | .yml | .json     the config
    <case>.txt                     expected `line:col CODE message`, one per line (empty: silent)
    <case>.fixed.<ext>             the text after `--fix --unsafe-fixes` (absent: unchanged)

Every rule runs, so a case also shows that no other rule speaks.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from reglint.config import Settings
from reglint.configs import source as config_source
from reglint.engine import Plan
from reglint.runner import check_bytes

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "configs"
SUFFIXES = (".yaml", ".yml", ".json", ".prototxt", ".jsonnet")
MESSAGE_LIMIT = 140


def _cases():
    for path in sorted(FIXTURES.rglob("*")):
        if path.suffix in SUFFIXES and ".fixed." not in path.name:
            yield pytest.param(path, id=str(path.relative_to(FIXTURES)))


PLAN = Plan.build(Settings(select=("RL",)))


def _expected(path: Path):
    lines = path.with_name(path.stem + ".txt").read_text().splitlines()
    return [line.strip() for line in lines if line.strip()]


def _found(result):
    return [f"{d.start.line}:{d.start.column} {d.code} {d.message}" for d in result.diagnostics]


@pytest.mark.parametrize("path", list(_cases()))
def test_config_fixture(path: Path) -> None:
    data = path.read_bytes()
    checked = check_bytes(str(path), data, PLAN)
    assert _found(checked) == _expected(path)
    assert all(len(d.message.splitlines()[0]) < MESSAGE_LIMIT for d in checked.diagnostics)

    fixed_path = path.with_name(path.stem + ".fixed" + path.suffix)
    repaired = check_bytes(str(path), data, PLAN, fix=True, unsafe=True)
    if not fixed_path.exists():
        assert repaired.fixed is None, "a fix changed a case that has no .fixed file:\n" + (repaired.fixed or b"").decode()
        return
    assert repaired.fixed is not None, "no fix was applied"
    assert repaired.fixed.decode() == fixed_path.read_text()
    config_source.build_model(str(path), repaired.fixed.decode())  # still reads
    again = check_bytes(str(path), repaired.fixed, PLAN, fix=True, unsafe=True)
    assert again.fixed is None, "fixing the fixed text changed it again"
    before = {(d.code, d.message) for d in checked.diagnostics}
    assert all((d.code, d.message) in before for d in again.diagnostics), "a fix created a new finding"
