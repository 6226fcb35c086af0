"""The X data archive: its ``like.js``/``tweets.js`` files (and their parts), and the .zip itself.

A data file is a JavaScript assignment around one pretty-printed array,
``window.YTD.like.part0 = [ {"like": {"tweetId": "...", "fullText": "..."}}, ... ]``; it is read
entry by entry (``jsonstream``), so a 200 MB file never sits in memory. The zip's members are read
as streams, and only the data files of the kind asked for (``data/like.js``, ``data/like-partN.js``,
or ``data/tweets.js``/``data/tweet.js`` and their parts, plus what ``data/manifest.js`` lists);
everything else is ignored.

A bad entry is an ``InvalidLine``; a broken file (cut short, not JSON, unreadable zip data) is an
``InputError`` naming the file and the position, unless ``partial`` asks to keep what was read
before the break, when the break becomes one ``InvalidLine`` and reading goes on.
"""

from __future__ import annotations

import json
import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, BinaryIO, Literal

from bulklike.errors import InputError
from bulklike.input.ids import InvalidTweetRef, parse_tweet_ref
from bulklike.input.jsonstream import JsonStream, JsonStreamError, NoMatch
from bulklike.input.lines import InputRecord, InvalidLine, ParsedId, printable
from bulklike.snowflake import is_id

__all__ = ["ArchiveKind", "looks_like_data_file", "looks_like_zip", "read_data_file", "read_zip"]

ArchiveKind = Literal["likes", "tweets"]

_ASSIGNMENT = re.compile(r"window\.YTD\.([A-Za-z0-9_]+)\.part([0-9]+)[ \t\r\n]*=")
_DATA_TYPES: dict[ArchiveKind, tuple[str, ...]] = {"likes": ("like",), "tweets": ("tweets", "tweet")}
_MEMBER = {
    "likes": re.compile(r"(?:.*/)?data/like(?:-part([0-9]+))?\.js"),
    "tweets": re.compile(r"(?:.*/)?data/tweets?(?:-part([0-9]+))?\.js"),
}
_MANIFEST = re.compile(r"(?:.*/)?data/manifest\.js")
_MAX_MANIFEST = 16 * 1024 * 1024
_ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, OSError)
_HINT = {
    "likes": "pass --archive-kind tweets to like the posts in it",
    "tweets": "it holds likes: drop --archive-kind tweets",
}


def looks_like_zip(head: bytes) -> bool:
    return head[:4] in (b"PK\x03\x04", b"PK\x05\x06")


def looks_like_data_file(head: bytes) -> bool:
    """``window.YTD.`` at the start, after an optional BOM and whitespace."""
    return head.removeprefix(b"\xef\xbb\xbf").lstrip().startswith(b"window.YTD.")


def read_data_file(
    fp: IO[bytes], *, name: str, kind: ArchiveKind, partial: bool, whole: str | None = None
) -> Iterator[InputRecord]:
    """The tweet IDs of one archive data file, one record per entry; ``source`` is ``name:line``
    (the line where the entry starts). ``whole`` names the input the file is part of (a zip)."""
    stream = JsonStream(fp.read)
    count = 0
    try:
        try:
            found = stream.match(_ASSIGNMENT, "window.YTD.<type>.partN = [")
        except NoMatch:
            raise InputError(f"{name}: not an X archive data file (no 'window.YTD.<type>.partN = [')") from None
        _check_type(found[1], kind, name)
        stream.expect("[", "'[' after 'window.YTD...='")
        pick = _like_id if kind == "likes" else _tweet_id
        for line, entry in stream.values():
            value = pick(entry)
            if type(value) is str and is_id(value):  # fast path; anything else gets the full diagnosis
                yield ParsedId(value, f"{name}:{line}")
            else:
                yield _record(value, entry, f"{name}:{line}", kind)
            count += 1
        if stream.peek() == ";":  # tolerated: the assignment may end like a statement
            stream.expect(";", "';'")
        if not stream.at_end():
            raise stream.error("unexpected text after the array")
    except JsonStreamError as exc:
        yield _broken(exc, Break(name, count, partial, whole or name))
    except _ZIP_ERRORS as exc:
        yield _broken(stream.error(f"unreadable ({exc})"), Break(name, count, partial, whole or name))


def _check_type(data_type: str, kind: ArchiveKind, name: str) -> None:
    """A data file of another type (follower.js, tweets.js for likes) is refused: its IDs are not likes."""
    if data_type in _DATA_TYPES[kind]:
        return
    known = data_type in ("like", "tweets", "tweet")
    hint = "; " + _HINT["tweets" if data_type == "like" else "likes"] if known else ""
    what = "likes" if kind == "likes" else "your posts (tweets.js)"
    raise InputError(f"{name}: holds '{data_type}' data (window.YTD.{data_type}), not {what}{hint}")


@dataclass(frozen=True, slots=True)
class Break:
    """Where a data file broke: its name, the entries read before, what to do (``partial``) and
    what to name as lost (``whole``: the input the file belongs to)."""

    name: str
    count: int
    partial: bool
    whole: str


def _broken(exc: JsonStreamError, at: Break) -> InvalidLine:
    """The record for a break with --partial; without it, the error that stops the run."""
    what = f"{'cut short' if exc.truncated else 'broken'} at line {exc.line}, column {exc.column}"
    what += f" ({exc.reason})" if exc.truncated else f": {exc.reason}"
    if at.partial:
        return InvalidLine(
            printable(what), f"{at.name}:{exc.line}", f"{what}; the {at.count} entries before it were kept"
        )
    advice = "download the archive again" if exc.truncated else "check or re-download it"
    raise InputError(
        f"{at.name}: {what}; no ID from {at.whole} was used — {advice}, or pass --partial to keep the "
        f"{at.count} entries read before the break"
    )


def _like_id(entry: object) -> object:
    try:
        return entry["like"]["tweetId"]  # type: ignore[index]
    except (TypeError, KeyError, IndexError):  # not an object, or no such key
        like = entry.get("like") if isinstance(entry, dict) else None
        return like.get("tweetId") if isinstance(like, dict) else None


def _tweet_id(entry: object) -> object:
    """``{"tweet": {"id_str": ...}}``; older archives have the tweet object without the wrapper."""
    if not isinstance(entry, dict):
        return None
    tweet = entry.get("tweet", entry)
    if not isinstance(tweet, dict):
        return None
    return tweet.get("id_str", tweet.get("id"))


def _record(value: object, entry: object, source: str, kind: ArchiveKind) -> InputRecord:
    if isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool)):
        try:
            return ParsedId(parse_tweet_ref(str(value)), source)
        except InvalidTweetRef as exc:
            return InvalidLine(printable(str(value)), source, exc.reason)
    field = "like.tweetId" if kind == "likes" else "tweet.id_str"
    return InvalidLine(printable(json.dumps(entry, ensure_ascii=False)), source, f"entry has no {field}")


def read_zip(fp: BinaryIO, *, name: str, kind: ArchiveKind, partial: bool) -> Iterator[InputRecord]:
    """Every data file of ``kind`` in the archive, in part order; raises InputError at once when
    the zip is unreadable or has none (before the first record, so before anything is sent)."""
    if not fp.seekable():
        raise InputError(f"{name}: a zip archive cannot be read from a pipe; pass the file's path")
    try:
        archive = zipfile.ZipFile(fp)
    except (zipfile.BadZipFile, OSError) as exc:
        raise InputError(f"{name}: not a readable zip archive ({exc}); a cut download? download it again") from None
    members, missing = _members(archive, kind)
    if not members and not missing:
        archive.close()
        raise InputError(_none_found(archive, name, kind))
    if missing and not partial:
        archive.close()
        raise InputError(
            f"{name}: data/manifest.js lists {', '.join(missing)}, missing from the archive (an incomplete "
            "archive? download it again, or pass --partial to read the files present)"
        )
    return _read_members(archive, members, missing, name, kind, partial)


def _read_members(
    archive: zipfile.ZipFile, members: list[str], missing: list[str], name: str, kind: ArchiveKind, partial: bool
) -> Iterator[InputRecord]:
    with archive:
        for member in missing:
            yield InvalidLine(printable(member), f"{name}/data/manifest.js", "listed in the manifest, not in the zip")
        for member in members:
            try:
                stream = archive.open(member)
            except (*_ZIP_ERRORS, RuntimeError, NotImplementedError) as exc:  # encrypted, unknown compression
                error = JsonStreamError(f"cannot be opened ({exc})", 1, 1)
                yield _broken(error, Break(f"{name}/{member}", 0, partial, name))
                continue
            with stream:
                yield from read_data_file(stream, name=f"{name}/{member}", kind=kind, partial=partial, whole=name)


def _members(archive: zipfile.ZipFile, kind: ArchiveKind) -> tuple[list[str], list[str]]:
    """The data files to read, in part order, and those the manifest lists that are not there."""
    names = archive.namelist()
    present = set(names)
    found: dict[str, int] = {}
    for member in names:
        match = _MEMBER[kind].fullmatch(member)
        if match:
            found[member] = int(match[1] or 0)
    missing: list[str] = []
    for listed in _manifest_files(archive, names, kind):
        if listed in present:
            found.setdefault(listed, len(found) + 1_000_000)  # after the named parts, in manifest order
        elif listed not in found:
            missing.append(listed)
    return sorted(found, key=lambda member: (found[member], member)), missing


def _manifest_files(archive: zipfile.ZipFile, names: list[str], kind: ArchiveKind) -> list[str]:
    """The files ``data/manifest.js`` lists for ``kind``, as member names; [] when it is absent or unreadable."""
    manifest = next((member for member in names if _MANIFEST.fullmatch(member)), None)
    if manifest is None:
        return []
    root = manifest[: -len("data/manifest.js")]
    try:
        with archive.open(manifest) as fp:
            text = fp.read(_MAX_MANIFEST + 1).decode("utf-8-sig")
        if len(text) > _MAX_MANIFEST:
            return []
        config = json.loads(text[text.index("{") : text.rindex("}") + 1])
        listed = []
        for data_type in _DATA_TYPES[kind]:
            for entry in config["dataTypes"].get(data_type, {}).get("files", []):
                listed.append(root + str(entry["fileName"]).lstrip("/"))
        return listed
    except (*_ZIP_ERRORS, RuntimeError, NotImplementedError, ValueError, KeyError, TypeError, AttributeError):
        return []  # a manifest we cannot read does not stop us: the data files are found by name too


def _none_found(archive: zipfile.ZipFile, name: str, kind: ArchiveKind) -> str:
    other: ArchiveKind = "tweets" if kind == "likes" else "likes"
    has_other = any(_MEMBER[other].fullmatch(member) for member in archive.namelist())
    looked = "data/like.js or data/like-partN.js" if kind == "likes" else "data/tweets.js, data/tweet.js or their parts"
    hint = f"; {_HINT[kind]}" if has_other else ""
    return f"{name}: no {kind} in this archive (no {looked} among its {len(archive.namelist())} files){hint}"
