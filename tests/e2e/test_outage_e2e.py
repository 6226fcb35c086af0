"""An outage survived: the emulator (a separate process) stops in the middle of a run for longer
than the retry budget and comes back on the same port; the run waits, then finishes.

The retry budget here is ``--max-attempts 3`` (waits of about 1 s and 2 s): without the outage
wait, every ID sent during the ~12 s gap would end ``failed`` after its three attempts.
"""

from __future__ import annotations

import asyncio
import random
import signal
import socket
import sqlite3
import sys

import pytest

from tests.helpers.workspace import Workspace, ids

pytestmark = pytest.mark.timeout(120)

OUTAGE_S = 12.0


def _free_port() -> int:
    """A free port below the kernel's ephemeral range: while the emulator is down for the outage, no
    other test's ``bind(port 0)`` (tests run in parallel) can be handed it, so the restart gets it back
    and the refused connections really are refused."""
    for port in random.sample(range(20000, 32768), 200):  # Linux hands out 32768+, macOS 49152+
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port below the ephemeral range")


async def _emulator(workspace: Workspace, port: int) -> asyncio.subprocess.Process:
    """``bulklike emulate`` on ``port``, once it listens (its banner is printed after binding)."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bulklike",
        "emulate",
        "--port",
        str(port),
        "--no-quota",
        cwd=workspace.path,
        env=workspace.env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
    )
    assert proc.stdout is not None
    line = await asyncio.wait_for(proc.stdout.readline(), 30)
    assert b"listening on" in line, line
    return proc


async def _stop(proc: asyncio.subprocess.Process) -> None:
    proc.send_signal(signal.SIGINT)  # a clean shutdown: the port is free for the restart
    await asyncio.wait_for(proc.wait(), 30)


@pytest.mark.slow
async def test_api_gone_longer_than_the_retry_budget_and_back(workspace: Workspace) -> None:
    port = _free_port()
    n = 40
    path = workspace.write("ids.txt", "\n".join(ids(n)) + "\n")
    emu = await _emulator(workspace, port)
    args = [
        "run",
        str(path),
        "--base-url",
        f"http://127.0.0.1:{port}",
        "--journal",
        str(workspace.journal),
        "--ledger",
        str(workspace.ledger),
        "--min-interval",
        "0.1",
        "--max-attempts",
        "3",
        "--log-format",
        "json",
        "--no-progress",
    ]
    run = await workspace.start(*args)
    assert run.stderr is not None
    log: list[str] = []
    try:
        while sum('"event": "outcome"' in line for line in log) < 10:  # well into the run
            log.append((await asyncio.wait_for(run.stderr.readline(), 30)).decode())
        await _stop(emu)
        pumping = asyncio.ensure_future(_pump(run, log))
        await asyncio.sleep(OUTAGE_S)
        emu = await _emulator(workspace, port)
        code = await asyncio.wait_for(run.wait(), 90)
        await pumping
    finally:
        for proc in (run, emu):
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
    text = "".join(log)
    assert code == 0, text[-3000:]
    assert "waiting for the API to be reachable" in text and "the API is reachable again" in text
    with sqlite3.connect(workspace.journal) as conn:
        rows = conn.execute("SELECT status, attempts FROM items").fetchall()
    assert len(rows) == n and {status for status, _ in rows} == {"liked"}  # none failed
    # attempts not spent on the outage: only a request caught on the wire by the shutdown may retry
    assert max(attempts for _, attempts in rows) <= 2
    assert sum(attempts > 1 for _, attempts in rows) <= 4


async def _pump(proc: asyncio.subprocess.Process, log: list[str]) -> None:
    assert proc.stderr is not None
    async for line in proc.stderr:
        log.append(line.decode())


@pytest.mark.slow
async def test_api_never_back_stops_after_offline_timeout_with_all_pending(workspace: Workspace) -> None:
    port = _free_port()  # nobody listens: connection refused
    path = workspace.write("ids.txt", "\n".join(ids(5)) + "\n")
    result = await workspace.cli(
        "run",
        str(path),
        "--base-url",
        f"http://127.0.0.1:{port}",
        "--journal",
        str(workspace.journal),
        "--ledger",
        str(workspace.ledger),
        "--offline-timeout",
        "3s",
        "--log-format",
        "json",
        "--no-progress",
    )
    assert result.code == 75, result.stderr
    assert "waiting for the API to be reachable" in result.stderr
    assert "the API never answered this run (3 s): is --base-url right?" in result.stderr  # not an outage
    assert f"to resume: bulklike run --journal {workspace.journal}" in result.stderr
    assert workspace.statuses() == {"pending": 5}
    assert {row[1] for row in workspace.rows().values()} == {0}  # no attempt spent
    with sqlite3.connect(workspace.ledger) as conn:
        assert conn.execute("SELECT count(*) FROM sends WHERE until > 0").fetchone()[0] == 0  # slots given back
