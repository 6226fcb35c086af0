"""The runner: pending IDs out of the journal, through the pacer and the network, outcomes back in.

Workers take pending IDs in input order (the ingest thread may still be adding them) and hand
each to one ``send.Send`` at a time, which says what happened (``send.Sent``); only an answer
spends an attempt. Transient answers are retried with tenacity's exponential backoff and jitter
(``pacing.backoff``); a 429
pauses every worker and never spends an attempt; so does an outage (``pacing.outage``: the API
cannot be reached). Every stop (a fatal answer, ``Session.stop()``, ``--max-likes``, ``--until``,
``--offline-timeout``) is a ``StopReason`` in the run's one ``RunState``; requests already on the
wire finish (bounded by the client's timeout) and are recorded.

An answer about the account (credentials, access level, enrollment, credits, a usage cap) is
never recorded as an answer about the tweet: the ID stays ``pending`` and the run stops with the
answer's advice. An answer the network says asks for a move (X: a 453 under ``--api auto``) instead
moves the whole run once, and the IDs that got it are sent again as if they had never been sent.
Unexplained 4xx answers go through the breaker (``engine.breaker``) before anything is recorded.
Everything network-specific is behind ``engine.network.Network``; a like's record key (if the network
gives one) is journaled with its outcome, and an unlike is handed it back.
"""

from __future__ import annotations

import asyncio
import collections
import dataclasses
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bulklike.engine.breaker import BREAKER_THRESHOLD, Breaker, Trip, repeated_unknown_line
from bulklike.engine.network import Network
from bulklike.engine.recorder import Recorder
from bulklike.engine.send import Move, Send, Step, Wire
from bulklike.engine.state import RunState
from bulklike.errors import BulklikeError, TlsRefused
from bulklike.logs import SILENT, Logger
from bulklike.outcome import Kind, Outcome, Problem
from bulklike.pacing.backoff import retry_backoff
from bulklike.pacing.budget import Budget
from bulklike.pacing.outage import Outage, OutageEvent
from bulklike.pacing.pacer import Pacer, Waiting
from bulklike.report import StopReason
from bulklike.store.journal import Journal, Record

__all__ = ["RetryPolicy", "Runner"]


@dataclass(frozen=True, slots=True, kw_only=True)
class RetryPolicy:
    """How transient answers are retried: attempts per ID, and the exponential backoff between them."""

    max_attempts: int = 5
    initial_s: float = 1.0
    max_wait_s: float = 60.0
    jitter_s: float = 1.0


class _Tries:
    """One ID's sends until an answer that needs no retry, or a stop; counts the attempts spent."""

    __slots__ = ("attempts", "key", "tweet_id", "wire")

    def __init__(self, wire: Wire, tweet_id: str, key: str | None = None) -> None:
        self.wire, self.tweet_id, self.key, self.attempts = wire, tweet_id, key, 0

    async def attempt(self) -> Outcome | None:
        """Send until one send spends an attempt (429s, outages and a move do not); None: stopped."""
        while True:
            sent = await Send(self.wire, self.tweet_id, self.key).run()
            if sent.step is Step.ANSWERED:
                self.attempts += 1
                return sent.outcome
            if sent.step is Step.STOPPED:
                return None


class Runner:
    """Drives one journal's queue (likes, or unlikes for undo) to the end or to a stop."""

    def __init__(
        self,
        journal: Journal,
        pacer: Pacer,
        network: Network,
        recorder: Recorder,
        *,
        concurrency: int,
        retry: RetryPolicy,
        undo: bool = False,
        unlike: bool = False,
        max_likes: int | None = None,
        offline_timeout_s: float = 1800.0,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        log: Logger | None = None,
        breaker_threshold: int = BREAKER_THRESHOLD,
        state: RunState | None = None,
    ) -> None:
        self.journal = journal
        self.network = network
        self.account: str | None = None  # who the network confirmed, before the first send
        self.pacer = pacer
        self.recorder = recorder
        self.concurrency = concurrency
        self.retry = retry
        self._backoff = retry_backoff(
            max_attempts=retry.max_attempts,
            initial_s=retry.initial_s,
            max_wait_s=retry.max_wait_s,
            jitter_s=retry.jitter_s,
        )
        self.undo = undo
        self.action = "unlike" if undo or unlike else "like"  # unlike: the main queue, sent as unlikes
        self.clock = clock
        self.sleep = sleep
        self.state = state if state is not None else RunState()
        self.state.on_stop = self._on_stop
        self.reading = asyncio.Event()  # set while an ingestor may still add rows
        self.new_rows = asyncio.Event()
        self._cursor = 0
        self._queue: collections.deque[tuple[str, str | None]] = collections.deque()  # (tweet ID, record key)
        self._take_lock = asyncio.Lock()
        self._workers: list[asyncio.Task[None]] = []
        self._log = log if log is not None else SILENT  # the engine prints nothing unless given a logger
        self.breaker: Breaker[Record] = Breaker(breaker_threshold)
        self.outage = Outage(timeout_s=offline_timeout_s, clock=clock, sleep=sleep, on_change=self._on_outage)
        self.wire = Wire(
            state=self.state,
            pacer=pacer,
            network=network,
            outage=self.outage,
            move=Move(network, pacer, self.state, self._log),
            budget=Budget(max_likes) if max_likes is not None else None,
            unlike=self.action == "unlike",
            clock=clock,
            log=self._log,
        )

    @property
    def switched(self) -> bool:
        """The run moved (X: to v2 under --api auto)."""
        return self.wire.move.done

    def _on_outage(self, event: OutageEvent, at: float) -> None:
        if event in (OutageEvent.STARTED, OutageEvent.WAITING):
            log = self._log.warning if event is OutageEvent.STARTED else self._log.info
            log("waiting for the API to be reachable", next_probe_in_s=round(at - self.clock(), 1))
            self.pacer.show_waiting(Waiting("the API to be reachable", at))
        elif event is OutageEvent.REACHED:
            self._log.warning("the API is reachable again", offline_s=round(at, 1))
            self.pacer.show_waiting(None)
        else:
            line = self.outage.stop_message(self.clock() - at)
            self.state.stop(StopReason.OUTAGE, line)
            self._log.warning("api_unreachable", detail=line)

    # -- stopping ------------------------------------------------------------------------------

    def _on_stop(self, reason: StopReason) -> None:
        """Stop dispatching; workers not on the wire are cancelled, the others finish and record.
        The slice and time limits cancel nobody: each worker finds them before its next send."""
        if reason in (StopReason.MAX_LIKES, StopReason.UNTIL):
            return
        for task in self._workers:
            if task not in self.wire.sending:
                task.cancel()

    def hard_stop(self) -> None:
        """Second Ctrl-C: cancel everything now (the journal stays consistent)."""
        for task in self._workers:
            task.cancel()

    # -- the queue -----------------------------------------------------------------------------

    async def _next_id(self) -> tuple[str, str | None] | None:
        """The next pending (tweet ID, record key): undo and unlike hand the key to the network.
        Straight from the queue while it holds some (no await, so no lock needed); else one worker
        at a time reads the next rows, or waits for the ingest thread."""
        if self._queue and not self.state.stopped:
            return self._queue.popleft()
        async with self._take_lock:
            while not self.state.stopped:
                if self._queue:
                    return self._queue.popleft()
                self.new_rows.clear()
                rows = self.journal.pending_keyed_after(self._cursor, 512, undo=self.undo)
                if rows:
                    self._cursor = rows[-1][0]
                    self._queue.extend((tweet_id, key) for _, tweet_id, key in rows)
                    continue
                if not self.reading.is_set():
                    return None
                await self.new_rows.wait()
            return None

    # -- one ID --------------------------------------------------------------------------------

    async def _attempts(self, tries: _Tries) -> Outcome | None:
        """All attempts for one ID: a plain loop that asks tenacity's rules (``pacing.backoff``) for
        the pause after each retryable answer, and stops when they say the attempts are spent, when
        the answer needs no retry, or when the run stops. Most IDs need one attempt and meet no rule."""
        outcome = await tries.attempt()
        number = 1  # tenacity's attempt number: answers (and stops) so far
        while outcome is not None and outcome.kind is Kind.RETRYABLE and not self.state.stopped:
            wait = self._backoff.after(number)
            if wait is None:  # stop_after_attempt: the last answer is the outcome
                return outcome
            self._log.info(
                "retry",
                tweet_id=tries.tweet_id,
                attempt=number,
                wait_s=round(wait, 3),
                http_status=outcome.http_status,
                message=outcome.message,
            )
            await self.sleep(wait)
            outcome = await tries.attempt()
            number += 1
        return outcome

    async def _process(self, tweet_id: str, key: str | None = None) -> None:
        tries = _Tries(self.wire, tweet_id, key)
        try:
            if self.account is None:  # the first ID: who the account is (asked again until confirmed)
                self.account = await self.network.who_am_i()
            outcome = await self._attempts(tries)
        except BulklikeError as exc:  # account refused, tokens not renewable, TLS refused: stays pending
            self.state.stop(_reason_for(exc), str(exc), error=exc)
            return
        attempts = tries.attempts
        if outcome is None:  # stopped before an answer
            if attempts:
                self._record(tweet_id, "pending", attempts, None)
            return
        if outcome.kind is Kind.FATAL:
            self._record(tweet_id, "pending", attempts, outcome)
            line = self.network.stop_line(outcome, moved=self.switched)
            if outcome.problem is Problem.DAILY_CAP:  # resume tomorrow
                self._log.warning("usage_capped", tweet_id=tweet_id, detail=line)
                self.state.stop(StopReason.USAGE_CAP, line)
            else:
                self.state.stop(StopReason.FATAL_ANSWER, line)
        elif outcome.kind is Kind.RETRYABLE and self.state.stopped:
            self._record(tweet_id, "pending", attempts, outcome)
        elif Breaker.watches(outcome):
            trip = self.breaker.suspect(tweet_id, outcome, self._make(tweet_id, outcome.status, attempts, outcome))
            if trip is not None:
                self._trip(trip)
        else:
            if outcome.kind is Kind.DONE:
                for held in self.breaker.success():  # the unexplained answers were about their tweets
                    self.recorder.add(held)
            self._record(tweet_id, outcome.status, attempts, outcome)

    def _trip(self, trip: Trip) -> None:
        """The breaker opened: what it held goes back to ``pending`` and the run stops."""
        self._release_held(pending=True)
        line = repeated_unknown_line(trip.http_status, trip.key, trip.message, trip.tweets)
        self.state.stop(StopReason.FATAL_ANSWER, line)

    def _release_held(self, *, pending: bool) -> None:
        for held in self.breaker.take_held():
            self.recorder.add(dataclasses.replace(held, status="pending") if pending else held)

    def _record(self, tweet_id: str, status: str, attempts: int, outcome: Outcome | None) -> None:
        self.recorder.add(self._make(tweet_id, status, attempts, outcome))

    def _make(self, tweet_id: str, status: str, attempts: int, outcome: Outcome | None) -> Record:
        return Record(
            tweet_id=tweet_id,
            status=status,
            attempts=attempts,
            http_status=outcome.http_status if outcome else None,
            error_code=outcome.error_code if outcome else None,
            message=outcome.message if outcome else None,
            at=self.clock(),
            key=outcome.key if outcome else None,
        )

    async def _worker(self) -> None:
        # Once a stop (--max-likes, --until too) has ended sending, every further ID would only be
        # taken and dropped: stop, or a resume walks the whole rest of the queue (seconds for a million rows).
        while (taken := await self._next_id()) is not None:
            tweet_id = taken[0]
            await self._process(tweet_id, taken[1])
            self.wire.maybe_done.discard(tweet_id)

    # -- the whole run -------------------------------------------------------------------------

    async def run(self) -> None:
        """Work until the queue is empty and reading is done, or until a stop."""
        self.wire.loop = asyncio.get_running_loop()
        flusher = asyncio.create_task(self.recorder.run())
        flusher.add_done_callback(self._on_task_done)
        self._workers = [asyncio.create_task(self._worker()) for _ in range(self.concurrency)]
        for worker in self._workers:
            worker.add_done_callback(self._on_task_done)
        try:
            results = await asyncio.gather(*self._workers, return_exceptions=True)
            if flusher.done() and not flusher.cancelled() and (error := flusher.exception()) is not None:
                raise error
            for result in results:
                if isinstance(result, BaseException) and not isinstance(result, asyncio.CancelledError):
                    raise result
        finally:
            # Held answers the breaker did not decide: a run that ended by itself had successes or
            # fewer than the threshold, so they are their tweets'; after a stop they stay pending.
            self._release_held(pending=self.state.reason not in (None, StopReason.MAX_LIKES, StopReason.UNTIL))
            self.pacer.finish()  # the slots taken ahead and never handed out go back now, not at close
            flusher.cancel()
            await asyncio.gather(flusher, return_exceptions=True)
            self.recorder.flush()

    def _on_task_done(self, task: asyncio.Task[None]) -> None:
        """A worker or the flusher died of an error (the journal or the ledger cannot be written):
        nothing more could be recorded, so stop sending at once rather than when each worker
        fails in turn (a full disk once cost a run ~100 likes sent and never recorded)."""
        if not task.cancelled() and task.exception() is not None:
            self.hard_stop()


def _reason_for(exc: BulklikeError) -> StopReason:
    """A certificate that fails verification is the server's answer (waiting will not fix it);
    anything else raised before an answer is about the credentials."""
    return StopReason.FATAL_ANSWER if isinstance(exc, TlsRefused) else StopReason.AUTHORIZATION
