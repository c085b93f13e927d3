"""Reading a source file's bytes safely and decoding them as Python source does.

Reading is guarded: a FIFO is read without waiting forever, a device is refused, and
nothing past READ_LIMIT bytes is read. Decoding honours a BOM and a PEP 263 cookie
and refuses what no source file holds (NUL bytes, lone surrogates).
"""

from __future__ import annotations

import io
import os
import tokenize
from typing import Tuple

# Limits that keep the parser safe (see `reglint.parsing`). libcst's native parser overflows
# its stack (a segfault, no exception) on code nested some thousands deep, takes
# minutes on some shapes a few thousand deep, and its tree needs about 0.2 GB of memory
# per MB of dense code (parsed in pieces, `reglint.pieces`); no real source file comes near (the deepest in the benchmark
# corpus and the standard library: 23 and 99 levels, the largest 0.8 MB).
MAX_SOURCE_BYTES = 2_000_000  # the default `max-file-size`: larger files that pass the words test are RL000, never parsed
READ_LIMIT = 64_000_000  # larger files are RL000 without being read (and /dev/zero ends)


class DecodeError(Exception):
    pass


def decode(data: bytes) -> Tuple[str, str]:
    """Text and encoding, honouring a BOM and a PEP 263 cookie."""
    if b"\x00" in data:
        raise DecodeError("binary file (contains NUL bytes), not Python source")
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as error:
        reason = str(error)
        if data.startswith(b"\xef\xbb\xbf") and reason == "encoding problem: utf-8":
            reason = "encoding problem: a UTF-8 BOM, but the coding cookie names another encoding"
        raise DecodeError(reason) from None
    try:
        text = data.decode(encoding)
    except (UnicodeDecodeError, LookupError) as error:
        raise DecodeError(f"cannot decode as {encoding}: {error}") from None
    if not encoding.startswith("utf-8"):  # a cookie may name a codec that yields what no source holds
        if "\x00" in text:
            raise DecodeError(f"cannot decode as {encoding}: the text contains a NUL character")
        try:
            text.encode("utf-8")
        except UnicodeEncodeError as error:
            raise DecodeError(f"cannot decode as {encoding}: the text contains a lone surrogate at position {error.start}") from None
    if text.startswith("\ufeff"):
        text = text[1:]
    return text, encoding


def encode(text: str, encoding: str) -> bytes:
    return text.encode("utf-8-sig" if encoding == "utf-8-sig" else encoding)


class SourceTooLarge(Exception):
    def __init__(self, size: int):
        super().__init__(size)
        self.size = size


def too_large(size: int, limit: int = MAX_SOURCE_BYTES) -> str:
    """RL000's message for a file over `limit` bytes (the `max-file-size` setting)."""
    return f"file too large to analyse ({size / 1e6:.1f} MB > {limit / 1e6:g} MB limit, setting `max-file-size`)"


def read_source(path: str) -> bytes:
    """A file's bytes. A FIFO is read (`reglint <(...)`) but never waited for when no
    one writes to it; a device (`x.py -> /dev/zero`) is not read; past READ_LIMIT
    bytes nothing more is read (SourceTooLarge)."""
    import errno
    import stat

    nonblocking = getattr(os, "O_NONBLOCK", 0)
    descriptor = os.open(path, os.O_RDONLY | nonblocking | getattr(os, "O_BINARY", 0))
    with open(descriptor, "rb") as handle:
        info = os.fstat(descriptor)
        if stat.S_ISDIR(info.st_mode):
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR))
        if stat.S_ISFIFO(info.st_mode):
            if nonblocking:
                os.set_blocking(descriptor, True)
            data = handle.read(READ_LIMIT + 1)
        elif not stat.S_ISREG(info.st_mode):
            raise OSError(errno.EINVAL, "not a regular file")
        elif info.st_size > READ_LIMIT:
            raise SourceTooLarge(info.st_size)
        else:  # its size, +1 to see it grow (or a /proc file's 0): a READ_LIMIT buffer costs 3x
            data = handle.read(info.st_size + 1)
            if len(data) > info.st_size:
                data += handle.read(READ_LIMIT + 1 - len(data))
    if len(data) > READ_LIMIT:
        raise SourceTooLarge(len(data))
    return data

