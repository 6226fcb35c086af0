"""``bulklike export``: every record of a journal in input order, as JSON Lines or CSV (no network)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any

from bulklike.cli.settings import settings_from
from bulklike.errors import ConfigError
from bulklike.results import ResultWriter, iso
from bulklike.store.journal import ALL_STATUSES, Journal


def wanted_statuses(given: list[str]) -> list[str]:
    """``--status`` values, any case; an unknown one is exit 2 naming the valid ones (a typo must not
    print nothing and look like an empty journal)."""
    wanted = [status.strip().lower() for status in given]
    unknown = [status for status, low in zip(given, wanted, strict=True) if low not in ALL_STATUSES]
    if unknown:
        raise ConfigError(f"unknown --status {unknown[0]!r}; valid: {', '.join(ALL_STATUSES)}")
    return wanted


def cmd_export(args: argparse.Namespace, argv: Sequence[str]) -> int:
    """Write the records (optionally only some statuses) on stdout."""
    statuses = wanted_statuses(args.status or [])
    settings = settings_from(args, logging=False)
    with Journal(settings.journal, lock=False, readonly=True) as journal:
        writer = ResultWriter(sys.stdout, args.format)
        for row in journal.rows(statuses):
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
