"""``bulklike export``: every record of a journal in input order, as JSON Lines or CSV (no network)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any

from bulklike.cli.settings import settings_from
from bulklike.results import ResultWriter, iso
from bulklike.store.journal import Journal


def cmd_export(args: argparse.Namespace, argv: Sequence[str]) -> int:
    """Write the records (optionally only some statuses) on stdout."""
    settings = settings_from(args, logging=False)
    with Journal(settings.journal, lock=False, readonly=True) as journal:
        writer = ResultWriter(sys.stdout, args.format)
        for row in journal.rows(args.status or ()):
            record: dict[str, Any] = {
                "tweet_id": row.tweet_id,
                "status": row.status,
                "attempts": row.attempts,
                "http_status": row.http_status,
                "error_code": row.error_code,
                "message": row.message,
                "at": iso(row.finished_at),
                "source": row.source,
            }
            if row.status == "invalid":
                record["input"] = row.input
            writer.write(record)
        writer.flush()
    return 0
