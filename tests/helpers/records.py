"""Expected reader records, written short: ``ok(3, "42")`` is tweet 42 read from ``in:3``."""

from __future__ import annotations

from bulklike.input.readers import InputRecord, InvalidLine, ParsedId


def ok(line: int, tweet_id: str) -> ParsedId:
    """The ID read from line ``line`` of the input named ``in``."""
    return ParsedId(tweet_id, f"in:{line}")


def bad(line: int, reason: str, shown: str) -> InvalidLine:
    """Line ``line`` of ``in`` refused for ``reason``, shown (cut and cleaned) as ``shown``."""
    return InvalidLine(shown, f"in:{line}", reason)


def ids_of(records: list[InputRecord]) -> list[str]:
    """The tweet IDs among ``records``, in order, the invalid lines left out."""
    return [r.tweet_id for r in records if isinstance(r, ParsedId)]
