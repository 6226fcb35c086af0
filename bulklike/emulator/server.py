"""Start and stop the emulator: an async context manager for tests and ``serve_forever`` for the CLI.

::

    async with run_emulator(EmulatorConfig(missing_rate=0.1)) as emu:
        ...  # talk to emu.base_url
        assert emu.stats()["likes"] == 3
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, Final, TextIO

from aiohttp import web

from bulklike.emulator.accounts import DEMO_ACCOUNT
from bulklike.emulator.app import Emulator
from bulklike.emulator.config import DEFAULT_HOST, DEFAULT_PORT, EmulatorConfig
from bulklike.emulator.stats import write_stats

#: how long shutdown waits for in-flight requests (a stalled one would otherwise hold it 35 s)
SHUTDOWN_TIMEOUT_S: Final = 0.5


@dataclass(frozen=True, slots=True)
class RunningEmulator:
    """A started emulator: where it listens and what it has seen so far."""

    base_url: str
    host: str
    port: int
    emulator: Emulator

    @property
    def config(self) -> EmulatorConfig:
        return self.emulator.config

    def stats(self) -> dict[str, Any]:
        """The same JSON object as ``GET /_emulator/stats``, as of now."""
        return self.emulator.stats.snapshot()


@asynccontextmanager
async def run_emulator(
    config: EmulatorConfig | None = None, *, host: str = DEFAULT_HOST, port: int = 0
) -> AsyncIterator[RunningEmulator]:
    """Serve the emulator on ``host:port`` (port 0: a free one) until the block ends.

    On exit, in-flight requests get ``SHUTDOWN_TIMEOUT_S`` to finish, then the stats file (if
    configured) is written with the final counts.
    """
    emulator = Emulator(config or EmulatorConfig())
    runner = web.AppRunner(
        emulator.make_app(), access_log=None, handle_signals=False, shutdown_timeout=SHUTDOWN_TIMEOUT_S
    )
    await runner.setup()
    try:
        site = web.TCPSite(runner, host, port)
        await site.start()
        bound_host, bound_port = runner.addresses[0][:2]
        shown = f"[{bound_host}]" if ":" in bound_host else bound_host
        yield RunningEmulator(f"http://{shown}:{bound_port}", bound_host, bound_port, emulator)
    finally:
        await runner.cleanup()
        if emulator.config.stats_file is not None:
            write_stats(emulator.config.stats_file, emulator.stats.snapshot())


def describe(running: RunningEmulator) -> str:
    """The start-up banner: where to point a client, and the demo credentials when they are in use."""
    config = running.config
    lines = [f"bulklike emulator listening on {running.base_url}"]
    if config.uses_demo_account:
        a = DEMO_ACCOUNT
        lines += [
            "no accounts given: using the built-in demo credentials",
            f"  BULKLIKE_CONSUMER_KEY={a.consumer_key}",
            f"  BULKLIKE_CONSUMER_SECRET={a.consumer_secret}",
            f"  BULKLIKE_ACCESS_TOKEN={a.access_token}",
            f"  BULKLIKE_ACCESS_TOKEN_SECRET={a.access_token_secret}",
            f"  BULKLIKE_BEARER_TOKEN={a.bearer_token}",
            f"  user id {a.user_id}, screen name @{a.screen_name}",
        ]
    else:
        users = ", ".join(f"{a.user_id} (@{a.screen_name})" for a in config.accounts)
        lines.append(f"accounts: {users}")
    if not config.quotas:
        lines.append("quotas: off")
    lines.append(
        f"authorize: bulklike auth --base-url {running.base_url} (PIN), or --oauth2 with any client id; "
        f"OAuth 2.0 tokens live {config.token_ttl:g} s"
    )
    lines.append(f"stats: {running.base_url}/_emulator/stats")
    return "\n".join(lines)


async def serve_forever(
    config: EmulatorConfig | None = None,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    *,
    out: TextIO | None = None,
) -> None:
    """Serve until cancelled (Ctrl-C under ``asyncio.run``), then write the stats file if asked."""
    async with run_emulator(config, host=host, port=port) as running:
        print(describe(running), file=out or sys.stdout, flush=True)
        await asyncio.Event().wait()
