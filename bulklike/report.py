"""What a ``like()`` or ``undo()`` call reports: where it stands while it runs, and how it ended."""

from __future__ import annotations

from dataclasses import dataclass

from bulklike.pacing.limits import Limit
from bulklike.pacing.pacer import Waiting


@dataclass(slots=True)
class Progress:
    """A running call at one moment, for a progress display."""

    done: int
    total: int
    counts: dict[str, int]
    rate_per_s: float
    quota: tuple[str, Limit, int] | None  # the tightest: (scope, limit, left)
    eta: float | None
    waiting: Waiting | None
    reading: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class RunReport:
    """How one ``like()`` or ``undo()`` call ended.

    ``counts`` are this call's results by status (invalid inputs included); ``pending`` is what is
    left to send in the journal; ``exit_code`` is the one the CLI gives such a run (0 done, 1 some
    failed or invalid, 3 stopped by a fatal answer, 75 stopped with work pending, or the signal's).
    """

    command: str
    counts: dict[str, int]
    pending: int
    journal_counts: dict[str, int]
    exit_code: int
    message: str | None
    elapsed_s: float
    wait_s: float
    refused: int
    earlier: int = 0  # of the IDs this call ended, those its input did not list (left pending by earlier runs)
