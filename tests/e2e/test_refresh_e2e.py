"""Staying authorized: a v2 run outlives several 2-second tokens, survives SIGKILL after a refresh, and
stops with exit 3 (every unsent ID pending) when the refresh token is refused."""

from __future__ import annotations

import asyncio
import json
import signal
import urllib.parse

import aiohttp
import pytest

from tests.helpers.authflow import CLIENT_ID, OAUTH2_ONLY, auth_oauth2, store_path, stored
from tests.helpers.readonly import read_only_dir
from tests.helpers.waiting import until
from tests.helpers.workspace import EmulatorFactory, Workspace, ids

pytestmark = pytest.mark.timeout(120)


@pytest.mark.slow
async def test_a_run_outlives_several_tokens(workspace: Workspace, emulator: EmulatorFactory) -> None:
    ws = workspace
    path = ws.write("ids.txt", "\n".join(ids(30)) + "\n")
    async with emulator(token_ttl=2.0) as emu:
        auth, _ = await auth_oauth2(ws, emu, env=OAUTH2_ONLY)
        assert auth.code == 0, auth.stderr
        # 30 sends 0.25 s apart: more than 7 s, so more than three 2-second tokens
        run = await ws.cli("run", str(path), *ws.base_args(emu), "--min-interval", "0.25", env=OAUTH2_ONLY)
        stats = emu.stats()
        issued = emu.emulator.flows.issued()
    assert run.code == 0, run.stderr
    assert ws.statuses() == {"liked": 30} and stats["likes"] == 30
    assert stats["refreshes"] >= 3, stats
    assert stats["refused_refresh_tokens"] == 0  # no refresh token used twice
    assert stats["expired_token_requests"] <= stats["refreshes"], stats
    assert all(r["attempts"] == 1 for r in run.results)  # a 401 then a resend spends no attempt
    entry = stored(ws)["default"]
    assert [entry["access_token"], entry["refresh_token"]] == issued[-2:]  # the last pair issued is on disk


@pytest.mark.slow
async def test_killed_after_a_refresh_then_resumed(workspace: Workspace, emulator: EmulatorFactory) -> None:
    ws = workspace
    path = ws.write("ids.txt", "\n".join(ids(40)) + "\n")
    async with emulator(token_ttl=2.0) as emu:
        auth, _ = await auth_oauth2(ws, emu, env=OAUTH2_ONLY)
        assert auth.code == 0, auth.stderr
        issued = stored(ws)["default"]["refresh_token"]
        proc = await ws.start("run", str(path), *ws.base_args(emu), "--min-interval", "0.25", env=OAUTH2_ONLY)

        def refreshed_and_saved() -> bool:
            if proc.returncode is not None:
                raise AssertionError(f"the run ended (exit {proc.returncode}) before a refresh was saved")
            return bool(stored(ws)["default"]["refresh_token"] != issued)

        await until(refreshed_and_saved, within=60)
        proc.send_signal(signal.SIGKILL)
        await proc.communicate()
        killed = emu.stats()
        resumed = await ws.cli("run", *ws.base_args(emu), env=OAUTH2_ONLY)
        stats = emu.stats()
    assert proc.returncode == -signal.SIGKILL
    assert killed["refreshes"] >= 1 and killed["likes"] < 40
    assert resumed.code == 0, resumed.stderr
    assert stats["refused_refresh_tokens"] == 0
    assert set(ws.statuses()) <= {"liked", "already_liked"} and sum(ws.statuses().values()) == 40
    assert stats["liked_now"] == 40


@pytest.mark.slow
async def test_a_refused_refresh_stops_with_exit_3_and_everything_pending(
    workspace: Workspace, emulator: EmulatorFactory
) -> None:
    ws = workspace
    path = ws.write("ids.txt", "\n".join(ids(8)) + "\n")
    async with emulator() as emu:
        auth, _ = await auth_oauth2(ws, emu, "--profile", "night", env=OAUTH2_ONLY)
        assert auth.code == 0, auth.stderr
        entry = stored(ws)["night"]
        async with aiohttp.ClientSession() as session:  # revoked elsewhere (the app settings, another tool)
            for token in (entry["access_token"], entry["refresh_token"]):
                body = urllib.parse.urlencode({"token": token, "client_id": CLIENT_ID})
                headers = {"Content-Type": "application/x-www-form-urlencoded"}
                async with session.post(f"{emu.base_url}/2/oauth2/revoke", data=body, headers=headers) as resp:
                    assert json.loads(await resp.read()) == {"revoked": True}
        run = await ws.cli("run", str(path), *ws.base_args(emu), "--profile", "night", env=OAUTH2_ONLY)
        stats = emu.stats()
    assert run.code == 3, run.stderr
    assert "run `bulklike auth --oauth2 --profile night` again" in run.stderr
    assert "refused" in run.stderr and "Traceback" not in run.stderr
    assert ws.statuses() == {"pending": 8} and stats["likes"] == 0
    assert stats["refused_refresh_tokens"] == 1  # tried once, not once per worker
    assert {row[1] for row in ws.rows().values()} == {0}  # no attempt spent


@pytest.mark.slow
async def test_an_unwritable_token_store_stops_before_the_refresh_is_spent(
    workspace: Workspace, emulator: EmulatorFactory
) -> None:
    """The store cannot take the rotated token (read-only here; locked or full alike): once, the
    refresh was spent at the server, the save failed, and the tokens were dead. Now nothing is asked
    until the store is proven writable under its lock, and the run after the fix goes on."""
    ws = workspace
    path = ws.write("ids.txt", "\n".join(ids(12)) + "\n")
    async with emulator(token_ttl=2.0) as emu:
        auth, _ = await auth_oauth2(ws, emu, env=OAUTH2_ONLY)
        assert auth.code == 0, auth.stderr
        await asyncio.sleep(2.1)  # the access token has expired: the run's first request refreshes
        folder = store_path(ws).parent
        with read_only_dir(folder):
            stopped = await ws.cli("run", str(path), *ws.base_args(emu), env=OAUTH2_ONLY)
        spent = emu.stats()
        resumed = await ws.cli("run", *ws.base_args(emu), "--min-interval", "0.25", env=OAUTH2_ONLY)
        stats = emu.stats()
    assert stopped.code == 2, stopped.stderr
    assert "cannot write the token store" in stopped.stderr and "Traceback" not in stopped.stderr
    assert spent["refreshes"] == 0 and spent["likes"] == 0  # nothing asked, nothing sent
    assert resumed.code == 0, resumed.stderr
    assert stats["refused_refresh_tokens"] == 0 and stats["refreshes"] >= 1
    assert ws.statuses() == {"liked": 12}
