"""``bulklike accounts``: the config's profiles, never their secrets; ``--check`` asks the API."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from collections.abc import Sequence
from typing import Any

from bulklike.cli.settings import configure_logging
from bulklike.config import ENV_NAMES, Settings, build_settings, read_config_file
from bulklike.errors import EXIT_FATAL, EXIT_OK, BulklikeError, ConfigError


def _profiles(data: dict[str, Any]) -> list[str | None]:
    names: list[str | None] = []
    if data.get("credentials") or any(os.environ.get(v) for v in ENV_NAMES.values()):
        names.append(None)
    names.extend(sorted(data.get("profiles", {})))
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
    from bulklike.api.classify import Kind, classify
    from bulklike.api.client import XClient
    from bulklike.session import make_signer

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


def cmd_accounts(args: argparse.Namespace, argv: Sequence[str]) -> int:
    """``bulklike accounts``: the listing is offline; only ``--check`` loads the network client."""
    if args.check:
        configure_logging(args)
    return list_accounts(args)


def list_accounts(args: argparse.Namespace) -> int:
    """Print one line per profile: name, API, which credentials are set, the account fingerprint."""
    warnings: list[str] = []
    data = read_config_file(args.config, warn=warnings)
    for warning in warnings:
        sys.stderr.write(f"bulklike: warning: {warning}\n")
    names = _profiles(data)
    if not names:
        raise ConfigError("no accounts: set BULKLIKE_* variables or add [credentials] / [profiles.NAME] to the config")
    refused = 0
    for name in names:
        flags = {"profile": name, "base_url": getattr(args, "base_url", None)}
        settings = build_settings(flags, os.environ, data)
        creds = settings.credentials
        kinds = [k for k, ok in (("oauth1", creds.has_oauth1), ("bearer", bool(creds.bearer_token))) if ok]
        line = (
            f"{name or '(default)':<16} api {settings.api:<5} credentials {'+'.join(kinds) or 'missing':<13}"
            f" account {creds.user_id}"
        )
        if args.check:
            ok, said = asyncio.run(check(settings)) if kinds else (False, "no credentials")
            refused += not ok
            line += f"  {'ok ' + said if ok else 'REFUSED: ' + said}"
        sys.stdout.write(line + "\n")
    return EXIT_FATAL if refused else EXIT_OK
