"""A large module parsed by libcst in pieces, joined into the tree the whole parse gives.

libcst's native parser holds the tokens and its own tree of the whole text while it
builds the Python one: about 0.7 GB per MB of code, and its time grows faster than the
text (2 MB: 9 s, 6.7 times the 1.4 s of 0.4 MB). Pieces of about PIECE_CHARS characters
bound that memory and keep the time linear.

A piece starts where CPython's parser puts a top-level statement's first line (its first
decorator's), never on a line another statement ends on. The lines between two
statements, which a piece's parse leaves in its module footer (an indented comment after
a block stays that block's footer, as in the whole parse), are the next statement's
leading lines in the whole parse. The file's line break, encoding and indentation (of
its first indented block) are the first piece's; a node of another piece that leaves out
its own piece's default (libcst writes None for it) gets the file's view of it. `tests/test_pieces.py` checks the
joined tree equals the whole parse on every fixture, example and the standard library.
"""

from __future__ import annotations

import re
from typing import Callable, List, Optional, Sequence, Tuple

PIECE_CHARS = 200_000
LINE_BREAK = re.compile(r"\r\n?|\n")  # CPython's line breaks (str.splitlines knows more)


def statement_lines(tree) -> List[int]:
    """The lines (1-based) a piece may start on: each top-level statement's first line."""
    lines: List[int] = []
    previous_end = 0
    for statement in tree.body:
        first = min([statement.lineno] + [d.lineno for d in getattr(statement, "decorator_list", ())])
        if first > previous_end:
            lines.append(first)
        previous_end = max(previous_end, statement.end_lineno or statement.lineno)
    return lines


def parse_in_pieces(text: str, lines: Sequence[int], parse_module: Callable, size: int = PIECE_CHARS):
    """libcst's Module of `text`, parsed in pieces of about `size` characters at the
    statement `lines`; None when the pieces do not join as the whole parse would
    (the caller parses the whole text)."""
    import libcst as cst

    found = _pieces(text, lines, size)
    if len(found) < 2:
        return None
    modules = []
    indent = None  # the file's: that of its first indented block
    for start, last, end in found:
        module = parse_module(text[start:end])
        if not module.body or (modules and module.header) or not _ends_as_written(module, text[last:end]):
            return None
        if modules:
            if not module.has_trailing_newline and module.default_newline != modules[0].default_newline:
                return None  # libcst's implicit last line break is the default's: the piece's, not the file's
            module = _as_in_file(module, modules[0].default_newline, indent)
        if indent is None and _indented(module):
            indent = module.default_indent
        modules.append(module)
    first, last = modules[0], modules[-1]
    body = list(first.body)
    for previous, module in zip(modules, modules[1:]):
        statements = list(module.body)
        if not statements or not previous.has_trailing_newline:
            return None
        if previous.footer:
            statements[0] = statements[0].with_changes(
                leading_lines=tuple(previous.footer) + tuple(statements[0].leading_lines))
        body.extend(statements)
    return cst.Module(body=body, header=first.header, footer=last.footer, encoding=first.encoding,
                      default_indent=indent or first.default_indent, default_newline=first.default_newline,
                      has_trailing_newline=last.has_trailing_newline)


def _pieces(text: str, lines: Sequence[int], size: int) -> List[Tuple[int, int, int]]:
    """(start, start of its last statement, end) offsets of the pieces: a piece ends at
    the first statement line at least `size` characters after its start."""
    wanted = set(lines)
    found = []
    start = last = 0
    line = 1
    for match in LINE_BREAK.finditer(text):
        line += 1
        offset = match.end()
        if line in wanted:
            if offset - start >= size and line != lines[0]:
                found.append((start, last, offset))
                start = offset
            last = offset
    found.append((start, last, len(text)))
    return found


def _ends_as_written(module, tail: str) -> bool:
    """Whether the piece's last statement and footer give back its text: the lines after
    a block at the end of a text are where libcst's parse is least sure (it drops the
    blank lines before a comment indented less than a tab-indented block)."""
    import libcst as cst

    statement = module.body[-1].with_changes(leading_lines=())
    end = cst.Module(body=[statement], footer=module.footer, default_indent=module.default_indent,
                     default_newline=module.default_newline, has_trailing_newline=module.has_trailing_newline)
    return end.code == tail


def _as_in_file(module, newline: str, indent: Optional[str]):
    """A piece's nodes as the whole parse builds them. A line break or block indent
    equal to the module's default is left out (None): the piece's defaults (its first
    line break, its first indented block's indent) may not be the file's."""
    import libcst as cst

    own_newline = module.default_newline if module.default_newline != newline else None
    own_indent = module.default_indent if indent is not None and module.default_indent != indent and _indented(module) else None
    if own_newline is None and own_indent is None:
        return module

    class Defaults(cst.CSTTransformer):
        def leave_Newline(self, original, updated):
            if own_newline is None:
                return updated
            value = own_newline if updated.value is None else updated.value
            return updated.with_changes(value=None if value == newline else value)

        def leave_IndentedBlock(self, original, updated):
            if own_indent is None:
                return updated
            value = own_indent if updated.indent is None else updated.indent
            return updated.with_changes(indent=None if value == indent else value)

    return module.visit(Defaults())


def _indented(module) -> bool:
    import libcst as cst

    return any(not isinstance(statement, cst.SimpleStatementLine) for statement in module.body)

