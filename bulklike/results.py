"""Results: the ``Result`` value the Session yields per ID, and its line for the next tool in a pipe.

A ``Result`` is made only after its record is committed to the journal. stdout carries results
and nothing else. A results file is appended to; what reaches it, and exactly once, is the
outbox's business (``bulklike.engine.outbox``): this module formats lines, opens the file, and cuts it
back to the length the journal acknowledged. CSV cells that a spreadsheet would run as a formula
are neutralised (OWASP: a leading ``'``).
"""

from __future__ import annotations

import csv
import json
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, TextIO

from bulklike.errors import ConfigError

Format = Literal["jsonl", "csv"]
RESULT_FIELDS = ("tweet_id", "status", "attempts", "http_status", "error_code", "message", "at")
CSV_FIELDS = (*RESULT_FIELDS, "source", "input")
#: one encoder for every line: json.dumps builds a new one per call whenever an option is given
_JSONL = json.JSONEncoder(ensure_ascii=False, separators=(", ", ": "))
#: a cell starting with one of these is a formula to a spreadsheet (OWASP "CSV injection")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_CSV_HEADER = ",".join(CSV_FIELDS)
_BY_EXTENSION: dict[str, Format] = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl"}


def format_for(path: str | None, explicit: str | None) -> Format:
    """``--format`` if given, else what ``--output``'s extension says (``.csv``, ``.jsonl``/``.ndjson``), else jsonl."""
    if explicit is not None:
        return "csv" if explicit == "csv" else "jsonl"
    if path is not None:
        return _BY_EXTENSION.get(os.path.splitext(path)[1].lower(), "jsonl")
    return "jsonl"


def neutralise(value: Any) -> Any:
    """A text cell a spreadsheet would evaluate (``=1+1``, ``@SUM``, ``-5``) gets a leading ``'``."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def iso(ts: float | None) -> str | None:
    """Epoch seconds as ``2026-11-27T05:24:29Z`` (UTC), or None."""
    return None if ts is None else time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))


Status = Literal[
    "liked", "already_liked", "not_found", "forbidden", "invalid", "failed", "unliked", "not_liked", "skipped"
]


@dataclass(frozen=True, slots=True, kw_only=True)
class Result:
    """What became of one input in a ``like()``, ``unlike()`` or ``undo()`` call, once committed to the journal.

    ``status`` is ``liked``, ``already_liked``, ``not_found``, ``forbidden``, ``failed`` (retries
    spent), ``unliked`` (undo, unlike), ``not_liked`` (unlike: v1.1 found no like, or no tweet),
    ``skipped`` (unlike: a date filter or the keep-list; ``message`` says which) or ``invalid`` (the
    input was not a tweet ID or URL: ``tweet_id`` is None and ``input`` holds the text). ``source``
    names where the ID came from (``file:line``, ``<python>:N`` for the N-th item of an iterable);
    ``at`` is when it ended (epoch seconds).
    """

    tweet_id: str | None
    status: Status
    attempts: int = 0
    http_status: int | None = None
    error_code: int | None = None
    message: str | None = None
    source: str | None = None
    input: str | None = None
    at: float = 0.0


def result_line(
    tweet_id: str,
    status: str,
    attempts: int,
    http_status: int | None,
    error_code: int | None,
    message: str | None,
    at: float,
) -> dict[str, Any]:
    return {
        "tweet_id": tweet_id,
        "status": status,
        "attempts": attempts,
        "http_status": http_status,
        "error_code": error_code,
        "message": message,
        "at": iso(at),
    }


def invalid_line(text: str, source: str, reason: str) -> dict[str, Any]:
    return {"tweet_id": None, "status": "invalid", "input": text, "source": source, "message": reason}


class ResultWriter:
    """Writes result dicts to a text stream as JSON Lines or CSV (header once per stream)."""

    def __init__(self, stream: TextIO, fmt: Format, *, header: bool = True) -> None:
        self.stream = stream
        self.fmt = fmt
        self._csv = (
            csv.DictWriter(stream, fieldnames=CSV_FIELDS, extrasaction="ignore", lineterminator="\n")
            if fmt == "csv"
            else None
        )
        self._needs_header = header and fmt == "csv"
        self.count = 0
        self.broken = False  # the reader went away (a closed pipe): nothing written since counts

    def write(self, record: Mapping[str, Any]) -> None:
        if self._csv is not None:
            if self._needs_header:
                self._csv.writeheader()
                self._needs_header = False
            self._csv.writerow({k: neutralise(v) for k, v in record.items()})
        else:
            self.stream.write(_JSONL.encode(record) + "\n")
        self.count += 1

    def flush(self) -> None:
        try:
            self.stream.flush()
        except BrokenPipeError:
            self.broken = True


@dataclass(frozen=True, slots=True)
class FileId:
    """Which file a results stream is (so a journal recognises it on the next run)."""

    path: str
    dev: int
    ino: int

    def matches(self, saved: Mapping[str, Any]) -> bool:
        return (saved.get("path"), saved.get("dev"), saved.get("ino")) == (self.path, self.dev, self.ino)


def check_results_file(path: str, fmt: Format) -> None:
    """Before anything is sent: a non-empty file must already hold this format (CSV: the same header)."""
    try:
        with open(path, "rb") as fp:
            first = fp.readline(4096).decode("utf-8", "replace").rstrip("\r\n")
    except FileNotFoundError:
        return
    except OSError as exc:
        raise ConfigError(f"{path}: cannot open results file: {exc.strerror}") from exc
    if not first:
        return
    if fmt == "csv" and first != _CSV_HEADER:
        raise ConfigError(f"{path}: not a CSV results file with the same header; use another --output or --format")
    if fmt == "jsonl" and first == _CSV_HEADER:
        raise ConfigError(f"{path}: holds CSV results; use --format csv or another --output")


def open_results(path: str, fmt: Format, committed: Mapping[str, Any] | None = None) -> tuple[TextIO, bool, FileId]:
    """Open a results file for appending (mode 0600 when new); returns (stream, needs_header, id).

    ``committed``: what the journal acknowledged of this file last time (its identity and length).
    When it is the same file, anything past that length (lines a killed run wrote but never
    acknowledged, or a line cut short) is cut off: those records are still owed and are written
    again. A file the journal does not know keeps its content; a last line left without its
    newline is closed first, so the next record starts on a line of its own.
    """
    try:
        fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            st = os.fstat(fd)
            ident = FileId(os.path.abspath(path), st.st_dev, st.st_ino)
            size = st.st_size
            length = committed.get("length") if committed is not None and ident.matches(committed) else None
            if isinstance(length, int) and 0 <= length <= size:
                if length < size:
                    os.ftruncate(fd, length)
                size, cut_short = length, False
            else:
                cut_short = size > 0 and os.lseek(fd, size - 1, os.SEEK_SET) >= 0 and os.read(fd, 1) != b"\n"
        except BaseException:
            os.close(fd)
            raise
        stream = open(fd, "a", encoding="utf-8", newline="")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot open results file: {exc.strerror}") from exc
    if cut_short:
        stream.write("\n")
    return stream, size == 0, ident
