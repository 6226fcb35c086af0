"""Run ``python -m bulklike`` with stderr on a pseudo-terminal, as a user at a terminal sees it."""

from __future__ import annotations

import asyncio
import os
import pty
import sys

from tests.helpers.workspace import Workspace


async def run_on_pty(workspace: Workspace, args: list[str]) -> tuple[int, str]:
    """Exit code and everything written to the terminal (stdout discarded)."""
    main, replica = pty.openpty()
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bulklike",
        *args,
        cwd=workspace.path,
        env=workspace.env,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=replica,
    )
    os.close(replica)
    chunks: list[bytes] = []
    loop = asyncio.get_running_loop()
    while True:
        try:
            data = await loop.run_in_executor(None, os.read, main, 4096)
        except OSError:  # EIO: the child closed its end
            break
        if not data:
            break
        chunks.append(data)
    os.close(main)
    return await proc.wait(), b"".join(chunks).decode(errors="replace")
