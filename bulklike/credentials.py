"""Credentials as values whose repr, str and format never show the secret.

Every place a secret could leak (a log event, a traceback's locals, a dataclass repr, an
f-string) goes through ``Secret.__repr__``/``__str__``; only ``reveal()`` gives the value, and
only the signer calls it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass


class Secret:
    """A string that prints as ``'***'``; compare and hash by value."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    def __str__(self) -> str:
        return "***"

    def __format__(self, spec: str) -> str:
        return "***"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __bool__(self) -> bool:
        return bool(self._value)

    def __reduce__(self) -> tuple[object, ...]:  # pickling would copy the value out unmasked
        raise TypeError("a Secret cannot be pickled")


def fingerprint(value: str, *, purpose: str) -> str:
    """A short, salted, one-way name for a credential: safe in file names, journals, ledgers."""
    return hashlib.sha256(f"bulklike:{purpose}:{value}".encode()).hexdigest()[:16]


@dataclass(frozen=True, slots=True, init=False)
class Credentials:
    """One app's credentials for one user: OAuth 1.0a user context and/or an OAuth 2.0 user token.

    These name credentials, not the account: the account is the numeric user id the API confirms
    (``bulklike.auth.identity``), the same whichever kind of credentials signs. Takes plain strings or
    ``Secret`` values; every secret is kept as a ``Secret``, so no repr ever shows one.
    """

    consumer_key: Secret
    consumer_secret: Secret
    access_token: Secret
    access_token_secret: Secret
    bearer_token: Secret
    refresh_token: Secret  # OAuth 2.0, from the token store
    client_id: str  # OAuth 2.0 app (public: it is in every authorize URL)
    client_secret: Secret  # confidential OAuth 2.0 clients

    def __init__(
        self,
        *,
        consumer_key: str | Secret = "",
        consumer_secret: str | Secret = "",
        access_token: str | Secret = "",
        access_token_secret: str | Secret = "",
        bearer_token: str | Secret = "",
        refresh_token: str | Secret = "",
        client_id: str = "",
        client_secret: str | Secret = "",
    ) -> None:
        secrets = {
            "consumer_key": consumer_key,
            "consumer_secret": consumer_secret,
            "access_token": access_token,
            "access_token_secret": access_token_secret,
            "bearer_token": bearer_token,
            "refresh_token": refresh_token,
            "client_secret": client_secret,
        }
        for name, value in secrets.items():
            object.__setattr__(self, name, value if isinstance(value, Secret) else Secret(str(value)))
        object.__setattr__(self, "client_id", str(client_id))

    @property
    def has_oauth1(self) -> bool:
        """All four OAuth 1.0a values are present: v1.1 (and user-context v2) can be signed."""
        return all((self.consumer_key, self.consumer_secret, self.access_token, self.access_token_secret))

    @property
    def app_id(self) -> str:
        """Fingerprint of the app (consumer key, else OAuth 2.0 client id); shared by its users."""
        app = self.consumer_key.reveal() if self.has_oauth1 or not self.client_id else self.client_id
        return fingerprint(app, purpose="app")

    @property
    def token_id(self) -> str:
        """Fingerprint of the signing token (OAuth 1.0a token, else the bearer token): names the
        credential, never the account (an OAuth 2.0 token changes at every refresh)."""
        token = self.access_token.reveal() or self.bearer_token.reveal()
        return fingerprint(token, purpose="token")

    def secrets(self) -> tuple[str, ...]:
        """Every non-empty secret value, for leak checks in tests and in the log filter."""
        values = (
            self.consumer_key,
            self.consumer_secret,
            self.access_token,
            self.access_token_secret,
            self.bearer_token,
            self.refresh_token,
            self.client_secret,
        )
        return tuple(v.reveal() for v in values if v)
