"""An incremental JSON reader over a byte stream: one value at a time, with its line and column.

Why not ``json.load`` or ijson: an archive's ``like.js`` can be hundreds of megabytes, so it must
not be loaded at once; but its shape is fixed (a JavaScript assignment around one array of small
objects), so only the containers we walk need incremental handling. Each small value (an archive
entry, one tweet of a twarc2 page) is decoded whole by the stdlib's C scanner
(``JSONDecoder.raw_decode``) from a sliding text buffer that is refilled, and grown geometrically
when a value spans chunks, so the cost stays linear and memory stays at about one value. That
keeps the exact line and column of a break for the error message (ijson's yajl errors give
neither), the speed of the C scanner, and no compiled dependency. Values we do not need
(a page's ``includes``) are skipped by walking their containers, so they are never built whole.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Callable, Iterator

__all__ = ["MAX_VALUE", "JsonStream", "JsonStreamError", "NoMatch"]

CHUNK = 64 * 1024
"""Bytes read at a time."""
MAX_VALUE = 4 * 1024 * 1024
"""Bound on a single value decoded whole, in characters (an archive entry, one tweet): the buffer stops
growing once it holds this much of one value, so a longer one is an error at no more than twice the size."""
MAX_DEPTH = 64
"""Deepest nesting walked by ``skip_value``."""

_NEAR_END = 64  # a decode error this close to the buffer's end may be a token cut by the chunk boundary
_WS = re.compile(r"[ \t\r\n]*")
_PART_NUMBER = re.compile(r"-?[0-9]*\.?[0-9]*(?:[eE][+-]?[0-9]*)?")
_DECODER = json.JSONDecoder()
_SEP = re.compile(r"[ \t\r\n]*,[ \t\r\n]*")


def _cut_token(buf: str, pos: int) -> bool:
    """At the end of the stream: is what follows ``pos`` a token the end cut short (``tru``, ``1.``)?"""
    rest = buf[pos:].rstrip(" \t\r\n")
    return (
        not rest
        or any(word.startswith(rest) for word in ("true", "false", "null"))
        or bool(_PART_NUMBER.fullmatch(rest))
    )


class JsonStreamError(ValueError):
    """The stream is not the JSON expected: ``reason``, where (1-based ``line``/``column``), and
    ``truncated`` when it simply ended too soon (a cut download, a half-written file)."""

    def __init__(self, reason: str, line: int, column: int, *, truncated: bool = False) -> None:
        super().__init__(f"{reason} at line {line}, column {column}")
        self.reason = reason
        self.line = line
        self.column = column
        self.truncated = truncated


class NoMatch(JsonStreamError):
    """``match`` found something else."""


class JsonStream:
    """Reads JSON from ``read(n) -> bytes`` (UTF-8) incrementally; positions are 1-based lines and columns."""

    def __init__(self, read: Callable[[int], bytes], *, max_value: int = MAX_VALUE, chunk: int = CHUNK) -> None:
        self._read = read
        self._chunk = chunk
        self._utf8 = codecs.getincrementaldecoder("utf-8")("strict")
        self._max_value = max_value
        self._buf = ""
        self._pos = 0  # index of the next unread character in _buf
        self._base = 0  # characters of the stream before _buf[0]
        self._line = 1  # line number at _buf[_counted]
        self._counted = 0  # _buf index up to which newlines were counted
        self._line_start = 0  # stream offset where line _line starts
        self._eof = False
        self._started = False

    # -- positions ---------------------------------------------------------------------------

    def where(self) -> tuple[int, int]:
        """Line and column of the next unread character."""
        if self._pos > self._counted:
            newlines = self._buf.count("\n", self._counted, self._pos)
            if newlines:
                self._line += newlines
                self._line_start = self._base + self._buf.rfind("\n", self._counted, self._pos) + 1
            self._counted = self._pos
        return self._line, self._base + self._pos - self._line_start + 1

    def error(self, reason: str, *, truncated: bool = False) -> JsonStreamError:
        line, column = self.where()
        return JsonStreamError(reason, line, column, truncated=truncated)

    # -- buffer ------------------------------------------------------------------------------

    def _fill(self, want: int = 0) -> bool:
        """Drop what was consumed, read at least ``want`` more bytes; False at the end of the stream."""
        if self._eof:
            return False
        self.where()  # count the lines of what is dropped
        if self._pos:
            self._buf = self._buf[self._pos :]
            self._base += self._pos
            self._counted -= self._pos
            self._pos = 0
        want = max(want, self._chunk)
        chunk = self._read(want)
        while chunk and len(chunk) < want:  # a line or a pipe may serve less than asked
            more = self._read(want - len(chunk))
            if not more:
                break
            chunk += more
        try:
            text = self._utf8.decode(chunk, final=not chunk)
        except UnicodeDecodeError as exc:  # keep the valid text before it, so the position is exact
            self._buf += bytes(exc.object[: exc.start]).decode("utf-8", "replace")
            self._pos = len(self._buf)
            raise self.error(f"invalid UTF-8 ({exc.reason})") from None
        if not self._started:
            self._started = True
            text = text.removeprefix("\ufeff")
        self._buf += text
        self._eof = not chunk
        return bool(chunk)

    def peek(self) -> str:
        """The next non-whitespace character ('' at the end), without consuming it."""
        while True:
            self._pos = _WS.match(self._buf, self._pos).end()  # type: ignore[union-attr]  # always matches
            if self._pos < len(self._buf):
                return self._buf[self._pos]
            if not self._fill():
                return ""

    def at_end(self) -> bool:
        return self.peek() == ""

    def expect(self, char: str, what: str) -> None:
        """Consume ``char`` (after whitespace), else raise naming ``what`` was expected."""
        got = self.peek()
        if got != char:
            raise self._unexpected(got, what)
        self._pos += 1

    def _unexpected(self, got: str, what: str) -> JsonStreamError:
        if not got:
            return self.error(f"the text ends where {what} was expected", truncated=True)
        return self.error(f"expected {what}, found {got!r}")

    def match(self, pattern: re.Pattern[str], what: str) -> re.Match[str]:
        """Consume a match of ``pattern`` at the next non-whitespace character (it must fit in 4 KiB)."""
        self.peek()
        while len(self._buf) - self._pos < 4096 and self._fill():
            pass
        found = pattern.match(self._buf, self._pos, self._pos + 4096)
        if found is None:
            error = self._unexpected(self._buf[self._pos : self._pos + 1], what)
            raise NoMatch(error.reason, error.line, error.column, truncated=error.truncated)
        self._pos = found.end()
        return found

    # -- values ------------------------------------------------------------------------------

    def value(self) -> object:
        """Decode the next value whole (bounded by ``max_value``, see MAX_VALUE)."""
        if not self.peek():
            raise self.error("the text ends where a value was expected", truncated=True)
        while True:
            try:
                obj, end = _DECODER.raw_decode(self._buf, self._pos)
            except json.JSONDecodeError as exc:
                cut = exc.pos >= len(self._buf) - _NEAR_END or exc.msg.startswith("Unterminated")
                if self._eof or not cut:  # far from the end of the buffer: more text cannot mend it
                    if self._eof and (exc.msg.startswith("Unterminated") or _cut_token(self._buf, exc.pos)):
                        self._pos = len(self._buf)  # the break is where the text ends
                        raise self.error("the text ends inside a value", truncated=True) from None
                    self._pos = min(exc.pos, len(self._buf))
                    raise self.error(f"invalid JSON ({exc.msg[0].lower()}{exc.msg[1:]})") from None
            except RecursionError:
                raise self.error("JSON nested too deeply") from None
            else:
                # A number near the end of the buffer may go on in the next chunk ("2." + "5").
                number = type(obj) is int or type(obj) is float
                if self._eof or not number or end < len(self._buf) - _NEAR_END:
                    if number and self._eof and _PART_NUMBER.match(self._buf, end).end() > end:  # type: ignore[union-attr]
                        self._pos = len(self._buf)  # "2." at the very end: a number cut short
                        raise self.error("the text ends inside a value", truncated=True)
                    self._pos = end
                    return obj
            unread = len(self._buf) - self._pos
            if unread > self._max_value:
                raise self.error(f"a value longer than {self._max_value // (1024 * 1024)} MiB")
            self._fill(unread)  # grow geometrically: each retry re-scans from the value's start

    def values(self) -> Iterator[tuple[int, object]]:
        """After ``[`` was consumed: each element decoded whole, with the line it starts on; consumes
        the ``]``. The same as ``items`` + ``value``, with the common case (the element and the comma
        after it already in the buffer) done inline: an archive has a million of them."""
        scan, sep = _DECODER.scan_once, _SEP.match  # type: ignore[attr-defined]  # the C scanner raw_decode calls
        if self.peek() == "]":
            self._pos += 1
            return
        while True:
            buf, pos = self._buf, self._pos
            if pos > self._counted:  # where(), inline
                newlines = buf.count("\n", self._counted, pos)
                if newlines:
                    self._line += newlines
                    self._line_start = self._base + buf.rfind("\n", self._counted, pos) + 1
                self._counted = pos
            line = self._line
            try:
                obj, end = scan(buf, pos)
            except (StopIteration, json.JSONDecodeError, RecursionError):
                obj = None  # let value() sort it out: more text, or the error
                end = len(buf)
            if end >= len(buf) - _NEAR_END:  # near the buffer's end: the careful path
                obj = self.value()
            else:
                self._pos = end
            yield line, obj
            found = sep(self._buf, self._pos)
            if found is not None and found.end() < len(self._buf) - _NEAR_END:
                self._pos = found.end()
                continue
            if self._after_element("]", "',' or ']' after an element"):
                return
            self.peek()

    def items(self) -> Iterator[tuple[int, int]]:
        """After ``[`` was consumed: for each element, yield (its line, its index) with the stream
        positioned on it; the caller consumes it (``value`` or ``skip_value``). Consumes the ``]``."""
        index = 0
        if self.peek() == "]":
            self._pos += 1
            return
        while True:
            self.peek()
            line, _ = self.where()
            start = self._base + self._pos
            yield line, index
            if self._base + self._pos == start:
                raise RuntimeError("items(): the element was not consumed")
            index += 1
            if self._after_element("]", "',' or ']' after an element"):
                return

    def members(self) -> Iterator[str]:
        """After ``{`` was consumed: yield each key with the stream on its value, which the caller
        consumes. Consumes the ``}``."""
        if self.peek() == "}":
            self._pos += 1
            return
        while True:
            if self.peek() != '"':
                raise self._unexpected(self.peek(), "a property name")
            key = self.value()
            assert isinstance(key, str)
            self.expect(":", "':' after a property name")
            start = self._base + self._pos
            yield key
            if self._base + self._pos == start:
                raise RuntimeError("members(): the value was not consumed")
            if self._after_element("}", "',' or '}' after a value"):
                return

    def _after_element(self, close: str, expected: str) -> bool:
        """Consume what follows an array element or an object member: ``,`` (False: another comes) or the
        container's ``close`` (True: it ended); anything else is an error naming what was ``expected``."""
        got = self.peek()
        if got == close:
            self._pos += 1
            return True
        if got != ",":
            raise self._unexpected(got, expected)
        self._pos += 1
        return False

    def skip_value(self, depth: int = 0) -> None:
        """Consume the next value without building its containers (memory: one scalar at a time)."""
        if depth > MAX_DEPTH:
            raise self.error("JSON nested too deeply")
        got = self.peek()
        if got == "[":
            self._pos += 1
            for _ in self.items():
                self.skip_value(depth + 1)
        elif got == "{":
            self._pos += 1
            for _ in self.members():
                self.skip_value(depth + 1)
        else:
            self.value()
