"""A file's bytes without its prose: comments and long string literals (docstrings,
messages) blanked, so that words a hazard spells in code are not found in prose.

Used by the words test only (`Rule.words` count in code, `Rule.prose_words` anywhere):
what is kept is a superset of what the code screen reads as code (`reglint.screen`:
names, and string constants of at most SHORT_STRING characters), so blanking never turns
away a file the screen would read. One pass over the raw bytes: a string is blanked only
when it is certainly longer than SHORT_STRING characters (ASCII and longer, or longer
than any UTF-8 or escaped spelling of that many characters could be; never an f-string).
"""

from __future__ import annotations

import re

from reglint.screen import SHORT_STRING

_NEXT = re.compile(rb"[#'\"]")  # where a comment or a string literal may start
TRIPLES = (b'"""', b"'''")
QUOTES = 6  # the most quote bytes around a string's characters (triple quotes)
MAX_UTF8 = 4  # bytes per character at most
MAX_ESCAPE = 10  # bytes of one escaped character at most (`\\U0001F600`)


def code_bytes(data: bytes) -> bytes:
    """`data` with comments and long string literals replaced by a space each. Linear in
    the size: a quote that opens no literal (a syntax error) is passed over."""
    pieces = []
    kept = position = 0
    search = _NEXT.search
    open_ended = set()  # triple quotes with no closing one after them: none after a later one either
    while True:
        found = search(data, position)
        if found is None:
            break
        start = found.start()
        if data[start] == ord("#"):
            end = _line_end(data, start)
            blank = True
        else:
            quote = data[start:start + 3] if data[start:start + 3] in TRIPLES else data[start:start + 1]
            end = None if quote in open_ended else _closing(data, start + len(quote), quote)
            if end is None:
                if len(quote) == 3:
                    open_ended.add(quote)
                position = start + 1
                continue
            blank = _long_string(data, start, end)
        if blank:
            pieces.append(data[kept:start])
            pieces.append(b" ")
            kept = end
        position = end
    if not pieces:
        return data
    pieces.append(data[kept:])
    return b"".join(pieces)


_LINE_BREAK = re.compile(rb"[\r\n]")


def _line_end(data: bytes, position: int) -> int:
    found = _LINE_BREAK.search(data, position)
    return len(data) if found is None else found.start()


def _closing(data: bytes, position: int, quote: bytes):
    """The end of the literal whose characters start at `position`, or None: no closing
    quote (for a one-line literal: none before a line break that no backslash continues)."""
    if len(quote) == 3:
        while True:
            end = data.find(quote, position)
            if end == -1:
                return None
            if not _escaped(data, end):
                return end + 3
            position = end + 1
    while True:
        line_end = _line_end(data, position)
        end = data.find(quote, position, line_end)
        if end == -1:
            if line_end == len(data) or not _escaped(data, line_end):
                return None
            position = line_end + 1 + (data[line_end:line_end + 2] == b"\r\n")
            continue
        if not _escaped(data, end):
            return end + 1
        position = end + 1


def _escaped(data: bytes, index: int) -> bool:
    """Whether the byte at `index` follows an odd number of backslashes."""
    run = 0
    while index - run - 1 >= 0 and data[index - run - 1] == ord("\\"):
        run += 1
    return run % 2 == 1


def _long_string(data: bytes, start: int, end: int) -> bool:
    """Whether the literal at data[start:end] holds more than SHORT_STRING characters for
    certain. An f-string is never blanked (`ast` reads its literal parts as short strings),
    and an escape (`\U0001F600`) may spell one character in ten bytes."""
    if b"f" in data[max(0, start - 2):start].lower():
        return False
    size = end - start
    if data.find(b"\\", start, end) != -1:
        return size > SHORT_STRING * MAX_ESCAPE + QUOTES
    if size > SHORT_STRING * MAX_UTF8 + QUOTES:
        return True
    return size > SHORT_STRING + QUOTES and data[start:end].isascii()
