"""Which tweets exist, and what they look like: pure functions of (seed, tweet id).

Every valid ID exists except seeded fractions that are missing, protected or whose author blocked
the caller. Hashing (seed, id) rather than drawing from a random stream makes the fate of an ID the
same on every run and in every order, so a client test can predict it.
"""

from __future__ import annotations

import enum
import hashlib
import json
import time
from functools import lru_cache
from typing import Any, Final

from bulklike.snowflake import MAX_DIGITS, created_at, fits

_DAYS: Final = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS: Final = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
#: Sequential IDs before snowflake, as (id, epoch seconds): tweet 20 (March 2006), two recorded
#: tweets (tests/data/cassettes), and the last one before snowflake (November 2010).
_SEQUENTIAL: Final = ((20, 1142974214), (145344012, 1184186921), (4901062372, 1255648136), (29_700_000_000, 1288834974))
_AUTHORS: Final = 97  # distinct synthetic authors; prime so consecutive IDs spread over them
_WORDS: Final = (
    "just setting up my twttr working on the new release coffee first then code "
    "shipping today thanks everyone for the kind words what a day at the conference "
    "reading about rate limits again the sunset over the bay looks amazing tonight"
).split()
SOURCE_HTML: Final = '<a href="https://mobile.twitter.com" rel="nofollow">Twitter Web App</a>'


class Fate(enum.Enum):
    EXISTS = "exists"
    MISSING = "missing"  # deleted or never existed: v1.1 144, v2 400 invalid-request
    PROTECTED = "protected"  # author's tweets are protected: 179
    BLOCKED = "blocked"  # the author blocked the caller: 136


def unit_hash(*parts: object) -> float:
    """A uniform number in [0, 1) fixed by ``parts``: the emulator's only source of "randomness"."""
    data = ":".join(map(str, parts)).encode()
    return int.from_bytes(hashlib.blake2b(data, digest_size=8).digest(), "big") / 2.0**64


def is_valid_id(text: str) -> bool:
    """An ID as X takes it: 1 to 19 decimal digits, at most 2^63-1; leading zeros are tolerated
    (``0077`` is tweet 77)."""
    return 0 < len(text) <= MAX_DIGITS and text.isascii() and text.isdigit() and fits(text.lstrip("0"))


def fate(seed: int, tweet_id: str, missing: float, protected: float, blocked: float) -> Fate:
    """The fate of one tweet; rates are disjoint slices of [0, 1) so they never overlap."""
    if missing == protected == blocked == 0.0:
        return Fate.EXISTS
    u = unit_hash(seed, "fate", tweet_id)
    if u < missing:
        return Fate.MISSING
    if u < missing + protected:
        return Fate.PROTECTED
    if u < missing + protected + blocked:
        return Fate.BLOCKED
    return Fate.EXISTS


def format_created_at(epoch_s: float) -> str:
    """X's v1.1 date format, ``Wed Oct 10 20:19:24 +0000 2018``, independent of the locale."""
    t = time.gmtime(epoch_s)
    return (
        f"{_DAYS[t.tm_wday]} {_MONTHS[t.tm_mon - 1]} {t.tm_mday:02d} "
        f"{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d} +0000 {t.tm_year}"
    )


def created_at_for(tweet_id: int) -> float:
    """When a tweet was created: decoded from a snowflake ID, interpolated for older ones."""
    made = created_at(tweet_id)
    if made is not None:
        return made
    for (id0, t0), (id1, t1) in zip(_SEQUENTIAL, _SEQUENTIAL[1:], strict=False):
        if tweet_id <= id1:
            return t0 + (t1 - t0) * max(tweet_id - id0, 0) / (id1 - id0)
    return float(_SEQUENTIAL[-1][1])


@lru_cache(maxsize=_AUTHORS)
def author(index: int) -> dict[str, Any]:
    """A synthetic v1.1 user object; cached, since a tweet's author is one of a few."""
    user_id = 10_000_000 + index * 7_919
    name = f"author{index:02d}"
    return {
        "id": user_id,
        "id_str": str(user_id),
        "name": f"Emulated Author {index}",
        "screen_name": name,
        "location": "",
        "description": "A synthetic account served by the bulklike emulator.",
        "url": None,
        "entities": {"description": {"urls": []}},
        "protected": False,
        "followers_count": 100 + index * 37,
        "friends_count": 50 + index,
        "listed_count": index,
        "created_at": format_created_at(1_200_000_000 + index * 86_400),
        "favourites_count": index * 11,
        "utc_offset": None,
        "time_zone": None,
        "geo_enabled": False,
        "verified": False,
        "statuses_count": 1000 + index * 13,
        "lang": None,
        "contributors_enabled": False,
        "is_translator": False,
        "is_translation_enabled": False,
        "profile_background_color": "F5F8FA",
        "profile_image_url_https": "https://abs.twimg.com/sticky/default_profile_images/default_profile_normal.png",
        "profile_link_color": "1DA1F2",
        "profile_use_background_image": True,
        "has_extended_profile": False,
        "default_profile": True,
        "default_profile_image": True,
        "following": False,
        "follow_request_sent": False,
        "notifications": False,
        "translator_type": "none",
    }


def tweet_object(tweet_id: str, *, favorited: bool, favorite_count: int) -> dict[str, Any]:
    """A v1.1 tweet object with the keys, order and types of the recorded answers."""
    number = int(tweet_id)
    seed = int.from_bytes(hashlib.blake2b(tweet_id.encode(), digest_size=8).digest(), "big")
    words = [_WORDS[(seed >> (5 * i)) % len(_WORDS)] for i in range(4 + seed % 8)]
    return {
        "created_at": format_created_at(created_at_for(number)),
        "id": number,
        "id_str": tweet_id,
        "text": " ".join(words),
        "truncated": False,
        "entities": {"hashtags": [], "symbols": [], "user_mentions": [], "urls": []},
        "source": SOURCE_HTML,
        "in_reply_to_status_id": None,
        "in_reply_to_status_id_str": None,
        "in_reply_to_user_id": None,
        "in_reply_to_user_id_str": None,
        "in_reply_to_screen_name": None,
        "user": author(seed % _AUTHORS),
        "geo": None,
        "coordinates": None,
        "place": None,
        "contributors": None,
        "is_quote_status": False,
        "retweet_count": seed % 50,
        "favorite_count": favorite_count,
        "favorited": favorited,
        "retweeted": False,
        "lang": "en",
    }


def base_favorite_count(tweet_id: str) -> int:
    """Likes from people outside the emulator, so counts look lived-in and stay consistent."""
    return int(unit_hash("favorites", tweet_id) * 200)


def tweet_json(tweet_id: str, *, favorited: bool, likers: int) -> bytes:
    """The v1.1 answer body for a like or unlike, compact like X's."""
    obj = tweet_object(tweet_id, favorited=favorited, favorite_count=base_favorite_count(tweet_id) + likers)
    return json.dumps(obj, separators=(",", ":")).encode()


def user_object(user_id: str, screen_name: str) -> dict[str, Any]:
    """The caller's own v1.1 user object (``verify_credentials``)."""
    return {
        "id": int(user_id),
        "id_str": user_id,
        "name": screen_name,
        "screen_name": screen_name,
        "location": "",
        "description": "",
        "protected": False,
        "followers_count": 0,
        "friends_count": 0,
        "created_at": format_created_at(created_at_for(int(user_id))),
        "favourites_count": 0,
        "verified": False,
        "statuses_count": 0,
    }
