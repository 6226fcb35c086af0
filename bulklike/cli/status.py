"""``bulklike status``: counts per status, attempts, runs and activity of a journal (read-only, no network)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from bulklike.cli.settings import settings_from
from bulklike.cli.timefmt import plural
from bulklike.results import iso
from bulklike.store.journal import Journal


def cmd_status(args: argparse.Namespace, argv: Sequence[str]) -> int:
    """Print the journal's report as text, or as one JSON object with ``--json``."""
    settings = settings_from(args, logging=False)
    with Journal(settings.journal, lock=False, readonly=True) as journal:
        counts = journal.counts()
        activity = journal.activity()
    report = {
        "journal": settings.journal,
        "counts": counts,
        "total": sum(counts.values()),
        "attempts": activity["attempts"],
        "runs": activity["runs"],
        "first_activity": iso(activity["first_seen"]),
        "last_activity": iso(activity["last_finished"]),
    }
    if args.json:
        sys.stdout.write(json.dumps(report) + "\n")
    else:
        lines = [f"journal: {settings.journal} ({plural(report['total'], 'record')}, {plural(report['runs'], 'run')})"]
        lines += [f"  {status:<14} {n}" for status, n in sorted(counts.items())]
        lines.append(f"  attempts       {report['attempts']}")
        lines.append(f"  first activity {report['first_activity'] or '-'}")
        lines.append(f"  last activity  {report['last_activity'] or '-'}")
        sys.stdout.write("\n".join(lines) + "\n")
    return 0
