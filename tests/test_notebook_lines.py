"""Cell positions mapped to the .ipynb file's own lines (what SARIF and code scanning show)."""

from __future__ import annotations

import json
import subprocess
import sys

from reglint.diagnostic import Position
from reglint.sources.ipynb import load
from reglint.notebook_lines import file_position, file_region

CELL = "import torch\n# café\nopt = torch.optim.Adam(model.parameters(), weight_decay=1e-4)\n"


def _notebook(source, ensure_ascii: bool) -> str:
    cell = {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [], "source": source}
    document = {"cells": [{"cell_type": "markdown", "metadata": {}, "source": ["# t"]}, cell],
                "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    return json.dumps(document, indent=1, ensure_ascii=ensure_ascii) + "\n"


def _text_at(text: str, line: int, column: int, length: int) -> str:
    return text.splitlines()[line - 1][column - 1:column - 1 + length]


def test_list_source_maps_each_cell_line_to_its_json_string():
    text = _notebook(CELL.splitlines(keepends=True), ensure_ascii=False)
    (cell,) = load(text.encode()).cells
    line, column = file_position(text, cell.span, 3, 44)
    assert _text_at(text, line, column, 17) == "weight_decay=1e-4"
    (first,) = [n for n, l in enumerate(text.splitlines(), 1) if l.strip() == '"import torch\\n",']
    assert file_position(text, cell.span, 1, 1) == (first, text.splitlines()[first - 1].index('"') + 2)
    # a column after a non-ASCII character counts code points, as the cell's does
    line, column = file_position(text, cell.span, 2, 6)
    assert _text_at(text, line, column, 1) == "é"


def test_escapes_and_one_string_sources_are_decoded():
    text = _notebook(CELL, ensure_ascii=True)  # one string, "\n" and "\u00e9" escapes on one JSON line
    (cell,) = load(text.encode()).cells
    line, column = file_position(text, cell.span, 3, 44)
    assert _text_at(text, line, column, 17) == "weight_decay=1e-4"
    assert file_position(text, cell.span, 2, 7)[1] - file_position(text, cell.span, 2, 6)[1] == len("\\u00e9")
    emoji = _notebook(["x = '\U0001F600'; y = 1\n"], ensure_ascii=True)  # a surrogate pair is one column of the cell
    (cell,) = load(emoji.encode()).cells
    line, column = file_position(emoji, cell.span, 1, 10)
    assert _text_at(emoji, line, column, 1) == "y"


def test_region_past_the_last_character_ends_at_the_closing_quote():
    text = _notebook(["a = 1"], ensure_ascii=False)
    (cell,) = load(text.encode()).cells
    start_line, start_column, end_line, end_column = file_region(text, cell.span, Position(1, 1), Position(1, 6))
    assert (start_line, end_line) == (end_line, start_line)
    assert text.splitlines()[end_line - 1][start_column - 1:end_column - 1] == "a = 1"


def test_sarif_region_of_a_fixed_notebook_and_a_broken_cell(tmp_path):
    source = ["import torch\n", "opt = torch.optim.Adam(model.parameters(), weight_decay=1e-4)\n"]
    notebook = json.loads(_notebook(source, ensure_ascii=False))
    notebook["cells"].append({"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
                              "source": ["def broken(:\n"]})
    path = tmp_path / "nb.ipynb"
    path.write_text(json.dumps(notebook, indent=1) + "\n", encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "reglint", "check", "--no-cache", "--output-format", "sarif", str(path)],
                            cwd=tmp_path, capture_output=True, text=True, timeout=120)
    lines = path.read_text(encoding="utf-8").splitlines()
    by_rule = {r["ruleId"]: r for r in json.loads(result.stdout)["runs"][0]["results"]}
    adam = by_rule["RL002"]["locations"][0]["physicalLocation"]["region"]
    assert lines[adam["startLine"] - 1][adam["startColumn"] - 1:adam["endColumn"] - 1] == "weight_decay=1e-4"
    broken = by_rule["RL000"]
    assert broken["properties"]["cell"] == 3
    assert '"def broken(:\\n"' in lines[broken["locations"][0]["physicalLocation"]["region"]["startLine"] - 1]
