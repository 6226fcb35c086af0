"""Parse one tweet reference (a decimal ID or a status URL) into its canonical decimal ID.

Pure string logic, no I/O. The rules are strict on purpose: a value we are unsure of is reported
back to the user with a reason, never guessed at, because a wrong guess likes the wrong tweet.
"""

from __future__ import annotations

import re

from bulklike.snowflake import MAX_ID, fits

__all__ = ["MAX_TWEET_ID", "InvalidTweetRef", "parse_tweet_ref"]

MAX_TWEET_ID = MAX_ID
"""Tweet IDs are signed 64-bit snowflakes (``bulklike.snowflake``); anything larger cannot be one."""

_HOSTS = frozenset({"twitter.com", "www.twitter.com", "mobile.twitter.com", "x.com", "www.x.com", "mobile.x.com"})

# Always matches: authority stops at the first "/", "?" or "#"; the path runs to "?" or "#".
_URL = re.compile(
    r"(?:(?P<scheme>[A-Za-z][A-Za-z0-9+.\-]*)://)?(?P<authority>[^/?#]*)(?P<path>[^?#]*)(?:[?#].*)?",
    re.DOTALL,
)
# A scheme without "//" ("javascript:", "mailto:"), told apart from "x.com:8080/...".
_BARE_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:(?!\d*(?:[/?#]|$))")
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)
# The usual status URL, checked in one go; whatever it does not match gets the full diagnosis.
# It must accept nothing that _parse_url refuses (a property test holds the two together).
_PLAIN_STATUS_URL = re.compile(
    r"(?:https?://)?(?:(?:www|mobile)\.)?(?:twitter|x)\.com"
    r"/(?:[A-Za-z0-9_]{1,50}/status(?:es)?|i/web/status|statuses)/([1-9][0-9]{0,18})(?:[/?#][!-~]*)?"
)
_USER = re.compile(r"[A-Za-z0-9_]{1,50}", re.ASCII)

NOT_A_REF = "not a tweet ID or status URL"


class InvalidTweetRef(ValueError):
    """A value that is not a tweet ID or status URL; ``reason`` says why in a few words."""

    reason: str

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def parse_tweet_ref(text: str) -> str:
    """Return the canonical decimal ID of ``text`` (an ID or a status URL), else raise InvalidTweetRef."""
    value = text.strip()
    if value.isascii() and value.isdigit():  # the common case first: a plain ID
        return _check_digits(value)
    match = _PLAIN_STATUS_URL.fullmatch(value)
    if match is not None:
        return _check_digits(match[1])
    if not value:
        raise InvalidTweetRef("empty value")
    if value.isdigit():
        raise InvalidTweetRef("ID has non-ASCII digits")
    if _NUMBER.fullmatch(value):
        if value[0] == "-" and value[1:].isdigit():
            raise InvalidTweetRef("ID is negative")
        if value[0] == "+" and value[1:].isdigit():
            raise InvalidTweetRef("ID has a sign")
        raise InvalidTweetRef("ID is not an integer")
    return _parse_url(value)


def _check_digits(digits: str) -> str:
    """Validate a string of ASCII digits as an ID; it is returned as is, being already canonical."""
    if digits[0] == "0":
        raise InvalidTweetRef("ID is zero" if digits.count("0") == len(digits) else "ID has a leading zero")
    if not fits(digits):
        raise InvalidTweetRef("ID exceeds 2^63-1")
    return digits


def _parse_url(value: str) -> str:
    """Accept only status URLs on X's own hosts; each refusal names the part that is wrong."""
    if " " in value or not value.isprintable():
        raise InvalidTweetRef(NOT_A_REF)
    match = _URL.fullmatch(value)
    assert match is not None  # the pattern matches every string
    scheme, authority, path = match["scheme"], match["authority"], match["path"]
    if scheme is None and _BARE_SCHEME.match(value):
        raise InvalidTweetRef("scheme is not http or https")
    if scheme is not None and scheme.lower() not in ("http", "https"):
        raise InvalidTweetRef("scheme is not http or https")
    if "@" in authority:
        raise InvalidTweetRef("URL has a user name (user@host)")
    host, colon, port = authority.partition(":")
    if colon:
        raise InvalidTweetRef("URL has a port" if port.isascii() and port.isdigit() else NOT_A_REF)
    if not host:
        raise InvalidTweetRef(NOT_A_REF)
    if not host.isascii() or host.lower() not in _HOSTS:
        # Without a scheme or a path, "hello" is just a word, not a host on the wrong site.
        raise InvalidTweetRef("host is not twitter.com or x.com" if scheme or path else NOT_A_REF)
    id_part = _status_id(path.split("/"))
    if id_part is None:
        raise InvalidTweetRef("URL is not a tweet status link")
    if not (id_part.isascii() and id_part.isdigit()):
        raise InvalidTweetRef("ID has non-ASCII digits" if id_part.isdigit() else "status ID is not a number")
    return _check_digits(id_part)


def _status_id(parts: list[str]) -> str | None:
    """The ID segment of a status path split on "/" (``parts[0]`` is empty), or None for other paths.

    Accepted: /<user>/status/<id>, /<user>/statuses/<id>, /i/web/status/<id>, /statuses/<id>,
    each optionally followed by more path (/photo/1, /analytics).
    """
    keywords = [part.lower() for part in parts[1:4]]
    if len(parts) >= 4 and keywords[1] in ("status", "statuses") and _USER.fullmatch(parts[1]):
        return parts[3]
    if len(parts) >= 3 and keywords[0] == "statuses":
        return parts[2]
    if len(parts) >= 5 and keywords == ["i", "web", "status"]:
        return parts[4]
    return None
