"""Waiting on a condition, not on a time window: ``until`` returns as soon as the condition holds; its
``within`` only turns a hang into a failure (``asyncio.wait_for``), it never decides a pass."""

from __future__ import annotations

import asyncio
from collections.abc import Callable


async def until(condition: Callable[[], bool], *, within: float, every: float = 0.02) -> None:
    """Return once ``condition()`` is true (checked every ``every`` s); ``TimeoutError`` after ``within`` s."""

    async def poll() -> None:
        while not condition():
            await asyncio.sleep(every)

    await asyncio.wait_for(poll(), within)


async def line_with(stream: asyncio.StreamReader, needle: str, *, within: float) -> list[str]:
    """Read ``stream`` line by line until one contains ``needle``; every line read, that one last."""
    lines: list[str] = []

    async def read() -> None:
        while True:
            raw = await stream.readline()
            if not raw:
                raise EOFError(f"the stream ended before a line with {needle!r}: {lines}")
            lines.append(raw.decode())
            if needle in lines[-1]:
                return

    await asyncio.wait_for(read(), within)
    return lines
