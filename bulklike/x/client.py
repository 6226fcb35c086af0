"""The one module that talks HTTP: like, unlike and who-am-I, each returning an ``Answer``.

``XClient`` turns every request into an ``outcomes.Answer`` and never raises for network
trouble: a timeout, a refused or reset connection or a truncated body becomes
``Answer(status=0, transport_error=...)`` so the runner classifies it like any other answer.
It does not parse bodies (``outcomes.classify`` does) and never logs: the ``Authorization``
header must never reach a log.

The per-request path is kept lean because the tool's CPU budget per like is measured against a
bare aiohttp loop: URLs are pre-built strings turned into ``yarl.URL(..., encoded=True)`` (no
re-quoting, no ``params=``; the v1.1 endpoints are parsed once and only get ``?id=`` added),
cookies are ignored, and only a handful of response headers are copied.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import TracebackType
from typing import Final, Literal

import aiohttp
from multidict import CIMultiDictProxy, istr
from yarl import URL

from bulklike import __version__
from bulklike.errors import ConfigError, TlsRefused
from bulklike.snowflake import is_id
from bulklike.x import codes as apicodes
from bulklike.x.classify import Answer, TransportError
from bulklike.x.codes import NOT_CONNECTED
from bulklike.x.refresh import TokenRefresher
from bulklike.x.signing import Signer

#: the most body bytes kept from one answer; a like answer is a few KiB, so more means trouble
MAX_BODY: Final = 1 << 20
DEFAULT_TIMEOUT: Final = 30.0
DEFAULT_CONCURRENCY: Final = 4
DEFAULT_USER_AGENT: Final = f"bulklike/{__version__}"

#: response headers passed on to the runner (pacing reads the rate-limit ones)
KEPT_HEADERS: Final = (
    apicodes.H_LIMIT,
    apicodes.H_REMAINING,
    apicodes.H_RESET,
    apicodes.H_USER_24H_LIMIT,
    apicodes.H_USER_24H_REMAINING,
    apicodes.H_USER_24H_RESET,
    apicodes.H_APP_24H_LIMIT,
    apicodes.H_APP_24H_REMAINING,
    apicodes.H_APP_24H_RESET,
    "retry-after",
    "content-type",
)
_KEPT: Final = tuple((istr(name), name) for name in KEPT_HEADERS)  # istr: no per-lookup case folding

_JSON_HEADERS: Final = {"Content-Type": "application/json"}

# Checked in order, so subclasses come before their bases.
_TRANSPORT_ERRORS: Final[tuple[tuple[type[BaseException], TransportError], ...]] = (
    # a TimeoutError raised before a connection existed
    (aiohttp.ConnectionTimeoutError, TransportError.CONNECT_TIMEOUT),
    (TimeoutError, TransportError.TIMEOUT),  # also aiohttp's ServerTimeoutError and asyncio.TimeoutError
    (aiohttp.ClientPayloadError, TransportError.TRUNCATED_BODY),
    (aiohttp.ServerDisconnectedError, TransportError.SERVER_DISCONNECTED),
    (aiohttp.ClientConnectorCertificateError, TransportError.TLS_CERTIFICATE),
    (aiohttp.ClientSSLError, TransportError.TLS),
    (aiohttp.ClientConnectorDNSError, TransportError.DNS_FAILURE),
    (ConnectionRefusedError, TransportError.CONNECTION_REFUSED),
    (ConnectionResetError, TransportError.CONNECTION_RESET),  # includes aiohttp's ClientConnectionResetError
    (aiohttp.ClientConnectorError, TransportError.CONNECTION_FAILED),
    (aiohttp.ClientConnectionError, TransportError.CONNECTION_ERROR),
    (aiohttp.ClientError, TransportError.CLIENT_ERROR),
    (OSError, TransportError.CONNECTION_ERROR),
)


def transport_error(exc: BaseException) -> TransportError:
    """A short, stable, secret-free name for a network failure (never the exception text)."""
    causes = (exc, getattr(exc, "os_error", None), exc.__cause__)
    for kind, label in _TRANSPORT_ERRORS:
        if any(isinstance(c, kind) for c in causes):
            return label
    return TransportError.TRANSPORT_ERROR


class XClient:
    """One like/unlike/whoami request → ``Answer``. Never raises for network trouble.

    Use as ``async with XClient(...) as client:``; the session (and its connection pool of
    ``concurrency`` connections, TLS verification always on) lives inside the block.
    ``user_id`` (the authenticated user's numeric id) is needed for v2 like/unlike; set it
    from ``whoami()`` or from configuration.

    A server certificate that fails verification raises ``TlsRefused`` (the request never left).
    Misuse does raise: ``ConfigError`` for a bad setting (API version, base URL, a v2 call
    without ``user_id``, a non-numeric ``user_id``), ``ValueError`` for a tweet id that is not
    1 to 19 ASCII digits, ``RuntimeError`` when called outside ``async with``.
    """

    __slots__ = (
        "_api",
        "_base",
        "_signer",
        "_timeout",
        "_concurrency",
        "_user_agent",
        "_session",
        "_user_id",
        "_create",
        "_destroy",
        "_whoami",
        "_v2_likes",
        "_v1_urls",
        "_renewer",
    )

    def __init__(
        self,
        *,
        base_url: str,
        api: Literal["v1.1", "v2"],
        signer: Signer,
        timeout: float = DEFAULT_TIMEOUT,
        concurrency: int = DEFAULT_CONCURRENCY,
        user_id: str | None = None,
        user_agent: str = DEFAULT_USER_AGENT,
    ) -> None:
        if timeout <= 0 or concurrency < 1:
            raise ConfigError("timeout must be positive and concurrency at least 1")
        self._signer = signer
        # an OAuth 2.0 token that renews itself (api.refresh): checked before, and after a 401
        self._renewer = signer if isinstance(signer, TokenRefresher) else None
        self._timeout = timeout
        self._concurrency = concurrency
        self._user_agent = user_agent
        self._session: aiohttp.ClientSession | None = None
        self._user_id: str | None = None
        self.use_api(api, base_url)
        self.user_id = user_id

    def use_api(self, api: Literal["v1.1", "v2"], base_url: str) -> None:
        """Send to this API version at this root from now on (``--api auto`` moves a run to v2).

        The connection pool stays; a v2 like needs ``user_id`` again (the caller resolves it)."""
        if api not in ("v1.1", "v2"):
            raise ConfigError(f"unknown API version {api!r}: use 'v1.1' or 'v2'")
        base = base_url.rstrip("/")
        parsed = URL(base)
        if parsed.scheme not in ("http", "https") or not parsed.host or parsed.query_string:
            raise ConfigError("base URL must be http(s)://host[:port][/prefix] without a query")
        self._api: Literal["v1.1", "v2"] = api
        self._base = base
        self._create = f"{base}/1.1/favorites/create.json"
        self._destroy = f"{base}/1.1/favorites/destroy.json"
        # parsed once: adding "id=..." to a parsed URL costs a quarter of parsing the whole string
        self._v1_urls = {endpoint: URL(endpoint, encoded=True) for endpoint in (self._create, self._destroy)}
        self._whoami = f"{base}/1.1/account/verify_credentials.json" if api == "v1.1" else f"{base}/2/users/me"
        self.user_id = None

    def __repr__(self) -> str:
        return f"XClient(api={self._api!r}, base_url={self._base!r}, user_id={self._user_id!r})"

    @property
    def api(self) -> Literal["v1.1", "v2"]:
        return self._api

    @property
    def user_id(self) -> str | None:
        """The authenticated user's numeric id (v2 like/unlike put it in the URL)."""
        return self._user_id

    @user_id.setter
    def user_id(self, value: str | None) -> None:
        if value is not None and not is_id(value):
            raise ConfigError("user_id must be the account's numeric id (1 to 19 digits, at most 2^63-1)")
        self._user_id = value
        self._v2_likes = None if value is None else f"{self._base}/2/users/{value}/likes"

    async def __aenter__(self) -> XClient:
        if self._session is not None:
            raise RuntimeError("XClient is already open")
        self._session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=self._concurrency, ssl=True),
            timeout=aiohttp.ClientTimeout(total=self._timeout),  # covers connect, send and body read
            headers={"User-Agent": self._user_agent},
            cookie_jar=aiohttp.DummyCookieJar(),  # the API sets tracking cookies we never send back
            raise_for_status=False,
        )
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        session, self._session = self._session, None
        if session is not None:
            await session.close()

    async def like(self, tweet_id: str) -> Answer:
        """Like one tweet (v1.1 favorites/create or v2 POST users/:id/likes)."""
        if not is_id(tweet_id):
            raise ValueError("tweet_id must be an ID: 1 to 19 ASCII digits, no leading zero, at most 2^63-1")
        if self._api == "v1.1":
            return await self._v1_post(self._create, tweet_id)
        url = self._v2_likes_url()
        body = f'{{"tweet_id":"{tweet_id}"}}'.encode("ascii")  # digits only: no JSON escaping needed
        return await self._send("POST", url, url, (), body)

    async def unlike(self, tweet_id: str) -> Answer:
        """Undo a like (v1.1 favorites/destroy or v2 DELETE users/:id/likes/:tweet_id)."""
        if not is_id(tweet_id):
            raise ValueError("tweet_id must be an ID: 1 to 19 ASCII digits, no leading zero, at most 2^63-1")
        if self._api == "v1.1":
            return await self._v1_post(self._destroy, tweet_id)
        url = f"{self._v2_likes_url()}/{tweet_id}"
        return await self._send("DELETE", url, url, (), None)

    async def whoami(self) -> Answer:
        """Who the credentials belong to (v1.1 verify_credentials or v2 users/me); the body says."""
        return await self._send("GET", self._whoami, self._whoami, (), None)

    def _v2_likes_url(self) -> str:
        if self._v2_likes is None:
            raise ConfigError("the v2 API needs the user's numeric id: call whoami() or set user_id")
        return self._v2_likes

    async def _v1_post(self, endpoint: str, tweet_id: str) -> Answer:
        # The id travels in the query (empty body) and is signed as a query parameter.
        url = self._v1_urls[endpoint].with_query(f"id={tweet_id}")  # digits only: nothing to quote
        return await self._send("POST", endpoint, url, (("id", tweet_id),), None)

    async def _send(
        self, method: str, signed_url: str, url: str | URL, params: tuple[tuple[str, str], ...], body: bytes | None
    ) -> Answer:
        """Sign and send one request; every failure short of cancellation becomes an Answer."""
        renewer = self._renewer
        if renewer is None:
            return await self._send_once(method, signed_url, url, params, body)
        await renewer.fresh()  # renews a token about to expire (once, for every worker)
        authorization = renewer.authorization(method, signed_url, params)
        answer = await self._send_once(method, signed_url, url, params, body)
        if answer.status != 401:
            return answer
        # expired early or revoked: renew once and send again; the caller sees one request, so the
        # runner spends no attempt on it. A second 401 is the answer (the credentials are refused).
        if not await renewer.renew(authorization):
            return Answer(status=0, transport_error=TransportError.TOKEN_REFRESH_FAILED)
        return await self._send_once(method, signed_url, url, params, body)

    async def _send_once(
        self, method: str, signed_url: str, url: str | URL, params: tuple[tuple[str, str], ...], body: bytes | None
    ) -> Answer:
        session = self._session
        if session is None:
            raise RuntimeError("XClient is not open: use 'async with XClient(...) as client'")
        headers = {"Authorization": self._signer.authorization(method, signed_url, params)}
        if body is not None:
            headers.update(_JSON_HEADERS)
        try:
            # No redirects: a redirected like would re-send a signed request somewhere else.
            async with session.request(
                method,
                URL(url, encoded=True) if isinstance(url, str) else url,
                headers=headers,
                data=body,
                allow_redirects=False,
            ) as resp:
                return await _answer(resp)
        except aiohttp.ClientConnectorCertificateError as exc:
            raise tls_refused(exc) from None
        except (TimeoutError, aiohttp.ClientError, OSError) as exc:
            # Dropped deliberately without logging: the exception may carry the request's headers.
            return Answer(status=0, transport_error=transport_error(exc))


def tls_refused(exc: aiohttp.ClientConnectorCertificateError) -> TlsRefused:
    """A certificate that fails verification fails the handshake, before the request leaves: it
    is not an answer about any tweet, and no retry or wait will change it, so the run stops."""
    reason = getattr(exc.certificate_error, "verify_message", None) or "certificate not trusted"
    return TlsRefused(
        f"TLS verification failed for {exc.host} ({reason}); nothing was sent — check --base-url, the"
        " machine's clock, and any proxy or antivirus that intercepts TLS"
    )


async def form_request(
    method: str,
    url: str,
    *,
    headers: Mapping[str, str],
    body: str | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    user_agent: str = DEFAULT_USER_AGENT,
) -> Answer:
    """One request outside a run (the OAuth endpoints: tokens, refresh, revoke), on its own session.

    Rare (a refresh every two hours, a handful during ``bulklike auth``), so a connection of its own
    costs nothing that matters. Like ``XClient``, it never raises for network trouble.
    """
    try:
        async with (
            aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=timeout),
                headers={"User-Agent": user_agent},
                cookie_jar=aiohttp.DummyCookieJar(),
            ) as session,
            session.request(
                method,
                url,
                headers=dict(headers),
                data=body.encode() if body is not None else None,
                allow_redirects=False,
            ) as resp,
        ):
            return await _answer(resp)
    except (TimeoutError, aiohttp.ClientError, OSError) as exc:
        return Answer(status=0, transport_error=transport_error(exc))


async def _answer(resp: aiohttp.ClientResponse) -> Answer:
    """The raw answer a caller classifies: status, the capped body and the headers that matter."""
    data = await _read_capped(resp.content)
    if data is None:
        return Answer(status=0, transport_error=TransportError.BODY_TOO_LARGE)
    return Answer(status=resp.status, body=data, headers=_kept_headers(resp.headers))


async def _read_capped(content: aiohttp.StreamReader) -> bytes | None:
    """The whole (decompressed) body, or None past ``MAX_BODY``: a hostile server can't fill memory."""
    chunks: list[bytes] = []
    size = 0
    while not content.at_eof():
        chunk = await content.readany()
        size += len(chunk)
        if size > MAX_BODY:
            return None
        chunks.append(chunk)
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def _kept_headers(headers: CIMultiDictProxy[str]) -> dict[str, str]:
    """Only the headers pacing and classification read, under lower-case names."""
    return {name: value for key, name in _KEPT if (value := headers.get(key)) is not None}


__all__ = [
    "DEFAULT_CONCURRENCY",
    "DEFAULT_TIMEOUT",
    "DEFAULT_USER_AGENT",
    "KEPT_HEADERS",
    "MAX_BODY",
    "NOT_CONNECTED",
    "XClient",
    "form_request",
    "transport_error",
]
