"""A lock that counts its acquisitions: tests of the hot path check that a fast path takes no lock."""

from __future__ import annotations

import asyncio
from typing import Literal


class CountingLock(asyncio.Lock):
    """An asyncio lock that counts how often it was taken."""

    def __init__(self) -> None:
        super().__init__()
        self.taken = 0

    async def acquire(self) -> Literal[True]:
        self.taken += 1
        return await super().acquire()
