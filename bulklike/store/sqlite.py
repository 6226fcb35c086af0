"""The SQLite helpers every store shares: one way to connect, to name errors, and to write.

``transaction()`` is the only place that says BEGIN IMMEDIATE / COMMIT / ROLLBACK: the journal,
the ledger and the ingest thread all write through it, so a failed COMMIT (disk full) is rolled
back the same way everywhere and a connection is never left inside a transaction.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import urllib.parse
from collections.abc import Iterator

from bulklike.errors import JournalError


def _translate(exc: sqlite3.Error, path: str, what: str) -> JournalError:
    text = str(exc)
    if "disk is full" in text or "database or disk is full" in text:
        return JournalError(f"{path}: disk full while writing the {what}; free space and run again")
    if "disk I/O error" in text:  # e.g. a write refused with EFBIG (over a file size limit) or EIO
        return JournalError(
            f"{path}: disk I/O error (disk full, a file size limit, or a failing disk?); free space and run again"
        )
    if "readonly" in text or "read-only" in text:
        return JournalError(f"{path}: the {what} is read-only; check the file's permissions")
    if "malformed" in text:
        return JournalError(f"{path}: the {what} is damaged ({text}); recover it with `sqlite3 FILE .recover`")
    if "not a database" in text:
        return JournalError(f"{path}: not a bulklike {what} (corrupt or not SQLite); file left untouched")
    if "locked" in text or "busy" in text:
        return JournalError(f"{path}: the {what} is busy (another bulklike process?)")
    return JournalError(f"{path}: {what} error: {text}")


def is_busy(exc: sqlite3.Error) -> bool:
    """A lock conflict that a retry may resolve (SQLite gives up at once on a deadlock)."""
    text = str(exc)
    return "locked" in text or "busy" in text


@contextlib.contextmanager
def sqlite_errors(path: str, what: str = "journal") -> Iterator[None]:
    """Turn sqlite3 errors into one-line JournalErrors naming the file and what it is (the
    journal, or the send ledger: "l.db: the journal is busy" sent users to the wrong file)."""
    try:
        yield
    except sqlite3.Error as exc:
        raise _translate(exc, path, what) from exc


def make_private_dirs(directory: str) -> None:
    """Create ``directory`` and any missing parents with mode 0700, whatever the umask allows:
    under umask 000 ``os.makedirs`` made them 0777, and anyone could replace the ledger in it
    (resetting the quota books) or the journal. Directories that exist are left as they are."""
    directory = os.path.abspath(directory)
    missing: list[str] = []
    while not os.path.isdir(directory):
        missing.append(directory)
        parent = os.path.dirname(directory)
        if parent == directory:
            break
        directory = parent
    for path in reversed(missing):
        try:
            os.mkdir(path, 0o700)  # the umask can only make this tighter
        except FileExistsError:  # another process made it first
            continue


DAMAGED = (
    "the journal is damaged (SQLite's integrity check failed: {detail}); nothing was sent and the file"
    " is left as it was: recover what it holds with `sqlite3 FILE .recover`, or start a new journal"
)


def check_integrity(conn: sqlite3.Connection, path: str) -> None:
    """Refuse a journal damaged past its header before anything is written or sent: a bad page
    otherwise surfaces only at the first group commit, after likes that are then never recorded
    (and sent again by every rerun). ``quick_check`` reads every page (about a second for a
    million rows) but skips the index-to-table cross-checks of ``integrity_check``."""
    try:
        rows = conn.execute("PRAGMA quick_check(3)").fetchall()
    except sqlite3.DatabaseError as exc:
        raise JournalError(f"{path}: " + DAMAGED.format(detail=str(exc))) from exc
    if [r[0] for r in rows] != ["ok"]:
        problems = [line for r in rows for line in str(r[0]).splitlines() if line and not line.startswith("***")]
        detail = (problems or ["unknown"])[0][:120]  # one line: the first problem is enough to act on
        raise JournalError(f"{path}: " + DAMAGED.format(detail=detail))


def create_private(path: str) -> None:
    """Create ``path`` with mode 0600 if it does not exist (SQLite copies the mode to -wal/-shm),
    and its missing directories 0700."""
    if path != ":memory:" and not os.path.exists(path):
        make_private_dirs(os.path.dirname(os.path.abspath(path)))
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))


def connect(path: str, *, timeout: float = 10.0) -> sqlite3.Connection:
    """Open an SQLite connection with the settings every journal/ledger connection shares:
    autocommit (transactions are explicit, through ``transaction()``), usable from any thread."""
    return sqlite3.connect(path, timeout=timeout, isolation_level=None, check_same_thread=False)


def connect_readonly(path: str) -> sqlite3.Connection:
    """Open a journal only to read it (``status``, ``export``), also on read-only media.

    A WAL file needs its ``-shm`` beside it, which a read-only directory cannot hold ("unable to
    open database file"); there the file is opened ``immutable``, which is exact when no
    write-ahead log is left over (a clean close merges and removes it). A leftover log cannot be
    read without writing, so that is refused with what to do."""
    uri = f"file:{urllib.parse.quote(os.path.abspath(path))}"
    conn = sqlite3.connect(f"{uri}?mode=ro", uri=True, isolation_level=None, check_same_thread=False)
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return conn
    except sqlite3.OperationalError as exc:
        conn.close()
        if "unable to open" not in str(exc) and "readonly" not in str(exc):
            raise
        with contextlib.suppress(OSError):
            if os.path.getsize(f"{path}-wal") > 0:
                raise JournalError(
                    f"{path}: the journal is on read-only storage with unmerged changes in {path}-wal;"
                    " copy both files to writable storage and read the copy"
                ) from exc
    return sqlite3.connect(f"{uri}?immutable=1", uri=True, isolation_level=None, check_same_thread=False)


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
