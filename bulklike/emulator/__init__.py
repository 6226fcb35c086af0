"""A local X API emulator: likes, quotas, faults and stats on a real socket, for tests and demos.

It shares only the vocabulary (``bulklike.x.codes``, ``bulklike.pacing.limits``, the ID rule of
``bulklike.snowflake``) with the client and
verifies OAuth itself with oauthlib's primitives, so a bug in the client's signing or pacing
cannot hide behind the same bug here. Besides those it may import only ``bulklike.errors`` (its flags
raise ``ConfigError`` like every command's); nothing but the CLI imports it (ARCHITECTURE.md).

Modules: ``config`` (settings), ``accounts`` (who may sign), ``oauth`` (verification), ``authflows``
(the OAuth PIN and PKCE endpoints), ``gate`` (token kind, app permissions, access level, credits,
usage cap), ``quotas``, ``faults``, ``tweets`` (fates and shapes), ``likes`` (state), ``stats``,
``responses`` (answer shapes), ``app`` (routes and request flow), ``server`` (start/stop), ``cli`` (flags).

The server (and with it aiohttp) is imported on first use of its names, so that the command line can
build ``bulklike emulate``'s flags from ``cli`` without paying for it at start-up.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bulklike.emulator.accounts import DEMO_ACCOUNT, Account, AccountsError, accounts_from_env, load_accounts
from bulklike.emulator.config import FAULT_KINDS, EmulatorConfig

if TYPE_CHECKING:
    from bulklike.emulator.server import RunningEmulator, run_emulator, serve_forever

_FROM_SERVER = ("RunningEmulator", "run_emulator", "serve_forever")

__all__ = [
    "DEMO_ACCOUNT",
    "FAULT_KINDS",
    "Account",
    "AccountsError",
    "EmulatorConfig",
    "RunningEmulator",
    "accounts_from_env",
    "load_accounts",
    "run_emulator",
    "serve_forever",
]


def __getattr__(name: str) -> Any:
    if name in _FROM_SERVER:
        from bulklike.emulator import server

        return getattr(server, name)
    raise AttributeError(f"module 'bulklike.emulator' has no attribute {name!r}")
