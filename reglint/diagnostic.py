"""What a rule reports: a diagnostic at a source range, with an optional fix.

Positions are 1-based lines and 1-based columns (counted in characters), as ruff
reports them; end positions are exclusive.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field, replace
from typing import Optional, Tuple


class Applicability(str, enum.Enum):
    """How safe a fix is to apply, as in ruff."""

    SAFE = "safe"  # keeps the program's behaviour; applied by --fix
    UNSAFE = "unsafe"  # changes training numerics; needs --unsafe-fixes
    DISPLAY_ONLY = "display-only"  # shown as advice, never applied


@dataclass(frozen=True, order=True)
class Position:
    line: int
    column: int


@dataclass(frozen=True)
class Edit:
    """Replace the text between `start` and `end` with `content`."""

    start: Position
    end: Position
    content: str


@dataclass(frozen=True)
class Fix:
    applicability: Applicability
    message: str
    edits: Tuple[Edit, ...] = ()


@dataclass(frozen=True)
class Related:
    """A part of the hazard in another place (a regularizer built in another module), as
    SARIF's `relatedLocations` and LSP's `relatedInformation` carry it."""

    path: str
    start: Position
    message: str


@dataclass(frozen=True)
class Diagnostic:
    code: str
    name: str
    message: str
    path: str
    start: Position
    end: Position
    fix: Optional[Fix] = None
    # extra facts an output format may show (e.g. the notebook cell); never compared
    extra: Tuple[Tuple[str, object], ...] = field(default=(), compare=False)
    # why it matters, for `full` and JSON: the message's first line says only what and where
    note: Optional[str] = None
    # parts of the hazard in other files (SARIF relatedLocations, LSP relatedInformation)
    related: Tuple[Related, ...] = ()

    @property
    def sort_key(self):
        return (self.path, self.start.line, self.start.column, self.code, self.message)

    def with_path(self, path: str) -> "Diagnostic":
        return replace(self, path=path)


# `extra` key: the diagnosed code is not needed (an unused directive); editors fade it
UNNECESSARY = "unnecessary"

PARSE_ERROR_CODE = "RL000"
PARSE_ERROR_NAME = "unreadable-file"


def parse_error(path: str, message: str, line: int = 1, column: int = 1) -> Diagnostic:
    """The RL000 diagnostic for a file that cannot be read, decoded or parsed."""
    pos = Position(max(line, 1), max(column, 1))
    return Diagnostic(PARSE_ERROR_CODE, PARSE_ERROR_NAME, message, path, pos, pos)
