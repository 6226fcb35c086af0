"""Scale of an X archive: ``bulklike run like.js --dry-run`` over a generated million-like ``like.js``.

The file is written as X writes it (``window.YTD.like.part0 = [``, pretty-printed entries with
``fullText`` holding quotes, emoji and newlines, a third without it), about 250 bytes a like, so a
million likes is a file of some 250 MB. Time and peak RSS are the whole child program's, read by
``os.wait4`` (start-up included), like the 1M-ID text input's; the journal must hold every ID.
"""

from __future__ import annotations

import json
import os
import sqlite3
from dataclasses import dataclass

from benchmarks.common import PYTHON, BenchError, Measured, run_child

_TEXTS = [
    'Reading "Dune" again \U0001f680 and it still holds up https://t.co/AbCdEf123',
    "Two lines:\nfirst \u2014 then the second, caf\u00e9 \U0001f1eb\U0001f1f7 #weekend",
    "Thread \U0001f9f5 1/ why streaming parsers matter when the input is 200 MB and the budget 150 MB",
]


@dataclass(frozen=True, slots=True)
class ArchiveRun:
    dry: Measured
    bytes: int


def write_like_js(path: str, first: int, n: int) -> int:
    """A ``like.js`` of ``n`` likes with IDs from ``first``; returns its size in bytes."""
    texts = [json.dumps(text, ensure_ascii=False) for text in _TEXTS]
    with open(path, "w", encoding="utf-8") as fp:
        fp.write("window.YTD.like.part0 = [")
        for i in range(n):
            tweet_id = first + i
            extra = (
                f',\n      "fullText" : {texts[i % 3]},\n      "expandedUrl" : "https://twitter.com/i/web/status/{tweet_id}"'
                if i % 3 != 2
                else ""
            )
            fp.write(f'{"," if i else ""}\n  {{\n    "like" : {{\n      "tweetId" : "{tweet_id}"{extra}\n    }}\n  }}')
        fp.write("\n]")
        return fp.tell()


def _planned(journal: str) -> int:
    conn = sqlite3.connect(f"file:{journal}?mode=ro", uri=True)
    try:
        return int(conn.execute("SELECT count(*) FROM items WHERE status = 'planned'").fetchone()[0])
    finally:
        conn.close()


def measure_archive(workdir: str, env: dict[str, str], first: int, *, n: int = 1_000_000) -> ArchiveRun:
    """One ``--dry-run`` of a generated ``like.js`` of ``n`` likes; checked: every ID planned."""
    os.makedirs(workdir, exist_ok=True)
    like_js = os.path.join(workdir, "like.js")
    journal = os.path.join(workdir, "journal.db")
    size = write_like_js(like_js, first, n)
    argv = [PYTHON, "-m", "bulklike", "run", like_js, "--dry-run", "--journal", journal]
    dry = run_child([*argv, "--ledger", os.path.join(workdir, "ledger.sqlite3"), "-q", "--no-progress"], env=env)
    if dry.returncode != 0:
        raise BenchError(f"like.js dry run exited {dry.returncode}: {dry.stderr[-500:]}")
    if _planned(journal) != n:
        raise BenchError(f"like.js dry run left {_planned(journal)} planned rows, not {n}")
    for name in os.listdir(workdir):
        os.unlink(os.path.join(workdir, name))
    return ArchiveRun(dry=dry, bytes=size)
