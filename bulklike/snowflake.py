"""X's IDs (tweets and users): snowflakes, positive signed 64-bit integers written in decimal.

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


def fits(digits: str) -> bool:
    """ASCII ``digits`` without a leading zero name at most 2^63-1 (the parsers' diagnosis of a long ID)."""
    return len(digits) < MAX_DIGITS or (len(digits) == MAX_DIGITS and digits <= _MAX_TEXT)
