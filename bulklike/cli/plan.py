"""``--dry-run``: what a run would do, printed on stderr, with nothing sent."""

from __future__ import annotations

from typing import TextIO

from bulklike.cli.progress import clock_time, duration
from bulklike.config import Settings
from bulklike.errors import EXIT_OK, EXIT_SOME_FAILED
from bulklike.input.ingest import IngestStats
from bulklike.pacing.pacer import Pacer
from bulklike.store.journal import Journal


def print_plan(
    journal: Journal, run_id: int, stats: IngestStats, pacer: Pacer, settings: Settings, out: TextIO, now: float
) -> int:
    """Print the plan; exit 1 when some input lines were invalid, else 0."""
    seen = journal.ingest_counts(run_id)
    new = seen.pop("new", 0)
    earlier_pending = seen.pop("seen_pending", 0)
    earlier_done = sum(seen.values())
    duplicates = stats.valid - new - earlier_pending - earlier_done
    pending = journal.count_pending()
    lines = [
        "bulklike: dry run, nothing sent",
        f"  input:    {stats.valid + stats.invalid} records: {new} new, {earlier_done} already done, "
        f"{earlier_pending} already pending, {duplicates} duplicate, {stats.invalid} invalid",
    ]
    for i, given in enumerate(stats.inputs):  # what each input gave, duplicates included
        invalid = f", {given.invalid} invalid" if given.invalid else ""
        lines.append(f"  {'from:' if i == 0 else '':<10}{given.name}: {given.ids} IDs{invalid}")
    lines.append(f"  queue:    {pending} pending in {settings.journal}")
    lines.append(f"  api:      {settings.api}" + (" (auto: moves to v2 at the first 453)" if settings.auto else ""))
    for scope, limit, left in pacer.quota_left():
        lines.append(f"  quota:    {scope} {limit}: {left} left now")
    interval = settings.interval
    lines.append(f"  pacing:   {interval:g} s between sends, concurrency {settings.concurrency}")
    if pending:
        finish = pacer.estimate_finish(pending)
        lines.append(f"  estimate: done by {clock_time(finish)} (in {duration(finish - now)})")
    out.write("\n".join(lines) + "\n")
    return EXIT_SOME_FAILED if stats.invalid else EXIT_OK
