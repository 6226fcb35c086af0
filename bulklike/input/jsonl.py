"""JSON Lines, including twarc2's output: one object per line, one or many tweet IDs per object.

twarc2 writes one whole API page per line by default (``{"data": [tweets], "includes": {...},
"meta": {...}, "__twarc": {...}}``): every tweet in ``data`` is taken, never the referenced ones in
``includes``. ``twarc2 flatten`` writes one tweet per line, which is an ordinary object with ``id``.
A page is often longer than the 64 KiB line bound; such a line is parsed as a stream
(``jsonstream``): each tweet of ``data`` is decoded alone and everything else is skipped
unbuilt, so memory stays at about one tweet. A line's IDs are released together, when the line
has parsed, so a cut last line (twarc2 killed while writing) is one invalid line, like any other.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

from bulklike.input.ids import InvalidTweetRef, parse_tweet_ref
from bulklike.input.jsonstream import JsonStream, JsonStreamError
from bulklike.input.lines import InputRecord, InvalidLine, LongLine, ParsedId, decode_line, printable

__all__ = ["JSON_KEYS", "read_jsonl"]

JSON_KEYS = ("tweet_id", "id_str", "id", "url")
"""The ID field of an object, first present wins (``--column`` names another)."""
MAX_PAGE = 100_000
"""Most tweets taken from one line (twarc2 pages hold at most 500)."""
_PAGE_KEYS = ("meta", "__twarc")
_SHAPE_KEYS = ("text", "username")  # told apart: a tweet has text, a user (twarc2 liking-users) a username


def read_jsonl(lines: Iterator[bytes], name: str, column: str | None) -> Iterator[InputRecord]:
    """One JSON object per line; a twarc2 page yields each tweet of its ``data``."""
    keys = (column,) if column is not None else JSON_KEYS
    pages = column is None  # with --column, the field named is the ID, whatever the shape
    for lineno, raw in enumerate(lines, 1):
        source = f"{name}:{lineno}"
        if isinstance(raw, LongLine):
            yield from _long_line(raw, keys, pages, source)
            continue
        text = decode_line(raw, source)
        if isinstance(text, InvalidLine):
            yield text
        elif text:  # blank lines are skipped
            yield from _line(text, keys, pages, source)


def _line(text: str, keys: tuple[str, ...], pages: bool, source: str) -> Iterator[InputRecord]:
    try:
        obj = json.loads(text)
    except (ValueError, RecursionError):  # RecursionError: "[[[[..." nested 60,000 deep
        yield InvalidLine(printable(text), source, "not valid JSON")
        return
    if not isinstance(obj, dict):
        yield InvalidLine(printable(text), source, "not a JSON object")
    elif pages and _is_page(obj):
        yield from _page(obj.get("data", []), source)
    else:
        yield _single(obj, keys, source, text)


def _is_page(obj: dict[str, object]) -> bool:
    """A twarc2 page: tweets in ``data``; or one with none (no results, only ``errors``) but its metadata."""
    if isinstance(obj.get("data"), list | dict):
        return True
    return ("meta" in obj or "__twarc" in obj) and not any(key in obj for key in JSON_KEYS)


def _page(data: object, source: str) -> Iterator[InputRecord]:
    """The tweets of a page's ``data`` (a list, or one object for ``twarc2 tweet``)."""
    for item in data if isinstance(data, list) else [data]:
        if not isinstance(item, dict) or "id" not in item:
            yield InvalidLine(printable(json.dumps(item)), source, "an item of 'data' without an 'id'")
        else:
            yield _single(item, ("id",), source, None)


def _single(obj: dict[str, object], keys: tuple[str, ...], source: str, text: str | None) -> InputRecord:
    for key in keys:
        if key in obj:
            if key == "id" and "username" in obj and "text" not in obj:
                shown = printable(text if text is not None else json.dumps(obj["id"]))
                return InvalidLine(shown, source, "an X user, not a tweet (twarc2 liking-users or followers output?)")
            return json_value(obj[key], source)
    shown = text if text is not None else json.dumps(obj)
    return InvalidLine(printable(shown), source, f"no {_or(keys)} field")


def _or(names: tuple[str, ...]) -> str:
    """'a', 'b' or 'c'"""
    quoted = [repr(name) for name in names]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " or " + quoted[-1]


def json_value(value: object, source: str) -> InputRecord:
    """A JSON string is parsed like text; an integer is taken as the ID; other types are refused."""
    if isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool)):
        text = str(value)
        try:
            return ParsedId(parse_tweet_ref(text), source)
        except InvalidTweetRef as exc:
            return InvalidLine(printable(text), source, exc.reason)
    if isinstance(value, float):
        reason = "ID is a JSON float (write the ID as a string or an integer)"
    else:
        kind = {bool: "a boolean", type(None): "null", list: "a list", dict: "an object"}
        reason = f"ID is {kind.get(type(value), 'not a string or integer')}"
    return InvalidLine(printable(json.dumps(value)), source, reason)


def _long_line(raw: LongLine, keys: tuple[str, ...], pages: bool, source: str) -> list[InputRecord]:
    """A line over the line bound, parsed as a stream; its records all at once, or one invalid."""
    shown = printable(raw.head.decode("utf-8", "replace").strip())
    try:
        return _stream_object(JsonStream(raw.read), keys, pages, source)
    except JsonStreamError as exc:
        reason = f"not valid JSON ({exc.reason} at column {exc.column})"
        return [InvalidLine(shown, source, reason)]
    except _TooMany:
        return [InvalidLine(shown, source, f"more than {MAX_PAGE:,} tweets in one line")]


class _TooMany(Exception):
    pass


def _stream_object(stream: JsonStream, keys: tuple[str, ...], pages: bool, source: str) -> list[InputRecord]:
    """Walk one top-level object, keeping only the ID fields, the shape hints and ``data``'s tweets."""
    if stream.peek() != "{":
        stream.value()  # raises for anything that is not JSON
        raise stream.error("not a JSON object")
    stream.expect("{", "'{'")
    kept: dict[str, object] = {}
    for key in stream.members():
        if key == "data" and pages and stream.peek() in ("[", "{"):
            kept[key] = _stream_data(stream)
        elif key in keys or key in _SHAPE_KEYS:
            kept[key] = _small(stream)
        else:
            if key in _PAGE_KEYS:
                kept[key] = True
            stream.skip_value()
    if not stream.at_end():
        raise stream.error("text after the object")
    if pages and _is_page(kept):
        return list(_page(kept.get("data", []), source))
    return [_single(kept, keys, source, None)]


def _stream_data(stream: JsonStream) -> list[object]:
    if stream.peek() == "{":
        return [_tweet(stream.value())]
    stream.expect("[", "'['")
    items: list[object] = []
    for _ in stream.items():
        items.append(_tweet(stream.value()))
        if len(items) > MAX_PAGE:
            raise _TooMany
    return items


def _tweet(item: object) -> object:
    """Only what ``_single`` looks at, so a page's tweets cost a few bytes each while the line parses."""
    if not isinstance(item, dict):
        return item
    return {key: (True if key in _SHAPE_KEYS else item[key]) for key in ("id", *_SHAPE_KEYS) if key in item}


def _small(stream: JsonStream) -> object:
    """A field's value if it is a scalar; a container is skipped and stands as an empty one."""
    nxt = stream.peek()
    if nxt in ("[", "{"):
        stream.skip_value()
        return [] if nxt == "[" else {}
    return stream.value()
