"""A large text parsed in pieces (issue 14, item 7) gives the tree the whole parse gives."""

from __future__ import annotations

import ast
import sysconfig
import warnings
from pathlib import Path

import libcst as cst
import pytest

from big_training_file import training_file
from reglint import pieces
from reglint.parsing import parse, read

ROOT = Path(__file__).resolve().parent.parent


def _in_pieces(text: str, size: int = 1) -> str:
    """"joined" when the text parsed in pieces cut at every top-level statement (size 1)
    gives the tree, code and module settings of the whole parse; "whole" when the pieces
    refuse to join (the caller parses the whole text); "different" otherwise."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tree = ast.parse(text)
    whole = cst.parse_module(text)
    joined = pieces.parse_in_pieces(text, pieces.statement_lines(tree), cst.parse_module, size)
    if joined is None:
        return "whole"
    same = (whole.deep_equals(joined) and joined.code == text and
            (whole.default_indent, whole.default_newline, whole.encoding, whole.has_trailing_newline) ==
            (joined.default_indent, joined.default_newline, joined.encoding, joined.has_trailing_newline))
    return "joined" if same else "different"


def _sources(*folders: Path, minimum: int = 0):
    for folder in folders:
        for path in sorted(folder.rglob("*.py") if folder.is_dir() else [folder]):
            if path.suffix != ".py" or path.stat().st_size < minimum:
                continue
            try:
                text = path.read_text(encoding="utf-8")
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    ast.parse(text)
                cst.parse_module(text)
            except Exception:  # the broken-input fixtures, files libcst cannot parse
                continue
            yield path, text


def _outcomes(*folders: Path, minimum: int = 0):
    outcomes = {}
    for path, text in _sources(*folders, minimum=minimum):
        outcomes.setdefault(_in_pieces(text), []).append(path)
    assert "different" not in outcomes, outcomes["different"]
    return outcomes


def test_every_fixture_and_example_in_pieces():
    outcomes = _outcomes(ROOT / "tests" / "fixtures", ROOT / "examples")
    assert len(outcomes["joined"]) > 300 and len(outcomes.get("whole", ())) < 20, outcomes.get("whole")


@pytest.mark.slow
def test_the_standard_library_in_pieces():
    """Its modules of 80 KB and more (not site-packages): about 70 files, a minute or two."""
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    outcomes = _outcomes(*(path for path in stdlib.iterdir() if path.name != "site-packages"),
                         minimum=80_000)
    assert len(outcomes["joined"]) > 50 and len(outcomes.get("whole", ())) < len(outcomes["joined"]) / 10


@pytest.mark.parametrize("text", [
    "def f():\n    x = 1\n    # indented: the block's footer\n\n# the next statement's\n\ny = 2\n",
    "def f():\n\tx = 1\n\n\n# comment\ny = 2\nclass C:\n\tpass\n",  # tabs, from the first indented block
    "x = 1\ny = 2\nif x:\n  z = 3\nfor a in b:\n      pass\n",  # the first block's indent is the file's
    "def f():\n   return 1\ndef g():\n    return 2\n",  # a later block indented otherwise
    "x = 1\ny = 2\r\nz = 3\r\n",  # a later piece's first line break is not the file's
    "x = 1; y = 2\nz = 3\n",  # a cut never falls on a line another statement ends on
    "x = 1\r\ny = 2\r\n# c\r\nz = 3\r\n",  # CRLF
    "# -*- coding: latin-1 -*-\nx = 1\n@deco\n# between\n@other(\n  1)\ndef f(): pass\n# end\n",
    "'''doc'''\nx = '''\ndef not_a_statement():\n    pass\n'''\ny = 2\n",
])
def test_awkward_layouts(text):
    assert _in_pieces(text) == "joined"


def test_a_last_piece_without_its_own_line_break_is_not_joined():
    """libcst ends a text without a final line break with an implicit one, of the
    text's default: the last piece's default ("\\n" when it has no line break) is not the file's."""
    assert _in_pieces("x = 1\r\ny = 2\r\n# c\r\nz = 3") == "whole"
    assert _in_pieces("x = 1\ny = 2\n# c\nz = 3") == "joined"


def test_where_libcst_loses_lines_at_a_texts_end_the_whole_text_is_parsed():
    """libcst drops the blank lines before a comment indented less than a tab-indented
    block when they end the text, as they end a piece: that piece refuses to join."""
    text = "def f():\n\tx = 1\n\n\n  # half\ny = 2\nclass C:\n\tpass\n"
    assert cst.parse_module("def f():\n\tx = 1\n\n\n  # half\n").code != "def f():\n\tx = 1\n\n\n  # half\n"
    assert _in_pieces(text) == "whole"


def test_a_large_file_is_parsed_in_pieces_and_equals_the_whole_parse():
    text = training_file(500)  # about 285 KB: two pieces
    assert len(text) > pieces.PIECE_CHARS
    _, lines = read(text)
    calls = []

    def parse_module(*args):
        calls.append(len(args[0]))
        return cst.parse_module(*args)

    joined = pieces.parse_in_pieces(text, lines, parse_module)
    assert len(calls) == 2 and max(calls) < pieces.PIECE_CHARS * 1.01
    assert joined.deep_equals(cst.parse_module(text))
    assert parse(text, lines).deep_equals(joined)
