"""CSV and TSV inputs: find the ID column in the header, then one record per row.

Quoted fields may span lines (tweet exports put newlines in their text column); a broken record
(an unbalanced quote, junk after a closing quote) becomes one invalid record at its first line and
the lines it swallowed are parsed again one by one, so a stray quote costs one line, not the file.
"""

from __future__ import annotations

import csv
import itertools
from collections import deque
from collections.abc import Iterator

from bulklike.errors import InputError
from bulklike.input.ids import InvalidTweetRef, parse_tweet_ref
from bulklike.input.lines import MAX_LINE, InputRecord, InvalidLine, ParsedId, TooLong, long_line, printable

_MAX_RECORD = 4 * MAX_LINE  # a CSV record spanning lines (a quoted field with newlines) is cut here
ID_COLUMNS = ("tweet_id", "id", "id_str", "tweet_url", "tweet url", "url")
"""Header cells that name the ID column, first present wins (compared stripped and lower-cased)."""


def read_table(lines: Iterator[bytes], name: str, delimiter: str, column: str | None) -> Iterator[InputRecord]:
    """Read the header now (so a missing column fails before any record) and return the row reader."""
    rows = _csv_rows(lines, delimiter, name)
    header = next(rows, None)
    if header is None:  # empty file, or only blank lines: nothing to do, not an error
        return iter(())
    if isinstance(header, InvalidLine):
        raise InputError(f"{name}: no tweet ID column; the header is not valid CSV ({header.reason})")
    source, cells, _, _ = header
    index = _id_column(cells, column, name)
    label = cells[index].strip() or f"column {index + 1}"
    records = _table_records(rows, index, label)
    if len(cells) == 1 and column is None:
        # A single column whose "header" is itself an ID is a headerless list: keep that ID.
        try:
            return itertools.chain([ParsedId(parse_tweet_ref(cells[0]), source)], records)
        except InvalidTweetRef:
            pass
    return records


def _id_column(cells: list[str], column: str | None, name: str) -> int:
    """Index of the ID column: ``--column``, else the first known name, else the only column."""
    names = [cell.strip().lower() for cell in cells]
    wanted = (column.strip().lower(),) if column is not None else ID_COLUMNS
    for candidate in wanted:
        if candidate in names:
            return names.index(candidate)
    if len(cells) == 1 and ";" in cells[0] and any(c.strip().lower() in wanted for c in cells[0].split(";")):
        raise InputError(
            f"{name}: the header {printable(cells[0].strip())[:80]!r} is separated by semicolons; bulklike reads"
            " comma-separated CSV: save the file with commas (or tabs, as .tsv)"
        )
    if column is None and len(cells) == 1:
        return 0
    found = ", ".join(printable(cell.strip())[:40] or '""' for cell in cells[:20])
    found += ", …" if len(cells) > 20 else ""
    if column is None and _looks_like_data(cells):
        raise InputError(
            f"{name}: the first row ({found}) holds a tweet ID, so the file has no header; add a first line naming"
            " the columns, with the ID column called tweet_id"
        )
    if column is not None:
        raise InputError(f"{name}: no column {column.strip()!r}; found: {found}")
    raise InputError(f"{name}: no tweet ID column; found: {found} (use --column)")


def _looks_like_data(cells: list[str]) -> bool:
    """A first row with a tweet ID or status URL in it is data: the file has no header."""
    for cell in cells:
        try:
            parse_tweet_ref(cell.strip())
        except InvalidTweetRef:
            continue
        return True
    return False


_Row = tuple[str, list[str], bytes, bool]  # source, cells, first line, whether it is invalid UTF-8


def _table_records(rows: Iterator[_Row | InvalidLine], index: int, label: str) -> Iterator[InputRecord]:
    """Turn data rows into records; the ID is the cell at ``index``, headed ``label``."""
    for row in rows:
        if isinstance(row, InvalidLine):
            yield row
            continue
        source, cells, raw, bad_utf8 = row
        if bad_utf8 or index >= len(cells):
            shown = printable(raw.decode("utf-8", "replace").strip())
            reason = "invalid UTF-8" if bad_utf8 else f"row has no {printable(label)!r} cell"
            yield InvalidLine(shown, source, reason)
        else:
            try:
                yield ParsedId(parse_tweet_ref(cells[index]), source)
            except InvalidTweetRef as exc:
                yield InvalidLine(printable(cells[index].strip()), source, exc.reason)


def _csv_rows(lines: Iterator[bytes], delimiter: str, name: str) -> Iterator[_Row | InvalidLine]:
    """Parse CSV records, which may span lines inside quotes, and survive broken ones.

    A record that csv refuses (an unbalanced quote, junk after a closing quote), that holds an
    over-long line, or whose quoted fields are still open after _MAX_RECORD bytes becomes one
    invalid record at its first line. The lines it swallowed are then parsed again, each on its
    own, so a stray quote costs one line, not the rest of the file; parsing them singly means no
    line is parsed more than twice, whatever the quoting.
    """
    feed = _CsvFeed(lines)
    reader = csv.reader(feed, delimiter=delimiter, strict=True)
    replay: deque[tuple[int, bytes]] = deque()
    while True:
        if replay:
            yield _csv_line(*replay.popleft(), delimiter, name)
            continue
        feed.start_record()
        try:
            cells = next(reader)
        except StopIteration:
            return
        except (csv.Error, _BrokenRecord) as exc:
            lineno, raw = feed.record[0]
            if len(feed.record) == 1 and isinstance(raw, TooLong):
                yield _csv_line(lineno, raw, delimiter, name)
            else:
                yield _malformed(lineno, raw, exc, name)
            replay.extend(feed.record[1:])
            reader = csv.reader(feed, delimiter=delimiter, strict=True)
            continue
        if any(cell.strip() for cell in cells):  # skip blank lines
            lineno, raw = feed.record[0]
            yield f"{name}:{lineno}", cells, raw, feed.bad_utf8


def _csv_line(lineno: int, raw: bytes, delimiter: str, name: str) -> _Row | InvalidLine:
    """Parse one physical line as a whole record (a quote left open is an error, not a continuation)."""
    source = f"{name}:{lineno}"
    if isinstance(raw, TooLong):
        return long_line(raw, source)
    try:
        text, bad_utf8 = raw.decode("utf-8"), False
    except UnicodeDecodeError:
        text, bad_utf8 = raw.decode("utf-8", "replace"), True
    try:
        cells = next(csv.reader([text], delimiter=delimiter, strict=True), [])
    except csv.Error as exc:
        return _malformed(lineno, raw, exc, name)
    return source, cells, raw, bad_utf8


def _malformed(lineno: int, raw: bytes, exc: Exception, name: str) -> InvalidLine:
    reason = str(exc).split(" - ")[0]  # csv's advice about universal newlines is noise here
    shown = printable(raw.decode("utf-8", "replace").strip())
    return InvalidLine(shown, f"{name}:{lineno}", f"malformed CSV: {reason}")


class _BrokenRecord(Exception):
    """Raised through csv.reader by _CsvFeed to abandon the current record."""


class _CsvFeed:
    """Feeds csv.reader decoded lines and remembers those of the current record, so that a broken
    record can be reported at its first line and the lines it swallowed parsed again."""

    def __init__(self, lines: Iterator[bytes]) -> None:
        self._lines = enumerate(lines, 1)
        self.record: list[tuple[int, bytes]] = []
        self._record_bytes = 0
        self.bad_utf8 = False

    def __iter__(self) -> _CsvFeed:
        return self

    def __next__(self) -> str:
        lineno, raw = next(self._lines)
        self.record.append((lineno, raw))
        if isinstance(raw, TooLong):
            raise _BrokenRecord("unterminated quoted field")
        self._record_bytes += len(raw)
        if self._record_bytes > _MAX_RECORD:
            raise _BrokenRecord(f"quoted field still open after {_MAX_RECORD} bytes")
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            self.bad_utf8 = True
            return raw.decode("utf-8", "replace")

    def start_record(self) -> None:
        self.record.clear()
        self._record_bytes = 0
        self.bad_utf8 = False
