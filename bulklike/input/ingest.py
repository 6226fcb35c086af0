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
from bulklike.store.intake import IdRow, Intake, InvalidRow

BATCH = 2000
BATCH_SECONDS = 0.2

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


@dataclass(slots=True)
class Source:
    """One opened input whose header (if any) was already checked; ``staged``: all or nothing. A Python
    feed has no stream and may yield ``None`` while it waits for items, so what was read so far is committed."""

    name: str
    records: Iterator[Record | None]
    stream: BinaryIO | None
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

    def join(self) -> None:
        """Wait for the thread (a Python feed always ends once stopped; stdin might not)."""
        if self._thread.is_alive():
            self._thread.join()

    def _main(self) -> None:
        try:
            intake = Intake(self.path, self.run_id)
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
        invalid: list[InvalidRow] = []
        deadline = time.monotonic() + BATCH_SECONDS
        for record in source.records:
            if type(record) is ParsedId:
                ids.append((record.tweet_id, record.source))
            elif record is not None:
                assert isinstance(record, InvalidLine)
                invalid.append((record.input, record.source, record.reason))
            if record is None or len(ids) >= size or len(invalid) >= 100 or time.monotonic() > deadline:
                commit(intake, ids, invalid)
                ids, invalid = [], []
                if self.stop.is_set():
                    return
                deadline = time.monotonic() + BATCH_SECONDS
        commit(intake, ids, invalid)
        if source.staged:
            self._publish(intake)

    def _stage(self, intake: Intake, ids: list[IdRow], invalid: list[InvalidRow]) -> None:
        """Hold an all-or-nothing input's records aside."""
        intake.stage(ids, invalid)

    def _publish(self, intake: Intake) -> None:
        """The whole input parsed: move its staged records into the journal, in order, batch by batch."""
        top = intake.staged()
        last = 0
        while last < top and not self.stop.is_set():
            upto = min(last + PUBLISH_BATCH, top)
            invalid, new = intake.publish(last, upto, self.clock())
            self._committed(upto - last - len(invalid), invalid, new)
            last = upto
        intake.clear_staged()

    def _commit(self, intake: Intake, ids: list[IdRow], invalid: list[InvalidRow]) -> None:
        if not ids and not invalid:
            return
        new = intake.add(ids, invalid, self.clock())
        self._committed(len(ids), invalid, new)

    def _committed(self, ids: int, invalid: list[InvalidRow], new: list[tuple[int, InvalidRow]]) -> None:
        self.stats.valid += ids
        self.stats.invalid += len(invalid)
        self.stats.inputs[-1].ids += ids
        self.stats.inputs[-1].invalid += len(invalid)
        self.on_commit([(seq, InvalidLine(*row)) for seq, row in new])
