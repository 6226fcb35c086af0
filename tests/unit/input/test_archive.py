"""The X archive readers: data files (like.js, tweets.js and parts) and the zip, over generated real-shaped files."""

from __future__ import annotations

import io
import zipfile

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bulklike.errors import InputError
from bulklike.input.archive import ArchiveKind, read_data_file, read_zip
from bulklike.input.readers import InputRecord, InvalidLine, ParsedId, detect_format, peek_head, read_records
from tests.helpers.archive_files import (
    data_file,
    full_archive,
    like_entry,
    likes_js,
    manifest,
    tweet_entry,
    zip_bytes,
)
from tests.helpers.records import ids_of

IDS = [str(1_860_000_000_000_000_000 + i) for i in range(12)]


class Trickle(io.RawIOBase):
    """Serves at most ``step`` bytes per read: every token boundary falls across a chunk somewhere."""

    def __init__(self, data: bytes, step: int) -> None:
        super().__init__()
        self._data, self._at, self._step = data, 0, step

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        out = self._data[self._at : self._at + min(self._step, n if n >= 0 else self._step)]
        self._at += len(out)
        return out


def js(text: str, *, kind: ArchiveKind = "likes", partial: bool = False, name: str = "like.js") -> list[InputRecord]:
    return list(read_records(io.BytesIO(text.encode()), name=name, fmt="js", archive_kind=kind, partial=partial))


def test_like_js_entries_with_quotes_emoji_and_without_full_text() -> None:
    text = likes_js(IDS[:6])
    assert '"fullText" : "He said \\"hello\\" \U0001f600' in text  # the file really holds them, unescaped
    records = js(text)
    assert ids_of(records) == IDS[:6]
    lines = text.splitlines()
    for record in records:  # each source is the line where the entry starts
        assert isinstance(record, ParsedId)
        line = int(record.source.rsplit(":", 1)[1])
        assert lines[line - 1].strip() == "{"
        assert record.tweet_id in "\n".join(lines[line : line + 3])


def test_a_like_js_of_many_chunks_with_real_sized_ids() -> None:
    ids = [str(1_861_000_000_000_000_000 + i * 7919) for i in range(6000)]  # 19 digits, about 0.9 MB
    text = likes_js(ids)
    assert len(text) > 12 * 64 * 1024
    records = js(text)
    assert ids_of(records) == ids
    lines = text.splitlines()
    for record in records[::97]:
        assert lines[int(record.source.rsplit(":", 1)[1]) - 1].strip() == "{"
    big = str(2**63)
    assert js(likes_js([big]))[0] == InvalidLine(big, "like.js:2", "ID exceeds 2^63-1")


@given(st.integers(min_value=1, max_value=97))
def test_any_chunking_gives_the_same_records(step: int) -> None:
    text = likes_js(IDS) + "\n"
    expected = js(text)
    got = list(read_data_file(Trickle(text.encode(), step), name="like.js", kind="likes", partial=False))  # type: ignore[arg-type]
    assert got == expected


def test_bom_semicolon_and_compact_shapes() -> None:
    compact = '\ufeffwindow.YTD.like.part0=[{"like":{"tweetId":"5"}},{"like":{"tweetId":"6","fullText":"x"}}];\n'
    assert ids_of(js(compact)) == ["5", "6"]
    assert js("window.YTD.like.part0 = [ ]") == []


def test_bad_entries_are_invalid_records_not_errors() -> None:
    entries = [
        like_entry(IDS[0]),
        {"like": {"fullText": "no id here"}},
        {"like": {"tweetId": "12abc"}},
        {"follow": {"accountId": "1"}},
        like_entry(IDS[1]),
    ]
    records = js(data_file("like", entries))
    assert ids_of(records) == IDS[:2]
    reasons = [r.reason for r in records if isinstance(r, InvalidLine)]
    assert reasons == ["entry has no like.tweetId", "not a tweet ID or status URL", "entry has no like.tweetId"]


def test_truncated_like_js_names_the_file_and_position() -> None:
    text = likes_js(IDS[:5])
    cut = text[: text.index(IDS[3]) + 5]  # inside the fourth entry's tweetId
    with pytest.raises(InputError) as caught:
        js(cut)
    message = str(caught.value)
    line = cut.count("\n") + 1
    column = len(cut.rsplit("\n", 1)[1]) + 1
    assert message.startswith(f"like.js: cut short at line {line}, column {column}")
    assert "(the text ends inside a value)" in message and "no ID from like.js was used" in message
    assert message.endswith("or pass --partial to keep the 3 entries read before the break")


def test_truncated_like_js_with_partial_keeps_what_came_before() -> None:
    text = likes_js(IDS[:5])
    records = js(text[: text.index(IDS[3]) + 5], partial=True)
    assert ids_of(records) == IDS[:3]
    last = records[-1]
    assert isinstance(last, InvalidLine) and last.source.startswith("like.js:")
    assert "cut short" in last.reason and "the 3 entries before it were kept" in last.reason


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ('window.YTD.like.part0 = [\n  {"like" : {"tweetId" : "1"}}\n  {"like" : {"tweetId" : "2"}}\n]', "line 3"),
        ('window.YTD.like.part0 = [\n  {"like" : {"tweetId" : "1"}},\n  {"like" : x}\n]', "line 3, column 13"),
        ('window.YTD.like.part0 = [{"like": {"tweetId": "1"}}] trailing', "unexpected text after the array"),
        ("window.YTD.like.part0 = {}", r"expected '\[' after"),
        ('window.YTD.like.part0 = [{"like": {"tweetId": "1"}},', "cut short"),
        ("window.YTD.like.part0 = ", "cut short"),
    ],
)
def test_broken_files_are_one_error(text: str, needle: str) -> None:
    with pytest.raises(InputError, match=needle):
        js(text)


def test_invalid_utf8_is_a_break() -> None:
    data = likes_js(IDS[:2]).encode().replace(b"hello", b"hel\xfflo")
    with pytest.raises(InputError, match="invalid UTF-8"):
        list(read_records(io.BytesIO(data), name="like.js", fmt="js"))


def test_other_data_types_are_refused_with_a_hint() -> None:
    with pytest.raises(InputError, match="holds 'tweets' data.*--archive-kind tweets"):
        js(data_file("tweets", [tweet_entry(IDS[0])]), name="tweets.js")
    with pytest.raises(InputError, match="holds 'follower' data"):
        js(data_file("follower", [{"follower": {"accountId": "1"}}]))
    with pytest.raises(InputError, match="not an X archive data file"):
        js("var x = [1]")
    with pytest.raises(InputError, match="holds 'like' data.*drop --archive-kind tweets"):
        js(likes_js(IDS[:1]), kind="tweets")


def test_tweets_js_wrapped_and_legacy_tweet_js() -> None:
    assert ids_of(js(data_file("tweets", [tweet_entry(t) for t in IDS[:3]]), kind="tweets")) == IDS[:3]
    legacy = data_file("tweet", [tweet_entry(t, wrapped=False) for t in IDS[3:5]])
    assert ids_of(js(legacy, kind="tweets", name="tweet.js")) == IDS[3:5]


def zip_records(
    data: bytes, *, kind: ArchiveKind = "likes", partial: bool = False, name: str = "archive.zip"
) -> list[InputRecord]:
    return list(read_zip(io.BytesIO(data), name=name, kind=kind, partial=partial))


def test_zip_reads_every_like_part_in_order_and_nothing_else() -> None:
    data = full_archive([IDS[0:3], IDS[3:5], IDS[5:6]], tweet_ids=IDS[8:10], follower_ids=IDS[10:12])
    records = zip_records(data)
    assert ids_of(records) == IDS[:6]
    assert all(isinstance(r, ParsedId) for r in records)
    members = [r.source.rsplit(":", 1)[0] for r in records]
    assert members == ["archive.zip/data/like.js"] * 3 + ["archive.zip/data/like-part1.js"] * 2 + [
        "archive.zip/data/like-part2.js"
    ]


def test_zip_archive_kind_tweets_reads_only_the_posts() -> None:
    data = full_archive([IDS[0:3]], tweet_ids=IDS[8:10], follower_ids=IDS[10:12])
    records = zip_records(data, kind="tweets")
    assert ids_of(records) == IDS[8:10]
    assert records[0].source.startswith("archive.zip/data/tweets.js:")


def test_zip_parts_sort_by_number_and_a_top_folder_is_fine() -> None:
    members: dict[str, str | bytes] = {
        "twitter-2026/data/like-part10.js": likes_js(IDS[3:4], 10),
        "twitter-2026/data/like-part2.js": likes_js(IDS[2:3], 2),
        "twitter-2026/data/like.js": likes_js(IDS[0:1]),
        "twitter-2026/data/like-part1.js": likes_js(IDS[1:2], 1),
        "twitter-2026/data/liked-lists.js": likes_js(IDS[5:6]),
    }
    assert ids_of(zip_records(zip_bytes(members))) == IDS[:4]


def test_zip_without_likes_is_an_error_with_a_hint() -> None:
    data = zip_bytes({"data/tweets.js": data_file("tweets", [tweet_entry(IDS[0])]), "data/manifest.js": manifest({})})
    with pytest.raises(
        InputError, match=r"archive.zip: no likes in this archive .*among its 2 files.*--archive-kind tweets"
    ):
        read_zip(io.BytesIO(data), name="archive.zip", kind="likes", partial=False)
    with pytest.raises(InputError, match="no likes in this archive"):
        read_zip(io.BytesIO(zip_bytes({"README.txt": "hi"})), name="archive.zip", kind="likes", partial=True)


def test_zip_with_a_truncated_part_is_one_error_naming_the_member() -> None:
    text = likes_js(IDS[3:6], 1)
    data = zip_bytes({"data/like.js": likes_js(IDS[:3]), "data/like-part1.js": text[: len(text) // 2]})
    records = read_zip(io.BytesIO(data), name="archive.zip", kind="likes", partial=False)
    with pytest.raises(InputError, match=r"^archive.zip/data/like-part1.js: cut short at line \d+") as caught:
        list(records)
    assert "no ID from archive.zip was used" in str(caught.value)
    kept = zip_records(data, partial=True)
    assert ids_of(kept)[:3] == IDS[:3] and isinstance(kept[-1], InvalidLine)


def test_cut_zip_file_and_corrupt_member_data() -> None:
    data = full_archive([IDS[:6]], tweet_ids=[], follower_ids=[])
    with pytest.raises(InputError, match="archive.zip: not a readable zip archive"):
        read_zip(io.BytesIO(data[: len(data) // 2]), name="archive.zip", kind="likes", partial=False)
    corrupt = bytearray(zip_bytes({"data/like.js": likes_js(IDS[:6])}))
    corrupt[60:70] = b"\x00" * 10  # inside the deflated data: zlib or the CRC check fails
    with pytest.raises(InputError, match="archive.zip/data/like.js: broken at line"):
        zip_records(bytes(corrupt))


def test_manifest_lists_a_part_that_is_missing() -> None:
    members: dict[str, str | bytes] = {
        "data/like.js": likes_js(IDS[:2]),
        "data/manifest.js": manifest({"like": [("data/like.js", 2), ("data/like-part1.js", 5)]}),
    }
    with pytest.raises(InputError, match="manifest.js lists data/like-part1.js, missing from the archive"):
        read_zip(io.BytesIO(zip_bytes(members)), name="archive.zip", kind="likes", partial=False)
    records = zip_records(zip_bytes(members), partial=True)
    assert ids_of(records) == IDS[:2]
    assert [r.reason for r in records if isinstance(r, InvalidLine)] == ["listed in the manifest, not in the zip"]


def test_manifest_names_a_file_the_pattern_misses_and_a_broken_manifest_is_ignored() -> None:
    members: dict[str, str | bytes] = {
        "data/like.js": likes_js(IDS[:1]),
        "data/like-extra.js": likes_js(IDS[1:2], 1),
        "data/manifest.js": manifest({"like": [("data/like.js", 1), ("data/like-extra.js", 1)]}),
    }
    assert ids_of(zip_records(zip_bytes(members))) == IDS[:2]
    members["data/manifest.js"] = "window.__THAR_CONFIG = {broken"
    assert ids_of(zip_records(zip_bytes(members))) == IDS[:1]


def test_zip_from_a_pipe_is_refused() -> None:
    class Pipe(io.BytesIO):
        def seekable(self) -> bool:
            return False

    with pytest.raises(InputError, match="cannot be read from a pipe"):
        read_zip(Pipe(b"PK\x03\x04"), name="<stdin>", kind="likes", partial=False)


@pytest.mark.parametrize(
    ("name", "head", "expected"),
    [
        ("like.js", b"", "js"),
        ("likes.txt", b"window.YTD.like.part0 = [", "js"),
        ("-", b"\xef\xbb\xbf\n  window.YTD.like.part3 = [", "js"),
        ("archive.dat", b"PK\x03\x04\x14\x00", "zip"),
        ("empty.zip", b"PK\x05\x06", "zip"),
        ("twitter.ZIP", b"", "zip"),
        ("ids.csv", b"tweet_id\n1\n", "csv"),
        ("ids.txt", b"window.YTD.", "js"),
        ("ids.txt", b"window.ytd.like", "text"),
    ],
)
def test_detect_by_content_then_name(name: str, head: bytes, expected: str) -> None:
    assert detect_format(name, None, head) == expected


def test_peek_head_does_not_consume() -> None:
    data = likes_js(IDS[:1]).encode()
    fp = io.BytesIO(data)
    assert peek_head(fp) == data[:64]
    assert fp.read() == data
    buffered = io.BufferedReader(io.BytesIO(data))
    assert peek_head(buffered) == data[:64] and buffered.read() == data


def test_zipfile_members_stream(monkeypatch: pytest.MonkeyPatch) -> None:
    """A member is read in bounded chunks, never whole."""
    sizes: list[int] = []
    original = zipfile.ZipExtFile.read

    def spy(self: zipfile.ZipExtFile, n: int = -1) -> bytes:
        sizes.append(n)
        return original(self, n)

    monkeypatch.setattr(zipfile.ZipExtFile, "read", spy)
    ids = [str(10**15 + i) for i in range(3000)]
    assert ids_of(zip_records(zip_bytes({"data/like.js": likes_js(ids)}))) == ids
    assert sizes and all(0 < n <= 1024 * 1024 for n in sizes)


HOSTILE = {
    "deep-nesting": b"window.YTD.like.part0 = [" + b"[" * 100_000,
    "deep-but-closed": b"window.YTD.like.part0 = [" + b"[" * 5000 + b"]" * 5000 + b"]",
    "binary-junk": bytes(range(256)) * 100,
    "nul-after-prefix": b"window.YTD.like.part0 = \x00",
    "utf16": "window.YTD.like.part0 = []".encode("utf-16"),
    "entry-over-the-bound": b'window.YTD.like.part0 = [{"like": {"fullText": "' + b"a" * (9 * 1024 * 1024) + b'"}}]',
    "nan-and-infinity": b'window.YTD.like.part0 = [{"like": {"tweetId": NaN}}, {"like": {"tweetId": -Infinity}}]',
}


@pytest.mark.parametrize("data", HOSTILE.values(), ids=list(HOSTILE))
def test_hostile_data_files_are_records_or_one_input_error(data: bytes) -> None:
    """Bad input never crashes: every outcome is records or one InputError naming the file."""
    try:
        records = list(read_records(io.BytesIO(data), name="like.js", fmt="js"))
    except InputError as exc:
        assert str(exc).startswith("like.js: ")
    else:
        assert all(isinstance(r, InvalidLine) for r in records)
