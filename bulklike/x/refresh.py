"""An OAuth 2.0 user token that renews itself for the whole run: one refresh shared by every worker.

X's user access tokens live two hours and refresh tokens are single-use. So:

- **proactive**: before a request, when less than ``min(10% of the lifetime, 60 s)`` is left, the
  token is refreshed; every worker that arrives meanwhile waits on the same lock and then finds the
  new token (the header it saw has changed), so there is one refresh, never one per worker;
- **on a 401**: the client calls ``renew(header_it_sent)``; if another worker has already renewed,
  the request just goes again with the new token; otherwise this is the one refresh;
- **savable before asked**: ``hold`` takes the token store's lock and proves the store writable
  *before* the refresh request, and holds the lock across the request and the save: a store locked
  by another process, read-only or full stops the run (exit 2) with the refresh token unspent;
- **saved before use**: the new pair goes through ``save`` (the token store: atomic, fsynced) before
  the new access token is handed out, so a ``kill -9`` after the save leaves on disk a refresh token
  that still works. Single-use rotation cannot protect the moment between the server's answer and
  the save: a kill there leaves only the spent token on disk (``bulklike auth`` again);
- **never presented twice**: once the server answered with new tokens, the spent refresh token is
  forgotten, even when the save then fails (that stops the run);
- **refused** (``invalid_grant``: revoked, expired, already used): ``AuthExpired`` (exit 3), and
  every later call raises it too; no second refresh is tried with a token the server refused;
- **another run of the same profile** may have refreshed first (its refresh token is then spent):
  before refreshing, and after a refusal, ``load`` reads the store, and newer tokens found there are
  adopted instead.

The clock is injectable; the transport is ``api.client.form_request`` unless a test passes another.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable, Sequence
from contextlib import AbstractContextManager
from typing import Final, NamedTuple, Protocol

from bulklike.credentials import Secret
from bulklike.errors import AuthExpired, BulklikeError
from bulklike.x.classify import Answer
from bulklike.x.oauth import GrantRefused, GrantUnavailable, read_grant, refresh_body, token_headers

#: refresh when less than this share of the token's lifetime is left (or MAX_MARGIN_S, if less)
MARGIN_SHARE: Final = 0.10
MAX_MARGIN_S: Final = 60.0
#: after a refresh that got no usable answer, wait this long before a proactive one tries again
#: (a fixed hold-off, not a retry loop: the request that wanted the token goes on with the one it has,
#: and a 401 asks for a refresh at once; so no tenacity rule from ``pacing.backoff`` here)
RETRY_AFTER_S: Final = 5.0


class Post(Protocol):
    def __call__(
        self, method: str, url: str, *, headers: dict[str, str], body: str | None = ..., timeout: float = ...
    ) -> Awaitable[Answer]: ...


class Tokens(NamedTuple):
    """What the token store holds for the profile now (``load``)."""

    access_token: Secret
    refresh_token: Secret
    expires_at: float | None
    lifetime: float | None


def refresh_margin(lifetime: float | None) -> float:
    """Seconds before expiry at which a token is renewed: ``min(10% of lifetime, 60 s)``."""
    if lifetime is None or lifetime <= 0:
        return MAX_MARGIN_S
    return min(MARGIN_SHARE * lifetime, MAX_MARGIN_S)


class TokenRefresher:
    """A ``Signer`` (bearer header) whose token ``XClient`` keeps fresh through ``fresh``/``renew``."""

    __slots__ = (
        "_header",
        "_refresh_token",
        "_refresh_at",
        "_client_id",
        "_client_secret",
        "_url",
        "_save",
        "_again",
        "_load",
        "_post",
        "_clock",
        "_timeout",
        "_lock",
        "_hold",
        "_broken",
        "_dead",
        "_retry_at",
        "refreshes",
    )

    def __init__(
        self,
        *,
        access_token: Secret,
        refresh_token: Secret,
        expires_at: float | None,
        lifetime: float | None,
        client_id: str,
        client_secret: Secret,
        token_url: str,
        save: Callable[[Secret, Secret, float | None, float], None],
        again: str,
        post: Post | None = None,
        clock: Callable[[], float] = time.time,
        timeout: float = 30.0,
        load: Callable[[], Tokens | None] | None = None,
        hold: Callable[[], AbstractContextManager[object]] | None = None,
    ) -> None:
        self._header = "Bearer " + access_token.reveal()
        self._refresh_token = refresh_token
        self._refresh_at = None if expires_at is None else expires_at - refresh_margin(lifetime)
        self._client_id = client_id
        self._client_secret = client_secret
        self._url = token_url
        self._save = save
        self._again = again  # the command that gets new tokens, for the message
        self._load = load
        if post is None:
            from bulklike.x.client import form_request  # client imports this module: import late

            post = form_request
        self._post = post
        self._clock = clock
        self._timeout = timeout
        self._lock = asyncio.Lock()
        self._hold = hold  # the token store's lock, proven writable (blocking: entered in a thread)
        self._broken: BulklikeError | None = None  # the store could not be written: stop, ask nothing
        self._dead: str | None = None
        self._retry_at = 0.0
        self.refreshes = 0

    def __repr__(self) -> str:
        return f"TokenRefresher(token=***, refreshes={self.refreshes})"

    def __reduce__(self) -> tuple[object, ...]:
        raise TypeError("a signer cannot be pickled")

    def authorization(self, method: str, url: str, params: Sequence[tuple[str, str]] = ()) -> str:
        return self._header

    async def fresh(self) -> None:
        """Before a request: renew the token if it is about to expire (cheap when it is not)."""
        if self._dead is not None:
            raise AuthExpired(self._dead)
        refresh_at = self._refresh_at
        if refresh_at is not None and self._clock() >= max(refresh_at, self._retry_at):
            await self._refresh(self._header)

    async def renew(self, rejected: str) -> bool:
        """After a 401 to a request sent with ``rejected``: ``True`` when it may go again with a new
        token, ``False`` when the token endpoint could not be reached (a transient failure)."""
        return await self._refresh(rejected)

    async def _refresh(self, seen: str) -> bool:
        async with self._lock:
            if self._header != seen:  # another worker renewed it while this one waited
                return True
            if self._dead is not None:
                raise AuthExpired(self._dead)
            if self._broken is not None:
                raise self._broken
            held = self._hold() if self._hold is not None else contextlib.nullcontext()
            try:
                await asyncio.to_thread(held.__enter__)  # may wait for another process's refresh
            except BulklikeError as exc:  # locked too long, read-only, full: nothing was sent
                self._broken = exc
                raise
            try:
                return await self._refresh_held()
            finally:
                held.__exit__(None, None, None)

    async def _refresh_held(self) -> bool:
        if self._adopt_newer() and not self._expiring():
            return True  # another run of this profile refreshed: its tokens are in the store
        if not self._refresh_token:
            self._dead = f"the OAuth 2.0 access token expired and there is no refresh token: {self._again}"
            raise AuthExpired(self._dead)
        body = refresh_body(self._client_id, self._refresh_token, confidential=bool(self._client_secret))
        answer = await self._post(
            "POST",
            self._url,
            headers=token_headers(self._client_id, self._client_secret),
            body=body,
            timeout=self._timeout,
        )
        try:
            grant = read_grant(answer, self._client_id)
        except GrantRefused as exc:
            if self._adopt_newer():  # spent by another run at the same moment: take what it saved
                return True
            self._dead = f"the token refresh was refused ({exc}): {self._again}"
            raise AuthExpired(self._dead) from None
        except GrantUnavailable:
            self._retry_at = self._clock() + RETRY_AFTER_S
            return False
        now = self._clock()
        # rotation: a refresh token is single-use, so keep the old one only if none came back
        refresh_token = grant.refresh_token or self._refresh_token
        expires_at = None if grant.expires_in is None else now + grant.expires_in
        self._refresh_token = refresh_token  # the spent one is never presented again
        try:
            self._save(grant.access_token, refresh_token, grant.expires_in, now)  # durable BEFORE use
        except BulklikeError as exc:
            self._broken = exc
            raise
        self._refresh_at = None if expires_at is None else expires_at - refresh_margin(grant.expires_in)
        self._header = "Bearer " + grant.access_token.reveal()
        self.refreshes += 1
        return True

    def _expiring(self) -> bool:
        return self._refresh_at is not None and self._clock() >= self._refresh_at

    def _adopt_newer(self) -> bool:
        """Take the store's tokens when they are not ours (another run refreshed); ``True`` if taken."""
        stored = self._load() if self._load is not None else None
        if stored is None or not stored.refresh_token or stored.refresh_token == self._refresh_token:
            return False
        self._refresh_token = stored.refresh_token
        self._header = "Bearer " + stored.access_token.reveal()
        expires_at = stored.expires_at
        self._refresh_at = None if expires_at is None else expires_at - refresh_margin(stored.lifetime)
        return True
