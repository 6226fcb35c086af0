"""Seeded, reproducible faults: which request of which tweet fails, and how.

The choice hashes (seed, tweet id, n) where n counts the requests for that tweet id, so the same run
fails the same way every time and a retry of an ID draws afresh (and eventually succeeds when the
rate is below 1). Faults are chosen only after auth and quota checks have passed.
"""

from __future__ import annotations

import random
from typing import Final

from bulklike.emulator.config import EmulatorConfig
from bulklike.emulator.tweets import unit_hash

#: faults after which the like has NOT been applied
NOT_APPLIED: Final = frozenset({"http500", "http502_html", "http503", "http504", "reset"})

HTML_502: Final = (
    b"<!DOCTYPE html>\n<html><head><title>Twitter / Error</title></head>\n"
    b"<body><h1>Something is technically wrong.</h1>\n"
    b"<p>Thanks for noticing &mdash; we're going to fix it up and have things back to normal soon.</p>\n"
    b"</body></html>\n"
)
HTML_504: Final = (
    b"<html><head><title>504 Gateway Time-out</title></head>\n"
    b"<body><center><h1>504 Gateway Time-out</h1></center></body></html>\n"
)


class FaultPlan:
    """Draws the fault (or none) for the next request of a tweet id."""

    __slots__ = ("_seed", "_rate", "_kinds", "_counts", "_jitter", "_latency_s")

    def __init__(self, config: EmulatorConfig) -> None:
        self._seed = config.seed
        self._rate = config.fault_rate
        self._kinds = config.fault_kinds
        self._counts: dict[str, int] = {}
        self._latency_s = config.latency_ms / 1000.0
        self._jitter = random.Random(config.seed)

    @property
    def active(self) -> bool:
        return self._rate > 0.0

    def draw(self, tweet_id: str) -> tuple[str | None, bool]:
        """(fault kind or ``None``, a coin for kinds with two forms) for this request of ``tweet_id``."""
        if self._rate <= 0.0:
            return None, False
        n = self._counts.get(tweet_id, 0)
        self._counts[tweet_id] = n + 1
        u = unit_hash(self._seed, "fault", tweet_id, n)
        if u >= self._rate:
            return None, False
        # u / rate is again uniform in [0, 1): spread it evenly over the kinds, keep a bit for the coin
        scaled = u / self._rate * len(self._kinds)
        index = min(int(scaled), len(self._kinds) - 1)
        return self._kinds[index], scaled - index >= 0.5

    def latency_s(self) -> float:
        """Seeded delay for one request: uniform in 0.5x to 1.5x the configured mean."""
        if self._latency_s <= 0.0:
            return 0.0
        return self._latency_s * self._jitter.uniform(0.5, 1.5)
