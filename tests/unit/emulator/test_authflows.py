"""The emulator's authorization flows: PKCE verified, codes single-use and short-lived, refresh tokens
rotated, access tokens expiring after ``token_ttl``, and the PIN flow's signatures and PIN checked."""

from __future__ import annotations

import re
import urllib.parse

import aiohttp
from oauthlib.oauth1 import Client as OAuth1Client

from bulklike.emulator import DEMO_ACCOUNT
from bulklike.x.oauth import Pkce
from tests.helpers.clock import FakeClock
from tests.helpers.emulator import Caller, Start

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
REDIRECT = "http://127.0.0.1:1/callback"


async def _code(caller: Caller, pkce: Pkce) -> str:
    url = pkce.authorize_url(caller.emu.base_url + "/i/oauth2/authorize")
    async with caller.session.get(url, allow_redirects=False) as resp:
        assert resp.status == 302
        return pkce.code_from_redirect(resp.headers["Location"])


async def _token(caller: Caller, **form: str) -> tuple[int, dict[str, object]]:
    body = urllib.parse.urlencode({"client_id": "cid", **form})
    async with caller.session.post(caller.emu.base_url + "/2/oauth2/token", data=body, headers=FORM) as resp:
        return resp.status, await resp.json()


async def _me(caller: Caller, token: object) -> int:
    return (await caller.request("GET", "/2/users/me", authorization=f"Bearer {token}")).status


async def test_pkce_code_exchange_checks_the_verifier_and_is_single_use(start: Start, clock: FakeClock) -> None:
    caller = await start()
    pkce = Pkce.start("cid", REDIRECT)
    code = await _code(caller, pkce)
    wrong = await _token(caller, grant_type="authorization_code", code=code, redirect_uri=REDIRECT, code_verifier="x")
    again = await _token(
        caller, grant_type="authorization_code", code=code, redirect_uri=REDIRECT, code_verifier=pkce.verifier
    )
    assert wrong[0] == 400 and again[0] == 400  # a code is spent by any attempt
    code = await _code(caller, pkce)
    clock.advance(31)  # X: within 30 seconds
    late = await _token(
        caller, grant_type="authorization_code", code=code, redirect_uri=REDIRECT, code_verifier=pkce.verifier
    )
    assert late[0] == 400
    code = await _code(caller, pkce)
    status, token = await _token(
        caller, grant_type="authorization_code", code=code, redirect_uri=REDIRECT, code_verifier=pkce.verifier
    )
    assert status == 200 and token["token_type"] == "bearer" and token["expires_in"] == 7200
    assert token["scope"] == "tweet.read users.read like.write offline.access" and token["refresh_token"]
    assert await _me(caller, token["access_token"]) == 200
    assert caller.emu.stats()["code_exchanges"] == 1


async def test_refresh_tokens_rotate_and_access_tokens_expire(start: Start, clock: FakeClock) -> None:
    caller = await start(token_ttl=60.0)
    pkce = Pkce.start("cid", REDIRECT)
    code = await _code(caller, pkce)
    _, first = await _token(
        caller, grant_type="authorization_code", code=code, redirect_uri=REDIRECT, code_verifier=pkce.verifier
    )
    clock.advance(60)
    assert await _me(caller, first["access_token"]) == 401
    status, second = await _token(caller, grant_type="refresh_token", refresh_token=str(first["refresh_token"]))
    assert status == 200 and second["refresh_token"] != first["refresh_token"]
    assert await _me(caller, second["access_token"]) == 200
    reused = await _token(caller, grant_type="refresh_token", refresh_token=str(first["refresh_token"]))
    assert reused == (400, {"error": "invalid_request", "error_description": "Value passed for the token was invalid."})
    stats = caller.emu.stats()
    assert (stats["refreshes"], stats["refused_refresh_tokens"], stats["expired_token_requests"]) == (1, 1, 1)


async def test_pin_flow_checks_signatures_and_the_pin(start: Start) -> None:
    caller = await start()
    base, a = caller.emu.base_url, DEMO_ACCOUNT
    session: aiohttp.ClientSession = caller.session

    async def post(path: str, client: OAuth1Client) -> tuple[int, dict[str, str]]:
        _, headers, _ = client.sign(base + path, http_method="POST")
        async with session.post(base + path, headers=headers) as resp:
            text = await resp.text()
            return resp.status, dict(urllib.parse.parse_qsl(text)) if resp.status == 200 else {}

    bad = await post("/oauth/request_token", OAuth1Client(a.consumer_key, client_secret="nope", callback_uri="oob"))
    assert bad[0] == 401
    status, request = await post(
        "/oauth/request_token", OAuth1Client(a.consumer_key, client_secret=a.consumer_secret, callback_uri="oob")
    )
    assert status == 200 and request["oauth_callback_confirmed"] == "true"

    def exchange(pin: str) -> OAuth1Client:
        return OAuth1Client(
            a.consumer_key,
            client_secret=a.consumer_secret,
            resource_owner_key=request["oauth_token"],
            resource_owner_secret=request["oauth_token_secret"],
            verifier=pin,
        )

    async with session.get(f"{base}/oauth/authorize?oauth_token={request['oauth_token']}") as page:
        found = re.search(r'id="oauth_pin">(\d{7})<', await page.text())
    assert found is not None
    assert (await post("/oauth/access_token", exchange("12345678")))[0] == 401  # never a 7-digit PIN
    status, access = await post("/oauth/access_token", exchange(found.group(1)))
    assert status == 200 and access == {
        "oauth_token": a.access_token,
        "oauth_token_secret": a.access_token_secret,
        "user_id": a.user_id,
        "screen_name": a.screen_name,
    }
    assert (await post("/oauth/access_token", exchange(found.group(1))))[0] == 401  # a request token works once
