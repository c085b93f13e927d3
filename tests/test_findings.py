"""The recorded findings (bench/findings/*.json) are what reglint reports today.

A refactoring of the analysis core must not change a single diagnostic of the
fixtures, the examples, the standard library or the benchmark corpus; a deliberate
change is recorded again with `python bench/findings.py record TARGET` in a commit
that says why.
"""

import importlib.util
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"
spec = importlib.util.spec_from_file_location("bench_findings", BENCH / "findings.py")
findings = importlib.util.module_from_spec(spec)
spec.loader.exec_module(findings)


def _same(name: str) -> None:
    root = findings.targets()[name]
    changed = findings.differences(name, root)
    assert changed is not None, f"nothing recorded for {name}"
    assert not changed, f"{name}: findings changed:\n" + "\n".join(changed[:40])


@pytest.mark.parametrize("name", ["fixtures", "examples"])
def test_recorded_findings(name):
    _same(name)


@pytest.mark.slow
def test_recorded_findings_of_the_standard_library():
    recorded = findings.json.loads((findings.RECORDED / "stdlib.json").read_text())["python"]
    if recorded != "%d.%d" % sys.version_info[:2]:
        pytest.skip(f"the standard library's findings were recorded with Python {recorded}")
    _same("stdlib")


@pytest.mark.slow
def test_recorded_findings_of_the_benchmark_corpus():
    _same("corpus")  # builds bench/.corpus from the pinned wheels when it is missing
