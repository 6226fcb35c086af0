"""The emulator as a benchmark server process: quotas off, no latency, driven over stdin.

Prints ``port N`` once listening; each ``stats`` line on stdin is answered with the emulator's
counters as one JSON line; end of stdin stops it. A separate process, so the server's CPU is
never counted as a client's and it can sit on a core of its own.
"""

from __future__ import annotations

import asyncio
import json
import sys

from bulklike.emulator import EmulatorConfig, run_emulator


async def serve() -> None:
    async with run_emulator(EmulatorConfig(quotas=False, latency_ms=0.0), host="127.0.0.1") as emu:
        print(f"port {emu.port}", flush=True)
        loop = asyncio.get_running_loop()
        while True:
            line = await loop.run_in_executor(None, sys.stdin.readline)
            if not line:
                return
            if line.strip() == "stats":
                print(json.dumps(emu.stats()), flush=True)


if __name__ == "__main__":
    asyncio.run(serve())
