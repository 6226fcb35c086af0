"""The send ledger: never over across restarts, crashes and concurrent runs; never drops a send."""

from __future__ import annotations

import os
import random
import sqlite3
import subprocess
import sys
import tempfile
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bulklike.errors import JournalError
from bulklike.pacing.ledger import Ledger, reach
from bulklike.pacing.limits import KEEP_S, Limit
from bulklike.pacing.windows import free_at, margin_for
from bulklike.paths import default_ledger_path
from bulklike.store.sends import LEDGER_APP_ID
from tests.helpers.examples import examples
from tests.helpers.pacing import DAY, NOW, limits_st, most_in_window, worst_window

Ops = list[tuple[str, int, float, int]]  # (send|answer|restart|crash, which run, gap before, pick)


def file_rows(path: str, conn: sqlite3.Connection | None = None) -> dict[int, tuple[str, str, float, float]]:
    """What the file holds, read by another connection (``conn``, kept open by a caller that reads often)."""
    reader = conn or sqlite3.connect(path)
    try:
        return {i: (a, u, s, t) for i, a, u, s, t in reader.execute("SELECT id, app, user, sent_at, until FROM sends")}
    finally:
        if conn is None:
            reader.close()


@dataclass
class Send:
    sid: int
    user: str
    t: float
    deadline: float
    answer: float | None = None
    written: float = 0.0  # the until the file should hold

    @property
    def end(self) -> float:
        """The latest moment it can reach the server: its answer, or its deadline if none came."""
        return self.deadline if self.answer is None else self.answer


class Sim:
    """Runs (Ledger objects) on one file, a fake clock, sends in flight, restarts and crashes."""

    def __init__(
        self, path: str, users: list[str], user_limits: list[Limit], app_limits: list[Limit], timeout: float
    ) -> None:
        self.path, self.users, self.timeout = path, users, timeout
        self.user_limits, self.app_limits = user_limits, app_limits
        self.now = NOW
        self.limits = [*user_limits, *app_limits]
        self.ledgers = [Ledger(path, app="app", user=u, now=self.now, limits=self.limits) for u in users]
        self.inflight: list[list[Send]] = [[] for _ in users]
        self.later: list[list[Send]] = [[] for _ in users]  # answer_later, not yet in the file
        self.sends: list[Send] = []
        self.untils: dict[int, float] = {}
        self.reader = sqlite3.connect(path)  # one connection for the check after every step

    def flushed(self, who: int) -> None:
        for record in self.later[who]:
            record.written = record.end
        self.later[who] = []

    def send(self, who: int) -> None:
        self.flushed(who)  # every try_reserve writes the answers noted before it
        sid, when = self.ledgers[who].try_reserve(self.user_limits, self.app_limits, self.now, self.now + self.timeout)
        if sid is None:
            assert when > self.now
            return
        assert when == self.now
        record = Send(sid, self.users[who], self.now, self.now + self.timeout, written=self.now + self.timeout)
        self.sends.append(record)
        self.inflight[who].append(record)

    def answer(self, who: int, pick: int) -> None:
        if self.inflight[who]:
            record = self.inflight[who].pop(pick % len(self.inflight[who]))
            record.answer = min(self.now, record.deadline)  # past the deadline the client timed out
            if pick % 2:
                self.ledgers[who].answered([(record.sid, record.answer)])
                record.written = record.answer
            else:  # as the Pacer does: in memory now, in the file with the next reservation
                self.ledgers[who].answer_later(record.sid, record.answer)
                self.later[who].append(record)

    def restart(self, who: int, crash: bool) -> None:
        if not crash:  # a clean stop: every answer recorded, in one batch
            for record in self.inflight[who]:
                record.answer = min(self.now, record.deadline)
            self.ledgers[who].answered([(r.sid, r.end) for r in self.inflight[who]])
            self.later[who] += self.inflight[who]
            self.ledgers[who].close()  # writes what answer_later noted
            self.flushed(who)
        else:  # after a crash those in flight are never answered, those noted never written
            self.ledgers[who].file.conn.close()
        self.inflight[who], self.later[who] = [], []
        self.ledgers[who] = Ledger(self.path, app="app", user=self.users[who], now=self.now, limits=self.limits)

    def check_file(self) -> None:
        """Every send is in the file; no until ever grew; a written answer's until is that answer."""
        rows = file_rows(self.path, self.reader)
        for record in self.sends:
            if record.sid not in rows:  # only a run's start drops rows, and only those a week old
                assert record.written < self.now - KEEP_S and record.sid < max(rows)
                continue
            app, user, sent_at, until = rows[record.sid]
            assert (app, user, sent_at) == ("app", record.user, record.t)
            assert until == record.written >= record.end
            assert until <= self.untils.get(record.sid, until)
            self.untils[record.sid] = until
        assert set(rows) <= {r.sid for r in self.sends}

    def close(self) -> None:
        for ledger in self.ledgers:
            ledger.close()
        self.reader.close()


gap_st = st.one_of(st.sampled_from([0.0, 0.0, 0.05, 0.3, 1.0, 2.5, 7.0]), st.floats(0.0, 3.0), st.floats(0.0, 120.0))
op_st = st.tuples(st.sampled_from(["send", "send", "send", "answer", "answer", "restart", "crash"]),
                  st.integers(0, 1), gap_st, st.integers(0, 99))  # fmt: skip


def run_ops(sim: Sim, ops: Ops) -> None:
    for op, who, gap, pick in ops:
        sim.now += gap
        if op == "send":
            sim.send(who)
        elif op == "answer":
            sim.answer(who, pick)
        else:
            sim.restart(who, crash=op == "crash")
        sim.check_file()


def random_ops(rng: random.Random, n: int, gap_scale: float, weights: list[int]) -> Ops:
    kinds = rng.choices(["send", "answer", "restart", "crash"], weights=weights, k=n)
    gaps = [rng.expovariate(1.0 / gap_scale) if rng.random() < 0.8 else 0.0 for _ in kinds]
    return [(k, rng.randrange(2), gap, rng.randrange(100)) for k, gap in zip(kinds, gaps, strict=True)]


# long runs of sends that keep every limit at its count most of the time (shrinks less well)
heavy_st = st.builds(random_ops, st.randoms(use_true_random=False), st.integers(50, 250), st.floats(0.05, 20.0),
                     st.lists(st.integers(0, 1), min_size=2, max_size=2).map(lambda w: [8, 3, *w]))  # fmt: skip


def check_windows(sends: list[Send], limits: list[Limit], rng: random.Random) -> None:
    intervals = [(r.t, r.end) for r in sends]
    for limit in limits:
        assert worst_window(intervals, limit.window_s) <= limit.count, limit
        for pick in (lambda s, e: s, lambda s, e: e, lambda s, e: rng.uniform(s, e)):
            assert most_in_window([pick(s, e) for s, e in intervals], limit.window_s) <= limit.count, limit


def what_counts(untils: list[float], sim: Sim) -> list[float]:
    """What a run loads: every send still in flight, else the latest ``depth`` inside the horizon."""
    depth, horizon = reach(sim.limits)
    assert depth is not None
    flying = sorted(u for u in untils if u > sim.now)
    if len(flying) >= depth:
        return flying
    return sorted(u for u in untils if u > sim.now - horizon)[-depth:]


@pytest.mark.slow
@settings(max_examples=examples(200), deadline=None)
@given(user_limits=limits_st, app_limits=st.one_of(st.just([]), limits_st), two_users=st.booleans(),
       ops=st.one_of(st.lists(op_st, min_size=8, max_size=80), heavy_st), timeout=st.floats(0.5, 15.0),
       rng=st.randoms(use_true_random=False))  # fmt: skip
def test_never_over_across_restarts_crashes_and_runs(
    user_limits: list[Limit], app_limits: list[Limit], two_users: bool, ops: Ops, timeout: float, rng: random.Random
) -> None:
    """Two runs on one ledger file (one user twice, or two users of one app), interleaved at random,
    restarted and crashed at random: whatever the true arrival times, no window is ever over; and
    the file holds every send, at its latest possible arrival."""
    with tempfile.TemporaryDirectory() as folder:
        sim = Sim(f"{folder}/ledger.sqlite3", ["u1", "u2" if two_users else "u1"], user_limits, app_limits, timeout)
        try:
            run_ops(sim, ops)
            for user in set(sim.users):
                check_windows([r for r in sim.sends if r.user == user], sim.user_limits, rng)
            check_windows(sim.sends, sim.app_limits, rng)
            fresh = Ledger(sim.path, app="app", user="u1", now=sim.now, limits=sim.limits)  # what a new run sees
            kept = [r for r in sim.sends if r.sid in file_rows(sim.path)]
            assert fresh.user_book.untils == what_counts([r.written for r in kept if r.user == "u1"], sim)
            assert fresh.app_book.untils == what_counts([r.written for r in kept], sim)
            fresh.close()
        finally:
            sim.close()


# -- unit behaviour -------------------------------------------------------------------------------


@pytest.fixture
def path(tmp_path: Path) -> str:
    return str(tmp_path / "state" / "ledger.sqlite3")


def test_reserve_then_refuse_with_the_free_time(path: str) -> None:
    lim = Limit(2, 100.0)
    ledger = Ledger(path, app="a", user="u", now=NOW)
    first, at = ledger.try_reserve([lim], [], NOW, NOW + 10)
    assert first is not None and at == NOW
    second, _ = ledger.try_reserve([lim], [], NOW + 1, NOW + 11)
    assert second is not None and second != first
    refused, when = ledger.try_reserve([lim], [], NOW + 2, NOW + 12)
    assert refused is None
    assert when == pytest.approx(NOW + 10 + 100 + margin_for(lim))  # the oldest send's deadline, then W
    ledger.answered([(first, NOW + 0.5)])
    refused, when = ledger.try_reserve([lim], [], NOW + 2, NOW + 12)
    assert refused is None and when == pytest.approx(NOW + 100.7)
    third, _ = ledger.try_reserve([lim], [], NOW + 100.7, NOW + 110.7)
    assert third is not None
    assert len(file_rows(path)) == 3


def test_reservation_is_committed_before_it_returns(path: str) -> None:
    """Another connection sees the row at once: a kill -9 right after cannot lose the send."""
    ledger = Ledger(path, app="a", user="u", now=NOW)
    sid, _ = ledger.try_reserve([Limit(5, 60.0)], [], NOW, NOW + 7)
    assert file_rows(path) == {sid: ("a", "u", NOW, NOW + 7)}
    assert not ledger.file.conn.in_transaction
    assert (os.stat(path).st_mode & 0o777) == 0o600
    assert ledger.try_reserve([Limit(1, 60.0)], [], NOW, NOW + 7)[0] is None  # a refusal: no row, no lock
    assert len(file_rows(path)) == 1
    assert not ledger.file.conn.in_transaction
    other = Ledger(path, app="a", user="u", now=NOW)  # the file is not left locked
    assert other.try_reserve([Limit(5, 60.0)], [], NOW, NOW + 7)[0] is not None


def test_answered_only_shortens(path: str) -> None:
    ledger = Ledger(path, app="a", user="u", now=NOW)
    a, _ = ledger.try_reserve([], [], NOW, NOW + 10)
    b, _ = ledger.try_reserve([], [], NOW, NOW + 10)
    c, _ = ledger.try_reserve([], [], NOW, NOW + 10)
    assert a is not None and b is not None and c is not None
    ledger.answered([(a, NOW + 2), (b, NOW + 30)])  # b's answer after its deadline: kept at the deadline
    ledger.answered([(a, NOW + 5), (a, NOW + 1)])  # a second answer is ignored, up or down
    ledger.answered([(999, NOW), (c, NOW + 10)])  # unknown ids are ignored; c at its deadline
    rows = file_rows(path)
    assert [rows[i][3] for i in (a, b, c)] == [NOW + 2, NOW + 10, NOW + 10]
    assert ledger.user_book.untils == ledger.app_book.untils == [NOW + 2, NOW + 10, NOW + 10]
    other = Ledger(path, app="a", user="u", now=NOW)
    other.answered([(c, NOW + 1)])  # not its send: a run only answers its own
    assert file_rows(path)[c][3] == NOW + 10


def test_answer_later_is_written_by_the_next_reservation_or_close(path: str) -> None:
    ledger = Ledger(path, app="a", user="u", now=NOW)
    a, b = (ledger.try_reserve([], [], NOW, NOW + 10)[0] for _ in range(2))
    assert a is not None and b is not None
    ledger.answer_later(a, NOW + 1)
    assert ledger.user_book.untils == [NOW + 1, NOW + 10]  # this run knows at once
    assert file_rows(path)[a][3] == NOW + 10  # others still see the deadline: only ever safer
    ledger.try_reserve([Limit(1, 100.0)], [], NOW + 2, NOW + 12)  # refused, but writes it
    assert file_rows(path)[a][3] == NOW + 1
    ledger.answer_later(b, NOW + 3)
    ledger.close()
    assert file_rows(path)[b][3] == NOW + 3


def test_other_runs_sends_are_seen_without_reload(path: str) -> None:
    lim = Limit(3, 100.0)
    one = Ledger(path, app="a", user="u", now=NOW)
    two = Ledger(path, app="a", user="u", now=NOW)
    assert one.try_reserve([lim], [], NOW, NOW + 5)[0] is not None
    assert two.try_reserve([lim], [], NOW + 1, NOW + 6)[0] is not None
    assert one.try_reserve([lim], [], NOW + 2, NOW + 7)[0] is not None
    refused, when = two.try_reserve([lim], [], NOW + 3, NOW + 8)
    assert refused is None and when == pytest.approx(NOW + 105.2)
    assert one.user_book.untils == [NOW + 5, NOW + 6, NOW + 7]


def test_a_waiting_run_reloads_answers_of_other_runs(path: str) -> None:
    lim = Limit(1, 100.0)
    one = Ledger(path, app="a", user="u", now=NOW)
    two = Ledger(path, app="a", user="u", now=NOW)
    sid, _ = one.try_reserve([lim], [], NOW, NOW + 10)
    assert sid is not None
    assert two.try_reserve([lim], [], NOW + 1, NOW + 11)[0] is None  # two now holds until = NOW + 10
    one.answered([(sid, NOW + 0.5)])
    assert two.try_reserve([lim], [], NOW + 100.8, NOW + 110)[0] is not None  # learnt 0.5 from the file


def test_user_and_app_scopes(path: str) -> None:
    user, app = [Limit(2, 100.0)], [Limit(3, 100.0)]
    alice = Ledger(path, app="a", user="alice", now=NOW)
    bob = Ledger(path, app="a", user="bob", now=NOW)
    other_app = Ledger(path, app="b", user="carol", now=NOW)
    alice_elsewhere = Ledger(path, app="b", user="alice", now=NOW)  # e.g. OAuth 2.0 after OAuth 1.0a
    assert [alice.try_reserve(user, app, NOW, NOW + 1)[0] is not None for _ in range(3)] == [True, True, False]
    assert bob.try_reserve(user, app, NOW, NOW + 1)[0] is not None  # bob has his own 2, the app 1 more
    assert bob.try_reserve(user, app, NOW, NOW + 1)[0] is None  # the app's 3 are spent
    assert other_app.try_reserve(user, app, NOW, NOW + 1)[0] is not None  # other apps are apart
    assert alice_elsewhere.try_reserve(user, app, NOW, NOW + 1)[0] is None  # but alice's 2 are hers in any app
    assert len(bob.user_book) == 1 and len(bob.app_book) == 3
    assert len(alice_elsewhere.user_book) == 2 and len(alice_elsewhere.app_book) == 1


def test_old_rows_are_dropped_after_a_week(path: str) -> None:
    ledger = Ledger(path, app="a", user="u", now=NOW)
    ledger.try_reserve([], [], NOW, NOW + 1)
    ledger.try_reserve([], [], NOW + 2 * DAY, NOW + 2 * DAY + 1)
    ledger.close()
    later = Ledger(path, app="a", user="u", now=NOW + KEEP_S + 1.5)
    assert later.user_book.untils == [NOW + 2 * DAY + 1]


def test_ids_never_reused_after_old_rows_go(path: str) -> None:
    """A run that started before a week-old cleanup must still see the sends made after it.

    Catch-up reads rows with ids above the last one seen; were the newest row deleted, SQLite would
    hand its id out again and the long-running run would never see those sends.
    """
    lim = Limit(3, 100.0)
    old = Ledger(path, app="a", user="u", now=NOW)
    for i in range(3):
        old.try_reserve([lim], [], NOW + i, NOW + i + 1)
    later = NOW + KEEP_S + 10.0
    new = Ledger(path, app="a", user="u", now=later)  # cleans up the old rows
    sent = [new.try_reserve([lim], [], later + i, later + i + 1)[0] for i in range(3)]
    assert None not in sent
    assert old.try_reserve([lim], [], later + 4, later + 5)[0] is None  # 3 in the window already


@pytest.mark.parametrize("sql", ["CREATE TABLE t (x);", "PRAGMA application_id = 12345;"])
def test_refuses_foreign_files(tmp_path: Path, sql: str) -> None:
    foreign = tmp_path / "other.db"
    conn = sqlite3.connect(foreign)
    conn.executescript(sql)
    conn.close()
    before = foreign.read_bytes()
    with pytest.raises(JournalError, match="not a bulklike send ledger"):
        Ledger(str(foreign), app="a", user="u", now=NOW)
    assert foreign.read_bytes() == before


def test_new_file_is_stamped(path: str) -> None:
    Ledger(path, app="a", user="u", now=NOW).close()
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA application_id").fetchone()[0] == LEDGER_APP_ID
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.close()
    Ledger(path, app="a", user="u", now=NOW).close()  # and opens again


def test_books_forget_what_no_limit_counts(path: str) -> None:
    lim = Limit(2, 100.0)
    ledger = Ledger(path, app="a", user="u", now=NOW, limits=[lim])
    for t in (NOW, NOW + 50, NOW + 150):
        ledger.try_reserve([lim], [], t, t + 1)
    assert ledger.user_book.untils == [NOW + 51, NOW + 151]  # NOW + 1 stopped counting at NOW + 101.2
    assert ledger.free_at([lim], [], NOW + 160) == NOW + 160
    assert len(file_rows(path)) == 3  # the file keeps a week, for limits other runs may have


def test_default_path(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    assert default_ledger_path() == str(tmp_path / "bulklike" / "ledger.sqlite3")
    monkeypatch.delenv("XDG_STATE_HOME")
    assert default_ledger_path().endswith(os.path.join(".local", "state", "bulklike", "ledger.sqlite3"))


_HAMMER = textwrap.dedent("""
    import sys
    from bulklike.pacing.ledger import Ledger, reach
    from bulklike.pacing.limits import Limit
    path, user, now = sys.argv[1], sys.argv[2], float(sys.argv[3])
    ledger = Ledger(path, app="a", user=user, now=now)
    got = sum(ledger.try_reserve([Limit(25, 1000.0)], [Limit(40, 1000.0)], now + i * 0.01, now + 99)[0] is not None
              for i in range(300))
    print(got)
""")


def test_processes_racing_for_slots(path: str) -> None:
    """Real processes on one file: BEGIN IMMEDIATE serialises the decisions; not one slot too many."""
    Ledger(path, app="a", user="x", now=NOW).close()
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[3])}
    argv = [[sys.executable, "-c", _HAMMER, path, user, str(NOW)] for user in ("u1", "u1", "u2", "u2")]
    procs = [subprocess.Popen(args, stdout=subprocess.PIPE, env=env, text=True) for args in argv]
    counts = [int(p.communicate(timeout=60)[0]) for p in procs]
    assert all(p.returncode == 0 for p in procs)
    assert counts[0] + counts[1] <= 25 and counts[2] + counts[3] <= 25
    assert sum(counts) == 40  # the app's count, exactly
    assert len(file_rows(path)) == 40


def test_fully_used_through_the_ledger(path: str) -> None:
    """1000/24h, one worker, answers after 0.2 s: day two still gets >= 99% of the count."""
    lim = Limit(1000, DAY)
    ledger = Ledger(path, app="a", user="u", now=NOW)
    now, times = NOW, []
    while now < NOW + 2 * DAY:
        sid, when = ledger.try_reserve([lim], [lim], now, now + 10)
        if sid is None:
            now = when
            continue
        times.append(now)
        ledger.answered([(sid, now + 0.2)])
        now += 0.2
    assert most_in_window(times, DAY) <= 1000
    day_two = [t for t in times if t >= NOW + DAY]
    assert len(day_two) >= 990
    assert free_at(ledger.user_book, [lim], now) >= now


def test_a_busy_ledger_is_called_the_ledger_not_the_journal(tmp_path: Path) -> None:
    path = str(tmp_path / "l.db")
    ledger = Ledger(path, app="a", user="u", now=NOW)
    ledger.file.conn.execute("PRAGMA busy_timeout = 0")  # the default waits 10 s for the lock
    blocker = sqlite3.connect(path, isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(JournalError) as caught:
            ledger.try_reserve([Limit(5, 60.0)], [], NOW, NOW + 31.0)
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
        ledger.close()
    assert str(caught.value) == f"{path}: the send ledger is busy (another bulklike process?)"
