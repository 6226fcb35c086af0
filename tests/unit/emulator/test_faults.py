"""Seeded faults: each kind forced alone, what it does to the like, and reproducibility."""

from __future__ import annotations

import asyncio
import json

import aiohttp
import pytest

from bulklike.emulator import DEMO_ACCOUNT, run_emulator
from bulklike.emulator.config import FAULT_KINDS, EmulatorConfig
from bulklike.emulator.faults import FaultPlan
from bulklike.emulator.server import SHUTDOWN_TIMEOUT_S
from tests.helpers.emulator import Caller, Start
from tests.helpers.fastloop import FASTLOOP, loop_now
from tests.helpers.signing import sign_for


async def like_outcome(caller: Caller, tweet_id: str, timeout: float = 5.0) -> str:
    """The status, or the name of the client-side error, of one v1.1 like."""
    url = caller.emu.base_url + f"/1.1/favorites/create.json?id={tweet_id}"
    header = sign_for(caller.account, "POST", url, timestamp=int(caller.emu.config.clock()))
    try:
        async with caller.session.post(
            url, headers={"Authorization": header}, timeout=aiohttp.ClientTimeout(total=timeout)
        ) as resp:
            body = await resp.read()
            if resp.status == 200:
                json.loads(body)
            return str(resp.status)
    except (aiohttp.ClientPayloadError, ValueError):
        return "bad-body"
    except (aiohttp.ServerDisconnectedError, aiohttp.ClientOSError):
        return "dropped"
    except TimeoutError:
        return "timeout"


@pytest.mark.parametrize(("kind", "status", "code"), [("http500", 500, 131), ("http503", 503, 130)])
async def test_server_errors_carry_their_codes(start: Start, kind: str, status: int, code: int) -> None:
    caller = await start(fault_rate=1.0, fault_kinds=(kind,))
    answer = await caller.v1_like("1")
    assert (answer.status, answer.code) == (status, code)
    stats = caller.emu.stats()
    assert stats["faults"][kind] == 1 and stats["likes"] == 0 and stats["liked_now"] == 0


async def test_gateway_errors_are_html_or_empty(start: Start) -> None:
    caller = await start(fault_rate=1.0, fault_kinds=("http502_html", "http504"))
    answers = [await caller.v1_like(str(i)) for i in range(30)]
    by_status = {a.status for a in answers}
    assert by_status == {502, 504}
    assert all(a.body.startswith(b"<!DOCTYPE html>") for a in answers if a.status == 502)
    bodies_504 = {bool(a.body) for a in answers if a.status == 504}
    assert bodies_504 == {True, False}  # both forms appear
    assert caller.emu.stats()["likes"] == 0


async def test_reset_drops_the_connection_without_applying(start: Start) -> None:
    caller = await start(fault_rate=1.0, fault_kinds=("reset",))
    assert await like_outcome(caller, "1") == "dropped"
    stats = caller.emu.stats()
    assert stats["faults"]["reset"] == 1 and stats["liked_now"] == 0 and stats["by_status"] == {}


async def test_applied_then_dropped_applies_the_like(start: Start) -> None:
    caller = await start(fault_rate=1.0, fault_kinds=("applied_then_dropped",))
    assert await like_outcome(caller, "1") == "dropped"
    assert await like_outcome(caller, "1") == "dropped"  # the retry finds it liked (139), also dropped
    stats = caller.emu.stats()
    assert (stats["likes"], stats["liked_now"], stats["already_liked"]) == (1, 1, 1)


async def test_truncated_body_never_parses_but_the_like_is_applied(start: Start) -> None:
    caller = await start(fault_rate=1.0, fault_kinds=("truncated",))
    outcomes = [await like_outcome(caller, str(i)) for i in range(12)]
    assert set(outcomes) == {"bad-body"}
    assert caller.emu.stats()["likes"] == 12 and caller.emu.stats()["by_status"] == {"200": 12}


async def test_truncated_forms(start: Start) -> None:
    """One form lies in Content-Length, the other sends a complete but half body."""
    caller = await start(fault_rate=1.0, fault_kinds=("truncated",))
    forms = set()
    for i in range(12):
        try:
            answer = await caller.v1_like(str(i))
        except aiohttp.ClientPayloadError:
            forms.add("short")
            continue
        assert answer.status == 200 and int(answer.headers["content-length"]) == len(answer.body)
        with pytest.raises(ValueError):
            answer.json()
        forms.add("half")
    assert forms == {"short", "half"}


@FASTLOOP  # the 0.4 s wait is loop time: the 0.3 s stall has ended by then, whatever the machine's load
async def test_stall_outlasts_the_client_and_applies_nothing(start: Start) -> None:
    caller = await start(fault_rate=1.0, fault_kinds=("stall",), stall_s=0.3)
    assert await like_outcome(caller, "1", timeout=0.1) == "timeout"
    await asyncio.sleep(0.4)
    stats = caller.emu.stats()
    assert stats["faults"]["stall"] == 1 and stats["liked_now"] == 0


@FASTLOOP
async def test_stall_answers_a_patient_client(start: Start) -> None:
    caller = await start(fault_rate=1.0, fault_kinds=("stall",), stall_s=0.2)
    began = loop_now()
    assert await like_outcome(caller, "1", timeout=5) == "200"
    assert loop_now() - began >= 0.2
    assert caller.emu.stats()["liked_now"] == 1


async def test_faults_are_reproducible_and_retries_get_through(start: Start) -> None:
    kinds = ("http500", "http503", "reset", "http502_html")
    first = await start(fault_rate=0.5, fault_kinds=kinds, seed=7)
    second = await start(fault_rate=0.5, fault_kinds=kinds, seed=7)
    ids = [str(100 + i) for i in range(20)]
    run1 = [await like_outcome(first, i) for i in ids]
    run2 = [await like_outcome(second, i) for i in ids]
    assert run1 == run2
    assert 3 <= sum(o != "200" for o in run1) <= 17
    for tweet_id, outcome in zip(ids, run1, strict=True):
        retries = 0
        while outcome != "200":
            outcome = await like_outcome(first, tweet_id)
            retries += 1
            assert retries < 20
    assert first.emu.stats()["liked_now"] == 20


def test_fault_kinds_are_spread_evenly() -> None:
    plan = FaultPlan(EmulatorConfig(fault_rate=0.8, seed=1))
    draws = [plan.draw(str(i))[0] for i in range(8000)]
    assert draws.count(None) / len(draws) == pytest.approx(0.2, abs=0.03)
    for kind in FAULT_KINDS:
        assert draws.count(kind) / len(draws) == pytest.approx(0.1, abs=0.02)


async def test_faults_only_touch_likes_after_auth(start: Start) -> None:
    caller = await start(fault_rate=1.0, fault_kinds=("http500",))
    assert (await caller.request("GET", "/2/users/me")).status == 200
    refused = await caller.v1_like("1", sign={"consumer_secret": "wrong"})
    assert refused.code == 32
    assert caller.emu.stats()["faults"]["http500"] == 0


@FASTLOOP
async def test_latency_is_added_and_seeded(start: Start) -> None:
    caller = await start(latency_ms=60)
    began = loop_now()
    for i in range(3):
        assert (await caller.v1_like(str(i))).status == 200
    assert loop_now() - began >= 3 * 0.03  # each answer waited at least half the latency
    a, b = (FaultPlan(EmulatorConfig(latency_ms=100, seed=5)) for _ in range(2))
    delays = [a.latency_s() for _ in range(50)]
    assert delays == [b.latency_s() for _ in range(50)]
    assert all(0.05 <= d <= 0.15 for d in delays)


@FASTLOOP
async def test_a_stalled_request_does_not_hold_shutdown() -> None:
    """A 30 s stall is cut short at shutdown: the emulator is gone within its shutdown grace (loop time)."""
    config = EmulatorConfig(fault_rate=1.0, fault_kinds=("stall",), stall_s=30)
    async with run_emulator(config) as emu, aiohttp.ClientSession() as session:
        caller = Caller(session, emu, DEMO_ACCOUNT)
        assert await like_outcome(caller, "1", timeout=0.1) == "timeout"
        task = asyncio.create_task(like_outcome(caller, "2", timeout=10))
        await asyncio.sleep(0.1)
        closing = loop_now()
    assert loop_now() - closing <= SHUTDOWN_TIMEOUT_S + 0.5  # not the 30 s stall
    assert await task == "dropped"  # the server closed the connection on its way out
