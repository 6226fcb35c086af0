"""One ``like()``, ``unlike()`` or ``undo()`` call: its run row, pacer, recorder, runner and ingest thread.

The Session opens what lives as long as it does (journal, ledger, HTTP client); a Job wires one
call's moving parts over them, drives them in a task, and hands committed results over in
batches. Every way of ending early goes through ``stop()``: nothing more is sent, requests in
flight finish and are recorded (``now=True`` cancels them too), unsent IDs stay pending.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import time
from collections.abc import AsyncGenerator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import TextIO, cast

from bulklike.config import Settings
from bulklike.engine.earlier import announce, carried
from bulklike.engine.network import Network
from bulklike.engine.outbox import Handover, Outbox, open_outbox
from bulklike.engine.recorder import Recorder
from bulklike.engine.runner import RetryPolicy, Runner
from bulklike.engine.state import RunState
from bulklike.engine.xnet import XConnection, allowance
from bulklike.errors import FatalApiError
from bulklike.input.feed import Feed
from bulklike.input.filters import Filters
from bulklike.input.ingest import Ingestor, NewInvalid, SkippedId, Source, close_sources
from bulklike.logs import Logger
from bulklike.pacing.ledger import Ledger
from bulklike.pacing.pacer import Pacer, Waiting
from bulklike.plan import Plan, make_plan
from bulklike.report import Progress, RunReport, StopReason
from bulklike.results import Format, Result, iso
from bulklike.store.journal import Journal
from bulklike.store.unlikes import claim_action, skip_pending


@dataclass(frozen=True, slots=True, kw_only=True)
class Parts:
    """What a session lends each of its calls."""

    settings: Settings
    journal: Journal
    ledger: Ledger
    client: XConnection | None  # X's, None until a call sends: a dry run never opens it
    network: Network | None  # the caller's network (``Session(network=...)``), else None: X over ``client``
    retry: RetryPolicy
    force: bool  # take over a journal bound to another account
    log: Logger
    clock: Callable[[], float] = time.time
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep


@dataclass(frozen=True, slots=True)
class Output:
    """Where a CLI run writes its result lines (through the outbox): ``path``, or else ``stdout``."""

    path: str | None
    format: Format
    stdout: TextIO
    on_broken: Callable[[], None] | None = None  # stdout's reader went away: the caller stops the call


@dataclass(frozen=True, slots=True, kw_only=True)
class Call:
    """One ``like()`` or ``undo()`` call's options, typed: what ``Session.batches`` takes.

    ``sources`` are inputs already open (``input.ingest.open_sources``, as the CLI does) or a
    ``feed``'s; ``output`` writes result lines (the CLI); ``results=False`` makes no ``Result``
    objects (a caller whose ``output`` writes them)."""

    undo: bool = False
    sources: list[Source] = field(default_factory=list)
    feed: Feed | None = None
    retry_failed: bool = False
    include_already: bool = False
    max_likes: int | None = None
    until: float | None = None
    output: Output | None = None
    offline_timeout_s: float = 1800.0
    results: bool = True
    unlike: bool = False  # the queue is unliked (``bulklike unlike``)
    filters: Filters | None = None  # unlike's filters: IDs they name are skipped
    dry_run: bool = False  # only plan: IDs are journaled ``planned``, nothing is sent


class Job:
    """Drives one call; ``batches()`` yields its results as they are committed."""

    def __init__(self, parts: Parts, call: Call) -> None:
        self.feed = call.feed
        self.unlike, self.filters = call.unlike, call.filters or None  # unlike: the queue is unliked; filters skip
        self.wants_results, self.dry_run = call.results, call.dry_run  # no Result for the CLI's outbox; a dry run plans
        try:
            self._setup(parts, call)
        except BaseException:
            close_sources(call.sources)
            raise

    def _setup(self, parts: Parts, call: Call) -> None:
        undo, sources, until, output = call.undo, call.sources, call.until, call.output
        settings, journal, self.clock, self.log = parts.settings, parts.journal, parts.clock, parts.log
        self.state = RunState()  # why the call stops, if it stops early: the one place
        self.parts, self.undo, self.command = parts, undo, "undo" if undo else "unlike" if self.unlike else "run"
        claim_action(journal, "unlike" if self.unlike else "like", self.command)
        self.started = self.clock()
        self.run_id = journal.begin_run(self.command, self.started)
        if call.retry_failed:
            journal.retry_failed()
        if undo:
            journal.prepare_undo(include_already=call.include_already)
        announce(journal, resume=not sources, log=self.log, sends=not (undo or self.dry_run))  # before any send
        # a CLI run writes result lines, first what earlier runs still owed; the library hands Results over
        self.outbox: Outbox = (
            open_outbox(journal, output.path, output.format, output.stdout, on_broken=output.on_broken)
            if output is not None
            else Handover(journal)
        )
        network = parts.network
        if network is None and parts.client is not None:  # X: None only in a dry run, whose runner never starts
            network = parts.client.network(settings, journal, parts.ledger, force=parts.force, log=self.log)
        limits = network.limits() if network is not None else allowance(settings)
        parts.ledger.cover((*limits.user, *limits.app))  # the ledger keeps what the network's limits count
        self.pacer = Pacer(
            parts.ledger,
            limits.user,
            limits.app,
            timeout=settings.timeout,
            min_interval=limits.interval,
            clock=self.clock,
            sleep=parts.sleep,
            stop_at=until,
            on_wait=self._on_wait,
        )
        deliver = self._deliver if self.wants_results else None
        self.recorder = Recorder(journal, self.outbox, deliver=deliver, undo=undo, log=self.log)
        retry = parts.retry
        self.runner = Runner(
            journal,
            self.pacer,
            cast(Network, network),  # None only in a dry run, whose runner never starts
            self.recorder,
            concurrency=settings.concurrency,
            retry=RetryPolicy(
                max_attempts=settings.max_attempts,
                initial_s=retry.initial_s,
                max_wait_s=retry.max_wait_s,
                jitter_s=retry.jitter_s,
            ),
            undo=undo,
            unlike=self.unlike,
            max_likes=call.max_likes,
            offline_timeout_s=call.offline_timeout_s,
            clock=self.clock,
            sleep=parts.sleep,
            log=self.log,
            state=self.state,
        )
        self.runner.outage.state.never_s = settings.never_answered_s  # a loopback API never answering: a wrong port
        self.loop = asyncio.get_running_loop()
        skip = self.filters.reason if self.unlike and self.filters else None
        self.ingestor = Ingestor(
            settings.journal,
            self.run_id,
            sources,
            clock=self.clock,
            on_commit=self._from_thread,
            skip=skip,
            planned=self.dry_run,  # a dry run plans: its IDs wait for a run that lists them again
        )
        self.report: RunReport | None = None
        self._ready: list[Result] = []
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._planning = False
        self._counted_at, self._total, self._final = -math.inf, 0, False
        self._eta: tuple[float, float | None] = (-math.inf, None)
        if skip is not None:  # filters given on a resume apply to what is pending too, before any send
            found = skip_pending(journal, skip, self.clock())
            now = self.started
            self.recorder.report_invalid([(seq, SkippedId(t, src or "", why, now)) for seq, t, src, why in found])

    # -- callbacks -------------------------------------------------------------------------------

    def _deliver(self, results: list[Result]) -> None:
        self._ready.extend(results)
        self._wake.set()

    def _on_wait(self, waiting: Waiting | None) -> None:
        if waiting is not None and waiting.until - self.clock() >= 1.0:  # sub-second waits are just pacing
            self.log.info(
                "waiting",
                reason=waiting.reason,
                until=iso(waiting.until),
                wait_s=round(max(0.0, waiting.until - self.clock()), 1),
            )

    def _from_thread(self, invalid: list[NewInvalid]) -> None:
        with contextlib.suppress(RuntimeError):  # the loop is gone: a CLI exiting past a blocked stdin read
            self.loop.call_soon_threadsafe(self._on_commit, invalid)

    def _on_commit(self, invalid: list[NewInvalid]) -> None:
        """On the loop, after each ingest commit: report new invalid lines, wake the dispatcher."""
        self.recorder.report_invalid(invalid, self.ingestor.stats.hints)
        self.runner.new_rows.set()
        if self.ingestor.done.is_set():
            self.runner.reading.clear()
            if self.ingestor.stats.error is not None:  # an unusable input (a cut archive): stop now
                self.state.stop(StopReason.BAD_INPUT, str(self.ingestor.stats.error))

    def handed(self, count: int) -> None:
        """The next ``count`` results reached the caller: only those count as written (acknowledged)."""
        if isinstance(self.outbox, Handover):  # a LineOutbox's lines count once written
            self.outbox.handed(count)

    # -- stopping --------------------------------------------------------------------------------

    def stop(self, *, now: bool = False) -> None:
        """Send nothing more; in-flight requests finish and are recorded, or with ``now`` are cancelled."""
        self.ingestor.stop.set()
        self.runner.reading.clear()
        self.runner.new_rows.set()
        self.state.stop(StopReason.STOPPED)
        if now:
            self.runner.hard_stop()

    @property
    def running(self) -> bool:
        """Started and not yet ended."""
        return self._planning or (self._task is not None and not self._task.done())

    async def close(self) -> None:
        """Stop the call if it still runs, and wait for it."""
        if self._task is not None and not self._task.done():
            self.stop()
            await self._settle()

    # -- running ---------------------------------------------------------------------------------

    def _start_reading(self) -> None:
        self.runner.reading.set()
        if self.feed is not None:
            self.feed.start()
        self.ingestor.start()

    async def _stop_reading(self) -> None:
        self.ingestor.stop.set()
        if self.feed is not None:  # a Python feed always ends once stopped: wait, so nothing writes after us
            await self.feed.stop()
            await asyncio.to_thread(self.ingestor.join)

    async def _drive(self) -> None:
        self._start_reading()
        try:
            await self.runner.run()
        finally:
            await self._stop_reading()
            self.recorder.close()  # commit what is buffered, acknowledge every line written
        if self.ingestor.stats.error is not None and self.state.reason in (None, StopReason.BAD_INPUT):
            raise self.ingestor.stats.error

    async def batches(self) -> AsyncGenerator[list[Result], None]:
        """Results in the order they were committed; raises FatalApiError after the last one when
        a fatal answer stopped the call. Closing it early stops the call and waits for it."""
        task = self._task = asyncio.create_task(self._drive())
        task.add_done_callback(lambda _: self._wake.set())
        try:
            while True:
                if self._ready:
                    batch, self._ready = self._ready, []
                    yield batch
                elif task.done():
                    break
                else:
                    self._wake.clear()
                    await self._wake.wait()
        except asyncio.CancelledError:
            self.stop(now=True)
            await self._settle()
            raise
        except GeneratorExit:
            self.stop()
            await self._settle()
            raise
        await self._settle()
        task.result()
        state = self.state
        if state.error is not None:  # the account check or the token refresh
            raise state.error
        if state.reason in (StopReason.FATAL_ANSWER, StopReason.RATE_LIMITED):
            raise FatalApiError(state.message or "stopped by the API")

    async def _settle(self) -> None:
        """Wait for the task (a cancellation meanwhile turns the stop into a hard one), then report."""
        task = self._task
        assert task is not None
        cancelled = False
        while not task.done():
            try:
                await asyncio.wait({task})
            except asyncio.CancelledError:
                cancelled = True
                self.stop(now=True)
        if not task.cancelled() and task.exception() is None and self.report is None:
            self.report = self._finish()
        if cancelled:
            raise asyncio.CancelledError

    def _finish(self) -> RunReport:
        journal = self.parts.journal
        pending = journal.count_pending(undo=self.undo)
        counts = journal.counts()  # counted once: on a large journal each is a scan
        reason = self.state.reason
        now = self.clock()
        journal.finish_run(self.run_id, reason.value if reason is not None else None, now)
        run_counts = dict(self.recorder.counts)
        if self.recorder.invalid:
            run_counts["invalid"] = self.recorder.invalid
        return RunReport(
            command=self.command,
            counts=run_counts,
            pending=pending,
            journal_counts=counts,
            reason=reason,
            message=self.state.message,
            elapsed_s=now - self.started,
            wait_s=self.pacer.wait_s,
            refused=self.pacer.rate_limited,
            earlier=0 if self.undo else carried(journal, self.run_id, self.started),
        )

    # -- dry run and progress --------------------------------------------------------------------

    async def plan(self, on_invalid: Callable[[Result], None] | None) -> Plan:
        """Read the input into the journal, send nothing, and say what a run would do."""
        self._planning = True
        self._start_reading()
        try:
            await asyncio.to_thread(self.ingestor.done.wait)
        finally:
            self._planning = False
            await self._stop_reading()
        if self.ingestor.stats.error is not None:
            raise self.ingestor.stats.error
        await asyncio.sleep(0)  # let the last on_commit run
        for result in self._ready:
            if on_invalid is not None:
                on_invalid(result)
        self._ready = []
        now = self.clock()
        plan = make_plan(
            self.parts.journal, self.run_id, self.ingestor.stats, self.pacer, self.parts.settings, now, self.unlike
        )
        self.parts.journal.finish_run(self.run_id, None, now)
        self.recorder.close()
        return plan

    def progress(self) -> Progress:
        """Where the call stands. Its total is done + pending read at one moment (on the loop, between
        commits): again each second while reading, once after; then fixed, never below done."""
        now = self.clock()
        counts = dict(self.recorder.counts)
        done = sum(counts.values())
        reading = not self.ingestor.done.is_set()
        if not self._final and (now - self._counted_at > 1.0 or done > self._total or not reading):
            self._total = done + self.parts.journal.count_pending(undo=self.undo)
            self._counted_at, self._final = now, not reading
        pending = self._total - done
        if now - self._eta[0] > 5.0:
            self._eta = (now, self.pacer.estimate_finish(pending) if pending else None)
        tightest = min(self.pacer.quota_left(), key=lambda q: q[2] / q[1].count, default=None)
        return Progress(
            done=done,
            total=self._total,
            counts=counts,
            rate_per_s=done / max(1e-6, now - self.started),
            quota=tightest,
            eta=self._eta[1],
            waiting=self.pacer.waiting,
            reading=reading,
        )
