"""A second network for the seam's tests: likes as records, in memory, the way the AT Protocol (Bluesky) has them.

A like creates a record with a key of its own in the account's repository (``app.bsky.feed.like``); an unlike
deletes that key. Writes are charged in points: a create 3, a delete 1, with at most 5,000 points in any hour
and 35,000 in any day per account. The network enforces its limits itself, as a server would: a write over
them is refused with a 429 and counted in ``refused``; every write it accepts is in ``log`` with its time and
cost, so a test checks the limits from the network's own books, not the engine's. Batched writes (up to 200
per ``applyWrites`` call) are not modelled: the engine sends one write per request.
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Callable
from dataclasses import dataclass

from bulklike.errors import FatalApiError
from bulklike.outcome import Kind, Outcome, Reply
from bulklike.pacing.limits import Allowance, Limit

CREATE_COST = 3
DELETE_COST = 1
HOUR = Limit(5000, 3600.0)
DAY = Limit(35000, 86400.0)


@dataclass(frozen=True, slots=True)
class Write:
    """One write the network accepted: when, what it cost, and the record it touched."""

    at: float
    cost: int
    action: str  # "create" or "delete"
    key: str
    subject: str  # the post liked


class RecordsNetwork:
    """An in-memory repository of like records behind the engine's ``Network`` protocol."""

    like_cost = CREATE_COST
    unlike_cost = DELETE_COST

    def __init__(self, clock: Callable[[], float], *, did: str = "did:plc:seamtest") -> None:
        self.clock = clock
        self.did = did
        self.records: dict[str, str] = {}  # record key -> the post it likes
        self.log: list[Write] = []
        self._times: list[float] = []  # the log's times (never decreasing) and its running sum of points
        self._sums: list[int] = [0]
        self.refused = 0
        self.asked_who = 0
        self._keys = (f"3l{n:011x}" for n in itertools.count(0x1000))  # TID-like, unique, in order

    # -- the protocol --------------------------------------------------------------------------

    async def like(self, tweet_id: str) -> Reply:
        if not self._room(CREATE_COST):
            return self._too_many()
        key = next(self._keys)
        self.records[key] = tweet_id
        self._write(Write(self.clock(), CREATE_COST, "create", key, tweet_id))
        return Reply(Outcome(Kind.DONE, "liked", 200, key=key))

    async def unlike(self, tweet_id: str, key: str | None) -> Reply:
        if key is None or self.records.get(key) != tweet_id:  # nothing to delete under that key
            return Reply(Outcome(Kind.PERMANENT, "not_liked", 400, message="no such like record"))
        if not self._room(DELETE_COST):
            return self._too_many()
        del self.records[key]
        self._write(Write(self.clock(), DELETE_COST, "delete", key, tweet_id))
        return Reply(Outcome(Kind.DONE, "unliked", 200))

    async def who_am_i(self) -> str | None:
        self.asked_who += 1
        return self.did

    def limits(self) -> Allowance:
        return Allowance((HOUR, DAY))

    def moves_on(self, outcome: Outcome) -> str | None:
        return None  # one endpoint: nothing to move to

    async def move(self) -> None:
        raise FatalApiError("this network has nowhere to move")

    def stop_line(self, outcome: Outcome, *, moved: bool) -> str:
        return outcome.advice or outcome.message or f"HTTP {outcome.http_status}"

    # -- its own books -------------------------------------------------------------------------

    def points_in(self, start: float, end: float) -> int:
        """Points of the writes accepted in ``[start, end)``."""
        first, last = bisect.bisect_left(self._times, start), bisect.bisect_left(self._times, end)
        return self._sums[last] - self._sums[first]

    def _room(self, cost: int) -> bool:
        """A write counts for a window's length from its time: at ``now``, those after ``now - window``."""
        now = self.clock()
        for limit in (HOUR, DAY):
            first = bisect.bisect_right(self._times, now - limit.window_s)
            if self._sums[-1] - self._sums[first] + cost > limit.count:
                return False
        return True

    def _write(self, write: Write) -> None:
        assert not self._times or write.at >= self._times[-1]
        self.log.append(write)
        self._times.append(write.at)
        self._sums.append(self._sums[-1] + write.cost)

    def _too_many(self) -> Reply:
        self.refused += 1
        return Reply(Outcome(Kind.RATE_LIMITED, "rate_limited", 429, message="RateLimitExceeded"))
