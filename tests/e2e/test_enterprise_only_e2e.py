"""X since 2026-04-20 end to end: likes are Enterprise-only, and every refusal of the app stops at once.

A real ``bulklike`` subprocess against the emulator on a real socket, with a real journal. Each
refusal of the app or its token (``client-forbidden`` of either reason, ``oauth1-permissions``,
``unsupported-authentication``, a daily usage cap) stops the run after at most the requests in
flight (``--concurrency``), leaves every ID pending, records nothing per tweet, and prints one line
that says what to do; never through the breaker (``5 different tweets``), never retried.
"""

from __future__ import annotations

from typing import Any

import pytest

from bulklike.emulator import DEMO_ACCOUNT
from tests.helpers.workspace import CliResult, EmulatorFactory, Workspace, ids

V1_LIKE = "POST /1.1/favorites/create.json"
V2_LIKE = "POST /2/users/{id}/likes"
V2_UNLIKE = "DELETE /2/users/{id}/likes/{tweet_id}"
CONCURRENCY = 4
TOTAL = 30
BREAKER = "different tweets in a row"


def _route(stats: dict[str, Any], route: str) -> int:
    return int(stats["by_route"].get(route, 0))


def _stopped(result: CliResult, workspace: Workspace, *, code: int = 3) -> str:
    """The run stopped with ``code``, all TOTAL IDs pending, nothing written per tweet; the error text."""
    assert result.code == code, result.stderr
    assert "Traceback" not in result.stderr and BREAKER not in result.stderr
    assert workspace.statuses() == {"pending": TOTAL}
    assert result.results == []  # no result line: nothing was decided about any tweet
    return result.stderr


def _error_line(stderr: str) -> str:
    """The one ``bulklike: error:`` line (the summary and the JSON log events are the rest)."""
    lines = [line for line in stderr.splitlines() if line.startswith("bulklike: error:")]
    assert len(lines) == 1, stderr
    return lines[0]


async def test_self_serve_under_auto_is_one_stop_on_neither_api(
    workspace: Workspace, emulator: EmulatorFactory
) -> None:
    path = workspace.write("ids.txt", "\n".join(ids(TOTAL)) + "\n")
    async with emulator(access_level="self-serve") as emu:
        result = await workspace.cli("run", str(path), *workspace.base_args(emu))  # --api auto, the default
        stats = emu.stats()
    line = _error_line(_stopped(result, workspace))
    assert "this app can like on neither API: v1.1 answered 453" in line
    assert "since 2026-04-20 likes and unlikes need an Enterprise plan" in line
    assert "'Appropriate Level of API Access' at https://developer.x.com/en/portal/product" in line
    assert "client-not-enrolled" in line
    assert result.stderr.count("can like on neither API") == 1  # one message, however many workers got it
    assert result.stderr.count('"event": "api_switch"') == 1  # one move to v2, never back: no loop
    assert _route(stats, V1_LIKE) <= CONCURRENCY and _route(stats, V2_LIKE) <= CONCURRENCY
    assert stats["likes"] == 0 and stats["billed"] == 0


async def test_self_serve_on_v2_says_enterprise_only(workspace: Workspace, emulator: EmulatorFactory) -> None:
    path = workspace.write("ids.txt", "\n".join(ids(TOTAL)) + "\n")
    async with emulator(access_level="self-serve", client_forbidden_reason="official-client-forbidden") as emu:
        result = await workspace.cli("run", str(path), *workspace.base_args(emu), "--api", "v2")
        stats = emu.stats()
    line = _error_line(_stopped(result, workspace))
    assert "Client Forbidden" in line and "(official-client-forbidden)" in line
    assert "since 2026-04-20 likes and unlikes need an Enterprise plan" in line and "neither" not in line
    assert _route(stats, V2_LIKE) <= CONCURRENCY and _route(stats, V1_LIKE) == 0
    assert stats["by_route"].get("GET /2/users/me") == 1  # reads work at this level: the account is known


@pytest.mark.slow
async def test_self_serve_undo_is_refused_too_and_keeps_every_like(
    workspace: Workspace, emulator: EmulatorFactory
) -> None:
    path = workspace.write("ids.txt", "\n".join(ids(TOTAL)) + "\n")
    async with emulator() as emu:  # Enterprise: everything works
        liked = await workspace.cli("run", str(path), *workspace.base_args(emu), "--api", "v2")
    async with emulator(access_level="self-serve") as emu:
        undone = await workspace.cli("undo", *workspace.base_args(emu), "--api", "v2")
        stats = emu.stats()
    assert liked.code == 0, liked.stderr
    assert undone.code == 3, undone.stderr
    assert "Enterprise plan" in _error_line(undone.stderr) and BREAKER not in undone.stderr
    assert workspace.statuses() == {"liked": TOTAL} and undone.results == []
    assert _route(stats, V2_UNLIKE) <= CONCURRENCY


async def test_a_read_only_app_is_told_to_set_read_and_write(workspace: Workspace, emulator: EmulatorFactory) -> None:
    path = workspace.write("ids.txt", "\n".join(ids(TOTAL)) + "\n")
    async with emulator(read_only_app=True) as emu:
        result = await workspace.cli("run", str(path), *workspace.base_args(emu), "--api", "v2")
        stats = emu.stats()
    line = _error_line(_stopped(result, workspace))
    assert "the app is Read only — set Read and write in the app's settings" in line
    assert "regenerate the access token, run `bulklike auth` again" in line
    assert stats["account_refusals"] == {"read_only_app": _route(stats, V2_LIKE)}
    assert _route(stats, V2_LIKE) <= CONCURRENCY


@pytest.mark.slow
async def test_an_app_only_bearer_token_is_told_to_use_a_user_token(
    workspace: Workspace, emulator: EmulatorFactory
) -> None:
    path = workspace.write("ids.txt", "\n".join(ids(TOTAL)) + "\n")
    env = {name: "" for name in workspace.env if name.startswith("BULKLIKE_")}
    env["BULKLIKE_BEARER_TOKEN"] = DEMO_ACCOUNT.bearer_token
    async with emulator(app_only_bearer=True) as emu:
        args = [*workspace.base_args(emu), "--user-id", DEMO_ACCOUNT.user_id]  # straight to the like endpoint
        result = await workspace.cli("run", str(path), *args, env=env)
        other = ["--journal", str(workspace.path / "b.db")]
        lookup = await workspace.cli("run", str(path), *workspace.base_args(emu), *other, env=env)
        stats = emu.stats()
    line = _error_line(_stopped(result, workspace))
    assert "an app-only bearer token was given — use a user token: `bulklike auth --oauth2`" in line
    assert _route(stats, V2_LIKE) <= CONCURRENCY and _route(stats, V1_LIKE) == 0
    # without the id, users/me (which needs a user too) says the same before any like
    assert lookup.code == 3 and "app-only bearer token" in _error_line(lookup.stderr)


async def test_a_daily_usage_cap_is_exit_75_resume_tomorrow(workspace: Workspace, emulator: EmulatorFactory) -> None:
    path = workspace.write("ids.txt", "\n".join(ids(TOTAL)) + "\n")
    async with emulator(usage_cap=0, usage_cap_period="Daily") as emu:
        result = await workspace.cli("run", str(path), *workspace.base_args(emu), "--api", "v2")
        stats = emu.stats()
    stderr = _stopped(result, workspace, code=75)
    assert "daily account usage cap is reached" in stderr and "resume tomorrow" in stderr
    assert "to resume" in stderr  # the summary's resume command, as for every exit 75
    assert stats["account_refusals"]["usage_capped"] <= CONCURRENCY


@pytest.mark.slow
async def test_the_dry_run_notes_enterprise_only_on_xs_own_host(
    workspace: Workspace, emulator: EmulatorFactory
) -> None:
    path = workspace.write("ids.txt", "\n".join(ids(3)) + "\n")
    local = ["--journal", str(workspace.journal), "--ledger", str(workspace.ledger), "--dry-run"]
    note = "note:     likes and unlikes through X's API need an Enterprise plan since 2026-04-20"
    async with emulator() as emu:
        on_emulator = await workspace.cli("run", str(path), *workspace.base_args(emu), "--dry-run")
    on_x = await workspace.cli("run", str(path), *local)  # the default host: https://api.x.com
    on_old_host = await workspace.cli("run", str(path), *local, "--base-url", "https://api.twitter.com")
    assert on_emulator.code == on_x.code == on_old_host.code == 0, on_x.stderr
    assert note in on_x.stderr and note in on_old_host.stderr
    assert "note:" not in on_emulator.stderr


@pytest.mark.slow
async def test_undo_spends_the_same_24_hour_allowance_as_likes(workspace: Workspace, emulator: EmulatorFactory) -> None:
    path = workspace.write("ids.txt", "\n".join(ids(4)) + "\n")
    quota = ["--quota", "10/24h"]
    async with emulator() as emu:
        liked = await workspace.cli("run", str(path), *workspace.base_args(emu), *quota)
        undone = await workspace.cli("undo", *workspace.base_args(emu), *quota)
        plan = await workspace.cli("run", *workspace.base_args(emu), *quota, "--dry-run")
    assert liked.code == undone.code == plan.code == 0, undone.stderr
    assert workspace.statuses() == {"unliked": 4}
    left = [line for line in plan.stderr.splitlines() if "quota:    user" in line]
    assert len(left) == 1 and left[0].endswith(": 2 left now"), plan.stderr  # X: "shared with DELETE"
