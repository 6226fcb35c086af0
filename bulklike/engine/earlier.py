"""What a run sends beyond its own input, said before its first send: no like is a surprise.

A run with no input resumes on purpose: it queues what a dry run planned and sends what earlier runs
left pending. A run with an input also sends IDs an interrupted run left pending (that is what the
journal is for), but names them first, with their count and where they came from; IDs a dry run only
planned stay unsent unless the input lists them again (``store.planned``).
"""

from __future__ import annotations

from bulklike.logs import Logger
from bulklike.store import planned
from bulklike.store.journal import Journal
from bulklike.store.planned import carried

__all__ = ["announce", "carried"]

_SHOWN = 5  # inputs named in the warning; the rest are counted


def announce(journal: Journal, *, resume: bool, log: Logger, sends: bool = True) -> None:
    """Queue a dry run's plan on a resume, and warn of every ID earlier runs left to send (nothing for a
    call that ``sends`` no likes: a dry run, an undo)."""
    if not sends:
        return
    queued = planned.promote(journal) if resume else 0
    waiting = planned.pending_by_input(journal)
    total = sum(waiting.values())
    if not total:
        return
    names = [f"{name}: {n}" for name, n in list(waiting.items())[:_SHOWN]]
    if len(waiting) > _SHOWN:
        names.append(f"{len(waiting) - _SHOWN} more inputs")
    ids = f"{total} {'ID' if total == 1 else 'IDs'} left pending by earlier runs ({', '.join(names)})"
    dry = f"; {queued} of them planned by a dry run" if queued else ""
    log.warning(
        f"resuming {ids}{dry}" if resume else f"sending {ids} too, whether this input lists them or not",
        count=total,
        planned=queued,
        inputs=dict(list(waiting.items())[:_SHOWN]),
    )
