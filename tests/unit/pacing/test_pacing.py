"""The pacing arithmetic: SendBook, free_at, quotas, the finish estimate and the server's headers."""

from __future__ import annotations

import bisect
import heapq
import math
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bulklike.pacing.limits import Limit
from bulklike.pacing.windows import (
    SendBook,
    ServerWait,
    estimate_finish,
    free_at,
    in_window,
    margin_for,
    quota_left,
    server_wait,
    steady_rate,
)
from tests.helpers.examples import examples
from tests.helpers.pacing import DAY, NOW, A, R, U, limits_st, most_in_window, worst_window

# -- SendBook ---------------------------------------------------------------------------------------


def test_sendbook_keeps_untils_sorted() -> None:
    book = SendBook([5.0, 1.0, 3.0])
    book.add(2.0)
    book.add(9.0)
    assert book.untils == [1.0, 2.0, 3.0, 5.0, 9.0]
    assert len(book) == 5
    assert book.count_after(2.0) == 3  # strictly after
    assert book.count_after(0.0) == 5
    assert book.count_after(9.0) == 0
    assert book.nth_after(2.0, 0) == 3.0
    assert book.nth_after(2.0, 2) == 9.0


def test_sendbook_replace_moves_one_send() -> None:
    book = SendBook([10.0, 10.0, 20.0])
    book.replace(10.0, 4.0)
    assert book.untils == [4.0, 10.0, 20.0]
    book.replace(20.0, 25.0)
    assert book.untils == [4.0, 10.0, 25.0]
    book.replace(99.0, 1.0)  # unknown (pruned) send: kept as a send, never lost
    assert book.untils == [1.0, 4.0, 10.0, 25.0]
    book.prune(4.0)  # before 4: 4 itself stays
    assert book.untils == [4.0, 10.0, 25.0]
    book.prune(100.0)
    assert book.untils == []


# -- margins, windows, free_at ----------------------------------------------------------------------


def test_margin() -> None:
    assert margin_for(Limit(1000, DAY)) == 1.0
    assert margin_for(Limit(5, 100.0)) == pytest.approx(0.2)
    assert margin_for(Limit(5, 1.0)) == pytest.approx(0.002)
    assert margin_for(Limit(5, 500.0)) == 1.0
    book = SendBook([NOW - 100.3, NOW - 100.1, NOW - 50.0, NOW + 10.0])
    assert in_window(book, Limit(5, 100.0), NOW) == 3  # 100.1 ago is still inside W + margin 0.2, 100.3 not


def test_free_at_empty_and_not_full() -> None:
    lim = Limit(3, 60.0)
    assert free_at(SendBook(), [lim], NOW) == NOW
    assert free_at(SendBook([NOW - 1, NOW - 2]), [lim], NOW) == NOW
    assert free_at(SendBook(), [], NOW) == NOW


def test_free_at_full_waits_for_oldest() -> None:
    lim = Limit(3, 60.0)  # margin 0.12
    book = SendBook([NOW - 10.0, NOW - 5.0, NOW - 1.0])
    assert free_at(book, [lim], NOW) == pytest.approx(NOW - 10.0 + 60.0 + 0.12)
    book.add(NOW + 30.0)  # one over (another process): wait for the two oldest
    assert free_at(book, [lim], NOW) == pytest.approx(NOW - 5.0 + 60.12)


def test_free_at_tightest_of_several_limits() -> None:
    short, long = Limit(2, 10.0), Limit(3, 1000.0)
    book = SendBook([NOW - 500.0, NOW - 8.0, NOW - 1.0])
    # the short limit frees at -8 + 10.02, the long one only at -500 + 1001
    assert free_at(book, [short, long], NOW) == pytest.approx(NOW + 501.0)
    assert free_at(book, [short], NOW) == pytest.approx(NOW + 2.02)


def test_caps_lower_never_raise() -> None:
    lim = Limit(3, 60.0)
    book = SendBook([NOW - 10.0, NOW - 5.0])
    assert free_at(book, [lim], NOW, {lim: 2}) == pytest.approx(NOW + 50.12)
    assert free_at(book, [lim], NOW, {lim: 1}) == pytest.approx(NOW + 55.12)
    assert free_at(book, [lim], NOW, {lim: 100}) == NOW
    book.add(NOW)
    assert free_at(book, [lim], NOW, {lim: 100}) == pytest.approx(NOW + 50.12)  # still the count of 3
    assert free_at(book, [lim], NOW, {Limit(3, 61.0): 1}) == pytest.approx(NOW + 50.12)  # other limit's cap


@settings(max_examples=examples(200), deadline=None)
@given(limits=limits_st, offsets=st.lists(st.floats(-150.0, 20.0), max_size=60), data=st.data())
def test_free_at_is_the_earliest_fixed_point(limits: list[Limit], offsets: list[float], data: st.DataObject) -> None:
    book = SendBook(NOW + o for o in offsets)
    caps = {lim: data.draw(st.integers(1, 40)) for lim in limits if data.draw(st.booleans())}
    ready = free_at(book, limits, NOW, caps)
    assert ready >= NOW
    assert free_at(book, limits, ready, caps) == ready  # a send is allowed at ready
    if ready > NOW:  # and not a moment earlier
        before = max(NOW, ready - 1e-6)
        assert free_at(book, limits, before, caps) > before
    for limit in limits:  # at ready, every limit has room (up to float noise within its margin)
        cap = min(limit.count, caps.get(limit, limit.count))
        assert book.count_after(ready - limit.window_s - margin_for(limit) + 1e-6) < cap


def test_quota_left() -> None:
    short, long = Limit(2, 10.0), Limit(5, 1000.0)
    book = SendBook([NOW - 500.0, NOW - 8.0, NOW - 1.0, NOW + 3.0])
    assert quota_left(book, [short, long], NOW) == [(short, 0), (long, 1)]
    assert quota_left(SendBook(), [short], NOW) == [(short, 2)]
    assert steady_rate([Limit(50, 900.0), Limit(1000, DAY)], 0.0) == pytest.approx(1000 / DAY)
    assert steady_rate([Limit(50, 900.0)], 60.0) == pytest.approx(1 / 60)
    assert steady_rate([], 0.0) == math.inf
    assert steady_rate([], 2.0) == 0.5


# -- never over, with only the arithmetic ---------------------------------------------------------

attempt_st = st.tuples(
    st.one_of(st.just(0.0), st.floats(0.0, 3.0), st.floats(0.0, 150.0)),  # gap before the attempt
    st.floats(0.0, 12.0),  # latency (answers past the deadline come at the deadline: a timeout)
    st.booleans(),  # lost: never answered
)


@settings(max_examples=examples(200), deadline=None)
@given(limits=limits_st, attempts=st.lists(attempt_st, min_size=1, max_size=80), timeout=st.floats(0.5, 10.0),
       wait=st.booleans(), rng=st.randoms(use_true_random=False))  # fmt: skip
def test_never_over_in_any_window(
    limits: list[Limit], attempts: list[tuple[float, float, bool]], timeout: float, wait: bool, rng: random.Random
) -> None:
    """Sends only when free_at allows, until = deadline then answer: no window ever holds more than its count."""
    book = SendBook()
    answers: list[tuple[float, float]] = []  # (answer time, deadline) heap
    intervals: list[tuple[float, float]] = []
    now = NOW
    for gap, latency, lost in attempts:
        now += gap
        ready = free_at(book, limits, now)
        if wait:  # a sender that waits for its slot; answers due by then come in first
            while answers and answers[0][0] <= ready:
                at, deadline = heapq.heappop(answers)
                book.replace(deadline, at)
                ready = free_at(book, limits, ready)
            now = ready
        elif ready > now:
            continue
        while answers and answers[0][0] <= now:
            at, deadline = heapq.heappop(answers)
            book.replace(deadline, at)
        if free_at(book, limits, now) > now:
            continue
        deadline = now + timeout
        book.add(deadline)
        end = deadline if lost else min(now + latency, deadline)
        if not lost:
            heapq.heappush(answers, (end, deadline))
        intervals.append((now, end))
    for limit in limits:
        assert worst_window(intervals, limit.window_s) <= limit.count
        for pick in (lambda s, e: s, lambda s, e: e, lambda s, e: rng.uniform(s, e)):
            assert most_in_window([pick(s, e) for s, e in intervals], limit.window_s) <= limit.count


def test_window_checkers_catch_an_overrun() -> None:
    """The checkers themselves: two sends 9 s apart break 1/10s, whatever the arrival."""
    assert most_in_window([0.0, 9.0], 10.0) == 2
    assert most_in_window([0.0, 10.0], 10.0) == 1
    assert worst_window([(0.0, 0.5), (9.9, 9.9)], 10.0) == 2
    assert worst_window([(0.0, 0.5), (10.6, 11.0)], 10.0) == 1
    assert worst_window([(0.0, 5.0), (14.0, 14.0)], 10.0) == 2  # arrives late, at 5.0


# -- fully used -----------------------------------------------------------------------------------


def test_fully_used_over_ten_days() -> None:
    """1000/24h, answers after 0.2 s, a steady supply: every day-long window holds >= 99% of the count."""
    lim, days = Limit(1000, DAY), 10
    end = NOW + days * DAY
    book, times, t = SendBook(), [], NOW
    while (t := free_at(book, [lim], t)) < end:
        times.append(t)
        book.add(t + 0.2)  # one worker: the answer comes before the next attempt
        t += 0.2
    assert most_in_window(times, DAY) <= 1000
    for day in range(days):  # calendar days
        assert 990 <= bisect.bisect_left(times, NOW + (day + 1) * DAY) - bisect.bisect_left(times, NOW + day * DAY)
    rolling = [bisect.bisect_right(times, x + DAY) - bisect.bisect_right(times, x) for x in times if x + DAY <= end]
    assert min(rolling) >= 990  # windows (x, x + W] just after each send: the emptiest ones
    assert len(times) >= 0.99 * 1000 * days


# -- estimate_finish ------------------------------------------------------------------------------


@pytest.mark.parametrize("latency", [0.0, 0.3])
@pytest.mark.parametrize("interval", [0.0, 2.0])
@pytest.mark.parametrize(("count", "window"), [(5, 100.0), (50, 900.0), (1, 10.0), (1000, DAY)])
def test_estimate_closed_form(count: int, window: float, interval: float, latency: float) -> None:
    """Empty ledger, one limit: batches of ``count`` every W + margin + latency, ``interval`` apart."""
    lim = Limit(count, window)
    period = window + margin_for(lim) + latency
    for pending in (1, 2, count - 1, count, count + 1, 3 * count, 3 * count + 2):
        if pending < 1 or pending > 3000:
            continue
        j = pending - 1
        expected = NOW + (j // count) * period + (j % count) * interval + latency
        got = estimate_finish(pending, [(SendBook(), [lim]), (SendBook(), [])], NOW, interval, latency)
        assert got == pytest.approx(expected, abs=1e-6)


def test_estimate_edges() -> None:
    lim = Limit(5, 100.0)
    assert estimate_finish(0, [(SendBook(), [lim])], NOW, 0.0) == NOW
    assert estimate_finish(-3, [(SendBook(), [lim])], NOW, 0.0) == NOW
    assert estimate_finish(7, [], NOW, 0.0, 0.5) == NOW + 0.5  # no limits: at once
    full = SendBook([NOW - 50.0] * 5)
    assert estimate_finish(1, [(full, [lim])], NOW, 0.0) == pytest.approx(NOW + 50.2)
    assert full.untils == [NOW - 50.0] * 5  # the estimate never touches the real books


def test_estimate_extrapolates_past_the_simulated_steps() -> None:
    lim = Limit(10, 100.0)
    books = [(SendBook(), [lim])]
    at_5000 = estimate_finish(5000, books, NOW, 0.0)
    at_15000 = estimate_finish(15000, books, NOW, 0.0)
    assert at_15000 == pytest.approx(at_5000 + 10000 * 10.0)
    assert estimate_finish(5001, books, NOW, 0.0) > at_5000


@settings(max_examples=examples(100), deadline=None)
@given(
    limits=limits_st,
    app=limits_st,
    offsets=st.lists(st.floats(-150.0, 20.0), max_size=40),
    pending=st.integers(0, 120),
    interval=st.sampled_from([0.0, 0.5, 3.0]),
    latency=st.floats(0.0, 2.0),
)
def test_estimate_monotone(
    limits: list[Limit], app: list[Limit], offsets: list[float], pending: int, interval: float, latency: float
) -> None:
    books = [(SendBook(NOW + o for o in offsets), limits), (SendBook(NOW + o for o in offsets[::2]), app)]
    a = estimate_finish(pending, books, NOW, interval, latency)
    b = estimate_finish(pending + 1, books, NOW, interval, latency)
    assert NOW <= a <= b
    assert estimate_finish(pending + 1, books, NOW + 10.0, interval, latency) >= b  # later start, later end
    # never sooner than the quota allows: n sends need at least (n - 1) // count whole windows
    tightest = max(math.floor(pending / lim.count) * lim.window_s for lim in limits)
    assert b >= NOW + tightest


# -- server_wait ----------------------------------------------------------------------------------


def hdr(**pairs: tuple[object, object]) -> dict[str, str]:
    """hdr(R=(remaining, reset offset)) -> headers; None leaves a header out, str is taken as is."""
    names = {"R": R, "U": U, "A": A}
    out: dict[str, str] = {}
    for key, (remaining, reset) in pairs.items():
        if remaining is not None:
            out[f"{names[key]}-remaining"] = str(remaining)
        if reset is not None:
            out[f"{names[key]}-reset"] = reset if isinstance(reset, str) else str(int(NOW) + int(float(str(reset))))
    return out


def wait(headers: dict[str, str], *, limited: bool, horizon: float = DAY) -> ServerWait | None:
    return server_wait(headers, NOW, horizon, rate_limited=limited)


@pytest.mark.parametrize("key", ["R", "U", "A"])
def test_each_exhausted_pair(key: str) -> None:
    for limited in (True, False):
        got = wait(hdr(**{key: (0, 300)}), limited=limited)
        assert got is not None and got.until == NOW + 300
        assert got.reason == {"R": R, "U": U, "A": A}[key]
        assert wait(hdr(**{key: (3, 300)}), limited=False) is None  # room left: no pause after a success


def test_latest_exhausted_reset_wins() -> None:
    got = wait(hdr(R=(0, 600), U=(0, 5000), A=(7, 9000)), limited=True)
    assert got == ServerWait(NOW + 5000, U)
    got = wait(hdr(R=(0, 6000), U=(0, 5000), A=(0, 900)), limited=False)
    assert got == ServerWait(NOW + 6000, R)
    got = wait(hdr(R=(0, 60), U=(2, 5000), A=(0, 9000)), limited=False)
    assert got == ServerWait(NOW + 9000, A)


def test_429_with_short_window_left_waits_for_the_24h_reset() -> None:
    got = wait(hdr(R=(12, 600), U=(0, 40000)), limited=True)
    assert got == ServerWait(NOW + 40000, U)
    got = wait(hdr(R=(12, 600), U=(50, 40000), A=(0, 30000)), limited=True)
    assert got == ServerWait(NOW + 30000, A)


def test_429_nothing_exhausted_takes_latest_reset() -> None:
    got = wait(hdr(R=(5, 600), U=(50, 40000)), limited=True)
    assert got == ServerWait(NOW + 40000, U)
    assert wait(hdr(R=(5, 600), U=(50, 40000)), limited=False) is None


def test_absent_remaining_after_success_says_nothing_but_after_429_is_exhausted() -> None:
    """A success with a reset but no remaining header is no reason to pause (up to 24 h); the ledger
    still holds the count. After a refusal the same header is taken as the spent limit."""
    assert wait(hdr(R=(None, 600)), limited=False) is None
    assert wait(hdr(R=(None, 600), U=(3, 900)), limited=False) is None
    assert wait(hdr(R=(None, 600)), limited=True) == ServerWait(NOW + 600, R)
    assert wait(hdr(R=("abc", 600), U=(3, 900)), limited=False) == ServerWait(NOW + 600, R)  # garbage: spent


def test_retry_after() -> None:
    assert wait({"retry-after": "120"}, limited=True) == ServerWait(NOW + 120, "retry-after")
    assert wait({"retry-after": " 30.5 "}, limited=True) == ServerWait(NOW + 30.5, "retry-after")
    assert wait({"retry-after": "120"}, limited=False) is None  # only a refusal asks us to retry later
    got = wait({"retry-after": "120", **hdr(R=(0, 600))}, limited=True)
    assert got == ServerWait(NOW + 600, R)
    got = wait({"retry-after": "7200", **hdr(R=(0, 600))}, limited=True)
    assert got == ServerWait(NOW + 7200, "retry-after")
    got = wait({"retry-after": "60", **hdr(R=(5, 600))}, limited=True)  # retry-after is the exhausted one
    assert got == ServerWait(NOW + 60, "retry-after")


def test_clamped_to_now_plus_one_and_horizon() -> None:
    assert wait(hdr(R=(0, -500)), limited=True) == ServerWait(NOW + 1.0, R)  # in the past
    assert wait(hdr(R=(0, 0)), limited=False) == ServerWait(NOW + 1.0, R)
    assert wait(hdr(R=(0, "12")), limited=True) == ServerWait(NOW + 1.0, R)  # 1970
    assert wait(hdr(R=(0, 10 * DAY)), limited=True) == ServerWait(NOW + DAY, R)  # absurdly far
    assert wait(hdr(R=(0, 2000)), limited=True, horizon=900.0) == ServerWait(NOW + 900.0, R)
    assert wait({"retry-after": "1e9"}, limited=True) == ServerWait(NOW + DAY, "retry-after")
    assert wait({"retry-after": "0"}, limited=True) == ServerWait(NOW + 1.0, "retry-after")


GARBAGE = ["abc", "", " ", "inf", "-inf", "nan", "Infinity", "1e999", "-5", "-1700000000", "0x10", "12abc"]


@pytest.mark.parametrize("junk", GARBAGE)
def test_garbage_resets_are_ignored(junk: str) -> None:
    for limited in (True, False):
        assert wait(hdr(R=(0, junk)), limited=limited) is None
        assert wait({"retry-after": junk}, limited=limited) is None
        assert wait({"retry-after": junk, **hdr(R=(0, junk), U=(0, junk), A=(0, junk))}, limited=limited) is None
        # a usable pair next to the garbage still counts, and the garbage cannot win
        got = wait({"retry-after": junk, **hdr(R=(0, junk), U=(0, 4000))}, limited=limited)
        assert got == ServerWait(NOW + 4000, U)


@pytest.mark.parametrize("junk", GARBAGE)
def test_garbage_remaining_is_not_room(junk: str) -> None:
    """An unreadable remaining is never read as "room left": the reset is honoured."""
    assert wait(hdr(R=(junk, 600)), limited=False) == ServerWait(NOW + 600, R)


def test_no_headers() -> None:
    assert wait({}, limited=True) is None
    assert wait({}, limited=False) is None
    assert wait({"content-type": "application/json", "x-rate-limit-limit": "50"}, limited=True) is None
