"""IDs a dry run planned and IDs earlier runs left pending: what a run sends that its input did not list.

A dry run journals its IDs as ``planned``, not ``pending``: the runner takes only ``pending`` rows,
so a later run of another list never likes them unasked. They become ``pending`` when an input lists
them again (the ingest statement does it) or when a run is started with no input at all, which is a
deliberate resume (``promote``). IDs an interrupted run left ``pending`` are sent by the next run, as
a resume should; that run names them before its first send (``pending_by_input``) and its summary
counts them apart (``carried``).
"""

from __future__ import annotations

from bulklike.store.journal import Journal
from bulklike.store.sqlite import sqlite_errors

__all__ = ["PLANNED", "carried", "count", "pending_by_input", "promote", "queue_planned"]

PLANNED = "planned"


def queue_planned(when: str) -> str:
    """The SET clause of an ingest upsert that queues a planned row the run lists again (``when``: an SQL
    test that this insert queues). The row moves to the journal's end: the runner takes rows in ``seq``
    order and may already be past its old place."""
    test = f"status = 'planned' AND ({when})"
    return (
        # correlated with the row (``>= items.seq``), so it is computed again for each row of one statement
        f" seq = CASE WHEN {test} THEN (SELECT max(i.seq) FROM items AS i WHERE i.seq >= items.seq) + 1 ELSE seq END,"
        f" status = CASE WHEN {test} THEN 'pending' ELSE status END"
    )


def promote(journal: Journal) -> int:
    """Queue every planned ID (a run with no input: the user resumes the dry run); how many."""
    with journal.atomic() as conn:
        return conn.execute("UPDATE items SET status = 'pending' WHERE status = 'planned'").rowcount


def count(journal: Journal) -> int:
    """How many IDs a dry run planned that no run has queued since."""
    with sqlite_errors(journal.path):
        return int(journal.conn.execute("SELECT count(*) FROM items WHERE status = 'planned'").fetchone()[0])


def pending_by_input(journal: Journal) -> dict[str, int]:
    """The pending IDs by the input they came from (``a.txt``, ``<stdin>``), most first."""
    with sqlite_errors(journal.path):
        rows = journal.conn.execute(
            "SELECT rtrim(rtrim(source, '0123456789'), ':') AS input, count(*) AS n FROM items"
            " WHERE status = 'pending' GROUP BY input ORDER BY n DESC, input"
        ).fetchall()
    return {str(name or "?"): int(n) for name, n in rows}


def carried(journal: Journal, run_id: int, since: float) -> int:
    """IDs run ``run_id`` (started at ``since``) ended that its own input did not list."""
    with sqlite_errors(journal.path):
        row = journal.conn.execute(
            "SELECT count(*) FROM items WHERE last_run < ? AND finished_at >= ?"
            " AND status NOT IN ('pending', 'planned', 'invalid')",
            (run_id, since),
        ).fetchone()
    return int(row[0])
