"""Input readers: text, CSV/TSV, JSON Lines (twarc2 too) and X archive streams in, one record per tweet reference out.

A bad line is a value (``InvalidLine``), never an exception, so one broken row cannot stop a run;
only a whole input that cannot be used (missing file, no ID column) raises ``InputError``.
Readers take binary file objects and read them line by line with a bounded line length, so
memory stays flat whatever the input: a 1M-line file, a 50 MB line, or binary junk.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import BinaryIO, Literal

from bulklike.errors import InputError
from bulklike.input.archive import ArchiveKind, looks_like_data_file, looks_like_zip, read_data_file, read_zip
from bulklike.input.delimited import read_table
from bulklike.input.ids import InvalidTweetRef, parse_tweet_ref
from bulklike.input.jsonl import read_jsonl
from bulklike.input.lines import (
    MAX_LINE,
    InputRecord,
    InvalidLine,
    ParsedId,
    TooLong,
    decode_line,
    physical_lines,
    printable,
)
from bulklike.snowflake import is_id

__all__ = [
    "MAX_LINE",
    "ArchiveKind",
    "InputFormat",
    "InputRecord",
    "InvalidLine",
    "ParsedId",
    "detect_format",
    "open_input",
    "peek_head",
    "read_records",
]

InputFormat = Literal["text", "csv", "tsv", "jsonl", "js", "zip"]


_EXTENSIONS: dict[str, InputFormat] = {
    ".txt": "text",
    ".csv": "csv",
    ".tsv": "tsv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".js": "js",
    ".zip": "zip",
}
_HEAD = 64  # bytes looked at to tell an archive by its content


def detect_format(name: str, override: InputFormat | None, head: bytes = b"") -> InputFormat:
    """The explicit ``--input-format`` wins; then the content, for what cannot be mistaken (a zip, an
    archive's ``window.YTD.`` data file, whatever their names); then the extension; else text."""
    if override is not None:
        return override
    if looks_like_zip(head):
        return "zip"
    if looks_like_data_file(head):
        return "js"
    if name in ("-", "<stdin>"):
        return "text"
    return _EXTENSIONS.get(os.path.splitext(name)[1].lower(), "text")


def peek_head(fp: BinaryIO) -> bytes:
    """The first bytes of ``fp`` without consuming them (a pipe gives what it has delivered so far)."""
    peek = getattr(fp, "peek", None)
    if peek is not None:
        return bytes(peek(_HEAD)[:_HEAD])
    if fp.seekable():
        at = fp.tell()
        head = fp.read(_HEAD)
        fp.seek(at)
        return head
    return b""


def open_input(path: str, stdin: BinaryIO) -> tuple[BinaryIO, str]:
    """Open ``path`` for binary reading ("-" is ``stdin``) and return it with its display name."""
    if path == "-":
        return stdin, "<stdin>"
    try:
        return open(path, "rb"), path
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory, not a file") from None
    except PermissionError:
        raise InputError(f"{path}: permission denied") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot open ({exc.strerror or exc})") from None


def read_records(
    fp: BinaryIO,
    *,
    name: str,
    fmt: InputFormat,
    column: str | None = None,
    archive_kind: ArchiveKind = "likes",
    partial: bool = False,
) -> Iterator[InputRecord]:
    """Stream the records of one input, in order; ``fp`` stays open (its opener closes it).

    For CSV/TSV the header is read right here, before an iterator is returned, so a missing ID
    column raises ``InputError`` at once rather than after records were already acted on; a zip's
    list of members likewise. ``archive_kind`` and ``partial`` concern X archive inputs only.
    """
    if fmt == "zip":
        return read_zip(fp, name=name, kind=archive_kind, partial=partial)
    if fmt == "js":
        return read_data_file(fp, name=name, kind=archive_kind, partial=partial)
    lines = physical_lines(fp, long_lines=fmt == "jsonl")
    if fmt == "csv" or fmt == "tsv":
        return read_table(lines, name, "," if fmt == "csv" else "\t", column)
    if fmt == "jsonl":
        return read_jsonl(lines, name, column)
    return _read_text(lines, name)


def _read_text(lines: Iterator[bytes], name: str) -> Iterator[InputRecord]:
    """One ID or URL per line; blank lines and ``#`` comments are skipped."""
    for lineno, raw in enumerate(lines, 1):
        stripped = raw.strip()
        # Fast path: a plain ID (bytes.isdigit is ASCII only); anything else gets the full diagnosis
        if stripped.isdigit() and is_id(digits := stripped.decode("ascii")):
            yield ParsedId(digits, f"{name}:{lineno}")
            continue
        if stripped[:1] == b"#" or not (stripped or isinstance(raw, TooLong)):
            continue
        source = f"{name}:{lineno}"
        text = decode_line(raw, source)
        if isinstance(text, InvalidLine):
            yield text
            continue
        text = text.lstrip("\ufeff")  # a BOM mid-stream: files were concatenated
        if not text or text[0] == "#":
            continue
        try:
            yield ParsedId(parse_tweet_ref(text), source)
        except InvalidTweetRef as exc:
            yield InvalidLine(printable(text), source, exc.reason)
