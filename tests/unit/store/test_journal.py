"""The journal on a real SQLite file: schema, queue order, records, undo queue, ingest counts, lock."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest

from bulklike.errors import JournalError
from bulklike.input.ingest import Ingestor, IngestStats, Source
from bulklike.input.lines import InvalidLine, ParsedId
from bulklike.store.journal import Journal, Record
from bulklike.store.schema import _SCHEMA_V1, APPLICATION_ID, SCHEMA_VERSION


def _ingest(path: Path, run_id: int, records: list[ParsedId | InvalidLine]) -> IngestStats:
    import io

    ingestor = Ingestor(str(path), run_id, [Source("t", iter(records), io.BytesIO())], on_commit=lambda _: None)
    ingestor.start()
    assert ingestor.done.wait(10)
    assert ingestor.stats.error is None
    return ingestor.stats


def _ids(*values: str) -> list[ParsedId | InvalidLine]:
    return [ParsedId(v, f"t:{i + 1}") for i, v in enumerate(values)]


def test_new_journal_schema_and_identity(tmp_path: Path) -> None:
    path = tmp_path / "j.db"
    with Journal(str(path)):
        pass
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        versions = [r[0] for r in conn.execute("SELECT version FROM migrations ORDER BY version")]
        assert versions == list(range(1, SCHEMA_VERSION + 1))


def test_queue_in_input_order_and_duplicates_once(tmp_path: Path) -> None:
    path = tmp_path / "j.db"
    with Journal(str(path)) as journal:
        run = journal.begin_run("run", 1.0)
        stats = _ingest(path, run, _ids("30", "10", "20", "10", "30"))
        assert stats.valid == 5
        assert journal.pending_after(0, 10) == [(1, "30"), (2, "10"), (3, "20")]
        assert journal.pending_after(2, 10) == [(3, "20")]
        assert journal.ingest_counts(run) == {"new": 3}


def test_records_and_counts_and_rerun_counts(tmp_path: Path) -> None:
    path = tmp_path / "j.db"
    with Journal(str(path)) as journal:
        run = journal.begin_run("run", 1.0)
        _ingest(path, run, [*_ids("1", "2", "3"), InvalidLine("x", "t:4", "not a tweet ID")])
        journal.record_many(
            [
                Record("1", "liked", 1, 200, None, None, 5.0),
                Record("2", "failed", 5, 503, 130, "Over capacity", 6.0),
                Record("3", "pending", 2, None, None, None, 7.0),
            ]
        )
        assert journal.counts() == {"liked": 1, "failed": 1, "pending": 1, "invalid": 1}
        rows = {r.tweet_id: r for r in journal.rows()}
        assert rows["2"].attempts == 5 and rows["2"].error_code == 130 and rows["2"].message == "Over capacity"
        assert rows["3"].attempts == 2  # attempts kept while the ID stays pending
        assert rows[None].input == "x" and rows[None].source == "t:4"
        second = journal.begin_run("run", 2.0)
        _ingest(path, second, [*_ids("1", "3", "4", "4"), InvalidLine("x", "t:4", "not a tweet ID")])
        assert journal.ingest_counts(second) == {"new": 1, "seen_liked": 1, "seen_pending": 1}
        assert journal.counts()["invalid"] == 1  # the same invalid line is not recorded twice
        assert journal.retry_failed() == 1 and journal.counts()["pending"] == 3


def test_undo_queue(tmp_path: Path) -> None:
    path = tmp_path / "j.db"
    with Journal(str(path)) as journal:
        run = journal.begin_run("run", 1.0)
        _ingest(path, run, _ids("1", "2", "3"))
        journal.record_many(
            [
                Record("1", "liked", 1, 200, None, None, 1.0),
                Record("2", "already_liked", 1, 403, 139, None, 1.0),
                Record("3", "not_found", 1, 404, 144, None, 1.0),
            ]
        )
        assert journal.prepare_undo(include_already=False) == 1
        assert journal.pending_after(0, 10, undo=True) == [(1, "1")]
        assert journal.prepare_undo(include_already=True) == 1  # idempotent for "1", adds "2"
        journal.record_undo_many(
            [Record("1", "unliked", 1, 200, None, None, 2.0), Record("2", "failed", 3, 503, None, None, 2.0)]
        )
        assert journal.counts() == {"unliked": 1, "already_liked": 1, "not_found": 1}
        assert journal.count_pending(undo=True) == 0
        assert journal.prepare_undo(include_already=True) == 1  # a failed unlike is queued again


def test_second_opener_is_refused(tmp_path: Path) -> None:
    path = str(tmp_path / "j.db")
    with Journal(path), pytest.raises(JournalError, match="in use by another bulklike process"):
        Journal(path)
    with Journal(path, lock=False, readonly=True) as reader:  # status/export read alongside a run
        assert reader.counts() == {}


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("content", [b"\x00garbage" * 100, b"SQLite format 3\x00" + b"\xff" * 200])
def test_corrupt_file_refused_untouched(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "j.db"
    path.write_bytes(content)
    before = _digest(path)
    with pytest.raises(JournalError, match="not a bulklike journal"):
        Journal(str(path))
    assert _digest(path) == before


def test_foreign_and_newer_refused_untouched(tmp_path: Path) -> None:
    foreign = tmp_path / "other.db"
    with sqlite3.connect(foreign) as conn:
        conn.execute("CREATE TABLE notes (x)")
    before = _digest(foreign)
    with pytest.raises(JournalError, match="not a bulklike journal"):
        Journal(str(foreign))
    assert _digest(foreign) == before
    newer = tmp_path / "newer.db"
    with Journal(str(newer)):
        pass
    with sqlite3.connect(newer) as conn:
        conn.execute("PRAGMA user_version = 99")
    with pytest.raises(JournalError, match="newer"):
        Journal(str(newer))


def test_older_schema_migrated(tmp_path: Path) -> None:
    path = tmp_path / "v1.db"
    conn = sqlite3.connect(path)
    conn.executescript(_SCHEMA_V1)
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    conn.execute("PRAGMA user_version = 1")
    conn.execute("INSERT INTO items(tweet_id, status, first_seen, added_run, last_run) VALUES ('5', 'liked', 1, 1, 1)")
    conn.commit()
    conn.close()
    with Journal(str(path)) as journal:
        assert journal.prepare_undo(include_already=False) == 1  # v2's undo columns exist now
    with sqlite3.connect(path) as check:
        assert check.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_disk_full_is_a_journal_error_and_keeps_data(tmp_path: Path) -> None:
    path = tmp_path / "j.db"
    with Journal(str(path)) as journal:
        run = journal.begin_run("run", 1.0)
        _ingest(path, run, _ids("1"))
        pages = journal.conn.execute("PRAGMA page_count").fetchone()[0]
        journal.conn.execute(f"PRAGMA max_page_count = {pages}")
        big = "x" * 100_000
        with pytest.raises(JournalError, match="disk full"):
            journal.record_many([Record("1", "failed", 1, 500, None, big, 2.0)])
        assert journal.counts() == {"pending": 1}  # the transaction rolled back as a whole


def test_a_missing_directory_is_an_error_and_is_never_created(tmp_path: Path) -> None:
    target = tmp_path / "typo" / "deeper" / "j.db"
    with pytest.raises(JournalError, match="no directory .*typo/deeper; create it first") as caught:
        Journal(str(target))
    assert caught.value.exit_code == 2
    assert not (tmp_path / "typo").exists()


async def test_a_session_never_creates_the_journal_directory(tmp_path: Path, isolated: None) -> None:
    from bulklike import Credentials, Session

    creds = Credentials(consumer_key="k", consumer_secret="s", access_token="1-t", access_token_secret="ts")
    session = Session(credentials=creds, journal=tmp_path / "nope" / "j.db", ledger=tmp_path / "l.db")
    with pytest.raises(JournalError):
        async with session:
            pass
    assert not (tmp_path / "nope").exists()
