"""The pacer's fast path: a slot free right now is taken at once, without the lock; whoever has to
wait still waits in line, and nobody passes them."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from bulklike.pacing.ledger import Ledger
from bulklike.pacing.limits import Limit
from bulklike.pacing.pacer import Pacer
from tests.helpers.clock import FakeClock
from tests.helpers.locks import CountingLock
from tests.helpers.pacing import DAY, NOW


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[Ledger]:
    ledger = Ledger(str(tmp_path / "ledger.sqlite3"), app="a", user="u", now=NOW)
    yield ledger
    ledger.close()


def pacer_for(ledger: Ledger, clock: FakeClock, limits: tuple[Limit, ...] = (Limit(1000, DAY),)) -> Pacer:
    pacer = Pacer(ledger, limits, (), timeout=5.0, clock=clock, sleep=clock.sleep)
    pacer._lock = CountingLock()
    return pacer


async def test_a_free_slot_is_taken_at_once_without_the_lock(ledger: Ledger) -> None:
    clock = FakeClock(NOW)
    pacer = pacer_for(ledger, clock)
    for _ in range(20):
        step = pacer.acquire().__await__()
        with pytest.raises(StopIteration) as done:  # finished without suspending once: no waiting
            step.send(None)
        assert done.value.value is not None
    assert isinstance(pacer._lock, CountingLock) and pacer._lock.taken == 0
    assert clock.naps == []


async def test_a_pause_is_waited_out_in_line_and_nobody_passes(ledger: Ledger) -> None:
    clock, wake = FakeClock(NOW), asyncio.Event()

    async def sleep(seconds: float) -> None:  # the clock moves at once; the nap ends when the test says
        clock.naps.append(seconds)
        clock.now += seconds
        await wake.wait()

    pacer = Pacer(ledger, (Limit(1000, DAY),), (), timeout=5.0, clock=clock, sleep=sleep)
    pacer.refused(clock(), {"retry-after": "1"})  # every worker waits one second
    order: list[str] = []

    async def take(name: str) -> None:
        assert await pacer.acquire() is not None
        order.append(name)

    first = asyncio.create_task(take("first"))
    await asyncio.sleep(0)  # it waits out the pause holding the lock
    assert clock() >= NOW + 1 and pacer._lock.locked()
    second = asyncio.create_task(take("second"))  # a slot is free by the clock now, but one waits before it
    for _ in range(5):
        await asyncio.sleep(0)
    assert order == []
    wake.set()
    await asyncio.gather(first, second)
    assert order == ["first", "second"]
    assert clock.naps == [1.0]


async def test_a_full_window_is_waited_for_once_by_the_first_in_line(ledger: Ledger) -> None:
    clock = FakeClock(NOW)
    pacer = pacer_for(ledger, clock, (Limit(2, 10.0),))
    sids = [await pacer.acquire(), await pacer.acquire()]
    assert None not in sids and isinstance(pacer._lock, CountingLock) and pacer._lock.taken == 0
    for sid in sids:
        assert sid is not None
        pacer.answered(sid, clock())
    late = await asyncio.gather(pacer.acquire(), pacer.acquire())  # the window is full: both wait in turn
    assert None not in late and len(set(late)) == 2
    assert pacer._lock.taken == 2
    assert sum(clock.naps) >= 10.0  # no slot before the window moved on


def test_aiolimiter_is_imported_only_for_a_min_interval(tmp_path: Path) -> None:
    code = textwrap.dedent(
        f"""
        import asyncio, sys
        from bulklike.pacing.ledger import Ledger
        from bulklike.pacing.pacer import Pacer
        ledger = Ledger({str(tmp_path / "l.db")!r}, app="a", user="u", now=1e9)
        Pacer(ledger, (), (), timeout=5.0)
        print("aiolimiter" in sys.modules)
        Pacer(ledger, (), (), timeout=5.0, min_interval=0.5)
        print("aiolimiter" in sys.modules)
        ledger.close()
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert out.stdout.split() == ["False", "True"]
