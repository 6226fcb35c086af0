"""``bulklike accounts``: the config's profiles, never their secrets; ``--check`` asks the API.

Each profile is checked on its own, with its own credentials: a profile that names credentials,
or whose user tokens are in the token store, is not overridden by ``BULKLIKE_*`` user-token
variables here (those fill in only for profiles without any), so a profile with a bad token is
reported as refused; a refusal (a refused token refresh included) is that profile's line, and
the others are still checked. The check likes nothing: it asks v1.1 ``verify_credentials`` and v2
``users/me``, which tells a refused credential (exit 3) from an API that could not be reached
(exit 1, not checked). Those answers prove the credentials, never like access: a 453 says v1.1 is
closed to the app's access level, and since 2026-04-20 likes need an Enterprise plan, which only a
like shows; the line says so rather than naming an API that "has likes".
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from bulklike.auth.tokens import DEFAULT_PROFILE, TokenEntry, TokenStore
from bulklike.cli.settings import configure_logging
from bulklike.config import (
    BASE_URLS,
    CREDENTIAL_KEYS,
    ENV_NAMES,
    USER_TOKEN_KEYS,
    Settings,
    build_settings,
    read_config_file,
)
from bulklike.errors import EXIT_FATAL, EXIT_OK, EXIT_SOME_FAILED, BulklikeError, ConfigError

State = Literal["ok", "no_v1", "refused", "unreachable"]


@dataclass(frozen=True, slots=True)
class Probe:
    """What one who-am-I request said: ``state``, the account's name, or what went wrong."""

    state: State
    said: str


def _profiles(data: dict[str, Any], stored: Mapping[str, TokenEntry]) -> list[str | None]:
    names: list[str | None] = []
    if data.get("credentials") or any(os.environ.get(v) for v in ENV_NAMES.values()) or DEFAULT_PROFILE in stored:
        names.append(None)
    names.extend(sorted(set(data.get("profiles", {})) | (set(stored) - {DEFAULT_PROFILE})))
    return names


def profile_env(
    data: Mapping[str, Any], name: str | None, env: Mapping[str, str], stored: Mapping[str, TokenEntry] | None = None
) -> Mapping[str, str]:
    """The environment a profile is checked with: without ``BULKLIKE_*`` credentials when the
    profile names its own, and without the user-token variables when the token store holds the
    profile's tokens (otherwise the variables would stand in for every profile)."""
    profiles = data.get("profiles", {})
    table = profiles.get(name) if name is not None and isinstance(profiles, dict) else None
    if isinstance(table, dict) and any(table.get(key) for key in CREDENTIAL_KEYS):
        names = set(ENV_NAMES.values())
    elif name is not None and stored is not None and name in stored:  # the store's tokens, never the variables'
        names = {ENV_NAMES[key] for key in USER_TOKEN_KEYS}
    else:
        return env
    return {key: value for key, value in env.items() if key not in names}


def _base(settings: Settings, api: Literal["v1.1", "v2"]) -> str:
    return settings.base_url if "base_url" in settings.given else BASE_URLS[api]


async def probe(settings: Settings, api: Literal["v1.1", "v2"]) -> Probe:
    """Ask one API who the credentials belong to; never raises for network trouble."""
    from bulklike.auth.identity import screen_name_from
    from bulklike.auth.signer import make_signer
    from bulklike.x.account import Problem
    from bulklike.x.classify import Kind, classify
    from bulklike.x.client import XClient

    base = _base(settings, api)
    signer = make_signer(settings)
    async with XClient(base_url=base, api=api, signer=signer, timeout=settings.timeout, concurrency=1) as client:
        answer = await client.whoami()
    if answer.status == 0:
        # "connection refused" is the socket's word; a refused *credential* is another matter
        label = (answer.transport_error or "no answer").replace("refused", "not accepted")
        return Probe("unreachable", f"no answer from {base} ({label})")
    outcome = classify(answer, "whoami")
    if outcome.kind is Kind.DONE:
        return Probe("ok", screen_name_from(answer.body) or "")
    if outcome.problem is Problem.NO_V1_ACCESS:
        return Probe("no_v1", "453")
    if outcome.kind is Kind.FATAL:
        return Probe("refused", f"{api}: {outcome.advice or outcome.message or f'HTTP {answer.status}'}")
    return Probe("unreachable", f"{api} answered HTTP {answer.status}, try again later")


def like_endpoint(v1: Probe | None, v2: Probe | None) -> str:
    """What the answers prove (the credentials, an access level without v1.1), and what they cannot: likes."""
    from bulklike.x.account import ENTERPRISE_NOTE

    proven = []
    if v1 is not None and v1.state == "no_v1":
        proven.append("v1.1 answered 453 (no v1.1 at this access level)")
    elif v1 is not None and v1.state == "ok":
        proven.append("v1.1 verify_credentials accepted the credentials")
    if v2 is not None and v2.state == "ok":
        proven.append("v2 users/me accepted the credentials")
    said = ", ".join(proven) or "no answer proves anything"
    return f"{said} — that proves the credentials, not like access: {ENTERPRISE_NOTE}; only a like shows it"


async def check(settings: Settings) -> tuple[State, str]:
    """Verify one profile's credentials: ``(state, text)``; state ``refused`` means exit 3. Never
    raises for the profile's own trouble (a refused refresh, unusable stored tokens): that is its line."""
    try:
        return await _check(settings)
    except BulklikeError as exc:
        return ("refused" if exc.exit_code == EXIT_FATAL else "unreachable"), str(exc)


async def _check(settings: Settings) -> tuple[State, str]:
    from bulklike.auth.signer import make_signer

    creds = settings.credentials
    try:
        make_signer(settings)
    except BulklikeError as exc:
        return "refused", str(exc)
    ask_v1 = creds.has_oauth1 and (settings.api == "v1.1" or settings.auto)
    ask_v2 = settings.api == "v2" or settings.auto or not creds.has_oauth1
    v1 = await probe(settings, "v1.1") if ask_v1 else None
    v2 = await probe(settings, "v2") if ask_v2 else None
    probes = [p for p in (v1, v2) if p is not None]
    refused = [p.said for p in probes if p.state == "refused"]
    if refused:
        return "refused", "; ".join(refused)
    names = [p.said for p in probes if p.state == "ok" and p.said]
    if not any(p.state in ("ok", "no_v1") for p in probes):
        return "unreachable", "; ".join(p.said for p in probes)
    gaps = "".join(f"; not checked: {p.said}" for p in probes if p.state == "unreachable")
    who = f"@{names[0]}" if names else "credentials accepted"
    return "ok", f"{who} — {like_endpoint(v1, v2)}{gaps}"


def cmd_accounts(args: argparse.Namespace, argv: Sequence[str]) -> int:
    """``bulklike accounts``: the listing is offline; only ``--check`` loads the network client."""
    if args.check:
        configure_logging(args)
    return list_accounts(args)


def list_accounts(args: argparse.Namespace) -> int:
    """One line per profile: name, API, which credentials are set, the account fingerprint;
    ``--check``: exit 3 if any credential was refused, else 1 if some could not be checked."""
    warnings: list[str] = []
    data = read_config_file(args.config, warn=warnings)
    for warning in warnings:
        sys.stderr.write(f"bulklike: warning: {warning}\n")
    stored = TokenStore().load()
    names = _profiles(data, stored)
    if not names:
        raise ConfigError(
            "no accounts: run `bulklike auth`, set BULKLIKE_* variables "
            "or add [credentials] / [profiles.NAME] to the config"
        )
    seen: set[State] = set()
    for name in names:
        flags = {"profile": name, "base_url": getattr(args, "base_url", None)}
        settings = build_settings(
            flags, profile_env(data, name, os.environ, stored), data, lambda p: stored.get(p or DEFAULT_PROFILE)
        )
        creds = settings.credentials
        kinds = [k for k, ok in (("oauth1", creds.has_oauth1), ("bearer", bool(creds.bearer_token))) if ok]
        api = "auto" if settings.auto else settings.api
        shown = "+".join(kinds) or "missing"
        account = f"user {settings.user_id}" if settings.user_id else f"token {creds.token_id}"
        entry = stored.get(name or DEFAULT_PROFILE)  # never a secret: kind, account, scopes, expiry
        line = (
            f"{name or '(default)':<16} api {api:<5} credentials {shown:<13} account {account}"
            f"  stored {entry.describe(time.time()) if entry else 'none'}"
        )
        if args.check:
            state, said = asyncio.run(check(settings)) if kinds else ("refused", "no credentials")
            seen.add(state)
            line += "  " + {"ok": "ok ", "refused": "REFUSED: ", "unreachable": "NOT CHECKED: "}[state] + said
        sys.stdout.write(line + "\n")
    if "refused" in seen:
        return EXIT_FATAL
    return EXIT_SOME_FAILED if "unreachable" in seen else EXIT_OK
