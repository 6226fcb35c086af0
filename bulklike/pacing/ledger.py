"""The send ledger: every like/unlike request that ever left, shared by all runs of an account.

It lives in the user's state directory (``$XDG_STATE_HOME/bulklike/ledger.sqlite3``), keyed by
fingerprints of the app (consumer key or OAuth 2.0 client id) and of the account (the numeric user id
the API confirmed, ``auth.identity``), never the raw values. Per-user limits count the user's sends
through every app, so OAuth 1.0a and OAuth 2.0 runs of one user share one quota.
A send is written (committed) *before* the request leaves, inside ``BEGIN IMMEDIATE``, so two
processes for the same account or app serialize their decisions and a ``kill -9`` cannot lose a
send. Each process keeps the rows in memory (``SendBook``) and reads only rows added since its
last look; when the books say "wait", it reloads everything, because other processes may have
shortened their sends' ``until`` in the meantime (which only ever frees room). A burst of
unspaced sends may take several slots in one transaction (``try_reserve(ahead=...)``): each is
still in the file before its request leaves, and one never used is given back.
"""

from __future__ import annotations

import collections
import contextlib
import random
import sqlite3
import time
from collections.abc import Sequence

from bulklike.errors import JournalError
from bulklike.pacing.limits import KEEP_S, Limit
from bulklike.pacing.windows import SendBook, free_at, in_window, margin_for
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
"""
_SHORTEN = "UPDATE sends SET until = ? WHERE id = ? AND until > ?"
_INSERT = "INSERT INTO sends(app, user, sent_at, until) VALUES (?, ?, ?, ?)"
#: rows older than this are pruned (longer than any window anyone configures in practice)
#: how long start-up retries a lock conflict with other processes starting at the same moment
SETUP_TIMEOUT_S = 30.0


class Ledger:
    """Reserve send slots under user and app limits; record when answers came back."""

    def __init__(self, path: str, *, app: str, user: str, now: float, also: str | None = None) -> None:
        self.path = path
        self.app = app
        self.user = user
        #: another key this user's older sends are under (earlier versions keyed users by their token)
        self.also = also or user
        self.user_book = SendBook()
        self.app_book = SendBook()
        self._untils: dict[int, float] = {}  # our own sends still on the books
        self._later: list[tuple[float, int, float]] = []  # answers not yet written (see answer_later)
        self._spares: collections.deque[tuple[int, float]] = collections.deque()  # (id, usable until)
        self._last_id = 0
        create_private(path)
        with sqlite_errors(path, LEDGER):
            self.conn = connect(path)
            self._initialise(now)
        self.reload()

    def _initialise(self, now: float) -> None:
        """Check the file is ours, switch it to WAL, create the schema in one IMMEDIATE transaction.

        WAL comes first and once (it is stored in the file): switching after the set-up, as this
        once did, needs an exclusive lock while another process starting at the same moment may
        hold a shared one and wait for ours, and SQLite breaks that deadlock by answering
        "database is locked" at once, without waiting. Such a conflict is retried from the start
        after a short random pause, until ``SETUP_TIMEOUT_S``. The file is checked before
        anything is written, so a foreign or corrupt file is left exactly as it was.
        """
        deadline = time.monotonic() + SETUP_TIMEOUT_S
        while True:
            try:
                self._check_ours()
                self.conn.execute("PRAGMA journal_mode=WAL")
                self.conn.execute("PRAGMA synchronous=NORMAL")
                with transaction(self.conn) as conn:
                    self._check_ours()  # again under the lock: another process may have made it
                    for statement in _SCHEMA.split(";"):  # IF NOT EXISTS: also adds later versions' indexes
                        if statement.strip():
                            conn.execute(statement)
                    if conn.execute("PRAGMA application_id").fetchone()[0] == 0:
                        conn.execute(f"PRAGMA application_id = {LEDGER_APP_ID}")
                    # never the newest row: SQLite would hand its id out again, and runs already open,
                    # which catch up by "id > last seen", would never see the sends that took it
                    conn.execute(
                        "DELETE FROM sends WHERE until < ? AND id < (SELECT max(id) FROM sends)", (now - KEEP_S,)
                    )
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
        try:
            self.release_spares()
            # answers and released slots only ever shorten sends: if they cannot be written (disk
            # full), the file errs on the safe side, and the error that got us here matters more
            with contextlib.suppress(JournalError):
                self.flush_answers()
        finally:
            self.conn.close()

    def switch_user(self, user: str) -> None:
        """Count this user's sends under ``user`` from now on (the account, once the API confirmed it)."""
        if user != self.user:
            self.user = user
            self.reload()

    def reload(self) -> None:
        """Read every row of this app, and of this user through any app, from the file again."""
        with sqlite_errors(self.path, LEDGER):
            rows = self.conn.execute(
                "SELECT id, app, user, until FROM sends WHERE app = ? OR user IN (?, ?) ORDER BY id",
                (self.app, self.user, self.also),
            ).fetchall()
        # the user's limits count every app it signed with (OAuth 1.0a and OAuth 2.0 are two apps)
        mine = (self.user, self.also)
        self.user_book = SendBook(until for _, _, user, until in rows if user in mine)
        self.app_book = SendBook(until for _, app, _, until in rows if app == self.app)
        self._untils = {i: u for i, _, _, u in rows if i in self._untils}
        self._last_id = max((row[0] for row in rows), default=self._last_id)

    def _catch_up(self) -> None:
        # "+app", "+user": a rowid range scan from the last id seen; SQLite would otherwise pick an
        # index and read (and sort) every row of the app on each send
        rows = self.conn.execute(
            "SELECT id, app, user, until FROM sends WHERE id > ? AND (+app = ? OR +user IN (?, ?)) ORDER BY id",
            (self._last_id, self.app, self.user, self.also),
        ).fetchall()
        for send_id, app, user, until in rows:
            if user == self.user or user == self.also:
                self.user_book.add(until)
            if app == self.app:
                self.app_book.add(until)
            self._last_id = send_id

    def free_at(
        self,
        user_limits: Sequence[Limit],
        app_limits: Sequence[Limit],
        now: float,
        caps: dict[Limit, int] | None = None,
    ) -> float:
        """When the next send may leave, by the books as they are in memory."""
        return max(free_at(self.user_book, user_limits, now, caps), free_at(self.app_book, app_limits, now, caps))

    def try_reserve(
        self,
        user_limits: Sequence[Limit],
        app_limits: Sequence[Limit],
        now: float,
        deadline: float,
        caps: dict[Limit, int] | None = None,
        *,
        ahead: int = 0,
        ahead_s: float = 0.0,
    ) -> tuple[int | None, float]:
        """Take a slot now if every limit allows it: ``(send_id, now)``, else ``(None, when)``.

        The check and the insert happen in one IMMEDIATE transaction, so no other process can
        take the same slot in between.

        ``ahead``: up to that many more slots are taken in the same transaction while every limit
        has room for them now, and handed out by the next calls (no transaction) for ``ahead_s``
        seconds; their deadline is ``deadline + ahead_s``, so each still covers a send that leaves
        that late. A transaction costs more than all the rest bulklike does for one like. Spares
        not handed out in time, or dropped by ``release_spares`` or ``close``, end at 0 (they never
        left): they stop counting at once, and no row is deleted whose id SQLite could reuse.
        """
        spare = self._take_spare(now)
        if spare is not None:
            return spare, now
        with sqlite_errors(self.path, LEDGER):
            with transaction(self.conn):
                self._write_later()
                self._catch_up()
                taken = self._insert(user_limits, app_limits, now, deadline, caps, ahead, ahead_s)
            if taken is None:  # the books in memory say wait: others may have shortened their sends
                self.reload()
                if self.free_at(user_limits, app_limits, now, caps) > now:
                    return None, self.free_at(user_limits, app_limits, now, caps)
                with transaction(self.conn):
                    self._catch_up()
                    taken = self._insert(user_limits, app_limits, now, deadline, caps, ahead, ahead_s)
            if taken is None:
                return None, self.free_at(user_limits, app_limits, now, caps)
        send_id, spares = taken
        self._last_id = max(self._last_id, send_id, *spares)
        self.user_book.add(deadline)
        self.app_book.add(deadline)
        self._untils[send_id] = deadline
        for spare_id in spares:
            self.user_book.add(deadline + ahead_s)
            self.app_book.add(deadline + ahead_s)
            self._untils[spare_id] = deadline + ahead_s
            self._spares.append((spare_id, now + ahead_s))
        return send_id, now

    def _insert(
        self,
        user_limits: Sequence[Limit],
        app_limits: Sequence[Limit],
        now: float,
        deadline: float,
        caps: dict[Limit, int] | None,
        ahead: int,
        ahead_s: float,
    ) -> tuple[int, list[int]] | None:
        """Inside a transaction: the slot (and spares) if the books allow a send now, else None."""
        if self.free_at(user_limits, app_limits, now, caps) > now:
            return None
        extra = min(ahead, self._room(user_limits, app_limits, now, caps) - 1)
        cur = self.conn.execute(_INSERT, (self.app, self.user, now, deadline))
        spares = [
            int(self.conn.execute(_INSERT, (self.app, self.user, now, deadline + ahead_s)).lastrowid or 0)
            for _ in range(max(0, extra))
        ]
        return int(cur.lastrowid or 0), spares

    def _room(
        self, user_limits: Sequence[Limit], app_limits: Sequence[Limit], now: float, caps: dict[Limit, int] | None
    ) -> int:
        """How many sends every limit allows now, by the books in memory (huge without limits)."""
        caps = caps or {}
        rooms = [
            min(limit.count, caps.get(limit, limit.count)) - in_window(book, limit, now)
            for book, limits in ((self.user_book, user_limits), (self.app_book, app_limits))
            for limit in limits
        ]
        return min(rooms, default=1 << 30)

    def _take_spare(self, now: float) -> int | None:
        """A slot taken ahead and still usable at ``now``; stale ones are released on the way."""
        while self._spares:
            send_id, usable_until = self._spares.popleft()
            if now <= usable_until:
                return send_id
            self._release(send_id)
        return None

    def release_spares(self) -> None:
        """Give back every slot taken ahead (before a wait, when the limits change, at the end)."""
        while self._spares:
            self._release(self._spares.popleft()[0])

    def release(self, send_id: int) -> None:
        """Give back a slot whose request counted toward no limit of ours: its connection was never
        established (the API unreachable), or a 453 under ``--api auto`` (v1.1 refused the app's
        access level, and the run moves to v2)."""
        self._release(send_id)

    def _release(self, send_id: int) -> None:
        """A slot that never left: it ends at 0 in the books now and in the file with the next write."""
        old = self._untils.pop(send_id, None)
        if old is not None:
            self.user_book.replace(old, 0.0)
            self.app_book.replace(old, 0.0)
            self._later.append((0.0, send_id, 0.0))

    def answered(self, answers: Sequence[tuple[int, float]]) -> None:
        """Shorten sends to when their answers arrived (``(send_id, at)`` pairs), in one commit."""
        updates = [(send_id, at) for send_id, at in answers if send_id in self._untils]
        if not updates:
            return
        with sqlite_errors(self.path, LEDGER), transaction(self.conn) as conn:
            conn.executemany(_SHORTEN, [(at, i, at) for i, at in updates])
        for send_id, at in updates:
            old = self._untils.pop(send_id)
            if at < old:
                self.user_book.replace(old, at)
                self.app_book.replace(old, at)

    def answer_later(self, send_id: int, at: float) -> None:
        """Like ``answered([(send_id, at)])`` for this process's books at once; the file is
        written by the next ``try_reserve`` in its own transaction (one commit per send instead
        of two), or by ``flush_answers``/``close``.

        Until then other processes read the send's deadline from the file, which only ever holds
        them back more than needed, never less; a crash loses nothing but the shortening.
        """
        old = self._untils.pop(send_id, None)
        if old is not None and at < old:
            self.user_book.replace(old, at)
            self.app_book.replace(old, at)
            self._later.append((at, send_id, at))

    def flush_answers(self) -> None:
        """Write the answers noted by ``answer_later`` now, in one commit."""
        if not self._later:
            return
        with sqlite_errors(self.path, LEDGER), transaction(self.conn):
            self._write_later()

    def _write_later(self) -> None:
        """Inside a transaction: write the answers noted by ``answer_later``."""
        if self._later:
            later, self._later = self._later, []
            self.conn.executemany(_SHORTEN, later)

    def prune(self, now: float, limits: Sequence[Limit]) -> None:
        """Drop in-memory sends that no limit can count any more (the file keeps them a week)."""
        longest = max((lim.window_s + margin_for(lim) for lim in limits), default=0.0)
        horizon = now - longest - 1.0
        self.user_book.prune(horizon)
        self.app_book.prune(horizon)
