"""A diagnostic's first line says what and where, ruff style, in under 140 characters
(issue 14 item 8); the why goes to its note and the suggested change to its fix title."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reglint.config import Settings
from reglint.engine import Plan
from reglint.runner import check_bytes

ROOT = Path(__file__).resolve().parent.parent
LIMIT = 140
SHORT = ("RL001", "RL002", "RL003", "RL004", "RL005", "RL006", "RL007", "RL008", "RL009", "RL010", "RL011", "RL012", "RL013")
PLAN = Plan.build(Settings(select=SHORT))


def _sources():
    fixtures = sorted(p for p in (ROOT / "tests" / "fixtures").rglob("*.py") if not p.name.endswith(".fixed.py"))
    examples = sorted(p for p in (ROOT / "examples").rglob("*") if p.suffix in (".py", ".ipynb"))
    return fixtures + examples


def _long(diagnostics):
    return [f"{d.path}:{d.start.line}: {len(d.message)} {d.message}" for d in diagnostics if len(d.message) >= LIMIT]


@pytest.mark.parametrize("source", _sources(), ids=lambda p: str(p.relative_to(ROOT)))
def test_first_line_is_short(source: Path) -> None:
    found = check_bytes(str(source), source.read_bytes(), PLAN).diagnostics
    assert not _long(d for d in found if d.code in SHORT)
    assert all("\n" not in d.message for d in found)


@pytest.mark.parametrize("target", ["fixtures", "examples", "stdlib", "corpus"])
def test_recorded_first_lines_are_short(target: str) -> None:
    """The recorded findings (kept equal to a live run by tests/test_findings.py) include the corpus."""
    recorded = json.loads((ROOT / "bench" / "findings" / f"{target}.json").read_text(encoding="utf-8"))["findings"]
    long = [f"{f['file']}:{f['start'][0]}: {f['message']}" for f in recorded if f["code"] in SHORT and len(f["message"]) >= LIMIT]
    assert not long


def test_why_goes_to_the_note_and_the_change_to_the_fix_title() -> None:
    source = (
        "from tensorflow.keras import layers, regularizers\n"
        "WEIGHT_DECAY = 5e-4\n"
        "dense = layers.Dense(8, kernel_regularizer=regularizers.l2(WEIGHT_DECAY))\n"
    )
    (diagnostic,) = check_bytes("train.py", source.encode(), Plan.build(Settings(select=("RL001",)))).diagnostics
    assert diagnostic.message == "Weight decay `WEIGHT_DECAY` used as a Keras L2 coefficient: twice the intended penalty"
    # the name is the code itself: the note does not repeat it as evidence
    assert diagnostic.note == "`regularizers.l2(λ)` adds λ·Σw², twice Caffe/PyTorch weight decay's λ/2·Σw²"
    assert diagnostic.fix.message == "Halve the coefficient: use `regularizers.l2(WEIGHT_DECAY / 2)`"


def test_evidence_the_code_does_not_show_goes_to_the_note() -> None:
    source = (
        "from tensorflow.keras import layers, regularizers\n"
        "DECAY = 5e-4  # weight decay from the Caffe solver\n"
        "dense = layers.Dense(8, kernel_regularizer=regularizers.l2(DECAY))\n"
    )
    (diagnostic,) = check_bytes("train.py", source.encode(), Plan.build(Settings(select=("RL001",)))).diagnostics
    assert diagnostic.message == "Weight decay `DECAY` used as a Keras L2 coefficient: twice the intended penalty"
    assert diagnostic.note == ("`regularizers.l2(λ)` adds λ·Σw², twice Caffe/PyTorch weight decay's λ/2·Σw²; "
                               "read as weight decay: commented `# weight decay from the Caffe solver`")


def test_long_code_is_cut_in_the_first_line_only() -> None:
    source = (
        "import torch\n"
        "opt = torch.optim.Adam(model.parameters(), 1e-3, (0.9, 0.999), config.optimizer_settings.regularization.weight_decay)\n"
    )
    (diagnostic,) = check_bytes("train.py", source.encode(), Plan.build(Settings(select=("RL011",)))).diagnostics
    assert diagnostic.message == (
        "`config.optimizer_settings.regularizatio…` goes into `eps`, the 4th positional parameter of `Adam`, "
        "not `weight_decay` (the 5th)")
    assert "config.optimizer_settings.regularization.weight_decay" in diagnostic.fix.message
