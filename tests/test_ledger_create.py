"""Many processes opening a brand-new ledger at the same instant all succeed and share it."""

from __future__ import annotations

import multiprocessing
import sqlite3
from pathlib import Path

from bulklike.pacing.ledger import LEDGER_APP_ID, Ledger


def _open(path: str, start: multiprocessing.synchronize.Barrier, out: multiprocessing.Queue[str]) -> None:
    start.wait()
    try:
        ledger = Ledger(path, app="a", user="u", now=1_000.0)
        send_id, _ = ledger.try_reserve((), (), 1_000.0, 1_010.0)
        ledger.close()
        out.put(f"ok {send_id}")
    except Exception as exc:  # the test reports what went wrong in the child
        out.put(f"error {exc}")


def test_concurrent_creation_of_a_new_ledger(tmp_path: Path) -> None:
    ctx = multiprocessing.get_context("fork")
    for attempt in range(5):
        path = str(tmp_path / f"ledger{attempt}.sqlite3")
        start = ctx.Barrier(8)
        out: multiprocessing.Queue[str] = ctx.Queue()
        procs = [ctx.Process(target=_open, args=(path, start, out)) for _ in range(8)]
        for proc in procs:
            proc.start()
        results = [out.get(timeout=30) for _ in procs]
        for proc in procs:
            proc.join(10)
        assert all(r.startswith("ok") for r in results), results
        assert sorted(int(r.split()[1]) for r in results) == list(range(1, 9))  # every send recorded once
        with sqlite3.connect(path) as conn:
            assert conn.execute("PRAGMA application_id").fetchone()[0] == LEDGER_APP_ID


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
