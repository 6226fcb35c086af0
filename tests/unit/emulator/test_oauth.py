"""OAuth 1.0a and bearer verification: valid requests pass, each wrong credential gets X's code."""

from __future__ import annotations

import json
import time
from dataclasses import replace
from pathlib import Path

import pytest

from bulklike.emulator.accounts import Account, AccountBook
from bulklike.emulator.oauth import Authenticated, AuthFailure, NonceCache, Verifier, parse_oauth_header
from tests.helpers.clock import FakeClock
from tests.helpers.emulator import ACCOUNTS, ALICE, BOB, CAROL, DAVE, Start
from tests.helpers.signing import sign_for

DATA = Path(__file__).resolve().parents[2] / "data"


def test_twitter_documented_example_verifies() -> None:
    """X's "Creating a signature" example, with a form body and a query, passes the verifier."""
    ex = json.loads((DATA / "twitter_signature_example.json").read_text())
    variant = ex["variants"][0]
    params = ex["parameters"]
    account = Account(
        user_id="370773112",
        screen_name="example",
        consumer_key=params["oauth_consumer_key"],
        consumer_secret=ex["consumer_secret"],
        access_token=params["oauth_token"],
        access_token_secret=ex["oauth_token_secret"],
    )
    verifier = Verifier(AccountBook([account]), FakeClock(float(params["oauth_timestamp"])))
    header = "OAuth " + ", ".join(
        f'{k}="{v}"'
        for k, v in [
            *((k, params[k]) for k in sorted(params) if k.startswith("oauth_")),
            (
                "oauth_signature",
                variant["expected_signature"].replace("+", "%2B").replace("=", "%3D").replace("/", "%2F"),
            ),
        ]
    )
    uri = verifier.base_uri("https", "api.twitter.com", "/1.1/statuses/update.json")
    form = "status=Hello%20Ladies%20%2b%20Gentlemen%2c%20a%20signed%20OAuth%20request%21"
    result = verifier.verify("POST", uri, "include_entities=true", header, form)
    assert isinstance(result, Authenticated)
    assert ("status", "Hello Ladies + Gentlemen, a signed OAuth request!") in result.params
    tampered = verifier.verify("POST", uri, "include_entities=false", header, form)
    assert isinstance(tampered, AuthFailure) and tampered.code == 32


@pytest.mark.parametrize(
    ("scheme", "host", "expected"),
    [
        ("https", "api.twitter.com:443", "https://api.twitter.com/1.1/favorites/create.json"),
        ("http", "API.Twitter.com:80", "http://api.twitter.com/1.1/favorites/create.json"),
        ("http", "127.0.0.1:8080", "http://127.0.0.1:8080/1.1/favorites/create.json"),
        ("https", "api.x.com:8443", "https://api.x.com:8443/1.1/favorites/create.json"),
    ],
)
def test_base_string_uri_drops_only_default_ports(scheme: str, host: str, expected: str) -> None:
    verifier = Verifier(AccountBook([ALICE]), time.time)
    assert verifier.base_uri(scheme, host, "/1.1/favorites/create.json") == expected


def test_parse_oauth_header_unescapes_and_skips_realm() -> None:
    parsed = parse_oauth_header('OAuth realm="Example", oauth_nonce="a%20b", oauth_token=plain')
    assert parsed == [("oauth_nonce", "a b"), ("oauth_token", "plain")]
    for bad in ("Basic abc", 'OAuth oauth_nonce"x"', 'OAuth oauth_nonce="a"b"'):
        with pytest.raises(ValueError):
            parse_oauth_header(bad)


def test_nonce_cache_refuses_reuse_until_expiry() -> None:
    cache = NonceCache()
    assert cache.add("key", "n1", expires=100.0, now=0.0)
    assert not cache.add("key", "n1", expires=100.0, now=50.0)
    assert cache.add("other-key", "n1", expires=100.0, now=50.0)  # per consumer key
    assert cache.add("key", "n2", expires=300.0, now=150.0)  # both n1 entries expired and were dropped
    assert len(cache) == 1
    assert cache.add("key", "n1", expires=400.0, now=150.0)
    assert not cache.add("key", "n2", expires=300.0, now=299.0)


def test_nonce_cache_stays_bounded_over_a_long_run() -> None:
    """A day of 50 requests/s keeps only the last 300 s of nonces, in the map and in the queue."""
    cache = NonceCache()
    for i in range(200_000):
        now = i / 50
        assert cache.add("key", f"n{i}", expires=now + 300.0, now=now)
    assert len(cache) <= 300 * 50 + 1 and len(cache._order) <= 300 * 50 + 1
    assert not cache.add("key", "n199999", expires=4300.0, now=3999.99)  # a recent one is still refused
    assert cache.add("key", "n0", expires=4300.0, now=3999.99)  # an expired one is gone


async def test_signed_requests_of_every_user_are_accepted(start: Start) -> None:
    caller = await start(accounts=ACCOUNTS)
    for account in (ALICE, BOB, CAROL):
        answer = await caller.as_user(account).v1_like("20")
        assert answer.status == 200, answer.body
    me = await caller.as_user(CAROL).request("GET", "/1.1/account/verify_credentials.json?include_email=false")
    assert me.status == 200 and me.json()["id_str"] == CAROL.user_id
    assert caller.emu.stats()["users"][BOB.user_id]["likes"] == 1


async def test_form_body_parameters_are_signed_and_read(start: Start) -> None:
    caller = await start()
    url = caller.emu.base_url + "/1.1/favorites/create.json"
    header = sign_for(caller.account, "POST", url, form=[("id", "77")], timestamp=int(caller.emu.config.clock()))
    ok = await caller.request("POST", "/1.1/favorites/create.json", authorization=header, data={"id": "77"})
    assert ok.status == 200 and ok.json()["id_str"] == "77"
    header = sign_for(caller.account, "POST", url, form=[("id", "78")], timestamp=int(caller.emu.config.clock()))
    forged = await caller.request("POST", "/1.1/favorites/create.json", authorization=header, data={"id": "79"})
    assert (forged.status, forged.code) == (401, 32)


async def test_signature_covers_the_query(start: Start) -> None:
    caller = await start()
    url = caller.emu.base_url + "/1.1/favorites/create.json?id=1"
    header = sign_for(caller.account, "POST", url, timestamp=int(caller.emu.config.clock()))
    answer = await caller.request("POST", "/1.1/favorites/create.json?id=2", authorization=header)
    assert (answer.status, answer.code) == (401, 32)
    assert caller.emu.stats()["likes"] == 0


async def test_base_uri_comes_from_the_host_header(start: Start) -> None:
    """A client that signs for the host it names (default port left out) is accepted."""
    caller = await start()
    signed_for = "http://api.twitter.com/1.1/favorites/create.json?id=5"
    header = sign_for(caller.account, "POST", signed_for, timestamp=int(caller.emu.config.clock()))
    answer = await caller.request(
        "POST", "/1.1/favorites/create.json?id=5", authorization=header, headers={"Host": "api.twitter.com:80"}
    )
    assert answer.status == 200


@pytest.mark.parametrize(
    ("override", "code"),
    [
        ({"consumer_key": "no-such-app"}, 32),
        ({"consumer_secret": "wrong"}, 32),
        ({"token_secret": "wrong"}, 32),
        ({"token": "1600000000000000001-unknown"}, 89),
        ({"token": CAROL.access_token}, 89),  # a token of another app
    ],
)
async def test_wrong_credentials_are_refused(start: Start, override: dict[str, str], code: int) -> None:
    caller = await start(accounts=ACCOUNTS)
    answer = await caller.as_user(ALICE).v1_like("9", sign=override)
    assert (answer.status, answer.code) == (401, code)
    stats = caller.emu.stats()
    assert stats["auth_failures"] == 1 and stats["likes"] == 0 and stats["by_status"] == {"401": 1}


async def test_revoked_token_is_refused_with_89(start: Start) -> None:
    caller = await start(accounts=ACCOUNTS)
    answer = await caller.as_user(DAVE).v1_like("9")
    assert (answer.status, answer.code) == (401, 89)
    bearer = await caller.as_user(DAVE).v2_like("9", authorization=f"Bearer {DAVE.bearer_token}")
    assert bearer.status == 401


@pytest.mark.parametrize("offset", [-301, 301, 3600])
async def test_timestamp_out_of_bounds_is_135(start: Start, clock: FakeClock, offset: int) -> None:
    caller = await start()
    answer = await caller.v1_like("9", sign={"timestamp": int(clock.now) + offset})
    assert (answer.status, answer.code) == (401, 135)


async def test_timestamp_within_tolerance_is_accepted(start: Start, clock: FakeClock) -> None:
    caller = await start()
    assert (await caller.v1_like("9", sign={"timestamp": int(clock.now) - 299})).status == 200


async def test_replayed_nonce_is_refused(start: Start, clock: FakeClock) -> None:
    caller = await start()
    first = await caller.v1_like("9", sign={"nonce": "same-nonce"})
    replay = await caller.v1_like("10", sign={"nonce": "same-nonce"})
    assert first.status == 200
    assert (replay.status, replay.code) == (401, 32)
    clock.advance(301)  # the old timestamp is now refused anyway, so the nonce may return
    assert (await caller.v1_like("11", sign={"nonce": "same-nonce"})).status == 200


@pytest.mark.parametrize("header", ["", "OAuth garbage", 'OAuth oauth_consumer_key="x"'])
async def test_missing_or_malformed_credentials_are_215(start: Start, header: str) -> None:
    caller = await start()
    answer = await caller.v1_like("9", authorization=header)
    assert (answer.status, answer.code) == (400, 215)


async def test_hmac_sha1_only(start: Start, clock: FakeClock) -> None:
    caller = await start()
    url = caller.emu.base_url + "/1.1/favorites/create.json?id=9"
    header = sign_for(caller.account, "POST", url, timestamp=int(clock.now))
    assert (await caller.request("POST", "/1.1/favorites/create.json?id=9", authorization=header)).status == 200
    fresh = sign_for(caller.account, "POST", url, timestamp=int(clock.now), nonce="fresh-nonce")
    plaintext = fresh.replace("HMAC-SHA1", "PLAINTEXT")
    answer = await caller.request("POST", "/1.1/favorites/create.json?id=9", authorization=plaintext)
    assert (answer.status, answer.code) == (401, 32)


async def test_v2_accepts_oauth1_and_listed_bearer_tokens(start: Start) -> None:
    caller = await start(accounts=ACCOUNTS)
    alice = caller.as_user(ALICE)
    assert (await alice.v2_like("30")).json() == {"data": {"liked": True}}
    bearer = await alice.v2_like("31", authorization=f"Bearer {ALICE.bearer_token}")
    assert bearer.status == 200 and bearer.json() == {"data": {"liked": True}}
    me = await alice.request("GET", "/2/users/me", authorization=f"Bearer {ALICE.bearer_token}")
    assert me.json() == {"data": {"id": ALICE.user_id, "name": "alice", "username": "alice"}}
    assert caller.emu.stats()["users"][ALICE.user_id]["liked_now"] == 2


async def test_v2_refusals_are_problem_objects(start: Start) -> None:
    caller = await start(accounts=ACCOUNTS)
    alice = caller.as_user(ALICE)
    for answer in (
        await alice.v2_like("30", authorization="Bearer nope"),
        await alice.v2_like("30", sign={"consumer_secret": "wrong"}),
        await alice.request("GET", "/2/users/me", authorization=""),
    ):
        assert answer.status == 401
        assert answer.json() == {
            "title": "Unauthorized",
            "detail": "Unauthorized",
            "type": "about:blank",
            "status": 401,
        }
    assert caller.emu.stats()["auth_failures"] == 3


async def test_bearer_token_is_not_user_context_on_v1(start: Start) -> None:
    caller = await start(accounts=ACCOUNTS)
    answer = await caller.as_user(ALICE).v1_like("9", authorization=f"Bearer {ALICE.bearer_token}")
    assert (answer.status, answer.code) == (403, 220)


async def test_v2_id_must_be_the_authenticated_user(start: Start) -> None:
    caller = await start(accounts=ACCOUNTS)
    as_bob_path = f"/2/users/{BOB.user_id}/likes"
    answer = await caller.as_user(ALICE).request("POST", as_bob_path, json={"tweet_id": "5"})
    assert answer.status == 403 and answer.json()["title"] == "Forbidden"
    delete = await caller.as_user(ALICE).request("DELETE", f"{as_bob_path}/5")
    assert delete.status == 403
    assert caller.emu.stats()["likes"] == 0


def test_account_repr_hides_secrets() -> None:
    text = repr(replace(ALICE)) + repr(ALICE.__class__)
    for secret in (ALICE.consumer_secret, ALICE.access_token, ALICE.access_token_secret, ALICE.bearer_token):
        assert secret not in text


@pytest.mark.parametrize(
    ("nonce", "sig", "reason"),
    [("n\udcff", "abc", "undecodable parameter"), ("n1", "%C3%A9t%C3%A9", "bad signature")],
)
def test_odd_bytes_in_a_header_are_a_refusal_not_a_crash(nonce: str, sig: str, reason: str) -> None:
    verifier = Verifier(AccountBook([ALICE]), FakeClock())
    uri = verifier.base_uri("http", "127.0.0.1:1", "/1.1/favorites/create.json")
    fields = {
        "oauth_consumer_key": ALICE.consumer_key,
        "oauth_token": ALICE.access_token,
        "oauth_signature_method": "HMAC-SHA1",
        "oauth_timestamp": "1",
        "oauth_nonce": nonce,
        "oauth_signature": sig,
    }
    header = "OAuth " + ", ".join(f'{k}="{v}"' for k, v in fields.items())
    result = verifier.verify("POST", uri, "id=1", header)
    assert isinstance(result, AuthFailure) and (result.code, result.reason) == (32, reason)
