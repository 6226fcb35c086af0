"""The send ledger: every like/unlike request that ever left, shared by all runs of an account.

It lives in the user's state directory (``$XDG_STATE_HOME/bulklike/ledger.sqlite3``), keyed by
fingerprints of the app (consumer key or OAuth 2.0 client id) and of the account (the numeric user id
the API confirmed, ``auth.identity``), never the raw values. Per-user limits count the user's sends
through every app, so OAuth 1.0a and OAuth 2.0 runs of one user share one quota.
A send is written (committed) *before* the request leaves, inside ``BEGIN IMMEDIATE``, so two
processes for the same account or app serialize their decisions and a ``kill -9`` cannot lose a
send. The file and its SQL are ``store.sends``; this module decides.

Each process keeps the books in memory (``SendBook``): only what the limits in use can still count
(the sends ending inside the longest window, at most as many as the largest count, and every send
still in flight), so a file with millions of rows costs a start what a full window costs. It reads
only rows added since its last look; when the books say "wait", it reloads them, because other
processes may have shortened their sends' ``until`` in the meantime (which only ever frees room). A
burst of unspaced sends may take several slots in one transaction and one ``INSERT``
(``try_reserve(ahead=...)``, at most a quarter of the room left): each is still in the file before its
request leaves, and one never used is given back.

The wall clock may step (an NTP correction, a VM resumed): a forward step would make every send look
older than it is, and the last window would be forgotten. With a ``monotonic`` clock, a process notices
a step between two reservations and moves its sends (in memory and in the file) forward by it, so
they are counted for as long as they really are. Across runs only the server's 429s can tell; a
ledger whose newest send lies in the future (the clock went back) counts those sends longer than
needed, which is safe, and says so in ``future_s``.
"""

from __future__ import annotations

import collections
import contextlib
from collections.abc import Callable, Sequence

from bulklike.pacing.limits import KEEP_S, Limit
from bulklike.pacing.windows import SendBook, free_at, in_window, margin_for
from bulklike.store.sends import PRUNE_BATCH, SendsFile

#: a wall clock running ahead of the monotonic one by more than this between two looks is a step
STEP_S = 2.0
#: look for rows past KEEP_S to prune at most this often (ledger time); more often while some are left
PRUNE_EVERY_S = 60.0
#: rows pruned per send transaction while a backlog of old rows is left (start-up prunes more)
PRUNE_AS_IT_GOES = 500
#: slots taken ahead in one transaction: at most this many, and at most this share (1/N) of the room
#: the tightest limit has left, so a run far from every limit writes once per MAX_AHEAD + 1 sends and
#: a run near one takes no more than it is likely to use before other runs need the rest
MAX_AHEAD = 63
AHEAD_SHARE = 4


def reach(limits: Sequence[Limit]) -> tuple[int | None, float]:
    """How much history the limits can count: the largest count (points) and the longest window
    with its margin. No limits given: everything the file keeps (``None``, ``KEEP_S``)."""
    if not limits:
        return None, KEEP_S + 1.0
    return max(lim.count for lim in limits), max(lim.window_s + margin_for(lim) for lim in limits) + 1.0


class Ledger:
    """Reserve send slots under user and app limits; record when answers came back."""

    def __init__(
        self,
        path: str,
        *,
        app: str,
        user: str,
        now: float,
        limits: Sequence[Limit] = (),
        monotonic: Callable[[], float] | None = None,
    ) -> None:
        self.path = path
        self.app = app
        self.user = user
        self.user_book = SendBook()
        self.app_book = SendBook()
        self._depth, self._horizon = reach(limits)
        self._untils: dict[int, tuple[float, int]] = {}  # our own sends still on the books: (until, weight)
        self._later: list[tuple[float, int]] = []  # answers not yet written (see answer_later): (until, id)
        self._spares: collections.deque[tuple[int, float]] = collections.deque()  # (id, usable until)
        self._last_id = 0
        self._now = now
        self._monotonic = monotonic
        self._seen = (now, monotonic()) if monotonic is not None else (now, 0.0)
        self._next_prune = now
        self.file = SendsFile(path)
        try:
            with self.file.writing():
                self._prune(now, batch=None)
                _, newest = self.file.newest()
            #: how far the newest send on file lies ahead of this run's clock (the clock went back)
            self.future_s = max(0.0, newest - now)
            self.reload()
        except BaseException:
            self.file.close()
            raise

    def close(self) -> None:
        try:
            self.settle_up()
        finally:
            self.file.close()

    def settle_up(self) -> None:
        """Give back the slots taken ahead and write the answers noted (a call's end, and ``close``)."""
        self.release_spares()
        # answers and released slots only ever shorten sends: if they cannot be written (disk
        # full), the file errs on the safe side, and the error that got us here matters more
        with contextlib.suppress(Exception):
            self.flush_answers()

    def switch_user(self, user: str) -> None:
        """Count this user's sends under ``user`` from now on (the account, once the API confirmed it)."""
        if user != self.user:
            self.user = user
            self.reload()

    def cover(self, limits: Sequence[Limit]) -> None:
        """Keep enough history for ``limits`` too (``--api auto`` moved the run to other limits)."""
        depth, horizon = reach(limits)
        deeper = depth is None or (self._depth is not None and depth > self._depth)
        if deeper or horizon > self._horizon:
            self._depth = None if self._depth is None or depth is None else max(self._depth, depth)
            self._horizon = max(self._horizon, horizon)
            self.reload()

    def reload(self) -> None:
        """Read this app's and this user's books from the file again (only what a limit can count)."""
        with self.file.reading():
            self.user_book = self._load("user", self.user)
            self.app_book = self._load("app", self.app)
            self._last_id = max(self._last_id, self.file.newest()[0])

    def _load(self, scope: str, key: str) -> SendBook:
        """Every send still in flight, and else the latest ``depth`` points inside the horizon: once
        the in-flight ones are counted, older sends below the ``depth`` latest can never decide a wait."""
        rows = self.file.latest(scope, key, self._now, None)
        if self._depth is None or sum(weight for _, weight in rows) < self._depth:
            rows = self.file.latest(scope, key, self._now - self._horizon, self._depth)
        return SendBook(until for until, weight in rows for _ in range(weight))

    def _catch_up(self) -> None:
        for send_id, app, user, until, weight in self.file.added_since(self._last_id, self.app, self.user):
            if user == self.user:
                self.user_book.add(until, weight)
            if app == self.app:
                self.app_book.add(until, weight)
            self._last_id = send_id

    def _prune(self, now: float, batch: int | None = PRUNE_AS_IT_GOES) -> None:
        """Inside a transaction: drop rows no limit may count any more (``KEEP_S``), a batch at a time;
        ``batch=None``: as many as start-up affords. The books in memory forget what the limits in
        use can no longer count."""
        if now >= self._next_prune:
            size = batch or PRUNE_BATCH
            full = self.file.prune(now - KEEP_S, size) >= size
            self._next_prune = now if full else now + PRUNE_EVERY_S
            self.user_book.prune(now - self._horizon)
            self.app_book.prune(now - self._horizon)

    def _guard(self, now: float) -> None:
        """Inside a transaction: a forward step of the wall clock since the last look moves every send
        that may still count forward by it (capped at the horizon), in the file and in memory."""
        if self._monotonic is None:
            return
        mono = self._monotonic()
        seen_now, seen_mono = self._seen
        self._seen = (now, mono)
        self._now = now
        step = min((now - seen_now) - (mono - seen_mono), self._horizon)
        if step <= STEP_S:
            return
        after = seen_now - self._horizon
        self._write_later()
        self.file.shift(step, after)
        self._untils = {i: (u + step if u > after else u, w) for i, (u, w) in self._untils.items()}
        self.user_book = self._load("user", self.user)
        self.app_book = self._load("app", self.app)
        self._last_id = max(self._last_id, self.file.newest()[0])

    def free_at(
        self,
        user_limits: Sequence[Limit],
        app_limits: Sequence[Limit],
        now: float,
        caps: dict[Limit, int] | None = None,
        weight: int = 1,
    ) -> float:
        """When the next send (of ``weight`` points) may leave, by the books as they are in memory."""
        return max(
            free_at(self.user_book, user_limits, now, caps, weight),
            free_at(self.app_book, app_limits, now, caps, weight),
        )

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
        weight: int = 1,
    ) -> tuple[int | None, float]:
        """Take a slot now if every limit allows it: ``(send_id, now)``, else ``(None, when)``.

        The check and the insert happen in one IMMEDIATE transaction, so no other process can
        take the same slot in between. ``weight``: the points this send costs (1 on X).

        ``ahead``: up to that many more slots (at most ``MAX_AHEAD``, and at most a quarter of the
        room the tightest limit has left now) are taken in the same transaction, in one ``INSERT``,
        and handed out by the next calls (no transaction) for ``ahead_s`` seconds; their deadline
        is ``deadline + ahead_s``, so each still covers a send that leaves that late (one with a
        later deadline gets a slot of its own). They are in the file from the start, so every other
        process counts them. A transaction costs more than all the rest bulklike does for one like.
        Spares not handed out in time, or dropped by ``release_spares`` or ``close``, end at 0 (they
        never left): they stop counting at once, and no row is deleted whose id SQLite could reuse;
        after a crash they count until their deadline, as any send in flight would.
        """
        spare = self._take_spare(now, deadline, weight)
        if spare is not None:
            return spare, now
        args = (user_limits, app_limits, now, deadline, caps, ahead, ahead_s, weight)
        with self.file.writing():
            self._guard(now)
            self._now = now
            self._write_later()
            self._catch_up()
            self._prune(now)
            taken = self._insert(*args)
        if taken is None:  # the books in memory say wait: others may have shortened their sends
            self.reload()
            if self.free_at(user_limits, app_limits, now, caps, weight) > now:
                return None, self.free_at(user_limits, app_limits, now, caps, weight)
            with self.file.writing():
                self._catch_up()
                taken = self._insert(*args)
        if taken is None:
            return None, self.free_at(user_limits, app_limits, now, caps, weight)
        send_id, spares = taken
        self._last_id = max(self._last_id, send_id, *spares)
        self._book(send_id, deadline, weight)
        for spare_id in spares:
            self._book(spare_id, deadline + ahead_s, weight)
            self._spares.append((spare_id, now + ahead_s))
        return send_id, now

    def _book(self, send_id: int, until: float, weight: int) -> None:
        self.user_book.add(until, weight)
        self.app_book.add(until, weight)
        self._untils[send_id] = (until, weight)

    def _insert(
        self,
        user_limits: Sequence[Limit],
        app_limits: Sequence[Limit],
        now: float,
        deadline: float,
        caps: dict[Limit, int] | None,
        ahead: int,
        ahead_s: float,
        weight: int,
    ) -> tuple[int, list[int]] | None:
        """Inside a transaction: the slot (and spares) if the books allow a send now, else None."""
        if self.free_at(user_limits, app_limits, now, caps, weight) > now:
            return None
        extra = max(0, min(ahead, MAX_AHEAD, self._room(user_limits, app_limits, now, caps) // AHEAD_SHARE // weight))
        send_id, *spares = self.file.insert(self.app, self.user, now, [deadline] + [deadline + ahead_s] * extra, weight)
        return send_id, spares

    def _room(
        self, user_limits: Sequence[Limit], app_limits: Sequence[Limit], now: float, caps: dict[Limit, int] | None
    ) -> int:
        """How many points every limit allows now, by the books in memory (huge without limits)."""
        caps = caps or {}
        rooms = [
            min(limit.count, caps.get(limit, limit.count)) - in_window(book, limit, now)
            for book, limits in ((self.user_book, user_limits), (self.app_book, app_limits))
            for limit in limits
        ]
        return min(rooms, default=1 << 30)

    def _take_spare(self, now: float, deadline: float, weight: int) -> int | None:
        """A slot taken ahead (for a send of the same weight) still usable at ``now`` and counted
        until ``deadline`` at least; the others are released on the way."""
        while self._spares:
            send_id, usable_until = self._spares.popleft()
            until, taken_for = self._untils.get(send_id, (0.0, 0))
            if now <= usable_until and taken_for == weight and until >= deadline:
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
            until, weight = old
            self.user_book.replace(until, 0.0, weight)
            self.app_book.replace(until, 0.0, weight)
            self._later.append((0.0, send_id))

    def answered(self, answers: Sequence[tuple[int, float]]) -> None:
        """Shorten sends to when their answers arrived (``(send_id, at)`` pairs), in one commit."""
        updates = [(at, send_id) for send_id, at in answers if send_id in self._untils]
        if not updates:
            return
        with self.file.writing():
            self.file.shorten(updates)
        for at, send_id in updates:
            self._shorten(send_id, at)

    def _shorten(self, send_id: int, at: float) -> bool:
        old = self._untils.pop(send_id, None)
        if old is None or at >= old[0]:
            return False
        self.user_book.replace(old[0], at, old[1])
        self.app_book.replace(old[0], at, old[1])
        return True

    def answer_later(self, send_id: int, at: float) -> None:
        """Like ``answered([(send_id, at)])`` for this process's books at once; the file is
        written by the next ``try_reserve`` in its own transaction (one commit per send instead
        of two), or by ``flush_answers``/``close``.

        Until then other processes read the send's deadline from the file, which only ever holds
        them back more than needed, never less; a crash loses nothing but the shortening.
        """
        if self._shorten(send_id, at):
            self._later.append((at, send_id))

    def flush_answers(self) -> None:
        """Write the answers noted by ``answer_later`` now, in one commit."""
        if not self._later:
            return
        with self.file.writing():
            self._write_later()

    def _write_later(self) -> None:
        """Inside a transaction: write the answers noted by ``answer_later``."""
        if self._later:
            later, self._later = self._later, []
            self.file.shorten(later)
