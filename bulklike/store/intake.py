"""The ingest thread's side of the journal: its own connection and every statement it runs.

``input.ingest`` reads and parses; this module holds its SQL, so SQL lives only in ``store/``. The thread
opens its own connection (``Intake``): ``synchronous=NORMAL`` and a large page cache, so the ``tweet_id``
index of a million IDs stays in memory. Rows go in batches, one transaction each: queued IDs (``queue``),
``unlike``'s filtered rows (``queue_filtered``), or, for an all-or-nothing input, a temporary table
(``stage``) moved into the journal only once the whole input parsed (``publish``). Plain tuples in and out:
the store knows nothing of the input's types.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from bulklike.store.planned import queue_planned
from bulklike.store.sqlite import connect, transaction

#: the ingest connection's page cache (KiB): the ``tweet_id`` index of a million IDs stays in memory
CACHE_KIB: Final = 48 * 1024

#: an ID listed again keeps its row, but one a dry run only planned is queued now (store.planned); a dry
#: run's own IDs are planned, never queued, so a later run of another list does not send them
_UPSERT_ID = (
    "INSERT INTO items(tweet_id, status, source, first_seen, added_run, last_run) VALUES (?, '{}', ?, ?, ?, ?)"
    " ON CONFLICT(tweet_id) DO UPDATE SET last_run = excluded.last_run{} WHERE last_run != excluded.last_run"
)
_INSERT_ID = _UPSERT_ID.format("pending", "," + queue_planned("1"))
_QUEUE_STAGED = queue_planned("?6 = 'pending'")  # ?6: the status this publish gives (planned in a dry run)
_QUEUE_FILTERED = queue_planned("excluded.status = 'pending'")
_PLAN_ID = _UPSERT_ID.format("planned", "")
#: an invalid line is a record once per (source, line) per journal, owed to the results output once
_INSERT_INVALID = (
    "INSERT OR IGNORE INTO items(tweet_id, status, source, input, message, first_seen, finished_at, added_run,"
    " last_run, unwritten) VALUES (NULL, 'invalid', ?, ?, ?, ?, ?, ?, ?, 1)"
)

_STAGE = "CREATE TEMP TABLE IF NOT EXISTS staged(tweet_id TEXT, source TEXT NOT NULL, input TEXT, reason TEXT)"
_CLEAR_STAGED = "DELETE FROM temp.staged"
_INSERT_STAGED = "INSERT INTO temp.staged(tweet_id, source, input, reason) VALUES (?, ?, ?, ?)"
_STAGED_TOP = "SELECT ifnull(max(rowid), 0) FROM temp.staged"
_STAGED_INVALID = (
    "SELECT input, source, reason FROM temp.staged WHERE rowid > ? AND rowid <= ? AND tweet_id IS NULL ORDER BY rowid"
)
#: a staged ID with a reason is one ``unlike`` skips (a filter or the keep-list): terminal at once
_PUBLISH = (
    "INSERT INTO items(tweet_id, status, source, message, first_seen, finished_at, added_run, last_run, unwritten)"
    " SELECT tweet_id, CASE WHEN reason IS NULL THEN ?6 ELSE 'skipped' END, source, reason, ?1,"
    " CASE WHEN reason IS NULL THEN NULL ELSE ?1 END, ?2, ?3, CASE WHEN reason IS NULL THEN NULL ELSE 1 END"
    " FROM temp.staged WHERE rowid > ?4 AND rowid <= ?5 AND tweet_id IS NOT NULL ORDER BY rowid"
    f" ON CONFLICT(tweet_id) DO UPDATE SET last_run = excluded.last_run,{_QUEUE_STAGED}"
    " WHERE last_run != excluded.last_run"
)
#: ``unlike``'s rows: pending, or skipped with the reason (owed a result line); an ID already in the
#: journal keeps its row, so a resume never reconsiders what an earlier run decided
_INSERT_FILTERED = (
    "INSERT INTO items(tweet_id, status, source, message, first_seen, finished_at, added_run, last_run, unwritten)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
    f" ON CONFLICT(tweet_id) DO UPDATE SET last_run = excluded.last_run,{_QUEUE_FILTERED}"
    " WHERE last_run != excluded.last_run"
)
_NEW_SKIPPED = (
    "SELECT seq, tweet_id, source, message, finished_at FROM items WHERE seq > ? AND status = 'skipped' ORDER BY seq"
)
_LAST_SEQ = "SELECT ifnull(max(seq), 0) FROM items"

#: an ID read: (tweet_id, source, first_seen, added_run, last_run)
IdRow = tuple[str, str, float, int, int]
#: an invalid line: (source, input, reason)
InvalidRow = tuple[str, str, str]
#: a staged record: (tweet_id or None for an invalid line, source, input, reason)
StagedRow = tuple[str | None, str, str | None, str | None]
#: a row ``unlike``'s filters skipped, new in this commit: (seq, tweet_id, source, reason, finished_at)
SkippedRow = tuple[int, str, str, str, float]
#: invalid lines new to the journal, as (their row's seq, their index in the batch given)
NewRows = list[tuple[int, int]]


class Intake:
    """One ingest thread's connection to the journal at ``path``; ``close()`` it on the same thread's way out."""

    def __init__(self, path: str, run_id: int, *, status: str) -> None:
        self.run_id = run_id
        self.status = status  # ``pending``, or ``planned`` for a dry run (its IDs are never queued by it)
        self._insert = _PLAN_ID if status == "planned" else _INSERT_ID
        self.conn = connect(path)
        try:
            self.conn.execute("PRAGMA synchronous=NORMAL")
            self.conn.execute(f"PRAGMA cache_size=-{CACHE_KIB}")
        except BaseException:
            self.conn.close()
            raise

    def close(self) -> None:
        self.conn.close()

    def queue(self, ids: Sequence[IdRow], invalid: Sequence[InvalidRow], now: float) -> NewRows:
        """One batch of IDs (upserted: an ID seen before keeps its row) and invalid lines, one transaction."""
        with transaction(self.conn) as conn:
            conn.executemany(self._insert, ids)
            return self._insert_invalid(invalid, now)

    def queue_filtered(
        self, rows: Sequence[tuple[str, str, str | None]], invalid: Sequence[InvalidRow], now: float
    ) -> tuple[NewRows, list[SkippedRow]]:
        """``unlike``'s batch: (tweet_id, source, reason) rows, pending when the reason is None, else
        ``skipped`` with it and owed a result line; returns the new invalid lines and skipped rows."""
        run, skipping = self.run_id, any(reason is not None for _, _, reason in rows)
        with transaction(self.conn) as conn:
            last = conn.execute(_LAST_SEQ).fetchone()[0] if skipping else None
            conn.executemany(
                _INSERT_FILTERED,
                [
                    (tweet_id, self.status, src, None, now, None, run, run, None)
                    if why is None
                    else (tweet_id, "skipped", src, why, now, now, run, run, 1)
                    for tweet_id, src, why in rows
                ],
            )
            new = self._insert_invalid(invalid, now)
            return new, self._new_skipped(last) if last is not None else []

    # -- an all-or-nothing input -----------------------------------------------------------------

    def begin_staging(self) -> None:
        """An empty temp table for one input (on disk, so memory stays flat; no lock on the journal)."""
        self.conn.execute(_STAGE)
        self.conn.execute(_CLEAR_STAGED)

    def stage(self, rows: Sequence[StagedRow]) -> None:
        """Hold records aside; nothing reaches the journal's ``items`` until ``publish``."""
        with transaction(self.conn, immediate=False) as conn:
            conn.executemany(_INSERT_STAGED, rows)

    def staged_count(self) -> int:
        """The last staged record's rowid: ``publish`` moves rowids 1..this."""
        return int(self.conn.execute(_STAGED_TOP).fetchone()[0])

    def staged_invalid(self, last: int, upto: int) -> list[InvalidRow]:
        """The invalid lines among staged rowids ``last < rowid <= upto``, as (input, source, reason)."""
        return [(str(a), str(b), str(c)) for a, b, c in self.conn.execute(_STAGED_INVALID, (last, upto))]

    def publish(
        self, last: int, upto: int, invalid: Sequence[InvalidRow], now: float, *, skipping: bool
    ) -> tuple[NewRows, list[SkippedRow]]:
        """Move staged rowids ``last < rowid <= upto`` into the journal inside SQLite (the rows never come
        back through Python), in one transaction with their invalid lines (source, input, reason)."""
        with transaction(self.conn) as conn:
            before = conn.execute(_LAST_SEQ).fetchone()[0] if skipping else None
            conn.execute(_PUBLISH, (now, self.run_id, self.run_id, last, upto, self.status))
            new = self._insert_invalid(invalid, now)
            return new, self._new_skipped(before) if before is not None else []

    def clear_staged(self) -> None:
        self.conn.execute(_CLEAR_STAGED)

    # -- within a transaction --------------------------------------------------------------------

    def _insert_invalid(self, invalid: Sequence[InvalidRow], now: float) -> NewRows:
        """One statement each (they are rare), to learn which lines are new to the journal: only
        those are reported, so a line read again on a resume is not reported again."""
        new: NewRows = []
        for index, (source, text, reason) in enumerate(invalid):
            cur = self.conn.execute(_INSERT_INVALID, (source, text, reason, now, now, self.run_id, self.run_id))
            if cur.rowcount == 1:
                new.append((int(cur.lastrowid or 0), index))
        return new

    def _new_skipped(self, after: int) -> list[SkippedRow]:
        """The skipped rows this transaction added (rows are only ever added by this thread, in seq order)."""
        rows = self.conn.execute(_NEW_SKIPPED, (after,)).fetchall()
        return [(int(seq), str(t), str(src), str(why), float(at)) for seq, t, src, why, at in rows]
