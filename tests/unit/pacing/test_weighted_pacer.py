"""Weighted sends end to end: ``Pacer.acquire(weight)`` reserves that many points, and every process
sharing the ledger file counts the sum of weights, never rows (a network that charges 3 for a create)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from bulklike.pacing.ledger import Ledger
from bulklike.pacing.limits import Limit
from bulklike.pacing.pacer import Pacer
from tests.helpers.clock import FakeClock

HOUR = Limit(10, 3600.0)


def _points(path: Path) -> int:
    with sqlite3.connect(path) as conn:
        return int(conn.execute("SELECT coalesce(sum(weight), 0) FROM sends WHERE until > 0").fetchone()[0])


async def test_acquire_reserves_its_weight_and_waits_when_the_points_run_out(tmp_path: Path) -> None:
    clock = FakeClock(1_800_000_000.0)
    path = tmp_path / "ledger.sqlite3"
    ledger = Ledger(str(path), app="a", user="u", now=clock(), limits=[HOUR])
    pacer = Pacer(ledger, (HOUR,), (), timeout=5.0, clock=clock, sleep=clock.sleep)
    start = clock()
    for _ in range(3):
        assert await pacer.acquire(3) is not None
    assert clock() == start  # 9 of 10 points: no wait
    assert await pacer.acquire(3) is not None  # 12 > 10: only once the first send left the window
    assert clock() >= start + 3600.0
    ledger.close()
    assert _points(path) == 12


async def test_two_processes_share_the_points_not_the_row_count(tmp_path: Path) -> None:
    clock = FakeClock(1_800_000_000.0)
    path = tmp_path / "ledger.sqlite3"
    first = Ledger(str(path), app="a", user="u", now=clock(), limits=[HOUR])
    second = Ledger(str(path), app="b", user="u", now=clock(), limits=[HOUR])  # another app, the same account
    assert first.try_reserve([HOUR], [], clock(), clock() + 5, weight=3)[0] is not None
    assert first.try_reserve([HOUR], [], clock(), clock() + 5, weight=3)[0] is not None
    # two rows on file, six points: the other process has room for 4 points, so one more create and a delete
    assert second.try_reserve([HOUR], [], clock(), clock() + 5, weight=3)[0] is not None
    assert second.try_reserve([HOUR], [], clock(), clock() + 5, weight=3)[0] is None
    assert second.try_reserve([HOUR], [], clock(), clock() + 5, weight=1)[0] is not None
    assert first.try_reserve([HOUR], [], clock(), clock() + 5, weight=1)[0] is None  # it sees the other's 4
    first.close()
    second.close()
    assert _points(path) == 10
