"""The emulator's accounts: who may sign requests, loaded from TOML, the environment or the demo.

An *app* is a consumer key and secret; each app has users, each with an OAuth 1.0a access token and
secret, a user id and screen name, and optionally an OAuth 2.0 bearer token for v2. A user may be
marked ``revoked`` so that its token is refused (401 code 89), as X does after a token is revoked.

Accounts file (``--accounts FILE``), see ``accounts.example.toml``::

    [[apps]]
    consumer_key = "..."
    consumer_secret = "..."

    [[apps.users]]
    user_id = "1500000000000000001"
    screen_name = "alice"
    access_token = "1500000000000000001-..."
    access_token_secret = "..."
    bearer_token = "..."        # optional, accepted on the v2 routes
    revoked = false             # optional
"""

from __future__ import annotations

import hashlib
import os
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import IO, Any

from bulklike.snowflake import is_id

ENV_CONSUMER_KEY = "BULKLIKE_CONSUMER_KEY"
ENV_CONSUMER_SECRET = "BULKLIKE_CONSUMER_SECRET"
ENV_ACCESS_TOKEN = "BULKLIKE_ACCESS_TOKEN"
ENV_ACCESS_TOKEN_SECRET = "BULKLIKE_ACCESS_TOKEN_SECRET"
ENV_BEARER_TOKEN = "BULKLIKE_BEARER_TOKEN"
_OAUTH1_ENV = (ENV_CONSUMER_KEY, ENV_CONSUMER_SECRET, ENV_ACCESS_TOKEN, ENV_ACCESS_TOKEN_SECRET)


@dataclass(frozen=True, slots=True, kw_only=True)
class Account:
    """One user of one app. Secrets are plain strings (the hot path needs them) kept out of the repr."""

    user_id: str
    screen_name: str
    consumer_key: str = field(default="", repr=False)
    consumer_secret: str = field(default="", repr=False)
    access_token: str = field(default="", repr=False)
    access_token_secret: str = field(default="", repr=False)
    bearer_token: str = field(default="", repr=False)
    revoked: bool = False

    @property
    def has_oauth1(self) -> bool:
        return all((self.consumer_key, self.consumer_secret, self.access_token, self.access_token_secret))

    @property
    def app_key(self) -> str:
        """The app this user belongs to: quotas per app count every user of one consumer key."""
        return self.consumer_key or f"bearer:{self.user_id}"


#: Built-in credentials used when neither ``--accounts`` nor the environment name any; printed at start.
DEMO_ACCOUNT = Account(
    user_id="1500000000000000001",
    screen_name="bulklike_demo",
    consumer_key="demo-consumer-key-0000000000",
    consumer_secret="demo-consumer-secret-00000000000000000000000000",
    access_token="1500000000000000001-demoaccesstoken000000000000000",
    access_token_secret="demo-access-token-secret-000000000000000000",
    bearer_token="demo-bearer-token-000000000000000000000000",
)


class AccountsError(ValueError):
    """The accounts file or environment is unusable; the message names the problem."""


def _text(entry: Mapping[str, Any], key: str, where: str, *, required: bool = True) -> str:
    value = entry.get(key, "")
    if not isinstance(value, str | int) or isinstance(value, bool):
        raise AccountsError(f"{where}: {key} must be a string")
    if required and not str(value):
        raise AccountsError(f"{where}: {key} is missing")
    return str(value)


def _user_from_toml(app: Mapping[str, Any], user: Mapping[str, Any], where: str) -> Account:
    revoked = user.get("revoked", False)
    if not isinstance(revoked, bool):
        raise AccountsError(f"{where}: revoked must be true or false")
    account = Account(
        user_id=_text(user, "user_id", where),
        screen_name=_text(user, "screen_name", where),
        consumer_key=_text(app, "consumer_key", where),
        consumer_secret=_text(app, "consumer_secret", where),
        access_token=_text(user, "access_token", where, required=False),
        access_token_secret=_text(user, "access_token_secret", where, required=False),
        bearer_token=_text(user, "bearer_token", where, required=False),
        revoked=revoked,
    )
    if bool(account.access_token) != bool(account.access_token_secret):
        raise AccountsError(f"{where}: give both access_token and access_token_secret, or neither")
    if not account.access_token and not account.bearer_token:
        raise AccountsError(f"{where}: a user needs an access token or a bearer token")
    if not is_id(account.user_id):
        raise AccountsError(f"{where}: user_id must be an X ID (1 to 19 digits, no leading zero, at most 2^63-1)")
    return account


def load_accounts(fp: IO[bytes]) -> tuple[Account, ...]:
    """Read an accounts TOML file (see the module docstring); raises ``AccountsError``."""
    try:
        data = tomllib.load(fp)
    except tomllib.TOMLDecodeError as exc:
        raise AccountsError(f"accounts file is not valid TOML: {exc}") from exc
    apps = data.get("apps")
    if not isinstance(apps, list) or not apps:
        raise AccountsError("accounts file needs at least one [[apps]] table")
    accounts: list[Account] = []
    for a, app in enumerate(apps):
        users = app.get("users") if isinstance(app, dict) else None
        if not isinstance(users, list) or not users:
            raise AccountsError(f"apps[{a}] needs at least one [[apps.users]] table")
        for u, user in enumerate(users):
            if not isinstance(user, dict):
                raise AccountsError(f"apps[{a}].users[{u}] must be a table")
            accounts.append(_user_from_toml(app, user, f"apps[{a}].users[{u}]"))
    check_unique(accounts)
    return tuple(accounts)


def check_unique(accounts: Iterable[Account]) -> None:
    """Two users with one token would make every answer ambiguous: refuse them."""
    seen: set[str] = set()
    for account in accounts:
        for token in (account.access_token, account.bearer_token):
            if token and token in seen:
                raise AccountsError(f"user {account.user_id}: a token is used by two users")
            if token:
                seen.add(token)


def _user_id_for(token: str) -> str:
    """X access tokens start with the user id (``12345-abc``); otherwise derive a stable one."""
    prefix = token.split("-", 1)[0]
    if is_id(prefix):
        return prefix
    digest = hashlib.sha256(token.encode()).digest()
    return str(10**17 + int.from_bytes(digest[:8], "big") % (9 * 10**17))


def accounts_from_env(env: Mapping[str, str] | None = None) -> tuple[Account, ...]:
    """The single account named by ``BULKLIKE_*`` variables, or ``()`` when none are set."""
    env = os.environ if env is None else env
    values = {name: env.get(name, "") for name in (*_OAUTH1_ENV, ENV_BEARER_TOKEN)}
    if not any(values.values()):
        return ()
    given = [name for name in _OAUTH1_ENV if values[name]]
    if given == [ENV_CONSUMER_KEY, ENV_CONSUMER_SECRET]:
        # only the app's keys, as before `bulklike auth`: the app is served with the demo user, whose
        # tokens the emulator's PIN flow hands out (and a bearer token, if one was set, signs for it too)
        return (
            replace(
                DEMO_ACCOUNT,
                consumer_key=values[ENV_CONSUMER_KEY],
                consumer_secret=values[ENV_CONSUMER_SECRET],
                bearer_token=values[ENV_BEARER_TOKEN] or DEMO_ACCOUNT.bearer_token,
            ),
        )
    if given and len(given) != len(_OAUTH1_ENV):
        missing = ", ".join(name for name in _OAUTH1_ENV if not values[name])
        raise AccountsError(f"incomplete OAuth 1.0a credentials in the environment: set {missing}")
    token = values[ENV_ACCESS_TOKEN] or values[ENV_BEARER_TOKEN]
    return (
        Account(
            user_id=_user_id_for(token),
            screen_name="bulklike_user",
            consumer_key=values[ENV_CONSUMER_KEY],
            consumer_secret=values[ENV_CONSUMER_SECRET],
            access_token=values[ENV_ACCESS_TOKEN],
            access_token_secret=values[ENV_ACCESS_TOKEN_SECRET],
            bearer_token=values[ENV_BEARER_TOKEN],
        ),
    )


class AccountBook:
    """Lookups the verifier needs on every request, each one dictionary access.

    Accounts built in code (``dataclasses.replace(DEMO_ACCOUNT, ...)``) may repeat a bearer token:
    the first user listed keeps it. An access token repeated within one app is ambiguous and refused.
    """

    __slots__ = ("accounts", "consumers", "tokens", "bearers")

    def __init__(self, accounts: Iterable[Account]) -> None:
        self.accounts = tuple(accounts)
        #: consumer key -> consumer secret
        self.consumers: dict[str, str] = {}
        #: (consumer key, access token) -> account; a token only works with its own app
        self.tokens: dict[tuple[str, str], Account] = {}
        self.bearers: dict[str, Account] = {}
        for account in self.accounts:
            if account.consumer_key:
                known = self.consumers.setdefault(account.consumer_key, account.consumer_secret)
                if known != account.consumer_secret:
                    raise AccountsError(f"consumer key of user {account.user_id} has two secrets")
            if account.access_token:
                slot = (account.consumer_key, account.access_token)
                if slot in self.tokens:
                    raise AccountsError(f"user {account.user_id}: access token already used by another user")
                self.tokens[slot] = account
            if account.bearer_token:
                self.bearers.setdefault(account.bearer_token, account)
