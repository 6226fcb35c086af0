"""One call's stop state: the one place that says whether, and why, the call stops sending.

Every way of ending early (``Session.stop()``, ``--max-likes``, ``--until``, an outage, a fatal
answer, an unusable input, a refused account) is a ``StopReason`` handed to ``RunState.stop()``.
When several come, the weightier one wins (a fatal answer after a signal is still a fatal
answer), and among equals the first. The CLI maps the final reason to an exit code; the engine
never sees one.
"""

from __future__ import annotations

from collections.abc import Callable

from bulklike.errors import BulklikeError
from bulklike.report import StopReason

#: how much a reason weighs when another one comes later: the heavier one stays
_WEIGHT = {
    StopReason.MAX_LIKES: 1,
    StopReason.UNTIL: 1,
    StopReason.OUTAGE: 1,
    StopReason.USAGE_CAP: 1,
    StopReason.BAD_INPUT: 2,
    StopReason.STOPPED: 3,
    StopReason.RATE_LIMITED: 4,
    StopReason.FATAL_ANSWER: 4,
    StopReason.AUTHORIZATION: 5,
}


class RunState:
    """Why the call stops (``None`` while it may send), with the line and error that explain it."""

    __slots__ = ("error", "message", "on_stop", "reason")

    def __init__(self, on_stop: Callable[[StopReason], None] | None = None) -> None:
        self.reason: StopReason | None = None
        self.message: str | None = None  # the one line a fatal stop prints
        self.error: BulklikeError | None = None  # raised to the caller after the last result
        self.on_stop = on_stop  # the runner: stop dispatching

    @property
    def stopped(self) -> bool:
        return self.reason is not None

    def stop(self, reason: StopReason, message: str | None = None, *, error: BulklikeError | None = None) -> None:
        """Stop sending for ``reason``, unless a weightier reason already stopped the call."""
        if self.reason is None or _WEIGHT[reason] > _WEIGHT[self.reason]:
            self.reason, self.message = reason, message
            if error is not None or reason is not StopReason.AUTHORIZATION:
                self.error = error
        if self.on_stop is not None:
            self.on_stop(reason)
