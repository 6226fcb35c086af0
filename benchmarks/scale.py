"""Scale of input: a dry run over a million IDs from stdin, then a ``--max-likes 200`` resume of it.

Both are ``bulklike run`` child processes, so time and peak RSS are the whole program's as a
user would see them (interpreter start-up included). The resume runs on the journal the dry run
left, a million rows deep: it must cost what 200 likes cost, not what the journal weighs.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass

from benchmarks.common import PYTHON, BenchError, IdBlocks, Measured, liked_lines, pacing_flags, run_child, write_ids

EXIT_LIMIT = 75


@dataclass(frozen=True, slots=True)
class ScaleRun:
    dry: Measured
    resume: Measured


def _count(journal: str, status: str) -> int:
    conn = sqlite3.connect(f"file:{journal}?mode=ro", uri=True)
    try:
        return int(conn.execute("SELECT count(*) FROM items WHERE status = ?", (status,)).fetchone()[0])
    finally:
        conn.close()


def measure_scale(
    workdir: str,
    env: dict[str, str],
    base_url: str,
    ids: IdBlocks,
    *,
    n: int = 1_000_000,
    max_likes: int = 200,
    concurrency: int = 8,
) -> ScaleRun:
    """One dry run of ``n`` fresh IDs, then one ``--max-likes`` resume on its journal; both checked."""
    os.makedirs(workdir, exist_ok=True)
    inputs = os.path.join(workdir, "ids.txt")
    journal = os.path.join(workdir, "journal.db")
    ledger = os.path.join(workdir, "ledger.sqlite3")
    results = os.path.join(workdir, "results.jsonl")
    write_ids(inputs, ids.take(n), n)
    common = ["--journal", journal, "--ledger", ledger, "-q", "--no-progress"]
    dry = run_child([PYTHON, "-m", "bulklike", "run", "-", "--dry-run", *common], env=env, stdin=inputs)
    if dry.returncode != 0:
        raise BenchError(f"dry run exited {dry.returncode}: {dry.stderr[-500:]}")
    if _count(journal, "pending") != n:
        raise BenchError(f"dry run left {_count(journal, 'pending')} pending rows, not {n}")
    os.unlink(inputs)
    resume = run_child(
        [
            PYTHON,
            "-m",
            "bulklike",
            "run",
            *common,
            "--base-url",
            base_url,
            *pacing_flags(concurrency),
            "--max-likes",
            str(max_likes),
            "--output",
            results,
        ],
        env=env,
    )
    if resume.returncode != EXIT_LIMIT:
        raise BenchError(f"--max-likes resume exited {resume.returncode}, not {EXIT_LIMIT}: {resume.stderr[-500:]}")
    if liked_lines(results) != max_likes or _count(journal, "liked") != max_likes:
        raise BenchError(f"--max-likes {max_likes} resume did not like exactly {max_likes} tweets")
    for name in os.listdir(workdir):
        os.unlink(os.path.join(workdir, name))
    return ScaleRun(dry=dry, resume=resume)
