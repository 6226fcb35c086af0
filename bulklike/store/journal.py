"""The per-run SQLite journal: the queue of tweet IDs and the truth about each one's fate.

One row per tweet ID (``items``), in input order (``seq``). A row is ``pending`` until an
outcome is committed; results are reported only after that commit, so a crash at any point
leaves every ID either pending (it will be sent again; a like that landed comes back as
``already_liked``) or terminal. WAL mode keeps the file consistent through ``kill -9``.

Files that are not ours (wrong ``application_id``), corrupt, or from a newer schema are
refused before anything is written to them.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from bulklike.errors import JournalError
from bulklike.store.lock import FileLock
from bulklike.store.schema import APPLICATION_ID, SCHEMA_VERSION, migrate
from bulklike.store.sqlite import check_integrity, connect, connect_readonly, create_private, sqlite_errors, transaction

__all__ = ["ALL_STATUSES", "APPLICATION_ID", "OUTBOX_META", "SCHEMA_VERSION", "TERMINAL_STATUSES", "Journal"]
__all__ += ["Marks", "Owed", "Record", "Row"]

#: ``not_liked``: unlike, v1.1 answered 144 (no like, or no tweet); ``skipped``: unlike left it alone
TERMINAL_STATUSES = tuple("liked already_liked not_found forbidden invalid failed unliked not_liked skipped".split())
ALL_STATUSES = ("pending", "planned", *TERMINAL_STATUSES)  # planned: journaled by a dry run (store.planned)

#: the meta key under which the outbox keeps the results file's identity and committed length
OUTBOX_META = "outbox_file"


@dataclass(frozen=True, slots=True)
class Record:
    """One outcome to commit for one tweet ID."""

    tweet_id: str
    status: str
    attempts: int
    http_status: int | None
    error_code: int | None
    message: str | None
    at: float
    key: str | None = None  # the record the network made for this like (v5 ``record_key``), if any


@dataclass(slots=True)
class Marks:
    """Result lines written to the output, to acknowledge in the journal (rows by tweet ID or
    by ``seq`` for invalid lines), with the meta values that must change in the same commit."""

    tweet_ids: list[str]
    seqs: list[int]
    meta: dict[str, str]
    again: bool = False  # owed again instead (stdout's reader went away before it may have shown them)

    def __bool__(self) -> bool:
        return bool(self.tweet_ids or self.seqs or self.meta)


@dataclass(frozen=True, slots=True)
class Owed:
    """A terminal record whose result line is not yet acknowledged as written."""

    seq: int
    tweet_id: str | None
    status: str
    attempts: int
    http_status: int | None
    error_code: int | None
    message: str | None
    source: str | None
    input: str | None
    finished_at: float | None


@dataclass(frozen=True, slots=True)
class Row:
    """One journal row as exported and reported."""

    tweet_id: str | None
    status: str
    attempts: int
    http_status: int | None
    error_code: int | None
    message: str | None
    source: str | None
    input: str | None
    first_seen: float
    finished_at: float | None


def _check_identity(conn: sqlite3.Connection, path: str) -> int:
    """Return the schema version of an existing journal, 0 for a new file; refuse foreign ones."""
    app_id = conn.execute("PRAGMA application_id").fetchone()[0]
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    tables = conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
    if app_id == 0 and tables == 0:
        return 0
    if app_id != APPLICATION_ID:
        raise JournalError(f"{path}: an SQLite file that is not a bulklike journal; file left untouched")
    if version > SCHEMA_VERSION:
        raise JournalError(
            f"{path}: journal schema {version} is newer than this bulklike understands ({SCHEMA_VERSION});"
            " upgrade bulklike"
        )
    return int(version)


class Journal:
    """A small class over sqlite3: versioned schema, ``atomic()`` transactions, queue queries."""

    def __init__(self, path: str, *, lock: bool = True, readonly: bool = False) -> None:
        self.path = path
        self._lock = FileLock(f"{path}.lock") if lock and path != ":memory:" else None
        if readonly and path != ":memory:" and not os.path.exists(path):
            raise JournalError(f"{path}: no such journal")
        parent = os.path.dirname(os.path.abspath(path))
        if path != ":memory:" and not os.path.isdir(parent):  # a typo must not make directories (as root: anywhere)
            raise JournalError(f"{path}: no directory {parent}; create it first if that is where the journal goes")
        if self._lock is not None:
            self._lock.acquire(what=f"{path}: the journal is in use by another bulklike process")
        try:
            if not readonly:
                create_private(path)
            with sqlite_errors(path):
                self.conn = connect_readonly(path) if readonly and path != ":memory:" else connect(path)
                version = _check_identity(self.conn, path)
                if version == 0 and readonly:
                    raise JournalError(f"{path}: not a bulklike journal (empty)")
                if not readonly:
                    if version:
                        check_integrity(self.conn, path)
                    self.conn.execute("PRAGMA journal_mode=WAL")
                    self.conn.execute("PRAGMA synchronous=NORMAL")
                    self._migrate(version)
        except BaseException:
            if self._lock is not None:
                self._lock.release()
            raise

    def _migrate(self, version: int) -> None:
        with self.atomic():
            migrate(self.conn, version, time.time())

    def close(self) -> None:
        with contextlib.suppress(sqlite3.Error):
            self.conn.close()
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextlib.contextmanager
    def atomic(self) -> Iterator[sqlite3.Connection]:
        """One transaction; rolled back on any error, which is reported as a JournalError."""
        with sqlite_errors(self.path), transaction(self.conn) as conn:
            yield conn

    # -- meta and runs -------------------------------------------------------------------------

    def get_meta(self, key: str) -> str | None:
        with sqlite_errors(self.path):
            row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def set_meta(self, key: str, value: str) -> None:
        with self.atomic() as conn:
            conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (key, value))

    def begin_run(self, command: str, now: float) -> int:
        with self.atomic() as conn:
            cur = conn.execute("INSERT INTO runs(command, started_at) VALUES (?, ?)", (command, now))
        return int(cur.lastrowid or 0)

    def finish_run(self, run_id: int, stop_reason: str | None, now: float) -> None:
        sql = "UPDATE runs SET finished_at = ?, stop_reason = ? WHERE run_id = ?"  # a StopReason value, or NULL
        with self.atomic() as conn:
            conn.execute(sql, (now, stop_reason, run_id))

    # -- the queue -----------------------------------------------------------------------------

    def pending_after(self, seq: int, limit: int, *, undo: bool = False) -> list[tuple[int, str]]:
        """The next pending IDs in input order after ``seq`` (like queue, or the undo queue)."""
        column = "undo_state" if undo else "status"
        with sqlite_errors(self.path):
            rows = self.conn.execute(
                f"SELECT seq, tweet_id FROM items WHERE {column} = 'pending' AND seq > ? ORDER BY seq LIMIT ?",
                (seq, limit),
            ).fetchall()
        return [(int(s), str(t)) for s, t in rows]

    def pending_keyed_after(self, seq: int, limit: int, *, undo: bool = False) -> list[tuple[int, str, str | None]]:
        """``pending_after`` with each row's record key (v5; None where the network gave none, as on X)."""
        column = "undo_state" if undo else "status"
        with sqlite_errors(self.path):
            rows = self.conn.execute(
                f"SELECT seq, tweet_id, record_key FROM items WHERE {column} = 'pending' AND seq > ?"
                " ORDER BY seq LIMIT ?",
                (seq, limit),
            ).fetchall()
        return [(int(s), str(t), k) for s, t, k in rows]

    def record_key(self, tweet_id: str) -> str | None:
        """The record key journaled with this ID's like (None: none was given)."""
        with sqlite_errors(self.path):
            row = self.conn.execute("SELECT record_key FROM items WHERE tweet_id = ?", (tweet_id,)).fetchone()
        return None if row is None or row[0] is None else str(row[0])

    def count_pending(self, *, undo: bool = False) -> int:
        column = "undo_state" if undo else "status"
        with sqlite_errors(self.path):
            return int(self.conn.execute(f"SELECT count(*) FROM items WHERE {column} = 'pending'").fetchone()[0])

    def record_many(self, records: Sequence[Record], marks: Marks | None = None) -> None:
        """Commit many outcomes in one transaction (group commit keeps the hot path cheap); a
        terminal one becomes owed to the results output. ``marks`` (lines written since the last
        commit) are acknowledged in the same transaction."""
        with self.atomic() as conn:
            conn.executemany(
                "UPDATE items SET status = ?, attempts = attempts + ?, http_status = ?, error_code = ?,"
                " message = ?, finished_at = ?, unwritten = CASE WHEN ? = 'pending' THEN unwritten ELSE 1 END,"
                " record_key = coalesce(?, record_key) WHERE tweet_id = ?",
                [
                    (r.status, r.attempts, r.http_status, r.error_code, r.message, r.at, r.status, r.key, r.tweet_id)
                    for r in records
                ],
            )
            self._acknowledge(conn, marks)

    def record_undo_many(self, records: Sequence[Record], marks: Marks | None = None) -> None:
        """Commit undo outcomes: a done unlike turns the row ``unliked``; others keep their status."""
        with self.atomic() as conn:
            conn.executemany(
                "UPDATE items SET undo_state = ?, undo_attempts = undo_attempts + ?,"
                " status = CASE WHEN ? = 'unliked' THEN 'unliked' ELSE status END,"
                " http_status = ?, error_code = ?, message = ?, finished_at = ?,"
                " unwritten = CASE WHEN ? = 'pending' THEN unwritten ELSE 1 END WHERE tweet_id = ?",
                [
                    (r.status, r.attempts, r.status, r.http_status, r.error_code, r.message, r.at, r.status, r.tweet_id)
                    for r in records
                ],
            )
            self._acknowledge(conn, marks)

    # -- the results outbox --------------------------------------------------------------------

    def acknowledge(self, marks: Marks) -> None:
        """Record that these result lines are written (and the output's new committed length)."""
        if marks:
            with self.atomic() as conn:
                self._acknowledge(conn, marks)

    @staticmethod
    def _acknowledge(conn: sqlite3.Connection, marks: Marks | None) -> None:
        if not marks:
            return
        done = 1 if marks.again else None  # ``again``: lines a reader may never have shown, owed once more
        conn.executemany("UPDATE items SET unwritten = ? WHERE tweet_id = ?", [(done, t) for t in marks.tweet_ids])
        conn.executemany("UPDATE items SET unwritten = ? WHERE seq = ?", [(done, s) for s in marks.seqs])
        conn.executemany("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", list(marks.meta.items()))

    def owed(self, after: int, limit: int) -> list[Owed]:
        """Records whose result line is owed, in input order after ``seq``; an undo outcome is
        reported with its undo state and attempts."""
        with sqlite_errors(self.path):
            rows = self.conn.execute(
                "SELECT seq, tweet_id,"
                " CASE WHEN undo_state IS NOT NULL AND undo_state != 'pending' THEN undo_state ELSE status END,"
                " CASE WHEN undo_state IS NOT NULL AND undo_state != 'pending' THEN undo_attempts ELSE attempts END,"
                " http_status, error_code, message, source, input, finished_at"
                " FROM items WHERE unwritten IS NOT NULL AND seq > ? ORDER BY seq LIMIT ?",
                (after, limit),
            ).fetchall()
        return [Owed(*row) for row in rows]

    def sources_of(self, tweet_ids: Sequence[str]) -> dict[str, str | None]:
        """Where each of these IDs came from (``file:line``), for the results of a batch."""
        out: dict[str, str | None] = {}
        with sqlite_errors(self.path):
            for start in range(0, len(tweet_ids), 500):
                chunk = tweet_ids[start : start + 500]
                marks = ",".join("?" * len(chunk))
                for tweet_id, source in self.conn.execute(
                    f"SELECT tweet_id, source FROM items WHERE tweet_id IN ({marks})", chunk
                ):
                    out[tweet_id] = source
        return out

    def retry_failed(self) -> int:
        """Put ``failed`` IDs back in the queue (``--retry-failed``); returns how many."""
        with self.atomic() as conn:
            # the new outcome will be owed to the output; the superseded ``failed`` line no longer is
            cur = conn.execute("UPDATE items SET status = 'pending', unwritten = NULL WHERE status = 'failed'")
        return cur.rowcount

    def prepare_undo(self, *, include_already: bool) -> int:
        """Queue every liked row (and already-liked ones on request) for unliking; idempotent."""
        statuses = ("liked", "already_liked") if include_already else ("liked",)
        marks = ",".join("?" * len(statuses))
        with self.atomic() as conn:
            cur = conn.execute(
                f"UPDATE items SET undo_state = 'pending' WHERE status IN ({marks})"
                " AND (undo_state IS NULL OR undo_state = 'failed')",
                statuses,
            )
        return cur.rowcount

    # -- reading -------------------------------------------------------------------------------

    def counts(self) -> dict[str, int]:
        with sqlite_errors(self.path):
            rows = self.conn.execute("SELECT status, count(*) FROM items GROUP BY status").fetchall()
        return {str(s): int(n) for s, n in rows}

    def activity(self) -> dict[str, Any]:
        """Attempts and first/last activity, for ``bulklike status``."""
        with sqlite_errors(self.path):
            attempts, first, last = self.conn.execute(
                "SELECT coalesce(sum(attempts), 0), min(first_seen), max(finished_at) FROM items"
            ).fetchone()
            runs = self.conn.execute("SELECT count(*) FROM runs").fetchone()[0]
        return {"attempts": int(attempts), "first_seen": first, "last_finished": last, "runs": int(runs)}

    def rows(self, statuses: Iterable[str] = ()) -> Iterator[Row]:
        """Every record in input order (optionally only some statuses), streamed."""
        wanted = tuple(statuses)
        where = f"WHERE status IN ({','.join('?' * len(wanted))})" if wanted else ""
        with sqlite_errors(self.path):
            cur = self.conn.execute(
                "SELECT tweet_id, status, attempts, http_status, error_code, message, source, input,"
                f" first_seen, finished_at FROM items {where} ORDER BY seq",
                wanted,
            )
            for row in cur:
                yield Row(*row)

    def ingest_counts(self, run_id: int) -> dict[str, int]:
        """For a run's input: IDs new to the journal, and earlier ones seen again by status."""
        with sqlite_errors(self.path):
            new = self.conn.execute(
                "SELECT count(*) FROM items WHERE added_run = ? AND status != 'invalid'", (run_id,)
            ).fetchone()[0]
            seen = self.conn.execute(
                "SELECT status, count(*) FROM items WHERE last_run = ? AND added_run < ? GROUP BY status",
                (run_id, run_id),
            ).fetchall()
        out = {"new": int(new)}
        for status, n in seen:
            out[f"seen_{status}"] = int(n)
        return out
