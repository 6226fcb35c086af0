"""Drain inputs into the journal, in a thread, as fast as they arrive.

The journal is the queue: workers take pending rows while this thread is still reading, so a
pipe that delivers slowly starts work at once, and a huge input never sits in memory. Rows are
written in batches (one transaction each, on the thread's own connection); each commit wakes
the dispatcher. Invalid lines are handed to a callback for the warning and the result line.

An X archive input (a zip or a ``like.js``) is all or nothing unless ``--partial``: its records
are staged in a temporary table (on disk, so memory stays flat) and moved into the journal only
when the whole input has parsed. So a cut archive puts no ID in the journal, none is sent, and
the run ends with exit 2 naming the break; rows are never committed and then taken back, which
could not be done safely once the workers may have sent them.
"""

from __future__ import annotations

import itertools
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

from bulklike.errors import BulklikeError, JournalError
from bulklike.input.readers import (
    ArchiveKind,
    InputFormat,
    InvalidLine,
    ParsedId,
    detect_format,
    open_input,
    peek_head,
    read_records,
)
from bulklike.store.journal import connect, sqlite_errors

BATCH = 2000
BATCH_SECONDS = 0.2

_INSERT_ID = (
    "INSERT INTO items(tweet_id, status, source, first_seen, added_run, last_run) VALUES (?, 'pending', ?, ?, ?, ?)"
    " ON CONFLICT(tweet_id) DO UPDATE SET last_run = excluded.last_run WHERE last_run != excluded.last_run"
)
_INSERT_INVALID = (
    "INSERT OR IGNORE INTO items(tweet_id, status, source, input, message, first_seen, finished_at, added_run,"
    " last_run) VALUES (NULL, 'invalid', ?, ?, ?, ?, ?, ?, ?)"
)

_STAGE = "CREATE TEMP TABLE IF NOT EXISTS staged(tweet_id TEXT, source TEXT NOT NULL, input TEXT, reason TEXT)"
_INSERT_STAGED = "INSERT INTO temp.staged(tweet_id, source, input, reason) VALUES (?, ?, ?, ?)"

Record = ParsedId | InvalidLine


@dataclass(slots=True)
class InputCount:
    """What one input gave: its valid IDs (duplicates included) and invalid records."""

    name: str
    ids: int = 0
    invalid: int = 0


@dataclass(slots=True)
class IngestStats:
    valid: int = 0
    invalid: int = 0
    files: int = 0
    error: BaseException | None = None
    invalid_lines: list[InvalidLine] = field(default_factory=list)
    inputs: list[InputCount] = field(default_factory=list)


@dataclass(slots=True)
class Source:
    """One opened input whose header (if any) was already checked; ``staged``: all or nothing."""

    name: str
    records: Iterator[Record]
    stream: BinaryIO
    staged: bool = False


def open_sources(
    paths: list[str],
    stdin: BinaryIO,
    fmt: InputFormat | None,
    column: str | None,
    *,
    archive_kind: ArchiveKind = "likes",
    partial: bool = False,
) -> list[Source]:
    """Open every input and read as far as its first record, so whole-input problems (missing
    file, directory, no ID column, a zip without likes) stop the run before anything is sent."""
    sources: list[Source] = []
    try:
        for path in paths:
            stream, name = open_input(path, stdin)
            sources.append(Source(name, iter(()), stream))
            found = detect_format(name if path != "-" else "", fmt, peek_head(stream))
            records = read_records(
                stream, name=name, fmt=found, column=column, archive_kind=archive_kind, partial=partial
            )
            first = list(itertools.islice(records, 1))
            staged = found in ("js", "zip") and not partial
            sources[-1] = Source(name, itertools.chain(first, records), stream, staged)
    except BaseException:
        close_sources(sources)  # an unusable input stops the run: close what was opened
        raise
    return sources


def close_sources(sources: list[Source]) -> None:
    """Close the opened files (never stdin)."""
    for source in sources:
        if source.name != "<stdin>":
            source.stream.close()


class Ingestor:
    """Runs ``sources`` into the journal at ``path`` on a daemon thread."""

    def __init__(
        self,
        path: str,
        run_id: int,
        sources: list[Source],
        *,
        on_commit: Callable[[list[InvalidLine]], None],
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.path = path
        self.run_id = run_id
        self.sources = sources
        self.on_commit = on_commit
        self.clock = clock
        self.stats = IngestStats()
        self.stop = threading.Event()
        self.done = threading.Event()
        self._thread = threading.Thread(target=self._main, name="bulklike-ingest", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _main(self) -> None:
        try:
            with sqlite_errors(self.path):
                conn = connect(self.path)
                try:
                    conn.execute("PRAGMA synchronous=NORMAL")
                    for source in self.sources:
                        if self.stop.is_set():
                            break
                        self._drain(conn, source)
                        self.stats.files += 1
                finally:
                    conn.close()
        except (BulklikeError, sqlite3.Error, OSError) as exc:
            self.stats.error = exc if isinstance(exc, BulklikeError) else JournalError(f"{self.path}: {exc}")
        finally:
            close_sources(self.sources)
            self.done.set()
            self.on_commit([])

    def _drain(self, conn: sqlite3.Connection, source: Source) -> None:
        self.stats.inputs.append(InputCount(source.name))
        commit = self._stage if source.staged else self._commit
        if source.staged:
            conn.execute(_STAGE)
            conn.execute("DELETE FROM temp.staged")
        ids: list[tuple[str, str, float, int, int]] = []
        invalid: list[InvalidLine] = []
        run = self.run_id
        deadline = time.monotonic() + BATCH_SECONDS
        now = self.clock()
        for record in source.records:
            if type(record) is ParsedId:
                ids.append((record.tweet_id, record.source, now, run, run))
            else:
                assert isinstance(record, InvalidLine)
                invalid.append(record)
            if len(ids) >= BATCH or len(invalid) >= 100 or time.monotonic() > deadline:
                commit(conn, ids, invalid)
                ids, invalid = [], []
                if self.stop.is_set():
                    return
                deadline = time.monotonic() + BATCH_SECONDS
                now = self.clock()
        commit(conn, ids, invalid)
        if source.staged:
            self._publish(conn)

    def _stage(
        self, conn: sqlite3.Connection, ids: list[tuple[str, str, float, int, int]], invalid: list[InvalidLine]
    ) -> None:
        """Hold an all-or-nothing input's records aside (a temp table: no lock on the journal)."""
        conn.execute("BEGIN")
        try:
            conn.executemany(_INSERT_STAGED, [(row[0], row[1], None, None) for row in ids])
            conn.executemany(_INSERT_STAGED, [(None, r.source, r.input, r.reason) for r in invalid])
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    def _publish(self, conn: sqlite3.Connection) -> None:
        """The whole input parsed: move its staged records into the journal, batch by batch, in order."""
        last, run = 0, self.run_id
        while not self.stop.is_set():
            rows = conn.execute(
                "SELECT rowid, tweet_id, source, input, reason FROM temp.staged WHERE rowid > ? ORDER BY rowid LIMIT ?",
                (last, BATCH),
            ).fetchall()
            if not rows:
                break
            last, now = rows[-1][0], self.clock()
            ids = [(tweet_id, source, now, run, run) for _, tweet_id, source, _, _ in rows if tweet_id is not None]
            invalid = [
                InvalidLine(text, source, reason) for _, tweet_id, source, text, reason in rows if tweet_id is None
            ]
            self._commit(conn, ids, invalid)
        conn.execute("DELETE FROM temp.staged")

    def _commit(
        self, conn: sqlite3.Connection, ids: list[tuple[str, str, float, int, int]], invalid: list[InvalidLine]
    ) -> None:
        if not ids and not invalid:
            return
        now = self.clock()
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.executemany(_INSERT_ID, ids)
            conn.executemany(
                _INSERT_INVALID,
                [(r.source, r.input, r.reason, now, now, self.run_id, self.run_id) for r in invalid],
            )
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        self.stats.valid += len(ids)
        self.stats.invalid += len(invalid)
        self.stats.inputs[-1].ids += len(ids)
        self.stats.inputs[-1].invalid += len(invalid)
        self.on_commit(invalid)
