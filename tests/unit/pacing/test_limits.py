"""parse_limit and Limit: the COUNT/WINDOW vocabulary shared by the pacer, the config and the emulator."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bulklike.pacing.limits import (
    V1_APP_LIMITS,
    V1_USER_LIMITS,
    V2_APP_LIMITS,
    V2_USER_LIMITS,
    Limit,
    default_limits,
    format_window,
    parse_limit,
)
from tests.helpers.examples import examples


@pytest.mark.parametrize(
    ("text", "count", "window"),
    [
        ("50/15m", 50, 900.0),
        ("1000/24h", 1000, 86400.0),
        ("20/4s", 20, 4.0),
        ("5/1d", 5, 86400.0),
        ("3/2d", 3, 172800.0),
        ("1/1s", 1, 1.0),
        # a bare unit means one of it
        ("100/h", 100, 3600.0),
        ("7/m", 7, 60.0),
        ("2/s", 2, 1.0),
        ("9/d", 9, 86400.0),
        # decimals
        ("10/1.5m", 10, 90.0),
        ("10/0.5h", 10, 1800.0),
        ("4/2.5s", 4, 2.5),
        ("4/0.25d", 4, 21600.0),
        ("4/1.1h", 4, 3960.0),
        ("4/0.7d", 4, 60480.0),
        # whitespace anywhere between the parts
        ("  50 / 15 m  ", 50, 900.0),
        ("\t50/15m\n", 50, 900.0),
        ("50/ 15m", 50, 900.0),
        ("007/010s", 7, 10.0),
    ],
)
def test_parse_valid(text: str, count: int, window: float) -> None:
    limit = parse_limit(text)
    assert limit == Limit(count, window)
    assert isinstance(limit.count, int)


@pytest.mark.parametrize(
    "text",
    [
        "0/15m",
        "0/h",
        "5/0s",
        "5/0m",
        "5/0.0h",
        "5/0.000d",  # zero count or window
        "-5/15m",
        "5/-15m",
        "5/-1s",
        "-0/1s",  # negatives
        "",
        " ",
        "abc",
        "50",
        "50/",
        "/15m",
        "50/15",
        "50/15x",
        "50/15 minutes",
        "50/15mm",
        "50//15m",
        "50/15m/2",
        "5.5/1m",
        "5/.5m",
        "5/1.m",
        "5/1e3s",
        "5/inf s",
        "5/nans",
        "fifty/15m",
        "50 15m",
        "50/15m extra",
        "1_000/24h",
        "+5/1m",
        "5/+1m",
        "0x10/1m",
    ],
)
def test_parse_rejects(text: str) -> None:
    with pytest.raises(ValueError) as info:
        parse_limit(text)
    assert "invalid limit" in str(info.value)
    assert repr(text) in str(info.value)  # the message names the bad text for the user


def test_zero_message_says_positive() -> None:
    with pytest.raises(ValueError, match="positive"):
        parse_limit("0/15m")
    with pytest.raises(ValueError, match="positive"):
        parse_limit("5/0s")


@pytest.mark.parametrize(
    ("limit", "text"),
    [
        (Limit(50, 900.0), "50/15m"),
        (Limit(1000, 86400.0), "1000/24h"),
        (Limit(5, 172800.0), "5/2d"),
        (Limit(100, 3600.0), "100/1h"),
        (Limit(20, 4.0), "20/4s"),
        (Limit(3, 90.0), "3/90s"),
        (Limit(3, 2.5), "3/2.5s"),
        (Limit(3, 7200.0), "3/2h"),
        (Limit(3, 1066176.0), "3/1066176s"),  # no exponent notation: 12.34d
    ],
)
def test_str(limit: Limit, text: str) -> None:
    assert str(limit) == text
    assert parse_limit(text) == limit


def test_format_window_prefers_24h_over_1d() -> None:
    assert format_window(86400.0) == "24h"
    assert format_window(3 * 86400.0) == "3d"
    assert format_window(60.0) == "1m"
    assert format_window(59.0) == "59s"


def test_interval() -> None:
    assert Limit(50, 900.0).interval_s == 18.0
    assert Limit(1000, 86400.0).interval_s == pytest.approx(86.4)


def test_defaults() -> None:
    assert default_limits("v2") == (V2_USER_LIMITS, V2_APP_LIMITS)
    assert default_limits("v1.1") == (V1_USER_LIMITS, V1_APP_LIMITS)
    assert set(V2_USER_LIMITS) == {parse_limit("50/15m"), parse_limit("1000/24h")}
    assert V1_USER_LIMITS == (parse_limit("1000/24h"),) == V1_APP_LIMITS
    assert V2_APP_LIMITS == ()


_amounts = st.one_of(
    st.integers(1, 10_000_000).map(str),
    st.builds(lambda i, d: f"{i}.{d}", st.integers(0, 100_000), st.integers(1, 999_999).map(lambda d: f"{d:06d}")),
    st.just(""),
)


@settings(max_examples=examples(200), deadline=None)
@given(
    count=st.integers(1, 10**9),
    amount=_amounts,
    unit=st.sampled_from("smhd"),
    spaces=st.sampled_from(["", " ", "  \t"]),
)
def test_str_round_trips(count: int, amount: str, unit: str, spaces: str) -> None:
    """Whatever parses prints as text that parses back to the same limit, with no exponent."""
    try:
        limit = parse_limit(f"{spaces}{count}{spaces}/{spaces}{amount}{spaces}{unit}{spaces}")
    except ValueError:
        # only an amount that is zero at the resolution kept (a microsecond) may be refused
        assert amount and float(amount) * {"s": 1, "m": 60, "h": 3600, "d": 86400}[unit] < 1e-6
        return
    text = str(limit)
    assert "e" not in text.split("/")[1]
    assert parse_limit(text) == limit
    assert str(parse_limit(text)) == text
    assert limit.count == count
    expected = (float(amount) if amount else 1.0) * {"s": 1, "m": 60, "h": 3600, "d": 86400}[unit]
    assert limit.window_s == pytest.approx(expected, rel=1e-12, abs=1e-6)
