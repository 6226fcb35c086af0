"""What a ``like()`` or ``undo()`` call reports: where it stands while it runs, and how it ended."""

from __future__ import annotations

import enum
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


class StopReason(enum.Enum):
    """Why a call stopped sending before its queue was empty (``RunReport.reason``).

    The engine speaks in reasons; process exit codes are the CLI's mapping of them.
    """

    STOPPED = "stopped"  # Session.stop() was called (the CLI does on SIGINT or SIGTERM)
    MAX_LIKES = "max_likes"  # the slice limit (``max_likes``, --max-likes) was reached
    UNTIL = "until"  # the time limit (``until``, --until) came
    OUTAGE = "outage"  # the API could not be reached for --offline-timeout
    USAGE_CAP = "usage_cap"  # a daily usage cap: nothing more is accepted today
    RATE_LIMITED = "rate_limited"  # the API kept answering 429 after every wait
    FATAL_ANSWER = "fatal_answer"  # an answer about the account or app (credentials, access, the breaker)
    AUTHORIZATION = "authorization"  # the account check refused, or stored tokens cannot be renewed
    BAD_INPUT = "bad_input"  # an input turned out unusable half-way (a cut archive)

    @property
    def resumable_later(self) -> bool:
        """A stop that a later run simply resumes (a limit, not a problem to fix first)."""
        return self in (StopReason.MAX_LIKES, StopReason.UNTIL, StopReason.OUTAGE, StopReason.USAGE_CAP)


@dataclass(frozen=True, slots=True, kw_only=True)
class RunReport:
    """How one ``like()`` or ``undo()`` call ended.

    ``counts`` are this call's results by status (invalid inputs included); ``pending`` is what is
    left to send in the journal; ``reason`` is why it stopped early (``None``: it ran to its end);
    ``message`` the one line that explains a fatal stop.
    """

    command: str
    counts: dict[str, int]
    pending: int
    journal_counts: dict[str, int]
    reason: StopReason | None
    message: str | None
    elapsed_s: float
    wait_s: float
    refused: int
    earlier: int = 0  # of the IDs this call ended, those its input did not list (left pending by earlier runs)
