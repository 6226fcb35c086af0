"""``bulklike accounts --check``: each profile with its own credentials; refused vs unreachable; likes."""

from __future__ import annotations

import os
import socket

import pytest

from bulklike.emulator import DEMO_ACCOUNT
from tests.helpers.authflow import OAUTH2_ONLY, auth_oauth2, revoke, stored
from tests.helpers.workspace import EmulatorFactory, Workspace


def _config(workspace: Workspace, base_url: str) -> None:
    a = DEMO_ACCOUNT
    path = workspace.write(
        "bulklike.toml",
        f"""
base_url = "{base_url}"

[profiles.good]
consumer_key = "{a.consumer_key}"
consumer_secret = "{a.consumer_secret}"
access_token = "{a.access_token}"
access_token_secret = "{a.access_token_secret}"

[profiles.badtoken]
consumer_key = "{a.consumer_key}"
consumer_secret = "{a.consumer_secret}"
access_token = "{a.access_token}"
access_token_secret = "not-the-secret-at-all"

[profiles.bearer]
bearer_token = "{a.bearer_token}"
""",
    )
    os.chmod(path, 0o600)


def _lines(stdout: str) -> dict[str, str]:
    return {line.split()[0]: line for line in stdout.splitlines()}


async def test_a_profile_with_a_bad_token_is_refused_even_with_good_variables(
    workspace: Workspace, emulator: EmulatorFactory
) -> None:
    async with emulator() as emu:
        _config(workspace, emu.base_url)
        result = await workspace.cli("accounts", "--check")  # the demo's good BULKLIKE_* variables are set
    assert result.code == 3, result.stdout + result.stderr
    lines = _lines(result.stdout)
    assert "REFUSED" in lines["badtoken"] and "Could not authenticate you" in lines["badtoken"]
    assert f"ok @{DEMO_ACCOUNT.screen_name}" in lines["good"]
    assert "(default)" in lines and "ok" in lines["(default)"]  # the variables themselves are fine
    assert "v1.1 verify_credentials accepted the credentials" in lines["good"]  # Enterprise: v1.1 answered
    assert "api v2 " in lines["bearer"] and "v2 users/me accepted" in lines["bearer"]  # auto with a bearer is v2
    assert all("likes: " not in line for line in lines.values())  # no API is said to have likes


@pytest.mark.slow
async def test_below_enterprise_the_check_says_what_453_proves(workspace: Workspace, emulator: EmulatorFactory) -> None:
    async with emulator(access_level="pro") as emu:
        result = await workspace.cli("accounts", "--check", "--base-url", emu.base_url)
        stats = emu.stats()
    assert result.code == 0, result.stdout + result.stderr
    line = _lines(result.stdout)["(default)"]
    assert "v1.1 answered 453" in line and "only a like shows it" in line and "likes: v2" not in line
    assert stats["likes"] == 0 and stats["billed"] == 0  # nothing liked to find out


@pytest.mark.slow
async def test_an_unreachable_api_is_not_a_refusal(workspace: Workspace) -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    _config(workspace, base)
    result = await workspace.cli("accounts", "--check", "--base-url", base)
    assert result.code == 1, result.stdout + result.stderr  # not checked: neither ok nor 3
    assert "refused" not in (result.stdout + result.stderr).lower()
    lines = _lines(result.stdout)
    assert set(lines) == {"(default)", "good", "badtoken", "bearer"}
    assert all("NOT CHECKED: no answer from" in line for line in lines.values())


async def test_self_serve_check_proves_the_credentials_never_v2_likes(
    workspace: Workspace, emulator: EmulatorFactory
) -> None:
    async with emulator(access_level="self-serve") as emu:
        result = await workspace.cli("accounts", "--check", "--base-url", emu.base_url)
        stats = emu.stats()
    assert result.code == 0, result.stdout + result.stderr  # the credentials are fine: nothing was refused
    line = _lines(result.stdout)["(default)"]
    assert "likes: v2" not in line and "likes: v1.1" not in line
    assert f"ok @{DEMO_ACCOUNT.screen_name}" in line
    assert "v1.1 answered 453" in line and "v2 users/me accepted the credentials" in line
    assert "not like access" in line and "need an Enterprise plan since 2026-04-20" in line
    assert stats["likes"] == 0 and stats["billed"] == 0  # nothing liked to find out


@pytest.mark.slow
async def test_a_refused_refresh_is_that_profile_refused_and_the_others_still_checked(
    workspace: Workspace, emulator: EmulatorFactory
) -> None:
    ws = workspace
    async with emulator() as emu:
        auth, _ = await auth_oauth2(ws, emu, "--profile", "night", env=OAUTH2_ONLY)
        assert auth.code == 0, auth.stderr
        entry = stored(ws)["night"]
        await revoke(emu.base_url, entry["access_token"], entry["refresh_token"])
        # the demo's BULKLIKE_* variables (an OAuth 1.0a access token among them) are set: they are the
        # (default) profile's, and never stand in for the stored OAuth 2.0 tokens of "night"
        a = DEMO_ACCOUNT  # and one more profile, listed after "night"
        owl = f'consumer_key = "{a.consumer_key}"\nconsumer_secret = "{a.consumer_secret}"\n'
        owl += f'access_token = "{a.access_token}"\naccess_token_secret = "{a.access_token_secret}"\n'
        os.chmod(ws.write("bulklike.toml", f"[profiles.owl]\n{owl}"), 0o600)
        result = await ws.cli("accounts", "--check", "--base-url", emu.base_url)
        stats = emu.stats()
    assert result.code == 3, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    lines = _lines(result.stdout)
    assert set(lines) == {"(default)", "night", "owl"}
    assert f"ok @{DEMO_ACCOUNT.screen_name}" in lines["owl"]  # checked after the refusal
    assert "REFUSED" in lines["night"] and "bulklike auth --oauth2 --profile night" in lines["night"]
    assert f"ok @{DEMO_ACCOUNT.screen_name}" in lines["(default)"]
    assert stats["refused_refresh_tokens"] == 1
