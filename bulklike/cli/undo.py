"""``bulklike undo``: unlike what the journal liked, or with ``--dry-run`` list what would be unliked."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence

from bulklike.cli.run import run_options
from bulklike.cli.settings import settings_from
from bulklike.config import Settings


def cmd_undo(args: argparse.Namespace, argv: Sequence[str]) -> int:
    """Unlike every tweet this journal liked; the dry run reads the journal only."""
    if args.dry_run:
        return undo_plan(settings_from(args, logging=False), include_already=args.include_already)
    from bulklike.cli.driver import run_command, stdin_streams

    settings = settings_from(args)
    opts = run_options(args, argv, settings, undo=True, include_already=args.include_already)
    return asyncio.run(run_command(settings, opts, stdin_streams()))


def undo_plan(settings: Settings, *, include_already: bool) -> int:
    """Print on stdout what undo would unlike, send nothing."""
    from bulklike.results import ResultWriter
    from bulklike.store.journal import Journal

    statuses = ("liked", "already_liked") if include_already else ("liked",)
    with Journal(settings.journal, lock=False, readonly=True) as journal:
        writer = ResultWriter(sys.stdout, "jsonl")
        for row in journal.rows(statuses):
            writer.write({"tweet_id": row.tweet_id, "status": row.status, "action": "would unlike"})
        writer.flush()
    sys.stderr.write(f"bulklike: undo would unlike {writer.count} tweets (dry run, nothing sent)\n")
    return 0
