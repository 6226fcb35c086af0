"""The network seam: the one protocol the engine sends through, so a second network lands beside X
without touching the engine.

The engine knows sends, slots, outcomes and stops; everything a particular network means by them lives
behind ``Network``: how a request is signed and addressed, what its answers mean (classified into a
``bulklike.outcome.Outcome``), who the account is, what a like costs against its limits, and whether
the run must move somewhere else first (X's ``--api auto`` move from v1.1 to v2). ``x.network.XNetwork``
is X's (built by ``engine.xnet``); ``Session(network=...)`` takes any other.
"""

from __future__ import annotations

from typing import Protocol

from bulklike.outcome import Outcome, Reply
from bulklike.pacing.limits import Allowance

__all__ = ["Network"]


class Network(Protocol):
    """What the engine needs of a network; each member says why the engine needs it."""

    #: a like's weight in the send ledger: the points it costs against every limit (X: 1; the AT
    #: Protocol: 3 for a created record). The pacer reserves this many before the request leaves.
    like_cost: int
    #: an unlike's weight (X: 1; the AT Protocol: 1 for a deleted record), for ``undo`` and ``unlike``
    unlike_cost: int

    async def like(self, tweet_id: str) -> Reply:
        """Like one post. Never raises for a network failure: it comes back as a ``Reply`` (not
        ``reached`` or not ``answered``), so the engine retries, waits or stops by one set of rules.
        A network whose likes are records puts the new record's key in ``outcome.key``: the journal
        keeps it for the unlike."""
        ...

    async def unlike(self, tweet_id: str, key: str | None) -> Reply:
        """Unlike one post. ``key`` is the record key its like's outcome carried (None if there was
        none: X addresses an unlike by the tweet alone, and a journal made by X holds no keys)."""
        ...

    async def who_am_i(self) -> str | None:
        """The account the sends act for, confirmed before the run's first send (so a run with nothing
        to send asks nothing, and a refused credential stops the run with every ID pending: raise a
        ``BulklikeError``). ``None``: not confirmed yet; the engine asks again before the next send."""
        ...

    def limits(self) -> Allowance:
        """The limits that apply now (per account, per app, the least spacing), which the pacer
        enforces with each send's weight. Read at the start of a call and again after a move."""
        ...

    def moves_on(self, outcome: Outcome) -> str | None:
        """Whether this answer asks the whole run to move before going on (X: v1.1's 453 under
        ``--api auto``): the line to log, else ``None``. The engine then gives the slot back, spends
        no attempt, runs ``move()`` once for every worker, and sends the same ID again."""
        ...

    async def move(self) -> None:
        """Make the move ``moves_on`` asked for (raises ``BulklikeError`` when it cannot: the run stops).
        The engine reads ``limits()`` again afterwards."""
        ...

    def stop_line(self, outcome: Outcome, *, moved: bool) -> str:
        """The one line a fatal answer stops the run with (``moved``: after a move, so the line can say
        what the first place answered too)."""
        ...
