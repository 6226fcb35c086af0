"""Reading a journal file behind bulklike's back, to check what a run left in it."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from bulklike.store.journal import ALL_STATUSES


def journal_problems(path: Path) -> list[str]:
    """integrity_check, then every row: a known status, digits or an invalid line, sane attempts."""
    with sqlite3.connect(path) as conn:
        problems = [f"integrity: {row}" for row in conn.execute("PRAGMA integrity_check") if row != ("ok",)]
        for tweet_id, status, attempts, finished_at in conn.execute(
            "SELECT tweet_id, status, attempts, finished_at FROM items"
        ):
            if status not in ALL_STATUSES or attempts < 0:
                problems.append(f"{tweet_id}: status {status!r}, attempts {attempts}")
            elif tweet_id is not None and not str(tweet_id).isdigit():
                problems.append(f"{tweet_id!r}: not an ID")
            elif status not in ("pending", "invalid") and finished_at is None:
                problems.append(f"{tweet_id}: {status} without finished_at")
    return problems
