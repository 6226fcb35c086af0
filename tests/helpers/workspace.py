"""The CLI under test as a real subprocess in a temporary workspace, and the emulator factory's type.

``Workspace.cli`` starts ``python -m bulklike`` asynchronously, so an emulator served by the test's own
event loop keeps answering while the CLI runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sqlite3
import sys
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from bulklike.emulator import DEMO_ACCOUNT, RunningEmulator

DEMO_ENV = {
    "BULKLIKE_CONSUMER_KEY": DEMO_ACCOUNT.consumer_key,
    "BULKLIKE_CONSUMER_SECRET": DEMO_ACCOUNT.consumer_secret,
    "BULKLIKE_ACCESS_TOKEN": DEMO_ACCOUNT.access_token,
    "BULKLIKE_ACCESS_TOKEN_SECRET": DEMO_ACCOUNT.access_token_secret,
}
ROOT = Path(__file__).resolve().parents[2]  # the repository


@dataclass
class CliResult:
    """One finished CLI run: exit code, both streams, and stdout's JSON result lines."""

    code: int
    stdout: str
    stderr: str
    results: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.results = [json.loads(line) for line in self.stdout.splitlines() if line.startswith("{")]


@dataclass
class Workspace:
    """A temporary folder with a journal, a ledger, the demo credentials and a CLI runner."""

    path: Path
    env: dict[str, str]
    #: every CLI process started here; the ``workspace`` fixture kills those still running at teardown
    procs: list[asyncio.subprocess.Process] = field(default_factory=list, repr=False)

    @property
    def journal(self) -> Path:
        return self.path / "journal.db"

    @property
    def ledger(self) -> Path:
        return self.path / "ledger.sqlite3"

    def write(self, name: str, text: str | bytes) -> Path:
        target = self.path / name
        target.write_bytes(text.encode() if isinstance(text, str) else text)
        return target

    def base_args(self, emu: RunningEmulator) -> list[str]:
        return [
            "--base-url",
            emu.base_url,
            "--journal",
            str(self.journal),
            "--ledger",
            str(self.ledger),
            "--min-interval",
            "0",
            "--log-format",
            "json",
            "--no-progress",
        ]

    async def start(
        self,
        *args: str,
        stdin: bytes | IO[Any] | None = None,
        env: dict[str, str] | None = None,
        preexec_fn: Callable[[], object] | None = None,
        stdout: int | IO[Any] = asyncio.subprocess.PIPE,
    ) -> asyncio.subprocess.Process:
        """Start ``python -m bulklike ARGS``; ``preexec_fn`` sets up the child (limits, umask); ``stdin``
        bytes to send (a pipe) or a file to read; ``stdout`` a pipe to read, or a file or descriptor."""
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bulklike",
            *args,
            cwd=self.path,
            stdin=asyncio.subprocess.PIPE
            if isinstance(stdin, bytes)
            else stdin
            if stdin is not None
            else asyncio.subprocess.DEVNULL,
            stdout=stdout,
            stderr=asyncio.subprocess.PIPE,
            env={**self.env, **(env or {})},
            preexec_fn=preexec_fn,
        )
        self.procs.append(proc)
        return proc

    def kill_leftovers(self) -> None:
        """SIGKILL every CLI process of this workspace still running: a failed or timed-out test
        leaves no process behind, whatever happened."""
        for proc in self.procs:
            if proc.returncode is None:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(proc.pid, signal.SIGKILL)

    async def cli(
        self, *args: str, stdin: bytes | None = None, env: dict[str, str] | None = None, timeout: float = 60.0
    ) -> CliResult:
        proc = await self.start(*args, stdin=stdin, env=env)
        out, err = await asyncio.wait_for(proc.communicate(stdin), timeout)
        assert proc.returncode is not None
        return CliResult(proc.returncode, out.decode(), err.decode())

    def rows(self) -> dict[str | None, tuple[Any, ...]]:
        """tweet_id -> (status, attempts, http_status, error_code) straight from the journal file."""
        with sqlite3.connect(self.journal) as conn:
            rows = conn.execute("SELECT tweet_id, status, attempts, http_status, error_code FROM items").fetchall()
        return {r[0]: tuple(r[1:]) for r in rows}

    def statuses(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for status, *_ in self.rows().values():
            counts[status] = counts.get(status, 0) + 1
        return counts


#: the ``emulator`` fixture: ``async with emulator(**EmulatorConfig fields) as emu``
EmulatorFactory = Callable[..., AbstractAsyncContextManager[RunningEmulator]]


def ids(n: int, start: int = 1_000_000) -> list[str]:
    """``n`` consecutive tweet IDs as strings."""
    return [str(start + i) for i in range(n)]
