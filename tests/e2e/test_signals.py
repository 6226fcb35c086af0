"""SIGINT and SIGTERM end to end: the requests on the wire finish and are recorded, the summary is
printed, exit 130/143; a second SIGINT stops at once and leaves a consistent journal that resumes."""

from __future__ import annotations

import asyncio
import json
import signal

import pytest

from bulklike.emulator import DEMO_ACCOUNT
from tests.helpers.journal import journal_problems
from tests.helpers.waiting import line_with, until
from tests.helpers.workspace import EmulatorFactory, Workspace, ids

pytestmark = pytest.mark.timeout(60)


@pytest.mark.slow
@pytest.mark.parametrize(("sig", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
async def test_signal_finishes_requests_in_flight_and_records_them(
    workspace: Workspace, emulator: EmulatorFactory, sig: signal.Signals, code: int
) -> None:
    path = workspace.write("ids.txt", "\n".join(ids(60)) + "\n")
    async with emulator(latency_ms=600) as emu:  # each request takes 0.3-0.9 s: some are always on the wire
        proc = await workspace.start("run", str(path), *workspace.base_args(emu), "--concurrency", "4")
        assert proc.stdout is not None
        before = [json.loads(await asyncio.wait_for(proc.stdout.readline(), 20)) for _ in range(3)]
        seen_at_signal = emu.stats()["requests"]
        proc.send_signal(sig)
        out, err = await asyncio.wait_for(proc.communicate(), 20)
        stats = emu.stats()
    after = [json.loads(line) for line in out.decode().splitlines()]
    stderr = err.decode()
    assert proc.returncode == code, stderr
    assert after, "the requests on the wire when the signal came were not reported"
    # the requests on the wire, then the summary: never a new request (at most the 4 on the wire reach
    # the server after the signal; the rest of the 60 are never sent)
    assert stats["requests"] - seen_at_signal <= 4, (seen_at_signal, stats["requests"])
    rows = workspace.rows()
    liked = {t for t, row in rows.items() if row[0] == "liked"}
    assert liked == {r["tweet_id"] for r in before + after}
    # every request that reached the server was answered, recorded and reported: none lost
    assert stats["requests"] - 1 == stats["likes"] == len(liked)  # the first one asked who the account is
    assert all(row[0] == "pending" and row[1] == 0 for t, row in rows.items() if t not in liked)
    assert '"event": "stopping"' in stderr
    assert "run stopped after" in stderr and f"(exit {code})" in stderr and "to resume: bulklike run" in stderr
    assert "Traceback" not in stderr
    assert journal_problems(workspace.journal) == []


@pytest.mark.slow
async def test_second_sigint_stops_at_once_journal_consistent_and_resumable(
    workspace: Workspace, emulator: EmulatorFactory
) -> None:
    path = workspace.write("ids.txt", "\n".join(ids(30)) + "\n")
    async with emulator(latency_ms=10_000) as emu:  # each request takes 5-15 s
        # --user-id names the account: no lookup first (it would take 5-15 s here)
        args = [*workspace.base_args(emu), "--concurrency", "3", "--user-id", DEMO_ACCOUNT.user_id]
        proc = await workspace.start("run", str(path), *args)
        await until(lambda: emu.stats()["requests"] >= 3, within=20)
        assert emu.stats()["requests"] == 3  # three requests on the wire, none answered yet
        proc.send_signal(signal.SIGINT)
        assert proc.stderr is not None
        first = await line_with(proc.stderr, '"event": "stopping"', within=20)
        assert proc.returncode is None  # the first SIGINT waits for the requests in flight
        proc.send_signal(signal.SIGINT)
        out, err = await asyncio.wait_for(proc.communicate(), 20)
        stats = emu.stats()
    stderr = "".join(first) + err.decode()
    assert proc.returncode == 130, stderr
    assert stats["requests"] == 3, stats  # no request after the first SIGINT
    assert out == b""
    assert "run stopped after" in stderr and "Traceback" not in stderr
    assert journal_problems(workspace.journal) == []
    # it did not wait for the requests on the wire (5-15 s each): none was answered, so none is terminal
    assert workspace.statuses() == {"pending": 30}
    async with emulator() as emu:
        resumed = await workspace.cli("run", *workspace.base_args(emu))
    assert resumed.code == 0, resumed.stderr
    assert workspace.statuses() == {"liked": 30}
    assert journal_problems(workspace.journal) == []
