"""Quota limits as (count, window) pairs, and the API's published defaults.

Pure values shared by the client's pacer and the emulator: both must agree on the vocabulary,
never on the code that enforces it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: the longest window a limit may have: the send ledger keeps a week of history for it
KEEP_S = 7 * 86400.0

_UNITS = {"s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}
_LIMIT_RE = re.compile(r"^\s*(\d+)\s*/\s*(\d+(?:\.\d+)?)?\s*([smhd])\s*$")


@dataclass(frozen=True, slots=True)
class Limit:
    """At most ``count`` requests in any window of ``window_s`` seconds."""

    count: int
    window_s: float

    def __str__(self) -> str:
        return f"{self.count}/{format_window(self.window_s)}"

    @property
    def interval_s(self) -> float:
        """The even spacing that spends exactly this limit: window / count."""
        return self.window_s / self.count


def format_window(seconds: float) -> str:
    """``86400`` -> ``24h``: the shortest exact spelling in the units that parse back."""
    for unit, size in (("d", 86400.0), ("h", 3600.0), ("m", 60.0)):
        if seconds >= size and seconds % size == 0 and not (unit == "d" and seconds == 86400.0):
            return f"{int(seconds // size)}{unit}"
    if seconds == 86400.0:
        return "24h"
    # fixed-point to the microsecond parse_limit keeps: never an exponent (``1.06618e+06s`` would not parse)
    return f"{seconds:.6f}".rstrip("0").rstrip(".") + "s"


def parse_limit(text: str) -> Limit:
    """Parse ``COUNT/WINDOW`` such as ``50/15m``, ``1000/24h``, ``20/4s`` or ``5/1d``.

    A bare unit means one of it (``100/h``). Raises ``ValueError`` with a message fit for a user.
    """
    match = _LIMIT_RE.match(text)
    if match is None:
        raise ValueError(f"invalid limit {text!r}: expected COUNT/WINDOW such as 50/15m or 1000/24h")
    count = int(match.group(1))
    amount = float(match.group(2)) if match.group(2) else 1.0
    # rounded to the microsecond, so that ``1.1h`` is 3960 s (not 3960.0000000000005) and str() round-trips
    window = round(amount * _UNITS[match.group(3)], 6)
    if count <= 0 or window <= 0:
        raise ValueError(f"invalid limit {text!r}: count and window must be positive")
    return Limit(count=count, window_s=window)


DAY = 86400.0
#: v1.1 favorites/create: 1000 per 24 hours per user, and 1000 per 24 hours per app.
V1_USER_LIMITS: tuple[Limit, ...] = (Limit(1000, DAY),)
V1_APP_LIMITS: tuple[Limit, ...] = (Limit(1000, DAY),)
#: v2 POST /2/users/:id/likes: 50 per 15 minutes and 1000 per 24 hours per user.
V2_USER_LIMITS: tuple[Limit, ...] = (Limit(50, 900.0), Limit(1000, DAY))
V2_APP_LIMITS: tuple[Limit, ...] = ()


def default_limits(api: str) -> tuple[tuple[Limit, ...], tuple[Limit, ...]]:
    """(per-user, per-app) defaults for API version ``"v1.1"`` or ``"v2"``."""
    if api == "v2":
        return V2_USER_LIMITS, V2_APP_LIMITS
    return V1_USER_LIMITS, V1_APP_LIMITS


@dataclass(frozen=True, slots=True)
class Allowance:
    """The limits a network sets for one account: per user, per app, and the least spacing of sends
    (``Network.limits()``; each send counts its weight against them)."""

    user: tuple[Limit, ...]
    app: tuple[Limit, ...] = ()
    interval: float = 0.0
