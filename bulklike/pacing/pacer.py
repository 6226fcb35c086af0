"""The pacer: decides when each request may leave, and pauses everyone when the server says so.

Three layers, from short to long term: aiolimiter smooths sends to ``--min-interval`` (or the
even ``--spread``); the ledger keeps every quota window within its count across processes and
restarts; a pause set by a 429 or exhausted rate-limit headers holds every worker until the
server's reset. The server wins: a bare 429 (v1.1 names no reset) lowers our idea of the limit
to what the ledger shows in the window, so the window counts as full until its oldest send
expires, and repeated refusals back off further. That is learnt only for a limit whose window is
at most ``PROBE_MAX_S``: a bare 429 may be a daily cap or a shorter limit of the server's, and
blaming a 24-hour window once meant waiting until tomorrow for a server free again in 5 s. When no
such limit takes the blame, the pacer probes: one request after 2 s, 4 s, 8 s … at most an hour
apart, the others waiting for its answer, until the server says yes or the refusals have lasted
the whole horizon (24 hours: any daily cap would have reset).
"""

from __future__ import annotations

import asyncio
import collections
import enum
import math
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bulklike.pacing.backoff import bare_429_backoff
from bulklike.pacing.ledger import MAX_AHEAD, Ledger
from bulklike.pacing.limits import Limit
from bulklike.pacing.windows import ServerWait, estimate_finish, in_window, margin_for, quota_left, server_wait

if TYPE_CHECKING:
    from aiolimiter import AsyncLimiter

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]

#: first pause after a 429 that names no reset, doubled on each refusal after it
BARE_429_BACKOFF_S = 2.0
#: refusals in a row (each after a pause) before the run gives up as the server's word, when the
#: server names its resets; bare 429s give up only after probing for the whole horizon
MAX_429_EPISODES = 12
#: the longest pause between two probes, and the longest window a bare 429 is blamed on
PROBE_MAX_S = 3600.0
PROBING = "429 with no reset: one probe request at a time"
#: the pause after a bare 429, by episode: tenacity's ``wait_exponential`` (``pacing.backoff``)
_BARE_429 = bare_429_backoff(first_s=BARE_429_BACKOFF_S, max_s=PROBE_MAX_S)
#: re-check at least this often while waiting (other processes, a stop request, the progress line)
_POLL_S = 1.0
#: unspaced sends (no --min-interval): one ledger transaction may take slots for the sends expected
#: in the next AHEAD_S seconds (at most the ledger's MAX_AHEAD), judged by how many left in the last AHEAD_S
AHEAD_S = 0.1


@dataclass(frozen=True, slots=True)
class Waiting:
    """What the run waits for, and until when (epoch seconds); shown in logs and progress."""

    reason: str
    until: float


class SlotEnd(enum.Enum):
    """How a send's slot ends; ``Pacer.settle`` does the bookkeeping each one needs."""

    GIVEN_BACK = "given_back"  # counted toward no limit: never connected, or the answer says so (453)
    UNANSWERED = "unanswered"  # no answer (timeout, reset): it may have arrived, so it keeps its deadline
    ANSWERED = "answered"  # an answer: its place in the windows ends now; exhausted headers pause
    REFUSED = "refused"  # a 429: answered, and every worker pauses until the server's reset


class RateLimitGiveUp(Exception):
    """The server kept refusing after every pause: stop and let the user run again later."""


class Pacer:
    """Hands out send slots: ``send_id = await pacer.acquire()`` before each request."""

    def __init__(
        self,
        ledger: Ledger,
        user_limits: Sequence[Limit],
        app_limits: Sequence[Limit],
        *,
        timeout: float,
        min_interval: float = 0.0,
        clock: Clock = time.time,
        sleep: Sleep = asyncio.sleep,
        stop_at: float | None = None,
        on_wait: Callable[[Waiting | None], None] | None = None,
    ) -> None:
        self.ledger = ledger
        self.user_limits = tuple(user_limits)
        self.app_limits = tuple(app_limits)
        self.timeout = timeout
        self.interval = min_interval
        self.clock = clock
        self.sleep = sleep
        self.stop_at = stop_at
        self.on_wait = on_wait
        self.waiting: Waiting | None = None
        self.wait_s = 0.0  # total time spent waiting on quota or the server
        self.rate_limited = 0
        self._limiter = _limiter(min_interval)
        self._lock = asyncio.Lock()
        self._in_line = 0  # callers in the slow path, holding the lock or queued for it
        self._paused_until = 0.0
        self._pause_started = 0.0
        self._pause_reason = ""
        self._episodes = 0
        self._streak_since = 0.0  # when the current run of refusals began
        self._probing = False  # after a bare 429 no limit took the blame for: one request at a time
        self._probe_id: int | None = None  # the probe on the wire
        self._caps: dict[Limit, int] = {}
        self._refused: collections.deque[float] = collections.deque()
        self._sent_at: dict[int, float] = {}
        self._all_limits = self.user_limits + self.app_limits
        self._recent: collections.deque[float] = collections.deque()  # send times, last AHEAD_S
        # the longest wait a server's reset may impose: our longest window, or the API's 24 hours
        self.horizon = max([86400.0, *(lim.window_s for lim in self._all_limits)])

    async def acquire(self, weight: int = 1) -> int | None:
        """Wait for a slot of ``weight`` points (what the send costs the network's limits: 1 on X) and
        take it; ``None`` when ``stop_at`` comes first (``--until``).

        The fast path: with no ``--min-interval`` and nobody waiting, a slot free right now is
        taken at once, without the lock. Anyone who has to wait (a pause, a full window, the
        limiter) holds the lock while waiting, so the others queue behind it in turn.
        """
        first: tuple[float, str] | None = None
        if self._limiter is None and not self._in_line:
            now = self.clock()
            if self.stop_at is None or now <= self.stop_at:
                send_id, wait_until, reason = self._look(now, weight)
                if send_id is not None:
                    return send_id
                first = (wait_until, reason)  # the lock below is free: taken without a yield
        self._in_line += 1
        try:
            return await self._wait_for_slot(first, weight)
        finally:
            self._in_line -= 1

    async def _wait_for_slot(self, first: tuple[float, str] | None, weight: int) -> int | None:
        """The slow path, one caller at a time; ``first``: what the fast path's look found."""
        async with self._lock:
            if self._limiter is not None:
                await self._limiter.acquire()
            while True:
                now = self.clock()
                if self.stop_at is not None and now > self.stop_at:  # --until: nothing leaves after it
                    self._set_waiting(None)
                    return None
                if first is None:
                    send_id, wait_until, reason = self._look(now, weight)
                    if send_id is not None:
                        return send_id
                else:
                    (wait_until, reason), first = first, None
                if self.stop_at is not None and wait_until > self.stop_at:
                    self._set_waiting(None)
                    return None
                self._set_waiting(Waiting(reason, wait_until))
                nap = max(0.0, min(wait_until - now, _POLL_S))
                await self.sleep(nap)
                self.wait_s += nap

    def _look(self, now: float, weight: int) -> tuple[int | None, float, str]:
        """One look, no waiting: ``(send_id, now, "")`` with a slot of ``weight`` points taken, else
        ``(None, when, why)``."""
        if self._probe_id is not None:  # the probe's answer decides what comes next
            return None, now + _POLL_S, PROBING
        if self._paused_until > now:
            return None, self._paused_until, self._pause_reason
        send_id, when = self.ledger.try_reserve(
            self.user_limits,
            self.app_limits,
            now,
            now + self.timeout + 1.0,
            self._caps,
            ahead=self._ahead(now),
            ahead_s=AHEAD_S,
            weight=weight,
        )
        if send_id is None:
            return None, when, self._tightest(now)
        if self._probing:
            self._probe_id = send_id
        self._set_waiting(None)
        self._sent_at[send_id] = now
        self._recent.append(now)
        return send_id, now, ""

    def _ahead(self, now: float) -> int:
        """How many slots to take ahead: about as many as left in the last AHEAD_S, less one so
        that a slowing run rarely leaves one unused; none when --min-interval spaces the sends."""
        if self._limiter is not None:
            return 0
        recent = self._recent
        while recent and recent[0] < now - AHEAD_S:
            recent.popleft()
        return min(MAX_AHEAD, max(0, len(recent) - 1))

    def _tightest(self, now: float) -> str:
        """Name the limit that holds us back, for the user."""
        for book, limits, scope in (
            (self.ledger.user_book, self.user_limits, "user"),
            (self.ledger.app_book, self.app_limits, "app"),
        ):
            for limit in limits:
                cap = min(limit.count, self._caps.get(limit, limit.count))
                if in_window(book, limit, now) >= cap:
                    return f"{scope} quota {limit}"
        return "quota"

    def _set_waiting(self, waiting: Waiting | None) -> None:
        if waiting != self.waiting and (
            waiting is None
            or self.waiting is None
            or abs(waiting.until - self.waiting.until) > 0.5
            or waiting.reason != self.waiting.reason
        ):
            self.waiting = waiting
            if self.on_wait is not None:
                self.on_wait(waiting)
        else:
            self.waiting = waiting

    def settle(self, send_id: int, end: SlotEnd, at: float, headers: Mapping[str, str]) -> None:
        """The one call after each send (``at``: when its answer came): the slot's bookkeeping.

        Raises ``RateLimitGiveUp`` when a refusal comes after ``MAX_429_EPISODES`` waits in a row."""
        if end is SlotEnd.GIVEN_BACK:
            self.given_back(send_id)
        elif end is SlotEnd.UNANSWERED:
            self.unanswered(send_id)
        elif end is SlotEnd.REFUSED:
            self.refused(self.answered(send_id, at), headers)
        else:
            self.answered(send_id, at)
            self.succeeded(headers)

    def answered(self, send_id: int, at: float) -> float:
        """The answer to ``send_id`` arrived: its place in the windows ends now (plus margin).

        Returns when the send left, for ``refused()``."""
        self.ledger.answer_later(send_id, at)  # written with the next reservation: one commit per send
        return self._sent_at.pop(send_id, at)

    def given_back(self, send_id: int) -> None:
        """The send counted toward none of our limits (its connection was never established, or the
        answer says so): it leaves the windows."""
        self._probe_done(send_id)
        self._sent_at.pop(send_id, None)
        self.ledger.release(send_id)

    def set_limits(self, user_limits: Sequence[Limit], app_limits: Sequence[Limit], min_interval: float) -> None:
        """Pace by other limits from now on (``--api auto`` moved the run from v1.1 to v2).

        Slots taken ahead were checked against the old limits only, so they are given back; what
        was learnt from the old API's 429s (caps, back-off) does not apply to the new one."""
        self.ledger.release_spares()
        self.user_limits = tuple(user_limits)
        self.app_limits = tuple(app_limits)
        self._all_limits = self.user_limits + self.app_limits
        self.ledger.cover(self._all_limits)
        self.horizon = max([86400.0, *(lim.window_s for lim in self._all_limits)])
        self._caps.clear()
        self._refused.clear()
        self._episodes = 0
        self._probing = False
        if min_interval != self.interval:
            self.interval = min_interval
            self._limiter = _limiter(min_interval)

    def finish(self) -> None:
        """No more sends for now (a call ended, or stopped): slots taken ahead go back at once, so
        other processes need not wait for their deadlines."""
        self.ledger.settle_up()

    def unanswered(self, send_id: int) -> None:
        """No answer came (timeout, reset): the request may still reach the server, so the send
        keeps its place in the windows until its deadline."""
        self._probe_done(send_id)
        self._sent_at.pop(send_id, None)

    def _probe_done(self, send_id: int) -> None:
        """The probe came back without a word on the limit: the next request is the next probe."""
        if send_id == self._probe_id:
            self._probe_id = None

    def show_waiting(self, waiting: Waiting | None) -> None:
        """Something other than quota holds the run (the API unreachable): say so in the live line."""
        self._set_waiting(waiting)

    def succeeded(self, headers: Mapping[str, str]) -> None:
        """A request went through: reset the 429 back-off, end probing, and heed exhausted-limit headers."""
        self._episodes = 0
        self._probing = False
        self._probe_id = None
        if headers:
            now = self.clock()
            wait = server_wait(headers, now, self.horizon, rate_limited=False)
            if wait is not None:
                self._pause(wait, now)

    def refused(self, sent_at: float, headers: Mapping[str, str]) -> None:
        """A 429 for a send that left at ``sent_at``: pause every worker until the server's reset,
        or learn the server's count. Refusals of sends that left before the current pause began
        belong to the same episode and do not back off further."""
        now = self.clock()
        self.rate_limited += 1
        self.ledger.release_spares()  # the limits may change below, and nothing leaves while paused
        self._refused.append(now)
        self._probe_id = None  # a refused probe: the next one after the pause below
        same_episode = sent_at < self._pause_started
        wait = server_wait(headers, now, self.horizon, rate_limited=True)
        if not same_episode:
            if self._episodes == 0:
                self._streak_since = now
            self._episodes += 1
            if wait is not None and self._episodes > MAX_429_EPISODES:
                raise RateLimitGiveUp(f"the API answered 429 after {MAX_429_EPISODES} waits in a row")
            if wait is None and now - self._streak_since >= self.horizon:
                hours = self.horizon / 3600
                raise RateLimitGiveUp(f"the API answered 429 to every probe for {hours:.0f} hours")
        if wait is None:
            self._probing = not self._learn_caps(now)
            backoff = _BARE_429.wait(max(1, self._episodes))
            wait = ServerWait(now + backoff, PROBING if self._probing else "429 with no reset")
        self._pause(wait, now)

    def _pause(self, wait: ServerWait, now: float) -> None:
        if self._paused_until <= now:
            self._pause_started = now
        if wait.until > self._paused_until:
            self._paused_until = wait.until
            self._pause_reason = wait.reason
            self._set_waiting(Waiting(wait.reason, wait.until))

    def _learn_caps(self, now: float) -> bool:
        """Take the server's count as the truth: the window is full at what the ledger holds.

        A bare 429 does not say which limit it hit, so the one closest to full takes the blame
        (the sends the server refused do not count); if that was the wrong one, the next refusal
        comes after its window has moved on, and blames the next fullest. A limit whose window is
        longer than ``PROBE_MAX_S`` is never blamed (``False``: probe instead).
        """
        horizon = now - self.horizon - 1.0
        while self._refused and self._refused[0] < horizon:
            self._refused.popleft()
        best: tuple[float, Limit, int] | None = None
        for book, limits in ((self.ledger.user_book, self.user_limits), (self.ledger.app_book, self.app_limits)):
            for limit in limits:
                since = now - limit.window_s - margin_for(limit)
                accepted = in_window(book, limit, now) - sum(1 for t in self._refused if t > since)
                fullness = accepted / min(limit.count, self._caps.get(limit, limit.count))
                if best is None or fullness > best[0]:
                    best = (fullness, limit, max(1, accepted))
        if best is None or best[1].window_s > PROBE_MAX_S:
            return False
        _, limit, cap = best
        self._caps[limit] = min(cap, self._caps.get(limit, limit.count))
        return True

    def quota_left(self) -> list[tuple[str, Limit, int]]:
        now = self.clock()
        out = [("user", lim, left) for lim, left in quota_left(self.ledger.user_book, self.user_limits, now)]
        out += [("app", lim, left) for lim, left in quota_left(self.ledger.app_book, self.app_limits, now)]
        return out

    def estimate_finish(self, pending: int) -> float:
        """When ``pending`` more sends would be done at this pacing, by the ledger as it stands."""
        now = max(self.clock(), self._paused_until)
        books = [(self.ledger.user_book, self.user_limits), (self.ledger.app_book, self.app_limits)]
        result = estimate_finish(pending, books, now, self.interval)
        return result if math.isfinite(result) else now


def _limiter(min_interval: float) -> AsyncLimiter | None:
    """aiolimiter spaces sends by ``--min-interval``; without one it is not even imported."""
    if min_interval <= 0:
        return None
    from aiolimiter import AsyncLimiter

    return AsyncLimiter(1, min_interval)
