"""How many OAuth-verified likes per second the emulator serves on one core.

The emulator runs in a separate process pinned to one core (when the OS allows), with quotas off
and no latency; this process drives it from the other cores with a minimal aiohttp client whose
requests are signed in advance by the small HMAC-SHA1 signer below (fresh nonce per request), so
the client's own cost stays out of the way. Every answer must be a 200: each one passed signature
verification. Run ``python benchmarks/emulator_bench.py [N] [CONCURRENCY]``.
"""

from __future__ import annotations

import asyncio
import base64
import hmac
import multiprocessing
import os
import secrets
import sys
import time
from collections import Counter
from multiprocessing.connection import Connection
from typing import Any
from urllib.parse import quote

import aiohttp

from bulklike.emulator import DEMO_ACCOUNT, EmulatorConfig, run_emulator

WARMUP = 200


def _enc(text: str) -> str:
    return quote(text, safe="~")


def sign(method: str, base_uri: str, query: dict[str, str]) -> str:
    """A hand-written RFC 5849 HMAC-SHA1 Authorization header for the demo account."""
    a = DEMO_ACCOUNT
    oauth = {
        "oauth_consumer_key": a.consumer_key,
        "oauth_nonce": secrets.token_hex(16),
        "oauth_signature_method": "HMAC-SHA1",
        "oauth_timestamp": str(int(time.time())),
        "oauth_token": a.access_token,
        "oauth_version": "1.0",
    }
    pairs = sorted((_enc(k), _enc(v)) for k, v in (*query.items(), *oauth.items()))
    base = "&".join((method, _enc(base_uri), _enc("&".join(f"{k}={v}" for k, v in pairs))))
    key = f"{_enc(a.consumer_secret)}&{_enc(a.access_token_secret)}".encode()
    oauth["oauth_signature"] = base64.b64encode(hmac.digest(key, base.encode(), "sha1")).decode()
    return "OAuth " + ", ".join(f'{k}="{_enc(v)}"' for k, v in oauth.items())


def _serve(conn: Connection, core: int | None) -> None:
    """Child process: serve on one core until the parent asks for the stats."""
    if core is not None:
        os.sched_setaffinity(0, {core})
    asyncio.run(_serve_until_asked(conn))


async def _serve_until_asked(conn: Connection) -> None:
    async with run_emulator(EmulatorConfig(quotas=False)) as emu:
        conn.send(emu.port)
        await asyncio.get_running_loop().run_in_executor(None, conn.recv)
        conn.send(emu.stats())


def _cores() -> tuple[int | None, set[int] | None]:
    """(core for the server, cores for the client), or (None, None) where affinity is unsupported."""
    if not hasattr(os, "sched_setaffinity"):
        return None, None
    cores = sorted(os.sched_getaffinity(0))
    if len(cores) < 2:
        return cores[0], None
    return cores[0], set(cores[1:])


async def _drive(base_url: str, n: int, concurrency: int, start_id: int) -> tuple[float, Counter[int]]:
    """Send ``n`` likes of distinct tweets, ``concurrency`` at a time; (seconds, status counts)."""
    path = "/1.1/favorites/create.json"
    jobs = []
    for i in range(n):
        tweet_id = str(start_id + i)
        jobs.append((f"{base_url}{path}?id={tweet_id}", sign("POST", base_url + path, {"id": tweet_id})))
    statuses: Counter[int] = Counter()
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:
        queue = iter(jobs)

        async def worker() -> None:
            for url, header in queue:
                async with session.post(url, headers={"Authorization": header}) as resp:
                    await resp.read()
                    statuses[resp.status] += 1

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return time.perf_counter() - started, statuses


async def measure_emulator(n: int = 5000, concurrency: int = 16) -> dict[str, Any]:
    """Start the emulator in its own process and measure verified like requests per second."""
    server_core, client_cores = _cores()
    ctx = multiprocessing.get_context("spawn")
    parent, child = ctx.Pipe()
    process = ctx.Process(target=_serve, args=(child, server_core), daemon=True)
    process.start()
    saved = os.sched_getaffinity(0) if client_cores else None
    try:
        loop = asyncio.get_running_loop()
        port = await loop.run_in_executor(None, parent.recv)
        if client_cores:
            os.sched_setaffinity(0, client_cores)
        base_url = f"http://127.0.0.1:{port}"
        await _drive(base_url, WARMUP, concurrency, 10**15)
        seconds, statuses = await _drive(base_url, n, concurrency, 2 * 10**15)
        parent.send("stop")
        stats = await loop.run_in_executor(None, parent.recv)
    finally:
        if saved is not None:
            os.sched_setaffinity(0, saved)
        process.join(timeout=5)
        if process.is_alive():
            process.terminate()
    return {
        "requests": n,
        "concurrency": concurrency,
        "seconds": round(seconds, 3),
        "requests_per_s": round(n / seconds, 1),
        "statuses": dict(statuses),
        "server_likes": stats["likes"],
        "server_auth_failures": stats["auth_failures"],
        "server_core": server_core,
        "pinned": server_core is not None,
    }


def main(argv: list[str]) -> None:
    n = int(argv[0]) if argv else 5000
    concurrency = int(argv[1]) if len(argv) > 1 else 16
    result = asyncio.run(measure_emulator(n, concurrency))
    print(
        f"{result['requests_per_s']:.0f} verified likes/s "
        f"({result['requests']} requests, concurrency {result['concurrency']}, "
        f"{'pinned to core ' + str(result['server_core']) if result['pinned'] else 'not pinned'}; "
        f"statuses {result['statuses']})"
    )


if __name__ == "__main__":
    main(sys.argv[1:])
