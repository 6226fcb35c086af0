"""Drain inputs into the journal, in a thread, as fast as they arrive.

The journal is the queue: workers take pending rows while this thread is still reading, so a
pipe that delivers slowly starts work at once, and a huge input never sits in memory. Rows are
written in batches (one transaction each, on the thread's own connection); each commit wakes
the dispatcher. Invalid lines new to the journal are handed to a callback for the warning and the
result line (a line read again on a resume is not reported again).

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
from bulklike.input.pipe import Prefetch, is_pipe
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
from bulklike.input.sniff import HINT_LINES, describe, hint, peek, sniff
from bulklike.store.sqlite import connect, sqlite_errors, transaction

BATCH = 2000
BATCH_SECONDS = 0.2

#: an ID listed again leaves its row as it is, but one a dry run only planned is queued now (store.planned),
#: moved to the end of the journal: the runner takes rows in ``seq`` order and may be past its old place
_PROMOTE = (
    " seq = CASE status WHEN 'planned' THEN (SELECT max(seq) FROM items) + 1 ELSE seq END,"
    " status = CASE status WHEN 'planned' THEN 'pending' ELSE status END"
)
_INSERT_ID = (
    "INSERT INTO items(tweet_id, status, source, first_seen, added_run, last_run) VALUES (?, 'pending', ?, ?, ?, ?)"
    f" ON CONFLICT(tweet_id) DO UPDATE SET last_run = excluded.last_run,{_PROMOTE} WHERE last_run != excluded.last_run"
)
#: a dry run's IDs are planned, never queued: a later run of another list does not send them
_PLAN_ID = (
    "INSERT INTO items(tweet_id, status, source, first_seen, added_run, last_run) VALUES (?, 'planned', ?, ?, ?, ?)"
    " ON CONFLICT(tweet_id) DO UPDATE SET last_run = excluded.last_run WHERE last_run != excluded.last_run"
)
#: an invalid line is a record once per (source, line) per journal, owed to the results output once
_INSERT_INVALID = (
    "INSERT OR IGNORE INTO items(tweet_id, status, source, input, message, first_seen, finished_at, added_run,"
    " last_run, unwritten) VALUES (NULL, 'invalid', ?, ?, ?, ?, ?, ?, ?, 1)"
)

_STAGE = "CREATE TEMP TABLE IF NOT EXISTS staged(tweet_id TEXT, source TEXT NOT NULL, input TEXT, reason TEXT)"
_INSERT_STAGED = "INSERT INTO temp.staged(tweet_id, source, input, reason) VALUES (?, ?, ?, ?)"
_STAGED_INVALID = (
    "SELECT input, source, reason FROM temp.staged WHERE rowid > ? AND rowid <= ? AND tweet_id IS NULL ORDER BY rowid"
)
_PUBLISH = (
    "INSERT INTO items(tweet_id, status, source, first_seen, added_run, last_run)"
    " SELECT tweet_id, ?6, source, ?1, ?2, ?3 FROM temp.staged"
    " WHERE rowid > ?4 AND rowid <= ?5 AND tweet_id IS NOT NULL ORDER BY rowid"
    " ON CONFLICT(tweet_id) DO UPDATE SET last_run = excluded.last_run,"
    " seq = CASE WHEN status = 'planned' AND ?6 = 'pending' THEN (SELECT max(seq) FROM items) + 1 ELSE seq END,"
    " status = CASE WHEN status = 'planned' AND ?6 = 'pending' THEN 'pending' ELSE status END"
    " WHERE last_run != excluded.last_run"
)
PUBLISH_BATCH = 10_000

Record = ParsedId | InvalidLine
#: an invalid line new to the journal, with its row's ``seq`` (for the results outbox)
NewInvalid = tuple[int, InvalidLine]


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
    hints: list[str] = field(default_factory=list)  # an input that looks like another format (sniff.hint)


@dataclass(slots=True)
class Source:
    """One opened input whose header (if any) was already checked; ``staged``: all or nothing. A Python
    feed has no stream and may yield ``None`` while it waits for items, so what was read so far is committed."""

    name: str
    records: Iterator[Record | None]
    stream: BinaryIO | None
    staged: bool = False
    detected: str | None = None  # stdin: the format its content was read as ("JSON Lines (twarc2 pages)")


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
            detected, pipe = None, is_pipe(stream)
            if path == "-" and fmt is None:  # stdin has no name: its first line decides, then it streams
                stream, head = peek(stream)
                sources[-1] = Source(name, iter(()), stream)
                found, kind = sniff(head)
                detected = describe(found, kind)
            else:
                found = detect_format(name, fmt, peek_head(stream))
            records = read_records(
                stream, name=name, fmt=found, column=column, archive_kind=archive_kind, partial=partial
            )
            first = list(itertools.islice(records, 1))
            staged = found in ("js", "zip") and not partial
            chained: Iterator[Record | None] = itertools.chain(first, records)
            if not staged and pipe:  # what arrived is journaled while the producer pauses
                chained = iter(Prefetch(chained))
            sources[-1] = Source(name, chained, stream, staged, detected)
    except BaseException:
        close_sources(sources)  # an unusable input stops the run: close what was opened
        raise
    return sources


def close_sources(sources: list[Source]) -> None:
    """Close the opened files (never stdin)."""
    for source in sources:
        if source.stream is not None and source.name != "<stdin>":
            source.stream.close()


class Ingestor:
    """Runs ``sources`` into the journal at ``path`` on a daemon thread."""

    def __init__(
        self,
        path: str,
        run_id: int,
        sources: list[Source],
        *,
        on_commit: Callable[[list[NewInvalid]], None],
        clock: Callable[[], float] = time.time,
        planned: bool = False,
    ) -> None:
        self.path = path
        self.run_id = run_id
        self.sources = sources
        self.on_commit = on_commit
        self.clock = clock
        self.status = "planned" if planned else "pending"  # a dry run plans; only a run queues
        self._insert = _PLAN_ID if planned else _INSERT_ID
        self.stats = IngestStats()
        self.stop = threading.Event()
        self.done = threading.Event()
        self._thread = threading.Thread(target=self._main, name="bulklike-ingest", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def join(self) -> None:
        """Wait for the thread (a Python feed always ends once stopped; stdin might not)."""
        if self._thread.is_alive():
            self._thread.join()

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
        except Exception as exc:  # raised by a Python feed's iterable: handed back to its caller
            self.stats.error = exc
        finally:
            close_sources(self.sources)
            self.done.set()
            self.on_commit([])

    def _drain(self, conn: sqlite3.Connection, source: Source) -> None:
        self.stats.inputs.append(InputCount(source.name))
        commit = self._stage if source.staged else self._commit
        size = PUBLISH_BATCH if source.staged else BATCH  # staged: nobody waits for these rows
        if source.staged:
            conn.execute(_STAGE)
            conn.execute("DELETE FROM temp.staged")
        ids: list[tuple[str, str, float, int, int]] = []
        invalid: list[InvalidLine] = []
        run = self.run_id
        deadline = time.monotonic() + BATCH_SECONDS
        now = 0.0
        records = iter(source.records)
        for record in itertools.chain(self._first(source.name, records), records):
            if type(record) is ParsedId:
                if not ids:  # a batch's time is when its first ID was read (a pipe may have been quiet since)
                    now = self.clock()
                ids.append((record.tweet_id, record.source, now, run, run))
            elif record is not None:
                assert isinstance(record, InvalidLine)
                invalid.append(record)
            if record is None or len(ids) >= size or len(invalid) >= 100 or time.monotonic() > deadline:
                commit(conn, ids, invalid)
                ids, invalid = [], []
                if self.stop.is_set():
                    return
                deadline = time.monotonic() + BATCH_SECONDS
        commit(conn, ids, invalid)
        if source.staged:
            self._publish(conn)

    def _first(self, name: str, records: Iterator[Record | None]) -> Iterator[Record | None]:
        """An input's first HINT_LINES records, looked at for a hint that it is in another format
        (only these pass through this generator: the rest of the input goes straight on)."""
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
            self.stats.hints.append(found)  # said on the loop, at the next commit (Job._on_commit)

    def _stage(
        self, conn: sqlite3.Connection, ids: list[tuple[str, str, float, int, int]], invalid: list[InvalidLine]
    ) -> None:
        """Hold an all-or-nothing input's records aside (a temp table: no lock on the journal)."""
        with transaction(conn, immediate=False):
            conn.executemany(_INSERT_STAGED, [(row[0], row[1], None, None) for row in ids])
            conn.executemany(_INSERT_STAGED, [(None, r.source, r.input, r.reason) for r in invalid])

    def _publish(self, conn: sqlite3.Connection) -> None:
        """The whole input parsed: move its staged records into the journal, in order, batch by batch
        (inside SQLite: the rows do not come back through Python, only the invalid ones, to report)."""
        top = conn.execute("SELECT ifnull(max(rowid), 0) FROM temp.staged").fetchone()[0]
        last = 0
        while last < top and not self.stop.is_set():
            upto = min(last + PUBLISH_BATCH, top)
            rows = conn.execute(_STAGED_INVALID, (last, upto)).fetchall()
            invalid = [InvalidLine(text, source, reason) for text, source, reason in rows]
            now = self.clock()
            with transaction(conn):
                conn.execute(_PUBLISH, (now, self.run_id, self.run_id, last, upto, self.status))
                new = self._insert_invalid(conn, invalid, now)
            self._committed(upto - last - len(invalid), invalid, new)
            last = upto
        conn.execute("DELETE FROM temp.staged")

    def _commit(
        self, conn: sqlite3.Connection, ids: list[tuple[str, str, float, int, int]], invalid: list[InvalidLine]
    ) -> None:
        if not ids and not invalid:
            return
        now = self.clock()
        with transaction(conn):
            conn.executemany(self._insert, ids)
            new = self._insert_invalid(conn, invalid, now)
        self._committed(len(ids), invalid, new)

    def _insert_invalid(self, conn: sqlite3.Connection, invalid: list[InvalidLine], now: float) -> list[NewInvalid]:
        """One statement each (they are rare), to learn which lines are new to the journal: only
        those are reported, so a line read again on a resume is not reported again."""
        new: list[NewInvalid] = []
        for r in invalid:
            cur = conn.execute(_INSERT_INVALID, (r.source, r.input, r.reason, now, now, self.run_id, self.run_id))
            if cur.rowcount == 1:
                new.append((int(cur.lastrowid or 0), r))
        return new

    def _committed(self, ids: int, invalid: list[InvalidLine], new: list[NewInvalid]) -> None:
        self.stats.valid += ids
        self.stats.invalid += len(invalid)
        self.stats.inputs[-1].ids += ids
        self.stats.inputs[-1].invalid += len(invalid)
        self.on_commit(new)
