"""parse_tweet_ref: every accepted and refused form, and properties over the whole ID range."""

from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from bulklike.input import ids
from bulklike.input.ids import MAX_TWEET_ID, InvalidTweetRef, parse_tweet_ref

HOST = "host is not twitter.com or x.com"
SCHEME = "scheme is not http or https"
NOT_STATUS = "URL is not a tweet status link"
NOT_REF = ids.NOT_A_REF

ACCEPTED = [
    ("1", "1"),
    ("20", "20"),
    ("1234567890123456789", "1234567890123456789"),
    ("9223372036854775807", "9223372036854775807"),
    ("  42\t", "42"),
    ("\u00a042\u3000", "42"),  # Unicode spaces around are still just spaces
    ("https://twitter.com/jack/status/20", "20"),
    ("http://twitter.com/jack/status/20", "20"),
    ("twitter.com/jack/status/20", "20"),
    ("https://www.twitter.com/jack/status/20", "20"),
    ("https://mobile.twitter.com/jack/status/20", "20"),
    ("https://x.com/jack/status/20", "20"),
    ("https://www.x.com/jack/status/20", "20"),
    ("https://mobile.x.com/jack/status/20", "20"),
    ("x.com/jack/status/20", "20"),
    ("HTTPS://X.COM/jack/status/20", "20"),
    ("https://Twitter.Com/jack/Status/20", "20"),
    ("https://twitter.com/jack/statuses/20", "20"),
    ("https://twitter.com/i/web/status/20", "20"),
    ("https://x.com/i/status/20", "20"),
    ("https://twitter.com/statuses/20", "20"),
    ("https://x.com/statuses/status/20", "20"),  # a user called "statuses"
    ("https://x.com/jack/status/20/", "20"),
    ("https://x.com/jack/status/20/photo/1", "20"),
    ("https://x.com/jack/status/20/video/1", "20"),
    ("https://x.com/jack/status/20/analytics", "20"),
    ("https://x.com/jack/status/20?s=20&t=AbC-12", "20"),
    ("https://x.com/jack/status/20#reply", "20"),
    ("https://x.com/jack/status/20?s=20#m", "20"),
    ("https://x.com/Jack_Dorsey_99/status/9223372036854775807", "9223372036854775807"),
    (" https://x.com/jack/status/20 ", "20"),
]

REJECTED = [
    ("", "empty value"),
    ("   ", "empty value"),
    ("0", "ID is zero"),
    ("0000", "ID is zero"),
    ("0123", "ID has a leading zero"),
    ("00000000000000000001", "ID has a leading zero"),
    ("-5", "ID is negative"),
    ("-0", "ID is negative"),
    ("+5", "ID has a sign"),
    ("12345678901234567890", "ID exceeds 2^63-1"),
    ("9223372036854775808", "ID exceeds 2^63-1"),
    ("99999999999999999999999999", "ID exceeds 2^63-1"),
    ("1.5", "ID is not an integer"),
    ("123.0", "ID is not an integer"),
    ("123.", "ID is not an integer"),
    (".5", "ID is not an integer"),
    ("1e18", "ID is not an integer"),
    ("1.2E+18", "ID is not an integer"),
    ("-1e5", "ID is not an integer"),
    ("\u0661\u0662\u0663", "ID has non-ASCII digits"),  # Arabic-Indic
    ("\uff11\uff12\uff13", "ID has non-ASCII digits"),  # fullwidth
    ("\u0967\u0968", "ID has non-ASCII digits"),  # Devanagari
    ("12\uff13", "ID has non-ASCII digits"),
    ("hello", NOT_REF),
    ("123abc", NOT_REF),
    ("12 34", NOT_REF),
    ("1_000", NOT_REF),
    ("0x1F", NOT_REF),
    ("123\x00", NOT_REF),
    ("\u202e123", NOT_REF),  # right-to-left override
    ("123\u200b", NOT_REF),  # zero-width space
    ("x.com", NOT_STATUS),
    ("//x.com/jack/status/20", NOT_REF),
    ("https://x.com/jack/status/20 and more", NOT_REF),
    ("https://twitter.com.evil.com/jack/status/20", HOST),
    ("https://x.com.evil.com/jack/status/20", HOST),
    ("https://evil-twitter.com/jack/status/20", HOST),
    ("https://xtwitter.com/jack/status/20", HOST),
    ("https://twitter.co/jack/status/20", HOST),
    ("https://x.co/jack/status/20", HOST),
    ("https://api.twitter.com/jack/status/20", HOST),
    ("https://x.com./jack/status/20", HOST),
    ("https://www.mobile.x.com/jack/status/20", HOST),
    ("https://\u0445.com/jack/status/20", HOST),  # Cyrillic ha
    ("evil.com/jack/status/20", HOST),
    ("https:///jack/status/20", NOT_REF),
    ("ftp://x.com/jack/status/20", SCHEME),
    ("javascript:alert(1)", SCHEME),
    ("javascript://x.com/jack/status/20", SCHEME),
    ("file:///etc/passwd", SCHEME),
    ("https://x.com@evil.com/jack/status/20", "URL has a user name (user@host)"),
    ("https://jack@x.com/jack/status/20", "URL has a user name (user@host)"),
    ("https://x.com:443/jack/status/20", "URL has a port"),
    ("x.com:8080/jack/status/20", "URL has a port"),
    ("https://x.com:/jack/status/20", NOT_REF),
    ("https://x.com", NOT_STATUS),
    ("https://x.com/", NOT_STATUS),
    ("https://x.com/jack", NOT_STATUS),
    ("https://x.com/jack/likes", NOT_STATUS),
    ("https://x.com/#!/jack/status/20", NOT_STATUS),
    ("https://x.com/jack-d/status/20", NOT_STATUS),
    ("https://x.com/i/web/20", NOT_STATUS),
    ("https://x.com/jack/status/abc", "status ID is not a number"),
    ("https://x.com/jack/status/", "status ID is not a number"),
    ("https://x.com/jack/status/-20", "status ID is not a number"),
    ("https://x.com/jack/status/1e18", "status ID is not a number"),
    ("https://x.com/jack/status/0123", "ID has a leading zero"),
    ("https://x.com/jack/status/0", "ID is zero"),
    ("https://x.com/jack/status/9223372036854775808", "ID exceeds 2^63-1"),
    ("https://x.com/jack/status/12345678901234567890", "ID exceeds 2^63-1"),
    ("https://x.com/jack/status/\u0661\u0662", "ID has non-ASCII digits"),
]


@pytest.mark.parametrize(("text", "expected"), ACCEPTED, ids=[a for a, _ in ACCEPTED])
def test_accepted(text: str, expected: str) -> None:
    assert parse_tweet_ref(text) == expected


@pytest.mark.parametrize(("text", "reason"), REJECTED, ids=[repr(r) for r, _ in REJECTED])
def test_rejected_with_reason(text: str, reason: str) -> None:
    with pytest.raises(InvalidTweetRef) as caught:
        parse_tweet_ref(text)
    assert caught.value.reason == reason
    assert str(caught.value) == reason


def test_invalid_tweet_ref_is_a_value_error() -> None:
    assert issubclass(InvalidTweetRef, ValueError)
    assert MAX_TWEET_ID == 9223372036854775807


tweet_ids = st.integers(min_value=1, max_value=MAX_TWEET_ID)
users = st.from_regex(r"[A-Za-z0-9_]{1,15}", fullmatch=True)
hosts = st.sampled_from(sorted(ids._HOSTS)).flatmap(lambda host: st.sampled_from([host, host.upper(), host.title()]))
schemes = st.sampled_from(["https://", "http://", "", "HTTPS://", "Http://"])
suffixes = st.sampled_from(["", "/", "/photo/1", "/video/1", "/analytics", "?s=20", "#m", "?s=20&t=x#y"])
shapes = st.sampled_from(["/{user}/status/{id}", "/{user}/statuses/{id}", "/i/web/status/{id}", "/statuses/{id}"])


@given(tweet_ids, st.sampled_from(["", " ", "\t", "\r\n"]))
def test_every_id_round_trips(number: int, space: str) -> None:
    assert parse_tweet_ref(f"{space}{number}{space}") == str(number)


@given(tweet_ids, schemes, hosts, shapes, users, suffixes)
def test_every_id_round_trips_in_every_url_shape(
    number: int, scheme: str, host: str, shape: str, user: str, suffix: str
) -> None:
    url = scheme + host + shape.format(user=user, id=number) + suffix
    assert parse_tweet_ref(url) == str(number)


@given(st.integers(min_value=MAX_TWEET_ID + 1), schemes, shapes)
def test_ids_above_the_maximum_are_refused_everywhere(number: int, scheme: str, shape: str) -> None:
    for text in (str(number), scheme + "x.com" + shape.format(user="u", id=number)):
        with pytest.raises(InvalidTweetRef, match="exceeds 2"):
            parse_tweet_ref(text)


@given(st.text())
@example("https://x.com/a/status/1\x00")
@example("x.com/a/status/１")
def test_any_text_gives_a_canonical_id_or_invalid_tweet_ref(text: str) -> None:
    try:
        result = parse_tweet_ref(text)
    except InvalidTweetRef as exc:
        assert exc.reason and "\n" not in exc.reason
    else:
        assert result.isascii() and result.isdigit()
        assert 1 <= int(result) <= MAX_TWEET_ID and str(int(result)) == result


def _outcome(parse: object, text: str) -> str:
    assert callable(parse)
    try:
        return str(parse(text))
    except InvalidTweetRef as exc:
        return "invalid: " + exc.reason


@given(st.from_regex(ids._PLAIN_STATUS_URL, fullmatch=True))
@example("https://x.com/statuses/status/5")
@example("x.com/statuses/9223372036854775808")
def test_fast_url_path_agrees_with_the_full_parser(text: str) -> None:
    """The precompiled fast path must accept nothing the step-by-step parser refuses."""
    assert _outcome(parse_tweet_ref, text) == _outcome(ids._parse_url, text)
