"""XClient with a refreshing OAuth 2.0 token: a 401 renews once and the request goes again (one answer to
the caller, so no attempt is spent); a second 401 is the answer; an unreachable token endpoint is transient."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest
from aiohttp import web

from bulklike.x.classify import Answer, TransportError
from bulklike.x.client import XClient
from bulklike.x.refresh import TokenRefresher
from tests.helpers.clock import FakeClock
from tests.helpers.refresh import make_refresher

USER = "1500000000000000001"


class Server:
    """Accepts only the bearer tokens in ``valid``; records the Authorization of every request."""

    def __init__(self) -> None:
        self.valid = {"Bearer A1"}
        self.seen: list[str] = []

    async def like(self, request: web.Request) -> web.Response:
        header = request.headers.get("Authorization", "")
        self.seen.append(header)
        if header not in self.valid:
            return web.json_response({"title": "Unauthorized", "status": 401, "detail": "Unauthorized"}, status=401)
        return web.json_response({"data": {"liked": True}})


@pytest.fixture
async def server() -> AsyncIterator[tuple[Server, str]]:
    state = Server()
    app = web.Application()
    app.router.add_post(f"/2/users/{USER}/likes", state.like)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    yield state, f"http://{host}:{port}"
    await runner.cleanup()


def refresher(answers: list[Answer], calls: list[str]) -> TokenRefresher:
    async def post(
        method: str, url: str, *, headers: dict[str, str], body: str | None = None, timeout: float = 30.0
    ) -> Answer:
        calls.append(body or "")
        return answers.pop(0)

    return make_refresher(post, FakeClock(), lifetime=7200)


def grant(n: int) -> Answer:
    return Answer(200, json.dumps({"access_token": f"A{n}", "refresh_token": f"R{n}", "expires_in": 7200}).encode())


async def test_a_401_renews_once_and_the_request_goes_again(server: tuple[Server, str]) -> None:
    state, base = server
    calls: list[str] = []
    signer = refresher([grant(1)], calls)
    async with XClient(base_url=base, api="v2", signer=signer, user_id=USER) as client:
        answer = await client.like("20")
        again = await client.like("21")
    assert answer.status == 200 and again.status == 200
    assert state.seen == ["Bearer A0", "Bearer A1", "Bearer A1"] and len(calls) == 1


async def test_a_second_401_is_the_answer(server: tuple[Server, str]) -> None:
    state, base = server
    state.valid = set()  # the new token is refused too: the credentials are gone
    signer = refresher([grant(1)], [])
    async with XClient(base_url=base, api="v2", signer=signer, user_id=USER) as client:
        answer = await client.like("20")
    assert answer.status == 401 and state.seen == ["Bearer A0", "Bearer A1"]


async def test_an_unreachable_token_endpoint_is_a_transient_answer(server: tuple[Server, str]) -> None:
    state, base = server
    signer = refresher([Answer(0, transport_error=TransportError.TIMEOUT)], [])
    async with XClient(base_url=base, api="v2", signer=signer, user_id=USER) as client:
        answer = await client.like("20")
    assert answer.status == 0 and answer.transport_error == "token refresh failed"  # retried with backoff
    assert state.seen == ["Bearer A0"]
