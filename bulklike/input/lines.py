"""Physical lines and record values shared by every input format.

Lines are read with a bounded length (a 50 MB line costs 64 KiB of memory and becomes one invalid
record), a UTF-8 BOM is dropped and UTF-16 (told by its BOM) transcoded, so the format readers only
ever see UTF-8 bytes. ``ParsedId`` and ``InvalidLine`` are what every reader yields.
"""

from __future__ import annotations

import codecs
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import BinaryIO

MAX_LINE = 64 * 1024
"""Longest physical line read, in bytes; a longer one becomes one invalid record, read in chunks."""
MAX_SHOWN = 200
"""Longest ``InvalidLine.input``: enough to recognise the line, short enough for a terminal."""
_CHUNK = 64 * 1024
_UTF8_BOM = codecs.BOM_UTF8
_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
_UNPRINTABLE: dict[int, str] = dict.fromkeys(
    [*range(0x20), *range(0x7F, 0xA0), *range(0xD800, 0xE000), 0x2028, 0x2029]
    + [*range(0x200B, 0x2010), *range(0x202A, 0x202F), *range(0x2066, 0x206A)],
    "\ufffd",
) | {ord("\t"): " "}


@dataclass(frozen=True, slots=True)
class ParsedId:
    """A valid tweet reference: its canonical decimal ID and where it came from (``name:line``)."""

    tweet_id: str
    source: str


@dataclass(frozen=True, slots=True)
class InvalidLine:
    """A line that holds no usable ID: the offending text (printable, at most 200 chars) and why."""

    input: str
    source: str
    reason: str


InputRecord = ParsedId | InvalidLine


class TooLong(bytes):
    """Stands in for a line over MAX_LINE bytes. Being an empty ``bytes`` lets it go through the
    readers' hot loops unnoticed (it strips to nothing), and only slow paths test for it."""

    size: int
    head: bytes


class LongLine(TooLong):
    """A line over MAX_LINE bytes served as a stream: ``read(n)`` gives its bytes (the ``\\n`` last)."""

    pending: bytes
    readline: Callable[[int], bytes]
    done: bool

    def read(self, n: int) -> bytes:
        if self.pending:
            out, self.pending = self.pending, b""
            self.done = out.endswith(b"\n")
            return out
        if self.done:
            return b""
        chunk = self.readline(max(1, min(n, _CHUNK)))
        self.size += len(chunk)
        self.done = not chunk or chunk.endswith(b"\n")
        return chunk


def too_long(size: int, head: bytes) -> TooLong:
    marker = TooLong()
    marker.size, marker.head = size, head
    return marker


def physical_lines(fp: BinaryIO, *, long_lines: bool = False) -> Iterator[bytes]:
    """Yield the physical lines of ``fp`` with their ``\\n``; a UTF-8 BOM is dropped and UTF-16
    (told by its BOM) is transcoded, so the readers only ever see UTF-8 bytes.

    A line over MAX_LINE becomes a ``TooLong`` marker; with ``long_lines`` a ``LongLine`` instead,
    which the reader may read as a stream before asking for the next line (what it leaves is skipped)."""
    readline = fp.readline
    line = readline(MAX_LINE + 1)
    if line.startswith(_UTF16_BOMS):
        readline = io.BufferedReader(Utf16ToUtf8(line, fp)).readline
        line = readline(MAX_LINE + 1)
    if line.startswith(_UTF8_BOM):
        line = line[len(_UTF8_BOM) :]
        if not line:  # the file is only a BOM
            return
    while line:
        if len(line) > MAX_LINE and not line.endswith(b"\n") and long_lines:
            stream = LongLine()
            stream.size, stream.head, stream.pending, stream.readline, stream.done = (
                len(line),
                line[:MAX_SHOWN],
                line,
                readline,
                False,
            )
            yield stream
            while stream.read(_CHUNK):  # whatever the reader left of the line
                pass
            line = readline(MAX_LINE + 1)
            continue
        if len(line) > MAX_LINE and not line.endswith(b"\n"):
            size = len(line)
            rest = line
            while rest and not rest.endswith(b"\n"):  # skip the remainder in bounded chunks
                rest = readline(_CHUNK)
                size += len(rest)
            line = too_long(size - rest.endswith(b"\n"), line[:MAX_SHOWN])
        yield line
        line = readline(MAX_LINE + 1)


class Utf16ToUtf8(io.RawIOBase):
    """A raw stream that decodes UTF-16 (BOM included in ``head``) and serves UTF-8, chunk by chunk."""

    def __init__(self, head: bytes, fp: BinaryIO) -> None:
        super().__init__()
        self._fp = fp
        self._pending = head
        self._decoder = codecs.getincrementaldecoder("utf-16")("replace")
        self._out = b""
        self._eof = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        while not self._out and not self._eof:
            chunk, self._pending = self._pending or self._fp.readline(_CHUNK), b""
            self._eof = not chunk
            self._out = self._decoder.decode(chunk, final=self._eof).encode("utf-8")
        size = min(len(buffer), len(self._out))
        buffer[:size] = self._out[:size]
        self._out = self._out[size:]
        return size


def printable(text: str) -> str:
    """Shorten ``text`` to MAX_SHOWN characters and blank out what could garble a terminal."""
    if len(text) > MAX_SHOWN:
        text = text[: MAX_SHOWN - 1] + "…"
    return text.translate(_UNPRINTABLE)


def long_line(raw: TooLong, source: str) -> InvalidLine:
    shown = raw.head.decode("utf-8", "replace").lstrip()[: MAX_SHOWN - 1] + "…"
    return InvalidLine(printable(shown), source, f"line too long ({raw.size} bytes)")


def decode_line(raw: bytes, source: str) -> str | InvalidLine:
    """The stripped text of a line, or the record saying why there is none (too long, not UTF-8)."""
    if isinstance(raw, TooLong):
        return long_line(raw, source)
    try:
        return raw.decode("utf-8").strip()
    except UnicodeDecodeError:
        return InvalidLine(printable(raw.decode("utf-8", "replace").strip()), source, "invalid UTF-8")
