"""Results: the ``Result`` value the Session yields per ID, and its line for the next tool in a pipe.

A ``Result`` is made only after its record is committed to the journal. The CLI writes each as
one JSON Lines or CSV line; stdout carries results and nothing else. A results file is appended
to; if a kill cut its last line short, the next run starts on a fresh line so every complete
line stays parseable.
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


def iso(ts: float | None) -> str | None:
    """Epoch seconds as ``2026-11-27T05:24:29Z`` (UTC), or None."""
    return None if ts is None else time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))


Status = Literal["liked", "already_liked", "not_found", "forbidden", "invalid", "failed", "unliked"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Result:
    """What became of one input in a ``like()`` or ``undo()`` call, once committed to the journal.

    ``status`` is ``liked``, ``already_liked``, ``not_found``, ``forbidden``, ``failed`` (retries
    spent), ``unliked`` (undo) or ``invalid`` (the input was not a tweet ID or URL: ``tweet_id`` is
    None and ``input`` holds the text). ``source`` names where the ID came from (``file:line``,
    ``<python>:N`` for the N-th item of an iterable); ``at`` is when it ended (epoch seconds).
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


def result_line(result: Result) -> dict[str, Any]:
    """The result as one output record (an invalid input keeps its text and source)."""
    if result.status == "invalid":
        return {
            "tweet_id": None,
            "status": "invalid",
            "input": result.input,
            "source": result.source,
            "message": result.message,
        }
    return {
        "tweet_id": result.tweet_id,
        "status": result.status,
        "attempts": result.attempts,
        "http_status": result.http_status,
        "error_code": result.error_code,
        "message": result.message,
        "at": iso(result.at),
    }


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

    def write(self, record: Mapping[str, Any]) -> None:
        if self._csv is not None:
            if self._needs_header:
                self._csv.writeheader()
                self._needs_header = False
            self._csv.writerow(record)
        else:
            self.stream.write(_JSONL.encode(record) + "\n")
        self.count += 1

    def flush(self) -> None:
        try:
            self.stream.flush()
        except BrokenPipeError:
            pass


def open_results(path: str, fmt: Format) -> tuple[TextIO, bool]:
    """Open a results file for appending (mode 0600 when new); returns (stream, needs_header).

    A last line left without its newline by a killed run is closed first, so the next record
    starts on a line of its own.
    """
    try:
        exists = os.path.exists(path) and os.path.getsize(path) > 0
        if exists:
            with open(path, "rb") as fp:
                fp.seek(-1, os.SEEK_END)
                cut_short = fp.read(1) != b"\n"
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        stream = open(fd, "a", encoding="utf-8", newline="")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot open results file: {exc.strerror}") from exc
    if exists and cut_short:
        stream.write("\n")
    return stream, not exists
