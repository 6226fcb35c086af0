"""Who the account is: the numeric user id the API confirmed, whatever kind of credentials signs.

Known without a request when ``--user-id``/``user_id`` names it, when the tokens came from the token
store (``bulklike auth`` asked the API when it stored them), or when this journal already confirmed
these very credentials. Otherwise one ``verify_credentials`` (v1.1) or ``users/me`` (v2) request
asks, and the answer is cached in the journal. The ledger counts per-user sends under a salted hash
of that id, so OAuth 1.0a and OAuth 2.0 runs of one user share one quota; a journal is bound to the
account only after the API accepted its credentials, so a mistyped token never claims a journal.
"""

from __future__ import annotations

import asyncio
import json
from typing import TYPE_CHECKING

from bulklike.config import Settings, has_credentials
from bulklike.credentials import fingerprint
from bulklike.errors import ConfigError, FatalApiError
from bulklike.pacing.ledger import Ledger
from bulklike.snowflake import is_id
from bulklike.store.journal import Journal
from bulklike.x.account import Problem
from bulklike.x.classify import Kind, classify, fatal_hint

if TYPE_CHECKING:  # the client imports aiohttp: a dry run never loads it
    from bulklike.x.client import XClient

ACCOUNT_META = "account"  # the account key this journal belongs to
IDENTITY_META = "identity"  # {"token": fingerprint of the credential, "user_id": the id it was confirmed as}


def account_key(user_id: str) -> str:
    """The salted, one-way name of an account in ledgers and journals."""
    return fingerprint(user_id, purpose="user")


def known_user_id(settings: Settings, journal: Journal) -> str | None:
    """The account's id when no request is needed to learn it (see the module docstring)."""
    if settings.user_id:
        return settings.user_id
    try:
        cached = json.loads(journal.get_meta(IDENTITY_META) or "null")
    except ValueError:
        return None
    if isinstance(cached, dict) and cached.get("token") == settings.credentials.token_id:
        user_id = cached.get("user_id")
        return user_id if isinstance(user_id, str) and user_id.isdigit() else None
    return None


def provisional_key(settings: Settings, journal: Journal) -> str:
    """The ledger key before the API has answered: the known id, else the token's numeric prefix
    (X's access tokens start with the user id: a hint, replaced once the API confirms), else the
    token's own fingerprint."""
    known = known_user_id(settings, journal)
    if known:
        return account_key(known)
    prefix = settings.credentials.access_token.reveal().split("-", 1)[0]
    if is_id(prefix):
        return account_key(prefix)
    return settings.credentials.token_id


ANONYMOUS = "-"
"""The ledger key of a dry run without credentials: no fingerprint, so it counts no one's sends."""


def ledger_keys(settings: Settings, journal: Journal, user_id: str | None) -> tuple[str, str]:
    """The (app, user) keys a run's ledger counts under: the confirmed account, else the provisional key."""
    if not has_credentials(settings):
        return ANONYMOUS, ANONYMOUS
    return settings.credentials.app_id, account_key(user_id) if user_id else provisional_key(settings, journal)


def check_binding(journal: Journal, user_id: str | None, *, force: bool, bind: bool = True) -> None:
    """Refuse a journal bound to another account (unless ``--force``); bind it when ``user_id`` is confirmed
    (not with ``bind=False``: a dry run sends nothing, so it claims no journal)."""
    if user_id is None:
        return
    key = account_key(user_id)
    saved = journal.get_meta(ACCOUNT_META)
    if saved is not None and saved != key and not force:
        raise ConfigError(
            f"{journal.path} was made with another account; use that account, "
            "another --journal, or --force to take it over"
        )
    if saved != key and bind:
        journal.set_meta(ACCOUNT_META, key)


async def resolve_user_id(client: XClient, journal: Journal, settings: Settings) -> None:
    """Give the client the account's id (``--api auto`` after its move to v2: v2 URLs need it)."""
    user_id = await confirm_user_id(client, settings, journal)
    assert user_id is not None  # without transient_ok a failure raises
    client.user_id = user_id


class AccountGate:
    """Before a run's first send: confirm the account (one request), bind the journal, key the ledger.

    Runs at the first send rather than at start, so a run with nothing to send asks nothing. Every
    worker awaits the same confirmation: one request per run and API at most. On v1.1 a transient
    failure (no answer, 5xx, garbage, 429) or 453 (an app without v1.1 access: ``--api auto`` moves
    the run to v2, where it is asked again) lets the run go on under the provisional key, the journal
    unbound; a refusal of the credentials raises ``FatalApiError``.
    """

    def __init__(self, client: XClient, settings: Settings, journal: Journal, ledger: Ledger, *, force: bool) -> None:
        self.client, self.settings, self.journal, self.ledger, self.force = client, settings, journal, ledger, force
        self.user_id: str | None = None
        self.asked_on: str | None = None
        self._lock = asyncio.Lock()

    async def __call__(self) -> bool:
        """``True`` once the account is confirmed (the runner then stops calling)."""
        async with self._lock:
            if self.user_id is None:
                if self.asked_on == self.client.api:
                    return False  # not confirmable on this API: not asked again
                self.asked_on = self.client.api
                v1 = self.client.api == "v1.1"  # v2 cannot send without the id: it must be known
                user_id = await confirm_user_id(self.client, self.settings, self.journal, transient_ok=v1)
                if user_id is None:
                    return False
                check_binding(self.journal, user_id, force=self.force)
                self.ledger.switch_user(account_key(user_id))
                self.client.user_id = user_id
                self.user_id = user_id
            return True


async def confirm_user_id(
    client: XClient, settings: Settings, journal: Journal, *, transient_ok: bool = False
) -> str | None:
    """The account's numeric id: known, or asked once (and cached for these credentials).

    ``None`` only with ``transient_ok``, when the API could not be reached (ask again later).
    """
    known = known_user_id(settings, journal)
    if known is not None:
        return known
    answer = await client.whoami()
    outcome = classify(answer, "whoami")
    where = "GET /1.1/account/verify_credentials.json" if client.api == "v1.1" else "GET /2/users/me"
    unconfirmable = outcome.kind in (Kind.RETRYABLE, Kind.RATE_LIMITED) or outcome.problem is Problem.NO_V1_ACCESS
    if unconfirmable and transient_ok:
        return None  # verify_credentials has limits of its own: a 429 there says nothing of the likes
    if outcome.kind is not Kind.DONE:
        said = outcome.message or answer.transport_error or f"HTTP {answer.status}"
        raise FatalApiError(
            f"could not look up the account ({where}): "
            + (outcome.advice or f"{said} — {fatal_hint(outcome.error_code, outcome.http_status)}")
        )
    user_id = user_id_from(answer.body, where)
    journal.set_meta(IDENTITY_META, json.dumps({"token": settings.credentials.token_id, "user_id": user_id}))
    return user_id


def user_id_from(body: bytes, where: str = "GET /2/users/me") -> str:
    """The numeric id of ``users/me`` (``{"data": {"id": ...}}``) or ``verify_credentials`` (``id_str``)."""
    try:
        data = json.loads(body)
        inner = data.get("data") if isinstance(data, dict) else None
        user_id = inner["id"] if isinstance(inner, dict) else data["id_str"]
    except (ValueError, KeyError, TypeError) as exc:
        raise FatalApiError(f"{where} answered without a user id; set user_id in the config") from exc
    if not isinstance(user_id, str | int) or not str(user_id).isdigit():
        raise FatalApiError(f"{where} answered an invalid user id; set user_id in the config")
    return str(user_id)


def screen_name_from(body: bytes) -> str | None:
    """``screen_name`` (v1.1 verify_credentials) or ``data.username`` (v2 users/me)."""
    try:
        data = json.loads(body)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    inner = data.get("data")
    name = inner.get("username") if isinstance(inner, dict) else data.get("screen_name")
    return name if isinstance(name, str) else None
