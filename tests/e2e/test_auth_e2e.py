"""``bulklike auth`` end to end over real sockets: both flows, then runs that use only the stored tokens."""

from __future__ import annotations

import stat
import urllib.parse

import pytest

from bulklike.auth.tokens import TokenStore
from bulklike.emulator import DEMO_ACCOUNT
from tests.helpers.authflow import APP_ONLY, CLIENT_ID, OAUTH2_ONLY, auth_oauth2, auth_pin, store_path, stored
from tests.helpers.workspace import EmulatorFactory, Workspace, ids


@pytest.mark.slow
async def test_pin_flow_then_a_run_with_only_the_stored_tokens(workspace: Workspace, emulator: EmulatorFactory) -> None:
    ws = workspace
    async with emulator() as emu:
        result, url = await auth_pin(ws, emu, env=APP_ONLY)
        assert result.code == 0, result.stderr
        assert url.startswith(f"{emu.base_url}/oauth/authorize?oauth_token=")
        assert f"authorized @{DEMO_ACCOUNT.screen_name}" in result.stderr and "PIN: " in result.stderr
        assert result.stdout == ""
        assert stat.S_IMODE(store_path(ws).stat().st_mode) == 0o600
        entry = stored(ws)["default"]
        assert entry["kind"] == "oauth1" and entry["user_id"] == DEMO_ACCOUNT.user_id
        assert entry["access_token"] == DEMO_ACCOUNT.access_token
        path = ws.write("ids.txt", "\n".join(ids(6)) + "\n")
        before = emu.stats()["requests"]  # request token, authorize page, access token
        run = await ws.cli("run", str(path), *ws.base_args(emu), env=APP_ONLY)
        stats = emu.stats()
        accounts = await ws.cli("accounts", env=APP_ONLY)
    assert run.code == 0, run.stderr
    assert before == 3 and stats["likes"] == 6 and stats["requests"] == 9  # the user id came with the tokens
    assert accounts.code == 0 and "stored oauth1 @bulklike_demo" in accounts.stdout, accounts.stdout


async def test_a_wrong_pin_exits_3_and_saves_nothing(workspace: Workspace, emulator: EmulatorFactory) -> None:
    async with emulator() as emu:
        result, _ = await auth_pin(workspace, emu, env=APP_ONLY, pin="12345678")
    assert result.code == 3, result.stderr
    assert "the PIN was refused" in result.stderr and "wrong or expired" in result.stderr
    assert not store_path(workspace).exists()


@pytest.mark.slow
async def test_pkce_flow_through_the_loopback_listener_then_a_v2_run(
    workspace: Workspace, emulator: EmulatorFactory
) -> None:
    ws = workspace
    async with emulator() as emu:
        result, url = await auth_oauth2(ws, emu, "--profile", "phone", env=OAUTH2_ONLY)
        assert result.code == 0, result.stderr
        query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))
        assert url.startswith(f"{emu.base_url}/i/oauth2/authorize?")
        assert query["code_challenge_method"] == "S256" and query["client_id"] == CLIENT_ID
        assert query["scope"] == "tweet.read users.read like.write offline.access"
        assert "authorized @bulklike_demo (OAuth 2.0, profile phone)" in result.stderr
        entry = TokenStore(str(store_path(ws))).get("phone")
        assert entry is not None and entry.kind == "oauth2" and entry.refresh_token and entry.expires_at
        assert entry.user_id == DEMO_ACCOUNT.user_id and "like.write" in entry.scopes
        path = ws.write("ids.txt", "\n".join(ids(5)) + "\n")
        before = emu.stats()["requests"]  # authorize, token, users/me
        run = await ws.cli("run", str(path), *ws.base_args(emu), "--profile", "phone", env=OAUTH2_ONLY)
        stats = emu.stats()
        accounts = await ws.cli("accounts", env=OAUTH2_ONLY)
        logout = await ws.cli("auth", "--logout", "--profile", "phone", "--base-url", emu.base_url, env=OAUTH2_ONLY)
        after = await ws.cli("run", *ws.base_args(emu), "--profile", "phone", env=OAUTH2_ONLY)
    assert run.code == 0, run.stderr
    assert stats["code_exchanges"] == 1 and stats["likes"] == 5
    assert before == 3 and stats["requests"] == 8  # the user id came with the tokens: no users/me
    assert "phone" in accounts.stdout and "oauth2 @bulklike_demo scopes" in accounts.stdout, accounts.stdout
    assert "expires in" in accounts.stdout and "(refreshable)" in accounts.stdout
    assert logout.code == 0 and "forgot the tokens of profile phone (revoked)" in logout.stderr
    assert TokenStore(str(store_path(ws))).get("phone") is None
    assert after.code == 2 and "no profile 'phone'" in after.stderr  # gone from the store


async def test_pkce_flow_with_a_pasted_url(workspace: Workspace, emulator: EmulatorFactory) -> None:
    async with emulator() as emu:
        result, _ = await auth_oauth2(workspace, emu, env=OAUTH2_ONLY, paste=True)
        assert emu.stats()["code_exchanges"] == 1
    assert result.code == 0, result.stderr
    assert "paste the URL" in result.stderr and stored(workspace)["default"]["kind"] == "oauth2"


async def test_pkce_needs_a_client_id(workspace: Workspace, emulator: EmulatorFactory) -> None:
    async with emulator() as emu:
        env = {**OAUTH2_ONLY, "BULKLIKE_CLIENT_ID": ""}
        result = await workspace.cli("auth", "--oauth2", "--base-url", emu.base_url, "--no-browser", env=env)
    assert result.code == 2 and "client id" in result.stderr
