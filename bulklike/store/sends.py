"""The send ledger's file: every request that left, with when its answer came (or its deadline).

All the ledger's SQL lives here; ``pacing.ledger`` decides what to reserve and keeps the books in
memory, this module only reads and writes rows. One table, ``sends``: ``app``, ``user`` (fingerprints,
never raw values), ``sent_at``, ``until`` (the latest moment the server may have counted the send)
and ``weight`` (the points a send costs; 1 on X). Rows whose ``until`` is older than the longest
window anyone may configure are pruned in small batches, at start-up and as the run goes, so that
years of history never make a start slow; reads are by index and bounded (the newest rows of one
scope), so a run's memory does not grow with the file.
"""

from __future__ import annotations

import contextlib
import functools
import random
import sqlite3
import time
from collections.abc import Iterator, Sequence

from bulklike.errors import JournalError
from bulklike.store.sqlite import connect, create_private, is_busy, sqlite_errors, transaction

LEDGER_APP_ID = 0x424C4B47  # "BLKG"
#: how its errors name the file (not "the journal": the user would look at the wrong one)
LEDGER = "send ledger"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS sends (
    id INTEGER PRIMARY KEY,
    app TEXT NOT NULL,
    user TEXT NOT NULL,
    sent_at REAL NOT NULL,
    until REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS sends_app_until ON sends(app, until);
CREATE INDEX IF NOT EXISTS sends_user_until ON sends(user, until);
CREATE INDEX IF NOT EXISTS sends_until ON sends(until)
"""
#: added after the first schema: files made before it gain the column (every old send cost 1)
_WEIGHT = "ALTER TABLE sends ADD COLUMN weight INTEGER NOT NULL DEFAULT 1"
_SHORTEN = "UPDATE sends SET until = ? WHERE id = ? AND until > ?"
_INSERT = "INSERT INTO sends(app, user, sent_at, until, weight) VALUES (?, ?, ?, ?, ?)"
#: several rows in one statement, their ids back (``RETURNING``: SQLite 3.35, March 2021); older
#: libraries insert one row at a time, in the same transaction
MANY_AT_ONCE = sqlite3.sqlite_version_info >= (3, 35, 0)
#: how long start-up retries a lock conflict with other processes starting at the same moment
SETUP_TIMEOUT_S = 30.0
#: rows deleted per pruning transaction: small enough that a start or a send never waits long on it
PRUNE_BATCH = 20_000

#: a row read back: (id, app, user, until, weight)
Row = tuple[int, str, str, float, int]


class SendsFile:
    """One connection to the ledger's SQLite file; every statement the ledger runs."""

    def __init__(self, path: str) -> None:
        self.path = path
        create_private(path)
        with sqlite_errors(path, LEDGER):
            self.conn = connect(path)
            self._initialise()

    def _initialise(self) -> None:
        """Check the file is ours, switch it to WAL, create the schema in one IMMEDIATE transaction.

        WAL comes first and once (it is stored in the file): switching after the set-up needs an
        exclusive lock while another process starting at the same moment may hold a shared one and
        wait for ours, and SQLite breaks that deadlock by answering "database is locked" at once,
        without waiting. Such a conflict is retried from the start after a short random pause, until
        ``SETUP_TIMEOUT_S``. The file is checked before anything is written, so a foreign or corrupt
        file is left exactly as it was.
        """
        deadline = time.monotonic() + SETUP_TIMEOUT_S
        while True:
            try:
                self._check_ours()
                self.conn.execute("PRAGMA journal_mode=WAL")
                self.conn.execute("PRAGMA synchronous=NORMAL")
                with transaction(self.conn) as conn:
                    self._check_ours()  # again under the lock: another process may have made it
                    for statement in _SCHEMA.split(";"):  # IF NOT EXISTS: also adds later indexes
                        conn.execute(statement)
                    columns = {row[1] for row in conn.execute("PRAGMA table_info(sends)")}
                    if "weight" not in columns:
                        conn.execute(_WEIGHT)
                    if conn.execute("PRAGMA application_id").fetchone()[0] == 0:
                        conn.execute(f"PRAGMA application_id = {LEDGER_APP_ID}")
                return
            except sqlite3.OperationalError as exc:
                if not is_busy(exc) or time.monotonic() > deadline:
                    raise
                time.sleep(random.uniform(0.005, 0.05))  # noqa: S311 -- jitter, not security

    def _check_ours(self) -> None:
        # one statement, so one snapshot: read apart, another process's set-up could commit between
        app_id, tables = self.conn.execute(
            "SELECT (SELECT application_id FROM pragma_application_id()), (SELECT count(*) FROM sqlite_master)"
        ).fetchone()
        if app_id not in (0, LEDGER_APP_ID) or (app_id == 0 and tables):
            raise JournalError(f"{self.path}: not a bulklike send ledger; file left untouched")

    def close(self) -> None:
        self.conn.close()

    @contextlib.contextmanager
    def writing(self) -> Iterator[None]:
        """One IMMEDIATE transaction, errors named after the file: a decision and its rows, atomically."""
        with sqlite_errors(self.path, LEDGER), transaction(self.conn):
            yield

    @contextlib.contextmanager
    def reading(self) -> Iterator[None]:
        """Errors named after the file; the reads inside see one snapshot (a deferred transaction,
        which in WAL mode blocks no writer). Read apart, another process's send could commit between
        the books and the newest id: the ledger would skip it in every later catch-up and over-send."""
        with sqlite_errors(self.path, LEDGER):
            if self.conn.in_transaction:
                yield
                return
            with transaction(self.conn, immediate=False):
                yield

    def prune(self, before: float, batch: int = PRUNE_BATCH) -> int:
        """Inside ``writing()``: delete up to ``batch`` rows whose ``until`` is before ``before``; how many.

        Never the newest row: SQLite would hand its id out again, and runs already open, which catch
        up by "id > last seen", would never see the send that took it.
        """
        cur = self.conn.execute(
            "DELETE FROM sends WHERE id IN (SELECT id FROM sends WHERE until < ? LIMIT ?)"
            " AND id < (SELECT max(id) FROM sends)",
            (before, batch),
        )
        return cur.rowcount

    def newest(self) -> tuple[int, float]:
        """The last id handed out and its ``sent_at`` (0s when empty): by the primary key, never a scan."""
        row = self.conn.execute("SELECT id, sent_at FROM sends ORDER BY id DESC LIMIT 1").fetchone()
        return (int(row[0]), float(row[1])) if row else (0, 0.0)

    def latest(self, scope: str, key: str, since: float, depth: int | None) -> list[tuple[float, int]]:
        """``(until, weight)`` of one scope's sends (``scope`` is ``"app"`` or ``"user"``) ending after
        ``since``, latest first: at most ``depth`` of them (``None``: all). Read by the ``(scope, until)``
        index, so the cost is the rows returned, not the rows on file."""
        column = {"app": "app", "user": "user"}[scope]
        sql = f"SELECT until, weight FROM sends WHERE {column} = ? AND until > ? ORDER BY until DESC"  # noqa: S608
        if depth is None:
            return self.conn.execute(sql, (key, since)).fetchall()
        return self.conn.execute(sql + " LIMIT ?", (key, since, depth)).fetchall()

    def added_since(self, last_id: int, app: str, user: str) -> list[Row]:
        """Rows of this app or this user with an id above ``last_id``, oldest first."""
        # "+app", "+user": a rowid range scan from the last id seen; SQLite would otherwise pick an
        # index and read (and sort) every row of the app on each send
        return self.conn.execute(
            "SELECT id, app, user, until, weight FROM sends WHERE id > ? AND (+app = ? OR +user = ?) ORDER BY id",
            (last_id, app, user),
        ).fetchall()

    def insert(self, app: str, user: str, sent_at: float, untils: Sequence[float], weight: int) -> list[int]:
        """Inside ``writing()``: one send per ``until``, in one statement; their ids, in the order of
        ``untils`` (``RETURNING`` gives rows in no set order: rows with one ``until`` are alike)."""
        if not MANY_AT_ONCE or len(untils) == 1:
            return [self._insert_one(app, user, sent_at, until, weight) for until in untils]
        args = [value for until in untils for value in (app, user, sent_at, until, weight)]
        ids: dict[float, list[int]] = {}
        for send_id, until in self.conn.execute(_insert_many(len(untils)), args).fetchall():
            ids.setdefault(until, []).append(int(send_id))
        return [ids[until].pop() for until in untils]

    def _insert_one(self, app: str, user: str, sent_at: float, until: float, weight: int) -> int:
        return int(self.conn.execute(_INSERT, (app, user, sent_at, until, weight)).lastrowid or 0)

    def shorten(self, updates: Sequence[tuple[float, int]]) -> None:
        """Inside ``writing()``: ``(until, id)`` pairs; a send's ``until`` only ever moves earlier."""
        self.conn.executemany(_SHORTEN, [(until, send_id, until) for until, send_id in updates])

    def shift(self, seconds: float, after: float) -> None:
        """Inside ``writing()``: move every send ending after ``after`` later by ``seconds`` (the wall
        clock stepped forward: those sends happened no longer ago than before the step)."""
        self.conn.execute(
            "UPDATE sends SET until = until + ?, sent_at = sent_at + ? WHERE until > ?", (seconds, seconds, after)
        )


@functools.cache
def _insert_many(rows: int) -> str:
    """``INSERT`` of ``rows`` sends with ``RETURNING id, until`` (one string per size, so that the
    connection's statement cache keeps each compiled)."""
    return _INSERT + ", (?, ?, ?, ?, ?)" * (rows - 1) + " RETURNING id, until"
