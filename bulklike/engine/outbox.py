"""The results outbox: each terminal record reaches the results output, and a file exactly once.

The journal owes a result line for every terminal record and every new invalid line (the row's
``unwritten`` mark is set in the same commit as the outcome). Lines are written only after that
commit; the acknowledgement (the rows no longer owed and, for a file, the file's new length) is
committed with the next group commit, or by ``commit()`` at the end: one transaction per batch,
as before. A run first pays what an earlier run still owed, in input order:

* ``--output FILE``: the journal keeps the file's identity and acknowledged length. A tail past
  that length (lines written by a run killed before acknowledging them, or a line cut short) is
  cut by ``results.open_results`` and its records, still owed, are written again. So the file
  holds each record exactly once, however many kills.
* stdout: what is owed is written again, so consecutive runs never miss a record; one repeats
  only when a kill landed between writing it and acknowledging it.
"""

from __future__ import annotations

import io
import json
import os
from typing import Any

from bulklike.input.ingest import SkippedId
from bulklike.input.readers import InvalidLine
from bulklike.results import FileId, Format, ResultWriter, check_results_file, invalid_line, open_results, result_line
from bulklike.store.journal import OUTBOX_META, Journal, Marks, Owed, Record

#: owed rows read from the journal at a time when paying old debts
_CHUNK = 1000


class Outbox:
    """Writes result lines for committed records and tracks which are still to acknowledge."""

    def __init__(self, journal: Journal, writer: ResultWriter, file: FileId | None = None) -> None:
        self.journal = journal
        self.writer = writer
        self.file = file
        self._ids: list[str] = []
        self._seqs: list[int] = []

    @property
    def count(self) -> int:
        return self.writer.count

    def write_record(self, record: Record) -> None:
        """The result line of a record just committed (terminal)."""
        self.writer.write(
            result_line(
                record.tweet_id,
                record.status,
                record.attempts,
                record.http_status,
                record.error_code,
                record.message,
                record.at,
            )
        )
        self._ids.append(record.tweet_id)

    def write_invalid(self, seq: int, line: InvalidLine) -> None:
        """The record of an invalid input line just committed (new to the journal)."""
        self.writer.write(invalid_line(line.input, line.source, line.reason))
        self._seqs.append(seq)

    def write_skipped(self, seq: int, skipped: SkippedId) -> None:
        """The record of an ID ``unlike`` left alone, just committed (new to the journal)."""
        self.writer.write(result_line(skipped.tweet_id, "skipped", 0, None, None, skipped.reason, skipped.at))
        self._seqs.append(seq)

    def flush(self) -> None:
        self.writer.flush()

    def take(self) -> Marks:
        """What was written since the last call, flushed, as marks to commit (``restore`` on failure)."""
        self.writer.flush()
        if self.writer.broken:  # nobody read them: they stay owed
            self._ids, self._seqs = [], []
            return Marks([], [], {})
        meta: dict[str, str] = {}
        if self.file is not None and (self._ids or self._seqs):
            length = os.fstat(self.writer.stream.fileno()).st_size
            meta[OUTBOX_META] = _file_meta(self.file, length)
        marks = Marks(self._ids, self._seqs, meta)
        self._ids, self._seqs = [], []
        return marks

    def restore(self, marks: Marks) -> None:
        """Marks whose commit failed: keep them for the next one."""
        self._ids[:0] = marks.tweet_ids
        self._seqs[:0] = marks.seqs

    def commit(self) -> None:
        """Acknowledge everything written so far, in a transaction of its own."""
        marks = self.take()
        try:
            self.journal.acknowledge(marks)
        except BaseException:
            self.restore(marks)
            raise

    def close(self) -> None:
        """Acknowledge what was written; close a results file (never stdout)."""
        try:
            self.commit()
        finally:
            if self.file is not None:
                self.writer.stream.close()

    def pay_owed(self) -> int:
        """Write every line an earlier run owed (in input order) and acknowledge them; how many."""
        paid, after = 0, 0
        while rows := self.journal.owed(after, _CHUNK):
            for row in rows:
                self._write_owed(row)
            after = rows[-1].seq
            paid += len(rows)
            self.commit()
        if self.file is not None and not paid:  # a new or changed file: remember it from now on
            self.writer.flush()
            length = os.fstat(self.writer.stream.fileno()).st_size
            self.journal.acknowledge(Marks([], [], {OUTBOX_META: _file_meta(self.file, length)}))
        return paid

    def _write_owed(self, row: Owed) -> None:
        if row.tweet_id is None:
            self.writer.write(invalid_line(row.input or "", row.source or "", row.message or "invalid"))
            self._seqs.append(row.seq)
            return
        self.writer.write(
            result_line(
                row.tweet_id,
                row.status,
                row.attempts,
                row.http_status,
                row.error_code,
                row.message,
                row.finished_at or 0.0,
            )
        )
        self._seqs.append(row.seq)


class Handover(Outbox):
    """The Python API's outbox: there is no output, and a record handed to the caller counts as
    written, so a later CLI run on the journal does not print what the caller already had."""

    def __init__(self, journal: Journal) -> None:
        super().__init__(journal, ResultWriter(io.StringIO(), "jsonl"))

    def write_record(self, record: Record) -> None:
        self._ids.append(record.tweet_id)

    def write_invalid(self, seq: int, line: InvalidLine) -> None:
        self._seqs.append(seq)

    def write_skipped(self, seq: int, skipped: SkippedId) -> None:
        self._seqs.append(seq)

    def flush(self) -> None:
        return None

    def take(self) -> Marks:
        marks = Marks(self._ids, self._seqs, {})
        self._ids, self._seqs = [], []
        return marks


def _file_meta(file: FileId, length: int) -> str:
    return json.dumps({"path": file.path, "dev": file.dev, "ino": file.ino, "length": length})


def committed_file(journal: Journal) -> dict[str, Any] | None:
    """What the journal acknowledged of its results file last time, if anything."""
    raw = journal.get_meta(OUTBOX_META)
    try:
        saved = json.loads(raw) if raw else None
    except ValueError:
        return None
    return saved if isinstance(saved, dict) else None


def open_outbox(journal: Journal, output: str | None, fmt: Format, stdout: Any) -> Outbox:
    """The outbox over ``--output`` (cut back to what the journal acknowledged) or stdout,
    with what earlier runs still owed already paid."""
    if output is None:
        outbox = Outbox(journal, ResultWriter(stdout, fmt))
    else:
        check_results_file(output, fmt)
        stream, header, ident = open_results(output, fmt, committed_file(journal))
        outbox = Outbox(journal, ResultWriter(stream, fmt, header=header), ident)
    try:
        outbox.pay_owed()
    except BaseException:
        if output is not None:
            outbox.writer.stream.close()
        raise
    return outbox
