"""``bulklike.Session``: the public Python API, and the engine the CLI is built on.

A Session owns what lives as long as it does: the journal (locked to one process), the shared send ledger
and the HTTP client. Each ``like()``, ``unlike()`` or ``undo()`` call is a ``job.Job`` over them, yielding a
``Result`` per ID once its record is committed. The Session prints nothing, installs no signal handlers and
configures no logging; leaving ``async with``, breaking out of a loop over its results or cancelling its task
stops the call (requests on the wire finish and are recorded, or are cancelled too) and closes everything.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import os
import time
from collections.abc import AsyncGenerator, Awaitable, Callable, Iterable, Mapping, Sequence
from types import TracebackType
from typing import Any

from bulklike.auth.identity import (
    ACCOUNT_META,
    check_binding,
    known_user_id,
    ledger_keys,
)
from bulklike.config import CREDENTIAL_KEYS, ENV_NAMES, Settings, build_settings, read_config_file, require_credentials
from bulklike.credentials import Credentials
from bulklike.engine.job import Call, Job, Output, Parts
from bulklike.engine.network import Network
from bulklike.engine.runner import RetryPolicy
from bulklike.engine.xnet import XConnection, confirm_account, starting_settings
from bulklike.input.feed import Feed, Ids
from bulklike.input.filters import Filters, When, keep_refs, to_epoch
from bulklike.input.ingest import Source
from bulklike.logs import SILENT, Logger
from bulklike.pacing.ledger import STEP_S, Ledger
from bulklike.paths import default_ledger_path
from bulklike.plan import Plan
from bulklike.report import Progress, RunReport
from bulklike.results import Result
from bulklike.store.journal import Journal

__all__ = ["Call", "Network", "Output", "RetryPolicy", "Session"]


class Session:
    """Likes, unlikes (and undoes likes) through the X API, paced, journaled and resumable.

    Keyword arguments are the config file's keys, with the same names and value forms; what is
    not given comes from the config file (``config``, default ``./bulklike.toml``, and its
    ``[profiles.NAME]`` table for ``profile``), then the defaults. Credentials come from
    ``credentials`` when given, else from the ``BULKLIKE_*`` environment variables and the config
    file, as for the CLI. Nothing is opened until ``async with``.

    ``settings`` instead gives every setting at once, already merged (the CLI's way in; then no
    config key may be given beside it). ``force`` takes over a journal made with another account;
    ``confirm=False`` (a dry run) asks the API nothing on opening; ``retry`` is how transient
    answers are retried; ``log`` a structlog-like logger for the run's events (silent by default);
    ``clock`` and ``sleep`` replace the wall clock (for tests).

    ``network`` sends through another network than X (``bulklike.engine.network.Network``: like, unlike,
    who-am-I, its limits and what each send costs); by default X, built from the settings. The journal,
    the send ledger, pacing, retries and results work the same for any network.
    """

    def __init__(
        self,
        *,
        credentials: Credentials | None = None,
        profile: str | None = None,
        config: str | None = None,
        base_url: str | None = None,
        api: str | None = None,
        concurrency: int | None = None,
        timeout: float | None = None,
        max_attempts: int | None = None,
        min_interval: float | None = None,
        spread: bool | None = None,
        quota: str | Sequence[str] | None = None,
        app_quota: str | Sequence[str] | None = None,
        journal: str | os.PathLike[str] | None = None,
        ledger: str | os.PathLike[str] | None = None,
        user_id: str | None = None,
        settings: Settings | None = None,
        force: bool = False,
        confirm: bool = True,
        retry: RetryPolicy | None = None,
        log: Logger | None = None,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        network: Network | None = None,
    ) -> None:
        #: what reading the config file had to say (for example: it holds secrets others can read)
        self.warnings: list[str] = []
        keys: dict[str, Any] = {
            "credentials": credentials,
            "profile": profile,
            "config": config,
            "base_url": base_url,
            "api": api,
            "concurrency": concurrency,
            "timeout": timeout,
            "max_attempts": max_attempts,
            "min_interval": min_interval,
            "spread": spread,
            "quota": quota,
            "app_quota": app_quota,
            "journal": journal,
            "ledger": ledger,
            "user_id": user_id,
        }
        if settings is not None and (beside := sorted(k for k, v in keys.items() if v is not None)):
            raise TypeError(f"Session(settings=...) takes no config keys beside it: {', '.join(beside)}")
        self.settings = settings if settings is not None else self._merge(keys)
        self._force, self._confirm = force, confirm
        self._retry = retry or RetryPolicy()
        self._log = log if log is not None else SILENT
        self._clock, self._sleep = clock, sleep
        self._network = network  # None: X, from the settings
        self._parts: Parts | None = None
        self._job: Job | None = None
        self._stop_asked: bool | None = None  # a stop (now?) that came before its call started
        self._closed = False

    def _merge(self, given: dict[str, Any]) -> Settings:
        """The config keys given, the config file, the environment and the token store, merged."""
        credentials: Credentials | None = given["credentials"]
        quota, app_quota = given["quota"], given["app_quota"]
        journal, ledger = given["journal"], given["ledger"]
        data = read_config_file(given["config"], warn=self.warnings)
        flags: dict[str, Any] = {
            key: given[key]
            for key in (
                "profile",
                "base_url",
                "api",
                "concurrency",
                "timeout",
                "max_attempts",
                "min_interval",
                "spread",
                "user_id",
            )
        }
        flags |= {
            "quota": [quota] if isinstance(quota, str) else None if quota is None else list(quota),
            "app_quota": [app_quota] if isinstance(app_quota, str) else None if app_quota is None else list(app_quota),
            "journal": None if journal is None else os.fspath(journal),
            "ledger": None if ledger is None else os.fspath(ledger),
        }
        env: Mapping[str, str] = os.environ
        if credentials is not None:  # given credentials stand alone: no variable or config value mixes in
            env = {ENV_NAMES[key]: getattr(credentials, key).reveal() for key in CREDENTIAL_KEYS}
            data = {key: value for key, value in data.items() if key != "credentials"}
            data["profiles"] = {
                name: {k: v for k, v in table.items() if k not in CREDENTIAL_KEYS} if isinstance(table, dict) else table
                for name, table in data.get("profiles", {}).items()
            }
        from bulklike.auth.signer import stored_tokens

        # without given credentials, the user's tokens may come from the token store (`bulklike auth`), last
        return build_settings(flags, env, data, None if credentials is not None else stored_tokens)

    def __repr__(self) -> str:
        state = "open" if self._parts is not None else "closed" if self._closed else "new"
        return f"<bulklike.Session journal={self.settings.journal!r} api={self.settings.api!r} {state}>"

    # -- lifecycle -------------------------------------------------------------------------------

    async def __aenter__(self) -> Session:
        if self._parts is not None or self._closed:
            raise RuntimeError("a Session can be entered once")
        settings = self.settings
        if self._confirm:
            require_credentials(settings)
        journal = Journal(settings.journal)
        try:
            settings = starting_settings(settings, journal)  # --api auto: v2 once this journal moved there
            user_id = known_user_id(settings, journal)
            bound = journal.get_meta(ACCOUNT_META) is not None
            if user_id is None and self._confirm and bound and self._network is None:
                user_id = await confirm_account(settings, journal)  # X, bound already: check before adding to it
            # else at the first send (AccountGate); a dry run checks but never binds the journal
            check_binding(journal, user_id, force=self._force, bind=self._confirm)
            self.settings = settings = dataclasses.replace(settings, user_id=user_id or settings.user_id)
            app, user = ledger_keys(settings, journal, user_id)  # a dry run without credentials: no one's
            ledger = Ledger(
                settings.ledger or default_ledger_path(),
                app=app,
                user=user,
                now=self._clock(),
                limits=(*settings.user_limits, *settings.app_limits),
                monotonic=time.monotonic if self._clock is time.time else None,  # a fake clock never steps
            )
            if ledger.future_s > STEP_S:  # the clock went back since: those sends are counted, the safe way
                self._log.warning("ledger_ahead_of_clock", ahead_s=round(ledger.future_s, 1))
        except BaseException:
            journal.close()
            raise
        self._parts = Parts(
            settings=settings,
            journal=journal,
            ledger=ledger,
            client=None,
            network=self._network,
            retry=self._retry,
            force=self._force,
            log=self._log,
            clock=self._clock,
            sleep=self._sleep,
        )
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Stop a call still running (what is in flight finishes and is recorded), then close all."""
        parts, self._parts, self._closed = self._parts, None, True
        if parts is None:
            return
        try:
            if self._job is not None:
                await self._job.close()
        finally:
            try:
                if parts.client is not None:
                    await parts.client.close()
            finally:
                parts.ledger.close()
                parts.journal.close()

    def _open_parts(self) -> Parts:
        if self._parts is None:
            raise RuntimeError("use the Session inside 'async with' (it is not open)")
        return self._parts

    async def _open_client(self) -> Parts:
        """X's HTTP client, opened by the first call that sends: a dry run never imports the network stack
        (nor does a Session given another ``network``)."""
        parts = self._open_parts()
        if parts.client is None and parts.network is None:
            client = await XConnection.open(parts.settings)
            self._parts = parts = dataclasses.replace(parts, client=client)
        return parts

    async def _new_job(self, call: Call, *, sends: bool = True) -> Job:
        """One call at a time: a call still running (a loop left with ``break``) is stopped first."""
        parts = await self._open_client() if sends else self._open_parts()
        if self._job is not None:
            await self._job.close()
        self._job = job = Job(parts, call)
        if self._stop_asked is not None:
            now, self._stop_asked = self._stop_asked, None
            job.stop(now=now)
        return job

    # -- the calls -------------------------------------------------------------------------------

    def like(
        self,
        ids: Ids,
        *,
        retry_failed: bool = False,
        max_likes: int | None = None,
        until: float | None = None,
    ) -> AsyncGenerator[Result, None]:
        """Like every tweet in ``ids`` (IDs or URLs, any iterable or async iterable of str).

        Yields a ``Result`` for each ID that ends in this call, invalid inputs included, once it is
        committed to the journal. IDs the journal already holds as done are not sent again; IDs
        left pending by earlier calls are sent too. ``retry_failed`` queues ``failed`` IDs again;
        ``max_likes`` and ``until`` (epoch seconds) end the call early with the rest pending.
        A fatal answer raises ``FatalApiError`` after the last result, the unsent IDs pending.
        """
        feed = Feed(ids)
        return self._results(
            Call(sources=[feed.source], feed=feed, retry_failed=retry_failed, max_likes=max_likes, until=until)
        )

    def undo(
        self, *, include_already: bool = False, max_likes: int | None = None, until: float | None = None
    ) -> AsyncGenerator[Result, None]:
        """Unlike every tweet this journal liked (``include_already``: also those found already
        liked); yields a ``Result`` (``unliked``, ``not_found``, ...) per tweet, as ``like()`` does."""
        return self._results(Call(undo=True, include_already=include_already, max_likes=max_likes, until=until))

    def unlike(
        self,
        ids: Ids,
        *,
        before: When | None = None,
        after: When | None = None,
        keep: Iterable[str] = (),
        retry_failed: bool = False,
        max_unlikes: int | None = None,
        until: float | None = None,
    ) -> AsyncGenerator[Result, None]:
        """Unlike every tweet in ``ids`` but those created at or after ``before`` or before ``after``
        (datetime, epoch seconds or ISO 8601, read from the ID) or in ``keep`` (IDs or URLs), which
        are ``skipped``; yields ``Result``s as ``like()`` does. The journal must be an unlike one."""
        filters = Filters(before=to_epoch(before, "before"), after=to_epoch(after, "after"), keep=keep_refs(keep))
        feed = Feed(ids)
        call = Call(
            unlike=True,
            filters=filters,
            sources=[feed.source],
            feed=feed,
            retry_failed=retry_failed,
            max_likes=max_unlikes,
            until=until,
        )
        return self._results(call)

    async def _results(self, call: Call) -> AsyncGenerator[Result, None]:
        job = await self._new_job(call)  # only results handed over count as written: a break leaves the rest owed
        async with contextlib.aclosing(job.batches()) as batches:
            async for batch in batches:
                for result in batch:
                    job.handed(1)
                    yield result

    async def batches(self, call: Call) -> AsyncGenerator[list[Result], None]:
        """The calls' common form, for callers that open their own inputs (``input.ingest.open_sources``,
        as the CLI does): results in lists, one per group commit (none with ``results=False``, for a
        caller whose ``output`` writes them). The sources are closed when read."""
        job = await self._new_job(call)
        async with contextlib.aclosing(job.batches()) as batches:
            async for batch in batches:
                job.handed(len(batch))
                yield batch

    async def plan(
        self,
        ids: Ids | list[Source],
        *,
        retry_failed: bool = False,
        on_invalid: Callable[[Result], None] | None = None,
        unlike: bool = False,
        filters: Filters | None = None,
    ) -> Plan:
        """A dry run: read ``ids`` into the journal, send nothing, and say what a run would do. Invalid
        inputs are passed to ``on_invalid``; no result is written: they stay owed to a real run's output."""
        if isinstance(ids, list) and ids and all(isinstance(s, Source) for s in ids):
            feed, sources = None, list(ids)
        else:
            feed = Feed(ids)  # type: ignore[arg-type]
            sources = [feed.source]
        call = Call(sources=sources, feed=feed, retry_failed=retry_failed, unlike=unlike, filters=filters, dry_run=True)
        job = await self._new_job(dataclasses.replace(call, results=bool(on_invalid)), sends=False)
        return await job.plan(on_invalid)

    # -- while a call runs -----------------------------------------------------------------------

    def stop(self, *, now: bool = False) -> None:
        """Stop the running call from anywhere on the loop (a signal handler, another task):
        nothing more is sent and its loop ends once what is in flight is recorded; ``now``
        cancels what is in flight too. The call's report says ``StopReason.STOPPED``."""
        if self._job is not None and self._job.running:
            self._job.stop(now=now)
        elif self._parts is not None:
            self._stop_asked = now  # a signal just before the call started: it stops at once

    def progress(self) -> Progress | None:
        """Where the running (or last) call stands; None before the first call."""
        return self._job.progress() if self._job is not None else None

    @property
    def report(self) -> RunReport | None:
        """How the last call ended; None while it runs, or if it raised something other than a fatal answer."""
        return self._job.report if self._job is not None else None

    def pending(self, *, undo: bool = False) -> int:
        """How many IDs the journal has left to send (to unlike, with ``undo``)."""
        return self._open_parts().journal.count_pending(undo=undo)

    def counts(self) -> dict[str, int]:
        """The journal's records by status (``liked``, ``pending``, ``failed``, ...)."""
        return self._open_parts().journal.counts()
