"""Ctrl-C and SIGTERM as calls on the event loop, on every platform.

Where the loop watches signals itself (``loop.add_signal_handler``, the Unix event loops) it does. Where it
cannot (Windows' loops raise ``NotImplementedError``), ``signal.signal`` installs a handler that only hands
the signal to the loop with ``call_soon_threadsafe``. Either way the run sees ``on_signal(code)`` on the
loop, in order, and stops the way it does on Linux: requests in flight finish and are recorded. Off the
main thread ``signal.signal`` is not allowed; then nothing is installed and Ctrl-C stays a
``KeyboardInterrupt``.

SIGPIPE stays ignored (Python's default): a reader of stdout that went away is a ``BrokenPipeError``
the results writer turns into a stop; ``drop_stdout`` then points stdout at /dev/null so the
interpreter's last flush cannot fail again.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import os
import signal
import sys
from collections.abc import Callable, Iterator
from types import FrameType
from typing import Any

from bulklike.errors import EXIT_SIGINT, EXIT_SIGTERM

CODES = {signal.SIGINT: EXIT_SIGINT, signal.SIGTERM: EXIT_SIGTERM}


@contextlib.contextmanager
def forwarded(
    loop: asyncio.AbstractEventLoop, on_signal: Callable[[int], None], enabled: bool = True
) -> Iterator[None]:
    """Within the block, SIGINT calls ``on_signal(130)`` and SIGTERM ``on_signal(143)`` on ``loop``."""
    if not enabled:
        yield
        return
    try:
        for signum, code in CODES.items():
            loop.add_signal_handler(signum, on_signal, code)
    except NotImplementedError:  # Windows: no add_signal_handler
        with _python_handlers(loop, on_signal):
            yield
        return
    try:
        yield
    finally:
        for signum in CODES:
            loop.remove_signal_handler(signum)


@contextlib.contextmanager
def _python_handlers(loop: asyncio.AbstractEventLoop, on_signal: Callable[[int], None]) -> Iterator[None]:
    def handler(signum: int, frame: FrameType | None) -> None:
        loop.call_soon_threadsafe(on_signal, CODES[signal.Signals(signum)])

    saved: dict[signal.Signals, Any] = {}
    try:
        for signum in CODES:
            saved[signum] = signal.signal(signum, handler)
    except ValueError:  # not the main thread: leave the defaults alone
        pass
    try:
        yield
    finally:
        for signum, previous in saved.items():
            signal.signal(signum, previous)


def drop_stdout(stream: Any = None) -> None:
    """Point stdout's descriptor at /dev/null: what it still buffers (for a closed pipe or a full disk) goes nowhere."""
    with contextlib.suppress(OSError, ValueError, io.UnsupportedOperation):
        fileno = (stream if stream is not None else sys.stdout).fileno()
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, fileno)
        os.close(devnull)
