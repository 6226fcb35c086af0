"""``--max-likes`` as a budget the workers share: likes done plus likes in flight never exceed it.

A unit is spent by a like that landed *or may have landed*: a send whose answer was lost (a
timeout after the request left, a reset, a 5xx, a cut-short answer) may have been applied by the
server, so it keeps its unit, and the retries of that ID run on the same unit (their
``already_liked`` is this run's own like and costs nothing more). Without this, lost answers
let a run capped at 10 like 60 tweets.
"""

from __future__ import annotations

import asyncio


class Budget:
    """``--max-likes``: units spent plus units in flight never exceed the limit.

    ``take(tweet_id)`` before each send; ``give_back(tweet_id, used=...)`` after it, where
    ``used`` says the send landed or may have landed. An ID that spent a unit holds it: its
    later sends take none and give none back.
    """

    __slots__ = ("limit", "done", "in_flight", "_held", "_changed")

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.done = 0  # units spent: likes that landed or may have landed
        self.in_flight = 0
        self._held: set[str] = set()  # IDs whose unit is spent (at most ``limit`` of them)
        self._changed = asyncio.Condition()

    async def take(self, tweet_id: str) -> bool:
        if tweet_id in self._held:
            return True
        async with self._changed:
            while self.done + self.in_flight >= self.limit:
                if self.done >= self.limit:
                    return False
                await self._changed.wait()
            self.in_flight += 1
            return True

    async def give_back(self, tweet_id: str, *, used: bool) -> None:
        if tweet_id in self._held:
            return
        async with self._changed:
            self.in_flight -= 1
            if used:
                self.done += 1
                self._held.add(tweet_id)
            self._changed.notify_all()
