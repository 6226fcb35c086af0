"""What the pacing tests share: a fixed now, the header names, limit strategies and window counters."""

from __future__ import annotations

import bisect

from hypothesis import strategies as st

from bulklike.pacing.limits import Limit
from tests.helpers.clock import T0

NOW = T0
DAY = 86400.0

limits_st = st.lists(
    st.builds(Limit, st.integers(1, 30), st.one_of(st.integers(1, 100).map(float), st.floats(1.0, 100.0))),
    min_size=1, max_size=3,
)  # fmt: skip


def most_in_window(arrivals: list[float], window: float) -> int:
    """The most arrivals in any window [x, x + W): windows starting, and ending, at each arrival."""
    a = sorted(arrivals)
    starts = (bisect.bisect_left(a, x + window) - i for i, x in enumerate(a))
    ends = (bisect.bisect_right(a, x) - bisect.bisect_right(a, x - window) for x in a)
    return max([0, *starts, *ends])


def worst_window(intervals: list[tuple[float, float]], window: float) -> int:
    """The most sends that can arrive in one window [x, x + W) when each arrives anywhere in its [s, e].

    A send can land in [x, x + W) iff e >= x and s < x + W; the count is largest with x at some e.
    """
    return max([0, *(sum(1 for s, e in intervals if e >= x and s < x + window) for _, x in intervals)])


#: the server's rate-limit header prefixes: per endpoint, per user per day, per app per day
R, U, A = "x-rate-limit", "x-user-limit-24hour", "x-app-limit-24hour"
