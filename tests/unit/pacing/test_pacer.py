"""The Pacer: slots from the ledger, pauses on the server's word, learned caps, back-off, --until."""

from __future__ import annotations

import asyncio
import bisect
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bulklike.pacing import pacer as pacer_module
from bulklike.pacing.ledger import Ledger
from bulklike.pacing.limits import Limit
from bulklike.pacing.pacer import (
    BARE_429_BACKOFF_S,
    MAX_429_EPISODES,
    PROBE_MAX_S,
    PROBING,
    Pacer,
    RateLimitGiveUp,
    Waiting,
)
from bulklike.pacing.windows import ServerWait, margin_for, server_wait
from tests.helpers.clock import FakeClock
from tests.helpers.examples import examples
from tests.helpers.fastloop import FASTLOOP, loop_now
from tests.helpers.pacing import DAY, NOW, A, R, U, most_in_window


def exhausted(prefix: str, reset_in: float, remaining: int = 0) -> dict[str, str]:
    return {f"{prefix}-remaining": str(remaining), f"{prefix}-reset": str(int(NOW + reset_in))}


@pytest.fixture
def make(tmp_path: Path, clock: FakeClock) -> Callable[..., Pacer]:
    def factory(
        user: tuple[Limit, ...] = (Limit(1000, DAY),),
        app: tuple[Limit, ...] = (),
        *,
        user_id: str = "u",
        events: list[Waiting | None] | None = None,
        min_interval: float = 0.0,
        stop_at: float | None = None,
    ) -> Pacer:
        ledger = Ledger(str(tmp_path / "ledger.sqlite3"), app="a", user=user_id, now=clock())
        on_wait = events.append if events is not None else None
        return Pacer(
            ledger,
            user,
            app,
            timeout=5.0,
            min_interval=min_interval,
            clock=clock,
            sleep=clock.sleep,
            stop_at=stop_at,
            on_wait=on_wait,
        )

    return factory


async def send(pacer: Pacer, clock: FakeClock, latency: float = 0.2) -> int:
    """Acquire a slot, and have its answer come back ``latency`` later."""
    sid = await pacer.acquire()
    assert sid is not None
    clock.now += latency
    pacer.answered(sid, clock())
    return sid


async def refuse(pacer: Pacer, clock: FakeClock, headers: Mapping[str, str] | None = None) -> None:
    """One send refused with a 429, in the order the runner reports it: answered, then refused."""
    sid = await pacer.acquire()
    assert sid is not None
    clock.now += 0.1
    sent_at = pacer.answered(sid, clock())
    assert sent_at == clock() - 0.1
    pacer.refused(sent_at, headers or {})


# -- the ledger's slots ---------------------------------------------------------------------------


async def test_waits_for_the_oldest_send_to_leave_the_window(make: Callable[..., Pacer], clock: FakeClock) -> None:
    events: list[Waiting | None] = []
    lim = Limit(3, 100.0)
    pacer = make((lim,), events=events)
    for _ in range(3):
        await send(pacer, clock)
    assert clock.naps == []
    first_until = NOW + 0.2
    await send(pacer, clock)
    assert clock.now == pytest.approx(first_until + 100.0 + margin_for(lim) + 0.2)
    assert pacer.wait_s == pytest.approx(first_until + 100.2 - (NOW + 0.6))
    assert max(clock.naps) <= 1.0  # re-checks at least every second
    assert Waiting("user quota 3/100s", pytest.approx(first_until + 100.2)) in events  # type: ignore[arg-type]
    assert events[-1] is None and pacer.waiting is None


async def test_app_quota_is_named(make: Callable[..., Pacer], clock: FakeClock) -> None:
    other = make((Limit(10, 60.0),), (Limit(2, 60.0),), user_id="bob")
    await send(other, clock)
    await send(other, clock)
    events: list[Waiting | None] = []
    pacer = make((Limit(10, 60.0),), (Limit(2, 60.0),), events=events)
    assert [(s, str(lim), n) for s, lim, n in pacer.quota_left()] == [("user", "10/1m", 10), ("app", "2/1m", 0)]
    await send(pacer, clock)
    assert events[0] is not None and events[0].reason == "app quota 2/1m"
    assert clock.now == pytest.approx(NOW + 0.2 + 60.12 + 0.2)


# -- the server's word ----------------------------------------------------------------------------


async def test_429_with_reset_pauses_every_acquire(make: Callable[..., Pacer], clock: FakeClock) -> None:
    events: list[Waiting | None] = []
    pacer = make(events=events)
    await refuse(pacer, clock, exhausted(R, 300))
    assert pacer.waiting == Waiting(R, NOW + 300)
    assert pacer.rate_limited == 1
    got = await asyncio.gather(pacer.acquire(), pacer.acquire(), pacer.acquire())
    assert None not in got and len(set(got)) == 3
    assert clock.now == pytest.approx(NOW + 300, abs=1e-6)  # not a moment sooner, nor later
    assert events == [Waiting(R, NOW + 300), None]  # named once, by the header that set it
    assert pacer.waiting is None


@pytest.mark.parametrize(
    ("headers", "until", "reason"),
    [
        ({**exhausted(R, 600), **exhausted(U, 5000), **exhausted(A, 9000, remaining=7)}, NOW + 5000, U),
        ({**exhausted(R, 600), **exhausted(A, 9000)}, NOW + 9000, A),
        ({**exhausted(R, 600, remaining=12), **exhausted(U, 40000)}, NOW + 40000, U),  # short window has room
        ({**exhausted(R, 600, remaining=12), **exhausted(U, 40000, remaining=9)}, NOW + 40000, U),  # none spent
        ({"retry-after": "90"}, NOW + 0.1 + 90, "retry-after"),
        (exhausted(R, -3600), NOW + 0.1 + 1.0, R),  # in the past: a second
        (exhausted(U, 30 * DAY), NOW + 0.1 + DAY, U),  # absurdly far: the longest window
        ({**exhausted(R, 600, remaining=3), f"{U}-remaining": "0", f"{U}-reset": "abc"}, NOW + 600, R),
    ],
)
async def test_429_waits_for_the_latest_exhausted_reset(
    make: Callable[..., Pacer], clock: FakeClock, headers: dict[str, str], until: float, reason: str
) -> None:
    pacer = make((Limit(50, 900.0), Limit(1000, DAY)))
    await refuse(pacer, clock, headers)
    assert pacer.waiting == Waiting(reason, pytest.approx(until))  # type: ignore[arg-type]
    await pacer.acquire()
    assert clock.now == pytest.approx(until)


async def test_exhausted_headers_on_a_success_pause_too(make: Callable[..., Pacer], clock: FakeClock) -> None:
    pacer = make((Limit(50, 900.0), Limit(1000, DAY)))
    await send(pacer, clock)
    pacer.succeeded({**exhausted(R, 600, remaining=4), **exhausted(U, 900, remaining=10)})
    assert pacer.waiting is None
    await send(pacer, clock)
    assert clock.naps == []
    pacer.succeeded({**exhausted(R, 600), **exhausted(U, 900, remaining=10)})
    assert pacer.waiting == Waiting(R, NOW + 600)
    await pacer.acquire()
    assert clock.now == pytest.approx(NOW + 600, abs=1e-6)


async def test_a_later_pause_extends_an_earlier_one(make: Callable[..., Pacer], clock: FakeClock) -> None:
    pacer = make()
    await refuse(pacer, clock, exhausted(R, 100))
    pacer.refused(clock(), exhausted(R, 50))  # a shorter one cannot cut it short
    assert pacer.waiting == Waiting(R, NOW + 100)
    pacer.succeeded(exhausted(U, 700))
    assert pacer.waiting == Waiting(U, NOW + 700)
    await pacer.acquire()
    assert clock.now == pytest.approx(NOW + 700, abs=1e-6)


# -- bare 429s: learned caps and back-off ---------------------------------------------------------


async def test_bare_429_takes_the_servers_count(make: Callable[..., Pacer], clock: FakeClock) -> None:
    """The server refuses at 4 sends where we allow 5: from then on 4 is the count."""
    lim = Limit(5, 100.0)
    pacer = make((lim,))
    for _ in range(4):
        await send(pacer, clock)
    await refuse(pacer, clock)
    assert pacer.waiting == Waiting("429 with no reset", pytest.approx(NOW + 0.9 + BARE_429_BACKOFF_S))  # type: ignore[arg-type]
    assert pacer.quota_left() == [("user", lim, 0)]
    await send(pacer, clock)
    # the refused send stays in the books (the server may count it): the window had room for one
    # more of ours once the two oldest left it, as the server's count of 4 allows
    assert clock.now == pytest.approx(NOW + 0.4 + 100.2 + 0.2)
    times = [clock.now - 0.2]
    while clock.now < NOW + 1000:
        await send(pacer, clock)
        times.append(clock.now - 0.2)
    # from the 429 on, never more than the server's 4 in a window (as the sends before it had room
    # for 4, the refused one is counted): and 4, not fewer, in each window after the first
    assert most_in_window(times, 100.0) == 4
    assert len(times) >= 4 * 9


async def test_bare_429_caps_only_the_fullest_limit(make: Callable[..., Pacer], clock: FakeClock) -> None:
    """Refused at 4 of 5/100s: the short limit takes the blame; 50/1000s keeps its count."""
    pacer = make((Limit(50, 1000.0), Limit(5, 100.0)))
    for _ in range(4):
        await send(pacer, clock)
    await refuse(pacer, clock)
    times = []
    while clock.now < NOW + 1000:
        await send(pacer, clock)
        times.append(clock.now - 0.2)
    assert most_in_window(times, 100.0) == 4
    assert len(times) >= 4 * 9  # had the long limit been capped at 4 too, 4 in all


async def test_bare_429s_back_off_further(make: Callable[..., Pacer], clock: FakeClock) -> None:
    pacer = make(())
    pauses = []
    for _ in range(5):
        await refuse(pacer, clock)
        assert pacer.waiting is not None
        pauses.append(round(pacer.waiting.until - clock(), 6))
    assert pauses == [BARE_429_BACKOFF_S * 2**i for i in range(5)]


async def test_success_resets_the_back_off(make: Callable[..., Pacer], clock: FakeClock) -> None:
    pacer = make(())
    for _ in range(3):
        await refuse(pacer, clock)
    await send(pacer, clock)
    pacer.succeeded({})
    await refuse(pacer, clock)
    assert pacer.waiting is not None and pacer.waiting.until - clock() == pytest.approx(BARE_429_BACKOFF_S)
    for _ in range(MAX_429_EPISODES - 1):  # the count of refusals in a row starts over too
        await refuse(pacer, clock, exhausted(R, 0))
    with pytest.raises(RateLimitGiveUp):
        await refuse(pacer, clock, exhausted(R, 0))


async def test_gives_up_after_max_episodes(make: Callable[..., Pacer], clock: FakeClock) -> None:
    pacer = make(())
    for _ in range(MAX_429_EPISODES):
        await refuse(pacer, clock, exhausted(R, 0))  # each waits, then is refused again
    with pytest.raises(RateLimitGiveUp, match=str(MAX_429_EPISODES)):
        await refuse(pacer, clock, exhausted(R, 0))
    assert pacer.rate_limited == MAX_429_EPISODES + 1


async def test_refusals_already_in_flight_are_one_episode(make: Callable[..., Pacer], clock: FakeClock) -> None:
    """Twenty workers all refused by one full window: one episode, not twenty (nor a give-up)."""
    pacer = make(())
    sids = [await pacer.acquire() for _ in range(20)]
    for sid in sids:  # the answers come back one by one, as the runner reports them
        assert sid is not None
        clock.now += 0.01
        pacer.refused(pacer.answered(sid, clock()), {})
    assert pacer.rate_limited == 20
    assert pacer.waiting is not None
    assert pacer.waiting.until == pytest.approx(NOW + 0.2 + BARE_429_BACKOFF_S)  # no doubling within it
    await refuse(pacer, clock)  # the next send after the pause: the second episode
    assert pacer.waiting is not None and pacer.waiting.until - clock() == pytest.approx(2 * BARE_429_BACKOFF_S)


async def test_bare_429_never_blames_a_day_long_window_it_probes(make: Callable[..., Pacer], clock: FakeClock) -> None:
    """10 of our 1000 a day sent and a burst of bare 429s (a server allowing 10 per 5 s): the next
    request leaves seconds later, not tomorrow, one at a time until the server says yes."""
    pacer = make((Limit(1000, 86400.0),))
    for _ in range(10):
        await send(pacer, clock)
    sids = [await pacer.acquire() for _ in range(4)]
    clock.now += 0.1
    for sid in sids:  # four in flight, all refused: one episode
        assert sid is not None
        pacer.refused(pacer.answered(sid, clock()), {})
    assert pacer.waiting == Waiting(PROBING, pytest.approx(clock() + BARE_429_BACKOFF_S))  # type: ignore[arg-type]
    probe = await pacer.acquire()
    assert probe is not None and clock() - NOW < 10
    other = asyncio.ensure_future(pacer.acquire())  # a second worker waits for the probe's answer
    await clock.sleep(0)
    for _ in range(5):
        await asyncio.sleep(0)
    assert not other.done() and pacer.waiting is not None and pacer.waiting.reason == PROBING
    pacer.answered(probe, clock())
    pacer.succeeded({})  # the server says yes: everyone goes again
    assert await other is not None
    assert pacer.quota_left() == [("user", Limit(1000, 86400.0), 1000 - 10 - 4 - 2)]


async def test_probes_back_off_to_an_hour_and_give_up_after_the_horizon(
    make: Callable[..., Pacer], clock: FakeClock
) -> None:
    pacer = make(())
    pauses = []
    with pytest.raises(RateLimitGiveUp, match="every probe for 24 hours"):
        while True:
            await refuse(pacer, clock)
            assert pacer.waiting is not None
            pauses.append(pacer.waiting.until - clock())
    assert max(pauses) == PROBE_MAX_S and pauses[:3] == [BARE_429_BACKOFF_S * 2**i for i in range(3)]
    assert 86400 <= sum(pauses) <= 86400 + PROBE_MAX_S + 10  # one request per probe, for a day
    assert pacer.rate_limited == len(pauses) + 1


# -- --until --------------------------------------------------------------------------------------


async def test_stop_at_when_the_next_slot_is_later(make: Callable[..., Pacer], clock: FakeClock) -> None:
    lim = Limit(2, 100.0)
    pacer = make((lim,), stop_at=NOW + 50.0)
    await send(pacer, clock)
    await send(pacer, clock)
    assert await pacer.acquire() is None  # the next slot is at NOW + 100.4: past --until
    assert clock.naps == [] and pacer.waiting is None


async def test_stop_at_waits_for_a_slot_before_it(make: Callable[..., Pacer], clock: FakeClock) -> None:
    pacer = make((Limit(1, 10.0),), stop_at=NOW + 50.0)
    await send(pacer, clock)
    assert await pacer.acquire() is not None
    assert clock.now == pytest.approx(NOW + 0.2 + 10.02)


async def test_stop_at_with_a_server_pause(make: Callable[..., Pacer], clock: FakeClock) -> None:
    pacer = make(stop_at=NOW + 50.0)
    await refuse(pacer, clock, exhausted(R, 40))
    assert await pacer.acquire() is not None and clock.now == pytest.approx(NOW + 40, abs=1e-6)
    await refuse(pacer, clock, exhausted(R, 60))
    assert await pacer.acquire() is None


async def test_nothing_leaves_after_stop_at(make: Callable[..., Pacer], clock: FakeClock) -> None:
    """--until means "send nothing after TIME", even when the quota is wide open."""
    pacer = make(stop_at=NOW + 5.0)
    await send(pacer, clock)
    clock.now = NOW + 5.0
    assert await pacer.acquire() is not None  # at the very moment: still allowed
    clock.now = NOW + 6.0
    assert await pacer.acquire() is None


# -- estimate, min interval, full use -------------------------------------------------------------


async def test_estimate_finish_counts_the_pause(make: Callable[..., Pacer], clock: FakeClock) -> None:
    lim = Limit(2, 100.0)
    pacer = make((lim,))
    assert pacer.estimate_finish(0) == NOW
    assert pacer.estimate_finish(2) == NOW
    assert pacer.estimate_finish(3) == pytest.approx(NOW + 100.2)
    pacer.succeeded(exhausted(R, 50))
    assert pacer.estimate_finish(1) == NOW + 50
    assert pacer.estimate_finish(3) == pytest.approx(NOW + 50 + 100.2)


@FASTLOOP
async def test_min_interval_spaces_sends_on_the_loop_clock(make: Callable[..., Pacer]) -> None:
    """aiolimiter spaces sends by the event loop's clock (fake here): three sends 0.05 s apart span
    0.1 s of loop time, each one at least 0.05 s after the one before."""
    pacer = make(min_interval=0.05)
    times = []
    for _ in range(3):
        assert await pacer.acquire() is not None
        times.append(loop_now())
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    assert all(gap >= 0.05 - 1e-6 for gap in gaps), gaps
    assert times[-1] - times[0] < 0.2  # spaced, not stalled


@pytest.mark.slow
async def test_fully_used_with_a_server_that_agrees(make: Callable[..., Pacer], clock: FakeClock) -> None:
    """300/150s, answers after 0.2 s, ten windows: no 429 from a strict server, >= 99% of each window used."""
    lim = Limit(300, 150.0)
    pacer = make((lim,))
    arrivals: list[float] = []
    end = NOW + 10 * lim.window_s
    while clock.now < end:
        sid = await pacer.acquire()
        assert sid is not None
        arrival = clock.now + 0.1  # the server counts it half way
        assert bisect.bisect_right(arrivals, arrival - lim.window_s) >= len(arrivals) - lim.count + 1, "429"
        arrivals.append(arrival)
        clock.now += 0.2
        pacer.answered(sid, clock())
        pacer.succeeded({})
    full = [x for x in arrivals if x + lim.window_s <= end]
    counts = [bisect.bisect_right(arrivals, x + lim.window_s) - bisect.bisect_right(arrivals, x) for x in full]
    assert min(counts) >= 0.99 * lim.count
    assert max(counts) <= lim.count


# -- any headers at all ---------------------------------------------------------------------------

_NAMES = [f"{p}-{f}" for p in (R, U, A) for f in ("remaining", "reset")] + ["retry-after"]
_values = st.one_of(
    st.integers(-100, 200).map(lambda d: str(int(NOW) + d)),
    st.integers(-5, 80).map(str),
    st.sampled_from(["abc", "", "inf", "-inf", "nan", "-5", "1e999", " 7 "]),
)
_events = st.lists(
    st.tuples(st.booleans(), st.dictionaries(st.sampled_from(_NAMES), _values, max_size=7), st.floats(0.0, 30.0)),
    min_size=1, max_size=25,
)  # fmt: skip


@settings(max_examples=examples(100), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(events=_events)
async def test_no_send_before_the_servers_reset(
    tmp_path: Path, events: list[tuple[bool, dict[str, str], float]]
) -> None:
    """Whatever the headers of 429s and successes: the next send waits for every reset they name,
    a bare 429 backs off, and only the 13th refusal in a row with a reset, or a bare one after a
    day of them, gives up.

    The pacer re-checks a pause every second (for stop requests and the progress line, which this
    test has none of); bare 429s back off for hours, so it naps an hour at a time here, else each
    example would cost thousands of event-loop turns and say nothing more."""
    clock = FakeClock(NOW + 0.37)
    folder = tempfile.mkdtemp(dir=tmp_path)
    ledger = Ledger(f"{folder}/l.sqlite3", app="a", user="u", now=clock())
    pacer = Pacer(ledger, (Limit(30, 60.0),), (), timeout=5.0, clock=clock, sleep=clock.sleep)
    not_before, in_a_row, streak_since = clock(), 0, clock()
    patch = pytest.MonkeyPatch()
    patch.setattr(pacer_module, "_POLL_S", 3600.0)
    try:
        for refused, headers, gap in events:
            clock.now += gap
            sid = await pacer.acquire()
            assert sid is not None and clock() >= not_before
            clock.now += 0.1
            sent_at = pacer.answered(sid, clock())
            wait = server_wait(headers, clock(), 60.0, rate_limited=refused)
            if not refused:
                in_a_row = 0
                pacer.succeeded(headers)
            else:
                in_a_row += 1
                streak_since = clock() if in_a_row == 1 else streak_since
                probed_a_day = wait is None and clock() - streak_since >= 86400.0
                if (in_a_row > MAX_429_EPISODES and wait is not None) or probed_a_day:
                    with pytest.raises(RateLimitGiveUp):
                        pacer.refused(sent_at, headers)
                    return
                pacer.refused(sent_at, headers)
                if wait is None:
                    wait = ServerWait(clock() + min(BARE_429_BACKOFF_S * 2 ** (in_a_row - 1), PROBE_MAX_S), "")
            if wait is not None:
                assert wait.until >= clock() + 1.0 - 1e-6  # never "now" from a reset in the past
                not_before = max(not_before, min(wait.until, clock() + 60.0))
                assert pacer.waiting is not None and pacer.waiting.until >= not_before - 1e-6
        assert await pacer.acquire() is not None and clock() >= not_before
    finally:
        patch.undo()
        pacer.ledger.close()
