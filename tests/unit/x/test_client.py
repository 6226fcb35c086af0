"""XClient: request shapes (aioresponses), transport failures as Answers, and a real local socket."""

from __future__ import annotations

import asyncio
import base64
import json
import re
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import aiohttp
import pytest
from aiohttp import ClientResponse, web
from aioresponses import aioresponses
from aioresponses import core as aioresponses_core
from multidict import CIMultiDict
from oauthlib.common import Request
from oauthlib.oauth1.rfc5849 import signature, utils
from yarl import URL

from bulklike import __version__
from bulklike.credentials import Credentials, Secret
from bulklike.errors import ConfigError
from bulklike.x import client, codes
from bulklike.x.classify import Answer, Kind, TransportError, classify
from bulklike.x.client import MAX_BODY, XClient
from bulklike.x.signing import BearerSigner, OAuth1Signer, Signer
from tests.helpers.fastloop import FASTLOOP, loop_now

DATA = Path(__file__).resolve().parents[2] / "data"
CASSETTES = DATA / "cassettes"
CK, CS, TOKEN, TS = "ck-app", "cs-secret-value", "1-user-token", "ts-secret-value"
CREDS = Credentials(
    consumer_key=Secret(CK), consumer_secret=Secret(CS), access_token=Secret(TOKEN), access_token_secret=Secret(TS)
)
TWEET, USER = "1293593516040269825", "1072250532645998596"
API = "https://api.twitter.com"


def verified(header: str, method: str, url: str, query: str = "") -> bool:
    """oauthlib's server-side check, fed from the request as a server would see it."""
    oauth = {k: utils.unescape(v) for k, v in utils.parse_authorization_header(header)}
    request = Request(f"{url}?{query}" if query else url, method, "", {"Authorization": header})
    request.params = signature.collect_parameters(uri_query=query, headers={"Authorization": header})
    request.signature = oauth["oauth_signature"]
    return bool(signature.verify_hmac_sha1(request, CS, TS))


LIKE_1 = f"{API}/1.1/favorites/create.json?id=1"


def make_client(api: str = "v1.1", base_url: str = API, signer: Signer | None = None, **kw: Any) -> XClient:
    return XClient(base_url=base_url, api=api, signer=signer or OAuth1Signer(CREDS), **kw)  # type: ignore[arg-type]


class _CompatResponse(ClientResponse):
    """aioresponses 0.7.9 predates aiohttp 3.14's required ``stream_writer`` (aioresponses#289)."""

    def __init__(self, method: str, url: URL, **kwargs: Any) -> None:
        kwargs.setdefault("stream_writer", SimpleNamespace(output_size=0))
        super().__init__(method, url, **kwargs)


@pytest.fixture
def mock(monkeypatch: pytest.MonkeyPatch) -> aioresponses:
    monkeypatch.setattr(aioresponses_core, "ClientResponse", _CompatResponse)
    return aioresponses()


def sent(mock: aioresponses, method: str, url: str) -> dict[str, Any]:
    (call,) = mock.requests[(method, URL(url))]  # exactly one
    return dict(call.kwargs)


# --- request shapes ------------------------------------------------------------------------------


@pytest.mark.parametrize("action,endpoint", [("like", "create"), ("unlike", "destroy")])
async def test_v1_like_and_unlike_shape_and_signature(mock: aioresponses, action: str, endpoint: str) -> None:
    url = f"{API}/1.1/favorites/{endpoint}.json"
    with mock:
        mock.post(f"{url}?id={TWEET}", status=200, body=b'{"id_str":"1"}')
        async with make_client() as c:
            answer = await getattr(c, action)(TWEET)
    kwargs = sent(mock, "POST", f"{url}?id={TWEET}")
    assert kwargs["data"] is None and "json" not in kwargs  # the id is in the query, the body is empty
    assert kwargs["allow_redirects"] is False
    auth = kwargs["headers"]["Authorization"]
    assert re.fullmatch(r'OAuth (oauth_[a-z_]+="[^"]*", ){6}oauth_version="1.0"', auth)
    assert verified(auth, "POST", url, f"id={TWEET}")
    assert not verified(auth, "POST", url)  # the id is part of what was signed
    assert kwargs["headers"]["User-Agent"] == f"bulklike/{__version__}"
    assert answer == Answer(200, b'{"id_str":"1"}', {"content-type": "application/json"})


async def test_v2_like_sends_unsigned_json_body_and_unlike_is_a_delete(mock: aioresponses) -> None:
    likes = f"https://api.x.com/2/users/{USER}/likes"
    with mock:
        mock.post(likes, status=200, body=b'{"data":{"liked":true}}')
        mock.delete(f"{likes}/{TWEET}", status=200, body=b'{"data":{"liked":false}}')
        async with make_client("v2", "https://api.x.com", user_id=USER) as c:
            liked, unliked = await c.like(TWEET), await c.unlike(TWEET)
    like, unlike = sent(mock, "POST", likes), sent(mock, "DELETE", f"{likes}/{TWEET}")
    assert json.loads(like["data"]) == {"tweet_id": TWEET}
    assert like["headers"]["Content-Type"] == "application/json"
    assert verified(like["headers"]["Authorization"], "POST", likes)  # the JSON body is not signed
    assert unlike.get("data") is None
    assert verified(unlike["headers"]["Authorization"], "DELETE", f"{likes}/{TWEET}")
    assert (classify(liked).status, classify(unliked, "unlike").status) == ("liked", "unliked")


@pytest.mark.parametrize("api,path", [("v1.1", "/1.1/account/verify_credentials.json"), ("v2", "/2/users/me")])
async def test_whoami(mock: aioresponses, api: str, path: str) -> None:
    with mock:
        mock.get(API + path, status=200, body=b'{"data":{"id":"7","username":"u"}}')
        async with make_client(api) as c:
            answer = await c.whoami()
    assert verified(sent(mock, "GET", API + path)["headers"]["Authorization"], "GET", API + path)
    assert answer.body == b'{"data":{"id":"7","username":"u"}}'


@pytest.mark.parametrize("base", ["https://proxy.example/x-api", "https://proxy.example/x-api/"])
async def test_base_url_with_prefix_and_trailing_slash(mock: aioresponses, base: str) -> None:
    url = "https://proxy.example/x-api/1.1/favorites/create.json"
    with mock:
        mock.post(f"{url}?id=5", status=200)
        async with make_client(base_url=base) as c:
            assert (await c.like("5")).status == 200
    assert verified(sent(mock, "POST", f"{url}?id=5")["headers"]["Authorization"], "POST", url, "id=5")


async def test_bearer_signer_header(mock: aioresponses) -> None:
    url = f"https://api.x.com/2/users/{USER}/likes"
    with mock:
        mock.post(url, status=200)
        async with make_client("v2", "https://api.x.com", BearerSigner(Secret("tok")), user_id=USER) as c:
            await c.like(TWEET)
    assert sent(mock, "POST", url)["headers"]["Authorization"] == "Bearer tok"


# --- misuse is an error, not an Answer ---------------------------------------------------------------


async def test_v2_without_user_id_is_a_config_error(mock: aioresponses) -> None:
    with mock:
        async with make_client("v2") as c:
            with pytest.raises(ConfigError, match="user"):
                await c.like(TWEET)
            with pytest.raises(ConfigError):
                await c.unlike(TWEET)
            c.user_id = USER
            mock.post(f"{API}/2/users/{USER}/likes", status=200)
            assert (await c.like(TWEET)).status == 200
    assert len(mock.requests) == 1


@pytest.mark.parametrize("bad", ["", "12a", "1&id=2", "١٢٣", "1" * 20])
async def test_bad_ids_never_reach_the_url(mock: aioresponses, bad: str) -> None:
    with mock:
        async with make_client() as c:
            with pytest.raises(ValueError):
                await c.like(bad)
            with pytest.raises(ConfigError):
                c.user_id = bad
    assert not mock.requests


async def test_not_open_and_bad_config() -> None:
    with pytest.raises(RuntimeError, match="not open"):
        await make_client().like(TWEET)
    with pytest.raises(ConfigError):
        make_client(base_url="ftp://x")
    with pytest.raises(ConfigError):
        make_client("v3")
    assert CS not in repr(make_client()) and TS not in repr(make_client())


# --- answers ---------------------------------------------------------------------------------------


async def test_only_rate_limit_retry_after_and_content_type_headers_are_kept(mock: aioresponses) -> None:
    scopes, problem = ("rate-limit", "user-limit-24hour", "app-limit-24hour"), "application/problem+json"
    expected = {f"x-{s}-{k}": str(1651930556 + len(s)) for s in scopes for k in ("limit", "remaining", "reset")}
    others = {"Retry-After": "60", "Set-Cookie": "a=b; Path=/", "x-connection-hash": "abc", "server": "tsa_b"}
    headers = {**{k.upper(): v for k, v in expected.items()}, **others}
    with mock:
        mock.post(LIKE_1, status=429, headers=headers, body=b"{}", content_type=problem)
        async with make_client() as c:
            answer = await c.like("1")
    assert answer.headers == {**expected, "retry-after": "60", "content-type": "application/problem+json"}
    assert answer.status == 429


V1_RECORDINGS = [i for path in sorted(CASSETTES.glob("*.json")) for i in json.loads(path.read_text())["interactions"]]
ERROR_BODIES = [e for e in json.loads((DATA / "error_bodies.json").read_text())["entries"] if e.get("body_exact")]


@pytest.mark.parametrize("interaction", V1_RECORDINGS)
async def test_recorded_v1_answers_pass_through_unchanged(mock: aioresponses, interaction: dict[str, Any]) -> None:
    request, response = interaction["request"], interaction["response"]
    uri = URL(request["uri"])  # the 2014 recordings spell out :443
    tweet_id, action = uri.query["id"], "like" if "create" in uri.path else "unlike"
    body = response["body"]["string"].encode()
    headers = CIMultiDict((k, v) for k, values in response["headers"].items() for v in values)
    code, url = response["status"]["code"], f"{API}{uri.path}?id={tweet_id}"
    with mock:
        mock.post(url, status=code, body=body, headers=headers, content_type=headers["content-type"])
        async with make_client() as c:
            answer = await getattr(c, action)(tweet_id)
    assert answer.body == body
    assert answer.headers == {"content-type": "application/json;charset=utf-8"}  # v1.1 sends no limits
    assert classify(answer, action).status == ("liked" if action == "like" else "unliked")


async def test_recorded_v2_answers_keep_rate_limit_headers(mock: aioresponses) -> None:
    text = (CASSETTES / "test_asyncclient_like_and_unlike.yaml").read_text()
    bodies = re.findall(r"string: '(.*)'", text)
    resets = re.findall(r"x-rate-limit-reset:\n\s+- '(\d+)'", text)
    assert bodies == ['{"data":{"liked":true}}', '{"data":{"liked":false}}'] and len(resets) == 2
    rate = {"x-rate-limit-limit": "50", "x-rate-limit-remaining": "49", "x-rate-limit-reset": resets[0]}
    with mock:
        mock.post(f"{API}/2/users/{USER}/likes", body=bodies[0].encode(), headers=rate)
        async with make_client("v2", user_id=USER) as c:
            answer = await c.like(TWEET)
    assert answer.body == bodies[0].encode()
    assert answer.headers == {**rate, "content-type": "application/json"}


@pytest.mark.parametrize("entry", [e for e in ERROR_BODIES if isinstance(e["body_exact"], str)], ids=lambda e: e["id"])
async def test_recorded_error_bodies_pass_through(mock: aioresponses, entry: dict[str, Any]) -> None:
    body = entry["body_exact"].encode()
    with mock:
        mock.post(LIKE_1, status=entry["http_status"], body=body)
        async with make_client() as c:
            answer = await c.like("1")
    assert (answer.status, answer.body, answer.transport_error) == (entry["http_status"], body, None)


# --- transport failures ------------------------------------------------------------------------------

_KEY = SimpleNamespace(host="api.twitter.com", port=443, ssl=True)


_RESET = aiohttp.ClientOSError(104, "reset")  # how aiohttp reports a reset: raise ClientOSError(...) from exc
_RESET.__cause__ = ConnectionResetError(104, "reset")


@pytest.mark.parametrize(
    "exc,label",
    [
        (TimeoutError(), "timeout"),
        (aiohttp.ConnectionTimeoutError(), "connect timeout"),
        (aiohttp.SocketTimeoutError(), "timeout"),
        (aiohttp.ServerDisconnectedError(), "server disconnected"),
        (aiohttp.ClientPayloadError("Response payload is not completed"), "truncated body"),
        (aiohttp.ClientConnectorError(_KEY, ConnectionRefusedError(111, "refused")), "connection refused"),  # type: ignore[arg-type]
        (aiohttp.ClientConnectorError(_KEY, OSError(101, "unreachable")), "connection failed"),  # type: ignore[arg-type]
        (_RESET, "connection reset"),
        (aiohttp.ClientConnectionResetError("reset"), "connection reset"),
        (aiohttp.ClientConnectionError("boom"), "connection error"),
        (aiohttp.InvalidURL("x"), "client error"),
        (OSError("broken"), "connection error"),
    ],
)
async def test_transport_failures_become_answers(mock: aioresponses, exc: BaseException, label: str) -> None:
    with mock:
        mock.post(LIKE_1, exception=exc)
        async with make_client() as c:
            answer = await c.like("1")
    assert answer == Answer(status=0, transport_error=TransportError(label))
    assert classify(answer).kind is Kind.RETRYABLE


def test_only_failures_before_a_connection_count_as_unreachable() -> None:
    """An outage (no attempt spent, slot given back) only when the request surely never left."""
    assert codes.NOT_CONNECTED == {
        "connect timeout",
        "dns failure",
        "connection refused",
        "connection failed",
        "tls error",
    }
    for may_have_arrived in ("timeout", "server disconnected", "connection reset", "truncated body"):
        assert may_have_arrived not in codes.NOT_CONNECTED


def test_transport_error_names_never_echo_the_exception() -> None:
    exc = aiohttp.ClientConnectionError(f"Authorization: OAuth {CS}")
    assert client.transport_error(exc) == "connection error"
    assert client.transport_error(RuntimeError("x")) == "transport error"


# --- a real server on 127.0.0.1 ------------------------------------------------------------------------

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
RELEASE = web.AppKey("release", asyncio.Event)
GZ_LIKED = base64.b64decode(  # test_client_like_and_unlike.yaml: the recorded gzip bytes of the v2 answer
    re.findall(r"!!binary \|\n\s+(\S+)", (CASSETTES / "test_client_like_and_unlike.yaml").read_text())[0]
)


@pytest.fixture
async def serve() -> AsyncIterator[Callable[[Handler], Awaitable[str]]]:
    """Start an aiohttp.web app with one catch-all handler; gives its base URL."""
    runners: list[web.AppRunner] = []
    release = asyncio.Event()  # lets stalled handlers finish so shutdown is quick and clean

    async def start(handler: Handler) -> str:
        app = web.Application()
        app[RELEASE] = release
        app.router.add_route("*", "/{tail:.*}", handler)
        runner = web.AppRunner(app, shutdown_timeout=1.0)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        runners.append(runner)
        host, port = runner.addresses[0][:2]
        return f"http://{host}:{port}"

    yield start
    release.set()
    for runner in runners:
        await runner.cleanup()


async def test_wire_format_over_a_real_socket(serve: Callable[[Handler], Awaitable[str]]) -> None:
    seen: list[tuple[str, str, dict[str, str], bytes]] = []

    async def handler(request: web.Request) -> web.StreamResponse:
        seen.append((request.method, request.path_qs, dict(request.headers), await request.read()))
        if request.path.startswith("/2/"):
            gz = {"Content-Encoding": "gzip", "x-rate-limit-limit": "50", "Content-Type": "application/json"}
            return web.Response(body=GZ_LIKED, headers=gz)
        return web.Response(body=b'{"id_str":"1"}', headers={"Set-Cookie": "guest_id=v1; Path=/"})

    base = await serve(handler)
    async with make_client(base_url=base + "/") as c:
        first = await c.like(TWEET)
        await c.unlike(TWEET)
    async with make_client("v2", base_url=base, user_id=USER) as c:
        v2 = await c.like(TWEET)

    (m1, path1, h1, b1), (m2, path2, h2, _), (m3, path3, h3, b3) = seen
    assert (m1, path1, b1, h1.get("Content-Length")) == ("POST", f"/1.1/favorites/create.json?id={TWEET}", b"", "0")
    assert verified(h1["Authorization"], "POST", f"{base}/1.1/favorites/create.json", f"id={TWEET}")
    assert h1["User-Agent"] == f"bulklike/{__version__}"
    assert (m2, path2) == ("POST", f"/1.1/favorites/destroy.json?id={TWEET}")
    assert "Cookie" not in h2  # cookies the server sets are never sent back
    assert h1["Authorization"] != h2["Authorization"]
    assert (m3, path3, json.loads(b3)) == ("POST", f"/2/users/{USER}/likes", {"tweet_id": TWEET})
    assert h3["Content-Type"] == "application/json"
    assert verified(h3["Authorization"], "POST", f"{base}/2/users/{USER}/likes")
    assert first.status == 200 and first.body == b'{"id_str":"1"}'
    assert v2.body == b'{"data":{"liked":true}}'  # the recorded gzip answer, decompressed
    assert v2.headers == {"x-rate-limit-limit": "50", "content-type": "application/json"}


@pytest.mark.parametrize("part", [b'{"id_str":"12', None], ids=["truncated body", "server disconnected"])
async def test_server_hangs_up(serve: Callable[[Handler], Awaitable[str]], part: bytes | None) -> None:
    async def handler(request: web.Request) -> web.StreamResponse:
        resp = web.StreamResponse(headers={"Content-Length": "100", "Content-Type": "application/json"})
        if part is not None:  # promise 100 bytes, send a few, hang up
            await resp.prepare(request)
            await resp.write(part)
        assert request.transport is not None
        request.transport.close()
        return resp

    async with make_client(base_url=await serve(handler)) as c:
        answer = await c.like("1")
    said = TransportError.TRUNCATED_BODY if part else TransportError.SERVER_DISCONNECTED
    assert answer == Answer(status=0, transport_error=said)


@FASTLOOP
@pytest.mark.parametrize("stall_in", ["headers", "body"])
async def test_stalled_server_times_out(serve: Callable[[Handler], Awaitable[str]], stall_in: str) -> None:
    """The client gives up on a server that stalls after its timeout (0.3 s of fake loop time), not later."""

    async def handler(request: web.Request) -> web.StreamResponse:
        resp = web.StreamResponse(headers={"Content-Length": "100"})
        if stall_in == "body":
            await resp.prepare(request)
            await resp.write(b"{")
        await request.app[RELEASE].wait()
        return resp

    async with make_client(base_url=await serve(handler), timeout=0.3) as c:
        start = loop_now()
        answer = await c.like("1")
        waited = loop_now() - start
    assert answer == Answer(status=0, transport_error=TransportError.TIMEOUT)
    assert 0.3 - 1e-6 <= waited < 0.5  # the timeout, plus the loop's few timer steps around the send


async def test_refused_connection() -> None:
    with socket.socket() as s:  # a port that was just free and has no listener
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    async with make_client(base_url=f"http://127.0.0.1:{port}") as c:
        assert await c.like("1") == Answer(status=0, transport_error=TransportError.CONNECTION_REFUSED)


async def test_body_cap_over_a_real_socket(serve: Callable[[Handler], Awaitable[str]]) -> None:
    async def handler(request: web.Request) -> web.StreamResponse:  # a chunked body as long as the "tweet id"
        size, resp = int(request.query["id"]), web.StreamResponse()
        resp.enable_chunked_encoding()
        await resp.prepare(request)
        for start in range(0, size, 65536):
            await resp.write(b"x" * min(65536, size - start))
        return resp

    async with make_client(base_url=await serve(handler)) as c:
        assert (await c.like(str(MAX_BODY))).body == b"x" * MAX_BODY
        assert await c.like(str(MAX_BODY + 1)) == Answer(status=0, transport_error=TransportError.BODY_TOO_LARGE)
