"""A pipe's format told by its first line (without consuming it), and read ahead so a quiet producer
does not hold back what already arrived."""

from __future__ import annotations

import io
import os
import threading
from collections.abc import Iterator

import pytest

from bulklike.errors import InputError
from bulklike.input.pipe import Prefetch, is_pipe
from bulklike.input.readers import ParsedId, read_records
from bulklike.input.sniff import MAX_PEEK, describe, hint, peek, sniff
from tests.helpers.archive_files import likes_js, twarc_flat, twarc_page


@pytest.mark.parametrize(
    ("head", "fmt", "shown"),
    [
        (twarc_page(["12"], ["13"]).encode(), "jsonl", "JSON Lines (twarc2 pages)"),
        (twarc_flat("12", "13").encode(), "jsonl", "JSON Lines (flattened tweets)"),
        (b'\n\n  {"id": "12"}\n', "jsonl", "JSON Lines (JSON objects)"),
        (b"\xef\xbb\xbf" + likes_js(["12"]).encode(), "js", "an X archive data file"),
        (b"text,Tweet URL\nhi,https://x.com/a/status/12\n", "csv", "CSV (a header with 'tweet url')"),
        (b"tweet_id\n12\n", "csv", "CSV (a header with 'tweet_id')"),
        (b"id\tcreated_at\n12\t2026\n", "tsv", "TSV (a header with 'id')"),
        (b"12\n13\n", "text", "plain text"),
        (b"https://x.com/a/status/12\n", "text", "plain text"),
        (b"12,hello\n", "text", "plain text"),  # no recognisable header: plain text (the hint says so)
        (b"", "text", "plain text"),
    ],
)
def test_first_line_decides(head: bytes, fmt: str, shown: str) -> None:
    found, kind = sniff(head)
    assert (found, describe(found, kind)) == (fmt, shown)


def test_peek_gives_every_byte_back_and_stops_at_the_first_line() -> None:
    class Pipe(io.BytesIO):
        reads = 0

        def read1(self, n: int | None = -1, /) -> bytes:
            self.reads += 1
            return super().read1(min(n or 3, 3))  # a pipe delivers what it has: a few bytes at a time

    data = b"\n  12\n13\n" + b"14\n" * 1000
    pipe = Pipe(data)
    stream, head = peek(pipe)
    assert head.startswith(b"\n  12\n") and len(head) < 12  # read no further than the first line
    assert stream.read() == data


def test_peek_is_bounded_on_one_endless_line() -> None:
    data = b"x" * (3 * MAX_PEEK)
    stream, head = peek(io.BytesIO(data))
    assert len(head) == MAX_PEEK
    assert stream.read() == data


def test_is_pipe() -> None:
    read, write = os.pipe()
    with os.fdopen(read, "rb") as r, os.fdopen(write, "wb"), open(__file__, "rb") as f:
        assert is_pipe(r) and not is_pipe(f) and not is_pipe(io.BytesIO(b"")) and not is_pipe(None)


def test_prefetch_says_none_while_the_producer_is_quiet() -> None:
    go_on = threading.Event()

    def producer() -> Iterator[int]:
        yield 1
        yield 2
        go_on.wait(10)  # the pipe is quiet until the consumer has seen the pause
        yield 3

    seen: list[int | None] = []
    for item in Prefetch(producer(), idle=0.01):
        seen.append(item)
        if item is None:
            go_on.set()
    assert [x for x in seen if x is not None] == [1, 2, 3]
    assert seen[:3] == [1, 2, None]


def test_prefetch_hands_an_error_back_after_what_came_before() -> None:
    def producer() -> Iterator[int]:
        yield 1
        raise ValueError("broken")

    seen: list[int | None] = []
    with pytest.raises(ValueError, match="broken"):
        for item in Prefetch(producer(), idle=5):
            seen.append(item)
    assert seen == [1, None]


def test_prefetch_keeps_order_and_bounds_what_it_holds() -> None:
    items = list(Prefetch(iter(range(5000)), ahead=10))
    assert [x for x in items if x is not None] == list(range(5000))


@pytest.mark.parametrize(
    ("lines", "likely"),
    [
        (['{"id": "12"}'] * 3, "JSON Lines; use --input-format jsonl"),
        (["window.YTD.like.part0 = [ {", '"tweetId" : "12",'], "an X archive data file"),
        (["12,hello", "13,there", "14,x"], "CSV; use --input-format csv"),
        (["12;hello", "13;there"], "semicolon-separated values"),
    ],
)
def test_hint_names_the_likely_format(lines: list[str], likely: str) -> None:
    said = hint("in.txt", len(lines), lines)
    assert said is not None and said.startswith(f"in.txt: {len(lines)} of its first {len(lines)} lines")
    assert likely in said


def test_no_hint_for_a_list_with_some_bad_lines_or_plain_junk() -> None:
    assert hint("in.txt", 10, ['{"id": "12"}'] * 5) is None  # half, not more
    assert hint("in.txt", 3, ["hello world", "nope", "x"]) is None  # invalid, but like no other format
    assert hint("in.txt", 0, []) is None


def test_semicolon_and_headerless_csv_say_so() -> None:
    def error(data: bytes) -> str:
        with pytest.raises(InputError) as caught:
            list(read_records(io.BytesIO(data), name="in.csv", fmt="csv"))
        return str(caught.value)

    assert "separated by semicolons" in error(b"tweet_id;text\n12;hi\n")
    assert "has no header" in error(b"1234567,hi\n1234568,yo\n")
    assert "has no header" in error(b"hello,https://x.com/a/status/12\n")
    assert "no tweet ID column; found: name, when (use --column)" in error(b"name,when\nbob,today\n")


def test_tweet_url_column_is_recognised() -> None:
    for header in (b"text,Tweet URL", b"text,tweet url", b"text,tweet_url"):
        records = list(read_records(io.BytesIO(header + b"\nhi,https://x.com/a/status/12\n"), name="t", fmt="csv"))
        assert [r.tweet_id for r in records if isinstance(r, ParsedId)] == ["12"]
