"""What every command shares: flags + environment + config file -> ``Settings``, and logging set-up.

Kept light on purpose: ``status`` and ``export`` go through here, so it imports neither structlog nor the
engine; ``configure_logging`` imports ``bulklike.logs`` only for the commands that log.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import Any

from bulklike.auth.tokens import TokenStore
from bulklike.config import Settings, build_settings, read_config_file


def load_settings(args: argparse.Namespace, env: dict[str, str] | None = None) -> tuple[Settings, list[str]]:
    """Flags + environment + config file (+ the token store, last) -> Settings, plus warnings for stderr.

    ``auth`` may name a profile that exists nowhere yet: its tokens are about to be stored under it.
    """
    warnings: list[str] = []
    data = read_config_file(getattr(args, "config", None), warn=warnings)
    flags: dict[str, Any] = {
        "profile": getattr(args, "profile", None),
        "api": getattr(args, "api", None),
        "base_url": getattr(args, "base_url", None),
        "concurrency": getattr(args, "concurrency", None),
        "timeout": getattr(args, "timeout", None),
        "max_attempts": getattr(args, "max_attempts", None),
        "min_interval": getattr(args, "min_interval", None),
        "spread": True if getattr(args, "spread", False) else None,
        "quota": getattr(args, "quota", None),
        "app_quota": getattr(args, "app_quota", None),
        "journal": getattr(args, "journal", None),
        "ledger": getattr(args, "ledger", None),
        "user_id": getattr(args, "user_id", None),
        "new_profile": getattr(args, "command", None) == "auth",
    }
    settings = build_settings(flags, os.environ if env is None else env, data, TokenStore().get)
    return settings, warnings


def settings_from(args: argparse.Namespace, *, logging: bool = True) -> Settings:
    """The command's settings, config warnings on stderr; with ``logging``, logs set up to mask its secrets."""
    settings, warnings = load_settings(args)
    for warning in warnings:
        sys.stderr.write(f"bulklike: warning: {warning}\n")
    if logging:
        configure_logging(args, settings.credentials.secrets())
    return settings


def configure_logging(args: argparse.Namespace, secrets: Sequence[str] = ()) -> None:
    """structlog on stderr at the level and format the flags ask for (imported here, not at start-up)."""
    from bulklike import logs

    level = logs.default_level(getattr(args, "quiet", False), getattr(args, "log_level", None))
    logs.configure(level=level, fmt=getattr(args, "log_format", None), secrets=secrets)
