"""X's IDs (tweets and users): snowflakes, positive signed 64-bit integers written in decimal, whose
high bits hold the time they were made.

The one statement of the rule, shared as vocabulary by the input parsers, the client (IDs go into URLs
unquoted) and the emulator, so none of them can drift from the others.
"""

from __future__ import annotations

from typing import Final

MAX_ID: Final = 2**63 - 1
"""The largest snowflake; anything larger cannot be one."""

MAX_DIGITS: Final = len(str(MAX_ID))  # 19

_MAX_TEXT: Final = str(MAX_ID)  # same-length digit strings compare like the numbers


def is_id(text: str) -> bool:
    """``text`` is an ID as written canonically: 1 to 19 ASCII digits, no leading zero, at most 2^63-1."""
    return (
        text.isascii()
        and text.isdigit()
        and text[0] != "0"
        and (len(text) < MAX_DIGITS or (len(text) == MAX_DIGITS and text <= _MAX_TEXT))
    )


#: the epoch of snowflake IDs, in milliseconds since 1970 (2010-11-04T01:42:54.657Z): the bits above the
#: lowest 22 of an ID hold the milliseconds since then
TWEPOCH_MS: Final = 1288834974657
TWEPOCH_S: Final = TWEPOCH_MS / 1000.0
#: every sequential (pre-snowflake) ID is below this: they ended near 29.7 billion, and a snowflake
#: ID this small would have been made in the epoch's first 8 seconds (2^35 >> 22 = 8192 ms)
FIRST_SNOWFLAKE: Final = 1 << 35


def created_at(tweet_id: str | int) -> float | None:
    """When a tweet was created (epoch seconds, millisecond precision) from its ID; None before snowflake."""
    number = int(tweet_id)
    if number < FIRST_SNOWFLAKE:
        return None
    return ((number >> 22) + TWEPOCH_MS) / 1000.0


def id_at(epoch_ms: int, sequence: int = 0) -> int:
    """The snowflake ID made at ``epoch_ms`` (with ``sequence`` in the lowest 22 bits)."""
    return ((epoch_ms - TWEPOCH_MS) << 22) | (sequence % (1 << 22))


def fits(digits: str) -> bool:
    """ASCII ``digits`` without a leading zero name at most 2^63-1 (the parsers' diagnosis of a long ID)."""
    return len(digits) < MAX_DIGITS or (len(digits) == MAX_DIGITS and digits <= _MAX_TEXT)
