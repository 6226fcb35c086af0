"""Slots taken ahead: one ledger transaction for a burst of unspaced sends, never a send uncovered.

The rule they must keep is the ledger's: every send is in the file, committed, before it leaves,
with an ``until`` no earlier than its deadline; a slot that never left may end at 0.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from bulklike.pacing.ledger import Ledger
from bulklike.pacing.limits import Limit
from bulklike.pacing.pacer import AHEAD_S, Pacer
from tests.helpers.clock import FakeClock
from tests.helpers.pacing import DAY, NOW


def untils(path: str) -> dict[int, float]:
    conn = sqlite3.connect(path)
    try:
        return dict(conn.execute("SELECT id, until FROM sends"))
    finally:
        conn.close()


@pytest.fixture
def path(tmp_path: Path) -> str:
    return str(tmp_path / "ledger.sqlite3")


def test_spares_are_committed_with_the_first_slot_and_handed_out_without_a_write(path: str) -> None:
    ledger = Ledger(path, app="a", user="u", now=NOW)
    first, _ = ledger.try_reserve([Limit(100, 60.0)], [], NOW, NOW + 10, ahead=3, ahead_s=0.5)
    assert first is not None
    rows = untils(path)
    assert len(rows) == 4 and rows[first] == NOW + 10
    assert sorted(u for i, u in rows.items() if i != first) == [NOW + 10.5] * 3  # deadline + ahead_s
    handed = [ledger.try_reserve([Limit(100, 60.0)], [], NOW + 0.4, NOW + 10.4)[0] for _ in range(3)]
    assert sorted(h for h in handed if h is not None) == sorted(i for i in rows if i != first)
    assert len(untils(path)) == 4  # no new row for them
    fifth, _ = ledger.try_reserve([Limit(100, 60.0)], [], NOW + 0.4, NOW + 10.4)
    assert fifth is not None and len(untils(path)) == 5


def test_spares_only_while_every_limit_has_room(path: str) -> None:
    ledger = Ledger(path, app="a", user="u", now=NOW)
    user, app = [Limit(10, 60.0)], [Limit(3, 60.0)]
    sid, _ = ledger.try_reserve(user, app, NOW, NOW + 5, ahead=8, ahead_s=0.5)
    assert sid is not None and len(untils(path)) == 3  # the app's 3: one slot and two spares
    assert [ledger.try_reserve(user, app, NOW, NOW + 5)[0] is not None for _ in range(3)] == [True, True, False]


def test_stale_spares_end_at_zero_and_stop_counting(path: str) -> None:
    ledger = Ledger(path, app="a", user="u", now=NOW)
    lim = [Limit(3, 60.0)]
    first, _ = ledger.try_reserve(lim, [], NOW, NOW + 5, ahead=2, ahead_s=0.5)
    spares = [i for i in untils(path) if i != first]
    late, _ = ledger.try_reserve(lim, [], NOW + 1, NOW + 6)  # past ahead_s: the spares never left
    assert late is not None and late not in spares
    rows = untils(path)
    assert [rows[i] for i in spares] == [0.0, 0.0]  # written with the new slot's transaction
    other = Ledger(path, app="a", user="u", now=NOW + 1)  # another run sees the room they left
    assert other.try_reserve(lim, [], NOW + 1, NOW + 6)[0] is not None


def test_close_and_release_give_spares_back(path: str) -> None:
    ledger = Ledger(path, app="a", user="u", now=NOW)
    first, _ = ledger.try_reserve([], [], NOW, NOW + 5, ahead=4, ahead_s=0.5)
    used, _ = ledger.try_reserve([], [], NOW, NOW + 5)
    assert first is not None and used is not None
    ledger.answer_later(used, NOW + 0.3)
    ledger.close()
    rows = untils(path)
    assert rows[first] == NOW + 5 and rows[used] == NOW + 0.3
    assert sorted(u for i, u in rows.items() if i not in (first, used)) == [0.0, 0.0, 0.0]


async def test_pacer_takes_slots_ahead_only_for_unspaced_bursts(path: str) -> None:
    clock = FakeClock()
    ledger = Ledger(path, app="a", user="u", now=NOW)
    pacer = Pacer(ledger, (Limit(1000, DAY),), (), timeout=5.0, clock=clock, sleep=clock.sleep)
    sids = [await pacer.acquire() for _ in range(40)]  # a burst: all at the same instant
    assert len(set(sids)) == 40
    assert len(untils(path)) < 60  # far fewer transactions than sends, few spares left over
    for sid in sids:
        assert sid is not None  # no stop_at: acquire always hands out a slot
        pacer.answered(sid, clock())
    clock.now += 10 * AHEAD_S
    pacer.refused(clock(), {})  # a 429 gives every spare back before the limits are relearned
    ledger.flush_answers()
    assert all(u == 0.0 or u <= clock() for u in untils(path).values())
    assert not ledger._spares
    ledger.close()


async def test_no_slots_ahead_with_a_min_interval(path: str) -> None:
    ledger = Ledger(path, app="a", user="u", now=NOW)
    pacer = Pacer(ledger, (Limit(1000, DAY),), (), timeout=5.0, min_interval=0.01)
    for _ in range(5):
        assert await pacer.acquire() is not None
    assert len(untils(path)) == 5
    ledger.close()
