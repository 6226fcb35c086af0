"""A hand-written RFC 5849 HMAC-SHA1 signer for the emulator's tests, independent of bulklike.

Built from hmac, hashlib, base64 and urllib.parse.quote only, so the emulator's verifier is checked
against an implementation that shares no code with it or with bulklike's client.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import time
from collections.abc import Iterable
from typing import NotRequired, TypedDict, Unpack
from urllib.parse import parse_qsl, quote, urlsplit

from bulklike.emulator.accounts import Account

_nonces = itertools.count()


def enc(text: str) -> str:
    """RFC 5849 3.6: percent-encode everything but unreserved characters."""
    return quote(text, safe="~")


def base_string_uri(url: str) -> str:
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port
    default = {"http": 80, "https": 443}[parts.scheme]
    netloc = host if port in (None, default) else f"{host}:{port}"
    return f"{parts.scheme}://{netloc}{parts.path or '/'}"


def oauth_header(
    method: str,
    url: str,
    *,
    consumer_key: str,
    consumer_secret: str,
    token: str,
    token_secret: str,
    form: Iterable[tuple[str, str]] = (),
    timestamp: int | None = None,
    nonce: str | None = None,
) -> str:
    """The ``Authorization`` value for one request; query and form parameters are signed."""
    oauth = {
        "oauth_consumer_key": consumer_key,
        "oauth_nonce": nonce or f"n{next(_nonces)}x{time.time_ns()}",
        "oauth_signature_method": "HMAC-SHA1",
        "oauth_timestamp": str(int(time.time()) if timestamp is None else timestamp),
        "oauth_token": token,
        "oauth_version": "1.0",
    }
    params = [*parse_qsl(urlsplit(url).query, keep_blank_values=True), *form, *oauth.items()]
    normalized = "&".join(f"{k}={v}" for k, v in sorted((enc(k), enc(v)) for k, v in params))
    base = "&".join((method.upper(), enc(base_string_uri(url)), enc(normalized)))
    key = f"{enc(consumer_secret)}&{enc(token_secret)}".encode()
    digest = hmac.new(key, base.encode(), hashlib.sha1).digest()
    oauth["oauth_signature"] = base64.b64encode(digest).decode()
    return "OAuth " + ", ".join(f'{enc(k)}="{enc(v)}"' for k, v in oauth.items())


class SignInputs(TypedDict, total=False):
    """The signing inputs a test may override (``oauth_header``'s keyword arguments)."""

    consumer_key: str
    consumer_secret: str
    token: str
    token_secret: str
    form: Iterable[tuple[str, str]]
    timestamp: int | None
    nonce: str | None


class _Inputs(TypedDict):
    """All of them, the keys and secrets required."""

    consumer_key: str
    consumer_secret: str
    token: str
    token_secret: str
    form: NotRequired[Iterable[tuple[str, str]]]
    timestamp: NotRequired[int | None]
    nonce: NotRequired[str | None]


def sign_for(account: Account, method: str, url: str, **overrides: Unpack[SignInputs]) -> str:
    """Sign as ``account``; ``overrides`` replace any signing input (a wrong secret, an old timestamp)."""
    values: _Inputs = {
        "consumer_key": account.consumer_key,
        "consumer_secret": account.consumer_secret,
        "token": account.access_token,
        "token_secret": account.access_token_secret,
        **overrides,
    }
    return oauth_header(method, url, **values)
