"""Python feeds: the IDs a caller of ``Session.like()`` passes, as a source for the ingest thread.

Any iterable of str (a list, a generator, an open file's lines) is read on the ingest thread like
a file. An async iterable is read on the event loop by a pump task and handed to the thread
through a queue; while it is slow, the thread still commits what arrived, so work starts at once.
Each item is an ID or a URL; anything else becomes an invalid record, never an exception.
"""

from __future__ import annotations

import asyncio
import queue
from collections.abc import AsyncIterable, Iterable, Iterator
from typing import Final

from bulklike.input.ids import InvalidTweetRef, parse_tweet_ref
from bulklike.input.ingest import Record, Source
from bulklike.input.lines import InvalidLine, ParsedId, printable
from bulklike.snowflake import is_id

NAME: Final = "<python>"
IDLE_S: Final = 0.1  # the thread commits what it has after this long without a new item
MAX_QUEUED: Final = 20_000  # the pump waits while the thread is this far behind
_END: Final = object()

Ids = Iterable[str] | AsyncIterable[str]


class _Failed:
    """The async iterable raised: the thread re-raises it, and the call hands it back."""

    def __init__(self, error: Exception) -> None:
        self.error = error


def parse_item(item: object, n: int) -> Record:
    """One item of a feed: an ID or URL (an int is taken as an ID), else an invalid record."""
    source = f"{NAME}:{n}"
    if type(item) is str and is_id(item):  # the common case, without the parser
        return ParsedId(item, source)
    if isinstance(item, int) and not isinstance(item, bool):
        text = str(item)
    elif isinstance(item, str):
        text = item.strip()
    else:
        return InvalidLine(printable(repr(item)), source, f"not a string ({type(item).__name__})")
    try:
        return ParsedId(parse_tweet_ref(text), source)
    except InvalidTweetRef as exc:
        return InvalidLine(printable(text), source, exc.reason)


def _parsed(ids: Iterable[object]) -> Iterator[Record | None]:
    """The items of a plain iterable, parsed; if it raises, what was read before is committed first."""
    items = iter(ids)
    n = 0
    while True:
        try:
            item = next(items)
        except StopIteration:
            return
        except Exception:
            yield None
            raise
        n += 1
        yield parse_item(item, n)


class Feed:
    """The source the ingest thread reads, and for an async iterable the task that fills it."""

    def __init__(self, ids: Ids) -> None:
        if isinstance(ids, str | bytes):
            raise TypeError("like() takes an iterable of tweet IDs or URLs, not one string")
        self._queue: queue.SimpleQueue[object] = queue.SimpleQueue()
        self._ids = ids
        self._pump: asyncio.Task[None] | None = None
        if isinstance(ids, AsyncIterable):
            self.source = Source(NAME, self._from_queue(), None)
        elif isinstance(ids, Iterable):
            self.source = Source(NAME, _parsed(ids), None)
        else:
            raise TypeError(f"like() takes an iterable or async iterable of str, not {type(ids).__name__}")

    def start(self) -> None:
        """Start pumping an async iterable (call on the loop, before the ingest thread starts)."""
        if isinstance(self._ids, AsyncIterable):
            self._pump = asyncio.create_task(self._fill(self._ids))

    async def stop(self) -> None:
        """Stop pumping; the thread then sees the end of the feed."""
        if self._pump is not None:
            self._pump.cancel()
            await asyncio.gather(self._pump, return_exceptions=True)

    async def _fill(self, ids: AsyncIterable[str]) -> None:
        try:
            async for item in ids:
                self._queue.put(item)
                while self._queue.qsize() > MAX_QUEUED:
                    await asyncio.sleep(IDLE_S)
        except Exception as exc:
            self._queue.put(_Failed(exc))
        finally:
            self._queue.put(_END)

    def _from_queue(self) -> Iterator[Record | None]:
        n = 0
        while True:
            try:
                item = self._queue.get(timeout=IDLE_S)
            except queue.Empty:
                yield None  # nothing new for a while: commit what was read, look at the stop flag
                continue
            if item is _END:
                return
            if isinstance(item, _Failed):
                yield None  # what was read before is committed first
                raise item.error
            n += 1
            yield parse_item(item, n)
