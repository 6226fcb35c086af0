"""The authorization flows X serves, emulated: OAuth 1.0a PIN and OAuth 2.0 Authorization Code + PKCE.

OAuth 1.0a: ``POST /oauth/request_token`` (signed with the consumer key only, ``oauth_callback=oob``),
``GET /oauth/authorize`` (a page that shows the PIN: the signed-in user approves at once),
``POST /oauth/access_token`` (signed with the request token, ``oauth_verifier`` = the PIN) answers
with the user's configured access token and secret, ``user_id`` and ``screen_name``.

OAuth 2.0: ``GET /i/oauth2/authorize`` approves at once and redirects to ``redirect_uri`` with
``code`` and ``state``; ``POST /2/oauth2/token`` exchanges a code (within 30 s, same redirect URI,
PKCE S256 verified) or a refresh token (single-use: a used one is refused, as X reports); access
tokens live ``token_ttl`` seconds, after which a bearer request gets 401; ``POST /2/oauth2/revoke``.
The approving user is the first account of the app (OAuth 1.0a) or the first account (OAuth 2.0).
Signatures are checked with oauthlib's primitives, never with bulklike's signer.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
import secrets
import urllib.parse
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Final

from aiohttp import web
from oauthlib.oauth1.rfc5849 import signature

from bulklike.emulator import responses as r
from bulklike.emulator.accounts import Account, AccountBook
from bulklike.emulator.config import EmulatorConfig
from bulklike.emulator.oauth import parse_oauth_header, signing_key
from bulklike.emulator.stats import Stats

CODE_TTL_S: Final = 30.0  # X: the authorization code must be exchanged within 30 seconds
_FORM: Final = "application/x-www-form-urlencoded"
_OAUTH_ERROR: Final = "Error processing your OAuth request: {}"


@dataclass(slots=True)
class _RequestToken:
    consumer_key: str
    secret: str
    account: Account
    pin: str
    shown: bool = False  # the authorize page was opened (the user could have read the PIN)


@dataclass(frozen=True, slots=True)
class _Code:
    client_id: str
    redirect_uri: str
    challenge: str
    scope: str
    account: Account
    issued_at: float


@dataclass(slots=True)
class _Refresh:
    account: Account
    client_id: str
    scope: str
    used: bool = False


class AuthFlows:
    """The flows' state (request tokens, codes, issued tokens) and their routes."""

    def __init__(self, config: EmulatorConfig, book: AccountBook, stats: Stats) -> None:
        self.config, self.book, self.stats = config, book, stats
        self._request_tokens: dict[str, _RequestToken] = {}
        self._codes: dict[str, _Code] = {}
        self._access: dict[str, tuple[Account, float]] = {}  # token -> (account, expires at)
        self._refresh: dict[str, _Refresh] = {}
        self._issued: list[str] = []  # every token ever handed out, revoked or not

    def routes(self) -> list[tuple[str, str, Callable[[web.Request], Awaitable[web.StreamResponse]]]]:
        return [
            ("POST", "/oauth/request_token", self.request_token),
            ("GET", "/oauth/authorize", self.authorize_page),
            ("POST", "/oauth/access_token", self.access_token),
            ("GET", "/i/oauth2/authorize", self.authorize_oauth2),
            ("POST", "/2/oauth2/token", self.token),
            ("POST", "/2/oauth2/revoke", self.revoke),
        ]

    def issued(self) -> list[str]:
        """Every access and refresh token issued so far, revoked ones too (tests search outputs for them)."""
        return list(self._issued)

    def bearer(self, token: str) -> Account | None | bool:
        """An issued OAuth 2.0 token: its account; ``False`` when expired (counted); ``None`` if unknown."""
        found = self._access.get(token)
        if found is None:
            return None
        account, expires_at = found
        if self.config.clock() >= expires_at:
            self.stats.expired_token_requests += 1
            return False
        return account

    # --- OAuth 1.0a -----------------------------------------------------------------------

    def _check_signature(self, request: web.Request, form: str, token_secret: str) -> dict[str, str] | None:
        """The request's oauth_* parameters when its HMAC-SHA1 signature is right, else ``None``."""
        try:
            header = parse_oauth_header(request.headers.get("Authorization", ""))
            params = signature.collect_parameters(uri_query=request.rel_url.raw_query_string, body=form or None)
        except ValueError:
            return None
        params += header
        oauth = dict(header)
        consumer_secret = self.book.consumers.get(oauth.get("oauth_consumer_key", ""))
        if consumer_secret is None or "oauth_signature" not in oauth:
            return None
        uri = signature.base_string_uri(f"{request.scheme}://{request.host}{request.rel_url.raw_path}")
        signed = [(k, v) for k, v in params if k != "oauth_signature"]
        base = signature.signature_base_string(request.method, uri, signature.normalize_parameters(signed))
        expected = base64.b64encode(hmac.digest(signing_key(consumer_secret, token_secret), base.encode(), "sha1"))
        return oauth if hmac.compare_digest(expected, oauth["oauth_signature"].encode()) else None

    async def request_token(self, request: web.Request) -> web.StreamResponse:
        oauth = self._check_signature(request, await _form(request), "")
        if oauth is None:
            return r.v1_error((32, "Could not authenticate you.", 401))
        if oauth.get("oauth_callback") != "oob":
            return _plain(401, _OAUTH_ERROR.format("Callback URL not approved for this client application."))
        key = oauth["oauth_consumer_key"]
        account = next((a for a in self.book.accounts if a.consumer_key == key and a.access_token), None)
        if account is None:
            return r.v1_error((32, "Could not authenticate you.", 401))
        token, secret = secrets.token_urlsafe(24), secrets.token_urlsafe(30)
        pin = f"{secrets.randbelow(10**7):07d}"
        self._request_tokens[token] = _RequestToken(key, secret, account, pin)
        return _form_answer({"oauth_token": token, "oauth_token_secret": secret, "oauth_callback_confirmed": "true"})

    async def authorize_page(self, request: web.Request) -> web.StreamResponse:
        found = self._request_tokens.get(request.query.get("oauth_token", ""))
        if found is None:
            return _html(404, "<p>This page is no longer valid. It looks like someone already used the token.</p>")
        found.shown = True
        who = html.escape(found.account.screen_name)
        return _html(
            200,
            f"<p>You've granted access to the app as @{who}.</p>"
            f"<p>Next, return to the app and enter this PIN to complete the authorization process:</p>"
            f'<kbd aria-label="PIN"><code id="oauth_pin">{found.pin}</code></kbd>',
        )

    async def access_token(self, request: web.Request) -> web.StreamResponse:
        header = request.headers.get("Authorization", "")
        try:
            token = dict(parse_oauth_header(header)).get("oauth_token", "")
        except ValueError:
            token = ""
        found = self._request_tokens.get(token)
        oauth = self._check_signature(request, await _form(request), found.secret) if found else None
        if found is None or oauth is None:
            return _plain(401, _OAUTH_ERROR.format("Invalid request token."))
        pin = oauth.get("oauth_verifier", "")
        if not found.shown or not hmac.compare_digest(pin.encode(), found.pin.encode()):
            return _plain(401, _OAUTH_ERROR.format("Invalid oauth_verifier parameter"))
        del self._request_tokens[token]  # a request token is exchanged once
        a = found.account
        return _form_answer(
            {
                "oauth_token": a.access_token,
                "oauth_token_secret": a.access_token_secret,
                "user_id": a.user_id,
                "screen_name": a.screen_name,
            }
        )

    # --- OAuth 2.0 ------------------------------------------------------------------------

    async def authorize_oauth2(self, request: web.Request) -> web.StreamResponse:
        q = request.query
        redirect = q.get("redirect_uri", "")
        missing = [k for k in ("client_id", "redirect_uri", "state", "code_challenge", "scope") if not q.get(k)]
        if missing or q.get("response_type") != "code" or q.get("code_challenge_method") != "S256":
            return _html(400, "<p>Something went wrong: you weren't able to give access to the App.</p>")
        code = secrets.token_urlsafe(32)
        account = self.book.accounts[0]
        self._codes[code] = _Code(
            q["client_id"], redirect, q["code_challenge"], q["scope"], account, self.config.clock()
        )
        sep = "&" if urllib.parse.urlsplit(redirect).query else "?"
        query = urllib.parse.urlencode({"state": q["state"], "code": code})
        return web.Response(status=302, headers={"Location": f"{redirect}{sep}{query}"})

    async def token(self, request: web.Request) -> web.StreamResponse:
        form = dict(urllib.parse.parse_qsl(await _form(request)))
        client_id = form.get("client_id") or _basic_user(request.headers.get("Authorization", ""))
        if not client_id:
            return _oauth2_error(401, "unauthorized_client", "Missing valid authorization header")
        if form.get("grant_type") == "authorization_code":
            return self._exchange_code(form, client_id)
        if form.get("grant_type") == "refresh_token":
            return self._exchange_refresh(form, client_id)
        return _oauth2_error(400, "invalid_request", "Value passed for the grant type was invalid.")

    def _exchange_code(self, form: dict[str, str], client_id: str) -> web.Response:
        code = self._codes.pop(form.get("code", ""), None)  # a code is single-use, right or wrong
        if code is None or self.config.clock() - code.issued_at > CODE_TTL_S:
            return _oauth2_error(400, "invalid_request", "Value passed for the authorization code was invalid.")
        verifier = form.get("code_verifier", "")
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        if code.client_id != client_id or code.redirect_uri != form.get("redirect_uri"):
            return _oauth2_error(400, "invalid_request", "Value passed for the authorization code was invalid.")
        if not hmac.compare_digest(challenge.encode(), code.challenge.encode()):
            return _oauth2_error(400, "invalid_request", "Value passed for the code verifier was invalid.")
        self.stats.code_exchanges += 1
        return self._issue(code.account, client_id, code.scope)

    def _exchange_refresh(self, form: dict[str, str], client_id: str) -> web.Response:
        found = self._refresh.get(form.get("refresh_token", ""))
        if found is None or found.used or found.client_id != client_id:
            self.stats.refused_refresh_tokens += 1
            return _oauth2_error(400, "invalid_request", "Value passed for the token was invalid.")
        found.used = True  # rotation: each refresh token works once
        self.stats.refreshes += 1
        return self._issue(found.account, client_id, found.scope)

    def _issue(self, account: Account, client_id: str, scope: str) -> web.Response:
        access = secrets.token_urlsafe(40)
        ttl = self.config.token_ttl
        self._access[access] = (account, self.config.clock() + ttl)
        self._issued.append(access)
        body: dict[str, object] = {"token_type": "bearer", "expires_in": int(ttl), "access_token": access}
        body["scope"] = scope
        if "offline.access" in scope.split():
            refresh = secrets.token_urlsafe(40)
            self._refresh[refresh] = _Refresh(account, client_id, scope)
            self._issued.append(refresh)
            body["refresh_token"] = refresh
        return r.v2_json(200, r.dumps(body))

    async def revoke(self, request: web.Request) -> web.StreamResponse:
        token = dict(urllib.parse.parse_qsl(await _form(request))).get("token", "")
        revoked = self._access.pop(token, None) is not None
        if token in self._refresh:
            self._refresh[token].used = revoked = True
        return r.v2_json(200, r.dumps({"revoked": revoked}))


async def _form(request: web.Request) -> str:
    if request.body_exists and request.content_type == _FORM:
        return (await request.read()).decode("utf-8", "replace")
    return ""


def _basic_user(header: str) -> str:
    if header[:6].lower() != "basic ":
        return ""
    try:
        user = base64.b64decode(header[6:]).decode().partition(":")[0]
    except ValueError:
        return ""
    return urllib.parse.unquote(user)


def _form_answer(values: dict[str, str]) -> web.Response:
    return web.Response(status=200, text=urllib.parse.urlencode(values), content_type="text/html")


def _plain(status: int, text: str) -> web.Response:
    return web.Response(status=status, text=text, content_type="text/plain")


def _html(status: int, body: str) -> web.Response:
    page = f"<!DOCTYPE html><html><head><title>Authorize app</title></head><body>{body}</body></html>"
    return web.Response(status=status, text=page, content_type="text/html")


def _oauth2_error(status: int, error: str, description: str) -> web.Response:
    return r.v2_json(status, r.dumps({"error": error, "error_description": description}))
