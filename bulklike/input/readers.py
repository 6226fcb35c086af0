"""Input readers: text, CSV/TSV and JSON Lines streams in, one record per tweet reference out.

A bad line is a value (``InvalidLine``), never an exception, so one broken row cannot stop a run;
only a whole input that cannot be used (missing file, no ID column) raises ``InputError``.
Readers take binary file objects and read them line by line with a bounded line length, so
memory stays flat whatever the input: a 1M-line file, a 50 MB line, or binary junk.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from typing import BinaryIO, Literal

from bulklike.errors import InputError
from bulklike.input.delimited import read_table
from bulklike.input.ids import InvalidTweetRef, parse_tweet_ref
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

__all__ = [
    "MAX_LINE",
    "InputFormat",
    "InputRecord",
    "InvalidLine",
    "ParsedId",
    "detect_format",
    "open_input",
    "read_records",
]

InputFormat = Literal["text", "csv", "tsv", "jsonl"]


_MAX_ID_BYTES = b"9223372036854775807"  # 2^63-1; same-length digit strings compare like the numbers
_EXTENSIONS: dict[str, InputFormat] = {
    ".txt": "text",
    ".csv": "csv",
    ".tsv": "tsv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
}
_JSON_KEYS = ("tweet_id", "id_str", "id", "url")
# Control characters, surrogates (from JSON escapes) and bidi overrides could garble or spoof a
# terminal when the line is shown back to the user.


def detect_format(name: str, override: InputFormat | None) -> InputFormat:
    """The explicit ``--input-format`` wins; else the extension decides, and stdin or anything else is text."""
    if override is not None:
        return override
    if name in ("-", "<stdin>"):
        return "text"
    return _EXTENSIONS.get(os.path.splitext(name)[1].lower(), "text")


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


def read_records(fp: BinaryIO, *, name: str, fmt: InputFormat, column: str | None = None) -> Iterator[InputRecord]:
    """Stream the records of one input, in order; ``fp`` stays open (its opener closes it).

    For CSV/TSV the header is read right here, before an iterator is returned, so a missing ID
    column raises ``InputError`` at once rather than after records were already acted on.
    """
    lines = physical_lines(fp)
    if fmt == "csv" or fmt == "tsv":
        return read_table(lines, name, "," if fmt == "csv" else "\t", column)
    if fmt == "jsonl":
        return _read_jsonl(lines, name, column)
    return _read_text(lines, name)


def _read_text(lines: Iterator[bytes], name: str) -> Iterator[InputRecord]:
    """One ID or URL per line; blank lines and ``#`` comments are skipped."""
    for lineno, raw in enumerate(lines, 1):
        stripped = raw.strip()
        # Fast path, on bytes: 1-19 ASCII digits, no leading zero, at most 2^63-1.
        if (
            stripped.isdigit()
            and stripped[0] != 48  # b"0"
            and (len(stripped) < 19 or (len(stripped) == 19 and stripped <= _MAX_ID_BYTES))
        ):
            yield ParsedId(stripped.decode("ascii"), f"{name}:{lineno}")
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


def _read_jsonl(lines: Iterator[bytes], name: str, column: str | None) -> Iterator[InputRecord]:
    """One JSON object per line; the ID is under ``column`` or the first of _JSON_KEYS present."""
    keys = (column,) if column is not None else _JSON_KEYS
    for lineno, raw in enumerate(lines, 1):
        source = f"{name}:{lineno}"
        text = decode_line(raw, source)
        if isinstance(text, InvalidLine):
            yield text
        elif text:  # blank lines are skipped
            yield _json_record(text, keys, source)


def _json_record(text: str, keys: tuple[str, ...], source: str) -> InputRecord:
    try:
        obj = json.loads(text)
    except (ValueError, RecursionError):  # RecursionError: "[[[[..." nested 60,000 deep
        return InvalidLine(printable(text), source, "not valid JSON")
    if not isinstance(obj, dict):
        return InvalidLine(printable(text), source, "not a JSON object")
    for key in keys:
        if key in obj:
            return _json_value(obj[key], source)
    return InvalidLine(printable(text), source, f"no {_or(keys)} field")


def _or(names: tuple[str, ...]) -> str:
    """'a', 'b' or 'c'"""
    quoted = [repr(name) for name in names]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " or " + quoted[-1]


def _json_value(value: object, source: str) -> InputRecord:
    """A JSON string is parsed like text; an integer is taken as the ID; other types are refused."""
    if isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool)):
        text = str(value)
        try:
            return ParsedId(parse_tweet_ref(text), source)
        except InvalidTweetRef as exc:
            return InvalidLine(printable(text), source, exc.reason)
    if isinstance(value, float):
        reason = "ID is a JSON float (write the ID as a string or an integer)"
    else:
        kind = {bool: "a boolean", type(None): "null", list: "a list", dict: "an object"}
        reason = f"ID is {kind.get(type(value), 'not a string or integer')}"
    return InvalidLine(printable(json.dumps(value)), source, reason)
