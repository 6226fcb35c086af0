"""The one ID rule: every place that checks a tweet or user ID (the parsers' fast and slow paths, the
client before a URL, the emulator's accounts and routes) agrees with ``bulklike.snowflake``."""

from __future__ import annotations

import io

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bulklike.credentials import Credentials
from bulklike.emulator.tweets import created_at_for, is_valid_id
from bulklike.errors import ConfigError
from bulklike.input.feed import parse_item
from bulklike.input.ids import InvalidTweetRef, parse_tweet_ref
from bulklike.input.lines import ParsedId
from bulklike.input.readers import read_records
from bulklike.snowflake import FIRST_SNOWFLAKE, MAX_DIGITS, MAX_ID, created_at, fits, id_at, is_id
from bulklike.x.client import XClient
from bulklike.x.signing import OAuth1Signer

EDGES = {
    "1": True,
    "20": True,
    str(MAX_ID): True,
    str(MAX_ID - 1): True,
    str(MAX_ID + 1): False,
    "9" * MAX_DIGITS: False,
    "1" * (MAX_DIGITS + 1): False,
    "0": False,
    "07": False,
    "": False,
    "-5": False,
    "+5": False,
    "1e3": False,
    "١٢٣": False,  # Arabic-Indic digits: isdigit() but not ASCII
    "１２": False,  # full-width digits
    "12 ": False,
}
CREDS = Credentials(consumer_key="k", consumer_secret="s", access_token="t", access_token_secret="ts")


def _parsed(text: str) -> bool:
    try:
        return parse_tweet_ref(text) == text
    except InvalidTweetRef:
        return False


def _read(text: str) -> bool:
    records = list(read_records(io.BytesIO(text.encode() + b"\n"), name="t", fmt="text"))
    return records == [ParsedId(text, "t:1")]


def _client_takes(text: str) -> bool:
    client = XClient(base_url="https://api.x.com", api="v2", signer=OAuth1Signer(CREDS))
    try:
        client.user_id = text
    except ConfigError:
        return False
    return True


def _agree(text: str) -> None:
    expected = is_id(text)
    assert _parsed(text) is expected
    assert (parse_item(text, 1) == ParsedId(text, "<python>:1")) is expected
    assert _read(text) is expected
    assert _client_takes(text) is expected
    if expected:  # the emulator also tolerates leading zeros (X does), so only one direction
        assert is_valid_id(text) and is_valid_id("0" + text) is (len(text) < MAX_DIGITS)


@pytest.mark.parametrize(("text", "valid"), EDGES.items())
def test_the_edges(text: str, valid: bool) -> None:
    assert is_id(text) is valid
    _agree(text)


def test_the_emulator_refuses_what_is_no_snowflake() -> None:
    assert not is_valid_id(str(MAX_ID + 1))
    assert not is_valid_id("")
    assert not is_valid_id("1" * (MAX_DIGITS + 1))
    assert is_valid_id("0077")


@given(st.integers(min_value=0, max_value=2**64))
def test_numbers(n: int) -> None:
    assert is_id(str(n)) is (0 < n <= MAX_ID)
    assert fits(str(n)) is (n <= MAX_ID)
    _agree(str(n))


@given(st.text(alphabet="0123456789 +-x", max_size=MAX_DIGITS + 2))
def test_strings(text: str) -> None:
    _agree(text)


@given(st.integers(min_value=1, max_value=MAX_ID))
def test_one_clock_in_the_ids(n: int) -> None:
    """The emulator dates a tweet as ``unlike --before/--after`` does, wherever the ID is a snowflake."""
    made = created_at(n)
    assert (made is None) is (n < FIRST_SNOWFLAKE)
    if made is not None:
        assert created_at_for(n) == made
        assert created_at(id_at(int(made * 1000), n)) == made
