"""Python feeds: each item of an iterable as an ID, a URL, or an invalid record (never an exception)."""

from __future__ import annotations

import pytest

from bulklike.input.feed import Feed, parse_item
from bulklike.input.lines import InvalidLine, ParsedId


@pytest.mark.parametrize(
    ("item", "tweet_id"),
    [
        ("1850000000000000001", "1850000000000000001"),
        ("9223372036854775807", "9223372036854775807"),
        (" 12 ", "12"),
        (12, "12"),
        ("https://x.com/someone/status/5/photo/1", "5"),
    ],
)
def test_ids_and_urls(item: object, tweet_id: str) -> None:
    assert parse_item(item, 3) == ParsedId(tweet_id, "<python>:3")


@pytest.mark.parametrize(
    ("item", "reason"),
    [
        ("0123", "leading zero"),
        ("٣٣", "non-ASCII"),
        ("9223372036854775808", "exceeds"),
        ("", "empty"),
        (None, "not a string"),
        (True, "not a string"),
        (b"123", "not a string"),
    ],
)
def test_anything_else_is_an_invalid_record(item: object, reason: str) -> None:
    record = parse_item(item, 7)
    assert isinstance(record, InvalidLine) and reason in record.reason and record.source == "<python>:7"


def test_one_string_is_refused_as_a_feed() -> None:
    with pytest.raises(TypeError, match="not one string"):
        Feed("1850000000000000001")
    with pytest.raises(TypeError, match="iterable"):
        Feed(42)  # type: ignore[arg-type]
