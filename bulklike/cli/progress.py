"""The live progress line on stderr, and the summary at the end of a run.

One line redrawn in place (``\\r`` + erase) a few times a second, also while waiting, so it can say
what it waits for. It is drawn only when stderr is a terminal; log lines erase it, print, and
let it come back. Written by hand rather than with rich or tqdm: it needs one line, a custom
layout and redraws during waits, which is a page of code and no dependency.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TextIO

from bulklike.cli.timefmt import clock_time, duration, plural
from bulklike.report import Progress as Snapshot

__all__ = ["LiveLine", "Snapshot", "clock_time", "duration", "render", "summary_text"]

_SHOWN = (
    ("liked", "liked"),
    ("unliked", "unliked"),
    ("already_liked", "already"),
    ("not_liked", "not liked"),
    ("not_found", "not found"),
    ("forbidden", "forbidden"),
    ("skipped", "skipped"),
    ("failed", "failed"),
)


def render(snap: Snapshot, width: int = 160, now: float | None = None) -> str:
    """One frame. Before the first answer it says what is going on (reading, sending) rather than
    counting zeros: no ``0/0+``, no rate of ``0/h``."""
    if snap.total == 0 and snap.reading:
        parts = ["reading the input"]
    else:
        parts = [f"{snap.done}/{snap.total}{'+' if snap.reading else ''}"]
    if snap.done == 0:
        if snap.total and snap.waiting is None:
            parts.append("sending, no answer yet")
    else:
        parts.append(
            " ".join(
                f"{label} {snap.counts.get(key, 0)}"
                for key, label in _SHOWN
                if snap.counts.get(key, 0) or key == "failed"
            )
        )
    if snap.rate_per_s > 0:
        parts.append(f"{snap.rate_per_s * 3600:.0f}/h" if snap.rate_per_s < 1 else f"{snap.rate_per_s:.1f}/s")
    if snap.quota is not None:
        scope, limit, left = snap.quota
        parts.append(f"{scope} quota {left} left of {limit}")
    if snap.eta is not None:
        parts.append(f"ETA {clock_time(snap.eta)}")
    if snap.waiting is not None:
        wait_s = snap.waiting.until - (time.time() if now is None else now)
        parts.append(
            f"waiting for {snap.waiting.reason} until {clock_time(snap.waiting.until)} (in {duration(wait_s)})"
        )
    line = " | ".join(parts)
    return line if len(line) <= width else line[: width - 1] + "…"


@dataclass(slots=True)
class LiveLine:
    """Draws ``render(snapshot())`` on a terminal stream; a no-op when disabled."""

    stream: TextIO
    enabled: bool
    snapshot: Callable[[], Snapshot | None] | None = None
    interval: float = 0.25
    _shown: bool = field(default=False)

    def clear(self) -> None:
        if self.enabled and self._shown:
            self.stream.write("\r\x1b[2K")
            self._shown = False

    def draw(self) -> None:
        snapshot = self.snapshot() if self.enabled and self.snapshot is not None else None
        if snapshot is None:
            return
        self.stream.write("\r\x1b[2K" + render(snapshot))
        self.stream.flush()
        self._shown = True

    async def run(self) -> None:
        """Redraw until cancelled; the caller cancels it and calls ``clear()`` at the end."""
        if not self.enabled:
            return
        while True:
            self.draw()
            await asyncio.sleep(self.interval)


def summary_text(
    *,
    title: str,
    run_counts: dict[str, int],
    journal_counts: dict[str, int],
    elapsed: float,
    wait_s: float,
    journal: str,
    resume: str | None,
    exit_code: int,
    refused: int = 0,
    earlier: int = 0,
) -> str:
    """The end-of-run summary for stderr."""
    order = (
        "liked",
        "unliked",
        "already_liked",
        "not_liked",
        "not_found",
        "forbidden",
        "skipped",
        "failed",
        "invalid",
        "pending",
        "planned",
    )
    this_run = ", ".join(f"{k} {run_counts[k]}" for k in order if run_counts.get(k))
    if earlier:  # sent although this run's input did not list them: counted apart, never a surprise
        this_run += f" ({earlier} of them left pending by earlier runs)"
    overall = ", ".join(f"{k} {journal_counts[k]}" for k in order if journal_counts.get(k))
    likes = run_counts.get("liked", 0) + run_counts.get("unliked", 0)
    per_s = likes / elapsed if elapsed > 0 else 0.0
    # under a minute an hourly figure is a projection nobody saw ("2000000 per hour")
    pace = f"{per_s:.1f} per second" if elapsed < 60 else f"{per_s * 3600:.0f} per hour"
    lines = [
        f"bulklike: {title} after {duration(elapsed)} (exit {exit_code})",
        f"  this run: {this_run or 'nothing sent'}",
        f"  journal:  {overall or 'empty'}",
        f"  pace:     {pace} achieved; {duration(wait_s)} spent waiting on quota"
        + (f"; {refused} refused with 429" if refused else ""),
        f"  journal file: {journal}",
    ]
    if journal_counts.get("planned"):
        lines.append(
            f"  planned:  {plural(journal_counts['planned'], 'ID')} from a dry run, not sent:"
            " a run with no input sends them"
        )
    if resume:
        lines.append(f"  to resume: {resume}")
    return "\n".join(lines) + "\n"
