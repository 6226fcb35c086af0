"""One send of one tweet ID, as a small state machine: admit, take a slot, send, settle.

``Send(wire, tweet_id).run()`` goes through its steps once and says what happened (``Sent``):

    admit ──(a stop, the outage gate, --max-likes)──▶ STOPPED
      │
    slot ──(--until, a move under way)──────────────▶ STOPPED / SWITCHED (slot given back)
      │      (the slot weighs what the network says a like or an unlike costs)
    send through the Network ─▶ its Reply ─▶ settle the slot (one ``Pacer.settle``) ─▶
            a move asked for (X: 453 under --api auto) ▶ SWITCHED     (slot given back, no attempt)
            never connected                            ▶ UNREACHABLE  (slot given back, no attempt)
            429                                        ▶ RATE_LIMITED (slot kept, every worker pauses, no attempt)
            any other answer                           ▶ ANSWERED     (slot kept, one attempt spent)

Only ANSWERED spends an attempt; the runner sends again after SWITCHED, UNREACHABLE and
RATE_LIMITED, and stops after STOPPED. What every send of a run shares (the pacer, the network,
the outage gate, the budget, the one move, the run's stop state) is the ``Wire``.
"""

from __future__ import annotations

import asyncio
import dataclasses
import enum
from collections.abc import Callable
from dataclasses import dataclass, field

from bulklike.engine.network import Network
from bulklike.engine.state import RunState
from bulklike.errors import BulklikeError, TlsRefused
from bulklike.logs import Logger
from bulklike.outcome import Kind, Outcome, may_have_landed
from bulklike.pacing.budget import Budget
from bulklike.pacing.outage import Outage, Pass
from bulklike.pacing.pacer import Pacer, RateLimitGiveUp, SlotEnd
from bulklike.report import StopReason


class Step(enum.Enum):
    """What one send came to."""

    STOPPED = "stopped"  # nothing left: the run stops (the reason is in the RunState)
    SWITCHED = "switched"  # the run moved (X: to v2): send the same ID again there
    UNREACHABLE = "unreachable"  # the API could not be reached: wait at the outage gate, send again
    RATE_LIMITED = "rate_limited"  # 429: every worker waits for the reset, then this ID goes again
    ANSWERED = "answered"  # an answer about this tweet: one attempt spent


@dataclass(slots=True)
class Sent:
    """What happened: the step, the classified answer (ANSWERED, RATE_LIMITED), the slot's end.

    One per send, never changed after it is made (not ``frozen``: that costs a call per field to make)."""

    step: Step
    outcome: Outcome | None = None
    slot: SlotEnd | None = None  # None: no slot was taken

    @property
    def attempt(self) -> bool:
        """Whether this send counts as an attempt for the ID."""
        return self.step is Step.ANSWERED


class Move:
    """The one move of a run the network asked for (X: to v2 under ``--api auto``): every worker whose
    answer asked for it joins it; afterwards the pacer takes the network's limits."""

    def __init__(self, network: Network, pacer: Pacer, state: RunState, log: Logger) -> None:
        self.network = network
        self.pacer = pacer
        self.state = state
        self.log = log
        self.done = False  # the run moved
        self._moving: asyncio.Future[None] | None = None

    @property
    def under_way(self) -> bool:
        return self._moving is not None and not self._moving.done()

    async def join(self, tweet_id: str, why: str = "") -> bool:
        """Start (or wait for) the move; False when it failed and the run stops."""
        if self._moving is None:
            self.log.warning("api_switch", tweet_id=tweet_id, detail=why)
            self._moving = asyncio.ensure_future(self._move())
        try:
            await asyncio.shield(self._moving)
        except BulklikeError as exc:
            self.state.stop(StopReason.FATAL_ANSWER, str(exc))
            return False
        return True

    async def _move(self) -> None:
        await self.network.move()
        limits = self.network.limits()
        self.pacer.set_limits(limits.user, limits.app, limits.interval)
        self.done = True


@dataclass(slots=True, kw_only=True)
class Wire:
    """What every send of one run shares."""

    state: RunState
    pacer: Pacer
    network: Network
    outage: Outage
    move: Move
    budget: Budget | None
    unlike: bool  # send unlikes (undo, unlike), else likes
    clock: Callable[[], float]
    log: Logger
    #: workers whose request is on the wire: a stop lets them finish and record
    sending: set[asyncio.Task[None]] = field(default_factory=set)
    #: IDs being sent whose earlier send may have landed (a lost answer): their "already liked" is this run's like
    maybe_done: set[str] = field(default_factory=set)
    loop: asyncio.AbstractEventLoop | None = None


class Send:
    """One send of one ID; ``run()`` walks the steps once."""

    __slots__ = ("key", "tweet_id", "wire")

    def __init__(self, wire: Wire, tweet_id: str, key: str | None = None) -> None:
        self.wire = wire
        self.tweet_id = tweet_id
        self.key = key  # the record its like made, for an unlike (None on X)

    async def run(self) -> Sent:
        wire = self.wire
        passed = await self._admit()
        if passed is None:
            return Sent(Step.STOPPED)
        used = False
        try:
            network = wire.network
            send_id = await wire.pacer.acquire(network.unlike_cost if wire.unlike else network.like_cost)
            if send_id is None:
                wire.state.stop(StopReason.UNTIL)
                return Sent(Step.STOPPED)
            if wire.move.under_way:  # nothing leaves for the old API once the switch began
                wire.pacer.settle(send_id, SlotEnd.GIVEN_BACK, wire.clock(), {})
                return await self._switch(SlotEnd.GIVEN_BACK, "")
            sent = await self._send(send_id, probe=passed == "probe")
            if sent.outcome is not None:
                used, outcome = self._landed(sent.outcome)
                if outcome is not sent.outcome:
                    sent = dataclasses.replace(sent, outcome=outcome)
        finally:
            if wire.budget is not None:
                await asyncio.shield(wire.budget.give_back(self.tweet_id, used=used))
        if sent.step is Step.SWITCHED:
            assert sent.outcome is not None
            return await self._switch(SlotEnd.GIVEN_BACK, wire.network.moves_on(sent.outcome) or "")
        return sent

    async def _admit(self) -> Pass | None:
        """A stop, the outage gate, then ``--max-likes``; None: do not send."""
        wire = self.wire
        if wire.state.stopped:
            return None
        passed = await wire.outage.gate()
        if passed == "stop":
            return None
        if wire.budget is not None and not await wire.budget.take(self.tweet_id):
            wire.state.stop(StopReason.MAX_LIKES)
            return None
        return passed

    async def _send(self, send_id: int, *, probe: bool) -> Sent:
        """The request, its classification, and the slot settled in one pacer call."""
        wire = self.wire
        task = asyncio.current_task(wire.loop)  # given the loop, it skips a getpid() system call
        assert task is not None
        before_move = not wire.move.done
        wire.sending.add(task)
        try:
            network = wire.network
            reply = await (network.unlike(self.tweet_id, self.key) if wire.unlike else network.like(self.tweet_id))
        except TlsRefused:  # the handshake failed: nothing left, no attempt, the slot back
            wire.pacer.settle(send_id, SlotEnd.GIVEN_BACK, wire.clock(), {})
            raise
        finally:
            wire.sending.discard(task)
        at = wire.clock()
        outcome = reply.outcome
        if before_move and network.moves_on(outcome) is not None:
            step, end = Step.SWITCHED, SlotEnd.GIVEN_BACK  # X: v1.1 refused the app, counts toward no limit
        elif not reply.reached:
            wire.pacer.settle(send_id, SlotEnd.GIVEN_BACK, at, reply.headers)  # never left
            wire.outage.unreachable(probe=probe)
            return Sent(Step.UNREACHABLE, None, SlotEnd.GIVEN_BACK)
        elif not reply.answered:
            step, end = Step.ANSWERED, SlotEnd.UNANSWERED
        elif outcome.kind is Kind.RATE_LIMITED:
            step, end = Step.RATE_LIMITED, SlotEnd.REFUSED
        else:
            step, end = Step.ANSWERED, SlotEnd.ANSWERED
        wire.outage.reached()
        try:
            wire.pacer.settle(send_id, end, at, reply.headers)
        except RateLimitGiveUp as exc:
            wire.state.stop(StopReason.RATE_LIMITED, f"{exc}; run again later")
            return Sent(Step.STOPPED, outcome, end)
        if step is Step.RATE_LIMITED:
            waiting = wire.pacer.waiting
            wire.log.info(
                "rate_limited",
                tweet_id=self.tweet_id,
                http_status=outcome.http_status,
                wait_until=waiting.until if waiting else None,
            )
        return Sent(step, outcome, end)

    def _landed(self, outcome: Outcome) -> tuple[bool, Outcome]:
        """(spends a --max-likes unit: it landed or may have; the outcome: 139 after our lost answer is liked)"""
        maybe_done = self.wire.maybe_done
        if may_have_landed(outcome):
            maybe_done.add(self.tweet_id)
            return True, outcome
        if outcome.status == "already_liked" and self.tweet_id in maybe_done:  # X's 139
            return True, dataclasses.replace(outcome, status="liked")
        return outcome.status in ("liked", "unliked"), outcome

    async def _switch(self, end: SlotEnd, why: str) -> Sent:
        """Join the run's one move; then the same ID goes again, as if never sent."""
        if await self.wire.move.join(self.tweet_id, why):
            return Sent(Step.SWITCHED, None, end)
        return Sent(Step.STOPPED, None, end)
