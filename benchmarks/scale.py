"""Scale: a dry run over a million IDs from stdin (in input order, and shuffled as real archives are),
a ``--max-likes 200`` resume of it, and a start on a send ledger holding millions of sends.

All are ``bulklike run`` child processes, so time and peak RSS are the whole program's as a
user would see them (interpreter start-up included). The resume runs on the journal the dry run
left, a million rows deep: it must cost what 200 likes cost, not what the journal weighs. The
ledger start is a 10-ID dry run whose ledger holds a week of an Enterprise quota for the same
account and app: it must cost what a full window costs, not what the file weighs.
"""

from __future__ import annotations

import os
import random
import sqlite3
import time
from dataclasses import dataclass

from benchmarks.common import PYTHON, BenchError, IdBlocks, Measured, liked_lines, pacing_flags, run_child, write_ids
from bulklike.auth.identity import account_key
from bulklike.credentials import Credentials
from bulklike.emulator import DEMO_ACCOUNT

EXIT_LIMIT = 75


@dataclass(frozen=True, slots=True)
class ScaleRun:
    dry: Measured
    dry_random: Measured
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
    if _count(journal, "planned") != n:
        raise BenchError(f"dry run left {_count(journal, 'planned')} planned rows, not {n}")
    os.unlink(inputs)
    shuffled = os.path.join(workdir, "shuffled.txt")
    start = ids.take(n)
    order = list(range(start, start + n))
    random.Random(n).shuffle(order)
    with open(shuffled, "w", encoding="ascii") as fp:
        fp.writelines(f"{i}\n" for i in order)
    del order
    random_journal = ["--journal", os.path.join(workdir, "random.db"), *common[2:]]
    dry_random = run_child(
        [PYTHON, "-m", "bulklike", "run", "-", "--dry-run", *random_journal], env=env, stdin=shuffled
    )
    if dry_random.returncode != 0:
        raise BenchError(f"shuffled dry run exited {dry_random.returncode}: {dry_random.stderr[-500:]}")
    os.unlink(shuffled)
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
    return ScaleRun(dry=dry, dry_random=dry_random, resume=resume)


def measure_ledger(workdir: str, env: dict[str, str], sends: int) -> Measured:
    """A 10-ID dry run whose ledger holds ``sends`` sends of the demo account over the last week."""
    os.makedirs(workdir, exist_ok=True)
    ledger = os.path.join(workdir, "ledger.sqlite3")
    inputs = os.path.join(workdir, "ids.txt")
    write_ids(inputs, 10**18, 10)
    common = [PYTHON, "-m", "bulklike", "run", inputs, "--dry-run", "-q", "--no-progress", "--ledger", ledger]
    first = run_child([*common, "--journal", os.path.join(workdir, "first.db")], env=env)  # makes the schema
    if first.returncode != 0:
        raise BenchError(f"ledger set-up run exited {first.returncode}: {first.stderr[-500:]}")
    creds = Credentials(
        consumer_key=DEMO_ACCOUNT.consumer_key,
        consumer_secret=DEMO_ACCOUNT.consumer_secret,
        access_token=DEMO_ACCOUNT.access_token,
        access_token_secret=DEMO_ACCOUNT.access_token_secret,
    )
    user = account_key(DEMO_ACCOUNT.access_token.split("-", 1)[0])
    now = time.time()
    spacing = 7 * 86400.0 / sends
    conn = sqlite3.connect(ledger)
    with conn:
        conn.execute(
            "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ?)"
            " INSERT INTO sends(app, user, sent_at, until) SELECT ?, ?, ? + i * ?, ? + i * ? + 0.5 FROM n",
            (sends - 1, creds.app_id, user, now - 7 * 86400.0, spacing, now - 7 * 86400.0, spacing),
        )
    conn.close()
    run = run_child([*common, "--journal", os.path.join(workdir, "j.db")], env=env)
    if run.returncode != 0:
        raise BenchError(f"dry run on a {sends:,}-send ledger exited {run.returncode}: {run.stderr[-500:]}")
    for name in os.listdir(workdir):
        os.unlink(os.path.join(workdir, name))
    return run
