"""The results outbox: each terminal record reaches the results output, and a file exactly once.

The journal owes a result line for every terminal record and every new invalid line (the row's
``unwritten`` mark is set in the same commit as the outcome). Lines are written only after that
commit; the acknowledgement (the rows no longer owed and, for a file, the file's new length) is
committed in the next group commit's transaction, or by ``commit()`` at the end. A run first
pays what an earlier run still owed, in input order:

* ``--output FILE``: the journal keeps the file's identity, its acknowledged length and, in the
  commit before any line is written, the lines it is about to write (the intent). After a kill,
  ``results.open_results`` finds those of them written whole past the mark (they are
  acknowledged, not written again) and cuts only a cut-short last one: bytes this journal wrote
  and did not acknowledge. Anything else past the mark (another journal sharing the file, a line
  someone appended) is kept. So the file holds each record exactly once, however many kills.
* stdout: what is owed is written again, so consecutive runs never miss a record that reached
  the pipe; one repeats only when a kill landed between writing it and acknowledging it. A
  reader that goes away (``| head``) leaves the lines the pipe did not accept owed, and the last
  two groups it did accept owed again (read ahead but never shown, or still in the pipe).

``Outbox`` is the protocol the recorder writes through, with two implementations: ``LineOutbox``
(the lines above) and the Python API's ``Handover``, which has no output: a result counts as written
once it was handed to the caller (``handed()``), so breaking out of a loop leaves the rest owed.
"""

from __future__ import annotations

import collections
import collections.abc
import contextlib
import json
import os
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from bulklike.errors import BulklikeError
from bulklike.input.ingest import NewInvalid, SkippedId
from bulklike.input.readers import InvalidLine
from bulklike.results import FileId, Format, ResultWriter, check_results_file, invalid_line, open_results, result_line
from bulklike.store.journal import OUTBOX_META, Journal, Marks, Owed, Record

#: stdout: how many of the last acknowledged groups are owed again when the reader goes away
_RECENT = 2
#: owed rows read from the journal at a time when paying old debts (a file's intent holds a chunk)
_CHUNK = 256

#: an intent entry: the key of the row the line is for (``t:`` tweet ID, ``s:`` seq; None for a
#: CSV header) and the line itself
Entry = tuple[str | None, str]


class Outbox(Protocol):
    """What the recorder needs from wherever results go: told of each committed record, it hands back
    the marks to acknowledge in the next commit. ``LineOutbox`` writes result lines (the CLI);
    ``Handover`` counts a result as written once the Session's caller had it (the Python API)."""

    def write_record(self, record: Record) -> None:
        """A terminal record was just committed: its result is owed."""

    def write_invalids(self, lines: Sequence[NewInvalid]) -> None:
        """Invalid lines (and IDs ``unlike`` skipped) the ingest thread committed. Never raises."""

    def take(self, records: Sequence[Record] = (), *, mark: bool = False) -> Marks:
        """What to acknowledge in the commit of ``records`` (``restore`` it if that commit fails)."""
        ...

    def restore(self, marks: Marks) -> None:
        """Marks whose commit failed: kept for the next one."""

    def flush(self) -> None:
        """Push what was written out; raises the output's failure."""

    def close(self) -> None:
        """Acknowledge what was written, and close the output."""


class LineOutbox:
    """Writes result lines for committed records and tracks which are still to acknowledge."""

    def __init__(
        self,
        journal: Journal,
        writer: ResultWriter,
        file: FileId | None = None,
        *,
        on_broken: Callable[[], None] | None = None,
    ) -> None:
        self.journal = journal
        self.writer = writer
        self.file = file
        self.on_broken = on_broken  # called once when stdout's reader went away
        self._ids: list[str] = []
        self._seqs: list[int] = []
        self._planned: dict[str, str] = {}  # a file's lines rendered for the intent, by tweet ID
        self._told = False
        # stdout: the last groups acknowledged, owed again if the reader goes away (it may have read
        # them without showing them, as ``head`` reads ahead, or they may still sit in the pipe)
        self._recent: collections.deque[Marks] = collections.deque(maxlen=_RECENT)

    def write_record(self, record: Record) -> None:
        """The result line of a record just committed (terminal); a file's was planned by ``take()``."""
        text = self._planned.pop(record.tweet_id, None)
        if text is None:
            self.writer.write(_record_line(record))
        else:
            self.writer.write_text(text)
        self._ids.append(record.tweet_id)

    def write_invalids(self, lines: Sequence[NewInvalid]) -> None:
        """Invalid input lines (and IDs ``unlike`` skipped) the ingest thread committed: for a file,
        their intent is committed first (with the acknowledgement of what was written before).
        Never raises: a failure is kept and raised by the next ``flush()`` or ``take()``."""
        entries = [(f"s:{seq}", _noted_line(line)) for seq, line in lines]
        try:
            self._send(entries)
        except BulklikeError as exc:  # the journal: raised by the next flush, where a stop is possible
            self.writer.error = self.writer.error or exc
        self._notify()

    def flush(self) -> None:
        """Push written lines out; raises the output's failure (a full disk) once there is one."""
        self.writer.flush()
        self._notify()
        if self.writer.error is not None:
            raise self.writer.error

    def _notify(self) -> None:
        if self.writer.broken and not self._told:
            self._told = True
            if self.on_broken is not None:
                self.on_broken()

    def take(self, records: Sequence[Record] = (), *, mark: bool = False) -> Marks:
        """What was written since the last call, flushed, as marks to commit (``restore`` on failure).
        For a file: its length now and the intent of ``records``' lines, written after the commit;
        ``mark``: the file's length even when nothing is acknowledged (a file new to the journal)."""
        self.flush()
        if self.writer.broken:  # nobody read them: they stay owed
            self._ids, self._seqs = [], []
            if self._recent:
                again, self._recent = _merged(self._recent), collections.deque(maxlen=_RECENT)
                self.journal.acknowledge(again)
            return Marks([], [], {})
        meta: dict[str, str] = {}
        if self.file is not None:
            ended = [record for record in records if record.status != "pending"]
            self._planned = {record.tweet_id: self.writer.render(_record_line(record)) for record in ended}
            intent: list[Entry] = [(f"t:{tweet_id}", text) for tweet_id, text in self._planned.items()]
            if intent and self.writer.header():
                intent.insert(0, (None, self.writer.header()))
            if self._ids or self._seqs or intent or mark:
                meta[OUTBOX_META] = _file_meta(self.file, self._length(), intent)
        marks = Marks(self._ids, self._seqs, meta)
        self._ids, self._seqs = [], []
        if self.file is None and marks:
            self._recent.append(marks)
        return marks

    def restore(self, marks: Marks) -> None:
        """Marks whose commit failed: keep them for the next one."""
        self._ids[:0] = marks.tweet_ids
        self._seqs[:0] = marks.seqs
        self._planned = {}

    def commit(self, *, mark: bool = False) -> None:
        """Acknowledge everything written so far, in a transaction of its own."""
        marks = self.take(mark=mark)
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
                with contextlib.suppress(OSError):  # a full disk: already kept as the writer's error
                    self.writer.stream.close()

    def pay_owed(self) -> int:
        """Write every line an earlier run owed (in input order) and acknowledge them; how many."""
        self.commit(mark=True)  # lines a killed run wrote whole (found in the file): no longer owed
        paid, after = 0, 0
        while rows := self.journal.owed(after, _CHUNK):
            self._send([_owed_entry(row) for row in rows])
            after = rows[-1].seq
            paid += len(rows)
        self.commit(mark=True)  # a new or changed file: remember it from now on
        return paid

    def _send(self, entries: list[tuple[str, dict[str, Any]]]) -> None:
        """Write lines for rows already committed. For a file, their intent is committed first."""
        if self.file is not None and entries:
            marks = self.take()
            texts: list[Entry] = [(key, self.writer.render(line)) for key, line in entries]
            intent: list[Entry] = [(None, self.writer.header())] if self.writer.header() else []
            marks.meta[OUTBOX_META] = _file_meta(self.file, self._length(), intent + texts)
            try:
                self.journal.acknowledge(marks)
            except BaseException:
                self.restore(marks)
                raise
            for key, text in texts:
                self.writer.write_text(text)
                self._note(str(key))
        else:
            for key, line in entries:
                self.writer.write(line)
                self._note(key)
        self.writer.flush()

    def _length(self) -> int:
        """The results file's size, once flushed: where the next line starts."""
        return os.fstat(self.writer.stream.fileno()).st_size

    def _note(self, key: str) -> None:
        kind, _, value = key.partition(":")
        if kind == "s":
            self._seqs.append(int(value))
        else:
            self._ids.append(value)


class Handover:
    """The Python API's outbox: there is no output, and a result counts as written once it was
    handed to the caller (``handed()``), so a later CLI run on the journal does not print what
    the caller already had, and does print what a loop left with ``break`` never saw."""

    def __init__(self, journal: Journal) -> None:
        self.journal = journal
        self._delivered: collections.deque[str] = collections.deque()  # keys, in the order of the results
        self._ids: list[str] = []  # handed over since the last commit: acknowledged by the next one
        self._seqs: list[int] = []

    def write_record(self, record: Record) -> None:
        self._delivered.append(f"t:{record.tweet_id}")

    def write_invalids(self, lines: Sequence[NewInvalid]) -> None:
        self._delivered.extend(f"s:{seq}" for seq, _ in lines)

    def handed(self, count: int) -> None:
        """The next ``count`` results delivered reached the caller: acknowledge them with the next commit."""
        for _ in range(min(count, len(self._delivered))):
            kind, _, value = self._delivered.popleft().partition(":")
            if kind == "s":
                self._seqs.append(int(value))
            else:
                self._ids.append(value)

    def flush(self) -> None:
        return None

    def take(self, records: Sequence[Record] = (), *, mark: bool = False) -> Marks:
        marks = Marks(self._ids, self._seqs, {})
        self._ids, self._seqs = [], []
        return marks

    def restore(self, marks: Marks) -> None:
        self._ids[:0] = marks.tweet_ids
        self._seqs[:0] = marks.seqs

    def close(self) -> None:
        """Acknowledge what the caller was handed, in a transaction of its own."""
        marks = self.take()
        try:
            self.journal.acknowledge(marks)
        except BaseException:
            self.restore(marks)
            raise


def _merged(groups: collections.abc.Iterable[Marks]) -> Marks:
    merged = Marks([], [], {}, again=True)
    for marks in groups:
        merged.tweet_ids += marks.tweet_ids
        merged.seqs += marks.seqs
    return merged


def _noted_line(line: InvalidLine | SkippedId) -> dict[str, Any]:
    if isinstance(line, SkippedId):
        return result_line(line.tweet_id, "skipped", 0, None, None, line.reason, line.at)
    return invalid_line(line.input, line.source, line.reason)


def _record_line(record: Record) -> dict[str, Any]:
    return result_line(
        record.tweet_id,
        record.status,
        record.attempts,
        record.http_status,
        record.error_code,
        record.message,
        record.at,
    )


def _owed_entry(row: Owed) -> tuple[str, dict[str, Any]]:
    if row.tweet_id is None:
        return f"s:{row.seq}", invalid_line(row.input or "", row.source or "", row.message or "invalid")
    line = result_line(
        row.tweet_id,
        row.status,
        row.attempts,
        row.http_status,
        row.error_code,
        row.message,
        row.finished_at or 0.0,
    )
    return f"s:{row.seq}", line


def _file_meta(file: FileId, length: int, intent: list[Entry]) -> str:
    return json.dumps({"path": file.path, "dev": file.dev, "ino": file.ino, "length": length, "intent": intent})


def committed_file(journal: Journal) -> dict[str, Any] | None:
    """What the journal committed of its results file last time (identity, length, intent), if anything."""
    raw = journal.get_meta(OUTBOX_META)
    try:
        saved = json.loads(raw) if raw else None
    except ValueError:
        return None
    return saved if isinstance(saved, dict) else None


def open_outbox(
    journal: Journal, output: str | None, fmt: Format, stdout: Any, *, on_broken: Callable[[], None] | None = None
) -> LineOutbox:
    """The outbox over ``--output`` (its tail settled against the journal's intent) or stdout,
    with what earlier runs still owed already paid."""
    if output is None:
        outbox = LineOutbox(journal, ResultWriter(stdout, fmt), on_broken=on_broken)
    else:
        check_results_file(output, fmt)
        opened = open_results(output, fmt, committed_file(journal))
        writer = ResultWriter(opened.stream, fmt, header=opened.needs_header, name=output)
        outbox = LineOutbox(journal, writer, opened.ident)
        for key in opened.found:  # written whole by a killed run: acknowledged, not written again
            outbox._note(key)
    try:
        outbox.pay_owed()
    except BaseException:
        if output is not None:
            with contextlib.suppress(OSError):
                outbox.writer.stream.close()
        raise
    return outbox
