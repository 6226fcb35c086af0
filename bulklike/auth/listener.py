"""The one-shot loopback server that receives X's redirect after the user approves (RFC 8252).

It listens on the ``--redirect-uri`` host and port before the authorize URL is shown, answers the
browser with a short page, and hands the redirected URL over. aiohttp's server is imported here
only, so commands other than ``auth --oauth2`` never load it.
"""

from __future__ import annotations

import asyncio
import urllib.parse
from types import TracebackType
from typing import Final

from aiohttp import web

from bulklike.config import is_loopback
from bulklike.errors import ConfigError

DEFAULT_REDIRECT_URI: Final = "http://127.0.0.1:8976/callback"
_PAGE: Final = (
    "<!DOCTYPE html><html><head><title>bulklike</title></head><body>"
    "<p>bulklike received the authorization. You can close this tab and return to the terminal.</p>"
    "</body></html>"
)


def loopback_address(redirect_uri: str) -> tuple[str, int, str]:
    """(host, port, path) of an ``http://127.0.0.1:PORT/path`` redirect URI; ``ConfigError`` otherwise."""
    parts = urllib.parse.urlsplit(redirect_uri)
    host = parts.hostname or ""
    try:
        port = parts.port
    except ValueError:
        port = None
    if parts.scheme != "http" or not is_loopback(host) or port is None:
        raise ConfigError(
            f"--redirect-uri {redirect_uri!r}: bulklike can listen only on http://127.0.0.1:PORT/PATH; "
            "for another redirect URI use --paste"
        )
    return host, port, parts.path or "/"


class RedirectListener:
    """``async with RedirectListener(uri) as listener: url = await listener.wait()``."""

    def __init__(self, redirect_uri: str) -> None:
        self.host, self.port, self.path = loopback_address(redirect_uri)
        self._received: asyncio.Future[str] | None = None
        self._runner: web.AppRunner | None = None

    async def __aenter__(self) -> RedirectListener:
        self._received = asyncio.get_running_loop().create_future()
        app = web.Application()
        app.router.add_get(self.path, self._redirected)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=0.5)
        await self._runner.setup()
        try:
            await web.TCPSite(self._runner, self.host, self.port).start()
        except OSError as exc:
            await self._runner.cleanup()
            raise ConfigError(
                f"cannot listen on {self.host}:{self.port} ({exc.strerror or 'address unusable'}): "
                "choose another --redirect-uri (and register it in the app settings), or use --paste"
            ) from None
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _redirected(self, request: web.Request) -> web.StreamResponse:
        if self._received is not None and not self._received.done():
            self._received.set_result(str(request.rel_url))
        return web.Response(text=_PAGE, content_type="text/html")

    async def wait(self, timeout: float) -> str:
        """The redirected URL (path and query), or ``ConfigError`` after ``timeout`` seconds."""
        assert self._received is not None, "use 'async with'"
        try:
            return await asyncio.wait_for(asyncio.shield(self._received), timeout)
        except TimeoutError:
            raise ConfigError(f"no redirect reached {self.host}:{self.port} within {timeout:g} s") from None
