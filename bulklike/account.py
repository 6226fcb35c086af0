"""Which account a session acts for: the signer, the journal's binding, and the v2 user id."""

from __future__ import annotations

import json

from bulklike.api.classify import Kind, classify, fatal_hint
from bulklike.api.client import XClient
from bulklike.api.signing import BearerSigner, OAuth1Signer, Signer
from bulklike.config import Settings
from bulklike.errors import ConfigError, FatalApiError
from bulklike.store.journal import Journal


def account_key(settings: Settings) -> str:
    creds = settings.credentials
    return f"{creds.app_id}:{creds.user_id}"


def check_account(journal: Journal, settings: Settings, *, force: bool) -> None:
    """A journal belongs to the account that made it; another one may resume it only with --force."""
    key = account_key(settings)
    saved = journal.get_meta("account")
    if saved is None or force:
        journal.set_meta("account", key)
    elif saved != key:
        raise ConfigError(
            f"{journal.path} was made with another account; use that account, "
            "another --journal, or --force to take it over"
        )


def make_signer(settings: Settings) -> Signer:
    creds = settings.credentials
    if creds.has_oauth1:
        return OAuth1Signer(creds)
    return BearerSigner(creds.bearer_token)


def user_id_from(body: bytes) -> str:
    """The numeric id from ``GET /2/users/me`` (``{"data": {"id": "..."}}``)."""
    try:
        data = json.loads(body)
        user_id = data["data"]["id"]
    except (ValueError, KeyError, TypeError) as exc:
        raise FatalApiError("GET /2/users/me answered without a user id; set user_id in the config") from exc
    if not isinstance(user_id, str | int) or not str(user_id).isdigit():
        raise FatalApiError("GET /2/users/me answered an invalid user id; set user_id in the config")
    return str(user_id)


async def resolve_user_id(client: XClient, journal: Journal, settings: Settings) -> None:
    """v2 needs the numeric user id: from the config, the journal's cache, or ``GET /2/users/me``."""
    user_id = settings.user_id or journal.get_meta("user_id")
    if user_id is None:
        answer = await client.whoami()
        outcome = classify(answer, "whoami")
        if outcome.kind is not Kind.DONE:
            said = outcome.message or answer.transport_error or f"HTTP {answer.status}"
            raise FatalApiError(
                f"could not look up the account (GET /2/users/me): {said} — "
                f"{fatal_hint(outcome.error_code, outcome.http_status)}"
            )
        user_id = user_id_from(answer.body)
        journal.set_meta("user_id", user_id)
    client.user_id = user_id
