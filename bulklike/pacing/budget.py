"""``--max-likes`` as a budget the workers share: likes done plus likes in flight never exceed it."""

from __future__ import annotations

import asyncio


class Budget:
    """``--max-likes``: likes done plus likes in flight never exceed the limit."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.done = 0
        self.in_flight = 0
        self._changed = asyncio.Condition()

    async def take(self) -> bool:
        async with self._changed:
            while self.done + self.in_flight >= self.limit:
                if self.done >= self.limit:
                    return False
                await self._changed.wait()
            self.in_flight += 1
            return True

    async def give_back(self, *, used: bool) -> None:
        async with self._changed:
            self.in_flight -= 1
            self.done += used
            self._changed.notify_all()
