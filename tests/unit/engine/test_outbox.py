"""The outbox on a real journal and a real results file: a kill between writing lines and
acknowledging them leaves a tail that the next run cuts and writes again, exactly once."""

from __future__ import annotations

import io
import json
from pathlib import Path

from bulklike.engine.outbox import open_outbox
from bulklike.input.ingest import Ingestor, Source
from bulklike.input.lines import InvalidLine, ParsedId
from bulklike.store.journal import Journal, Record


def _journal(path: Path, n: int) -> Journal:
    journal = Journal(str(path))
    run = journal.begin_run("run", 1.0)
    records: list[ParsedId | InvalidLine] = [ParsedId(str(i), f"t:{i}") for i in range(1, n + 1)]
    records.append(InvalidLine("=1+1", "t:99", "not a tweet ID"))
    ingestor = Ingestor(str(path), run, [Source("t", iter(records), io.BytesIO())], on_commit=lambda _: None)
    ingestor.start()
    assert ingestor.done.wait(10) and ingestor.stats.error is None
    return journal


def _liked(tweet_id: str) -> Record:
    return Record(tweet_id, "liked", 1, 200, None, None, 5.0)


def _lines(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_unacknowledged_tail_is_cut_and_written_again_once(tmp_path: Path) -> None:
    journal = _journal(tmp_path / "j.db", 4)
    out = tmp_path / "results.jsonl"
    outbox = open_outbox(journal, str(out), "jsonl", None)  # pays the invalid line, owed since ingest
    journal.record_many([_liked("1"), _liked("2")], outbox.take())
    for tweet_id in ("1", "2"):
        outbox.write_record(_liked(tweet_id))
    journal.record_many([_liked("3")], outbox.take())  # acknowledges 1 and 2 with the next batch
    outbox.write_record(_liked("3"))
    outbox.flush()  # "3" is in the file but not acknowledged: a kill now
    with out.open("a") as fp:
        fp.write('{"tweet_id": "4", "sta')  # and a line cut short
    outbox.writer.stream.close()
    journal.close()

    journal = Journal(str(tmp_path / "j.db"))
    outbox = open_outbox(journal, str(out), "jsonl", None)
    outbox.close()
    records = _lines(out)
    assert [r["tweet_id"] for r in records] == [None, "1", "2", "3"]  # "3" once, the torn line gone
    assert journal.owed(0, 10) == []
    journal.close()


def test_stdout_gets_what_an_earlier_run_owed(tmp_path: Path) -> None:
    journal = _journal(tmp_path / "j.db", 2)
    journal.record_many([_liked("1"), _liked("2")])  # committed; the run was killed before writing
    first = io.StringIO()
    open_outbox(journal, None, "jsonl", first)
    again = io.StringIO()
    open_outbox(journal, None, "jsonl", again)
    assert [json.loads(line)["tweet_id"] for line in first.getvalue().splitlines()] == ["1", "2", None]  # input order
    assert again.getvalue() == ""  # paid and acknowledged: not repeated
    journal.close()
