"""bulklike's Python API as a benchmark client: ``Session.like()`` over an iterable of IDs.

``python -m benchmarks.api_loop BASE_URL START N CONCURRENCY WORKDIR``: the same work as the
``bulklike run`` client (signing, ledger pacing with 1,000,000/24h quotas and no interval, the
journal), but driven from Python: each ID's ``Result`` is yielded through the async generator and
counted. Against ``bulklike run`` it prices the API's per-like cost (a ``Result`` object and a
``yield``) instead of the result line. Prints one JSON line.
"""

from __future__ import annotations

import asyncio
import collections
import json
import os
import sys
import time

import bulklike
from bulklike.emulator import DEMO_ACCOUNT


async def like_all(base_url: str, start: int, n: int, concurrency: int, workdir: str) -> dict[str, object]:
    credentials = bulklike.Credentials(
        consumer_key=DEMO_ACCOUNT.consumer_key,
        consumer_secret=DEMO_ACCOUNT.consumer_secret,
        access_token=DEMO_ACCOUNT.access_token,
        access_token_secret=DEMO_ACCOUNT.access_token_secret,
    )
    statuses: collections.Counter[str] = collections.Counter()
    started = time.perf_counter()
    async with bulklike.Session(
        credentials=credentials,
        base_url=base_url,
        api="v1.1",
        journal=os.path.join(workdir, "journal.db"),
        ledger=os.path.join(workdir, "ledger.sqlite3"),
        min_interval=0,
        quota="1000000/24h",
        app_quota="1000000/24h",
        concurrency=concurrency,
    ) as session:
        async for result in session.like(str(i) for i in range(start, start + n)):
            statuses[result.status] += 1
    return {"statuses": dict(statuses), "seconds": time.perf_counter() - started}


def main(argv: list[str]) -> int:
    base_url, start, n, concurrency, workdir = argv[0], int(argv[1]), int(argv[2]), int(argv[3]), argv[4]
    print(json.dumps(asyncio.run(like_all(base_url, start, n, concurrency, workdir))))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
