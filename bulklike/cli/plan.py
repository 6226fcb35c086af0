"""``--dry-run``: the engine's plan, printed on stderr."""

from __future__ import annotations

from typing import TextIO

from bulklike.cli.timefmt import clock_time, duration, plural
from bulklike.plan import Plan

UNKNOWN = "left now: unknown until credentials are given"


def print_plan(plan: Plan, out: TextIO) -> None:
    """Print what a run would do, with nothing sent."""
    lines = [
        "bulklike: dry run, nothing sent",
        f"  input:    {plural(plan.lines, 'record')}: {plan.new} new, {plan.already_done} already done, "
        f"{plan.already_pending} already pending, {plan.duplicates} duplicate, {plan.invalid} invalid",
    ]
    for i, given in enumerate(plan.inputs):  # what each input gave, duplicates included
        invalid = f", {given.invalid} invalid" if given.invalid else ""
        lines.append(f"  {'from:' if i == 0 else '':<10}{given.name}: {plural(given.ids, 'ID')}{invalid}")
    lines.append(f"  queue:    {plural(plan.pending, 'ID')} to send in {plan.journal}")
    if plan.pending:
        lines.append("  next:     `bulklike run` with no input sends them; a run of other inputs leaves them unsent")
    lines.append(f"  api:      {plan.api}" + (" (auto: moves to v2 at the first 453)" if plan.auto else ""))
    for scope, limit, left in plan.quota:
        lines.append(f"  quota:    {scope} {limit}: {left} left now")
    if not plan.credentials:
        lines.append(f"  quota:    {UNKNOWN}")
    lines.append(f"  pacing:   {plan.interval_s:g} s between sends, concurrency {plan.concurrency}")
    if plan.finish is not None:
        best = "" if plan.credentials else ", if the whole quota is free"
        lines.append(f"  estimate: done by {clock_time(plan.finish)} (in {duration(plan.finish - plan.now)}{best})")
    out.write("\n".join(lines) + "\n")
