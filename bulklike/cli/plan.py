"""``--dry-run``: the engine's plan, printed on stderr."""

from __future__ import annotations

import urllib.parse
from typing import TextIO

from bulklike.cli.timefmt import clock_time, duration, plural
from bulklike.config import X_HOSTS
from bulklike.plan import Plan
from bulklike.x.account import ENTERPRISE_NOTE

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
    if plan.unlike:
        skipped = sum(plan.skipped.values())
        lines.append(f"  skipped:  {skipped} of the new IDs are left alone (journaled 'skipped')")
        for reason, count in sorted(plan.skipped.items(), key=lambda item: -item[1]):
            lines.append(f"{'':<12}{count}: {reason}")
    lines.append(
        f"  queue:    {plural(plan.pending, 'ID')} to send in {plan.journal}" + (" (to unlike)" if plan.unlike else "")
    )
    if plan.pending:
        command = "unlike" if plan.unlike else "run"
        lines.append(f"  next:     `bulklike {command}` with no input sends them; other inputs leave them unsent")
    lines.append(f"  api:      {plan.api}" + (" (auto: moves to v2 at the first 453)" if plan.auto else ""))
    if urllib.parse.urlsplit(plan.base_url).hostname in X_HOSTS:  # X itself, not the emulator
        lines.append(f"  note:     {ENTERPRISE_NOTE}")
    for scope, limit, left in plan.quota:
        lines.append(f"  quota:    {scope} {limit}: {left} left now")
    if not plan.credentials:
        lines.append(f"  quota:    {UNKNOWN}")
    lines.append(f"  pacing:   {plan.interval_s:g} s between sends, concurrency {plan.concurrency}")
    if plan.finish is not None:
        best = "" if plan.credentials else ", if the whole quota is free"
        lines.append(f"  estimate: done by {clock_time(plan.finish)} (in {duration(plan.finish - plan.now)}{best})")
    if plan.unlike and plan.allowance is not None and plan.pending:
        seconds = plan.pending / plan.allowance.count * plan.allowance.window_s
        lines.append(
            f"  allowance: {plan.pending} unlikes at {plan.allowance} per user, shared with likes:"
            f" about {duration(seconds)}"
        )
    out.write("\n".join(lines) + "\n")
