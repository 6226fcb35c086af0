"""Quotas: rolling and fixed windows, per user and per app, the 429 shapes, and the peaks seen."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from bulklike.emulator.config import EmulatorConfig, WindowMode
from bulklike.emulator.quotas import QuotaBook
from bulklike.pacing.limits import Limit, parse_limit
from bulklike.x import codes as apicodes
from tests.helpers.clock import T0, FakeClock
from tests.helpers.emulator import ACCOUNTS, ALICE, BOB, CAROL, Start
from tests.helpers.examples import examples

RATE_HEADER_PREFIXES = ("x-rate-limit", "x-user-limit", "x-app-limit")


def book(*user: str, app: tuple[str, ...] = (), window: WindowMode = "rolling") -> QuotaBook:
    return QuotaBook(
        EmulatorConfig(
            user_limits=tuple(map(parse_limit, user)), app_limits=tuple(map(parse_limit, app)), window=window
        )
    )


def test_rolling_window_frees_one_slot_per_expired_request() -> None:
    quotas = book("3/60s")
    assert [quotas.admit("v1.1", "u", "a", t).admitted for t in (0, 10, 20, 30)] == [True, True, True, False]
    assert not quotas.admit("v1.1", "u", "a", 59.9).admitted
    assert quotas.admit("v1.1", "u", "a", 60.0).admitted  # the request at 0 left the window (now - 60, now]
    assert not quotas.admit("v1.1", "u", "a", 60.0).admitted
    refused = quotas.admit("v1.1", "u", "a", 65.0)
    assert refused.user[0].remaining == 0 and refused.user[0].reset == 70.0


def test_fixed_window_resets_on_epoch_multiples() -> None:
    quotas = book("3/60s", window="fixed")
    assert [quotas.admit("v1.1", "u", "a", t).admitted for t in (57, 58, 59, 59.5)] == [True, True, True, False]
    burst = [quotas.admit("v1.1", "u", "a", t) for t in (60, 61, 62, 63)]
    assert [v.admitted for v in burst] == [True, True, True, False]
    assert burst[0].user[0].reset == 120.0
    # rolling windows saw six in (3, 63]: the peak is measured however the limit is enforced
    assert quotas.max_in_window() == [
        {"api": "v1.1", "scope": "user", "limit": 3, "window_s": 60.0, "max": 6},
        {"api": "v2", "scope": "user", "limit": 3, "window_s": 60.0, "max": 0},
    ]


def test_app_limit_counts_every_user_of_the_app() -> None:
    quotas = book("10/1h", app=("3/1h",))
    assert [quotas.admit("v1.1", u, "app", 0).admitted for u in ("a", "b", "c", "d")] == [True] * 3 + [False]
    assert quotas.admit("v1.1", "e", "other-app", 0).admitted
    assert quotas.admit("v2", "d", "app", 0).admitted  # v1.1 and v2 allowances are separate


def test_defaults_follow_the_real_api_and_no_quota_turns_them_off() -> None:
    entries = QuotaBook(EmulatorConfig()).max_in_window()
    assert [(e["api"], e["scope"], e["limit"], e["window_s"]) for e in entries] == [
        ("v1.1", "user", 1000, 86400.0),
        ("v1.1", "app", 1000, 86400.0),
        ("v2", "user", 50, 900.0),
        ("v2", "user", 1000, 86400.0),
    ]
    off = QuotaBook(EmulatorConfig(quotas=False))
    assert off.max_in_window() == [] and all(off.admit("v2", "u", "a", 0).admitted for _ in range(100))


@settings(max_examples=examples(60), deadline=None)
@given(
    st.lists(st.floats(min_value=0, max_value=500, allow_nan=False), max_size=80),
    st.integers(min_value=1, max_value=5),
    st.sampled_from(["rolling", "fixed"]),
)
def test_peak_never_exceeds_the_limit_when_rolling(gaps: list[float], count: int, window: WindowMode) -> None:
    """Rolling enforcement keeps every rolling window within the count; fixed allows up to twice it."""
    quotas = QuotaBook(EmulatorConfig(user_limits=(Limit(count, 100.0),), app_limits=(), window=window))
    now, admitted = 0.0, []
    for gap in gaps:
        now += gap
        if quotas.admit("v1.1", "u", "a", now).admitted:
            admitted.append(now)
    peak = quotas.max_in_window()[0]["max"]
    brute = max((sum(1 for s in admitted if t - 100 < s <= t) for t in admitted), default=0)
    assert peak == brute
    assert peak <= (count if window == "rolling" else 2 * count)


async def test_v1_429_is_bare_and_not_counted(start: Start, clock: FakeClock) -> None:
    caller = await start(user_limits=(Limit(2, 60.0),))
    assert (await caller.v1_like("1")).status == 200
    assert (await caller.v1_unlike("1")).status == 200  # likes and unlikes share the allowance
    refused = await caller.v1_like("2")
    assert refused.status == 429 and refused.body == b""
    assert not [h for h in refused.headers if h.lower().startswith(RATE_HEADER_PREFIXES)]
    clock.advance(60)
    assert (await caller.v1_like("2")).status == 200
    stats = caller.emu.stats()
    assert stats["rate_limited"] == 1 and stats["by_status"]["429"] == 1
    assert stats["max_in_window"][0] == {"api": "v1.1", "scope": "user", "limit": 2, "window_s": 60.0, "max": 2}


async def test_v1_429_code88_style(start: Start) -> None:
    caller = await start(user_limits=(Limit(1, 60.0),), v1_429="code88")
    await caller.v1_like("1")
    refused = await caller.v1_like("2")
    assert refused.status == 429
    assert refused.json() == {"errors": [{"code": 88, "message": "Rate limit exceeded"}]}
    assert not [h for h in refused.headers if h.lower().startswith(RATE_HEADER_PREFIXES)]


async def test_v2_headers_count_down_and_429_names_both_windows(start: Start, clock: FakeClock) -> None:
    caller = await start(user_limits=(Limit(2, 900.0), Limit(3, 86400.0)))
    first = await caller.v2_like("1")
    assert first.headers[apicodes.H_LIMIT] == "2" and first.headers[apicodes.H_REMAINING] == "1"
    assert first.headers[apicodes.H_RESET] == str(math.ceil(T0 + 900))
    assert first.headers[apicodes.H_USER_24H_LIMIT] == "3"
    assert first.headers[apicodes.H_USER_24H_REMAINING] == "2"
    assert first.headers[apicodes.H_USER_24H_RESET] == str(math.ceil(T0 + 86400))
    await caller.v2_like("2")
    refused = await caller.v2_like("3")
    assert refused.status == 429
    assert refused.json() == {
        "title": "Too Many Requests",
        "detail": "Too Many Requests",
        "type": "about:blank",
        "status": 429,
    }
    assert refused.headers[apicodes.H_REMAINING] == "0"
    assert refused.headers[apicodes.H_USER_24H_REMAINING] == "1"
    clock.advance(900)  # the short window has room again; the day has one left
    assert (await caller.v2_unlike("1")).headers[apicodes.H_USER_24H_REMAINING] == "0"
    day_capped = await caller.v2_like("4")
    assert day_capped.status == 429
    assert day_capped.headers[apicodes.H_REMAINING] != "0"
    assert day_capped.headers[apicodes.H_USER_24H_REMAINING] == "0"
    assert int(day_capped.headers[apicodes.H_USER_24H_RESET]) == math.ceil(T0 + 86400)


async def test_app_quota_spans_users_of_one_app(start: Start) -> None:
    caller = await start(accounts=ACCOUNTS, user_limits=(Limit(5, 3600.0),), app_limits=(Limit(2, 3600.0),))
    assert (await caller.as_user(ALICE).v1_like("1")).status == 200
    assert (await caller.as_user(BOB).v1_like("1")).status == 200
    assert (await caller.as_user(BOB).v1_like("2")).status == 429
    assert (await caller.as_user(CAROL).v1_like("2")).status == 200  # another app
    app_peak = [e for e in caller.emu.stats()["max_in_window"] if e["api"] == "v1.1" and e["scope"] == "app"]
    assert app_peak == [{"api": "v1.1", "scope": "app", "limit": 2, "window_s": 3600.0, "max": 2}]


async def test_every_answer_after_auth_counts(start: Start) -> None:
    caller = await start(user_limits=(Limit(3, 60.0),), missing_rate=1.0)
    assert (await caller.v1_like("1")).status == 404
    assert (await caller.v1_unlike("1")).status == 404
    assert (await caller.v1_like("2", sign={"consumer_secret": "wrong"})).status == 401  # not counted
    assert (await caller.v1_like("3")).status == 404
    assert (await caller.v1_like("4")).status == 429


async def test_no_quota_serves_past_the_defaults(start: Start) -> None:
    caller = await start(quotas=False)
    answers = [await caller.v2_like(str(i)) for i in range(55)]
    assert all(a.status == 200 for a in answers)
    assert apicodes.H_LIMIT not in answers[0].headers
    assert caller.emu.stats()["max_in_window"] == []
