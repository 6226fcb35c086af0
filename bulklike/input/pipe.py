"""Read a pipe ahead on its own thread, so what has arrived is journaled while the producer pauses.

The ingest thread commits a batch when it is full or old, but it can only notice either between two
records: while a reader blocks on a quiet pipe (``twarc2 search`` between pages, ``tail -f``, a 15 s
pause), the IDs it already read would wait for the next line or the end. Here the reader runs on a
thread of its own and hands records over through a deque; the ingest side sees ``None`` when nothing
new came for ``IDLE_S``, commits what it holds and looks at its stop flag. A fast input never idles,
so its batches stay as large as before. Regular files never block and are read directly.
"""

from __future__ import annotations

import os
import stat
import threading
import time
from collections import deque
from collections.abc import Iterator
from typing import BinaryIO, Final, Generic, TypeVar

__all__ = ["IDLE_S", "Prefetch", "is_pipe"]

IDLE_S: Final = 0.1
"""How long the consumer waits for a record before it says ``None`` (commit what you hold)."""
MAX_AHEAD: Final = 20_000
"""The reader pauses while this many records wait to be taken (memory stays flat)."""

T = TypeVar("T")


def is_pipe(stream: BinaryIO | None) -> bool:
    """Whether reading ``stream`` can block for a while: anything but a regular file (pipe, FIFO, tty, socket)."""
    if stream is None:
        return False
    try:
        mode = os.fstat(stream.fileno()).st_mode
    except (OSError, AttributeError, ValueError):  # io.BytesIO and the like: in memory, never blocks
        return False
    return not stat.S_ISREG(mode)


class Prefetch(Generic[T]):
    """Iterates ``records`` on a daemon thread; iterating this gives them in order, with ``None`` after
    each ``idle`` seconds without one. An exception in ``records`` is raised here after a ``None``
    (so what came before it is committed first)."""

    def __init__(self, records: Iterator[T], *, idle: float = IDLE_S, ahead: int = MAX_AHEAD) -> None:
        self._records = records
        self._idle = idle
        self._ahead = ahead
        self._buf: deque[T] = deque()
        self._wake = threading.Event()
        self._waiting = False
        self._done = False
        self._closed = False
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._read, name="bulklike-pipe", daemon=True)

    def _read(self) -> None:
        buf = self._buf
        try:
            for record in self._records:
                buf.append(record)
                if self._waiting:
                    self._wake.set()
                while len(buf) >= self._ahead and not self._closed:
                    time.sleep(0.005)
                if self._closed:
                    return
        except BaseException as exc:  # handed to the consumer, who re-raises it on its own thread
            self._error = exc
        finally:
            self._done = True
            self._wake.set()

    def __iter__(self) -> Iterator[T | None]:
        self._thread.start()
        buf = self._buf
        try:
            while True:
                while buf:
                    yield buf.popleft()
                if self._done:
                    if buf:
                        continue
                    if self._error is not None:
                        yield None
                        raise self._error
                    return
                self._wake.clear()
                self._waiting = True
                if not buf and not self._done:
                    self._wake.wait(self._idle)
                self._waiting = False
                if not buf and not self._done:
                    yield None  # the producer is quiet: commit what was read
        finally:
            self._closed = True
