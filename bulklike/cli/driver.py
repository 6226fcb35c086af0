"""``bulklike run`` and ``bulklike undo`` on a ``bulklike.Session``: what only the CLI adds around it.

The Session does the work (its outbox writes the result lines); this module opens the inputs, turns signals
into stop requests (SIGINT -> 130, SIGTERM -> 143, on every platform through ``signals``; a
second one stops at once; stdout's reader going away -> 141), refuses an ``--output`` that is
one of the inputs, draws the live
line, writes each result as a line, prints the dry-run plan or the summary with the resume
command, and returns the exit code.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import os
import re
import stat
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import BinaryIO, TextIO

from bulklike.cli.plan import print_plan
from bulklike.cli.progress import LiveLine, summary_text
from bulklike.cli.run import without_cause
from bulklike.cli.signals import drop_stdout, forwarded
from bulklike.config import Settings, require_credentials
from bulklike.engine.session import Call, Output, RetryPolicy, Session
from bulklike.errors import (
    EXIT_FATAL,
    EXIT_LIMIT,
    EXIT_OK,
    EXIT_PIPE,
    EXIT_SOME_FAILED,
    EXIT_USAGE,
    BulklikeError,
    ConfigError,
    InputError,
)
from bulklike.input.filters import Filters
from bulklike.input.ingest import Source, close_sources, open_sources
from bulklike.input.readers import ArchiveKind, InputFormat
from bulklike.logs import STDERR, get_logger
from bulklike.report import RunReport, StopReason
from bulklike.results import Format, check_results_file
from bulklike.store.journal import Journal


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
    unlike: bool = False  # ``bulklike unlike``: the inputs are unliked, ``filters`` leave some alone
    filters: Filters | None = None
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


def stdin_streams() -> Streams:
    tty = sys.stdin.isatty()
    return Streams(
        stdin=_own_stdin(),
        stdout=sys.stdout,
        stderr=sys.stderr,
        stdin_is_tty=tty,
    )


def _own_stdin() -> BinaryIO:
    """A reader of our own over stdin's descriptor (left open). A pipe is read on a daemon thread that may
    still be blocked in a read when the run ends (a producer that never closes): on ``sys.stdin.buffer``
    that read holds a lock the interpreter takes while shutting down, which aborts the process."""
    try:
        return open(sys.stdin.fileno(), "rb", closefd=False)  # noqa: SIM115 - lives as long as the process
    except (OSError, ValueError, AttributeError):  # no real stdin (an embedding, a test harness)
        return sys.stdin.buffer


async def run_command(
    settings: Settings,
    opts: RunOptions,
    streams: Streams,
    *,
    clock: Callable[[], float] = time.time,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> int:
    """One ``run`` (or ``undo``): returns the exit code; raises BulklikeError for exit 2/3."""
    if not opts.dry_run:  # a plan needs no account: a list can be checked before an app exists
        require_credentials(settings)
    inputs = list(opts.inputs)
    if not inputs and not opts.undo and not streams.stdin_is_tty:
        inputs = ["-"]
    if opts.output:  # a results file of another format, or one of the inputs, is refused before anything is read
        check_results_file(opts.output, opts.output_format)
        check_not_an_input(opts.output, inputs, streams.stdin)
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
    try:
        session = Session(
            settings=settings,
            force=opts.force,
            confirm=not opts.dry_run,
            retry=opts.retry,
            log=get_logger(),
            clock=clock,
            sleep=sleep,
        )
        async with session:
            queued = session.pending() or session.counts().get("planned", 0)  # a dry run's plan: resumed now
            if not (inputs or opts.undo or opts.retry_failed or queued or owes_results(settings.journal)):
                raise InputError(nothing)
            if queued and not opts.inputs and all(source.empty for source in sources):
                close_sources(sources)  # no INPUT, and stdin gave nothing (/dev/null, cron): resume the journal
                sources = []
            for source in sources:
                if source.detected is not None:
                    get_logger().info(f"stdin: read as {source.detected}", read_as=source.detected)
            taken, sources = sources, []  # the session's call closes them from here on
            return await CliRun(session, opts, streams).execute(taken)
    finally:
        close_sources(sources)


def owes_results(journal: str) -> bool:
    """Whether the journal still owes result lines (a resume with nothing pending writes them)."""
    with Journal(journal, lock=False, readonly=True) as reading:
        return bool(reading.owed(0, 1))


def check_not_an_input(output: str, inputs: list[str], stdin: BinaryIO) -> None:
    """``--output`` that is one of the inputs (or stdin) would read its own results back as invalid lines."""
    try:
        out = os.stat(output)
    except OSError:
        return  # not there yet: it cannot be an input
    for name in inputs:
        try:
            st = os.fstat(stdin.fileno()) if name == "-" else os.stat(name)
        except (OSError, ValueError, io.UnsupportedOperation):
            continue  # a missing input is reported when it is opened
        if (st.st_dev, st.st_ino) == (out.st_dev, out.st_ino) and stat.S_ISREG(out.st_mode):
            what = "stdin" if name == "-" else name
            raise ConfigError(f"--output {output} is also an input ({what}); write the results to another file")


class CliRun:
    """One run's CLI side: signals, the live line, result lines, the summary."""

    def __init__(self, session: Session, opts: RunOptions, streams: Streams) -> None:
        self.session, self.opts, self.streams = session, opts, streams
        # result lines go through the engine's outbox: written after each commit, acknowledged with the next
        self.output = Output(opts.output, opts.output_format, streams.stdout, on_broken=self.on_broken_pipe)
        self.log = get_logger()
        self.signalled: list[int] = []
        self.pipe_broken = False

    def on_broken_pipe(self) -> None:
        """stdout's reader went away (``| head``): stop as for a signal; the lines it never took stay owed."""
        self.pipe_broken = True
        self.log.warning("stopping", reason="stdout closed by its reader", detail="unread results stay owed")
        self.session.stop()  # the summary says EXIT_PIPE
        drop_stdout(self.streams.stdout)  # no "Exception ignored ... BrokenPipeError" at exit

    def on_signal(self, code: int) -> None:
        self.signalled.append(code)
        if len(self.signalled) == 1:
            self.log.warning("stopping", signal=code, detail="finishing requests in flight; again to stop now")
            self.session.stop()
        else:
            self.session.stop(now=True)

    async def execute(self, sources: list[Source]) -> int:
        with forwarded(asyncio.get_running_loop(), self.on_signal, self.opts.install_signals):
            if self.opts.dry_run:
                return await self.dry_run(sources)
            return await self.run(sources)

    async def dry_run(self, sources: list[Source]) -> int:
        # no results are written: invalid lines are logged on stderr, they and unlike's skipped IDs stay owed
        # to the real run's output
        opts = self.opts
        plan = await self.session.plan(
            sources, retry_failed=opts.retry_failed, unlike=opts.unlike, filters=opts.filters
        )
        print_plan(plan, self.streams.stderr)
        return EXIT_SOME_FAILED if plan.invalid else EXIT_OK

    async def run(self, sources: list[Source]) -> int:
        opts = self.opts
        live = LiveLine(self.streams.stderr, enabled=opts.progress and self.streams.stderr.isatty())
        live.snapshot = self.session.progress
        STDERR.before_write, STDERR.after_write = live.clear, live.draw
        drawer = asyncio.create_task(live.run())
        fatal: BulklikeError | None = None
        try:
            call = Call(
                undo=opts.undo,
                unlike=opts.unlike,
                filters=opts.filters,
                sources=sources,
                retry_failed=opts.retry_failed,
                include_already=opts.include_already,
                max_likes=opts.max_likes,
                until=opts.until,
                output=self.output,
                offline_timeout_s=opts.offline_timeout_s,
                results=False,  # the outbox writes the lines: no Result objects on the per-like path
            )
            calls = self.session.batches(call)
            async with contextlib.aclosing(calls) as batches:
                async for _ in batches:  # nothing comes: this drives the call to its end
                    pass
        except BulklikeError as exc:
            if self.session.report is None:  # it did not stop the call, it broke it (an unusable journal)
                raise
            fatal = exc
        finally:
            drawer.cancel()
            await asyncio.gather(drawer, return_exceptions=True)
            live.clear()
            STDERR.before_write = STDERR.after_write = None
        code = self.summarise(fatal)
        if fatal is not None:
            raise fatal
        return code

    def summarise(self, fatal: BulklikeError | None = None) -> int:
        report = self.session.report
        assert report is not None
        signal_code = self.signalled[0] if self.signalled else None
        code = fatal.exit_code if fatal is not None else exit_code(report, signal_code)
        pending = report.pending
        if self.pipe_broken and code in (EXIT_OK, EXIT_SOME_FAILED, EXIT_LIMIT):
            code = EXIT_PIPE  # the lines the reader never took are owed: the resume command writes them
        resume = self.opts.resume_command if (pending or self.pipe_broken) and code != EXIT_OK else None
        if resume is not None:  # never repeat the flag that stopped the run
            until_past = self.opts.until is not None and self.opts.until <= time.time()
            v1_refused = fatal is not None and re.search(r"\b453\b", str(fatal)) is not None
            resume = without_cause(resume, until_past=until_past, v1_refused=v1_refused)
        self.streams.stderr.write(
            summary_text(
                title=report.command + (" stopped" if pending else " finished"),
                run_counts={**report.counts, "pending": pending},
                journal_counts=report.journal_counts,
                elapsed=report.elapsed_s,
                wait_s=report.wait_s,
                journal=self.session.settings.journal,
                resume=resume,
                exit_code=code,
                refused=report.refused,
                earlier=report.earlier,
            )
        )
        self.streams.stderr.flush()
        return code


def exit_code(report: RunReport, signal_code: int | None = None) -> int:
    """The process exit code of a call that ended with ``report`` (the README's "Exit codes"): the
    engine says why it stopped, only the CLI speaks in exit codes. ``signal_code``: the signal's code
    (130, 143) when a signal stopped it."""
    reason = report.reason
    if reason is StopReason.STOPPED:
        return signal_code if signal_code is not None else EXIT_LIMIT
    if reason in (StopReason.FATAL_ANSWER, StopReason.RATE_LIMITED):
        return EXIT_FATAL
    if reason in (StopReason.AUTHORIZATION, StopReason.BAD_INPUT):  # raised as errors, with their codes
        return EXIT_USAGE
    if reason is not None and reason.resumable_later and report.pending:
        return EXIT_LIMIT
    if report.command == "undo":
        return EXIT_SOME_FAILED if report.counts.get("failed") else EXIT_OK
    journal = report.journal_counts
    some = journal.get("failed") or journal.get("invalid") or report.counts.get("invalid")
    return EXIT_SOME_FAILED if some else EXIT_OK
