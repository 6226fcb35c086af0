"""What an ``unlike`` journal needs beyond the queue: its action, and the IDs its filters skip.

A journal serves one action: its queue's ``pending`` means "to like" (``run``; ``undo`` has its own
column) or "to unlike" (``unlike``), never both, so the action is bound in ``meta`` at the first
call and another is refused. Filtered IDs are journaled ``skipped`` with the reason, terminal, so a
resume never sends them.
"""

from __future__ import annotations

from collections.abc import Callable

from bulklike.errors import ConfigError
from bulklike.store.journal import Journal
from bulklike.store.sqlite import sqlite_errors

#: the meta key naming what the journal's queue is for: ``like`` (run, undo) or ``unlike``
ACTION_META = "action"
_COMMANDS = {"like": "bulklike run (and its undo)", "unlike": "bulklike unlike"}
_CHUNK = 5000


def claim_action(journal: Journal, action: str, command: str) -> None:
    """Bind the journal to ``like`` or ``unlike`` at its first call; another action is refused
    (exit 2). Journals from before ``unlike`` that hold rows hold likes."""
    with journal.atomic() as conn:
        row = conn.execute("SELECT value FROM meta WHERE key = ?", (ACTION_META,)).fetchone()
        current = str(row[0]) if row is not None else None
        if current is None and conn.execute("SELECT 1 FROM items LIMIT 1").fetchone() is not None:
            current = "like"
        if current is None:
            conn.execute("INSERT INTO meta(key, value) VALUES (?, ?)", (ACTION_META, action))
        elif current != action:
            raise ConfigError(
                f"{journal.path}: this journal is for {_COMMANDS.get(current, current)}, not bulklike {command};"
                " one journal cannot mix likes and unlikes: pass another --journal"
            )


def skip_pending(
    journal: Journal, reason: Callable[[str], str | None], now: float
) -> list[tuple[int, str, str | None, str]]:
    """Pending IDs the filters of this call leave alone become ``skipped`` (owed a result line)
    before anything is sent, so a keep-list given on a resume is honoured; (seq, id, source, reason)."""
    found: list[tuple[int, str, str | None, str]] = []
    after = 0
    while True:
        with sqlite_errors(journal.path):
            rows = journal.conn.execute(
                "SELECT seq, tweet_id, source FROM items WHERE status = 'pending' AND seq > ? ORDER BY seq LIMIT ?",
                (after, _CHUNK),
            ).fetchall()
        if not rows:
            break
        after = rows[-1][0]
        for seq, tweet_id, source in rows:
            if (why := reason(tweet_id)) is not None:
                found.append((int(seq), str(tweet_id), source, why))
    if found:
        with journal.atomic() as conn:
            conn.executemany(
                "UPDATE items SET status = 'skipped', message = ?, finished_at = ?, unwritten = 1 WHERE seq = ?",
                [(why, now, seq) for seq, _, _, why in found],
            )
    return found


def skipped_counts(journal: Journal, run_id: int) -> dict[str, int]:
    """IDs this run's input added as ``skipped``, by reason (for the dry-run plan)."""
    with sqlite_errors(journal.path):
        rows = journal.conn.execute(
            "SELECT message, count(*) FROM items WHERE added_run = ? AND status = 'skipped' GROUP BY message",
            (run_id,),
        ).fetchall()
    return {str(reason): int(n) for reason, n in rows}
