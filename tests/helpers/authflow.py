"""Driving ``bulklike auth`` as a user would, against the emulator: read the URL it prints, read the PIN
from the emulator's page or follow the redirect to the loopback listener."""

from __future__ import annotations

import asyncio
import json
import re
import socket
import urllib.parse
from pathlib import Path
from typing import Any

import aiohttp

from bulklike.emulator import RunningEmulator
from tests.helpers.workspace import CliResult, Workspace

CLIENT_ID = "bulklike-test-client"
#: only the app's credentials: the user's tokens must come from the store
APP_ONLY = {"BULKLIKE_ACCESS_TOKEN": "", "BULKLIKE_ACCESS_TOKEN_SECRET": "", "BULKLIKE_BEARER_TOKEN": ""}
OAUTH2_ONLY = {**APP_ONLY, "BULKLIKE_CONSUMER_KEY": "", "BULKLIKE_CONSUMER_SECRET": "", "BULKLIKE_CLIENT_ID": CLIENT_ID}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def store_path(ws: Workspace) -> Path:
    return ws.path / "config" / "bulklike" / "tokens.json"


def stored(ws: Workspace) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(store_path(ws).read_text())["profiles"]
    return data


async def _authorize_url(proc: asyncio.subprocess.Process, seen: list[bytes]) -> str:
    assert proc.stderr is not None
    while True:
        line = await asyncio.wait_for(proc.stderr.readline(), 20)
        assert line, b"".join(seen)
        seen.append(line)
        if line.startswith(b"http"):
            return line.decode().strip()


async def auth_pin(
    ws: Workspace, emu: RunningEmulator, *args: str, env: dict[str, str], pin: str | None = None
) -> tuple[CliResult, str]:
    """``bulklike auth`` (PIN flow); the PIN read from the emulator's authorize page unless given."""
    proc = await ws.start("auth", "--base-url", emu.base_url, "--no-browser", *args, stdin=b"", env=env)
    seen: list[bytes] = []
    url = await _authorize_url(proc, seen)
    async with aiohttp.ClientSession() as session, session.get(url) as page:
        text = await page.text()
    match = re.search(r'id="oauth_pin">(\d+)<', text)
    assert match, text
    out, err = await asyncio.wait_for(proc.communicate(((pin or match.group(1)) + "\n").encode()), 30)
    assert proc.returncode is not None
    return CliResult(proc.returncode, out.decode(), (b"".join(seen) + err).decode()), url


async def auth_oauth2(
    ws: Workspace, emu: RunningEmulator, *args: str, env: dict[str, str], paste: bool = False
) -> tuple[CliResult, str]:
    """``bulklike auth --oauth2``: the browser's part done by following the emulator's redirect."""
    port = free_port()
    redirect_uri = f"http://127.0.0.1:{port}/callback"
    flags = ["--oauth2", "--redirect-uri", redirect_uri, *(["--paste"] if paste else [])]
    proc = await ws.start("auth", "--base-url", emu.base_url, "--no-browser", *flags, *args, stdin=b"", env=env)
    seen: list[bytes] = []
    url = await _authorize_url(proc, seen)
    async with aiohttp.ClientSession() as session:
        async with session.get(url, allow_redirects=False) as approved:
            assert approved.status == 302, await approved.text()
            location = approved.headers["Location"]
        assert location.startswith(redirect_uri + "?")
        if paste:
            out, err = await asyncio.wait_for(proc.communicate((location + "\n").encode()), 30)
        else:
            async with session.get(location) as landed:  # the loopback listener answers the browser
                assert landed.status == 200 and "close this tab" in await landed.text()
            out, err = await asyncio.wait_for(proc.communicate(b""), 30)
    assert proc.returncode is not None
    return CliResult(proc.returncode, out.decode(), (b"".join(seen) + err).decode()), url


async def revoke(base_url: str, *tokens: str) -> None:
    """Revoke tokens at the emulator, as the app's settings or another tool would."""
    async with aiohttp.ClientSession() as session:
        for token in tokens:
            body = urllib.parse.urlencode({"token": token, "client_id": CLIENT_ID})
            headers = {"Content-Type": "application/x-www-form-urlencoded"}
            async with session.post(f"{base_url}/2/oauth2/revoke", data=body, headers=headers) as resp:
                assert json.loads(await resp.read()) == {"revoked": True}
