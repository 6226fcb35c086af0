"""The one fake clock of the test suite: epoch seconds that move only when a test (or a fake sleep) says so."""

from __future__ import annotations

import asyncio

T0 = 1_700_000_000.0  # a fixed "now" for tests that move the clock


class FakeClock:
    """A clock to inject (``clock=fake``) and an async ``sleep`` that moves it instead of waiting.

    Every nap is on record in ``naps``; ``advance`` moves time without a nap (the world, not the code
    under test, let it pass).
    """

    def __init__(self, now: float = T0) -> None:
        self.now = now
        self.naps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds

    async def sleep(self, seconds: float) -> None:
        """Move the clock by ``seconds`` and yield once to the loop, as a real sleep would."""
        assert seconds >= 0
        self.naps.append(seconds)
        self.now += seconds
        await asyncio.sleep(0)
