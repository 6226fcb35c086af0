"""The SQLite helpers every store shares: one way to connect, to name errors, and to write.

``transaction()`` is the only place that says BEGIN IMMEDIATE / COMMIT / ROLLBACK: the journal,
the ledger and the ingest thread all write through it, so a failed COMMIT (disk full) is rolled
back the same way everywhere and a connection is never left inside a transaction.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Iterator

from bulklike.errors import JournalError


def _translate(exc: sqlite3.Error, path: str) -> JournalError:
    text = str(exc)
    if "disk is full" in text or "database or disk is full" in text:
        return JournalError(f"{path}: disk full while writing the journal; free space and run again")
    if "disk I/O error" in text:  # e.g. a write refused with EFBIG (over a file size limit) or EIO
        return JournalError(
            f"{path}: disk I/O error (disk full, a file size limit, or a failing disk?); free space and run again"
        )
    if "readonly" in text or "read-only" in text:
        return JournalError(f"{path}: the journal is read-only; check the file's permissions")
    if "not a database" in text or "malformed" in text:
        return JournalError(f"{path}: not a bulklike journal (corrupt or not SQLite); file left untouched")
    if "locked" in text or "busy" in text:
        return JournalError(f"{path}: the journal is busy (another bulklike process?)")
    return JournalError(f"{path}: journal error: {text}")


def is_busy(exc: sqlite3.Error) -> bool:
    """A lock conflict that a retry may resolve (SQLite gives up at once on a deadlock)."""
    text = str(exc)
    return "locked" in text or "busy" in text


@contextlib.contextmanager
def sqlite_errors(path: str) -> Iterator[None]:
    """Turn sqlite3 errors into one-line JournalErrors naming the file."""
    try:
        yield
    except sqlite3.Error as exc:
        raise _translate(exc, path) from exc


def create_private(path: str) -> None:
    """Create ``path`` with mode 0600 if it does not exist (SQLite copies the mode to -wal/-shm)."""
    if path != ":memory:" and not os.path.exists(path):
        parent = os.path.dirname(os.path.abspath(path))
        os.makedirs(parent, exist_ok=True)
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))


def connect(path: str, *, timeout: float = 10.0) -> sqlite3.Connection:
    """Open an SQLite connection with the settings every journal/ledger connection shares:
    autocommit (transactions are explicit, through ``transaction()``), usable from any thread."""
    return sqlite3.connect(path, timeout=timeout, isolation_level=None, check_same_thread=False)


@contextlib.contextmanager
def transaction(conn: sqlite3.Connection, *, immediate: bool = True) -> Iterator[sqlite3.Connection]:
    """``BEGIN IMMEDIATE`` … ``COMMIT``; on any error (the COMMIT's own included) ``ROLLBACK``.

    IMMEDIATE takes the write lock up front, so two processes never both read, decide and then
    collide on the upgrade (SQLite would answer one of them "database is locked" at once).
    ``immediate=False`` is for writes to a connection's own temp tables, which need no lock.
    """
    conn.execute("BEGIN IMMEDIATE" if immediate else "BEGIN")
    try:
        yield conn
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            with contextlib.suppress(sqlite3.Error):
                conn.execute("ROLLBACK")
        raise
