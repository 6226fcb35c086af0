"""The answers' shapes match the recorded ones: bodies, headers, codes and the like state."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from bulklike.emulator.tweets import Fate, created_at_for, fate, format_created_at
from bulklike.x import codes as apicodes
from tests.helpers.emulator import ACCOUNTS, ALICE, BOB, Start

CASSETTE = Path(__file__).resolve().parents[2] / "data" / "cassettes" / "testcreatedestroyfavorite.json"
CREATED_AT = re.compile(r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun) [A-Z][a-z]{2} \d\d \d\d:\d\d:\d\d \+0000 \d{4}$")
RATE_HEADERS = (apicodes.H_LIMIT, apicodes.H_REMAINING, apicodes.H_RESET)


def recorded_tweet() -> dict[str, Any]:
    interactions = json.loads(CASSETTE.read_text())["interactions"]
    tweet: dict[str, Any] = json.loads(interactions[0]["response"]["body"]["string"])
    return tweet


async def test_v1_like_answers_a_tweet_shaped_like_the_recording(start: Start) -> None:
    caller = await start()
    answer = await caller.v1_like("1293593516040269825")
    assert answer.status == 200
    assert answer.headers["content-type"] == "application/json;charset=utf-8"
    assert not [h for h in answer.headers if h.lower().startswith("x-rate-limit")]
    tweet, recorded = answer.json(), recorded_tweet()
    assert list(tweet) == list(recorded)
    assert set(recorded["user"]) >= {"id", "id_str", "name", "screen_name"}
    assert set(tweet["user"]) >= {"id", "id_str", "name", "screen_name", "protected"}
    assert tweet["id"] == 1293593516040269825 and tweet["id_str"] == "1293593516040269825"
    assert tweet["favorited"] is True and tweet["truncated"] is False
    assert CREATED_AT.match(tweet["created_at"]) and tweet["created_at"].endswith("2020")


async def test_unlike_reports_favorited_false_and_one_fewer(start: Start) -> None:
    caller = await start()
    liked = (await caller.v1_like("145344012")).json()
    unliked = await caller.v1_unlike("145344012")
    assert unliked.status == 200
    assert unliked.json()["favorited"] is False
    assert unliked.json()["favorite_count"] == liked["favorite_count"] - 1
    assert caller.emu.stats()["liked_now"] == 0 and caller.emu.stats()["unlikes"] == 1


async def test_second_like_is_139_and_unlike_of_unliked_is_144(start: Start) -> None:
    caller = await start()
    assert (await caller.v1_like("42")).status == 200
    again = await caller.v1_like("42")
    assert (again.status, again.json()) == (
        403,
        {"errors": [{"code": 139, "message": "You have already favorited this status."}]},
    )
    nothing = await caller.v1_unlike("43")
    assert (nothing.status, nothing.code) == (404, 144)
    stats = caller.emu.stats()
    assert (stats["likes"], stats["already_liked"], stats["liked_now"]) == (1, 1, 1)


async def test_likes_are_per_user(start: Start) -> None:
    caller = await start(accounts=ACCOUNTS)
    alice, bob = caller.as_user(ALICE), caller.as_user(BOB)
    first = (await alice.v1_like("7")).json()
    second = (await bob.v1_like("7")).json()
    assert second["favorite_count"] == first["favorite_count"] + 1
    assert caller.emu.stats()["liked_now"] == 2


@pytest.mark.parametrize("path", ["/1.1/statuses/update.json", "/2/tweets", "/", "/1.1/favorites/create"])
async def test_unknown_routes_are_34(start: Start, path: str) -> None:
    caller = await start()
    answer = await caller.request("POST", path)
    assert (answer.status, answer.code) == (404, 34)


async def test_wrong_method_on_a_known_route_is_34(start: Start) -> None:
    caller = await start()
    answer = await caller.request("GET", "/1.1/favorites/create.json?id=5")
    assert (answer.status, answer.code) == (404, 34)


async def test_v1_without_id_is_38(start: Start) -> None:
    caller = await start()
    answer = await caller.request("POST", "/1.1/favorites/create.json")
    assert (answer.status, answer.code) == (400, 38)


async def test_v2_like_unlike_and_idempotence(start: Start) -> None:
    caller = await start()
    first = await caller.v2_like("1293593516040269825")
    again = await caller.v2_like("1293593516040269825")
    assert first.body == again.body == b'{"data":{"liked":true}}'
    assert first.headers["content-type"] == "application/json; charset=utf-8"
    assert all(h in first.headers for h in RATE_HEADERS)
    unlike = await caller.v2_unlike("1293593516040269825")
    unlike_again = await caller.v2_unlike("1293593516040269825")
    assert unlike.body == unlike_again.body == b'{"data":{"liked":false}}'
    stats = caller.emu.stats()
    assert (stats["likes"], stats["already_liked"], stats["unlikes"], stats["liked_now"]) == (1, 1, 1, 0)


@pytest.mark.parametrize("body", [{"tweet_id": "abc"}, {"tweet_id": 5}, {}, ["5"], {"tweet_id": "1" * 20}])
async def test_v2_bad_tweet_id_is_invalid_request(start: Start, body: object) -> None:
    caller = await start()
    answer = await caller.request("POST", f"/2/users/{caller.account.user_id}/likes", json=body)
    assert answer.status == 400
    assert answer.json()["type"] == "https://api.x.com/2/problems/invalid-request"


async def test_v2_me_and_v1_verify_credentials(start: Start) -> None:
    caller = await start()
    me = await caller.request("GET", "/2/users/me")
    assert me.json()["data"]["id"] == caller.account.user_id
    v1 = await caller.request("GET", "/1.1/account/verify_credentials.json")
    assert v1.json()["screen_name"] == caller.account.screen_name


def test_created_at_is_decoded_from_snowflakes() -> None:
    assert format_created_at(1539202764) == "Wed Oct 10 20:19:24 +0000 2018"
    # 1293593516040269825 was posted on 2020-08-12 (X's snowflake epoch is 1288834974657 ms)
    assert format_created_at(created_at_for(1293593516040269825)).startswith("Wed Aug 12")
    # older tweets are placed between known ones; these two are the recorded tweets' own dates
    assert format_created_at(created_at_for(145344012)) == recorded_tweet()["created_at"]
    assert format_created_at(created_at_for(4901062372)) == "Thu Oct 15 23:08:56 +0000 2009"


def test_fates_are_disjoint_deterministic_fractions() -> None:
    ids = [str(10**17 + i) for i in range(4000)]
    fates = [fate(3, i, 0.2, 0.1, 0.05) for i in ids]
    assert fates == [fate(3, i, 0.2, 0.1, 0.05) for i in ids]
    share = {f: fates.count(f) / len(ids) for f in Fate}
    assert share[Fate.MISSING] == pytest.approx(0.2, abs=0.03)
    assert share[Fate.PROTECTED] == pytest.approx(0.1, abs=0.03)
    assert share[Fate.BLOCKED] == pytest.approx(0.05, abs=0.02)
    assert fates != [fate(4, i, 0.2, 0.1, 0.05) for i in ids]  # the seed matters
    assert all(fate(3, i, 0.0, 0.0, 0.0) is Fate.EXISTS for i in ids[:50])


async def test_missing_protected_blocked_answers(start: Start) -> None:
    rates = {"missing_rate": 0.3, "protected_rate": 0.3, "blocked_rate": 0.3, "seed": 11}
    caller = await start(**rates)
    expected = {
        Fate.MISSING: (404, 144),
        Fate.PROTECTED: (403, 179),
        Fate.BLOCKED: (403, 136),
        Fate.EXISTS: (200, None),
    }
    seen = set()
    for n in range(40):
        tweet_id = str(1_000 + n)
        doom = fate(11, tweet_id, 0.3, 0.3, 0.3)
        answer = await caller.v1_like(tweet_id)
        assert (answer.status, answer.code) == expected[doom]
        seen.add(doom)
    assert seen == set(Fate)
    stats = caller.emu.stats()
    assert stats["not_found"] + stats["forbidden"] + stats["likes"] == 40


async def test_v2_missing_and_forbidden_tweets(start: Start) -> None:
    caller = await start(missing_rate=0.5, protected_rate=0.5)
    answers = {}
    for n in range(20):
        tweet_id = str(5_000 + n)
        answers[fate(0, tweet_id, 0.5, 0.5, 0.0)] = await caller.v2_like(tweet_id)
    missing, protected = answers[Fate.MISSING], answers[Fate.PROTECTED]
    assert missing.status == 400
    assert missing.json()["errors"] == [{"message": "This tweet cannot be found."}]
    assert missing.json()["type"].endswith("/invalid-request")
    assert protected.status == 403 and protected.json()["title"] == "Forbidden"
    assert caller.emu.stats()["likes"] == 0


async def test_v1_malformed_ids_are_144_and_leading_zeros_name_one_tweet(start: Start) -> None:
    caller = await start()
    for bad in ("abc", "1" * 20, "-5"):
        answer = await caller.v1_like(bad)
        assert (answer.status, answer.code) == (404, 144)
    assert (await caller.v1_like("0077")).json()["id_str"] == "77"
    assert (await caller.v1_like("77")).code == 139


async def test_self_serve_reads_but_refuses_likes_and_unlikes(start: Start) -> None:
    caller = await start(access_level="self-serve")
    me = await caller.request("GET", "/2/users/me")
    assert me.status == 200 and me.json()["data"]["id"] == caller.account.user_id
    for answer in (await caller.v2_like("20"), await caller.v2_unlike("20")):
        body = answer.json()
        assert answer.status == 403 and body["type"] == "https://api.x.com/2/problems/client-forbidden"
        assert body["reason"] == "client-not-enrolled" and body["registration_url"].startswith("https://")
    v1 = await caller.v1_like("20")
    assert v1.status == 403 and v1.json()["errors"][0]["code"] == 453


async def test_a_read_only_app_is_refused_writes(start: Start) -> None:
    caller = await start(read_only_app=True)
    v2 = await caller.v2_like("20")
    assert v2.status == 403 and v2.json()["type"] == "https://api.x.com/2/problems/oauth1-permissions"
    v1 = await caller.v1_like("20")
    assert v1.status == 403 and v1.json()["errors"][0]["code"] == apicodes.APP_CANNOT_WRITE[0]
