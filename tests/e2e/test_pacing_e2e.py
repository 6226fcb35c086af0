"""Pacing against the emulator with accelerated windows (20 per 4 s): never over, fully used,
across a restart, two concurrent runs of one account, two accounts of one app, and a server whose
limit is lower than the one configured.

The finish-time checks are about pacing correctness, not speed: finishing *before* the ideal time
would mean a window held too many sends; finishing much later would mean quota left unused.
"""

from __future__ import annotations

import asyncio
import sqlite3
from dataclasses import replace
from typing import Any

import pytest

from bulklike.emulator import DEMO_ACCOUNT, RunningEmulator
from bulklike.pacing.limits import Limit
from tests.helpers.workspace import EmulatorFactory, Workspace, ids

QUOTA = Limit(20, 4.0)
pytestmark = pytest.mark.timeout(90)


def _span(journal: str) -> float:
    """Seconds from the first to the last recorded like of a journal."""
    with sqlite3.connect(journal) as conn:
        first, last = conn.execute("SELECT min(finished_at), max(finished_at) FROM items").fetchone()
    return float(last - first)


def _max_in_window(stats: dict[str, Any], scope: str, limit: Limit = QUOTA) -> int:
    return next(
        int(m["max"])
        for m in stats["max_in_window"]
        if m["scope"] == scope and m["limit"] == limit.count and m["window_s"] == limit.window_s
    )


def _args(workspace: Workspace, emu: RunningEmulator, journal: str | None = None) -> list[str]:
    args = [*workspace.base_args(emu), "--quota", "20/4s", "--app-quota", "1000/1h"]
    if journal is not None:
        args[args.index("--journal") + 1] = journal
    return args


@pytest.mark.slow
@pytest.mark.parametrize("window", ["rolling", "fixed"])
async def test_paced_run_never_over_and_uses_the_quota(
    workspace: Workspace, emulator: EmulatorFactory, window: str
) -> None:
    path = workspace.write("ids.txt", "\n".join(ids(60)) + "\n")
    async with emulator(user_limits=(QUOTA,), window=window) as emu:
        result = await workspace.cli("run", str(path), *_args(workspace, emu))
        stats = emu.stats()
    assert result.code == 0, result.stderr
    assert stats["rate_limited"] == 0
    assert workspace.statuses() == {"liked": 60}
    assert _max_in_window(stats, "user") == 20
    # 60 sends at 20 per 4 s: the last batch can start no sooner than 8 s after the first.
    span = _span(str(workspace.journal))
    assert 8.0 <= span <= 8.0 * 1.05 + 0.5, span


@pytest.mark.slow
async def test_restart_in_the_middle_keeps_the_window(workspace: Workspace, emulator: EmulatorFactory) -> None:
    path = workspace.write("ids.txt", "\n".join(ids(50)) + "\n")
    async with emulator(user_limits=(QUOTA,)) as emu:
        first = await workspace.cli("run", str(path), *_args(workspace, emu), "--max-likes", "25")
        second = await workspace.cli("run", *_args(workspace, emu))
        stats = emu.stats()
    assert first.code == 75 and second.code == 0, second.stderr
    assert stats["rate_limited"] == 0
    assert _max_in_window(stats, "user") == 20
    assert workspace.statuses() == {"liked": 50}
    # The ideal is measured from when the second run began, so a slow process start (a loaded machine)
    # does not count against pacing: from then the last 5 wait for the first 20 sends to leave the window.
    with sqlite3.connect(str(workspace.journal)) as conn:
        (first_sent,) = conn.execute("SELECT min(finished_at) FROM items").fetchone()
        (resumed,) = conn.execute("SELECT max(started_at) FROM runs").fetchone()
    span = _span(str(workspace.journal))
    assert 8.0 <= span <= max(8.0, resumed - first_sent + 4.0) * 1.05 + 1.0, (span, resumed - first_sent)


@pytest.mark.slow
async def test_two_concurrent_runs_share_one_account(workspace: Workspace, emulator: EmulatorFactory) -> None:
    a = workspace.write("a.txt", "\n".join(ids(30, start=1_000)) + "\n")
    b = workspace.write("b.txt", "\n".join(ids(30, start=2_000)) + "\n")
    async with emulator(user_limits=(QUOTA,)) as emu:
        runs = await asyncio.gather(
            workspace.cli("run", str(a), *_args(workspace, emu, str(workspace.path / "a.db"))),
            workspace.cli("run", str(b), *_args(workspace, emu, str(workspace.path / "b.db"))),
        )
        stats = emu.stats()
    assert [r.code for r in runs] == [0, 0], [r.stderr for r in runs]
    assert stats["rate_limited"] == 0 and stats["likes"] == 60
    assert _max_in_window(stats, "user") == 20


@pytest.mark.slow
async def test_two_accounts_of_one_app_share_the_app_limit(workspace: Workspace, emulator: EmulatorFactory) -> None:
    second = replace(
        DEMO_ACCOUNT,
        user_id="1500000000000000002",
        screen_name="second",
        access_token="1500000000000000002-secondtoken00000000000000000",
        access_token_secret="second-token-secret-0000000000000000000000",
    )
    a = workspace.write("a.txt", "\n".join(ids(25, start=1_000)) + "\n")
    b = workspace.write("b.txt", "\n".join(ids(25, start=2_000)) + "\n")
    async with emulator(
        accounts=(DEMO_ACCOUNT, second), user_limits=(Limit(1000, 3600.0),), app_limits=(QUOTA,)
    ) as emu:
        base = [*workspace.base_args(emu), "--quota", "1000/1h", "--app-quota", "20/4s"]
        env_b = {
            "BULKLIKE_ACCESS_TOKEN": second.access_token,
            "BULKLIKE_ACCESS_TOKEN_SECRET": second.access_token_secret,
        }
        runs = await asyncio.gather(
            workspace.cli("run", str(a), *base, "--journal", str(workspace.path / "a.db")),
            workspace.cli("run", str(b), *base, "--journal", str(workspace.path / "b.db"), env=env_b),
        )
        stats = emu.stats()
    assert [r.code for r in runs] == [0, 0], [r.stderr for r in runs]
    assert stats["rate_limited"] == 0 and stats["likes"] == 50
    assert _max_in_window(stats, "app") == 20


@pytest.mark.slow
async def test_server_limit_lower_than_configured(workspace: Workspace, emulator: EmulatorFactory) -> None:
    path = workspace.write("ids.txt", "\n".join(ids(40)) + "\n")
    server = Limit(10, 4.0)
    async with emulator(user_limits=(server,)) as emu:
        result = await workspace.cli("run", str(path), *_args(workspace, emu))
        stats = emu.stats()
    assert result.code == 0, result.stderr
    assert workspace.statuses() == {"liked": 40}  # none failed: a 429 never spends an attempt
    assert all(r["attempts"] == 1 for r in result.results)
    assert _max_in_window(stats, "user", server) == 10
    # After the first refusals the run keeps to the server's count: at most the requests in flight
    # (concurrency 4) are refused per episode, and there are few episodes.
    assert 0 < stats["rate_limited"] <= 12, stats["rate_limited"]
    assert f"; {stats['rate_limited']} refused with 429" in result.stderr  # the summary says so
