"""Python source files: the file's bytes decoded as Python decodes them (BOM, PEP 263
cookie) are the text analysed, positions are the file's own, and fixed text is
encoded back in the file's encoding.

The last kind in `reglint.sources.KINDS`: it reads every path no other kind claims
(`.py`, `.pyi`, stdin buffers, scripts without a suffix); which files are checked at
all is `reglint.files`' business.
"""

from __future__ import annotations

from typing import List, Optional, Sequence, Tuple

from reglint.diagnostic import Diagnostic
from reglint.engine import Plan
from reglint.pipeline import FileResult, check_python
from reglint.reading import DecodeError, decode, encode


def check(path: str, data: bytes, plan: Plan, fix: bool = False, unsafe: bool = False) -> FileResult:
    """Check (and with `fix`, repair) Python source bytes; never raises on bad input. A
    file the user named (`Plan.named`) is RL000 when it is not Python, whatever its words."""
    return check_python(path, data, plan, fix, unsafe, strict=path in plan.named)


def from_cache(path: str, diagnostics: Sequence[Diagnostic]) -> FileResult:
    """A cached result, with the file's text read again for showing source lines."""
    result = FileResult(path, list(diagnostics))
    if diagnostics:
        try:
            with open(path, "rb") as handle:
                result.source = decode(handle.read())[0]
        except (OSError, DecodeError):
            pass
    return result


def add_noqa(data: bytes, diagnostics: Sequence[Diagnostic]) -> Tuple[Optional[bytes], int, List[Diagnostic]]:
    """The file's new bytes with `# noqa` comments (None when unchanged), lines changed, diagnostics left."""
    from reglint.noqa_add import add_noqa as add_to_text

    try:
        text, encoding = decode(data)
    except DecodeError:
        return None, 0, list(diagnostics)
    new, changed, left = add_to_text(text, diagnostics)
    if not changed:
        return None, 0, left
    return encode(new, encoding), changed, left


def diff(path: str, before: bytes, after: bytes) -> List[str]:
    """A unified diff of the file's text before and after."""
    from difflib import unified_diff

    old = before.decode("utf-8", "replace").splitlines(keepends=True)
    new = after.decode("utf-8", "replace").splitlines(keepends=True)
    return list(unified_diff(old, new, path, path))
