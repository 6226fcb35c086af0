"""Real-shaped inputs, generated: X archive data files and zips, twarc2 pages and flattened lines.

The shapes follow what X's "Download an archive of your data" and twarc2 write: data files are
``window.YTD.<type>.partN = `` followed by a JSON array pretty-printed with ``" : "`` separators;
twarc2 writes ``json.dumps`` of each API page (ASCII, ``\\u`` escapes) with a ``__twarc`` object.
"""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

TEXTS = [
    'He said "hello" \U0001f600 and left',  # quotes and an emoji
    "line one\nline two \u2014 caf\u00e9 \U0001f1fa\U0001f1e6",  # a newline, a dash, a flag
    "back\\slash and a tab\there https://t.co/abc",
]


def like_entry(tweet_id: str, n: int = 0, *, text: bool = True) -> dict[str, Any]:
    """One like as the archive writes it; every third has no fullText/expandedUrl (as in old likes)."""
    like: dict[str, Any] = {"tweetId": tweet_id}
    if text:
        like["fullText"] = TEXTS[n % len(TEXTS)]
        like["expandedUrl"] = f"https://twitter.com/i/web/status/{tweet_id}"
    return {"like": like}


def tweet_entry(tweet_id: str, *, wrapped: bool = True) -> dict[str, Any]:
    tweet = {
        "edit_info": {"initial": {"editTweetIds": [tweet_id], "editableUntil": "2026-11-01T10:00:00.000Z"}},
        "retweeted": False,
        "source": '<a href="https://mobile.twitter.com" rel="nofollow">Twitter Web App</a>',
        "entities": {"hashtags": [], "symbols": [], "user_mentions": [], "urls": []},
        "display_text_range": ["0", "12"],
        "favorite_count": "3",
        "id_str": tweet_id,
        "truncated": False,
        "retweet_count": "0",
        "id": tweet_id,
        "created_at": "Sat Nov 01 09:00:00 +0000 2026",
        "favorited": False,
        "full_text": "my own post \U0001f680",
        "lang": "en",
    }
    return {"tweet": tweet} if wrapped else tweet


def data_file(data_type: str, entries: list[dict[str, Any]], part: int = 0) -> str:
    """``window.YTD.<type>.partN = [ ... ]`` pretty-printed like the archive (non-ASCII kept as is)."""
    body = json.dumps(entries, indent=2, separators=(",", " : "), ensure_ascii=False)
    return f"window.YTD.{data_type}.part{part} = {body}"


def likes_js(ids: list[str], part: int = 0) -> str:
    return data_file("like", [like_entry(t, i, text=i % 3 != 2) for i, t in enumerate(ids)], part)


def manifest(files: dict[str, list[tuple[str, int]]]) -> str:
    """``data/manifest.js``: ``window.__THAR_CONFIG`` listing each data type's files and counts."""
    data_types = {
        data_type: {
            "files": [
                {"fileName": name, "globalName": f"YTD.{data_type}.part{i}", "count": str(count)}
                for i, (name, count) in enumerate(listed)
            ]
        }
        for data_type, listed in files.items()
    }
    config = {
        "userInfo": {"accountId": "12345", "userName": "someone", "displayName": "Some One"},
        "archiveInfo": {"sizeBytes": "123456", "generationDate": "2026-11-30T08:00:00.000Z", "isPartialArchive": False},
        "readmeInfo": {"fileName": "data/README.txt", "directory": "data/", "name": "README.txt"},
        "dataTypes": data_types,
    }
    return "window.__THAR_CONFIG = " + json.dumps(config, indent=2, separators=(",", " : "))


def zip_bytes(members: dict[str, str | bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content.encode() if isinstance(content, str) else content)
    return buffer.getvalue()


def full_archive(like_parts: list[list[str]], tweet_ids: list[str], follower_ids: list[str]) -> bytes:
    """A multi-part archive: like parts, tweets.js, follower.js, manifest.js, a README and media."""
    members: dict[str, str | bytes] = {}
    names = []
    for i, ids in enumerate(like_parts):
        name = "data/like.js" if i == 0 else f"data/like-part{i}.js"
        members[name] = likes_js(ids, i)
        names.append((name, len(ids)))
    members["data/tweets.js"] = data_file("tweets", [tweet_entry(t) for t in tweet_ids])
    members["data/follower.js"] = data_file(
        "follower",
        [
            {"follower": {"accountId": f, "userLink": f"https://twitter.com/intent/user?user_id={f}"}}
            for f in follower_ids
        ],
    )
    members["data/manifest.js"] = manifest(
        {"like": names, "tweets": [("data/tweets.js", len(tweet_ids))], "follower": [("data/follower.js", 1)]}
    )
    members["data/README.txt"] = "This archive contains your data.\n"
    members["data/tweets_media/1-abc.jpg"] = b"\xff\xd8\xff\xe0 not really a jpeg"
    members["Your archive.html"] = "<html><body>archive</body></html>"
    return zip_bytes(members)


def twarc_tweet(tweet_id: str, *, author: str = "111", referenced: str | None = None) -> dict[str, Any]:
    tweet: dict[str, Any] = {
        "id": tweet_id,
        "text": 'a "quoted" tweet \U0001f389',
        "author_id": author,
        "created_at": "2026-11-30T12:00:00.000Z",
        "public_metrics": {"retweet_count": 0, "reply_count": 0, "like_count": 2, "quote_count": 0},
        "edit_history_tweet_ids": [tweet_id],
        "lang": "en",
    }
    if referenced:
        tweet["referenced_tweets"] = [{"type": "quoted", "id": referenced}]
    return tweet


def twarc_page(tweet_ids: list[str], included_ids: list[str], *, pad: int = 0) -> str:
    """One line of ``twarc2 search``/``liked-tweets``: a page with ``includes`` and ``__twarc``;
    ``pad`` adds that many bytes of user descriptions to make the line long."""
    data = [
        twarc_tweet(t, referenced=included_ids[i % len(included_ids)] if included_ids else None)
        for i, t in enumerate(tweet_ids)
    ]
    page = {
        "data": data,
        "includes": {
            "users": [{"id": "111", "name": "Some One", "username": "someone", "description": "x" * pad}],
            "tweets": [twarc_tweet(t, author="222") for t in included_ids],
        },
        "meta": {
            "result_count": len(data),
            "newest_id": tweet_ids[0] if tweet_ids else None,
            "next_token": "b26v89c19",
        },
        "__twarc": {
            "url": "https://api.twitter.com/2/users/111/liked_tweets?max_results=100",
            "version": "2.14.0",
            "retrieved_at": "2026-11-30T12:00:01+00:00",
        },
    }
    return json.dumps(page)


def twarc_flat(tweet_id: str, referenced: str) -> str:
    """One line of ``twarc2 flatten``: a tweet with its expansions inline and ``__twarc``."""
    tweet = twarc_tweet(tweet_id, referenced=referenced)
    tweet["author"] = {"id": "111", "name": "Some One", "username": "someone"}
    tweet["referenced_tweets"] = [{"type": "quoted", "id": referenced, **twarc_tweet(referenced)}]
    tweet["__twarc"] = {
        "url": "https://api.twitter.com/2/tweets/search/recent",
        "version": "2.14.0",
        "retrieved_at": "2026-11-30T12:00:01+00:00",
    }
    return json.dumps(tweet)


def twarc_users_page(user_ids: list[str]) -> str:
    """``twarc2 liking-users``: a page of users, whose IDs must never be taken as tweets."""
    data = [{"id": u, "name": f"User {u}", "username": f"user{u}"} for u in user_ids]
    return json.dumps(
        {
            "data": data,
            "meta": {"result_count": len(data)},
            "__twarc": {
                "url": "https://api.twitter.com/2/tweets/1/liking_users",
                "version": "2.14.0",
                "retrieved_at": "2026-11-30T12:00:01+00:00",
            },
        }
    )
