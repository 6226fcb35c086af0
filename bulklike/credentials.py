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
    """One account of one app: OAuth 1.0a user context and/or an OAuth 2.0 user token.

    Takes plain strings or ``Secret`` values; every field is kept as a ``Secret``, so the repr of
    credentials (and of anything holding them) never shows a secret.
    """

    consumer_key: Secret
    consumer_secret: Secret
    access_token: Secret
    access_token_secret: Secret
    bearer_token: Secret

    def __init__(
        self,
        *,
        consumer_key: str | Secret = "",
        consumer_secret: str | Secret = "",
        access_token: str | Secret = "",
        access_token_secret: str | Secret = "",
        bearer_token: str | Secret = "",
    ) -> None:
        for name, value in (
            ("consumer_key", consumer_key),
            ("consumer_secret", consumer_secret),
            ("access_token", access_token),
            ("access_token_secret", access_token_secret),
            ("bearer_token", bearer_token),
        ):
            object.__setattr__(self, name, value if isinstance(value, Secret) else Secret(str(value)))

    @property
    def has_oauth1(self) -> bool:
        return all((self.consumer_key, self.consumer_secret, self.access_token, self.access_token_secret))

    @property
    def app_id(self) -> str:
        """Fingerprint of the app (consumer key); shared by every user of the app."""
        return fingerprint(self.consumer_key.reveal(), purpose="app")

    @property
    def user_id(self) -> str:
        """Fingerprint of the user's token (OAuth 1.0a token, else the bearer token)."""
        token = self.access_token.reveal() or self.bearer_token.reveal()
        return fingerprint(token, purpose="user")

    def secrets(self) -> tuple[str, ...]:
        """Every non-empty secret value, for leak checks in tests and in the log filter."""
        values = (
            self.consumer_key,
            self.consumer_secret,
            self.access_token,
            self.access_token_secret,
            self.bearer_token,
        )
        return tuple(v.reveal() for v in values if v)
