"""The journal's schema: version 1 and the numbered migrations that bring any older file to the current one.

``migrate`` runs inside the journal's opening transaction, so a file is either left as it was or brought
all the way to ``SCHEMA_VERSION``; each step is recorded in ``migrations``. A file's ``application_id``
says it is ours, its ``user_version`` which version it is (``journal`` refuses newer ones).
"""

from __future__ import annotations

import sqlite3

__all__ = ["APPLICATION_ID", "SCHEMA_VERSION", "migrate"]

APPLICATION_ID = 0x424C4B4C  # "BLKL"
SCHEMA_VERSION = 5

_SCHEMA_V1 = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE migrations (version INTEGER PRIMARY KEY, applied_at REAL NOT NULL);
CREATE TABLE runs (
    run_id INTEGER PRIMARY KEY,
    command TEXT NOT NULL,
    started_at REAL NOT NULL,
    finished_at REAL,
    exit_code INTEGER
);
CREATE TABLE items (
    seq INTEGER PRIMARY KEY,
    tweet_id TEXT UNIQUE,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    http_status INTEGER,
    error_code INTEGER,
    message TEXT,
    source TEXT,
    input TEXT,
    first_seen REAL NOT NULL,
    finished_at REAL,
    added_run INTEGER NOT NULL,
    last_run INTEGER NOT NULL
);
CREATE INDEX items_pending ON items(seq) WHERE status = 'pending';
CREATE UNIQUE INDEX items_invalid ON items(source, input) WHERE tweet_id IS NULL;
"""

# v2: undo (unlike what this journal liked) needs its own queue state per row.
_MIGRATION_V2 = """
ALTER TABLE items ADD COLUMN undo_state TEXT;
ALTER TABLE items ADD COLUMN undo_attempts INTEGER NOT NULL DEFAULT 0;
CREATE INDEX items_undo_pending ON items(seq) WHERE undo_state = 'pending';
"""

# v3: the results outbox. ``unwritten`` is 1 while a terminal record's result line is owed to the
# output (set in the same commit as the outcome), NULL once the line is written and acknowledged.
_MIGRATION_V3 = """
ALTER TABLE items ADD COLUMN unwritten INTEGER;
CREATE INDEX items_unwritten ON items(seq) WHERE unwritten IS NOT NULL;
"""

_MIGRATION_V4 = "ALTER TABLE runs ADD COLUMN stop_reason TEXT;"  # v4: NULL ran to its end; exit_code: older rows

# v5: the network seam. A network whose likes are records (the AT Protocol) answers a like with the
# record's key; an unlike deletes that key, so the journal keeps it. NULL for X, and in every older row.
_MIGRATION_V5 = "ALTER TABLE items ADD COLUMN record_key TEXT;"

_MIGRATIONS: dict[int, str] = {1: _SCHEMA_V1, 2: _MIGRATION_V2, 3: _MIGRATION_V3, 4: _MIGRATION_V4, 5: _MIGRATION_V5}


def migrate(conn: sqlite3.Connection, version: int, now: float) -> None:
    """Inside a transaction: apply every migration after ``version`` and mark the file current."""
    for target in range(version + 1, SCHEMA_VERSION + 1):
        for statement in _MIGRATIONS[target].split(";"):
            if statement.strip():
                conn.execute(statement)
        conn.execute("INSERT INTO migrations(version, applied_at) VALUES (?, ?)", (target, now))
    if version < SCHEMA_VERSION:
        conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
