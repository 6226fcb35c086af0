"""Settings -> the signer of a run: OAuth 1.0a, a stored OAuth 2.0 token that refreshes, or a bearer."""

from __future__ import annotations

import contextlib
import dataclasses
import time
from collections.abc import Callable, Iterator, Sequence

from bulklike.auth.endpoints import Endpoints
from bulklike.auth.tokens import TokenEntry, TokenStore
from bulklike.config import Settings, has_credentials
from bulklike.credentials import Secret
from bulklike.errors import ConfigError
from bulklike.x.refresh import TokenRefresher, Tokens
from bulklike.x.signing import BearerSigner, OAuth1Signer, Signer


def stored_tokens(profile: str | None) -> TokenEntry | None:
    """The token store's entry for a profile: the last source of a user's tokens (``build_settings``)."""
    return TokenStore().get(profile)


def again_command(profile: str | None, *, oauth2: bool) -> str:
    """What to tell the user when stored tokens no longer work."""
    command = "bulklike auth" + (" --oauth2" if oauth2 else "") + (f" --profile {profile}" if profile else "")
    return f"run `{command}` again"


class NoCredentials:
    """The signer of a dry run without credentials: it never sends, and says why if it were asked to."""

    def authorization(self, method: str, url: str, params: Sequence[tuple[str, str]] = ()) -> str:
        raise ConfigError("no credentials: only --dry-run works without them")


def make_signer(
    settings: Settings, *, store: TokenStore | None = None, clock: Callable[[], float] = time.time
) -> Signer:
    """OAuth 1.0a when its four values are set; else the OAuth 2.0 token, refreshing when it can; with no
    usable credentials at all (a dry run needs none), one that refuses to sign."""
    creds = settings.credentials
    if not has_credentials(settings):
        return NoCredentials()
    if creds.has_oauth1:
        return OAuth1Signer(creds)
    entry = settings.stored
    if entry is None or entry.kind != "oauth2" or creds.bearer_token != entry.access_token:
        return BearerSigner(creds.bearer_token)  # from the environment or the config: used as it is
    store = store or TokenStore()
    holder = _Holder(store, settings.profile, entry)
    return TokenRefresher(
        access_token=entry.access_token,
        refresh_token=entry.refresh_token,
        expires_at=entry.expires_at,
        lifetime=entry.lifetime,
        client_id=creds.client_id or entry.client_id,
        client_secret=creds.client_secret,
        token_url=Endpoints.for_base(settings.base_url).token,
        save=holder.save,
        again=again_command(settings.profile, oauth2=True),
        clock=clock,
        timeout=settings.timeout,
        load=_loader(store, settings.profile),
        hold=holder.hold,
    )


def _loader(store: TokenStore, profile: str | None) -> Callable[[], Tokens | None]:
    def load() -> Tokens | None:
        entry = store.get(profile)
        if entry is None or entry.kind != "oauth2":
            return None
        return Tokens(entry.access_token, entry.refresh_token, entry.expires_at, entry.lifetime)

    return load


class _Holder:
    """The token store held across one refresh: ``hold()`` takes its lock and proves it writable
    before the request; ``save`` writes the new tokens under that same lock (taking it again from
    this process would wait on itself)."""

    def __init__(self, store: TokenStore, profile: str | None, entry: TokenEntry) -> None:
        self.store, self.profile, self.entry = store, profile, entry
        self._put: Callable[[str | None, TokenEntry, float], None] | None = None

    @contextlib.contextmanager
    def hold(self) -> Iterator[None]:
        with self.store.holding() as put:
            self._put = put
            try:
                yield
            finally:
                self._put = None

    def save(self, access: Secret, refresh: Secret, lifetime: float | None, now: float) -> None:
        expires_at = None if lifetime is None else now + lifetime
        updated = dataclasses.replace(
            self.entry, access_token=access, refresh_token=refresh, expires_at=expires_at, lifetime=lifetime
        )
        if self._put is not None:
            self._put(self.profile, updated, now)
        else:
            self.store.put(self.profile, updated, now=now)
