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
    open_input,
    read_records,
)
from bulklike.input.sniff import choose_format, watch
from bulklike.store.intake import IdRow, Intake, NewRows, SkippedRow
from bulklike.store.sqlite import sqlite_errors

BATCH = 2000
BATCH_SECONDS = 0.2
#: batches grow to this while input keeps coming: randomly ordered IDs land on scattered pages of the
#: ``tweet_id`` index, and a big batch writes each such page once instead of once per small commit
MAX_BATCH = 50_000
PUBLISH_BATCH = 10_000

Record = ParsedId | InvalidLine


@dataclass(frozen=True, slots=True)
class SkippedId:
    """An ID ``unlike`` leaves alone (``input.filters``), journaled ``skipped`` with the reason."""

    tweet_id: str
    source: str
    reason: str
    at: float


#: an invalid line (or a skipped ID) new to the journal, with its row's ``seq`` (for the results outbox)
NewInvalid = tuple[int, InvalidLine | SkippedId]


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
    skipped: int = 0  # valid IDs ``unlike`` left alone, duplicates included
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
    empty: bool = False  # it ended before its first record (/dev/null, a closed pipe)


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
            pipe = is_pipe(stream)
            stream, found, detected = choose_format(stream, name, fmt, stdin=path == "-")
            sources[-1] = Source(name, iter(()), stream)
            records = read_records(
                stream, name=name, fmt=found, column=column, archive_kind=archive_kind, partial=partial
            )
            first = list(itertools.islice(records, 1))
            staged = found in ("js", "zip") and not partial
            chained: Iterator[Record | None] = itertools.chain(first, records)
            if not staged and pipe:  # what arrived is journaled while the producer pauses
                chained = iter(Prefetch(chained))
            sources[-1] = Source(name, chained, stream, staged, detected, empty=not first)
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
        skip: Callable[[str], str | None] | None = None,
        planned: bool = False,
    ) -> None:
        self.path = path
        self.skip = skip  # unlike: why an ID is left alone (input.filters), None to queue it
        self.run_id = run_id
        self.sources = sources
        self.on_commit = on_commit
        self.clock = clock
        self.status = "planned" if planned else "pending"  # a dry run plans; only a run queues
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
                intake = Intake(self.path, self.run_id, status=self.status)
                try:
                    for source in self.sources:
                        if self.stop.is_set():
                            break
                        self._drain(intake, source)
                        self.stats.files += 1
                finally:
                    intake.close()
        except (BulklikeError, OSError) as exc:
            self.stats.error = exc if isinstance(exc, BulklikeError) else JournalError(f"{self.path}: {exc}")
        except Exception as exc:  # raised by a Python feed's iterable: handed back to its caller
            self.stats.error = exc
        finally:
            close_sources(self.sources)
            self.done.set()
            self.on_commit([])

    def _drain(self, intake: Intake, source: Source) -> None:
        self.stats.inputs.append(InputCount(source.name))
        commit = self._stage if source.staged else self._commit
        size = PUBLISH_BATCH if source.staged else BATCH  # staged: nobody waits for these rows
        if source.staged:
            intake.begin_staging()
        ids: list[IdRow] = []
        invalid: list[InvalidLine] = []
        run = self.run_id
        deadline = time.monotonic() + BATCH_SECONDS
        now = 0.0
        if self.skip is not None:
            return self._drain_filtered(intake, source, self.skip)
        records = iter(source.records)  # the first HINT_LINES looked at: is it in another format?
        for record in itertools.chain(watch(source.name, records, self.stats.hints), records):
            if type(record) is ParsedId:
                if not ids:  # a batch's time is when its first ID was read (a pipe may have been quiet since)
                    now = self.clock()
                ids.append((record.tweet_id, record.source, now, run, run))
            elif record is not None:
                assert isinstance(record, InvalidLine)
                invalid.append(record)
            if record is None or len(ids) >= size or len(invalid) >= 100 or time.monotonic() > deadline:
                if len(ids) >= size:  # the input comes faster than it is committed: fewer, bigger commits
                    size = min(size * 2, max(MAX_BATCH, size))
                commit(intake, ids, invalid)
                ids, invalid = [], []
                if self.stop.is_set():
                    return
                deadline = time.monotonic() + BATCH_SECONDS
        commit(intake, ids, invalid)
        if source.staged:
            self._publish(intake)

    def _drain_filtered(self, intake: Intake, source: Source, skip: Callable[[str], str | None]) -> None:
        """``unlike``'s reading: each ID queued, or journaled ``skipped`` with the reason (in input order)."""
        rows: list[tuple[str, str, str | None]] = []  # (tweet_id, source, reason)
        invalid: list[InvalidLine] = []
        size = PUBLISH_BATCH if source.staged else BATCH  # the staged table is made ready by _drain
        deadline = time.monotonic() + BATCH_SECONDS
        for record in source.records:
            if type(record) is ParsedId:
                rows.append((record.tweet_id, record.source, skip(record.tweet_id)))
            elif record is not None:
                assert isinstance(record, InvalidLine)
                invalid.append(record)
            if record is None or len(rows) >= size or len(invalid) >= 100 or time.monotonic() > deadline:
                self._commit_filtered(intake, source.staged, rows, invalid)
                rows, invalid = [], []
                if self.stop.is_set():
                    return
                deadline = time.monotonic() + BATCH_SECONDS
        self._commit_filtered(intake, source.staged, rows, invalid)
        if source.staged:
            self._publish(intake)

    def _commit_filtered(
        self, intake: Intake, staged: bool, rows: list[tuple[str, str, str | None]], invalid: list[InvalidLine]
    ) -> None:
        self.stats.skipped += sum(1 for _, _, reason in rows if reason is not None)
        if staged:
            intake.stage([(tweet_id, src, None, why) for tweet_id, src, why in rows] + _staged_invalid(invalid))
            return
        if not rows and not invalid:
            return
        new, skipped = intake.queue_filtered(rows, _invalid_rows(invalid), self.clock())
        self._committed(len(rows), invalid, _new_invalid(new, invalid) + _skipped(skipped))

    def _stage(self, intake: Intake, ids: list[IdRow], invalid: list[InvalidLine]) -> None:
        """Hold an all-or-nothing input's records aside (a temp table: no lock on the journal)."""
        intake.stage([(row[0], row[1], None, None) for row in ids] + _staged_invalid(invalid))

    def _publish(self, intake: Intake) -> None:
        """The whole input parsed: move its staged records into the journal, in order, batch by batch
        (inside SQLite: the rows do not come back through Python, only the invalid ones, to report)."""
        top = intake.staged_count()
        last = 0
        while last < top and not self.stop.is_set():
            upto = min(last + PUBLISH_BATCH, top)
            invalid = [InvalidLine(text, source, reason) for text, source, reason in intake.staged_invalid(last, upto)]
            new, skipped = intake.publish(
                last, upto, _invalid_rows(invalid), self.clock(), skipping=self.skip is not None
            )
            self._committed(upto - last - len(invalid), invalid, _new_invalid(new, invalid) + _skipped(skipped))
            last = upto
        intake.clear_staged()

    def _commit(self, intake: Intake, ids: list[IdRow], invalid: list[InvalidLine]) -> None:
        if not ids and not invalid:
            return
        new = intake.queue(ids, _invalid_rows(invalid), self.clock())
        self._committed(len(ids), invalid, _new_invalid(new, invalid))

    def _committed(self, ids: int, invalid: list[InvalidLine], new: list[NewInvalid]) -> None:
        self.stats.valid += ids
        self.stats.invalid += len(invalid)
        self.stats.inputs[-1].ids += ids
        self.stats.inputs[-1].invalid += len(invalid)
        self.on_commit(new)


def _invalid_rows(invalid: list[InvalidLine]) -> list[tuple[str, str, str]]:
    return [(r.source, r.input, r.reason) for r in invalid]


def _staged_invalid(invalid: list[InvalidLine]) -> list[tuple[str | None, str, str | None, str | None]]:
    return [(None, r.source, r.input, r.reason) for r in invalid]


def _new_invalid(new: NewRows, invalid: list[InvalidLine]) -> list[NewInvalid]:
    """Those of ``invalid`` new to the journal (a line read again on a resume is not reported again)."""
    return [(seq, invalid[index]) for seq, index in new]


def _skipped(rows: list[SkippedRow]) -> list[NewInvalid]:
    return [(seq, SkippedId(tweet_id, source, reason, at)) for seq, tweet_id, source, reason, at in rows]
