"""Many processes opening a brand-new ledger at the same instant all succeed and share it.

The start-up race (the switch to WAL after the set-up could deadlock with a second process and
SQLite answers one of them "database is locked" at once) showed in about 3 runs in 16 with 8
processes. Here 8 long-lived processes meet at a barrier and open a fresh ledger together, again
and again (``ROUNDS`` times in a row, default 200): every one must succeed every time.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.synchronize
import os
import sqlite3
from pathlib import Path

import pytest

from bulklike.pacing.ledger import Ledger
from bulklike.store.sends import LEDGER_APP_ID

PROCESSES = 8
ROUNDS = int(os.environ.get("BULKLIKE_LEDGER_RACE_ROUNDS", "200"))


def _opener(
    folder: str, rounds: int, start: multiprocessing.synchronize.Barrier, out: multiprocessing.Queue[str]
) -> None:
    for n in range(rounds):
        start.wait(60)
        try:
            ledger = Ledger(f"{folder}/ledger{n}.sqlite3", app="a", user="u", now=1_000.0)
            send_id, _ = ledger.try_reserve((), (), 1_000.0, 1_010.0)
            ledger.close()
            out.put(f"{n} ok {send_id}")
        except Exception as exc:  # the test reports what went wrong in the child
            out.put(f"{n} error {exc}")


@pytest.mark.slow
def test_concurrent_creation_of_a_new_ledger_many_times(tmp_path: Path) -> None:
    ctx = multiprocessing.get_context("fork")
    start = ctx.Barrier(PROCESSES)
    out: multiprocessing.Queue[str] = ctx.Queue()
    procs = [ctx.Process(target=_opener, args=(str(tmp_path), ROUNDS, start, out)) for _ in range(PROCESSES)]
    for proc in procs:
        proc.start()
    try:
        results = [out.get(timeout=60) for _ in range(PROCESSES * ROUNDS)]
    finally:
        for proc in procs:
            proc.join(10)
            if proc.is_alive():
                proc.kill()
    errors = [r for r in results if " error " in r]
    assert not errors, errors[:5]
    by_round: dict[int, list[int]] = {}
    for r in results:
        round_no, _, send_id = r.split()
        by_round.setdefault(int(round_no), []).append(int(send_id))
    assert len(by_round) == ROUNDS
    for n, sends in by_round.items():
        assert sorted(sends) == list(range(1, PROCESSES + 1)), (n, sends)  # every send recorded once
        with sqlite3.connect(tmp_path / f"ledger{n}.sqlite3") as conn:
            assert conn.execute("PRAGMA application_id").fetchone()[0] == LEDGER_APP_ID
            assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_foreign_or_corrupt_ledger_refused_untouched(tmp_path: Path) -> None:
    import hashlib

    import pytest

    from bulklike.errors import JournalError

    foreign = tmp_path / "foreign.db"
    with sqlite3.connect(foreign) as conn:
        conn.execute("CREATE TABLE notes (x)")
    corrupt = tmp_path / "corrupt.db"
    corrupt.write_bytes(b"\x00not sqlite" * 200)
    for path in (foreign, corrupt):
        before = hashlib.sha256(path.read_bytes()).hexdigest()
        with pytest.raises(JournalError, match="not a bulklike"):
            Ledger(str(path), app="a", user="u", now=1.0)
        assert hashlib.sha256(path.read_bytes()).hexdigest() == before
        assert not Path(f"{path}-wal").exists() and not Path(f"{path}-journal").exists()
