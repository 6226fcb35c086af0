"""Slots taken ahead: one ledger transaction for a burst of unspaced sends, never a send uncovered.

The rule they must keep is the ledger's: every send is in the file, committed, before it leaves,
with an ``until`` no earlier than its deadline; a slot that never left may end at 0.
"""

from __future__ import annotations

import random
import sqlite3
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from bulklike.pacing.ledger import MAX_AHEAD, Ledger
from bulklike.pacing.limits import Limit
from bulklike.pacing.pacer import AHEAD_S, Pacer
from bulklike.store import sends
from tests.helpers.clock import FakeClock
from tests.helpers.examples import examples
from tests.helpers.pacing import DAY, NOW, most_in_window, worst_window


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
    user, app = [Limit(40, 60.0)], [Limit(12, 60.0)]
    sid, _ = ledger.try_reserve(user, app, NOW, NOW + 5, ahead=8, ahead_s=0.5)
    assert sid is not None and len(untils(path)) == 4  # a quarter of the app's 12: one slot and three spares
    taken = [sid]
    while (sid := ledger.try_reserve(user, app, NOW, NOW + 5, ahead=8, ahead_s=0.5)[0]) is not None:
        taken.append(sid)
    assert len(set(taken)) == 12 and sorted(untils(path)) == sorted(taken)  # every one of the 12, none over
    tight = Ledger(path, app="b", user="v", now=NOW)  # 3 left of 3: a quarter is no spare at all
    assert tight.try_reserve([], [Limit(3, 60.0)], NOW, NOW + 5, ahead=8, ahead_s=0.5)[0] is not None
    assert len(untils(path)) == 13


def test_stale_spares_end_at_zero_and_stop_counting(path: str) -> None:
    ledger = Ledger(path, app="a", user="u", now=NOW)
    lim = [Limit(12, 60.0)]
    first, _ = ledger.try_reserve(lim, [], NOW, NOW + 5, ahead=3, ahead_s=0.5)
    spares = [i for i in untils(path) if i != first]
    late, _ = ledger.try_reserve(lim, [], NOW + 1, NOW + 6)  # past ahead_s: the spares never left
    assert late is not None and late not in spares
    rows = untils(path)
    assert [rows[i] for i in spares] == [0.0, 0.0, 0.0]  # written with the new slot's transaction
    other = Ledger(path, app="a", user="u", now=NOW + 1)  # another run sees the room they left: 12 - 2
    assert [other.try_reserve(lim, [], NOW + 1, NOW + 6)[0] is not None for _ in range(11)] == [True] * 10 + [False]


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
    statements: list[str] = []
    ledger.file.conn.set_trace_callback(statements.append)
    sids = [await pacer.acquire() for _ in range(40)]  # a burst: all at the same instant
    ledger.file.conn.set_trace_callback(None)
    assert len(set(sids)) == 40
    # far fewer transactions than sends: 1, 1, 2, 4, 8, 16 and 32 slots as the burst is seen
    assert statements.count("BEGIN IMMEDIATE") == 7
    assert len(untils(path)) == 64  # the 40, and what the last transaction took for the sends it expected
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


# -- batched: one INSERT, a quarter of the room at most, never over across processes ------------------


def test_far_from_every_limit_one_insert_takes_the_slot_and_63_spares(path: str) -> None:
    ledger = Ledger(path, app="a", user="u", now=NOW)
    far = [Limit(1_000_000, DAY)]
    statements: list[str] = []
    ledger.file.conn.set_trace_callback(statements.append)
    first, _ = ledger.try_reserve(far, far, NOW, NOW + 10, ahead=500, ahead_s=0.1)
    assert [s.split()[0] for s in statements] == ["BEGIN", "SELECT", "INSERT", "COMMIT"]  # catch-up, the rows
    rows = untils(path)
    assert first is not None and rows[first] == NOW + 10 and len(rows) == 1 + MAX_AHEAD == 64
    handed = [ledger.try_reserve(far, far, NOW + 0.1, NOW + 10.1)[0] for _ in range(MAX_AHEAD)]
    assert sorted(h for h in handed if h is not None) == sorted(set(rows) - {first})
    assert len(statements) == 4  # handed out from memory
    ledger.close()


def test_without_returning_the_rows_go_one_by_one_with_the_same_result(
    path: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sends, "MANY_AT_ONCE", False)  # SQLite before 3.35
    ledger = Ledger(path, app="a", user="u", now=NOW)
    first, _ = ledger.try_reserve([], [], NOW, NOW + 10, ahead=5, ahead_s=0.5)
    rows = untils(path)
    assert first is not None and rows[first] == NOW + 10
    assert sorted(u for i, u in rows.items() if i != first) == [NOW + 10.5] * 5
    ledger.close()


def test_a_spare_never_covers_a_send_with_a_later_deadline(path: str) -> None:
    ledger = Ledger(path, app="a", user="u", now=NOW)
    first, _ = ledger.try_reserve([], [], NOW, NOW + 5, ahead=2, ahead_s=0.5)
    longer, _ = ledger.try_reserve([], [], NOW, NOW + 30)  # a longer timeout than the spares were taken for
    rows = untils(path)
    assert longer is not None and rows[longer] == NOW + 30
    assert sorted(rows.values()) == [0.0, 0.0, NOW + 5, NOW + 30]  # the spares given back with it


@settings(max_examples=examples(100), deadline=None)
@given(user=st.integers(1, 400), app=st.integers(1, 400), used=st.integers(0, 400), ahead=st.integers(0, 100))
def test_never_more_spares_than_a_quarter_of_the_tightest_room(user: int, app: int, used: int, ahead: int) -> None:
    assume(used < min(user, app))
    with tempfile.TemporaryDirectory() as folder:
        path = f"{folder}/ledger.sqlite3"
        other = Ledger(path, app="a", user="u", now=NOW)  # another run has used some of both
        for _ in range(used):
            assert other.try_reserve([Limit(user, 60.0)], [Limit(app, 60.0)], NOW, NOW + 5)[0] is not None
        other.close()
        ledger = Ledger(path, app="a", user="u", now=NOW)
        sid, _ = ledger.try_reserve([Limit(user, 60.0)], [Limit(app, 60.0)], NOW, NOW + 5, ahead=ahead, ahead_s=0.1)
        assert sid is not None
        room = min(user, app) - used
        assert len(ledger._spares) == min(ahead, MAX_AHEAD, room // 4) == len(untils(path)) - used - 1
        ledger.close()


@dataclass
class Sent:
    who: int
    sid: int
    t: float
    end: float  # its deadline, or when its answer came


big_limits_st = st.lists(
    st.builds(Limit, st.integers(1, 200), st.sampled_from([0.5, 2.0, 10.0, 60.0])), min_size=1, max_size=2
)
ahead_op_st = st.tuples(
    st.sampled_from(["send"] * 6 + ["answer"] * 3 + ["crash", "close"]),
    st.integers(0, 1),
    st.sampled_from([0.0, 0.0, 0.0, 0.01, 0.05, 0.2, 1.0, 5.0]),
    st.integers(0, 99),
)


@settings(max_examples=examples(150), deadline=None)
@given(user_limits=big_limits_st, app_limits=st.one_of(st.just([]), big_limits_st), two_users=st.booleans(),
       ops=st.lists(ahead_op_st, min_size=10, max_size=300), rng=st.randoms(use_true_random=False))  # fmt: skip
def test_two_runs_taking_slots_ahead_never_exceed_a_window_together(
    user_limits: list[Limit], app_limits: list[Limit], two_users: bool, ops: list[tuple[str, int, float, int]],
    rng: random.Random,
) -> None:  # fmt: skip
    """Two runs on one file, each taking up to 63 slots ahead, interleaved, answered, crashed and
    restarted: whatever the true arrival times, no window ever holds more than its count, and every
    send is in the file with an ``until`` no earlier than its latest possible arrival."""
    users = ["u1", "u2" if two_users else "u1"]
    with tempfile.TemporaryDirectory() as folder:
        path, now = f"{folder}/ledger.sqlite3", NOW
        ledgers = [Ledger(path, app="app", user=u, now=now) for u in users]
        flying: list[list[Sent]] = [[], []]
        sent: list[Sent] = []
        for op, who, gap, n in ops:
            now += gap
            ledger = ledgers[who]
            if op == "send":
                timeout = 1.0 + n % 3  # a spare covers only a deadline it was taken for
                sid, when = ledger.try_reserve(user_limits, app_limits, now, now + timeout, ahead=n % 70, ahead_s=0.1)
                if sid is None:
                    assert when > now
                    continue
                record = Sent(who, sid, now, now + timeout)
                assert untils(path)[sid] >= record.end
                sent.append(record)
                flying[who].append(record)
            elif op == "answer" and flying[who]:
                record = flying[who].pop(n % len(flying[who]))
                record.end = min(now, record.end)
                ledger.answer_later(record.sid, record.end) if n % 2 else ledger.answered([(record.sid, record.end)])
            elif op in ("crash", "close"):
                if op == "crash":  # spares and sends in flight stay on file as they are
                    ledger.file.conn.close()
                else:
                    ledger.close()
                flying[who] = []
                ledgers[who] = Ledger(path, app="app", user=users[who], now=now)
        rows = untils(path)
        assert all(rows[r.sid] >= r.end for r in sent)
        for ledger in ledgers:
            ledger.close()
    for scope, limits in [*((u, user_limits) for u in set(users)), (None, app_limits)]:
        intervals = [(r.t, r.end) for r in sent if scope is None or users[r.who] == scope]
        for limit in limits:
            assert worst_window(intervals, limit.window_s) <= limit.count, limit
            arrivals = [rng.uniform(s, e) for s, e in intervals]
            assert most_in_window(arrivals, limit.window_s) <= limit.count, limit
