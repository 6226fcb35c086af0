"""``bulklike accounts``: the config's profiles, never their secrets; ``--check`` asks the API."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from typing import Any

from bulklike.api.classify import Kind, classify
from bulklike.api.client import XClient
from bulklike.auth.signer import make_signer
from bulklike.config import ENV_NAMES, Settings, build_settings, read_config_file
from bulklike.errors import EXIT_FATAL, EXIT_OK, BulklikeError, ConfigError
from bulklike.tokens import DEFAULT_PROFILE, TokenEntry, TokenStore


def _profiles(data: dict[str, Any], stored: dict[str, TokenEntry]) -> list[str | None]:
    names: list[str | None] = []
    if data.get("credentials") or any(os.environ.get(v) for v in ENV_NAMES.values()) or DEFAULT_PROFILE in stored:
        names.append(None)
    names.extend(sorted(set(data.get("profiles", {})) | (set(stored) - {DEFAULT_PROFILE})))
    return names


def screen_name(body: bytes) -> str | None:
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


async def check(settings: Settings) -> tuple[bool, str]:
    """Verify one profile's credentials; (ok, screen name or what the API said)."""
    try:
        signer = make_signer(settings)
    except BulklikeError as exc:
        return False, str(exc)
    async with XClient(
        base_url=settings.base_url, api=settings.api, signer=signer, timeout=settings.timeout, concurrency=1
    ) as client:
        answer = await client.whoami()
    outcome = classify(answer, "whoami")
    if outcome.kind is Kind.DONE:
        name = screen_name(answer.body)
        return True, f"@{name}" if name else "ok"
    return False, outcome.message or answer.transport_error or f"HTTP {answer.status}"


def list_accounts(args: argparse.Namespace) -> int:
    """Print one line per profile: name, API, which credentials are set, the account fingerprint."""
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
    refused = 0
    for name in names:
        flags = {"profile": name, "base_url": getattr(args, "base_url", None)}
        settings = build_settings(flags, os.environ, data, lambda p: stored.get(p or DEFAULT_PROFILE))
        creds = settings.credentials
        kinds = [k for k, ok in (("oauth1", creds.has_oauth1), ("bearer", bool(creds.bearer_token))) if ok]
        entry = stored.get(name or DEFAULT_PROFILE)
        line = (
            f"{name or '(default)':<16} api {settings.api:<5} credentials {'+'.join(kinds) or 'missing':<13}"
            f" account {'user ' + settings.user_id if settings.user_id else 'token ' + creds.token_id}"
            f"  stored {entry.describe(time.time()) if entry else 'none'}"
        )
        if args.check:
            ok, said = asyncio.run(check(settings)) if kinds else (False, "no credentials")
            refused += not ok
            line += f"  {'ok ' + said if ok else 'REFUSED: ' + said}"
        sys.stdout.write(line + "\n")
    return EXIT_FATAL if refused else EXIT_OK
