"""``bulklike emulate`` as a newcomer starts it: with only the app's keys exported, stopped by SIGTERM."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys

from tests.helpers.workspace import ROOT, Workspace


async def test_emulate_with_only_app_keys_writes_its_stats_on_sigterm(workspace: Workspace) -> None:
    stats = workspace.path / "stats.json"
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": str(ROOT),
        "HOME": str(workspace.path),
        "BULKLIKE_CONSUMER_KEY": "my-app-key",
        "BULKLIKE_CONSUMER_SECRET": "my-app-secret",
    }
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        *("-m", "bulklike", "emulate", "--port", "0", "--stats-file", str(stats)),
        cwd=workspace.path,
        env=env,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert proc.stdout is not None
    try:
        banner: list[str] = []
        while not banner or not banner[-1].startswith("stats:"):  # serving once it says where its stats are
            line = (await asyncio.wait_for(proc.stdout.readline(), 30)).decode()
            assert line, (await proc.stderr.read()).decode() if proc.stderr else "no output"
            banner.append(line)
        proc.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(proc.wait(), 30)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    assert code == 0
    assert "accounts: 1500000000000000001" in "".join(banner)
    assert json.loads(stats.read_text())["requests"] == 0
