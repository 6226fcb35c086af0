"""Results: the ``Result`` value the Session yields per ID, and its line for the next tool in a pipe.

A ``Result`` is made only after its record is committed to the journal. stdout carries results
and nothing else. A results file is appended to; what reaches it, and exactly once, is the
outbox's business (``bulklike.engine.outbox``): this module formats lines, opens the file, and
settles its tail against what the journal committed (only this journal's unacknowledged bytes are
ever cut). The writer never raises: a closed pipe and a failed write are flags for the outbox.
CSV cells that a spreadsheet would run as a formula are neutralised (OWASP: a leading ``'``).
"""

from __future__ import annotations

import csv
import functools
import io
import json
import math
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, TextIO

from bulklike.errors import BulklikeError, ConfigError, OutputError

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
    return None if ts is None else _iso_second(math.floor(ts))


@functools.lru_cache(maxsize=4)
def _iso_second(second: int) -> str:
    """One whole second's text: the likes of one second share it (``strftime`` costs ~2 µs a line)."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(second))


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
    """Writes result dicts to a text stream as JSON Lines or CSV (header once per stream).

    It never raises: a reader that went away (a closed pipe) sets ``broken`` and nothing more is
    written; any other failure (a full disk) is kept in ``error`` as an ``OutputError`` for the
    outbox to raise where a stop is possible (never in an event-loop callback).
    """

    def __init__(self, stream: TextIO, fmt: Format, *, header: bool = True, name: str = "stdout") -> None:
        self.stream = stream
        self.fmt = fmt
        self.name = name
        self._buffer = io.StringIO()
        self._csv = (
            csv.DictWriter(self._buffer, fieldnames=CSV_FIELDS, extrasaction="ignore", lineterminator="\n")
            if fmt == "csv"
            else None
        )
        self._needs_header = header and fmt == "csv"
        self.count = 0
        self.broken = False  # the reader went away (a closed pipe): nothing written since counts
        self.error: BulklikeError | None = None  # an OutputError, or the journal's failure to note an intent

    def render(self, record: Mapping[str, Any]) -> str:
        """The line of one record, with its newline (CSV cells neutralised)."""
        if self._csv is None:
            return _JSONL.encode(record) + "\n"
        self._buffer.seek(0)
        self._buffer.truncate()
        self._csv.writerow({k: neutralise(v) for k, v in record.items()})
        return self._buffer.getvalue()

    def header(self) -> str:
        """The CSV header if the next line written needs it, else ``""``."""
        return _CSV_HEADER + "\n" if self._needs_header else ""

    def write(self, record: Mapping[str, Any]) -> None:
        self.write_text(self.render(record))

    def write_text(self, text: str) -> None:
        """One rendered line (the header first when it is still due)."""
        self._put(self.header() + text)
        self._needs_header = False
        self.count += 1

    def _put(self, text: str) -> None:
        if self.broken or self.error is not None:
            return
        try:
            self.stream.write(text)
        except OSError as exc:
            self._failed(exc)

    def flush(self) -> None:
        if self.broken or self.error is not None:
            return
        try:
            self.stream.flush()
        except OSError as exc:
            self._failed(exc)

    def _failed(self, exc: OSError) -> None:
        if isinstance(exc, BrokenPipeError):
            self.broken = True
        else:
            self.error = OutputError(
                f"{self.name}: cannot write results: {exc.strerror or exc}; the lines not written are owed to"
                " the next run (free space, or pick another --output, and run again)"
            )


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


@dataclass(frozen=True, slots=True)
class Opened:
    """A results file opened for appending: its stream, whether it needs a CSV header, its identity,
    and the keys of the lines a killed run of this journal had written whole past its mark."""

    stream: TextIO
    needs_header: bool
    ident: FileId
    found: list[str]


def open_results(path: str, fmt: Format, committed: Mapping[str, Any] | None = None) -> Opened:
    """Open a results file for appending (mode 0600 when new).

    ``committed``: what the journal last committed of this file: its identity, the acknowledged
    ``length`` and the ``intent`` (``[key, line]`` pairs this journal was about to write past it).
    Only bytes this journal wrote and did not acknowledge are ever cut: past the mark, the lines of
    the intent found whole are kept (``found``: the outbox acknowledges them) and a cut-short one
    at the very end of the file is cut. Anything else past the mark (another journal's records, a
    line someone appended) is kept as it is, as is a file the journal does not know; a last line
    left without its newline is closed first, so the next record starts on a line of its own.
    """
    try:
        fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            st = os.fstat(fd)
            ident = FileId(os.path.abspath(path), st.st_dev, st.st_ino)
            mine = committed if committed is not None and ident.matches(committed) else None
            size, found = _reclaim(fd, st.st_size, mine)
            cut_short = size > 0 and os.pread(fd, 1, size - 1) != b"\n"
        except BaseException:
            os.close(fd)
            raise
        stream = open(fd, "a", encoding="utf-8", newline="")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot open results file: {exc.strerror}") from exc
    if cut_short:
        stream.write("\n")
    return Opened(stream, size == 0, ident, found)


def _reclaim(fd: int, size: int, committed: Mapping[str, Any] | None) -> tuple[int, list[str]]:
    """Walk the tail past the journal's mark against its intent: (the file's size after, keys found whole)."""
    length = committed.get("length") if committed is not None else None
    intent = committed.get("intent") if committed is not None else None
    if not isinstance(length, int) or not 0 <= length <= size or not isinstance(intent, list):
        return size, []  # not this journal's file as it left it: keep every byte
    lines = [(key, text.encode("utf-8")) for key, text in intent if isinstance(text, str)]
    tail = os.pread(fd, sum(len(data) for _, data in lines), length)
    pos, found = 0, []
    for key, data in lines:
        if length + pos + len(data) > size or tail[pos : pos + len(data)] != data:
            rest = size - length - pos
            if 0 < rest < len(data) and tail[pos : pos + rest] == data[:rest]:  # our line, cut short by a kill
                os.ftruncate(fd, length + pos)
                size = length + pos
            break
        pos += len(data)
        if isinstance(key, str):
            found.append(key)
    return size, found
