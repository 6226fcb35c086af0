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
    """``1h05m``, ``3m07s`` or ``42s``."""
    seconds = max(0, int(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes:02d}m"
    if minutes:
        return f"{minutes}m{secs:02d}s"
    return f"{secs}s"
