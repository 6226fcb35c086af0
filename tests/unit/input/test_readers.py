"""Readers: format detection, opening inputs, each format's rules, streaming, and fuzzed bytes."""

from __future__ import annotations

import io
import os
import sys
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from bulklike.errors import InputError
from bulklike.input.ids import MAX_TWEET_ID
from bulklike.input.readers import (
    InputFormat,
    InputRecord,
    InvalidLine,
    ParsedId,
    detect_format,
    open_input,
    read_records,
)
from tests.helpers.records import ok

FORMATS: list[InputFormat] = ["text", "csv", "tsv", "jsonl"]


def read(data: bytes, fmt: InputFormat, column: str | None = None) -> list[InputRecord]:
    return list(read_records(io.BytesIO(data), name="in", fmt=fmt, column=column))


@pytest.mark.parametrize(
    ("name", "override", "expected"),
    [
        ("ids.txt", None, "text"),
        ("ids.csv", None, "csv"),
        ("IDS.CSV", None, "csv"),
        ("ids.tsv", None, "tsv"),
        ("ids.jsonl", None, "jsonl"),
        ("ids.ndjson", None, "jsonl"),
        ("ids.json", None, "text"),
        ("ids.csv.gz", None, "text"),
        ("ids", None, "text"),
        ("dir.csv/ids", None, "text"),
        ("-", None, "text"),
        ("<stdin>", None, "text"),
        ("ids.csv", "jsonl", "jsonl"),
        ("<stdin>", "csv", "csv"),
        ("ids.txt", "tsv", "tsv"),
    ],
)
def test_detect_format(name: str, override: InputFormat | None, expected: InputFormat) -> None:
    assert detect_format(name, override) == expected


def test_open_input_maps_dash_to_stdin() -> None:
    stdin = io.BytesIO(b"1\n")
    assert open_input("-", stdin) == (stdin, "<stdin>")


def test_open_input_opens_a_file_in_binary(tmp_path: Path) -> None:
    path = tmp_path / "ids.txt"
    path.write_bytes(b"\xef\xbb\xbf7\r\n")
    fp, name = open_input(str(path), io.BytesIO())
    with fp:
        assert name == str(path)
        assert fp.read() == b"\xef\xbb\xbf7\r\n"


@pytest.mark.skipif(sys.platform == "win32" or os.geteuid() == 0, reason="root reads anything")
def test_open_input_unreadable_file(tmp_path: Path) -> None:
    path = tmp_path / "secret.txt"
    path.write_bytes(b"1\n")
    path.chmod(0)
    with pytest.raises(InputError, match=r"secret\.txt: permission denied$"):
        open_input(str(path), io.BytesIO())


def test_text_skips_blank_lines_and_comments_and_counts_them() -> None:
    data = b"# my likes\n\n   \n  # indented comment\n11\n\t\n12 \n#13\nhttps://x.com/a/status/14#frag\n"
    assert read(data, "text") == [ok(5, "11"), ok(7, "12"), ok(9, "14")]


def test_text_keeps_input_order_and_duplicates() -> None:
    assert read(b"3\n1\n3\n", "text") == [ok(1, "3"), ok(2, "1"), ok(3, "3")]


def test_text_last_line_without_newline() -> None:
    assert read(b"1\n2", "text") == [ok(1, "1"), ok(2, "2")]


def test_invalid_line_shows_the_value_and_reason() -> None:
    assert read(b"  0123  \n", "text") == [InvalidLine("0123", "in:1", "ID has a leading zero")]


def test_invalid_line_input_is_truncated_to_200_characters() -> None:
    (record,) = read(b"a" * 5000 + b"\n", "text")
    assert isinstance(record, InvalidLine)
    assert record.input == "a" * 199 + "\u2026"


@pytest.mark.parametrize(
    ("header", "chosen"),
    [
        (b"tweet_id,id,id_str,tweet_url,url", 0),
        (b"url,tweet_url,id_str,id,tweet_id", 4),
        (b"url,tweet_url,id_str,id", 3),
        (b"url,tweet_url,id_str", 2),
        (b"name,url,tweet_url", 2),
        (b"name, URL ", 1),
        (b" Tweet_ID ,x", 0),
    ],
)
def test_csv_column_preference(header: bytes, chosen: int) -> None:
    width = header.count(b",") + 1
    row = b",".join(str(10 + i).encode() for i in range(width))
    assert read(header + b"\n" + row + b"\n", "csv") == [ok(2, str(10 + chosen))]


def test_csv_column_flag_is_case_and_space_insensitive() -> None:
    data = b"id,My Col \n1,2\n"
    assert read(data, "csv", column="  my col") == [ok(2, "2")]
    assert read(data, "csv", column="ID") == [ok(2, "1")]


def test_csv_single_column_uses_its_only_column_and_skips_its_header() -> None:
    assert read(b"likes\n5\n6\n", "csv") == [ok(2, "5"), ok(3, "6")]


def test_csv_single_column_without_header_keeps_the_first_id() -> None:
    """A lone "header" that is itself an ID is data: a headerless list must not lose its first ID."""
    assert read(b"5\nhttps://x.com/a/status/6\n", "csv") == [ok(1, "5"), ok(2, "6")]


def test_csv_quoted_multiline_field_is_one_record_at_its_first_line() -> None:
    data = b'id,text\n1,"line one\nline two\n2,not an id"\n3,x\n'
    assert read(data, "csv") == [ok(2, "1"), ok(5, "3")]


def test_csv_quoted_id_and_quoted_header() -> None:
    assert read(b'"tweet_id","n"\n"42","a,b"\n', "csv") == [ok(2, "42")]


def test_csv_reports_short_rows_and_empty_cells() -> None:
    data = b"name,tweet_id\nbob\nann,\n,7\n"
    assert read(data, "csv") == [
        InvalidLine("bob", "in:2", "row has no 'tweet_id' cell"),
        InvalidLine("", "in:3", "empty value"),
        ok(4, "7"),
    ]


def test_csv_after_a_broken_record_its_lines_are_parsed_one_by_one() -> None:
    data = b'tweet_id,n\n1,"open\n2,"x"\n3,"multi\nline"\n4,y\n'
    assert read(data, "csv") == [
        InvalidLine('1,"open', "in:2", "malformed CSV: ',' expected after '\"'"),
        ok(3, "2"),  # re-read on its own
        ok(4, "3"),  # then multi-line records work again
        ok(6, "4"),
    ]


def test_csv_record_that_never_closes_costs_linear_time() -> None:
    """Every line closes one quoted field and opens the next: no record ever ends. Each attempt is
    cut at _MAX_RECORD and its lines are re-read singly, so 60,000 lines take two passes, not n^2."""
    lines = 60_000
    data = b'tweet_id,a,b\n1,"a\n' + b'x","y\n' * (lines - 1)
    records = read(data, "csv")
    assert len(records) == lines
    assert all(isinstance(r, InvalidLine) for r in records)
    first = records[0]
    assert isinstance(first, InvalidLine)
    assert first.reason == "malformed CSV: quoted field still open after 262144 bytes"
    assert [r.source for r in records] == [f"in:{n}" for n in range(2, lines + 2)]


def test_tsv_uses_tabs() -> None:
    assert read(b"name\ttweet_id\nann, b\t8\n", "tsv") == [ok(2, "8")]


def test_missing_column_is_raised_before_any_record_is_read() -> None:
    with pytest.raises(InputError, match=r"^in: no column 'tid'; found: id, name$"):
        read_records(io.BytesIO(b"id,name\n1,a\n"), name="in", fmt="csv", column="tid")


def test_missing_column_message_is_bounded() -> None:
    header = b",".join(b"c%d" % i for i in range(100)) + b"\n"
    with pytest.raises(InputError) as caught:
        read(header, "csv")
    assert str(caught.value).startswith("in: no tweet ID column; found: c0, c1, ")
    assert str(caught.value).endswith("c19, \u2026 (use --column)")


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (b'{"tweet_id": "1", "id_str": "2", "id": 3, "url": "https://x.com/a/status/4"}', "1"),
        (b'{"id_str": "2", "id": 3, "url": "https://x.com/a/status/4"}', "2"),
        (b'{"id": 3, "url": "https://x.com/a/status/4"}', "3"),
        (b'{"url": "https://x.com/a/status/4"}', "4"),
        (b'{"id": 9223372036854775807}', "9223372036854775807"),
        (b'{"id": " 5 "}', "5"),
    ],
)
def test_jsonl_key_preference_and_value_types(line: bytes, expected: str) -> None:
    assert read(line + b"\n", "jsonl") == [ok(1, expected)]


def test_jsonl_column_flag_picks_the_key_and_only_it() -> None:
    data = b'{"status": "https://x.com/a/status/9", "id": 1}\n{"id": 2}\n\n'
    assert read(data, "jsonl", column="status") == [
        ok(1, "9"),
        InvalidLine('{"id": 2}', "in:2", "no 'status' field"),
    ]


@pytest.mark.parametrize("fmt", FORMATS)
def test_readers_stream_without_reading_ahead(fmt: InputFormat) -> None:
    """Memory must not grow with the input: the first record arrives after a bounded read."""
    header = {"csv": b"tweet_id\n", "tsv": b"tweet_id\n"}.get(fmt, b"")
    line = b'{"id": "123456789"}\n' if fmt == "jsonl" else b"123456789\n"
    fp = io.BytesIO(header + line * 300_000)
    records = read_records(fp, name="in", fmt=fmt)
    assert next(records) == ParsedId("123456789", "in:2" if header else "in:1")
    assert fp.tell() < 1_000_000 < len(fp.getvalue())


@given(st.lists(st.one_of(st.integers(1, MAX_TWEET_ID), st.sampled_from(["", "# c", "x", "0", "-1"]))))
def test_text_yields_every_valid_id_at_its_line(items: list[int | str]) -> None:
    data = "".join(f"{item}\n" for item in items).encode()
    expected = [ok(i, str(item)) for i, item in enumerate(items, 1) if isinstance(item, int)]
    assert [r for r in read(data, "text") if isinstance(r, ParsedId)] == expected


@given(st.binary(max_size=400), st.sampled_from(FORMATS))
@example(b"\xff\xfe\x00\xd8\n\x00", "text")  # UTF-16 with a lone surrogate and an odd byte
@example(b'\xfe\xff\x00"\x00\n', "csv")
@example(b'tweet_id\n"\n\x00"x\n"', "csv")
@example(b"\xef\xbb\xbf[[[[\n{}\n", "jsonl")
def test_random_bytes_give_records_never_exceptions(data: bytes, fmt: InputFormat) -> None:
    lines = data.count(b"\n") + 1
    try:
        records = read(data, fmt)
    except InputError as exc:
        assert fmt in ("csv", "tsv") and "no tweet ID column" in str(exc)
        return
    for record in records:
        assert isinstance(record, (ParsedId, InvalidLine))
        name, _, line = record.source.partition(":")
        assert name == "in" and 1 <= int(line) <= lines
        if isinstance(record, InvalidLine):
            assert len(record.input) <= 200 and record.reason
            assert not any(ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0 for c in record.input)
            record.input.encode("utf-8")  # safe to print: no lone surrogates


@given(st.lists(st.text(alphabet='0123456789,"\n\r\tabx#{}:', max_size=12), max_size=12))
def test_random_csv_like_text_never_raises_and_keeps_line_order(cells: list[str]) -> None:
    data = ("tweet_id\n" + "\n".join(cells)).encode()
    lines = [int(r.source.split(":")[1]) for r in read(data, "csv")]
    assert lines == sorted(lines) and len(set(lines)) == len(lines)
