"""The rules against fixture trees, and each rule's docs against the rule.

Layout (TorchFix style), one folder per rule code:

    tests/fixtures/rules/RL001/<case>.py        the input
    tests/fixtures/rules/RL001/<case>.txt       expected `line:col CODE message`, one per line (empty: silent)
    tests/fixtures/rules/RL001/<case>.fixed.py  the text after `--fix --unsafe-fixes`

A case without `.fixed.py` must come out of `--fix --unsafe-fixes` unchanged.
Cases that show a known rule bug are listed in KNOWN_BUGS and run as
`xfail(strict=True)`, so the mark has to go when the bug is fixed.
"""

from __future__ import annotations

import re
from pathlib import Path

import libcst as cst
import pytest

from reglint.config import Settings
from reglint.engine import Plan
from reglint.runner import check_bytes
from reglint.rule import all_rules

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "rules"

# "<CODE>/<case>" -> the bug the fixture shows (reported to the lead; see the fixture's comments).
KNOWN_BUGS = {
    "RL003/tf1_graph_keras_layers": "RL003 miss: tf.keras layers in a TF1 graph do not fill REGULARIZATION_LOSSES; "
    "minimize(loss) without model.losses drops them, but only GradientTape losses are checked for model.losses",
}


def _cases():
    for folder in sorted(p for p in FIXTURES.iterdir() if p.is_dir()):
        for source in sorted(folder.glob("*.py")):
            if source.name.endswith(".fixed.py"):
                continue
            key = f"{folder.name}/{source.stem}"
            marks = [pytest.mark.xfail(strict=True, reason=KNOWN_BUGS[key])] if key in KNOWN_BUGS else []
            yield pytest.param(folder.name, source, id=key, marks=marks)


def _plan(code: str) -> Plan:
    return Plan.build(Settings(select=(code,)))


def _expected(source: Path):
    lines = source.with_suffix(".txt").read_text().splitlines()
    return [line.strip() for line in lines if line.strip()]


def _found(result):
    return [f"{d.start.line}:{d.start.column} {d.code} {d.message}" for d in result.diagnostics]


@pytest.mark.parametrize("code, source", list(_cases()))
def test_fixture(code: str, source: Path) -> None:
    plan = _plan(code)
    data = source.read_bytes()
    checked = check_bytes(str(source), data, plan)
    assert _found(checked) == _expected(source)
    assert all(d.code == code for d in checked.diagnostics)

    fixed_path = source.with_name(source.stem + ".fixed.py")
    repaired = check_bytes(str(source), data, plan, fix=True, unsafe=True)
    if not fixed_path.exists():
        assert repaired.fixed is None, "a fix changed a case that has no .fixed.py:\n" + (repaired.fixed or b"").decode()
        return
    assert repaired.fixed is not None, "no fix was applied"
    fixed_text = repaired.fixed.decode()
    assert fixed_text == fixed_path.read_text()
    cst.parse_module(fixed_text)
    again = check_bytes(str(source), repaired.fixed, plan, fix=True, unsafe=True)
    assert again.fixed is None, "fixing the fixed text changed it again"


# Cases whose message suggests code other than what the fix writes (same convention as KNOWN_BUGS).
MESSAGE_BUGS = {
}
# "; use `X`" in a message; "Use `X`" / "Halve the coefficient: use `X`" in a fix title
SUGGESTION = re.compile(r"(?:^|; |: )[Uu]se `([^`]*)`")


def _fixed_cases():
    for param in _cases():
        code, source = param.values
        if source.with_name(source.stem + ".fixed.py").exists() and param.id not in KNOWN_BUGS:
            marks = [pytest.mark.xfail(strict=True, reason=MESSAGE_BUGS[param.id])] if param.id in MESSAGE_BUGS else []
            yield pytest.param(code, source, id=param.id, marks=marks)


@pytest.mark.parametrize("code, source", list(_fixed_cases()))
def test_message_suggests_what_the_fix_writes(code: str, source: Path) -> None:
    """A concrete `use X` in the message or fix title of a fixable diagnostic appears in the fixed text."""
    plan = _plan(code)
    checked = check_bytes(str(source), source.read_bytes(), plan)
    fixed_text = " ".join(source.with_name(source.stem + ".fixed.py").read_text().split())
    for diagnostic in checked.diagnostics:
        if diagnostic.fix is None or not diagnostic.fix.edits:
            continue
        for suggestion in SUGGESTION.findall(diagnostic.message) + SUGGESTION.findall(diagnostic.fix.message):
            if "..." in suggestion or "…" in suggestion:
                continue
            assert " ".join(suggestion.split()) in fixed_text, diagnostic.message


@pytest.mark.parametrize("folder", sorted(p for p in FIXTURES.iterdir() if p.is_dir()), ids=lambda p: p.name)
def test_every_rule_has_enough_cases(folder: Path) -> None:
    """At least 12 cases, a third of them code that must stay silent."""
    cases = [p for p in folder.glob("*.py") if not p.name.endswith(".fixed.py")]
    silent = [p for p in cases if not _expected(p)]
    assert len(cases) >= 12 and len(silent) * 3 >= len(cases)


def test_every_case_has_expectations() -> None:
    for source in FIXTURES.glob("*/*.py"):
        if source.name.endswith(".fixed.py"):
            assert source.with_name(source.name[: -len(".fixed.py")] + ".py").exists(), source
        else:
            assert source.with_suffix(".txt").exists(), source
            assert all(re.fullmatch(r"\d+:\d+ RL\d{3} \S.*", line) for line in _expected(source)), source
    for key in KNOWN_BUGS:
        assert (FIXTURES / f"{key}.py").exists(), key


# -- docs -------------------------------------------------------------------------

HEADINGS = ("What it does", "Why is this bad?", "Example", "Use instead", "Fix safety", "Options", "References")
HAZARD_RULES = tuple(f"RL00{n}" for n in range(1, 10)) + ("RL010", "RL011", "RL012", "RL013")  # the hazard catalogue
RULES = [pytest.param(rule, id=code) for code, rule in all_rules().items() if code in HAZARD_RULES]


def _sections(docs: str) -> dict:
    parts = re.split(r"^## (.+)$", docs, flags=re.MULTILINE)
    return {title.strip(): body for title, body in zip(parts[1::2], parts[2::2])}


def _python_block(body: str) -> str:
    match = re.search(r"```python\n(.*?)```", body, re.DOTALL)
    assert match, "no ```python block"
    return match.group(1)


@pytest.mark.parametrize("rule", RULES)
def test_docs_have_ruff_headings(rule) -> None:
    found = re.findall(r"^## (.+)$", rule.docs, flags=re.MULTILINE)
    assert tuple(h.strip() for h in found) == HEADINGS


@pytest.mark.parametrize("rule", RULES)
def test_docs_example_is_flagged_and_use_instead_is_not(rule) -> None:
    sections = _sections(rule.docs)
    plan = _plan(rule.code)
    example = _python_block(sections["Example"])
    use_instead = _python_block(sections["Use instead"])
    flagged = check_bytes("example.py", example.encode(), plan)
    assert [d.code for d in flagged.diagnostics if d.code == rule.code], example
    # `Use instead` shows the changed lines; read in place of the example's, they must be silent.
    good = _replace_lines(example, use_instead)
    silent = check_bytes("use_instead.py", good.encode(), plan)
    assert not silent.diagnostics, good
    alone = check_bytes("use_instead.py", use_instead.encode(), plan)
    assert not alone.diagnostics, use_instead


def _statement_key(statement: str) -> str:
    """`name = ...` -> `name`; `layers.Conv2D(...)` -> `layers.Conv2D`."""
    return re.match(r"[^(=]*", statement).group(0).strip()


def _replace_lines(example: str, use_instead: str) -> str:
    """The example with each of `use_instead`'s statements put in place of the one it rewrites."""
    module = cst.parse_module(example)
    replacements = {_statement_key(module.code_for_node(s).strip()): s for s in cst.parse_module(use_instead).body}
    body = []
    for statement in module.body:
        key = _statement_key(module.code_for_node(statement).strip())
        body.append(replacements.pop(key, statement))
    body.extend(replacements.values())
    return module.with_changes(body=body).code
