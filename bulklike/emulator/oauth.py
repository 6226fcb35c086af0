"""Server-side OAuth 1.0a (RFC 5849, HMAC-SHA1) and bearer checks, with X's error codes.

Built from oauthlib's signature primitives, never from bulklike's own signer, so a bug in the
client's signing cannot hide behind the same bug here. oauthlib's ``ResourceEndpoint`` is avoided:
its validator round trips cost more than the whole request. The signing key of every account is
computed once; the base string URI is memoised per (host, path).

Order of checks, as X answers them: malformed or missing credentials (400 code 215), unknown
consumer key (401 code 32), unknown or revoked token (401 code 89), signature (401 code 32),
timestamp more than 300 s off (401 code 135), reused nonce (401 code 32).
"""

from __future__ import annotations

import base64
import collections
import hmac
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from oauthlib.oauth1.rfc5849 import signature, utils

from bulklike.emulator.accounts import Account, AccountBook
from bulklike.emulator.config import TIMESTAMP_TOLERANCE_S
from bulklike.x import codes as apicodes

Params = list[tuple[str, str]]

#: codes X uses that the shared vocabulary does not name
BAD_AUTHENTICATION_DATA: Final = (215, "Bad Authentication data.", 400)
_REQUIRED: Final = (
    "oauth_consumer_key",
    "oauth_signature",
    "oauth_signature_method",
    "oauth_timestamp",
    "oauth_nonce",
    "oauth_token",
)
_URI_CACHE_SIZE: Final = 4096


@dataclass(frozen=True, slots=True)
class AuthFailure:
    """Why a request was refused, as X's (code, message, HTTP status)."""

    code: int
    message: str
    status: int
    reason: str  # for tests and logs: which check failed

    @classmethod
    def of(cls, error: tuple[int, str, int], reason: str) -> AuthFailure:
        return cls(error[0], error[1], error[2], reason)


@dataclass(frozen=True, slots=True)
class Authenticated:
    """The caller, and the request's non-OAuth parameters (query and form body) for the handler."""

    account: Account
    params: Params
    bearer: bool = False
    app_only: bool = False  # an OAuth 2.0 Application-Only bearer token: no user context


class NonceCache:
    """Nonces seen per consumer key, kept while their timestamp is still acceptable.

    Entries expire at ``timestamp + tolerance``; after that a replay is refused by the timestamp
    check anyway. Expired entries are dropped from the oldest end, so memory stays bounded by the
    request rate times the tolerance.
    """

    __slots__ = ("_expiry", "_order")

    def __init__(self) -> None:
        self._expiry: dict[tuple[str, str], float] = {}
        # insertion order, for O(1) eviction: popping a dict's oldest key with next(iter(dict))
        # walks over every slot deleted before it, which made a long-running emulator crawl
        self._order: collections.deque[tuple[float, tuple[str, str]]] = collections.deque()

    def __len__(self) -> int:
        return len(self._expiry)

    def add(self, consumer_key: str, nonce: str, expires: float, now: float) -> bool:
        """Record a nonce; ``False`` if it is already in use."""
        expiry, order = self._expiry, self._order
        while order and order[0][0] < now:
            old_expires, old_key = order.popleft()
            if expiry.get(old_key) == old_expires:
                del expiry[old_key]
        key = (consumer_key, nonce)
        seen = expiry.get(key)
        if seen is not None and seen >= now:
            return False
        expiry[key] = expires
        order.append((expires, key))
        return True


class Verifier:
    """Checks the Authorization header of one request against the account book."""

    __slots__ = ("_book", "_clock", "_tolerance", "_keys", "_nonces", "_uris")

    def __init__(
        self, book: AccountBook, clock: Callable[[], float], tolerance_s: float = TIMESTAMP_TOLERANCE_S
    ) -> None:
        self._book = book
        self._clock = clock
        self._tolerance = tolerance_s
        self._nonces = NonceCache()
        self._uris: dict[tuple[str, str, str], str] = {}
        #: (consumer key, token) -> (account, HMAC key): RFC 5849 3.4.2, computed once
        self._keys: dict[tuple[str, str], tuple[Account, bytes]] = {
            slot: (account, signing_key(account.consumer_secret, account.access_token_secret))
            for slot, account in book.tokens.items()
        }

    def base_uri(self, scheme: str, host: str, path: str) -> str:
        """RFC 5849 3.4.1.2 from the Host header as the client saw it; default ports dropped."""
        slot = (scheme, host, path)
        uri = self._uris.get(slot)
        if uri is None:
            if len(self._uris) >= _URI_CACHE_SIZE:
                self._uris.clear()
            uri = self._uris[slot] = signature.base_string_uri(f"{scheme}://{host}{path}")
        return uri

    def bearer(self, token: str) -> Authenticated | AuthFailure:
        """An OAuth 2.0 user token (v2 only): listed and not revoked."""
        account = self._book.bearers.get(token)
        if account is None or account.revoked:
            return AuthFailure.of(apicodes.INVALID_TOKEN, "unknown bearer token")
        return Authenticated(account, [], bearer=True)

    def verify(
        self, method: str, uri: str, query: str, authorization: str, form_body: str | None = None
    ) -> Authenticated | AuthFailure:
        """Verify an OAuth 1.0a request. ``uri`` is the base string URI, ``query`` the raw query."""
        try:
            header = parse_oauth_header(authorization)
            collected: Params = signature.collect_parameters(uri_query=query, body=form_body)
        except ValueError:
            return AuthFailure.of(BAD_AUTHENTICATION_DATA, "malformed header or query")
        collected += header
        oauth = {k: v for k, v in collected if k.startswith("oauth_")}
        if any(not oauth.get(name) for name in _REQUIRED):
            return AuthFailure.of(BAD_AUTHENTICATION_DATA, "missing oauth parameter")
        consumer_key = oauth["oauth_consumer_key"]
        if consumer_key not in self._book.consumers:
            return AuthFailure.of(apicodes.COULD_NOT_AUTHENTICATE, "unknown consumer key")
        found = self._keys.get((consumer_key, oauth["oauth_token"]))
        if found is None or found[0].revoked:
            return AuthFailure.of(apicodes.INVALID_TOKEN, "unknown or revoked token")
        if oauth["oauth_signature_method"] != "HMAC-SHA1" or oauth.get("oauth_version", "1.0") != "1.0":
            return AuthFailure.of(apicodes.COULD_NOT_AUTHENTICATE, "unsupported signature method")
        account, key = found
        signed = [(k, v) for k, v in collected if k != "oauth_signature"]
        try:  # undecodable header bytes reach here as surrogates, which cannot be percent-encoded
            base = signature.signature_base_string(method, uri, signature.normalize_parameters(signed))
        except UnicodeError:
            return AuthFailure.of(apicodes.COULD_NOT_AUTHENTICATE, "undecodable parameter")
        expected = base64.b64encode(hmac.digest(key, base.encode(), "sha1"))
        if not hmac.compare_digest(expected, oauth["oauth_signature"].encode("utf-8", "replace")):
            return AuthFailure.of(apicodes.COULD_NOT_AUTHENTICATE, "bad signature")
        now = self._clock()
        try:
            timestamp = int(oauth["oauth_timestamp"])
        except ValueError:
            return AuthFailure.of(apicodes.COULD_NOT_AUTHENTICATE, "timestamp not an integer")
        if abs(timestamp - now) > self._tolerance:
            return AuthFailure.of(apicodes.TIMESTAMP_OUT_OF_BOUNDS, "timestamp out of bounds")
        if not self._nonces.add(consumer_key, oauth["oauth_nonce"], timestamp + self._tolerance, now):
            return AuthFailure.of(apicodes.COULD_NOT_AUTHENTICATE, "nonce reused")
        return Authenticated(account, [(k, v) for k, v in collected if not k.startswith("oauth_")])


def parse_oauth_header(value: str) -> Params:
    """RFC 5849 3.5.1: ``OAuth k="v", ...`` with percent-encoded values; ``realm`` is left out.

    Values are percent-encoded, so they hold no comma or quote and a split is exact; this is a
    fifth of the cost of oauthlib's general ``parse_http_list``. Raises ``ValueError`` if malformed.
    """
    if value[:6].lower() != "oauth ":
        raise ValueError("not an OAuth header")
    params: Params = []
    for item in value[6:].split(","):
        name, equals, quoted = item.strip().partition("=")
        if not equals or not name:
            raise ValueError("malformed OAuth header parameter")
        if len(quoted) >= 2 and quoted[0] == quoted[-1] == '"':
            quoted = quoted[1:-1]
        if '"' in quoted:
            raise ValueError("malformed OAuth header value")
        if name != "realm":
            params.append((utils.unescape(name), utils.unescape(quoted)))
    return params


def signing_key(consumer_secret: str, token_secret: str) -> bytes:
    """``enc(consumer_secret)&enc(token_secret)`` as bytes, ready for HMAC."""
    return f"{utils.escape(consumer_secret)}&{utils.escape(token_secret)}".encode()
