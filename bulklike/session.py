"""``bulklike run`` and ``bulklike undo``: open the journal, ledger and client, run, summarise.

The engine is ``runner.Runner``; this module wires one run together: inputs into the ingest
thread, the pacer over the shared ledger, signals, the live line, the dry-run plan, the account
check, and the exit code.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import os
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import BinaryIO, TextIO

from bulklike.api.client import XClient
from bulklike.auth.identity import (
    ACCOUNT_META,
    AccountGate,
    account_key,
    check_binding,
    confirm_user_id,
    known_user_id,
    legacy_key,
    provisional_key,
    resolve_user_id,
)
from bulklike.auth.signer import make_signer
from bulklike.cli import plan
from bulklike.cli.progress import LiveLine, Snapshot, clock_time, summary_text
from bulklike.config import Settings, require_credentials
from bulklike.errors import (
    EXIT_FATAL,
    EXIT_LIMIT,
    EXIT_OK,
    EXIT_SOME_FAILED,
    EXIT_USAGE,
    FatalApiError,
    InputError,
)
from bulklike.input.ingest import Ingestor, NewInvalid, Source, close_sources, open_sources
from bulklike.input.readers import ArchiveKind, InputFormat
from bulklike.logs import STDERR, get_logger
from bulklike.outbox import open_outbox
from bulklike.pacing.ledger import Ledger
from bulklike.pacing.pacer import Pacer, Waiting
from bulklike.paths import default_ledger_path
from bulklike.recorder import Recorder
from bulklike.results import Format, check_results_file
from bulklike.runner import RetryPolicy, Runner
from bulklike.signals import forwarded
from bulklike.store.journal import Journal
from bulklike.switch import SwitchToV2, starting_settings


@dataclass(frozen=True, slots=True, kw_only=True)
class RunOptions:
    """What the user asked of this run, beyond the settings."""

    inputs: tuple[str, ...] = ()
    input_format: InputFormat | None = None
    column: str | None = None
    archive_kind: ArchiveKind = "likes"
    partial: bool = False
    dry_run: bool = False
    retry_failed: bool = False
    max_likes: int | None = None
    until: float | None = None
    undo: bool = False
    include_already: bool = False
    force: bool = False
    output: str | None = None
    output_format: Format = "jsonl"
    progress: bool = True
    install_signals: bool = True
    resume_command: str | None = None
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    offline_timeout_s: float = 1800.0  # how long to wait for an unreachable API before exit 75


@dataclass(slots=True)
class Streams:
    stdin: BinaryIO
    stdout: TextIO
    stderr: TextIO
    stdin_is_tty: bool = False


async def confirm_account(settings: Settings, journal: Journal) -> str:
    """The account's numeric id, asking the API (one request, cached in the journal) only when unknown."""
    known = known_user_id(settings, journal)
    if known is not None:
        return known
    signer = make_signer(settings)  # not a refreshing one: stored tokens come with their user id
    # --api auto on an app without v1.1 access: verify_credentials answers 453, users/me knows
    tries = [settings, settings.as_v2()] if settings.auto else [settings]
    for n, where in enumerate(tries, 1):
        async with XClient(
            base_url=where.base_url, api=where.api, signer=signer, timeout=settings.timeout, concurrency=1
        ) as client:
            user_id = await confirm_user_id(client, settings, journal, transient_ok=n < len(tries))
        if user_id is not None:
            return user_id
    raise AssertionError("unreachable: the last try raises when it cannot confirm")


def signals(on_signal: Callable[[int], None], enabled: bool) -> contextlib.AbstractContextManager[None]:
    """SIGINT -> 130, SIGTERM -> 143 on every platform; a second one is passed on as a hard stop by the handler."""
    return forwarded(asyncio.get_running_loop(), on_signal, enabled)


async def run_command(
    settings: Settings,
    opts: RunOptions,
    streams: Streams,
    *,
    clock: Callable[[], float] = time.time,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> int:
    """One ``run`` (or ``undo``): returns the exit code; raises BulklikeError for exit 2/3."""
    require_credentials(settings)
    if opts.output:  # a results file of another format is refused before anything is made or sent
        check_results_file(opts.output, opts.output_format)
    inputs = list(opts.inputs)
    if not inputs and not opts.undo and not streams.stdin_is_tty:
        inputs = ["-"]
    nothing = f"no input given and nothing pending in {settings.journal}: pass files or '-', or pipe tweet IDs in"
    if not (inputs or opts.undo or opts.retry_failed or os.path.exists(settings.journal)):
        raise InputError(nothing)
    # inputs first: a missing or unusable one is exit 2 before a journal, lock or ledger file is made
    sources = await asyncio.to_thread(
        open_sources,
        inputs,
        streams.stdin,
        opts.input_format,
        opts.column,
        archive_kind=opts.archive_kind,
        partial=opts.partial,
    )
    started = False  # once the session is made, the ingest thread closes the inputs
    try:
        journal = Journal(settings.journal)
        try:
            settings = starting_settings(settings, journal)  # --api auto: v2 once this journal moved there
            user_id = known_user_id(settings, journal)
            if user_id is None and not opts.dry_run and journal.get_meta(ACCOUNT_META) is not None:
                user_id = await confirm_account(settings, journal)  # bound already: check before adding to it
            check_binding(journal, user_id, force=opts.force)  # else at the first send (AccountGate)
            settings = dataclasses.replace(settings, user_id=user_id or settings.user_id)
            if not inputs and not opts.undo and journal.count_pending() == 0 and not opts.retry_failed:
                raise InputError(nothing)
            ledger = Ledger(
                settings.ledger or default_ledger_path(),
                app=settings.credentials.app_id,
                user=account_key(user_id) if user_id else provisional_key(settings, journal),
                now=clock(),
                also=legacy_key(settings),
            )
            try:
                session = RunSession(settings, opts, streams, journal, ledger, sources, clock, sleep)
                started = True
                return await session.execute()
            finally:
                ledger.close()
        finally:
            journal.close()
    finally:
        if not started:
            close_sources(sources)


class RunSession:
    """One run's moving parts, and the callbacks that connect them."""

    def __init__(
        self,
        settings: Settings,
        opts: RunOptions,
        streams: Streams,
        journal: Journal,
        ledger: Ledger,
        sources: list[Source],
        clock: Callable[[], float],
        sleep: Callable[[float], Awaitable[None]],
    ) -> None:
        self.settings, self.opts, self.streams, self.journal, self.clock = settings, opts, streams, journal, clock
        self.log = get_logger()
        self.started = clock()
        self.run_id = journal.begin_run("undo" if opts.undo else "run", self.started)
        if opts.retry_failed:
            journal.retry_failed()
        if opts.undo:
            journal.prepare_undo(include_already=opts.include_already)
        self.outbox = open_outbox(journal, opts.output, opts.output_format, streams.stdout)
        self.pacer = Pacer(
            ledger,
            settings.user_limits,
            settings.app_limits,
            timeout=settings.timeout,
            min_interval=settings.interval,
            clock=clock,
            sleep=sleep,
            stop_at=opts.until,
            on_wait=self._on_wait,
        )
        self.recorder = Recorder(journal, self.outbox, undo=opts.undo)
        self.client = XClient(
            base_url=settings.base_url,
            api=settings.api,
            signer=make_signer(settings),
            timeout=settings.timeout,
            concurrency=settings.concurrency,
            user_id=settings.user_id,
        )
        retry = RetryPolicy(
            max_attempts=settings.max_attempts,
            initial_s=opts.retry.initial_s,
            max_wait_s=opts.retry.max_wait_s,
            jitter_s=opts.retry.jitter_s,
        )
        self.runner = Runner(
            journal,
            self.pacer,
            self.client,
            self.recorder,
            concurrency=settings.concurrency,
            retry=retry,
            undo=opts.undo,
            max_likes=opts.max_likes,
            offline_timeout_s=opts.offline_timeout_s,
            clock=clock,
            sleep=sleep,
            switch=SwitchToV2(settings, self.client, self.pacer, journal, resolve_user_id) if settings.auto else None,
            gate=None if settings.user_id else AccountGate(self.client, settings, journal, ledger, force=opts.force),
        )
        self.loop = asyncio.get_running_loop()
        self.ingestor = Ingestor(settings.journal, self.run_id, sources, clock=clock, on_commit=self._from_thread)
        self.signalled: list[int] = []
        self.live = LiveLine(streams.stderr, enabled=opts.progress and streams.stderr.isatty())
        self.live.snapshot = SnapshotMaker(self).make

    def _on_wait(self, waiting: Waiting | None) -> None:
        if waiting is not None and waiting.until - self.clock() >= 1.0:  # sub-second waits are just pacing
            wait_s = round(max(0.0, waiting.until - self.clock()), 1)
            self.log.info("waiting", reason=waiting.reason, until=clock_time(waiting.until), wait_s=wait_s)

    def _from_thread(self, invalid: list[NewInvalid]) -> None:
        self.loop.call_soon_threadsafe(self._on_commit, invalid)

    def _on_commit(self, invalid: list[NewInvalid]) -> None:
        """On the loop, after each ingest commit: report new invalid lines, wake the dispatcher."""
        self.recorder.report_invalid(invalid)
        self.runner.new_rows.set()
        if self.ingestor.done.is_set():
            self.runner.reading.clear()
            if self.ingestor.stats.error is not None:  # an unusable input (a cut archive): stop now, exit 2
                self.runner.request_stop(EXIT_USAGE)

    def on_signal(self, code: int) -> None:
        self.signalled.append(code)
        self.ingestor.stop.set()
        self.runner.reading.clear()
        self.runner.new_rows.set()
        if len(self.signalled) == 1:
            self.log.warning("stopping", signal=code, detail="finishing requests in flight; again to stop now")
            self.runner.request_stop(code)
        else:
            self.runner.hard_stop()

    async def dry_run(self) -> int:
        await asyncio.to_thread(self.ingestor.done.wait)
        if self.ingestor.stats.error is not None:
            raise self.ingestor.stats.error
        await asyncio.sleep(0)  # let the last on_commit run
        code = plan.print_plan(
            self.journal, self.run_id, self.ingestor.stats, self.pacer, self.settings, self.streams.stderr, self.clock()
        )
        self.journal.finish_run(self.run_id, code, self.clock())
        self.recorder.close()
        return code

    async def execute(self) -> int:
        self.runner.reading.set()
        self.ingestor.start()
        with signals(self.on_signal, self.opts.install_signals):
            if self.opts.dry_run:
                return await self.dry_run()
            STDERR.before_write, STDERR.after_write = self.live.clear, self.live.draw
            drawer = asyncio.create_task(self.live.run())
            try:
                async with self.client:
                    await self.runner.run()
            finally:
                drawer.cancel()
                await asyncio.gather(drawer, return_exceptions=True)
                self.live.clear()
                STDERR.before_write = STDERR.after_write = None
                self.ingestor.stop.set()
                self.recorder.close()
            if self.ingestor.stats.error is not None and self.runner.stop_code in (None, EXIT_USAGE):
                raise self.ingestor.stats.error
        return self.finish()

    def finish(self) -> int:
        pending = self.journal.count_pending(undo=self.opts.undo)
        counts = self.journal.counts()  # counted once: on a large journal each is a scan
        code = _exit_code(
            self.runner, self.signalled, self.opts.undo, self.recorder, self.recorder.invalid, pending, counts
        )
        self.journal.finish_run(self.run_id, code, self.clock())
        resume = self.opts.resume_command if pending and code != EXIT_OK else None
        self.streams.stderr.write(
            summary_text(
                title=("undo" if self.opts.undo else "run") + (" stopped" if pending else " finished"),
                run_counts={**dict(self.recorder.counts), "invalid": self.recorder.invalid, "pending": pending},
                journal_counts=counts,
                elapsed=self.clock() - self.started,
                wait_s=self.pacer.wait_s,
                journal=self.settings.journal,
                resume=resume,
                exit_code=code,
                refused=self.pacer.rate_limited,
            )
        )
        self.streams.stderr.flush()
        if self.runner.stop_error is not None:  # the account check or the token refresh
            raise self.runner.stop_error
        if self.runner.stop_code == EXIT_FATAL:
            raise FatalApiError(self.runner.stop_message or "stopped by the API")
        return code


class SnapshotMaker:
    """The live line's snapshot. Its total is done + pending read at one moment (on the loop,
    between commits): again each second while reading, once after; then fixed, never below done."""

    def __init__(self, session: RunSession) -> None:
        self.session, self._counted_at, self._total, self._final = session, float("-inf"), 0, False
        self._eta = (0.0, None)  # type: tuple[float, float | None]

    def make(self) -> Snapshot:
        s = self.session
        now = s.clock()
        counts = dict(s.recorder.counts)
        done = sum(counts.values())
        reading = not s.ingestor.done.is_set()
        if not self._final and (now - self._counted_at > 1.0 or done > self._total or not reading):
            self._total = done + s.journal.count_pending(undo=s.opts.undo)
            self._counted_at, self._final = now, not reading
        pending = self._total - done
        if now - self._eta[0] > 5.0:
            self._eta = (now, s.pacer.estimate_finish(pending) if pending else None)
        quota = s.pacer.quota_left()
        tightest = min(quota, key=lambda q: q[2] / q[1].count, default=None)
        return Snapshot(
            done=done,
            total=self._total,
            counts=counts,
            rate_per_s=done / max(1e-6, now - s.started),
            quota=tightest,
            eta=self._eta[1],
            waiting=s.pacer.waiting,
            reading=reading,
        )


def _exit_code(
    runner: Runner,
    signalled: list[int],
    undo: bool,
    recorder: Recorder,
    invalid: int,
    pending: int,
    counts: dict[str, int],
) -> int:
    if runner.stop_code == EXIT_FATAL:
        return EXIT_FATAL
    if signalled:
        return signalled[0]
    if pending and (runner.limit_reached or runner.stop_code == EXIT_LIMIT):
        return EXIT_LIMIT
    if undo:
        return EXIT_SOME_FAILED if recorder.counts.get("failed") else EXIT_OK
    return EXIT_SOME_FAILED if counts.get("failed") or counts.get("invalid") or invalid else EXIT_OK


def stdin_streams() -> Streams:
    return Streams(stdin=sys.stdin.buffer, stdout=sys.stdout, stderr=sys.stderr, stdin_is_tty=sys.stdin.isatty())
