"""The outbox on a real journal and a real results file: a kill between writing lines and
acknowledging them leaves a tail that the next run settles against the journal's intent (whole
lines kept, a cut-short one cut and written again), exactly once; nobody else's bytes are cut."""

from __future__ import annotations

import io
import json
from pathlib import Path

from bulklike.engine.outbox import open_outbox
from bulklike.input.ingest import Ingestor, Source
from bulklike.input.lines import InvalidLine, ParsedId
from bulklike.results import result_line
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


def _line(tweet_id: str) -> dict[str, object]:
    return result_line(tweet_id, "liked", 1, 200, None, None, 5.0)


def _lines(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_a_killed_runs_whole_lines_are_kept_once_and_its_cut_short_line_cut(tmp_path: Path) -> None:
    journal = _journal(tmp_path / "j.db", 4)
    out = tmp_path / "results.jsonl"
    outbox = open_outbox(journal, str(out), "jsonl", None)  # pays the invalid line, owed since ingest
    batch = [_liked("1"), _liked("2")]
    journal.record_many(batch, outbox.take(batch))
    for record in batch:
        outbox.write_record(record)
    batch = [_liked("3"), _liked("4")]
    journal.record_many(batch, outbox.take(batch))  # acknowledges 1 and 2; notes the intent of 3 and 4
    outbox.write_record(batch[0])
    outbox.flush()  # "3" is in the file, not acknowledged, and "4" only half: a kill now
    with out.open("a") as fp:
        fp.write(outbox.writer.render(_line("4"))[:20])
    outbox.writer.stream.close()
    journal.close()

    journal = Journal(str(tmp_path / "j.db"))
    outbox = open_outbox(journal, str(out), "jsonl", None)
    outbox.close()
    records = _lines(out)
    assert [r["tweet_id"] for r in records] == [None, "1", "2", "3", "4"]  # "3" kept once, "4" cut and written
    assert journal.owed(0, 10) == []
    journal.close()


def test_bytes_past_the_mark_that_are_not_this_journals_are_never_cut(tmp_path: Path) -> None:
    """Another journal's records and a line the user appended, after this journal's mark, stay."""
    out = tmp_path / "all.jsonl"
    first = _journal(tmp_path / "a.db", 2)
    outbox = open_outbox(first, str(out), "jsonl", None)
    batch = [_liked("1"), _liked("2")]
    first.record_many(batch, outbox.take(batch))
    for record in batch:
        outbox.write_record(record)
    outbox.close()
    other = _journal(tmp_path / "b.db", 0)
    open_outbox(other, str(out), "jsonl", None).close()  # B appends its invalid line
    with out.open("a") as fp:
        fp.write('{"note": "appended by hand"}')  # no newline: the next record starts on its own line

    outbox = open_outbox(first, str(out), "jsonl", None)  # A again, with nothing to do
    outbox.close()
    records = _lines(out)
    assert [r.get("tweet_id", "hand") for r in records] == [None, "1", "2", None, "hand"]
    first.close()
    other.close()


def test_a_cut_short_line_of_ours_followed_by_anothers_lines_is_kept(tmp_path: Path) -> None:
    out = tmp_path / "all.jsonl"
    first = _journal(tmp_path / "a.db", 2)
    outbox = open_outbox(first, str(out), "jsonl", None)
    batch = [_liked("1"), _liked("2")]
    first.record_many(batch, outbox.take(batch))
    outbox.writer.stream.write(outbox.writer.render(_line("1"))[:15])  # killed mid-line
    outbox.writer.stream.close()
    other = _journal(tmp_path / "b.db", 0)
    open_outbox(other, str(out), "jsonl", None).close()  # closes the torn line, appends its own

    outbox = open_outbox(first, str(out), "jsonl", None)
    outbox.close()
    lines = out.read_text().splitlines()
    assert lines[1] == outbox.writer.render(_line("1"))[:15]  # kept: cutting it would cut B's line too
    assert [json.loads(line)["tweet_id"] for line in lines[2:]] == [None, "1", "2"]  # B's, then A's owed
    first.close()
    other.close()


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
