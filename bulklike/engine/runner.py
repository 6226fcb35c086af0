"""The runner: pending IDs out of the journal, through the pacer and the client, outcomes back in.

Workers take pending IDs in input order (the ingest thread may still be adding them), wait for
a pacer slot, send, classify, and hand the outcome to the recorder. tenacity retries transient
answers with exponential backoff and jitter; a 429 pauses every worker and never spends an
attempt; so does an outage (``pacing.outage``: the API cannot be reached). A fatal answer, a
signal, ``--max-likes``, ``--until`` or ``--offline-timeout`` stop dispatching; requests already
on the wire finish (bounded by the client's timeout) and are recorded.

An answer about the account (credentials, access level, enrollment, credits, a usage cap) is
never recorded as an answer about the tweet: the ID stays ``pending`` and the run stops with the
answer's advice. Under ``--api auto`` a 453 (no v1.1 likes at this access level) instead moves the
whole run to v2 once, and the IDs that got it are sent again there as if they had never been sent.
Unexplained 4xx answers go through the breaker (``api.breaker``) before anything is recorded.
"""

from __future__ import annotations

import asyncio
import collections
import dataclasses
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

from tenacity import AsyncRetrying, RetryCallState, retry_if_result, stop_after_attempt, wait_exponential_jitter

from bulklike.engine.recorder import Recorder
from bulklike.errors import EXIT_FATAL, EXIT_LIMIT, BulklikeError
from bulklike.logs import SILENT
from bulklike.pacing.budget import Budget
from bulklike.pacing.outage import Outage, Pass
from bulklike.pacing.pacer import Pacer, RateLimitGiveUp, Waiting
from bulklike.store.journal import Journal, Record
from bulklike.x.account import Problem, on_neither_api, repeated_unknown_line, stop_exit_code
from bulklike.x.breaker import BREAKER_THRESHOLD, Breaker, Trip
from bulklike.x.classify import Answer, Kind, Outcome, classify, fatal_hint
from bulklike.x.codes import NOT_CONNECTED


class LikeClient(Protocol):
    """The one interface the runner needs from the network (tests pass a plain fake)."""

    async def like(self, tweet_id: str) -> Answer: ...

    async def unlike(self, tweet_id: str) -> Answer: ...


class ApiSwitch(Protocol):
    """``--api auto``: moves the client and the pacer to v2 (raises BulklikeError if it cannot)."""

    async def to_v2(self) -> None: ...


@dataclass(frozen=True, slots=True, kw_only=True)
class RetryPolicy:
    max_attempts: int = 5
    initial_s: float = 1.0
    max_wait_s: float = 60.0
    jitter_s: float = 1.0


class _Stop(Exception):
    """Raised inside a worker when the run must not send any more."""


class Runner:
    """Drives one journal's queue (likes, or unlikes for undo) to the end or to a stop."""

    def __init__(
        self,
        journal: Journal,
        pacer: Pacer,
        client: LikeClient,
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
        log: Any = None,
        switch: ApiSwitch | None = None,
        breaker_threshold: int = BREAKER_THRESHOLD,
        gate: Callable[[], Awaitable[bool]] | None = None,
    ) -> None:
        self.journal = journal
        self.gate = gate  # before the first send: confirm the account (True: never again this run)
        self.pacer = pacer
        self.client = client
        self.recorder = recorder
        self.concurrency = concurrency
        self.retry = retry
        self.undo = undo
        self.action = "unlike" if undo or unlike else "like"  # unlike: the main queue, sent as unlikes
        self.budget = Budget(max_likes) if max_likes is not None else None
        self.clock = clock
        self.sleep = sleep
        self.stop_code: int | None = None
        self.stop_message: str | None = None
        self.stop_error: BulklikeError | None = None  # what stopped the run, when it is an error to report
        self.limit_reached = False
        self.reading = asyncio.Event()  # set while an ingestor may still add rows
        self.new_rows = asyncio.Event()
        self._cursor = 0
        self._queue: collections.deque[str] = collections.deque()
        self._take_lock = asyncio.Lock()
        self._sending: set[asyncio.Task[None]] = set()
        self._workers: list[asyncio.Task[None]] = []
        self._log = log if log is not None else SILENT  # the engine prints nothing unless given a logger
        self._loop: asyncio.AbstractEventLoop | None = None  # set by run()
        self.switch = switch
        self.switched = False  # the run moved to v2 (--api auto)
        self._switching: asyncio.Future[None] | None = None
        self.breaker: Breaker[Record] = Breaker(breaker_threshold)
        self.outage = Outage(timeout_s=offline_timeout_s, clock=clock, sleep=sleep, on_change=self._on_outage)

    def _on_outage(self, what: str, at: float) -> None:
        if what in ("started", "waiting"):
            log = self._log.warning if what == "started" else self._log.info
            log("waiting for the API to be reachable", next_probe_in_s=round(at - self.clock(), 1))
            self.pacer.show_waiting(Waiting("the API to be reachable", at))
        elif what == "reached":
            self._log.warning("the API is reachable again", offline_s=round(at, 1))
            self.pacer.show_waiting(None)
        else:
            self.request_stop(EXIT_LIMIT, self.outage.stop_message(self.clock() - at))
            self._log.warning("api_unreachable", detail=self.stop_message)

    # -- stopping ------------------------------------------------------------------------------

    def request_stop(self, code: int, message: str | None = None) -> None:
        """Stop dispatching; workers not on the wire are cancelled, the others finish and record."""
        if self.stop_code is None or code == EXIT_FATAL:
            self.stop_code, self.stop_message = code, message
        for task in self._workers:
            if task not in self._sending:
                task.cancel()

    def hard_stop(self) -> None:
        """Second Ctrl-C: cancel everything now (the journal stays consistent)."""
        for task in self._workers:
            task.cancel()

    # -- the queue -----------------------------------------------------------------------------

    async def _next_id(self) -> str | None:
        async with self._take_lock:
            while self.stop_code is None:
                if self._queue:
                    return self._queue.popleft()
                self.new_rows.clear()
                rows = self.journal.pending_after(self._cursor, 512, undo=self.undo)
                if rows:
                    self._cursor = rows[-1][0]
                    self._queue.extend(tweet_id for _, tweet_id in rows)
                    continue
                if not self.reading.is_set():
                    return None
                await self.new_rows.wait()
            return None

    # -- one ID --------------------------------------------------------------------------------

    async def _admit(self) -> Pass:
        """Before each send: a stop, the outage gate, then ``--max-likes`` (which raise ``_Stop``)."""
        if self.stop_code is not None:
            raise _Stop
        passed = await self.outage.gate()
        if passed == "stop":
            raise _Stop
        if self.budget is not None and not await self.budget.take():
            self.limit_reached = True
            raise _Stop
        return passed

    async def _send(self, tweet_id: str, attempts: list[int]) -> Outcome:
        """One attempt: 429s wait and go again without counting; anything else is the result."""
        task = asyncio.current_task(self._loop)  # given the loop, it skips a getpid() system call
        assert task is not None
        while True:
            passed = await self._admit()
            used = switch = False
            try:
                send_id = await self.pacer.acquire()
                if send_id is None:
                    self.limit_reached = True
                    raise _Stop
                if self._switching is not None and not self._switching.done():
                    self.pacer.given_back(send_id)  # nothing leaves for the old API once the switch began
                    await self._switch_to_v2(tweet_id)
                    continue
                before_switch = not self.switched
                self._sending.add(task)
                try:
                    answer = await (self.client.unlike if self.action == "unlike" else self.client.like)(tweet_id)
                finally:
                    self._sending.discard(task)
                sent_at = self.clock()
                outcome = classify(answer, self.action)
                switch = outcome.problem is Problem.NO_V1_ACCESS and self.switch is not None and before_switch
                if switch:
                    self.pacer.given_back(send_id)  # v1.1 refused the app: the send counts toward no limit
                elif answer.status:
                    sent_at = self.pacer.answered(send_id, sent_at)
                elif answer.transport_error in NOT_CONNECTED:  # never left: no attempt, the slot back
                    self.pacer.given_back(send_id)
                    self.outage.unreachable(probe=passed == "probe")
                    continue
                else:
                    self.pacer.unanswered(send_id)
                self.outage.reached()
                used = outcome.status in ("liked", "unliked")
            finally:
                if self.budget is not None:
                    await asyncio.shield(self.budget.give_back(used=used))
            if switch:
                await self._switch_to_v2(tweet_id)
                continue  # the same ID again, now on v2; this send is not an attempt
            if outcome.kind is Kind.RATE_LIMITED:
                self.pacer.refused(sent_at, answer.headers)
                self._log.info(
                    "rate_limited",
                    tweet_id=tweet_id,
                    http_status=answer.status,
                    wait_until=self.pacer.waiting.until if self.pacer.waiting else None,
                )
                continue
            if answer.status:
                self.pacer.succeeded(answer.headers)
            attempts[0] += 1
            return outcome

    async def _switch_to_v2(self, tweet_id: str) -> None:
        """Join (or start) the one switch to v2; every worker that got a 453 waits for it."""
        if self._switching is None:
            self._log.warning("api_switch", tweet_id=tweet_id, detail="v1.1 answered 453: switching the run to v2")
            self._switching = asyncio.ensure_future(self._do_switch())
        try:
            await asyncio.shield(self._switching)
        except BulklikeError as exc:
            self.request_stop(EXIT_FATAL, str(exc))
            raise _Stop from None

    async def _do_switch(self) -> None:
        assert self.switch is not None
        await self.switch.to_v2()
        self.switched = True

    def _before_sleep(self, tweet_id: str) -> Callable[[RetryCallState], None]:
        def log(state: RetryCallState) -> None:
            outcome = state.outcome.result() if state.outcome is not None else None
            wait = state.next_action.sleep if state.next_action is not None else 0.0
            self._log.info(
                "retry",
                tweet_id=tweet_id,
                attempt=state.attempt_number,
                wait_s=round(wait, 3),
                http_status=getattr(outcome, "http_status", None),
                message=getattr(outcome, "message", None),
            )

        return log

    async def _attempts(self, tweet_id: str, attempts: list[int]) -> Outcome:
        """All attempts for one ID. Most need one, so the first is made without tenacity (setting
        it up costs more than signing); an outcome that calls for a retry is then handed to
        tenacity as its first attempt, so waits, logs and stopping are exactly as before."""
        first = await self._send(tweet_id, attempts)
        if first.kind is not Kind.RETRYABLE or self.stop_code is not None:
            return first
        replay = [first]

        async def attempt(tweet_id: str, attempts: list[int]) -> Outcome:
            return replay.pop() if replay else await self._send(tweet_id, attempts)

        policy = self.retry
        retrying = AsyncRetrying(
            stop=stop_after_attempt(policy.max_attempts),
            wait=wait_exponential_jitter(initial=policy.initial_s, max=policy.max_wait_s, jitter=policy.jitter_s),
            retry=retry_if_result(lambda o: o.kind is Kind.RETRYABLE and self.stop_code is None),
            retry_error_callback=lambda state: state.outcome.result() if state.outcome else None,
            before_sleep=self._before_sleep(tweet_id),
            sleep=self.sleep,
        )
        outcome: Outcome = await retrying(attempt, tweet_id, attempts)
        return outcome

    async def _process(self, tweet_id: str) -> None:
        attempts = [0]
        try:
            if self.gate is not None and await self.gate():  # the first ID: who the account is
                self.gate = None
            outcome = await self._attempts(tweet_id, attempts)
        except _Stop:
            if attempts[0]:
                self._record(tweet_id, "pending", attempts[0], None)
            return
        except BulklikeError as exc:  # account refused or tokens not renewable: stays pending, like the rest
            self.stop_error = self.stop_error or exc
            self.request_stop(exc.exit_code, str(exc))
            return
        if outcome.kind is Kind.FATAL:
            self._record(tweet_id, "pending", attempts[0], outcome)
            line = _stop_line(outcome, after_453=self.switched)
            if (code := stop_exit_code(outcome.problem)) != EXIT_FATAL:  # a daily cap: resume tomorrow
                self._log.warning("usage_capped", tweet_id=tweet_id, detail=line)
            self.request_stop(code, line)
        elif outcome.kind is Kind.RETRYABLE and self.stop_code is not None:
            self._record(tweet_id, "pending", attempts[0], outcome)
        elif Breaker.watches(outcome):
            trip = self.breaker.suspect(tweet_id, outcome, self._make(tweet_id, outcome.status, attempts[0], outcome))
            if trip is not None:
                self._trip(trip)
        else:
            if outcome.kind is Kind.DONE:
                for held in self.breaker.success():  # the unexplained answers were about their tweets
                    self.recorder.add(held)
            self._record(tweet_id, outcome.status, attempts[0], outcome)

    def _trip(self, trip: Trip) -> None:
        """The breaker opened: what it held goes back to ``pending`` and the run stops."""
        self._release_held(pending=True)
        self.request_stop(EXIT_FATAL, repeated_unknown_line(trip.http_status, trip.key, trip.message, trip.tweets))

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
        )

    async def _worker(self) -> None:
        # Once --max-likes or --until has ended sending, every further ID would only be taken and
        # dropped: stop, or a resume walks the whole rest of the queue (seconds for a million rows).
        while not self.limit_reached and (tweet_id := await self._next_id()) is not None:
            await self._process(tweet_id)

    # -- the whole run -------------------------------------------------------------------------

    async def run(self) -> None:
        """Work until the queue is empty and reading is done, or until a stop."""
        self._loop = asyncio.get_running_loop()
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
                if isinstance(result, RateLimitGiveUp):
                    self.request_stop(EXIT_FATAL, f"{result}; run again later")
                elif isinstance(result, BaseException) and not isinstance(result, asyncio.CancelledError):
                    raise result
        finally:
            # Held answers the breaker did not decide: a run that ended by itself had successes or
            # fewer than the threshold, so they are their tweets'; after a stop they stay pending.
            self._release_held(pending=self.stop_code is not None)
            flusher.cancel()
            await asyncio.gather(flusher, return_exceptions=True)
            self.recorder.flush()

    def _on_task_done(self, task: asyncio.Task[None]) -> None:
        """A worker or the flusher died of an error (the journal or the ledger cannot be written):
        nothing more could be recorded, so stop sending at once rather than when each worker
        fails in turn (a full disk once cost a run ~100 likes sent and never recorded)."""
        if not task.cancelled() and not isinstance(task.exception(), RateLimitGiveUp | None):
            self.hard_stop()


def _stop_line(outcome: Outcome, *, after_453: bool = False) -> str:
    """The one line a fatal answer prints: today's account-wide answers carry their own advice
    (after an ``--api auto`` move, v2's refusal of the app says that v1.1 refused it too)."""
    if outcome.advice is not None:
        return (
            on_neither_api(outcome.advice) if after_453 and outcome.problem is Problem.NOT_ENROLLED else outcome.advice
        )
    hint = fatal_hint(outcome.error_code, outcome.http_status)
    code = f" (code {outcome.error_code})" if outcome.error_code is not None else ""
    said = outcome.message or f"HTTP {outcome.http_status}"
    return f"the API said: {said}{code} — {hint}"
