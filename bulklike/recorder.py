"""Group commit: outcomes are committed to the journal in small batches, then handed over.

A ``Result`` (and with it a result line, a log event, a progress count) is made only after its
record is committed, so whatever a reader of the results saw is in the journal. The flush is
synchronous, so a cancellation (second Ctrl-C, a cancelled task) can never interrupt it half-way;
what was still buffered stays ``pending`` in the journal and is simply sent again by the next run.
"""

from __future__ import annotations

import asyncio
import collections
from collections.abc import Callable
from typing import Any, cast

from bulklike.logs import SILENT
from bulklike.results import Result, Status
from bulklike.store.journal import Journal, Record

FLUSH_EVERY = 64
FLUSH_AFTER_S = 0.02


class Recorder:
    """Buffers Records; ``flush()`` commits them in one transaction, then delivers their Results."""

    def __init__(
        self,
        journal: Journal,
        *,
        deliver: Callable[[list[Result]], None],
        undo: bool = False,
        log: Any = None,
    ) -> None:
        self.journal = journal
        self.deliver = deliver
        self.undo = undo
        self.counts: collections.Counter[str] = collections.Counter()
        self._buffer: list[Record] = []
        self._wake = asyncio.Event()
        # bound once: the lazy proxy structlog.get_logger() returns rebuilds a logger on every call,
        # which cost more than the log line itself on the per-like path
        self._log = (log if log is not None else SILENT).bind()

    def add(self, record: Record) -> None:
        self._buffer.append(record)
        if len(self._buffer) >= FLUSH_EVERY:
            self.flush()
        else:
            self._wake.set()

    def flush(self) -> None:
        """Commit everything buffered, then deliver it. Raises JournalError (nothing delivered)."""
        if not self._buffer:
            return
        batch, self._buffer = self._buffer, []
        if self.undo:
            self.journal.record_undo_many(batch)
        else:
            self.journal.record_many(batch)
        ended = [record for record in batch if record.status != "pending"]  # pending: noted, sent again later
        if not ended:
            return
        sources = self.journal.sources_of([record.tweet_id for record in ended])
        results = [self._report(record, sources.get(record.tweet_id)) for record in ended]
        self.deliver(results)

    def _report(self, record: Record, source: str | None) -> Result:
        self.counts[record.status] += 1
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

    async def run(self) -> None:
        """Flush shortly after records arrive, until cancelled (the owner flushes once more)."""
        while True:
            await self._wake.wait()
            self._wake.clear()
            await asyncio.sleep(FLUSH_AFTER_S)
            self.flush()
