"""twarc2 output through the JSON Lines reader: raw pages (data, includes, meta, __twarc), flattened
lines, pages longer than the line bound, user pages; and the streaming JSON reader underneath."""

from __future__ import annotations

import io
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bulklike.input.jsonstream import JsonStream, JsonStreamError
from bulklike.input.lines import MAX_LINE
from bulklike.input.readers import InputRecord, InvalidLine, ParsedId, read_records
from tests.helpers.archive_files import twarc_flat, twarc_page, twarc_users_page
from tests.helpers.records import ids_of

DATA = [str(1_870_000_000_000_000_000 + i) for i in range(8)]
INCLUDED = [str(1_500_000_000_000_000_000 + i) for i in range(3)]


def jsonl(text: str, column: str | None = None) -> list[InputRecord]:
    return list(read_records(io.BytesIO(text.encode()), name="t.jsonl", fmt="jsonl", column=column))


def test_raw_pages_give_the_data_tweets_never_the_includes() -> None:
    text = twarc_page(DATA[:3], INCLUDED) + "\n" + twarc_page(DATA[3:5], INCLUDED[:1]) + "\n"
    records = jsonl(text)
    assert records == [ParsedId(t, "t.jsonl:1") for t in DATA[:3]] + [ParsedId(t, "t.jsonl:2") for t in DATA[3:5]]


def test_flattened_lines_keep_working() -> None:
    text = "\n".join(twarc_flat(t, INCLUDED[0]) for t in DATA[:3]) + "\n"
    assert jsonl(text) == [ParsedId(t, f"t.jsonl:{i + 1}") for i, t in enumerate(DATA[:3])]


def test_single_tweet_lookup_page_and_empty_pages() -> None:
    tweet = json.loads(twarc_page(DATA[:1], []))
    tweet["data"] = tweet["data"][0]  # twarc2 tweet: data is one object
    empty = {"meta": {"result_count": 0}, "__twarc": {"url": "https://api.twitter.com/2/tweets/search/recent"}}
    errors_only = {"errors": [{"resource_id": DATA[5], "title": "Not Found Error"}], "__twarc": {"url": "x"}}
    text = "\n".join(json.dumps(obj) for obj in (tweet, empty, errors_only)) + "\n"
    assert jsonl(text) == [ParsedId(DATA[0], "t.jsonl:1")]


def test_user_pages_and_bad_items_are_invalid() -> None:
    text = twarc_users_page(["12", "13"]) + "\n" + json.dumps({"data": [{"text": "no id"}, 5]}) + "\n"
    records = jsonl(text)
    assert ids_of(records) == []
    reasons = [r.reason for r in records if isinstance(r, InvalidLine)]
    assert reasons[:2] == ["an X user, not a tweet (twarc2 liking-users or followers output?)"] * 2
    assert reasons[2:] == ["an item of 'data' without an 'id'"] * 2


def test_column_names_the_field_whatever_the_shape() -> None:
    line = json.dumps({"data": [{"id": DATA[0]}], "tweet_id": DATA[1]})
    assert ids_of(jsonl(line + "\n", column="tweet_id")) == [DATA[1]]
    assert ids_of(jsonl(line + "\n")) == [DATA[0]]


def test_pages_longer_than_the_line_bound_are_streamed() -> None:
    long_page = twarc_page(DATA[:5], INCLUDED, pad=3 * MAX_LINE)
    assert len(long_page) > 3 * MAX_LINE
    text = twarc_page(DATA[5:6], []) + "\n" + long_page + "\n" + twarc_flat(DATA[6], INCLUDED[0]) + "\n"
    assert jsonl(text) == (
        [ParsedId(DATA[5], "t.jsonl:1")]
        + [ParsedId(t, "t.jsonl:2") for t in DATA[:5]]
        + [ParsedId(DATA[6], "t.jsonl:3")]
    )


def test_a_long_flattened_line_and_long_users() -> None:
    flat = json.loads(twarc_flat(DATA[0], INCLUDED[0]))
    flat["author"]["description"] = "y" * (2 * MAX_LINE)
    users = json.loads(twarc_users_page(["77"]))
    users["data"][0]["description"] = "z" * (2 * MAX_LINE)
    records = jsonl(json.dumps(flat) + "\n" + json.dumps(users) + "\n")
    assert records[0] == ParsedId(DATA[0], "t.jsonl:1")
    assert isinstance(records[1], InvalidLine) and records[1].reason.startswith("an X user")


def test_a_cut_long_last_line_is_one_invalid_line_and_gives_no_id() -> None:
    long_page = twarc_page(DATA[:5], INCLUDED, pad=2 * MAX_LINE)
    cut = long_page[: len(long_page) - 200]  # twarc2 killed while writing its last page
    records = jsonl(twarc_page(DATA[5:6], []) + "\n" + cut)
    assert records[0] == ParsedId(DATA[5], "t.jsonl:1")
    assert len(records) == 2
    last = records[1]
    assert isinstance(last, InvalidLine) and last.source == "t.jsonl:2"
    assert last.reason.startswith("not valid JSON (the text ends")
    assert last.input.startswith('{"data": [{"id": "')


def test_a_long_line_of_junk_or_junk_after_the_object() -> None:
    junk = "x" * (2 * MAX_LINE)
    after = twarc_page(DATA[:2], [], pad=2 * MAX_LINE) + " trailing"
    records = jsonl(junk + "\n" + after + "\n" + json.dumps({"id": DATA[3]}) + "\n")
    assert [type(r) for r in records] == [InvalidLine, InvalidLine, ParsedId]
    assert records[1].source == "t.jsonl:2" and records[2] == ParsedId(DATA[3], "t.jsonl:3")


# -- the streaming JSON reader ------------------------------------------------------------------


def stream_of(text: str, step: int = 5) -> JsonStream:
    data = io.BytesIO(text.encode())
    return JsonStream(lambda n: data.read(min(n, step)), chunk=step)


@given(
    st.lists(
        st.recursive(
            st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
            lambda inner: st.lists(inner) | st.dictionaries(st.text(), inner),
            max_leaves=8,
        )
    ),
    st.integers(min_value=1, max_value=40),
)
def test_items_decode_whatever_the_chunking(values: list[object], step: int) -> None:
    stream = stream_of(json.dumps(values, indent=1), step)
    stream.expect("[", "'['")
    assert [stream.value() for _ in stream.items()] == values
    assert stream.at_end()


@given(
    st.lists(
        st.dictionaries(
            st.sampled_from(["like", "tweetId", "fullText", "n"]),
            st.text() | st.integers() | st.floats(allow_nan=False),
        ),
        max_size=20,
    ),
    st.integers(min_value=1, max_value=40),
    st.sampled_from([",", " , ", "\n,\n  ", ",\r\n"]),
)
def test_values_fast_path_agrees_with_the_careful_one(values: list[object], step: int, comma: str) -> None:
    text = "[\n" + comma.join(json.dumps(v, ensure_ascii=False) for v in values) + "\n]"
    stream = stream_of(text, step)
    stream.expect("[", "'['")
    got = list(stream.values())
    assert [v for _, v in got] == json.loads(text)
    careful = stream_of(text, 64 * 1024)
    careful.expect("[", "'['")
    lines = []
    for line, _ in careful.items():
        lines.append(line)
        careful.value()
    assert [line for line, _ in got] == lines
    assert stream.at_end()


def test_skip_value_and_members() -> None:
    stream = stream_of('{"a": {"b": [1, 2, {"c": "d"}]}, "e": 2.5e3, "f": [true, null]}')
    stream.expect("{", "'{'")
    seen = {}
    for key in stream.members():
        if key == "e":
            seen[key] = stream.value()
        else:
            stream.skip_value()
    assert seen == {"e": 2500.0} and stream.at_end()


@pytest.mark.parametrize(
    ("text", "truncated", "where"),
    [
        ('[1, {"a": "b', True, (1, 13)),
        ("[1, tru", True, (1, 8)),
        ("[1, 2.", True, (1, 7)),
        ("[1,\n  x]", False, (2, 3)),
        ('[1,\n  {"a" 1}]', False, (2, 8)),
    ],
)
def test_errors_say_where_and_whether_cut(text: str, truncated: bool, where: tuple[int, int]) -> None:
    stream = stream_of(text, 2)
    stream.expect("[", "'['")
    with pytest.raises(JsonStreamError) as caught:
        for _ in stream.items():
            stream.value()
    assert caught.value.truncated is truncated
    assert (caught.value.line, caught.value.column) == where


@pytest.mark.parametrize("step", [2, 64 * 1024])
def test_a_missing_separator_is_named_by_every_loop(step: int) -> None:
    """``values``, ``items`` and ``members`` share one check of what follows an element."""
    stream = stream_of("[1 2]", step)
    stream.expect("[", "'['")
    with pytest.raises(JsonStreamError, match=r"expected ',' or '\]' after an element, found '2'"):
        list(stream.values())
    stream = stream_of("[1 2]", step)
    stream.expect("[", "'['")
    with pytest.raises(JsonStreamError, match=r"expected ',' or '\]' after an element, found '2'"):
        for _ in stream.items():
            stream.value()
    stream = stream_of('{"a": 1 "b": 2}', step)
    stream.expect("{", "'{'")
    with pytest.raises(JsonStreamError, match="expected ',' or '}' after a value, found '\"'"):
        for _ in stream.members():
            stream.value()
    stream = stream_of("[1, 2", step)
    stream.expect("[", "'['")
    with pytest.raises(JsonStreamError, match="the text ends where") as caught:
        list(stream.values())
    assert caught.value.truncated


def test_a_value_over_the_bound_is_an_error() -> None:
    data = io.BytesIO(('["' + "a" * 300_000 + '"]').encode())
    stream = JsonStream(data.read, max_value=100_000)
    stream.expect("[", "'['")
    with pytest.raises(JsonStreamError, match="longer than"):
        for _ in stream.items():
            stream.value()
