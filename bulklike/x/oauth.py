"""The OAuth protocol messages, built and read with oauthlib; no sockets here.

OAuth 1.0a (RFC 5849) for the PIN flow: the signed ``request_token`` and ``access_token`` requests
(``oauthlib.oauth1.Client``) and their form-encoded answers. OAuth 2.0 (RFC 6749 + PKCE, RFC 7636):
the authorization URL, the ``authorization_code`` and ``refresh_token`` bodies and the token answer
(``oauthlib.oauth2.WebApplicationClient``). oauthlib insists on https for authorize URLs and
redirects; X's redirect goes to the loopback listener over plain http (RFC 8252 allows it), so the
authorize URL and the redirect's query are built and read here with oauthlib's plain helpers.
"""

from __future__ import annotations

import base64
import secrets
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from oauthlib.common import add_params_to_uri
from oauthlib.oauth1 import Client as OAuth1Client
from oauthlib.oauth2 import OAuth2Error, WebApplicationClient

from bulklike.credentials import Secret
from bulklike.x.classify import Answer

#: what a like run needs; offline.access adds the refresh token
SCOPES: Final = ("tweet.read", "users.read", "like.write", "offline.access")
VERIFIER_LENGTH: Final = 64  # RFC 7636: 43 to 128 characters
FORM: Final = {"Content-Type": "application/x-www-form-urlencoded"}


class GrantRefused(Exception):
    """The token endpoint refused (``invalid_grant`` and friends): only a new ``auth`` helps."""

    def __init__(self, error: str, status: int) -> None:
        super().__init__(f"{error} (HTTP {status})")
        self.error = error
        self.status = status


class GrantUnavailable(Exception):
    """No usable answer from the token endpoint (network, 5xx, 429, not JSON): try again later."""


# --- OAuth 1.0a ------------------------------------------------------------------------------


def request_token_header(url: str, consumer_key: Secret, consumer_secret: Secret) -> str:
    """``Authorization`` for ``POST oauth/request_token`` with ``oauth_callback=oob`` (the PIN flow)."""
    client = OAuth1Client(consumer_key.reveal(), client_secret=consumer_secret.reveal(), callback_uri="oob")
    _, headers, _ = client.sign(url, http_method="POST")
    return str(headers["Authorization"])


def access_token_header(
    url: str, consumer_key: Secret, consumer_secret: Secret, token: Secret, token_secret: Secret, pin: str
) -> str:
    """``Authorization`` for ``POST oauth/access_token``: the request token signs, the PIN verifies."""
    client = OAuth1Client(
        consumer_key.reveal(),
        client_secret=consumer_secret.reveal(),
        resource_owner_key=token.reveal(),
        resource_owner_secret=token_secret.reveal(),
        verifier=pin,
    )
    _, headers, _ = client.sign(url, http_method="POST")
    return str(headers["Authorization"])


def form_answer(answer: Answer) -> dict[str, str]:
    """A form-encoded OAuth 1.0a answer (``oauth_token=...&...``); ``{}`` when it is not one."""
    if answer.status != 200:
        return {}
    try:
        return dict(urllib.parse.parse_qsl(answer.body.decode("utf-8"), strict_parsing=True))
    except (UnicodeDecodeError, ValueError):
        return {}


# --- OAuth 2.0 -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Pkce:
    """One authorization attempt: the PKCE verifier and the ``state`` the redirect must bring back."""

    client_id: str
    redirect_uri: str
    verifier: str
    state: str

    @classmethod
    def start(cls, client_id: str, redirect_uri: str) -> Pkce:
        verifier = WebApplicationClient(client_id).create_code_verifier(VERIFIER_LENGTH)
        return cls(client_id, redirect_uri, verifier, secrets.token_urlsafe(24))

    def authorize_url(self, endpoint: str, scopes: tuple[str, ...] = SCOPES) -> str:
        challenge = WebApplicationClient(self.client_id).create_code_challenge(self.verifier, "S256")
        params = [
            ("response_type", "code"),
            ("client_id", self.client_id),
            ("redirect_uri", self.redirect_uri),
            ("scope", " ".join(scopes)),
            ("state", self.state),
            ("code_challenge", challenge),
            ("code_challenge_method", "S256"),
        ]
        return str(add_params_to_uri(endpoint, params))

    def code_from_redirect(self, url: str) -> str:
        """The ``code`` of the redirected URL; ``ValueError`` (a sentence for the user) otherwise."""
        query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url.strip()).query))
        if "error" in query:
            raise ValueError(f"the authorization was not given ({query['error']})")
        state, code = query.get("state", ""), query.get("code", "")
        if not code:
            raise ValueError("the redirected URL holds no authorization code")
        if not secrets.compare_digest(state.encode(), self.state.encode()):
            raise ValueError("the redirect's state does not match this authorization: start again")
        return code

    def code_body(self, code: str, *, confidential: bool) -> str:
        client = WebApplicationClient(self.client_id)
        return str(
            client.prepare_request_body(
                code=code,
                redirect_uri=self.redirect_uri,
                code_verifier=self.verifier,
                include_client_id=not confidential,
            )
        )


def refresh_body(client_id: str, refresh_token: Secret, *, confidential: bool) -> str:
    extra = {} if confidential else {"client_id": client_id}
    return str(WebApplicationClient(client_id).prepare_refresh_body(refresh_token=refresh_token.reveal(), **extra))


def revoke_body(client_id: str, token: Secret, *, confidential: bool) -> str:
    params = [("token", token.reveal()), ("token_type_hint", "access_token")]
    if not confidential:
        params.append(("client_id", client_id))
    return urllib.parse.urlencode(params)


def token_headers(client_id: str, client_secret: Secret) -> dict[str, str]:
    """Form content type, plus HTTP Basic for a confidential client (one with a secret)."""
    if not client_secret:
        return dict(FORM)
    pair = f"{urllib.parse.quote(client_id, safe='')}:{urllib.parse.quote(client_secret.reveal(), safe='')}"
    return {**FORM, "Authorization": "Basic " + base64.b64encode(pair.encode()).decode("ascii")}


@dataclass(frozen=True, slots=True)
class Grant:
    """A token answer: what a refresh or a code exchange gave."""

    access_token: Secret
    refresh_token: Secret
    expires_in: float | None
    scopes: tuple[str, ...]

    def __repr__(self) -> str:
        return f"Grant(expires_in={self.expires_in!r}, scopes={self.scopes!r})"


_REFUSALS: Final = frozenset({"invalid_grant", "invalid_client", "unauthorized_client", "invalid_request"})


def read_grant(answer: Answer, client_id: str) -> Grant:
    """Parse a token endpoint answer; ``GrantRefused`` or ``GrantUnavailable`` when it holds none."""
    if answer.status == 0:
        raise GrantUnavailable(answer.transport_error or "no answer")
    if answer.status == 429 or answer.status >= 500:
        raise GrantUnavailable(f"HTTP {answer.status}")
    try:
        token: Mapping[str, object] = WebApplicationClient(client_id).parse_request_body_response(
            answer.body.decode("utf-8", "replace")
        )
    except OAuth2Error as exc:  # error bodies: invalid_grant, invalid_client, ...
        error = str(getattr(exc, "error", "") or "refused")
        if error in _REFUSALS or answer.status in (400, 401, 403):
            raise GrantRefused(error, answer.status) from None
        raise GrantUnavailable(f"HTTP {answer.status}") from None
    except (ValueError, TypeError):
        raise GrantUnavailable(f"HTTP {answer.status}: unreadable answer") from None
    if answer.status != 200:
        raise GrantRefused(f"HTTP {answer.status}", answer.status)
    expires = token.get("expires_in")
    scope = token.get("scope")
    return Grant(
        access_token=Secret(str(token["access_token"])),
        refresh_token=Secret(str(token.get("refresh_token") or "")),
        expires_in=float(expires) if isinstance(expires, int | float | str) and str(expires) else None,
        scopes=tuple(scope) if isinstance(scope, list) else (),
    )
