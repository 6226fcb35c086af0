"""Group commit: outcomes are committed to the journal in small batches, then reported.

A result line, a log event or a progress count is produced only after its record is committed,
so whatever a reader of the results saw is in the journal. The flush is synchronous, so a
cancellation (second Ctrl-C) can never interrupt it half-way; what was still buffered stays
``pending`` in the journal and is simply sent again by the next run.
"""

from __future__ import annotations

import asyncio
import collections
from collections.abc import Callable
from typing import Any

from bulklike.logs import get_logger
from bulklike.results import ResultWriter, result_line
from bulklike.store.journal import Journal, Record

FLUSH_EVERY = 64
FLUSH_AFTER_S = 0.02


class Recorder:
    """Buffers Records; ``flush()`` commits them in one transaction, then writes their results."""

    def __init__(
        self,
        journal: Journal,
        writer: ResultWriter,
        *,
        undo: bool = False,
        on_reported: Callable[[Record], None] | None = None,
    ) -> None:
        self.journal = journal
        self.writer = writer
        self.undo = undo
        self.on_reported = on_reported
        self.counts: collections.Counter[str] = collections.Counter()
        self._buffer: list[Record] = []
        self._wake = asyncio.Event()
        # bound once: the lazy proxy get_logger() returns rebuilds a logger on every call, which
        # cost more than the log line itself on the per-like path (logging is configured by now)
        self._log = get_logger().bind()

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
        if self.undo:
            self.journal.record_undo_many(batch)
        else:
            self.journal.record_many(batch)
        for record in batch:
            self._report(record)
        self.writer.flush()

    def _report(self, record: Record) -> None:
        if record.status == "pending":  # attempts noted, the ID waits for the next run
            return
        self.counts[record.status] += 1
        self.writer.write(
            result_line(
                record.tweet_id,
                record.status,
                record.attempts,
                record.http_status,
                record.error_code,
                record.message,
                record.at,
            )
        )
        event: dict[str, Any] = {
            "tweet_id": record.tweet_id,
            "status": record.status,
            "attempts": record.attempts,
            "http_status": record.http_status,
        }
        if record.error_code is not None:
            event["error_code"] = record.error_code
        if record.status == "failed":
            self._log.warning("outcome", message=record.message, **event)
        else:
            self._log.info("outcome", **event)
        if self.on_reported is not None:
            self.on_reported(record)

    async def run(self) -> None:
        """Flush shortly after records arrive, until cancelled (the owner flushes once more)."""
        while True:
            await self._wake.wait()
            self._wake.clear()
            await asyncio.sleep(FLUSH_AFTER_S)
            self.flush()
