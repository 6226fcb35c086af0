"""What ``bulklike unlike`` leaves alone: a keep-list and a date range, decided from the ID alone.

X's tweet IDs since 2010-11-04 are snowflakes: the bits above the lowest 22 hold the milliseconds
since X's epoch (1288834974657, 2010-11-04T01:42:54.657Z), so a tweet's creation time is known
without asking the API. IDs from before were sequential and carry no time; all of them are below
``bulklike.snowflake.FIRST_SNOWFLAKE`` and all were created before X's epoch. An old ID is therefore "before" every
date from the epoch on and never "after" one; against an earlier date its time is unknown, and
it is skipped rather than guessed (unliking is not undone by a later run).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import BinaryIO, Final

from bulklike.errors import ConfigError, InputError
from bulklike.input.ids import InvalidTweetRef, parse_tweet_ref
from bulklike.input.lines import InvalidLine, ParsedId
from bulklike.input.readers import detect_format, open_input, peek_head, read_records
from bulklike.snowflake import TWEPOCH_S, created_at

REASON_KEEP: Final = "in the keep-list"
REASON_NOT_BEFORE: Final = "not created before --before"
REASON_NOT_AFTER: Final = "not created at or after --after"
REASON_UNKNOWN: Final = "created before 2010-11-04, when IDs carried no time: not known to be in the date range"


def parse_date(text: str, flag: str) -> float:
    """``YYYY-MM-DD`` (00:00 UTC that day) or ISO 8601 with a time (UTC unless an offset is given)."""
    try:
        when = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ConfigError(
            f"{flag} {text!r}: not a date (YYYY-MM-DD, or ISO 8601 such as 2020-01-31T18:00+01:00)"
        ) from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return when.timestamp()


@dataclass(frozen=True, slots=True)
class Filters:
    """``before``: unlike only tweets created before it; ``after``: at or after it (epoch seconds);
    ``keep``: IDs never unliked."""

    before: float | None = None
    after: float | None = None
    keep: frozenset[int] = field(default_factory=frozenset)

    def __bool__(self) -> bool:
        return self.before is not None or self.after is not None or bool(self.keep)

    def reason(self, tweet_id: str) -> str | None:
        """Why this ID is left alone, or None to unlike it."""
        number = int(tweet_id)
        if number in self.keep:
            return REASON_KEEP
        if self.before is None and self.after is None:
            return None
        at = created_at(number)
        if at is None:  # created before the epoch, exactly when unknown
            if self.after is not None and self.after >= TWEPOCH_S:
                return REASON_NOT_AFTER
            if self.after is not None or (self.before is not None and self.before < TWEPOCH_S):
                return REASON_UNKNOWN
            return None
        if self.before is not None and not at < self.before:
            return REASON_NOT_BEFORE
        if self.after is not None and not at >= self.after:
            return REASON_NOT_AFTER
        return None


#: a date for ``Session.unlike``: a datetime (naive means UTC), epoch seconds, or ISO 8601 text
When = dt.datetime | float | str


def to_epoch(value: When | None, name: str) -> float | None:
    """A ``before``/``after`` value as epoch seconds."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return (value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)).timestamp()
    if isinstance(value, str):
        return parse_date(value, name)
    return float(value)


def keep_refs(refs: Iterable[str]) -> frozenset[int]:
    """A keep-list given as IDs or URLs (``Session.unlike(keep=...)``); one that is neither is a
    ValueError, never ignored: it may be a tweet the caller meant to keep."""
    if isinstance(refs, str | bytes):
        raise TypeError("keep takes an iterable of tweet IDs or URLs, not one string")
    kept: set[int] = set()
    for ref in refs:
        try:
            kept.add(int(parse_tweet_ref(str(ref).strip())))
        except InvalidTweetRef as exc:
            raise ValueError(f"keep: {ref!r}: {exc.reason}") from None
    return frozenset(kept)


def read_id_file(path: str, stdin: BinaryIO, flag: str = "--keep") -> frozenset[int]:
    """A ``--keep`` file (or the emulator's ``--liked``) in any input format (``-``: stdin). An
    invalid line is an error, not a record: it may be an ID the user meant to keep, and an unlike
    is not taken back."""
    stream, name = open_input(path, stdin)
    try:
        fmt = detect_format(name if path != "-" else "", None, peek_head(stream))
        kept: set[int] = set()
        for record in read_records(stream, name=name, fmt=fmt):
            if isinstance(record, ParsedId):
                kept.add(int(record.tweet_id))
            elif isinstance(record, InvalidLine):
                raise InputError(f"{flag} {record.source}: {record.reason}; fix the file (nothing was sent)")
    finally:
        if path != "-":
            stream.close()
    return frozenset(kept)
