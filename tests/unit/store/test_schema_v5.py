"""Journal schema v5: ``items.record_key``, the key of the record a network made for a like (NULL for X).

A v4 journal (made the way v4 made it: every migration up to 4, with rows, a run and an owed line) is
opened by this version: migrated in place, nothing lost, the key column there and empty."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from bulklike.store.journal import Journal, Record
from bulklike.store.schema import _MIGRATIONS, APPLICATION_ID, SCHEMA_VERSION


def _v4_journal(path: Path) -> None:
    conn = sqlite3.connect(path)
    for version in range(1, 5):
        conn.executescript(_MIGRATIONS[version])
        conn.execute("INSERT INTO migrations(version, applied_at) VALUES (?, 1.0)", (version,))
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    conn.execute("PRAGMA user_version = 4")
    conn.execute("INSERT INTO runs(command, started_at, finished_at, stop_reason) VALUES ('run', 1, 2, 'stopped')")
    rows = [("11", "liked", 1), ("12", "pending", None), ("13", "not_found", 1)]
    conn.executemany(
        "INSERT INTO items(tweet_id, status, first_seen, added_run, last_run, unwritten) VALUES (?, ?, 1, 1, 1, ?)",
        rows,
    )
    conn.commit()
    conn.close()


def test_a_v4_journal_opens_migrated_to_v5(tmp_path: Path) -> None:
    path = tmp_path / "v4.db"
    _v4_journal(path)
    assert SCHEMA_VERSION == 5
    with Journal(str(path)) as journal:
        assert journal.counts() == {"liked": 1, "pending": 1, "not_found": 1}
        assert journal.pending_keyed_after(0, 10) == [(2, "12", None)]  # old rows carry no key
        assert [row.tweet_id for row in journal.owed(0, 10)] == ["11", "13"]  # the owed lines survive
        assert journal.prepare_undo(include_already=False) == 1
        assert journal.pending_keyed_after(0, 10, undo=True) == [(1, "11", None)]
    with sqlite3.connect(path) as check:
        assert check.execute("PRAGMA user_version").fetchone()[0] == 5
        assert [v for (v,) in check.execute("SELECT version FROM migrations ORDER BY version")] == [1, 2, 3, 4, 5]
        columns = [row[1] for row in check.execute("PRAGMA table_info(items)")]
        assert "record_key" in columns
        assert check.execute("SELECT stop_reason FROM runs").fetchone() == ("stopped",)


def test_a_key_is_journaled_with_its_outcome_and_kept(tmp_path: Path) -> None:
    path = tmp_path / "v4.db"
    _v4_journal(path)
    with Journal(str(path)) as journal:
        journal.record_many([Record("12", "liked", 1, 200, None, None, 5.0, key="3kabc")])
        assert journal.record_key("12") == "3kabc"
        journal.record_many([Record("12", "liked", 0, 200, None, None, 6.0)])  # an outcome with no key keeps it
        assert journal.record_key("12") == "3kabc"
        assert journal.record_key("11") is None
        journal.prepare_undo(include_already=False)
        assert (2, "12", "3kabc") in journal.pending_keyed_after(0, 10, undo=True)
