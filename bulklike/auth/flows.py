"""The two ways ``bulklike auth`` obtains a user's tokens; each ends in a ``TokenEntry`` to store.

OAuth 1.0a PIN flow: request token (``oauth_callback=oob``) -> the user opens the authorize URL and
reads a PIN -> access token, secret, ``user_id`` and ``screen_name``. OAuth 2.0 Authorization Code
with PKCE: the user opens the authorize URL -> X redirects to the loopback listener (or the user
pastes the redirected URL) -> the code is exchanged at once (X allows 30 s) -> ``GET /2/users/me``
says whose tokens they are. User interaction (showing the URL, reading a line) is injected, so the
CLI owns the terminal and tests can drive both flows.
"""

from __future__ import annotations

import time
import urllib.parse
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bulklike.auth.endpoints import Endpoints
from bulklike.auth.identity import screen_name_from, user_id_from
from bulklike.auth.tokens import TokenEntry
from bulklike.credentials import Secret, fingerprint
from bulklike.errors import ConfigError, FatalApiError
from bulklike.x.client import XClient, form_request
from bulklike.x.oauth import (
    SCOPES,
    GrantRefused,
    GrantUnavailable,
    Pkce,
    access_token_header,
    form_answer,
    read_grant,
    request_token_header,
    revoke_body,
    token_headers,
)
from bulklike.x.signing import BearerSigner

REDIRECT_WAIT_S = 300.0  # how long the listener waits for the user to approve


@dataclass(frozen=True, slots=True)
class Terminal:
    """How a flow talks to the user: show the authorize URL, open it, read one line."""

    show_url: Callable[[str], None]
    open_url: Callable[[str], None]
    read_line: Callable[[str], Awaitable[str]]


async def pin_flow(
    endpoints: Endpoints, consumer_key: Secret, consumer_secret: Secret, term: Terminal, *, timeout: float
) -> TokenEntry:
    """OAuth 1.0a PIN flow; ``FatalApiError`` (exit 3) when the app or the PIN is refused."""
    header = request_token_header(endpoints.request_token, consumer_key, consumer_secret)
    answer = await form_request("POST", endpoints.request_token, headers={"Authorization": header}, timeout=timeout)
    request = form_answer(answer)
    if not request.get("oauth_token") or not request.get("oauth_token_secret"):
        said = answer.transport_error or f"HTTP {answer.status}"
        raise FatalApiError(f"the request token was refused ({said}): check the consumer key and secret")
    token, token_secret = Secret(request["oauth_token"]), Secret(request["oauth_token_secret"])
    url = f"{endpoints.authorize_pin}?{urllib.parse.urlencode({'oauth_token': token.reveal()})}"
    term.show_url(url)
    term.open_url(url)
    pin = (await term.read_line("PIN: ")).strip()
    if not pin:
        raise FatalApiError("no PIN was entered: nothing saved")
    header = access_token_header(endpoints.access_token, consumer_key, consumer_secret, token, token_secret, pin)
    answer = await form_request("POST", endpoints.access_token, headers={"Authorization": header}, timeout=timeout)
    access = form_answer(answer)
    user_id = access.get("user_id", "")
    if not access.get("oauth_token") or not access.get("oauth_token_secret") or not user_id.isdigit():
        said = answer.transport_error or f"HTTP {answer.status}"
        raise FatalApiError(f"the PIN was refused ({said}): it is wrong or expired; nothing saved, run `auth` again")
    return TokenEntry(
        kind="oauth1",
        user_id=user_id,
        screen_name=access.get("screen_name", ""),
        access_token=Secret(access["oauth_token"]),
        access_token_secret=Secret(access["oauth_token_secret"]),
        app=fingerprint(consumer_key.reveal(), purpose="app"),
    )


async def pkce_flow(
    endpoints: Endpoints,
    client_id: str,
    client_secret: Secret,
    redirect_uri: str,
    term: Terminal,
    *,
    paste: bool,
    timeout: float,
    clock: Callable[[], float] = time.time,
) -> TokenEntry:
    """OAuth 2.0 Authorization Code with PKCE (S256); ``FatalApiError`` when refused."""
    pkce = Pkce.start(client_id, redirect_uri)
    url = pkce.authorize_url(endpoints.authorize_oauth2)
    if paste:
        term.show_url(url)
        term.open_url(url)
        redirected = await term.read_line("paste the URL the browser was sent to: ")
    else:
        from bulklike.auth.listener import RedirectListener  # aiohttp's server: only for this flow

        async with RedirectListener(redirect_uri) as listener:  # listening before the URL is shown
            term.show_url(url)
            term.open_url(url)
            redirected = await listener.wait(REDIRECT_WAIT_S)
    try:
        code = pkce.code_from_redirect(redirected)
    except ValueError as exc:
        raise FatalApiError(f"{exc}; nothing saved") from None
    body = pkce.code_body(code, confidential=bool(client_secret))
    answer = await form_request(
        "POST", endpoints.token, headers=token_headers(client_id, client_secret), body=body, timeout=timeout
    )
    try:
        grant = read_grant(answer, client_id)
    except (GrantRefused, GrantUnavailable) as exc:
        raise FatalApiError(f"the authorization code was refused ({exc}); nothing saved, run `auth` again") from None
    now = clock()
    user_id, screen_name = await _whoami(endpoints, grant.access_token, timeout)
    return TokenEntry(
        kind="oauth2",
        user_id=user_id,
        screen_name=screen_name,
        access_token=grant.access_token,
        refresh_token=grant.refresh_token,
        expires_at=None if grant.expires_in is None else now + grant.expires_in,
        lifetime=grant.expires_in,
        scopes=grant.scopes or SCOPES,
        client_id=client_id,
        app=fingerprint(client_id, purpose="app"),
    )


async def _whoami(endpoints: Endpoints, token: Secret, timeout: float) -> tuple[str, str]:
    """Whose token this is, from ``GET /2/users/me``: the account the tokens are stored for."""
    async with XClient(
        base_url=endpoints.api, api="v2", signer=BearerSigner(token), timeout=timeout, concurrency=1
    ) as client:
        answer = await client.whoami()
    if answer.status != 200:
        said = answer.transport_error or f"HTTP {answer.status}"
        raise FatalApiError(f"GET /2/users/me refused the new token ({said}); nothing saved")
    return user_id_from(answer.body), screen_name_from(answer.body) or ""


async def revoke(
    endpoints: Endpoints, entry: TokenEntry, client_id: str, client_secret: Secret, timeout: float
) -> bool:
    """Revoke an OAuth 2.0 entry's tokens at X; ``True`` when the endpoint said so."""
    if entry.kind != "oauth2" or not client_id:
        return False
    revoked = False
    for token in (entry.access_token, entry.refresh_token):
        if token:
            answer = await form_request(
                "POST",
                endpoints.revoke,
                headers=token_headers(client_id, client_secret),
                body=revoke_body(client_id, token, confidential=bool(client_secret)),
                timeout=timeout,
            )
            revoked = revoked or answer.status == 200
    return revoked


def require_oauth2_client(client_id: str) -> str:
    if not client_id:
        raise ConfigError(
            "OAuth 2.0 needs the app's client id: --client-id, BULKLIKE_CLIENT_ID or client_id in the config"
        )
    return client_id
