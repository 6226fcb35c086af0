"""Every retry path ends, with bounded waits and a bounded number of requests.

A server that always fails in one way (each emulator fault kind, HTML with a 200 or a 403, 429s whose
reset lies in the past or far in the future, bare 429s, garbage Retry-After), and a server whose
quota is spent for the next hour: the run ends with failed IDs (exit 1), the pacer's give-up
(exit 3) or ``--until`` (exit 75), or it waits without sending (exit 143 on SIGTERM).

Retry waits are the built-in exponential 1 s .. 60 s with jitter (no CLI flag shortens them), so
``--max-attempts 2`` makes one wait of 1-2 s per ID. The cases of one test run concurrently.

The bounds are on what the program decided (the waits it logged, the requests it sent), never on the
wall clock: a loaded CI machine makes everything slower, not the retry policy looser.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import signal
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import pytest
from aiohttp import web

from bulklike.emulator import FAULT_KINDS
from bulklike.engine.breaker import Breaker
from bulklike.pacing.limits import Limit
from bulklike.x.classify import Answer, Kind, classify
from tests.helpers.workspace import CliResult, EmulatorFactory, Workspace, ids

pytestmark = pytest.mark.timeout(90)
APPLIED_KINDS = ("applied_then_dropped", "truncated")


def sub(workspace: Workspace, name: str) -> Workspace:
    """A separate folder (journal, ledger, state) with the same environment, for concurrent runs."""
    folder = workspace.path / name
    folder.mkdir()
    return Workspace(folder, {**workspace.env, "XDG_STATE_HOME": str(folder / "state")})


def until(seconds: float) -> str:
    return (dt.datetime.now(dt.UTC) + dt.timedelta(seconds=seconds)).isoformat()


def waits(result: CliResult, event: str) -> list[float]:
    """The ``wait_s`` of every ``event`` (``retry`` or ``waiting``) the run logged as JSON on stderr."""
    found = []
    for line in result.stderr.splitlines():
        if line.startswith("{"):
            entry = json.loads(line)
            if entry.get("event") == event:
                found.append(float(entry["wait_s"]))
    return found


@pytest.mark.slow
async def test_every_fault_kind_forever_ends_failed_after_max_attempts(
    workspace: Workspace, emulator: EmulatorFactory
) -> None:
    async def one(kind: str) -> tuple[str, CliResult, dict[str, object], Workspace]:
        ws = sub(workspace, kind)
        path = ws.write("ids.txt", "\n".join(ids(10)) + "\n")
        async with emulator(fault_rate=1.0, fault_kinds=(kind,), stall_s=3.0) as emu:
            # v2: a like is idempotent there, so a spoilt answer is asked again; on v1.1 the second
            # answer to a landed like is a 403 (139), which cut short goes under the breaker instead
            args = ["--api", "v2", "--max-attempts", "2", "--timeout", "0.5", "--concurrency", "10"]
            run = await ws.cli("run", str(path), *ws.base_args(emu), *args, timeout=60)
            return kind, run, emu.stats(), ws

    for kind, run, stats, ws in await asyncio.gather(*(one(k) for k in FAULT_KINDS)):
        assert run.code == 1, (kind, run.stderr)
        retries = waits(run, "retry")  # two tries: exactly one wait of 1-2 s per ID
        assert len(retries) == 10 and all(1.0 <= w <= 2.0 for w in retries), (kind, retries)
        assert stats["requests"] == 21, kind  # 10 IDs x 2 attempts, not one more, and one account lookup
        assert {row[:2] for row in ws.rows().values()} == {("failed", 2)}, kind
        # the like lands and only the answer is spoilt: applied on the server, ``failed`` in the
        # journal (attempts exhausted); ``--retry-failed`` later finds it liked.
        assert stats["likes"] == (10 if kind in APPLIED_KINDS else 0), kind
        assert "Traceback" not in run.stderr


def test_an_unreadable_403_goes_under_the_breaker_never_forbidden() -> None:
    already = b'{"errors":[{"code":139,"message":"You have already favorited this status."}]}'
    for body in (already[: len(already) // 2], b"<html><body>Forbidden</body></html>"):
        held = classify(Answer(403, body))  # not retried into; failed (never forbidden) if one tweet's
        assert (held.kind, held.status, held.http_status, held.unknown) == (Kind.PERMANENT, "failed", 403, True)
        assert Breaker.watches(held)
    assert classify(Answer(403, already)).status == "already_liked"
    assert classify(Answer(403, b'{"errors":[{"code":999,"message":"?"}]}')).status == "forbidden"
    assert classify(Answer(403, b"")).status == "forbidden"  # nothing cut: a bare 403 stays per tweet


Reply = Callable[[web.Request], web.StreamResponse]


@asynccontextmanager
async def hostile(answer: Reply) -> AsyncIterator[tuple[str, list[float]]]:
    """A server that gives every request the same bad answer; yields (base URL, request times)."""
    hits: list[float] = []

    async def handle(request: web.Request) -> web.StreamResponse:
        hits.append(time.monotonic())
        await request.read()
        return answer(request)

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handle)
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}", hits
    finally:
        await runner.cleanup()


def html_200(_: web.Request) -> web.StreamResponse:
    return web.Response(status=200, text="<html><body>Welcome!</body></html>", content_type="text/html")


def html_403(_: web.Request) -> web.StreamResponse:
    return web.Response(status=403, text="<html><body>Forbidden</body></html>", content_type="text/html")


def rate_limited(headers: Callable[[], dict[str, str]]) -> Reply:
    return lambda _: web.Response(status=429, headers=headers(), text='{"title":"Too Many Requests"}')


def reset_in(seconds: float) -> Callable[[], dict[str, str]]:
    return lambda: {
        "x-rate-limit-limit": "50",
        "x-rate-limit-remaining": "0",
        "x-rate-limit-reset": str(int(time.time() + seconds)),
    }


CASES: dict[str, tuple[Reply, list[str]]] = {
    # (answer, extra flags); expectations are in the test
    "html_200": (html_200, ["--max-attempts", "2"]),
    "html_403": (html_403, ["--api", "v1.1", "--user-id", "1"]),  # the id given: no account lookup
    "429_reset_in_the_past": (rate_limited(reset_in(-3600)), []),
    "429_reset_in_ten_years": (rate_limited(reset_in(10 * 365 * 86400)), ["--until"]),
    "429_bare": (rate_limited(dict), ["--until"]),
    "429_garbage_retry_after": (rate_limited(lambda: {"retry-after": "-5"}), ["--until"]),
}


@pytest.mark.slow
async def test_hostile_servers_end_after_bounded_waits(workspace: Workspace) -> None:
    async def one(name: str) -> tuple[str, CliResult, list[float]]:
        answer, extra = CASES[name]
        ws = sub(workspace, name)
        path = ws.write("ids.txt", "\n".join(ids(4)) + "\n")
        flags = [f for flag in extra for f in (["--until", until(4)] if flag == "--until" else [flag])]
        async with hostile(answer) as (url, hits):
            args = [
                "run",
                str(path),
                "--base-url",
                url,
                "--journal",
                str(ws.journal),
                "--ledger",
                str(ws.ledger),
                "--min-interval",
                "0",
                "--log-format",
                "json",
                "--no-progress",
                *flags,
            ]
            return name, await ws.cli(*args, timeout=60), hits

    runs = {name: (run, hits) for name, run, hits in await asyncio.gather(*(one(n) for n in CASES))}
    for name, (run, _) in runs.items():
        assert "Traceback" not in run.stderr, name
    html, hits = runs["html_200"]
    assert html.code == 1 and {r["status"] for r in html.results} == {"failed"}
    assert len(hits) == 9  # one account lookup (unanswerable: not asked again), 4 IDs x 2
    retries = waits(html, "retry")
    assert len(retries) == 4 and all(1.0 <= w <= 2.0 for w in retries), retries
    forbidden, hits = runs["html_403"]  # under the breaker, never retried: 4 tweets are fewer than its 5
    assert forbidden.code == 1 and {r["status"] for r in forbidden.results} == {"failed"}, forbidden.stderr
    assert len(hits) == 4 and not waits(forbidden, "retry")
    past, hits = runs["429_reset_in_the_past"]  # each reset is clamped to 1 s ahead: 12 pauses, then give up
    assert past.code == 3, past.stderr
    assert "429 after 12 waits in a row" in past.stderr
    assert len(hits) <= 4 * 14  # one round per pause, concurrency 4: no spinning
    assert all(w <= 1.5 for w in waits(past, "waiting")), waits(past, "waiting")  # clamped, never the hour back
    for name in ("429_reset_in_ten_years", "429_bare", "429_garbage_retry_after"):
        run, hits = runs[name]
        assert run.code == 75, (name, run.stderr)  # the wait ends after --until: stop now
        assert len(hits) <= 8, (name, len(hits))
        assert "to resume" in run.stderr


async def _until_waiting(proc: asyncio.subprocess.Process) -> bytes:
    """Read the run's stderr up to its first ``waiting`` event (the event, not a time window); what was read."""
    assert proc.stderr is not None
    seen = b""
    while b'"event": "waiting"' not in seen:
        line = await asyncio.wait_for(proc.stderr.readline(), 60)
        if not line:
            break
        seen += line
    return seen


async def _stopped(proc: asyncio.subprocess.Process, read: bytes) -> CliResult:
    """SIGTERM the run and collect it; the process is gone whatever happens."""
    try:
        proc.send_signal(signal.SIGTERM)
        out, err = await asyncio.wait_for(proc.communicate(), 30)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    assert proc.returncode is not None
    return CliResult(proc.returncode, out.decode(), (read + err).decode())


@pytest.mark.slow
async def test_quota_spent_for_an_hour_waits_without_spinning(workspace: Workspace, emulator: EmulatorFactory) -> None:
    """Each run waits on the event it is about (its own ``waiting`` line), never on a time window, so
    load cannot starve it; a failing case cancels the others and every process is ended."""

    async def one(api: str, style: str) -> None:
        ws, other = sub(workspace, f"{api}-{style}"), sub(workspace, f"{api}-{style}-2")
        path = ws.write("ids.txt", "\n".join(ids(10)) + "\n")
        spent = (Limit(1, 3600.0),)  # the server allows one like an hour; the client believes in 1000 a day
        async with emulator(user_limits=spent, app_limits=(Limit(1000, 86400.0),), v1_429=style) as emu:
            args = ["run", str(path), "--api", api, "--quota", "1000/24h"]
            proc, read = await ws.start(*args, *ws.base_args(emu)), b""
            try:
                read = await _until_waiting(proc)  # one like, the rest refused: it waits for the reset
            finally:
                stopped = await _stopped(proc, read)
            first = emu.stats()["requests"]
            proc, read = await other.start(*args, *other.base_args(emu)), b""  # its own ledger: learns from 429s
            try:
                read = await _until_waiting(proc)
            finally:
                second = await _stopped(proc, read)
            waited = emu.stats()["requests"] - first
            stats = emu.stats()
        case = (api, style)
        assert stopped.code == 143, (case, stopped.stderr)
        assert first <= 1 + 4 + 2, (case, first)  # one like, then the ones in flight are refused; no spinning
        assert sum(r["status"] == "liked" for r in stopped.results) == 1, case
        assert second.code == 143, (case, second.stderr)
        assert waited <= 4 + 2, (case, waited)  # it sent a handful, then waited
        assert '"event": "waiting"' in stopped.stderr + second.stderr, case
        assert stats["likes"] == 1, case
        assert "Traceback" not in stopped.stderr + second.stderr, case

    async with asyncio.TaskGroup() as group:  # one case failing cancels the others (and ends their processes)
        for api, style in (("v1.1", "bare"), ("v1.1", "code88"), ("v2", "bare")):
            group.create_task(one(api, style))
