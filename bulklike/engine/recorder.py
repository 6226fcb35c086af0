"""Group commit: outcomes are committed to the journal in small batches, then reported.

A ``Result`` handed to the Session, a result line, a log event or a progress count is produced
only after its record is committed,
so whatever a reader of the results saw is in the journal. The lines go through the outbox
(``bulklike.engine.outbox``): the commit of a batch also acknowledges the lines of the batch before
it, so a line is never lost to a kill and a results file holds it exactly once. The flush is
synchronous, so a cancellation (second Ctrl-C) can never interrupt it half-way; what was still
buffered stays ``pending`` in the journal and is simply sent again by the next run.
"""

from __future__ import annotations

import asyncio
import collections
import logging
from collections.abc import Callable
from typing import Any, cast

from bulklike.engine.outbox import Outbox
from bulklike.input.ingest import NewInvalid, SkippedId
from bulklike.logs import SILENT, Logger
from bulklike.results import Result, Status
from bulklike.store.journal import Journal, Record

FLUSH_EVERY = 64
FLUSH_AFTER_S = 0.02


class Recorder:
    """Buffers Records; ``flush()`` commits them in one transaction, then writes their results."""

    def __init__(
        self,
        journal: Journal,
        outbox: Outbox,
        *,
        undo: bool = False,
        deliver: Callable[[list[Result]], None] | None = None,
        log: Logger | None = None,
    ) -> None:
        self.journal = journal
        self.outbox = outbox
        self.invalid = 0  # invalid lines new to the journal, reported in this run
        self.undo = undo
        self.deliver = deliver  # the Session's hand-over of Results, after each commit
        self.counts: collections.Counter[str] = collections.Counter()
        self._buffer: list[Record] = []
        self._wake = asyncio.Event()
        # bound once: the lazy proxy structlog.get_logger() returns rebuilds a logger on every call,
        # which cost more than the log line itself on the per-like path; SILENT for the library
        self._log = (log if log is not None else SILENT).bind()
        # one `outcome` event per like is a debug event (the summary and progress carry the counts): at
        # the default level not even its fields are gathered; a failure is always a warning
        enabled = getattr(self._log, "is_enabled_for", None)
        self._per_like = enabled(logging.DEBUG) if callable(enabled) else True

    def add(self, record: Record) -> None:
        self._buffer.append(record)
        if len(self._buffer) >= FLUSH_EVERY:
            self.flush()
        else:
            self._wake.set()

    def flush(self) -> None:
        """Commit everything buffered, then report it. Raises JournalError (nothing reported)."""
        if not self._buffer:
            return
        batch, self._buffer = self._buffer, []
        # the lines of the batch before: acknowledged in this commit, which also notes a file's intent for this one
        marks = self.outbox.take(batch)
        try:
            if self.undo:
                self.journal.record_undo_many(batch, marks)
            else:
                self.journal.record_many(batch, marks)
        except BaseException:
            self.outbox.restore(marks)
            raise
        for record in batch:
            self._report(record)
        self.outbox.flush()
        if self.deliver is not None:
            ended = [record for record in batch if record.status != "pending"]
            if ended:
                sources = self.journal.sources_of([record.tweet_id for record in ended])
                self.deliver([_result(record, sources.get(record.tweet_id)) for record in ended])

    def close(self) -> None:
        """Commit what is buffered and acknowledge every line written (the end of a run)."""
        try:
            self.flush()
        finally:
            self.outbox.close()

    def report_invalid(self, lines: list[NewInvalid], hints: list[str] | None = None) -> None:
        """Invalid input lines (and IDs ``unlike`` skipped) new to the journal, already committed by
        the ingest thread; ``hints``: inputs that look like another format, each said once."""
        while hints:
            self._log.warning(hints.pop(0))
        results: list[Result] = []
        for _, line in lines:
            if isinstance(line, SkippedId):
                self.counts["skipped"] += 1
                if self.deliver is not None:  # a dry run of a big archive: no object per skipped ID
                    results.append(
                        Result(
                            tweet_id=line.tweet_id,
                            status="skipped",
                            message=line.reason,
                            source=line.source,
                            at=line.at,
                        )
                    )
                continue
            self.invalid += 1
            self._log.warning("invalid_input", source=line.source, reason=line.reason)
            results.append(
                Result(tweet_id=None, status="invalid", message=line.reason, source=line.source, input=line.input)
            )
        if lines:  # never raises (an event-loop callback): a failure surfaces at the next flush
            self.outbox.write_invalids(lines)
        if results and self.deliver is not None:
            self.deliver(results)

    def _report(self, record: Record) -> None:
        if record.status == "pending":  # attempts noted, the ID waits for the next run
            return
        self.counts[record.status] += 1
        self.outbox.write_record(record)
        failed = record.status == "failed"
        if failed or self._per_like:
            event: dict[str, Any] = {
                "tweet_id": record.tweet_id,
                "status": record.status,
                "attempts": record.attempts,
                "http_status": record.http_status,
            }
            if record.error_code is not None:
                event["error_code"] = record.error_code
            if failed:
                self._log.warning("outcome", message=record.message, **event)
            else:
                self._log.debug("outcome", **event)

    async def run(self) -> None:
        """Flush shortly after records arrive, until cancelled (the owner flushes once more)."""
        while True:
            await self._wake.wait()
            self._wake.clear()
            await asyncio.sleep(FLUSH_AFTER_S)
            self.flush()


def _result(record: Record, source: str | None) -> Result:
    return Result(
        tweet_id=record.tweet_id,
        status=cast(Status, record.status),
        attempts=record.attempts,
        http_status=record.http_status,
        error_code=record.error_code,
        message=record.message,
        source=source,
        at=record.at,
    )
