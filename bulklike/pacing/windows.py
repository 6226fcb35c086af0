"""Pacing arithmetic: pure functions over send times, no clock reads, no I/O.

The model. A send leaves at ``sent_at`` and the server counts it when it arrives, at some moment
we cannot see between ``sent_at`` and the moment its answer came back (or its deadline, while
it is in flight). So each send is kept as its latest possible arrival, ``until``. A new send at
time ``t`` is allowed by a limit (C per W) when fewer than C earlier sends have
``until + margin > t - W``. Then no window of length W can ever hold more than C arrivals,
whatever the true arrival times were: for any window, take the last send started inside it;
at its start every other send of that window already had ``until`` within W of it, so it saw
them all and there were at most C-1. The rule holds for rolling windows and therefore for fixed
ones, across processes and restarts, as long as every send is in the ledger before it leaves.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from bulklike.pacing.limits import Limit
from bulklike.x.codes import RESET_PAIRS

#: simulate at most this many sends for an estimate, then extrapolate at the steady rate
_ESTIMATE_STEPS = 5000


def margin_for(limit: Limit) -> float:
    """Slack for clock jitter between us and the server: 0.2% of the window, at most 1 s."""
    return min(1.0, limit.window_s * 0.002)


class SendBook:
    """The ``until`` times of one scope's sends (a user's, or an app's), kept sorted; a send that costs
    N points is N entries, so every count below is in points."""

    __slots__ = ("untils",)

    def __init__(self, untils: Iterable[float] = ()) -> None:
        self.untils: list[float] = sorted(untils)

    def __len__(self) -> int:
        return len(self.untils)

    def add(self, until: float, weight: int = 1) -> None:
        for _ in range(weight):
            bisect.insort(self.untils, until)

    def replace(self, old: float, new: float, weight: int = 1) -> None:
        """Move one send's ``until`` (an answer arrived before its deadline)."""
        for _ in range(weight):
            index = bisect.bisect_left(self.untils, old)
            if index < len(self.untils) and self.untils[index] == old:
                del self.untils[index]
            bisect.insort(self.untils, new)

    def prune(self, before: float) -> None:
        """Forget sends whose ``until`` is before ``before``: they can no longer matter."""
        index = bisect.bisect_left(self.untils, before)
        if index:
            del self.untils[:index]

    def count_after(self, t: float) -> int:
        """How many sends have ``until > t``."""
        return len(self.untils) - bisect.bisect_right(self.untils, t)

    def nth_after(self, t: float, n: int) -> float:
        """The ``n``-th (0-based, ascending) ``until`` among those ``> t``."""
        return self.untils[bisect.bisect_right(self.untils, t) + n]


def in_window(book: SendBook, limit: Limit, now: float) -> int:
    """How many sends count against ``limit`` at ``now``."""
    return book.count_after(now - limit.window_s - margin_for(limit))


def free_at(
    book: SendBook, limits: Sequence[Limit], now: float, caps: Mapping[Limit, int] | None = None, weight: int = 1
) -> float:
    """The earliest time ``>= now`` at which one more send of ``weight`` points keeps every limit within
    its count (a book holds a send of weight N as N entries, so counts are points).

    ``caps`` lowers a limit's count (learned from the server's 429s); it never raises one. A send
    heavier than a limit's whole count never fits: ``inf``.
    """
    ready = now
    for limit in limits:
        cap = min(limit.count, (caps or {}).get(limit, limit.count)) - (weight - 1)
        if cap <= 0:
            return math.inf
        margin = margin_for(limit)
        threshold = now - limit.window_s - margin
        counted = book.count_after(threshold)
        if counted >= cap:
            oldest_to_go = book.nth_after(threshold, counted - cap)
            ready = max(ready, oldest_to_go + margin + limit.window_s)
    return ready


def quota_left(book: SendBook, limits: Sequence[Limit], now: float) -> list[tuple[Limit, int]]:
    """Sends left now under each limit."""
    return [(limit, max(0, limit.count - in_window(book, limit, now))) for limit in limits]


def steady_rate(limits: Sequence[Limit], interval: float) -> float:
    """Sends per second in the long run: the tightest limit, or the minimum interval."""
    rates = [limit.count / limit.window_s for limit in limits]
    if interval > 0:
        rates.append(1.0 / interval)
    return min(rates) if rates else math.inf


def estimate_finish(
    pending: int, books: Sequence[tuple[SendBook, Sequence[Limit]]], now: float, interval: float, latency: float = 0.0
) -> float:
    """When ``pending`` more sends would be done, given the sends already on the books.

    Simulates the first sends exactly (they depend on what the ledger holds), then extrapolates
    at the steady rate. Each book pairs a scope's sends with the limits that apply to it.
    """
    if pending <= 0:
        return now
    copies = [(SendBook(book.untils), limits) for book, limits in books]
    t = now
    steps = min(pending, _ESTIMATE_STEPS)
    for i in range(steps):
        if i:
            t += interval
        t = max([t] + [free_at(book, limits, t) for book, limits in copies])
        for book, _ in copies:
            book.add(t + latency)
    rest = pending - steps
    if rest:
        rate = steady_rate([lim for _, limits in copies for lim in limits], interval)
        t += rest / rate if rate != math.inf else 0.0
    return t + latency


def _number(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        number = float(value.strip())
    except ValueError:
        return None
    # a negative count, reset or Retry-After is garbage like "abc" or "inf": ignored, never read as "now"
    return number if math.isfinite(number) and number >= 0 else None


@dataclass(frozen=True, slots=True)
class ServerWait:
    """What the server's headers say about waiting: until when, and why."""

    until: float
    reason: str


def server_wait(headers: Mapping[str, str], now: float, horizon: float, *, rate_limited: bool) -> ServerWait | None:
    """The latest reset among the limits the headers show exhausted, clamped to ``now..now+horizon``.

    On a 429 (``rate_limited``) whose headers show no limit exhausted, the latest reset given is
    taken (the server refused, so some window is full); ``Retry-After`` seconds count too. A reset
    in the past or absurdly far ahead is clamped. ``None`` when the headers say nothing usable.
    """
    exhausted: list[tuple[float, str]] = []
    any_reset: list[tuple[float, str]] = []
    for remaining_h, reset_h in RESET_PAIRS:
        reset = _number(headers.get(reset_h))
        if reset is None:
            continue
        label = reset_h.removesuffix("-reset")
        any_reset.append((reset, label))
        raw_remaining = headers.get(remaining_h)
        remaining = _number(raw_remaining)
        # An absent remaining count says nothing after a success; one that is present but unreadable
        # (garbage, negative) is read the safe way, as spent; after a refusal either is spent.
        if (
            remaining is None
            and (rate_limited or raw_remaining is not None)
            or (remaining is not None and remaining <= 0)
        ):
            exhausted.append((reset, label))
    retry_after = _number(headers.get("retry-after"))
    if retry_after is not None and rate_limited:
        exhausted.append((now + retry_after, "retry-after"))
    candidates = exhausted or (any_reset if rate_limited else [])
    if not candidates:
        return None
    reset, label = max(candidates)
    return ServerWait(until=min(max(reset, now + 1.0), now + horizon), reason=label)
