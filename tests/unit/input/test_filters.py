"""What ``unlike`` leaves alone: an ID's creation time (against tweets with documented times, and the
boundary of 2010-11-04 before which IDs carry none), the date filters, and keep-lists in any format."""

from __future__ import annotations

import datetime as dt
import io
import json
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bulklike.errors import ConfigError, InputError
from bulklike.input.filters import (
    REASON_KEEP,
    REASON_NOT_AFTER,
    REASON_NOT_BEFORE,
    REASON_UNKNOWN,
    Filters,
    keep_refs,
    parse_date,
    read_id_file,
    to_epoch,
)
from bulklike.snowflake import FIRST_SNOWFLAKE, TWEPOCH_S, created_at
from tests.helpers.archive_files import full_archive

KNOWN = json.loads((Path(__file__).parents[2] / "data" / "known_tweets.json").read_text())["tweets"]
LAST_SEQUENTIAL = 29_700_000_000  # the sequential IDs ended near here, on 2010-11-04


def _x_time(text: str) -> float:
    """``Thu Nov 08 02:31:41 +0000 2012`` (X's created_at) as epoch seconds."""
    day, month, date, clock, zone, year = text.split()
    return parsedate_to_datetime(f"{day}, {date} {month} {year} {clock} {zone}").timestamp()


@pytest.mark.parametrize("tweet", [t for t in KNOWN if int(t["id"]) >= FIRST_SNOWFLAKE], ids=lambda t: t["id"])
def test_snowflake_ids_decode_to_their_documented_creation_time(tweet: dict[str, str]) -> None:
    at = created_at(tweet["id"])
    assert at is not None
    assert int(at) == _x_time(tweet["created_at"])  # created_at has whole seconds; the ID has milliseconds


@pytest.mark.parametrize("tweet", [t for t in KNOWN if int(t["id"]) < FIRST_SNOWFLAKE], ids=lambda t: t["id"])
def test_ids_from_before_snowflake_carry_no_time(tweet: dict[str, str]) -> None:
    assert created_at(tweet["id"]) is None
    assert _x_time(tweet["created_at"]) < TWEPOCH_S  # and all were made before the epoch


def test_the_boundary_of_2010_11_04() -> None:
    assert created_at(str(LAST_SEQUENTIAL)) is None and created_at(FIRST_SNOWFLAKE - 1) is None
    first = created_at(FIRST_SNOWFLAKE)
    assert first is not None and TWEPOCH_S < first < TWEPOCH_S + 10  # seconds after 2010-11-04T01:42:54.657Z
    assert dt.datetime.fromtimestamp(TWEPOCH_S, dt.UTC).isoformat() == "2010-11-04T01:42:54.657000+00:00"


OLD = "145344012"  # 2007, sequential
EPOCH_DAY = parse_date("2010-11-05", "--before")  # after X's epoch
EARLY = parse_date("2009-01-01", "--before")  # before it


@pytest.mark.parametrize(
    ("filters", "reason"),
    [
        (Filters(before=EPOCH_DAY), None),  # created before 2010-11-04 is before every later date
        (Filters(after=EPOCH_DAY), REASON_NOT_AFTER),  # and never after one
        (Filters(before=EARLY), REASON_UNKNOWN),  # against an earlier date its time is unknown: left alone
        (Filters(after=EARLY), REASON_UNKNOWN),
        (Filters(keep=frozenset({145344012}), before=EPOCH_DAY), REASON_KEEP),
        (Filters(), None),
    ],
)
def test_what_happens_to_ids_from_before_snowflake(filters: Filters, reason: str | None) -> None:
    assert filters.reason(OLD) == reason


def test_before_is_strict_and_after_inclusive() -> None:
    tweet = "266367358078169089"  # 2012-11-08T02:31:41.689Z
    at = created_at(tweet)
    assert at is not None
    assert Filters(before=at).reason(tweet) == REASON_NOT_BEFORE
    assert Filters(before=at + 0.001).reason(tweet) is None
    assert Filters(after=at).reason(tweet) is None
    assert Filters(after=at + 0.001).reason(tweet) == REASON_NOT_AFTER


@given(st.integers(min_value=FIRST_SNOWFLAKE, max_value=2**63 - 1), st.floats(TWEPOCH_S, 2e9))
def test_before_and_after_one_date_split_every_snowflake_id(number: int, when: float) -> None:
    tweet = str(number)
    reasons = {Filters(before=when).reason(tweet), Filters(after=when).reason(tweet)}
    assert None in reasons and len(reasons) == 2  # exactly one of the two unlikes it


def test_dates() -> None:
    assert parse_date("2020-01-01", "--before") == dt.datetime(2020, 1, 1, tzinfo=dt.UTC).timestamp()
    assert parse_date("2020-01-01T01:00+01:00", "--after") == dt.datetime(2020, 1, 1, tzinfo=dt.UTC).timestamp()
    assert parse_date("2020-01-01T00:00:00Z", "--after") == parse_date("2020-01-01", "--after")
    with pytest.raises(ConfigError, match="--before 'last week': not a date"):
        parse_date("last week", "--before")
    assert to_epoch(dt.datetime(2020, 1, 1), "before") == parse_date("2020-01-01", "x")
    assert to_epoch("2020-01-01", "before") == to_epoch(1577836800, "before") == 1577836800.0


def test_keep_lists_in_any_format(tmp_path: Path) -> None:
    ids = ["1850000000000000001", "1850000000000000002"]
    text = tmp_path / "keep.txt"
    text.write_text(f"# mine\n{ids[0]}\nhttps://x.com/a/status/{ids[1]}/photo/1\n")
    csv = tmp_path / "keep.csv"
    csv.write_text("tweet_id,note\n" + "\n".join(f"{i},x" for i in ids) + "\n")
    archive = tmp_path / "old-archive.zip"
    archive.write_bytes(full_archive([ids[:1], ids[1:]], ["1"], ["2"]))
    expected = frozenset(map(int, ids))
    for path in (text, csv, archive):
        assert read_id_file(str(path), io.BytesIO()) == expected
    assert keep_refs([ids[0], f"twitter.com/a/status/{ids[1]}"]) == expected


def test_a_keep_list_with_a_line_that_is_no_id_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "keep.txt"
    path.write_text("1850000000000000001\n1850000000000000002x\n")
    with pytest.raises(InputError, match=r"--keep .*keep.txt:2: .*fix the file"):
        read_id_file(str(path), io.BytesIO())
    with pytest.raises(ValueError, match="keep: 'nope'"):
        keep_refs(["nope"])
    with pytest.raises(InputError, match="no such file"):
        read_id_file(str(tmp_path / "missing.txt"), io.BytesIO())
