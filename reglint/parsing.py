"""Parse safety: libcst sees only code it cannot crash or hang on, and a syntax error
is reported where CPython's own parser puts it.

CPython's parser, which guards itself, reads the text first (`read`); libcst's
tree is built by `parse` without re-validating each node.
"""

from __future__ import annotations

import io
import tokenize
from typing import List, Sequence, Tuple

from reglint import pieces
from reglint.diagnostic import Diagnostic, parse_error

# see reglint.reading for why libcst needs limits
MAX_NESTING = 1000  # syntax tree depth, counting what libcst nests and CPython's ast does not
TOO_DEEP = "file is too deeply nested to analyse"


class Unanalysable(Exception):
    """Source that is not given to libcst: RL000 with this message and position."""

    def __init__(self, message: str, line: int = 1, column: int = 1):
        super().__init__(message)
        self.message, self.line, self.column = message, line, column


def parse(text: str, lines: Sequence[int] = ()):
    """libcst's tree of `text`, without re-validating each node the parser builds.

    Every libcst node checks its own fields when it is constructed (`CSTNode.__post_init__`
    calls `_validate`); for nodes the parser builds from real source this only repeats
    the grammar, and libcst's own comment there says so ("PERF: ... avoid validating the
    tree when parsing a file"). It is 17 % of the parse on the corpus. Validation is off
    only for the parse itself: nodes that fixes build are checked as usual.

    A text of more than `pieces.PIECE_CHARS` characters is parsed in pieces that start
    on the top-level statement `lines` (from `read`), when given: see `reglint.pieces`."""
    import libcst as cst

    node_class = cst.CSTNode
    validate = node_class.__dict__.get("__post_init__")
    if validate is None:  # a libcst that validates elsewhere: parse as it does
        return cst.parse_module(text)
    node_class.__post_init__ = _skip_validation
    try:
        if len(lines) > 1 and len(text) > pieces.PIECE_CHARS:
            module = pieces.parse_in_pieces(text, lines, cst.parse_module)
            if module is not None:
                return module
        return cst.parse_module(text)
    finally:
        node_class.__post_init__ = validate


def _skip_validation(node) -> None:
    pass


def read(text: str) -> Tuple[object, List[int]]:
    """The `reglint.screen.Code` of `text`, or None when CPython cannot parse it;
    raises `Unanalysable` for code libcst could crash or hang on.

    CPython's parser, which guards itself, reads the text first: too deep for it, or
    a syntax tree deeper than MAX_NESTING, is too deep for libcst. When CPython
    rejects the text (a syntax error, or syntax newer than the running Python, which
    libcst may know), libcst sees it only if its tokens are tame; otherwise CPython's
    syntax error is the answer. With it, the lines where top-level statements start
    (for `parse` to parse a large text in pieces; none when CPython cannot parse it).
    """
    import ast
    import warnings

    from reglint import screen

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # invalid escapes and the like: not ours to report
            tree = ast.parse(text)
    except (RecursionError, MemoryError):
        raise Unanalysable(TOO_DEEP) from None
    except SyntaxError as error:
        if _lexically_deep(text):
            raise Unanalysable(f"SyntaxError: {error.msg}", error.lineno or 1, error.offset or 1) from None
        return None, []
    except ValueError:  # NUL characters: decode() lets none through
        return None, []
    depth, code = screen.read(tree, text, MAX_NESTING)
    if depth > MAX_NESTING:
        raise Unanalysable(TOO_DEEP)
    return code, pieces.statement_lines(tree)


_FLAT_OPERATORS = frozenset({",", ":", ";", "=", "->", ")", "]", "}"})
_NESTING_WORDS = frozenset({"not", "and", "or", "if", "else", "lambda", "await", "in", "is", "yield", "from"})


def _lexically_deep(text: str) -> bool:
    """Whether a text CPython rejects could still be too deep for libcst: a logical
    line with more operators and nesting keywords than MAX_NESTING, or one that does
    not even tokenize."""
    count = 0
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type == tokenize.OP:
                if token.string not in _FLAT_OPERATORS:
                    count += 1
            elif token.type == tokenize.NAME:
                if token.string in _NESTING_WORDS:
                    count += 1
            elif token.type == tokenize.NEWLINE:
                count = 0
            if count > MAX_NESTING:
                return True
    except Exception:  # tokenize.TokenError, IndentationError, SyntaxError
        return True
    return False


def syntax_error(path: str, text: str, error) -> Diagnostic:
    """RL000 at the position CPython's own parser reports (libcst's is often a line late)."""
    import ast
    import warnings

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # SyntaxWarning (3.12+) for invalid escapes: not ours to print
            ast.parse(text)
    except SyntaxError as python_error:
        return parse_error(path, f"SyntaxError: {python_error.msg}", python_error.lineno or 1, python_error.offset or 1)
    except (ValueError, RecursionError, MemoryError):
        pass
    else:  # valid Python that libcst cannot parse: not a SyntaxError
        message = str(getattr(error, "message", "") or error).strip().splitlines()[0]
        return parse_error(path, f"libcst cannot parse this valid Python: {message}",
                           getattr(error, "editor_line", 1), getattr(error, "editor_column", 1))
    message = str(getattr(error, "message", "") or error).strip().splitlines()[0]
    return parse_error(path, f"SyntaxError: {message}", getattr(error, "editor_line", 1), getattr(error, "editor_column", 1))

