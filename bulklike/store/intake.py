"""The ingest thread's own connection to the journal: new IDs and invalid lines in, nothing else.

The reader thread (``input.ingest``) writes here while the workers read the journal through theirs,
so this is a second connection to the same file, in WAL mode, never shared across threads. Rows go
in batches (one transaction each). An all-or-nothing input (an X archive) is staged first in a
temporary table (on disk, so memory stays flat) and published batch by batch inside SQLite once it
has parsed whole. Invalid lines are ``(input, source, reason)`` triples; each is a record once per
(source, line) per journal, and only those new to the journal come back (with their ``seq``), so a
line read again on a resume is not reported again.
"""

from __future__ import annotations

from bulklike.store.sqlite import connect, sqlite_errors, transaction

#: a new ID: (tweet_id, source)
IdRow = tuple[str, str]
#: an invalid input line: (input, source, reason)
InvalidRow = tuple[str, str, str]

_INSERT_ID = (
    "INSERT INTO items(tweet_id, status, source, first_seen, added_run, last_run) VALUES (?, 'pending', ?, ?, ?, ?)"
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
    " SELECT tweet_id, 'pending', source, ?1, ?2, ?3 FROM temp.staged"
    " WHERE rowid > ?4 AND rowid <= ?5 AND tweet_id IS NOT NULL ORDER BY rowid"
    " ON CONFLICT(tweet_id) DO UPDATE SET last_run = excluded.last_run WHERE last_run != excluded.last_run"
)


class Intake:
    """One run's writes of input rows into the journal at ``path`` (raises ``JournalError``)."""

    def __init__(self, path: str, run_id: int) -> None:
        self.path = path
        self.run_id = run_id
        with sqlite_errors(path):
            self.conn = connect(path)
            self.conn.execute("PRAGMA synchronous=NORMAL")

    def close(self) -> None:
        self.conn.close()

    def add(self, ids: list[IdRow], invalid: list[InvalidRow], now: float) -> list[tuple[int, InvalidRow]]:
        """Queue new IDs (an ID already there is only marked as seen by this run) and record invalid
        lines, in one transaction; returns the invalid lines new to the journal, with their ``seq``."""
        run = self.run_id
        with sqlite_errors(self.path), transaction(self.conn) as conn:
            conn.executemany(_INSERT_ID, [(tweet_id, source, now, run, run) for tweet_id, source in ids])
            return self._insert_invalid(invalid, now)

    def begin_staging(self) -> None:
        """Start holding an all-or-nothing input's records aside."""
        with sqlite_errors(self.path):
            self.conn.execute(_STAGE)
            self.conn.execute("DELETE FROM temp.staged")

    def stage(self, ids: list[IdRow], invalid: list[InvalidRow]) -> None:
        """Hold records aside (a temp table: no lock on the journal)."""
        with sqlite_errors(self.path), transaction(self.conn, immediate=False) as conn:
            conn.executemany(_INSERT_STAGED, [(tweet_id, source, None, None) for tweet_id, source in ids])
            conn.executemany(_INSERT_STAGED, [(None, source, text, reason) for text, source, reason in invalid])

    def staged(self) -> int:
        """How many records are staged (the last one's rowid)."""
        with sqlite_errors(self.path):
            return int(self.conn.execute("SELECT ifnull(max(rowid), 0) FROM temp.staged").fetchone()[0])

    def publish(self, last: int, upto: int, now: float) -> tuple[list[InvalidRow], list[tuple[int, InvalidRow]]]:
        """Move staged records ``last < rowid <= upto`` into the journal in one transaction, inside
        SQLite (the IDs do not come back through Python); returns the invalid lines among them and
        those new to the journal."""
        run = self.run_id
        with sqlite_errors(self.path):
            invalid: list[InvalidRow] = self.conn.execute(_STAGED_INVALID, (last, upto)).fetchall()
            with transaction(self.conn) as conn:
                conn.execute(_PUBLISH, (now, run, run, last, upto))
                return invalid, self._insert_invalid(invalid, now)

    def clear_staged(self) -> None:
        with sqlite_errors(self.path):
            self.conn.execute("DELETE FROM temp.staged")

    def _insert_invalid(self, invalid: list[InvalidRow], now: float) -> list[tuple[int, InvalidRow]]:
        """One statement each (they are rare), to learn which lines are new to the journal."""
        new: list[tuple[int, InvalidRow]] = []
        for row in invalid:
            text, source, reason = row
            cur = self.conn.execute(_INSERT_INVALID, (source, text, reason, now, now, self.run_id, self.run_id))
            if cur.rowcount == 1:
                new.append((int(cur.lastrowid or 0), row))
        return new
