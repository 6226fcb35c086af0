"""Tell a pipe's format by its first bytes, as files are told by content and name, without buffering it.

stdin has no name, so its first non-blank line decides: ``window.YTD.`` an X archive data file, ``{``
JSON Lines (twarc2 pages, flattened tweets or any object per line), a header naming a tweet ID column
CSV or TSV, anything else plain text. ``peek`` reads only that far (at most ``MAX_PEEK`` bytes, and
no further than what the producer has written once the line is complete), then hands back a stream
that replays those bytes before the rest, so the first like is not held back by the detection.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from typing import BinaryIO

from bulklike.input.archive import looks_like_data_file, looks_like_zip
from bulklike.input.delimited import ID_COLUMNS
from bulklike.input.lines import InvalidLine, ParsedId
from bulklike.input.readers import InputFormat, detect_format, peek_head

__all__ = ["HINT_LINES", "MAX_PEEK", "choose_format", "describe", "hint", "peek", "sniff", "watch"]

MAX_PEEK = 64 * 1024
"""Most bytes read before deciding (a twarc2 page is often longer; its start is enough)."""
_BOM = b"\xef\xbb\xbf"
_PAGE_START = re.compile(rb'^\{\s*"data"\s*:\s*[\[{]')
_NAMES = {"text": "plain text", "csv": "CSV", "tsv": "TSV", "jsonl": "JSON Lines", "js": "an X archive data file"}


class _Replay(io.RawIOBase):
    """``head`` first, then whatever ``fp`` delivers (``read1``: as soon as anything arrived)."""

    def __init__(self, head: bytes, fp: BinaryIO) -> None:
        self._head = head
        self._fp = fp

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        if self._head:
            n = min(len(buffer), len(self._head))
            buffer[:n] = self._head[:n]
            self._head = self._head[n:]
            return n
        data = self._fp.read1(len(buffer))  # type: ignore[attr-defined]
        buffer[: len(data)] = data
        return len(data)


def peek(fp: BinaryIO) -> tuple[BinaryIO, bytes]:
    """Read ``fp`` up to the end of its first non-blank line (or ``MAX_PEEK`` bytes, or its end);
    return a stream that gives the same bytes again, then the rest, and the bytes read."""
    head = b""
    while len(head) < MAX_PEEK:
        content = head.removeprefix(_BOM).lstrip()
        if content and (b"\n" in content or looks_like_zip(content)):
            break
        chunk = fp.read1(MAX_PEEK - len(head)) if hasattr(fp, "read1") else fp.read(MAX_PEEK - len(head))
        if not chunk:
            break
        head += chunk
    return io.BufferedReader(_Replay(head, fp)), head


def choose_format(
    stream: BinaryIO, name: str, fmt: InputFormat | None, *, stdin: bool
) -> tuple[BinaryIO, InputFormat, str | None]:
    """The stream to read (stdin: one that replays what was peeked), its format, and for stdin told by its
    content how it was read (``JSON Lines (twarc2 pages)``, for the log); a file by content and name."""
    if stdin and fmt is None:  # stdin has no name: its first line decides, then it streams
        stream, head = peek(stream)
        found, kind = sniff(head)
        return stream, found, describe(found, kind)
    return stream, detect_format(name, fmt, peek_head(stream)), None


def _first_line(head: bytes) -> str:
    content = head.removeprefix(_BOM).lstrip()
    return content.split(b"\n", 1)[0].rstrip(b"\r").decode("utf-8", "replace")


def header_cells(line: str, delimiter: str) -> list[str]:
    """The cells of one header line, stripped and lower-cased ([] if it is not one line of CSV)."""
    try:
        row = next(csv.reader([line], delimiter=delimiter), [])
    except csv.Error:
        return []
    return [cell.strip().lower() for cell in row]


def sniff(head: bytes) -> tuple[InputFormat, str]:
    """The format of an input that starts with ``head`` and what it looked like, for the log line:
    ``("jsonl", "twarc2 pages")``, ``("csv", "a header with 'tweet_id'")``, ``("text", "")``."""
    if looks_like_zip(head):
        return "zip", "a zip archive"
    if looks_like_data_file(head):
        return "js", "window.YTD."
    content = head.removeprefix(_BOM).lstrip()
    if content.startswith(b"{"):
        return "jsonl", _json_kind(content)
    line = _first_line(head)
    tables: tuple[tuple[InputFormat, str], ...] = (("tsv", "\t"), ("csv", ","))
    for fmt, delimiter in tables:
        cells = header_cells(line, delimiter)
        if len(cells) > 1 or (fmt == "csv" and cells and cells[0] in ID_COLUMNS and "," not in line):
            found = [cell for cell in cells if cell in ID_COLUMNS]
            if found:
                return fmt, f"a header with {found[0]!r}"
    return "text", ""


def _json_kind(content: bytes) -> str:
    if _PAGE_START.match(content):
        return "twarc2 pages"
    line = content.split(b"\n", 1)[0]
    try:
        obj = json.loads(line)
    except (ValueError, RecursionError):
        return "twarc2 pages" if b'"__twarc"' in line and b'"data"' in line else "JSON objects"
    if not isinstance(obj, dict):
        return "JSON objects"
    if isinstance(obj.get("data"), list | dict):
        return "twarc2 pages"
    if "__twarc" in obj or ("text" in obj and "author_id" in obj):
        return "flattened tweets"
    return "JSON objects"


def describe(fmt: str, kind: str) -> str:
    """``JSON Lines (twarc2 pages)``: how a detected format is named to the user."""
    name = _NAMES.get(fmt, fmt)
    return f"{name} ({kind})" if kind and fmt in ("jsonl", "csv", "tsv") else name


HINT_LINES = 100
"""The hint looks at an input's first this many records."""


def hint(name: str, records: int, invalid: list[str]) -> str | None:
    """One warning when more than half of an input's first records are invalid and they look like
    another format: ``None`` otherwise. ``invalid`` holds those lines' text."""
    if not invalid or len(invalid) * 2 <= records:
        return None
    most = len(invalid) // 2 + 1
    if sum(1 for text in invalid if text.lstrip().startswith("window.YTD.") or '"tweetId"' in text) >= 1:
        found = "an X archive data file (like.js); pass it as a file, or --input-format js"
    elif sum(1 for text in invalid if text.lstrip().startswith(("{", "["))) >= most:
        found = "JSON Lines; use --input-format jsonl (and --column NAME for the ID field)"
    elif sum(1 for text in invalid if ";" in text) >= most:
        found = "semicolon-separated values; bulklike reads commas: save it as CSV, then --input-format csv"
    elif sum(1 for text in invalid if "," in text) >= most:
        found = "CSV; use --input-format csv (and --column NAME for the ID column)"
    else:
        return None
    return f"{name}: {len(invalid)} of its first {records} lines are not tweet IDs; it looks like {found}"


def watch(
    name: str, records: Iterator[ParsedId | InvalidLine | None], hints: list[str]
) -> Iterator[ParsedId | InvalidLine | None]:
    """An input's first HINT_LINES records, passed on and looked at: a hint that it is in another format is
    added to ``hints`` (said on the loop at the next commit). Only these pass through here; the caller
    chains the rest of ``records`` on directly, so the hot loop pays nothing for it."""
    seen, odd = 0, []
    for record in records:
        yield record
        if record is not None:
            seen += 1
            if isinstance(record, InvalidLine):
                odd.append(record.input)
            if seen >= HINT_LINES:
                break
    found = hint(name, seen, odd)
    if found is not None:
        hints.append(found)
