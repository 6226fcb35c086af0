"""The loopback listener of ``auth --oauth2``: only http://loopback redirect URIs, a busy port is one
clear line, and the redirected URL (path and query) is handed over once the browser arrives."""

from __future__ import annotations

import asyncio
import socket

import aiohttp
import pytest

from bulklike.auth.endpoints import Endpoints
from bulklike.auth.listener import RedirectListener, loopback_address
from bulklike.config import check_base_url, is_loopback
from bulklike.errors import ConfigError


@pytest.mark.parametrize(
    "uri", ["https://127.0.0.1:8976/callback", "http://example.com:8976/cb", "http://127.0.0.1/callback", "nonsense"]
)
def test_only_plain_http_loopback_with_a_port(uri: str) -> None:
    with pytest.raises(ConfigError, match="--paste"):
        loopback_address(uri)


def test_loopback_addresses() -> None:
    assert loopback_address("http://127.0.0.1:8976/callback") == ("127.0.0.1", 8976, "/callback")
    assert loopback_address("http://localhost:1234") == ("localhost", 1234, "/")


def test_endpoints_follow_the_base_url() -> None:
    real = Endpoints.for_base(None)
    assert real.token == "https://api.x.com/2/oauth2/token"
    assert real.authorize_oauth2 == "https://x.com/i/oauth2/authorize"
    assert real.authorize_pin == "https://api.x.com/oauth/authorize"
    local = Endpoints.for_base("http://127.0.0.1:8080/")
    assert local.authorize_oauth2 == "http://127.0.0.1:8080/i/oauth2/authorize"
    assert local.request_token == "http://127.0.0.1:8080/oauth/request_token"


LOOPBACK = {
    "127.0.0.1": True,
    "127.8.9.10": True,
    "::1": True,
    "localhost": True,
    "LocalHost": True,
    "127.evil.example": False,
    "127.0.0.1.nip.io": False,
    "localhost.evil": False,
    "128.0.0.1": False,
    "::2": False,
    "": False,
}


@pytest.mark.parametrize(("host", "loopback"), LOOPBACK.items())
def test_one_loopback_rule_everywhere(host: str, loopback: bool) -> None:
    """The base URL's plain-http rule, the authorize pages' home and the redirect listener agree."""
    assert is_loopback(host) is loopback
    netloc = f"[{host}]" if ":" in host else host
    if not host:
        return
    web = Endpoints.for_base(f"https://{netloc}:8443").web
    assert (web == f"https://{netloc}:8443") is loopback  # else the real x.com pages
    if loopback:
        assert check_base_url(f"http://{netloc}:8080/") == f"http://{netloc}:8080"
        assert loopback_address(f"http://{netloc}:8976/cb")[1:] == (8976, "/cb")
    else:
        with pytest.raises(ConfigError, match="only to loopback"):
            check_base_url(f"http://{netloc}:8080")
        with pytest.raises(ConfigError, match="--paste"):
            loopback_address(f"http://{netloc}:8976/cb")


async def test_a_busy_port_is_one_clear_error() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(ConfigError, match=f"cannot listen on 127.0.0.1:{port}.*--paste"):
            async with RedirectListener(f"http://127.0.0.1:{port}/callback"):
                pass


async def test_the_redirect_is_handed_over() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    async with RedirectListener(f"http://127.0.0.1:{port}/callback") as listener:
        waiting = asyncio.ensure_future(listener.wait(10))
        async with aiohttp.ClientSession() as session:
            async with session.get(f"http://127.0.0.1:{port}/favicon.ico") as other:
                assert other.status == 404
            async with session.get(f"http://127.0.0.1:{port}/callback?state=s&code=c") as page:
                assert page.status == 200 and "close this tab" in await page.text()
        assert await waiting == "/callback?state=s&code=c"
