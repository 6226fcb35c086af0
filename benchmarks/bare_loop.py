"""The floor for bulklike's throughput and CPU: a bare aiohttp loop that likes and writes nothing.

``python -m benchmarks.bare_loop BASE_URL START N CONCURRENCY``: likes tweets START..START+N-1
with N workers' worth of concurrency, each request signed right before it leaves by the smallest
correct OAuth 1.0a HMAC-SHA1 code for this one endpoint (fresh nonce and timestamp per request,
so the emulator verifies every one). No journal, ledger, pacing, retries, parsing or results:
what bulklike adds on top of this is what the throughput benchmark prices. Prints one JSON line.
"""

from __future__ import annotations

import asyncio
import base64
import collections
import hmac
import json
import secrets
import sys
import time
from collections.abc import Callable
from urllib.parse import quote

import aiohttp

from bulklike.emulator import DEMO_ACCOUNT

PATH = "/1.1/favorites/create.json"


def make_signer(base_url: str) -> tuple[str, Callable[[str], str]]:
    """(request URL prefix, sign(tweet_id) -> Authorization header) for the demo account.

    Everything that never changes is escaped once, up front, so the baseline is not slowed by
    work a sensible hand-written client would not repeat."""
    a = DEMO_ACCOUNT
    key = f"{quote(a.consumer_secret, safe='~')}&{quote(a.access_token_secret, safe='~')}".encode()
    endpoint = base_url + PATH
    ck, tok = quote(a.consumer_key, safe="~"), quote(a.access_token, safe="~")
    head = f"POST&{quote(endpoint, safe='~')}&id%3D"
    mid = f"%26oauth_consumer_key%3D{quote(ck, safe='~')}%26oauth_nonce%3D"
    tail = f"%26oauth_token%3D{quote(tok, safe='~')}%26oauth_version%3D1.0"

    def sign(tweet_id: str) -> str:
        nonce, ts = secrets.token_hex(16), str(int(time.time()))
        base = f"{head}{tweet_id}{mid}{nonce}%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D{ts}{tail}"
        sig = base64.b64encode(hmac.digest(key, base.encode(), "sha1")).decode()
        sig = sig.replace("+", "%2B").replace("/", "%2F").replace("=", "%3D")
        return (
            f'OAuth oauth_consumer_key="{ck}", oauth_nonce="{nonce}", oauth_signature="{sig}", '
            f'oauth_signature_method="HMAC-SHA1", oauth_timestamp="{ts}", oauth_token="{tok}", '
            f'oauth_version="1.0"'
        )

    return endpoint + "?id=", sign


async def like_all(base_url: str, start: int, n: int, concurrency: int) -> dict[str, object]:
    prefix, sign = make_signer(base_url)
    statuses: collections.Counter[int] = collections.Counter()
    ids = iter(range(start, start + n))
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=concurrency)) as session:

        async def worker() -> None:
            for i in ids:
                tweet_id = str(i)
                headers = {"Authorization": sign(tweet_id)}
                async with session.post(prefix + tweet_id, headers=headers) as resp:
                    await resp.read()
                    statuses[resp.status] += 1

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
    return {"statuses": dict(statuses), "seconds": time.perf_counter() - started}


def main(argv: list[str]) -> int:
    base_url, start, n, concurrency = argv[0], int(argv[1]), int(argv[2]), int(argv[3])
    result = asyncio.run(like_all(base_url, start, n, concurrency))
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
