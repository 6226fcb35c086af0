"""Parsing ``--until``: a local wall-clock time (``07:30``) or ISO 8601 with an offset."""

from __future__ import annotations

import datetime as dt
import re

from bulklike.errors import ConfigError

_HHMM = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)(?::([0-5]\d))?$")


def parse_until(text: str, now: dt.datetime | None = None) -> float:
    """Epoch seconds. ``HH:MM[:SS]`` is the next such local time (today, or tomorrow if past)."""
    now = now or dt.datetime.now().astimezone()
    match = _HHMM.match(text.strip())
    if match:
        hour, minute, second = int(match.group(1)), int(match.group(2)), int(match.group(3) or 0)
        target = now.replace(hour=hour, minute=minute, second=second, microsecond=0)
        if target <= now:
            target += dt.timedelta(days=1)
        return target.timestamp()
    try:
        when = dt.datetime.fromisoformat(text.strip())
    except ValueError as exc:
        raise ConfigError(f"--until {text!r}: expected HH:MM or ISO 8601 with an offset") from exc
    if when.tzinfo is None:
        raise ConfigError(f"--until {text!r}: give an offset (e.g. 2026-11-28T07:30+01:00) or use HH:MM")
    return when.timestamp()
