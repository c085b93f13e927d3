"""Every output format, exactly: unit tests on hand-built diagnostics, then the real CLI.

The unit tests pin whole outputs (strings or parsed JSON) because the formats are
a contract with editors, CI annotations and code scanning: a changed column or
key is a breaking change and should fail here first.
"""

from __future__ import annotations

import io
from dataclasses import replace
import json
import os
import re
import subprocess
import sys

import pytest

from reglint import __version__, cli, report
from reglint.config import OUTPUT_FORMATS
from reglint.diagnostic import Applicability, Diagnostic, Edit, Fix, Position, parse_error
from reglint.pipeline import FileResult
from reglint.report import Context, github, sarif
from reglint.rule import Rule

from _cli import reglint

ANSI = re.compile(r"\x1b\[")

SOURCE = (
    "import torch\n"
    "opt = torch.optim.Adam(model.parameters(), lr=1e-3, weight_decay=1e-4)\n"
)
RULE = Rule(
    code="RL002",
    name="l2-with-adaptive-optimizer",
    summary="coupled L2 penalty reaching an adaptive optimizer",
    fix=Applicability.UNSAFE,
    words=(b"weight_decay",),
    docs="## What it does\nFlags coupled L2 with Adam.",
)
RULES = {"RL002": RULE}


def make(code="RL002", message="Adam's weight_decay is coupled L2", path="train.py",
         start=(2, 53), end=(2, 70), fix=None, name=None):
    return Diagnostic(code, name or ("unreadable-file" if code == "RL000" else RULE.name), message, path,
                      Position(*start), Position(*end), fix)


UNSAFE_FIX = Fix(Applicability.UNSAFE, "Use torch.optim.AdamW", (Edit(Position(2, 19), Position(2, 23), "AdamW"),))
SAFE_FIX = Fix(Applicability.SAFE, "Remove the argument", (Edit(Position(2, 51), Position(2, 70), ""),))
DISPLAY_FIX = Fix(Applicability.DISPLAY_ONLY, "Consider AdamW")


def render(fmt, results, **context):
    out = io.StringIO()
    report.write(fmt, results, out, Context(rules=context.pop("rules", RULES), **context))
    return out.getvalue()


def one(diagnostic, source=SOURCE, path="train.py"):
    return [FileResult(path, [diagnostic], source)]


# -- the registry of formats ---------------------------------------------------------

def test_every_configurable_format_has_a_module():
    assert set(report.FORMAT_MODULES) == set(OUTPUT_FORMATS)


@pytest.mark.parametrize("fmt", OUTPUT_FORMATS)
def test_every_format_handles_no_results(fmt):
    expected = {"json": "[]\n", "json-lines": "", "full": "", "concise": "", "github": ""}
    text = render(fmt, [FileResult("clean.py")])
    if fmt == "sarif":
        assert json.loads(text)["runs"][0]["results"] == []
    else:
        assert text == expected[fmt]


@pytest.mark.parametrize("fmt", OUTPUT_FORMATS)
def test_every_format_reports_an_unparseable_file_without_source(fmt):
    results = [FileResult("bad.py", [parse_error("bad.py", "SyntaxError: invalid syntax", 3, 7)])]
    text = render(fmt, results, color=True)
    assert "RL000" in text and "invalid syntax" in text


# -- concise -------------------------------------------------------------------------

def test_concise_exact_lines_and_fix_marker():
    results = [
        FileResult("a.py", [make(path="a.py", fix=SAFE_FIX), make(path="a.py", start=(3, 1), end=(3, 4), fix=UNSAFE_FIX)]),
        FileResult("b.py", [make(path="b.py", start=(1, 1), end=(1, 2), fix=DISPLAY_FIX), make(path="b.py", start=(5, 9), end=(5, 9))]),
    ]
    assert render("concise", results) == (
        "a.py:2:53: RL002 [*] Adam's weight_decay is coupled L2\n"
        "a.py:3:1: RL002 Adam's weight_decay is coupled L2\n"
        "b.py:1:1: RL002 Adam's weight_decay is coupled L2\n"
        "b.py:5:9: RL002 Adam's weight_decay is coupled L2\n"
    )
    with_unsafe = render("concise", results, unsafe_fixes=True).splitlines()
    assert with_unsafe[1] == "a.py:3:1: RL002 [*] Adam's weight_decay is coupled L2"
    assert with_unsafe[2] == "b.py:1:1: RL002 Adam's weight_decay is coupled L2"  # display-only never


# -- full ----------------------------------------------------------------------------

def test_full_exact_with_unsafe_fix_hint():
    assert render("full", one(make(fix=UNSAFE_FIX))) == (
        "train.py:2:53: RL002 Adam's weight_decay is coupled L2\n"
        "  |\n"
        "2 | opt = torch.optim.Adam(model.parameters(), lr=1e-3, weight_decay=1e-4)\n"
        "  |                                                     ^^^^^^^^^^^^^^^^^\n"
        "  |\n"
        "  = help: Use torch.optim.AdamW (unsafe fix, apply with --unsafe-fixes)\n"
        "\n"
    )


def test_full_caret_spans_exactly_the_range():
    text = render("full", one(make())).splitlines()
    source_line, caret_line = text[2], text[3]
    start = caret_line.index("^")
    assert source_line[start:start + caret_line.count("^")] == "weight_decay=1e-4"


def test_full_unsafe_fix_enabled_has_marker_and_no_hint():
    text = render("full", one(make(fix=UNSAFE_FIX)), unsafe_fixes=True)
    assert text.splitlines()[0] == "train.py:2:53: RL002 [*] Adam's weight_decay is coupled L2"
    assert "  = help: Use torch.optim.AdamW\n" in text


def test_full_safe_and_display_only_help():
    assert "  = help: Remove the argument\n" in render("full", one(make(fix=SAFE_FIX)))
    text = render("full", one(make(fix=DISPLAY_FIX)))
    assert "  = help: Consider AdamW\n" in text and "[*]" not in text


def test_full_without_fix_has_no_help():
    assert "help" not in render("full", one(make()))


def test_full_header_is_the_concise_line():
    for diagnostic in (make(), make(fix=SAFE_FIX), make(fix=UNSAFE_FIX)):
        assert render("full", one(diagnostic)).splitlines()[0] == render("concise", one(diagnostic)).rstrip("\n")


def test_full_parse_error_without_source_is_header_only():
    results = [FileResult("bad.py", [parse_error("bad.py", "SyntaxError: invalid syntax", 3, 7)])]
    assert render("full", results) == "bad.py:3:7: RL000 SyntaxError: invalid syntax\n\n"


def test_full_zero_width_range_gets_one_caret():
    text = render("full", one(make(start=(1, 13), end=(1, 13))))
    assert text.splitlines()[2:4] == ["1 | import torch", "  |             ^"]


def test_full_expands_tabs_and_keeps_the_caret_under_the_range():
    source = "if x:\n\topt = Adam(p, weight_decay=1)\n"
    text = render("full", one(make(start=(2, 16), end=(2, 30)), source=source)).splitlines()
    assert text[2] == "2 |     opt = Adam(p, weight_decay=1)"
    assert text[3] == "  |                   ^^^^^^^^^^^^^^"


def test_full_counts_wide_characters_as_two_cells():
    source = "note = '学习率' ; opt = Adam(p, weight_decay=1)\n"
    text = render("full", one(make(start=(1, 30), end=(1, 44)), source=source)).splitlines()
    # 3 wide characters before the range push the carets 3 cells right
    assert text[3] == "  | " + " " * 32 + "^" * 14


def test_full_shows_control_characters_visibly():
    source = "x = '\x1b[31m'  # weight_decay\n"
    text = render("full", one(make(start=(1, 1), end=(1, 2)), source=source))
    assert "\x1b" not in text
    assert "1 | x = '\u241b[31m'  # weight_decay\n" in text


def test_full_windows_a_very_long_line():
    source = "x = [" + "1, " * 400 + "]; opt = Adam(p, weight_decay=1)\n"
    column = source.index("weight_decay") + 1
    text = render("full", one(make(start=(1, column), end=(1, column + 14)), source=source)).splitlines()
    shown, carets = text[2], text[3]
    assert len(shown) < 250 and shown.startswith("1 | …")
    start = carets.index("^")
    assert shown[start:start + 14] == "weight_decay=1"


def test_full_multiline_range_is_elided_in_the_middle():
    source = "opt = Adam(\n    p,\n    lr=1,\n    betas=b,\n    eps=e,\n    weight_decay=1,\n)\n"
    text = render("full", one(make(start=(1, 7), end=(7, 2)), source=source))
    assert text == (
        "train.py:1:7: RL002 Adam's weight_decay is coupled L2\n"
        "  |\n"
        "1 | opt = Adam(\n"
        "  |       ^^^^^\n"
        "2 |     p,\n"
        "  |     ^^\n"
        "...\n"
        "6 |     weight_decay=1,\n"
        "  |     ^^^^^^^^^^^^^^^\n"
        "7 | )\n"
        "  | ^\n"
        "  |\n"
        "\n"
    )


def test_full_range_ending_at_start_of_next_line_shows_one_line():
    text = render("full", one(make(start=(1, 1), end=(2, 1))))
    assert "2 |" not in text and "1 | import torch\n  | ^^^^^^^^^^^^\n" in text


def test_full_gutter_widens_for_long_line_numbers():
    source = "\n" * 99 + "opt = Adam(p, weight_decay=1)\n"
    text = render("full", one(make(start=(100, 15), end=(100, 29), fix=SAFE_FIX), source=source)).splitlines()
    assert text[1:6] == [
        "    |",
        "100 | opt = Adam(p, weight_decay=1)",
        "    |               ^^^^^^^^^^^^^^",
        "    |",
        "    = help: Remove the argument",
    ]


@pytest.mark.parametrize("start,end", [((40, 1), (40, 5)), ((0, 0), (0, 0)), ((2, 500), (2, 600)), ((2, 5), (1, 1))])
def test_full_positions_outside_the_source_do_not_crash(start, end):
    text = render("full", one(make(start=start, end=end)))
    assert text.startswith(f"train.py:{start[0]}:{start[1]}: RL002")


def test_full_show_source_false_prints_header_and_help_only():
    text = render("full", one(make(fix=SAFE_FIX)), show_source=False)
    assert text == "train.py:2:53: RL002 [*] Adam's weight_decay is coupled L2\n  = help: Remove the argument\n\n"


def test_full_plain_has_no_escape_codes_and_color_has_them(monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")  # context.color is the decision; rich must not override it
    monkeypatch.setenv("TERM", "dumb")
    long_line = "opt = torch.optim.Adam(model.parameters(), lr=1e-3, weight_decay=1e-4)" + "  # " + "x" * 120
    results = one(make(message="[bold]literal[/bold] brackets", fix=UNSAFE_FIX), source="import torch\n" + long_line + "\n")
    plain = render("full", results, color=False)
    colored = render("full", results, color=True)
    assert not ANSI.search(plain)
    assert ANSI.search(colored)
    assert re.sub(r"\x1b\[[0-9;]*m", "", colored) == plain  # same text: no wrapping, no markup
    assert "[bold]literal[/bold]" in plain


def test_full_plain_does_not_import_rich():
    code = (
        "import io, sys; from reglint import report; from reglint.pipeline import FileResult; "
        "from reglint.diagnostic import parse_error; "
        "report.write('full', [FileResult('x.py', [parse_error('x.py', 'boom')])], io.StringIO(), report.Context(rules={})); "
        "print('rich' in sys.modules)"
    )
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout == "False\n"


# -- json and json-lines ---------------------------------------------------------------

EXPECTED_RL002 = {
    "code": "RL002",
    "name": "l2-with-adaptive-optimizer",
    "message": "Adam's weight_decay is coupled L2",
    "filename": "train.py",
    "location": {"row": 2, "column": 53},
    "end_location": {"row": 2, "column": 70},
    "fix": {
        "applicability": "unsafe",
        "message": "Use torch.optim.AdamW",
        "edits": [{"content": "AdamW", "location": {"row": 2, "column": 19}, "end_location": {"row": 2, "column": 23}}],
    },
    "url": "https://github.com/reglint/reglint/blob/main/docs/rules.md#rl002",
    "noqa_row": 2,
}
EXPECTED_RL000 = {
    "code": "RL000",
    "name": "unreadable-file",
    "message": "SyntaxError: bad",
    "filename": "a.py",
    "location": {"row": 4, "column": 2},
    "end_location": {"row": 4, "column": 2},
    "fix": None,
    "url": None,
    "noqa_row": 4,
}


def _mixed_results():
    """Out of order on purpose: the JSON formats sort by filename, row, column."""
    return [
        FileResult("train.py", [make(start=(9, 1), end=(9, 2), fix=DISPLAY_FIX), make(fix=UNSAFE_FIX)], SOURCE),
        FileResult("a.py", [parse_error("a.py", "SyntaxError: bad", 4, 2)]),
    ]


def test_json_exact():
    parsed = json.loads(render("json", _mixed_results()))
    assert parsed == [
        EXPECTED_RL000,
        EXPECTED_RL002,
        {**EXPECTED_RL002, "location": {"row": 9, "column": 1}, "end_location": {"row": 9, "column": 2}, "noqa_row": 9,
         "fix": {"applicability": "display-only", "message": "Consider AdamW", "edits": []}},
    ]
    assert [list(item) for item in parsed] == [list(EXPECTED_RL002)] * 3  # the documented key order


def test_json_text_is_indented_and_stable():
    text = render("json", [FileResult("a.py", [parse_error("a.py", "SyntaxError: bad", 4, 2)])])
    assert text == "[\n" + "\n".join("  " + line for line in json.dumps(EXPECTED_RL000, indent=2).splitlines()) + "\n]\n"
    assert render("json", _mixed_results()) == render("json", list(reversed(_mixed_results())))


def test_json_escapes_non_ascii():
    text = render("json", one(make(message="λ is 1e-4 — too big")))
    assert text.isascii() and json.loads(text)[0]["message"] == "λ is 1e-4 — too big"


def test_json_lines_match_json_one_compact_object_per_line():
    lines = render("json-lines", _mixed_results()).splitlines()
    assert [json.loads(line) for line in lines] == json.loads(render("json", _mixed_results()))
    assert lines[0] == (
        '{"code":"RL000","name":"unreadable-file","message":"SyntaxError: bad","filename":"a.py",'
        '"location":{"row":4,"column":2},"end_location":{"row":4,"column":2},"fix":null,"url":null,"noqa_row":4}'
    )


def test_json_url_is_null_for_a_code_without_a_rule():
    assert json.loads(render("json", one(make()), rules={}))[0]["url"] is None


# -- sarif ---------------------------------------------------------------------------

def _check_sarif_shape(log):
    """The parts of SARIF 2.1.0 that GitHub code scanning requires, with their types."""
    assert log["version"] == "2.1.0"
    assert log["$schema"] == "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
    assert isinstance(log["runs"], list) and len(log["runs"]) == 1
    run = log["runs"][0]
    driver = run["tool"]["driver"]
    assert driver["name"] == "reglint" and driver["version"] == __version__
    assert driver["informationUri"].startswith("https://")
    rules = driver["rules"]
    assert [r["id"] for r in rules] == sorted(r["id"] for r in rules)
    for rule in rules:
        assert isinstance(rule["id"], str) and isinstance(rule["name"], str)
        for key in ("shortDescription", "fullDescription", "help"):
            assert isinstance(rule[key]["text"], str) and rule[key]["text"]
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["level"] in ("error", "warning")
        assert isinstance(result["message"]["text"], str)
        for location in result["locations"]:
            physical = location["physicalLocation"]
            uri = physical["artifactLocation"]["uri"]
            assert isinstance(uri, str) and "\\" not in uri and not uri.startswith("/")
            region = physical["region"]
            assert set(region) == {"startLine", "startColumn", "endLine", "endColumn"}
            assert all(isinstance(v, int) and v >= 1 for v in region.values())
        for fix in result.get("fixes", []):
            for change in fix["artifactChanges"]:
                assert isinstance(change["artifactLocation"]["uri"], str)
                for replacement in change["replacements"]:
                    assert set(replacement["deletedRegion"]) == {"startLine", "startColumn", "endLine", "endColumn"}
                    assert isinstance(replacement["insertedContent"]["text"], str)
    assert {r["ruleId"] for r in run["results"]} == {r["id"] for r in rules}


def test_sarif_shape_rules_and_results():
    log = json.loads(render("sarif", _mixed_results()))
    _check_sarif_shape(log)
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == ["RL000", "RL002"]
    assert rules[1] == {
        "id": "RL002",
        "name": "l2-with-adaptive-optimizer",
        "shortDescription": {"text": "coupled L2 penalty reaching an adaptive optimizer"},
        "fullDescription": {"text": RULE.docs},
        "help": {"text": RULE.docs, "markdown": RULE.docs},
        "helpUri": RULE.url,
        "defaultConfiguration": {"level": "warning"},
    }
    assert rules[0]["defaultConfiguration"] == {"level": "error"}
    assert run["columnKind"] == "unicodeCodePoints"
    results = run["results"]
    assert [(r["ruleId"], r["ruleIndex"], r["level"]) for r in results] == [
        ("RL000", 0, "error"), ("RL002", 1, "warning"), ("RL002", 1, "warning")]
    assert results[1] == {
        "ruleId": "RL002",
        "ruleIndex": 1,
        "level": "warning",
        "message": {"text": "Adam's weight_decay is coupled L2"},
        "locations": [{"physicalLocation": {
            "artifactLocation": {"uri": "train.py"},
            "region": {"startLine": 2, "startColumn": 53, "endLine": 2, "endColumn": 70},
        }}],
        "fixes": [{
            "description": {"text": "Use torch.optim.AdamW"},
            "artifactChanges": [{
                "artifactLocation": {"uri": "train.py"},
                "replacements": [{
                    "deletedRegion": {"startLine": 2, "startColumn": 19, "endLine": 2, "endColumn": 23},
                    "insertedContent": {"text": "AdamW"},
                }],
            }],
        }],
    }
    assert "fixes" not in results[2]  # a display-only fix has no edits to offer


def test_sarif_uris_are_relative_posix_and_percent_encoded(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert sarif.uri("src/train.py") == "src/train.py"
    assert sarif.uri("./src/my train.py") == "src/my%20train.py"
    assert sarif.uri(str(tmp_path / "pkg" / "a.py")) == "pkg/a.py"
    assert sarif.uri("50%.py") == "50%25.py"


# -- github --------------------------------------------------------------------------

def test_github_exact_lines():
    results = _mixed_results()
    assert render("github", results) == (
        "::warning title=reglint (RL002),file=train.py,line=9,col=1,endLine=9,endColumn=2::RL002 Adam's weight_decay is coupled L2\n"
        "::warning title=reglint (RL002),file=train.py,line=2,col=53,endLine=2,endColumn=70::RL002 Adam's weight_decay is coupled L2\n"
        "::error title=reglint (RL000),file=a.py,line=4,col=2,endLine=4,endColumn=2::RL000 SyntaxError: bad\n"
    )


def test_github_escapes_message_and_properties():
    diagnostic = make(message="100% wrong\r\nsecond line: a, b", path="dir,x/a:b%.py")
    assert github.line(diagnostic) == (
        "::warning title=reglint (RL002),file=dir%2Cx/a%3Ab%25.py,line=2,col=53,endLine=2,endColumn=70"
        "::RL002 100%25 wrong%0D%0Asecond line: a, b"
    )


def test_github_multiline_range_has_no_columns():
    assert github.line(make(start=(1, 7), end=(7, 2))) == (
        "::warning title=reglint (RL002),file=train.py,line=1,endLine=7::RL002 Adam's weight_decay is coupled L2"
    )


# -- statistics and summary ------------------------------------------------------------

def _stat_results():
    other = make(code="RL005", name="decay-on-norm", start=(3, 1), end=(3, 2))
    return [FileResult("a.py", [make(fix=UNSAFE_FIX)] * 12 + [other, parse_error("a.py", "x")])]


def test_statistics_exact():
    out = io.StringIO()
    report.write_statistics(_stat_results(), out, Context(rules=RULES))
    assert out.getvalue() == "12\tRL002\tl2-with-adaptive-optimizer\n 1\tRL000\tunreadable-file\n 1\tRL005\tdecay-on-norm\n"
    out = io.StringIO()
    report.write_statistics(_stat_results(), out, Context(rules=RULES, unsafe_fixes=True))
    assert out.getvalue() == (
        "12\tRL002\t[*] l2-with-adaptive-optimizer\n 1\tRL000\t[ ] unreadable-file\n 1\tRL005\t[ ] decay-on-norm\n")


def test_statistics_json_has_ruffs_fields():
    out = io.StringIO()
    report.write_statistics(_stat_results(), out, Context(rules=RULES, unsafe_fixes=True), "json")
    assert json.loads(out.getvalue()) == [
        {"code": "RL002", "name": "l2-with-adaptive-optimizer", "count": 12, "fixable": True},
        {"code": "RL000", "name": "unreadable-file", "count": 1, "fixable": False},
        {"code": "RL005", "name": "decay-on-norm", "count": 1, "fixable": False},
    ]
    out = io.StringIO()
    report.write_statistics([FileResult("a.py")], out, Context(rules=RULES), "json")
    assert out.getvalue() == "[]\n"


def test_statistics_empty_prints_nothing():
    out = io.StringIO()
    report.write_statistics([FileResult("a.py")], out, Context(rules=RULES))
    assert out.getvalue() == ""


@pytest.mark.parametrize("diagnostics,fixed,unsafe,expected", [
    ([], [], False, "All checks passed!"),
    ([make()], [], False, "Found 1 diagnostic."),
    ([make(), make(fix=SAFE_FIX)], [], False, "Found 2 diagnostics (1 fixable with --fix)."),
    ([make(fix=UNSAFE_FIX)], [], False, "Found 1 diagnostic (1 hidden fix can be enabled with the `--unsafe-fixes` option)."),
    ([make(fix=UNSAFE_FIX)], [], True, "Found 1 diagnostic (1 fixable with --fix)."),
    ([make(fix=SAFE_FIX), make(fix=UNSAFE_FIX), make(fix=DISPLAY_FIX)], [], False,
     "Found 3 diagnostics (1 fixable with --fix; 1 hidden fix can be enabled with the `--unsafe-fixes` option)."),
    ([make()], [make(fix=SAFE_FIX)] * 2, False, "Found 3 diagnostics (2 fixed, 1 remaining)."),
    ([], [make(fix=SAFE_FIX)], False, "Found 1 diagnostic (1 fixed, 0 remaining)."),
])
def test_summary(diagnostics, fixed, unsafe, expected):
    result = FileResult("a.py", list(diagnostics), SOURCE, fixed_diagnostics=list(fixed))
    assert report.summary([result], Context(rules=RULES, unsafe_fixes=unsafe)) == expected


@pytest.mark.parametrize("diagnostics,fixed,unsafe,expected", [
    ([], [], False, None),
    ([make(), make(fix=DISPLAY_FIX)], [], False, None),
    ([make(fix=UNSAFE_FIX)], [], False, "No fixes available (1 hidden fix can be enabled with the `--unsafe-fixes` option)."),
    ([make(fix=UNSAFE_FIX)] * 2, [], False, "No fixes available (2 hidden fixes can be enabled with the `--unsafe-fixes` option)."),
    ([], [make(fix=SAFE_FIX)], False, "Would fix 1 diagnostic."),
    ([make(fix=UNSAFE_FIX)], [make(fix=SAFE_FIX)] * 2, False,
     "Would fix 2 diagnostics (1 hidden fix can be enabled with the `--unsafe-fixes` option)."),
])
def test_diff_summary(diagnostics, fixed, unsafe, expected):
    result = FileResult("a.py", list(diagnostics), SOURCE, fixed_diagnostics=list(fixed))
    assert report.diff_summary([result], Context(rules=RULES, unsafe_fixes=unsafe)) == expected


# -- end to end: the real CLI ------------------------------------------------------------

def _rl002_available() -> bool:
    from reglint.rule import all_rules

    return "RL002" in all_rules()


needs_rl002 = pytest.mark.skipif(not _rl002_available(), reason="rule RL002 has not landed in rules/ yet")

HAZARD = (
    "import torch\n"
    "\n"
    "model = torch.nn.Linear(2, 2)\n"
    "opt = torch.optim.Adam(model.parameters(), lr=1e-3, weight_decay=1e-4)\n"
)
HAZARD_COLUMN = HAZARD.splitlines()[3].index("weight_decay=1e-4") + 1


@pytest.fixture
def hazard(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NO_COLOR", raising=False)
    (tmp_path / "train.py").write_text(HAZARD)
    return "train.py"


def run_cli(capsys, *args):
    code = cli.main(["check", "--no-cache", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_cli_missing_file_is_rl000_in_every_format(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    for fmt in OUTPUT_FORMATS:
        code, out, _ = run_cli(capsys, "--output-format", fmt, "missing.py")
        assert code == 1, fmt
        assert "RL000" in out, fmt
    code, out, err = run_cli(capsys, "--output-format", "concise", "missing.py")
    assert out == "missing.py:1:1: RL000 cannot read: No such file or directory\n"
    assert err == "Found 1 diagnostic.\n"
    _, out, _ = run_cli(capsys, "--output-format", "sarif", "missing.py")
    _check_sarif_shape(json.loads(out))


def test_cli_syntax_error_is_rl000_with_parser_position(tmp_path, monkeypatch, capsys):
    """A file that reaches the parser (it holds every rule's words) but does not parse."""
    from reglint.rule import all_rules

    triggers = sorted({w.decode().strip() for rule in all_rules().values() for w in rule.all_words})
    if not triggers:
        pytest.skip("no rules registered yet, so nothing reaches the parser")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "broken.py").write_text("# " + " ".join(triggers) + "\n" + "def f(:\n")
    code, out, _ = run_cli(capsys, "--output-format", "json", "broken.py")
    (item,) = json.loads(out)
    assert code == 1
    assert (item["code"], item["filename"], item["location"]["row"], item["url"]) == ("RL000", "broken.py", 2, None)
    assert item["message"].startswith("SyntaxError")
    _, out, _ = run_cli(capsys, "--output-format", "github", "broken.py")
    assert out.startswith("::error title=reglint (RL000),file=broken.py,line=2,")
    _, out, _ = run_cli(capsys, "--output-format", "full", "broken.py")
    assert out.startswith("broken.py:2:") and " RL000 SyntaxError" in out.splitlines()[0]


@needs_rl002
def test_cli_concise_and_summary(hazard, capsys):
    code, out, err = run_cli(capsys, "--output-format", "concise", hazard)
    assert code == 1
    assert re.fullmatch(rf"train\.py:4:{HAZARD_COLUMN}: RL002 .+\n", out)
    assert err.startswith("Found 1 diagnostic")


@needs_rl002
def test_cli_full_is_plain_when_not_a_tty(hazard, capsys):
    code, out, _ = run_cli(capsys, hazard)
    lines = out.splitlines()
    assert code == 1 and not ANSI.search(out)
    assert lines[0].startswith(f"train.py:4:{HAZARD_COLUMN}: RL002 ")
    assert lines[2] == "4 | " + HAZARD.splitlines()[3]
    assert lines[3].index("^") == lines[2].index("weight_decay=1e-4")


@needs_rl002
def test_cli_json_and_json_lines(hazard, capsys):
    _, out, err = run_cli(capsys, "--output-format", "json", hazard)
    parsed = json.loads(out)
    assert err == ""  # machine formats keep stderr quiet
    assert len(parsed) == 1
    item = parsed[0]
    assert (item["code"], item["filename"], item["location"], item["noqa_row"]) == (
        "RL002", "train.py", {"row": 4, "column": HAZARD_COLUMN}, 4)
    assert item["end_location"]["row"] == 4 and item["end_location"]["column"] > HAZARD_COLUMN
    assert item["url"].endswith("#rl002")
    _, out, _ = run_cli(capsys, "--output-format", "json-lines", hazard)
    assert [json.loads(line) for line in out.splitlines()] == parsed


@needs_rl002
def test_cli_sarif(hazard, capsys):
    _, out, _ = run_cli(capsys, "--output-format", "sarif", hazard)
    log = json.loads(out)
    _check_sarif_shape(log)
    (result,) = log["runs"][0]["results"]
    assert result["ruleId"] == "RL002"
    assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "train.py"
    assert result["locations"][0]["physicalLocation"]["region"]["startLine"] == 4
    assert result["locations"][0]["physicalLocation"]["region"]["startColumn"] == HAZARD_COLUMN


@needs_rl002
def test_cli_github(hazard, capsys):
    _, out, _ = run_cli(capsys, "--output-format", "github", hazard)
    assert re.fullmatch(rf"::warning title=reglint \(RL002\),file=train\.py,line=4,col={HAZARD_COLUMN},endLine=4,endColumn=\d+::RL002 .+\n", out)


@needs_rl002
def test_cli_statistics(hazard, capsys):
    _, out, _ = run_cli(capsys, "--statistics", hazard)
    assert re.fullmatch(r"1\tRL002\t(\[[* ]\] )?[a-z0-9-]+\n", out)


@needs_rl002
def test_cli_statistics_json(hazard, capsys):
    """As `ruff --statistics --output-format json`: the counts as JSON, not the text table."""
    _, out, err = run_cli(capsys, "--statistics", "--output-format", "json", hazard)
    (row,) = json.loads(out)
    assert row["code"] == "RL002" and row["count"] == 1 and set(row) == {"code", "name", "count", "fixable"}
    assert err == ""


@needs_rl002
def test_cli_subprocess_full_output(hazard):
    done = reglint("check", "--no-cache", hazard, env={"NO_COLOR": "1"})
    assert done.returncode == 1
    assert done.stdout.startswith(f"train.py:4:{HAZARD_COLUMN}: RL002 ")
    assert not ANSI.search(done.stdout)
    assert done.stderr.startswith("Found 1 diagnostic")


def _run_on_a_tty(args, env):
    """Run the CLI with stdout on a pseudo-terminal, as in an interactive shell."""
    pty = pytest.importorskip("pty")
    leader, follower = pty.openpty()
    try:
        done = subprocess.run([sys.executable, "-m", "reglint", *args], stdout=follower,
                              stderr=subprocess.PIPE, env=env, timeout=60)
        os.close(follower)
        follower = None
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # EIO once the terminal is drained and closed
                break
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        if follower is not None:
            os.close(follower)
        os.close(leader)
    return done.returncode, b"".join(chunks).decode()


@needs_rl002
@pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal")
def test_cli_colors_on_a_tty_unless_no_color(hazard):
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    code, out = _run_on_a_tty(["check", "--no-cache", hazard], env)
    assert code == 1 and ANSI.search(out)
    code, out = _run_on_a_tty(["check", "--no-cache", hazard], {**env, "NO_COLOR": "1"})
    assert code == 1 and "RL002" in out and not ANSI.search(out)


# -- the note: why a diagnostic matters, under its one-line message (issue 14 item 8) ----

NOTE = "the L2 gradient is rescaled by the adaptive step, so it is not weight decay"


def test_full_shows_the_note_before_the_help():
    text = render("full", one(replace(make(fix=UNSAFE_FIX), note=NOTE)), unsafe_fixes=True)
    assert text.splitlines()[0] == "train.py:2:53: RL002 [*] Adam's weight_decay is coupled L2"
    assert text.endswith(f"  = note: {NOTE}\n  = help: Use torch.optim.AdamW\n\n")


def test_concise_shows_only_the_message():
    text = render("concise", one(replace(make(), note=NOTE)))
    assert text == "train.py:2:53: RL002 Adam's weight_decay is coupled L2\n"


def test_json_has_the_note_only_when_there_is_one():
    with_note = json.loads(render("json", one(replace(make(), note=NOTE))))[0]
    without = json.loads(render("json", one(make())))[0]
    assert with_note["note"] == NOTE and list(with_note)[-1] == "note"
    assert "note" not in without
