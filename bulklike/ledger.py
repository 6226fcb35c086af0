"""The send ledger: every like/unlike request that ever left, shared by all runs of an account.

It lives in the user's state directory (``$XDG_STATE_HOME/bulklike/ledger.sqlite3``), keyed by
fingerprints of the consumer key (the app) and of the token (the user), never the raw values.
A send is written (committed) *before* the request leaves, inside ``BEGIN IMMEDIATE``, so two
processes for the same account or app serialize their decisions and a ``kill -9`` cannot lose a
send. Each process keeps the rows in memory (``SendBook``) and reads only rows added since its
last look; when the books say "wait", it reloads everything, because other processes may have
shortened their sends' ``until`` in the meantime (which only ever frees room).
"""

from __future__ import annotations

import os
from collections.abc import Sequence

from bulklike.errors import JournalError
from bulklike.journal import connect, create_private, sqlite_errors
from bulklike.limits import Limit
from bulklike.pacing import SendBook, free_at, margin_for

LEDGER_APP_ID = 0x424C4B47  # "BLKG"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS sends (
    id INTEGER PRIMARY KEY,
    app TEXT NOT NULL,
    user TEXT NOT NULL,
    sent_at REAL NOT NULL,
    until REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS sends_app_until ON sends(app, until);
"""
#: rows older than this are pruned (longer than any window anyone configures in practice)
KEEP_S = 7 * 86400.0


def default_ledger_path() -> str:
    """``$XDG_STATE_HOME/bulklike/ledger.sqlite3``, else ``~/.local/state/bulklike/ledger.sqlite3``."""
    state = os.environ.get("XDG_STATE_HOME") or os.path.join(os.path.expanduser("~"), ".local", "state")
    return os.path.join(state, "bulklike", "ledger.sqlite3")


class Ledger:
    """Reserve send slots under user and app limits; record when answers came back."""

    def __init__(self, path: str, *, app: str, user: str, now: float) -> None:
        self.path = path
        self.app = app
        self.user = user
        self.user_book = SendBook()
        self.app_book = SendBook()
        self._untils: dict[int, float] = {}  # our own sends still on the books
        self._last_id = 0
        try:
            create_private(path)
            with sqlite_errors(path):
                self.conn = connect(path)
                app_id = self.conn.execute("PRAGMA application_id").fetchone()[0]
                tables = self.conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
                if app_id not in (0, LEDGER_APP_ID) or (app_id == 0 and tables):
                    raise JournalError(f"{path}: not a bulklike send ledger; file left untouched")
                self.conn.execute("PRAGMA journal_mode=WAL")
                self.conn.execute("PRAGMA synchronous=NORMAL")
                self.conn.executescript(_SCHEMA)
                self.conn.execute(f"PRAGMA application_id = {LEDGER_APP_ID}")
                self.conn.execute("DELETE FROM sends WHERE until < ?", (now - KEEP_S,))
        except JournalError:
            raise
        self.reload()

    def close(self) -> None:
        self.conn.close()

    def reload(self) -> None:
        """Read every row of this app from the file again."""
        with sqlite_errors(self.path):
            rows = self.conn.execute(
                "SELECT id, user, until FROM sends WHERE app = ? ORDER BY id", (self.app,)
            ).fetchall()
        self.user_book = SendBook(until for _, user, until in rows if user == self.user)
        self.app_book = SendBook(until for _, _, until in rows)
        self._untils = {i: u for i, _, u in rows if i in self._untils}
        self._last_id = max((row[0] for row in rows), default=self._last_id)

    def _catch_up(self) -> None:
        rows = self.conn.execute(
            "SELECT id, user, until FROM sends WHERE app = ? AND id > ? ORDER BY id", (self.app, self._last_id)
        ).fetchall()
        for send_id, user, until in rows:
            if user == self.user:
                self.user_book.add(until)
            self.app_book.add(until)
            self._last_id = send_id

    def free_at(self, user_limits: Sequence[Limit], app_limits: Sequence[Limit], now: float,
                caps: dict[Limit, int] | None = None) -> float:
        """When the next send may leave, by the books as they are in memory."""
        return max(free_at(self.user_book, user_limits, now, caps), free_at(self.app_book, app_limits, now, caps))

    def try_reserve(self, user_limits: Sequence[Limit], app_limits: Sequence[Limit], now: float,
                    deadline: float, caps: dict[Limit, int] | None = None) -> tuple[int | None, float]:
        """Take a slot now if every limit allows it: ``(send_id, now)``, else ``(None, when)``.

        The check and the insert happen in one IMMEDIATE transaction, so no other process can
        take the same slot in between.
        """
        with sqlite_errors(self.path):
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                self._catch_up()
                when = self.free_at(user_limits, app_limits, now, caps)
                if when > now:
                    self.conn.execute("ROLLBACK")
                    self.reload()
                    when = self.free_at(user_limits, app_limits, now, caps)
                    if when > now:
                        return None, when
                    self.conn.execute("BEGIN IMMEDIATE")
                    self._catch_up()
                    when = self.free_at(user_limits, app_limits, now, caps)
                    if when > now:
                        self.conn.execute("ROLLBACK")
                        return None, when
                cur = self.conn.execute(
                    "INSERT INTO sends(app, user, sent_at, until) VALUES (?, ?, ?, ?)",
                    (self.app, self.user, now, deadline),
                )
                self.conn.execute("COMMIT")
            except BaseException:
                if self.conn.in_transaction:
                    self.conn.execute("ROLLBACK")
                raise
        send_id = int(cur.lastrowid or 0)
        self._last_id = max(self._last_id, send_id)
        self.user_book.add(deadline)
        self.app_book.add(deadline)
        self._untils[send_id] = deadline
        return send_id, now

    def answered(self, answers: Sequence[tuple[int, float]]) -> None:
        """Shorten sends to when their answers arrived (``(send_id, at)`` pairs), in one commit."""
        updates = [(send_id, at) for send_id, at in answers if send_id in self._untils]
        if not updates:
            return
        with sqlite_errors(self.path):
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                self.conn.executemany(
                    "UPDATE sends SET until = ? WHERE id = ? AND until > ?", [(at, i, at) for i, at in updates]
                )
                self.conn.execute("COMMIT")
            except BaseException:
                if self.conn.in_transaction:
                    self.conn.execute("ROLLBACK")
                raise
        for send_id, at in updates:
            old = self._untils.pop(send_id)
            if at < old:
                self.user_book.replace(old, at)
                self.app_book.replace(old, at)

    def prune(self, now: float, limits: Sequence[Limit]) -> None:
        """Drop in-memory sends that no limit can count any more (the file keeps them a week)."""
        longest = max((lim.window_s + margin_for(lim) for lim in limits), default=0.0)
        horizon = now - longest - 1.0
        self.user_book.prune(horizon)
        self.app_book.prune(horizon)
