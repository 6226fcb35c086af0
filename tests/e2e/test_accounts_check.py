"""``bulklike accounts --check``: each profile with its own credentials; refused vs unreachable; likes."""

from __future__ import annotations

import os
import socket

import pytest

from bulklike.emulator import DEMO_ACCOUNT
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
    assert "likes: v1.1 probably" in lines["good"]  # Enterprise: verify_credentials answered
    assert "api v2 " in lines["bearer"] and "likes: v2 (" in lines["bearer"]  # auto with a bearer token is v2


@pytest.mark.slow
async def test_below_enterprise_the_check_says_v2(workspace: Workspace, emulator: EmulatorFactory) -> None:
    async with emulator(access_level="pro") as emu:
        result = await workspace.cli("accounts", "--check", "--base-url", emu.base_url)
        stats = emu.stats()
    assert result.code == 0, result.stdout + result.stderr
    line = _lines(result.stdout)["(default)"]
    assert "likes: v2 (v1.1 answered 453" in line and "show only at the first like" in line
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
