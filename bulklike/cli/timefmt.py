"""Times and durations as a person reads them, shared by log events and the CLI's lines."""

from __future__ import annotations

import time


def clock_time(ts: float) -> str:
    """Local wall-clock time for a reader: ``14:03:12``, with the date when not today."""
    now = time.localtime()
    when = time.localtime(ts)
    if when[:3] == now[:3]:
        return time.strftime("%H:%M:%S", when)
    return time.strftime("%Y-%m-%d %H:%M", when)


def duration(seconds: float) -> str:
    """Two units at most, the larger first: ``99 days``, ``4 days 3 h``, ``2 h 05 min``, ``3 min 07 s``, ``40 s``.

    A week or more is told in days alone (no one plans to the hour 99 days out); a zero second unit
    is left out (``2 h``, ``1 day``)."""
    seconds = max(0, round(seconds))
    days, rest = divmod(seconds, 86_400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        whole = plural(days, "day")
        return whole if days >= 7 or not hours else f"{whole} {hours} h"
    if hours:
        return f"{hours} h {minutes:02d} min" if minutes else f"{hours} h"
    if minutes:
        return f"{minutes} min {secs:02d} s" if secs else f"{minutes} min"
    return f"{secs} s"


def plural(n: int, word: str, words: str | None = None) -> str:
    """``1 record``, ``2 records``, ``0 records`` (``words``: an irregular plural)."""
    return f"{n} {word if n == 1 else words or word + 's'}"
