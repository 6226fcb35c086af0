"""Fake loop time for the tests that wait on the event loop's own timers (aiolimiter, client timeouts,
the emulator's latency and stalls): the ``looptime`` loop jumps to the next timer when nothing else
can run, so a 30-second stall takes no wall time and the loop's clock says exactly how long it was.

Mark a test (or a module) with ``FASTLOOP``; ``tests/conftest.py`` then builds its loop, and its async
fixtures run on the same loop. ``loop_now()`` reads that fake time and refuses a real loop, so an
assertion on it can never be an assertion on wall time. looptime's own pytest plugin stays disabled
(``-p no:looptime_plugin`` in ``addopts``): the loop is chosen here, test by test, not globally.
"""

from __future__ import annotations

import asyncio

import looptime
import pytest

#: the marker that gives a test the fake-time loop of ``new_loop``
FASTLOOP = pytest.mark.fastloop
#: the loop factory's name for ``pytest_asyncio_loop_factories``
FACTORY = "looptime"


def new_loop() -> asyncio.AbstractEventLoop:
    """A fresh event loop whose time starts at 0 and moves only to the next due timer."""
    return looptime.new_event_loop(start=0.0)


def loop_now() -> float:
    """The running loop's fake time; raises on a loop that reads the wall clock."""
    loop = asyncio.get_running_loop()
    if not (isinstance(loop, looptime.LoopTimeEventLoop) and loop.looptime_on):
        raise RuntimeError("loop_now() reads fake time only: mark the test with FASTLOOP")
    return loop.time()
