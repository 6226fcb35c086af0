"""One send as a state machine: each way it ends says whether it spent an attempt and what became of its slot."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

from bulklike.engine.send import Move, Send, Sent, Step, Wire
from bulklike.engine.state import RunState
from bulklike.logs import SILENT
from bulklike.pacing.budget import Budget
from bulklike.pacing.ledger import Ledger
from bulklike.pacing.limits import Allowance, Limit
from bulklike.pacing.outage import Outage
from bulklike.pacing.pacer import Pacer, SlotEnd
from bulklike.report import StopReason
from bulklike.x.classify import Answer, Kind, TransportError
from bulklike.x.network import XNetwork
from tests.helpers.clock import FakeClock

OK = Answer(200, b'{"id_str": "1", "favorited": true}')
BARE_429 = Answer(429, b"")
NOT_FOUND = Answer(404, b'{"errors":[{"code":144,"message":"No status found with that ID."}]}')
NO_V1 = Answer(403, b'{"errors":[{"code":453,"message":"You currently have access to a subset of endpoints"}]}')


class Client:
    def __init__(self, *answers: Answer) -> None:
        self.answers = list(answers)
        self.calls = 0

    async def like(self, tweet_id: str) -> Answer:
        self.calls += 1
        await asyncio.sleep(0)
        return self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]

    async def unlike(self, tweet_id: str) -> Answer:
        return await self.like(tweet_id)


class Switch:
    def __init__(self) -> None:
        self.calls = 0

    async def to_v2(self) -> None:
        self.calls += 1


def wire(tmp_path: Path, client: Client, *, max_likes: int | None = None, switch: Switch | None = None) -> Wire:
    clock = FakeClock()
    ledger = Ledger(str(tmp_path / "l.db"), app="a", user="u", now=clock())
    pacer = Pacer(ledger, (Limit(100, 60.0),), (), timeout=5.0, clock=clock, sleep=clock.sleep)
    state = RunState()
    limits = Allowance((Limit(100, 60.0),))

    async def move() -> Allowance:
        assert switch is not None
        await switch.to_v2()
        return limits

    network = XNetwork(client, limits=limits, move=None if switch is None else move)
    return Wire(
        state=state,
        pacer=pacer,
        network=network,
        outage=Outage(timeout_s=60.0, clock=clock, sleep=clock.sleep),
        move=Move(network, pacer, state, SILENT),
        budget=Budget(max_likes) if max_likes is not None else None,
        unlike=False,
        clock=clock,
        log=SILENT,
    )


def sends_in_ledger(tmp_path: Path, w: Wire) -> int:
    w.pacer.ledger.close()  # writes the answers, gives back slots taken ahead
    with sqlite3.connect(tmp_path / "l.db") as conn:
        return int(conn.execute("SELECT count(*) FROM sends WHERE until > 0").fetchone()[0])  # 0: given back


async def test_an_answer_spends_an_attempt_and_keeps_its_slot(tmp_path: Path) -> None:
    w = wire(tmp_path, Client(NOT_FOUND))
    sent = await Send(w, "1").run()
    assert sent.step is Step.ANSWERED and sent.attempt and sent.slot is SlotEnd.ANSWERED
    assert sent.outcome is not None and sent.outcome.status == "not_found"
    assert sends_in_ledger(tmp_path, w) == 1


async def test_a_429_keeps_its_slot_pauses_everyone_and_spends_no_attempt(tmp_path: Path) -> None:
    w = wire(tmp_path, Client(BARE_429))
    sent = await Send(w, "1").run()
    assert sent == Sent(Step.RATE_LIMITED, sent.outcome, SlotEnd.REFUSED) and not sent.attempt
    assert sent.outcome is not None and sent.outcome.kind is Kind.RATE_LIMITED
    assert w.pacer.waiting is not None and w.pacer.rate_limited == 1
    assert sends_in_ledger(tmp_path, w) == 1


async def test_never_connected_gives_the_slot_back_and_starts_an_outage(tmp_path: Path) -> None:
    w = wire(tmp_path, Client(Answer(0, transport_error=TransportError.CONNECTION_REFUSED)))
    sent = await Send(w, "1").run()
    assert sent == Sent(Step.UNREACHABLE, None, SlotEnd.GIVEN_BACK) and not sent.attempt
    assert w.outage.active
    assert sends_in_ledger(tmp_path, w) == 0


async def test_a_timeout_spends_an_attempt_and_keeps_its_deadline(tmp_path: Path) -> None:
    w = wire(tmp_path, Client(Answer(0, transport_error=TransportError.TIMEOUT)))
    sent = await Send(w, "1").run()
    assert sent.step is Step.ANSWERED and sent.slot is SlotEnd.UNANSWERED
    assert sent.outcome is not None and sent.outcome.kind is Kind.RETRYABLE


async def test_a_453_under_auto_moves_the_run_once_and_gives_the_slot_back(tmp_path: Path) -> None:
    switch = Switch()
    w = wire(tmp_path, Client(NO_V1, OK), switch=switch)
    sent = await Send(w, "1").run()
    assert sent == Sent(Step.SWITCHED, None, SlotEnd.GIVEN_BACK) and not sent.attempt
    assert switch.calls == 1 and w.move.done
    again = await Send(w, "1").run()
    assert again.step is Step.ANSWERED and again.outcome is not None and again.outcome.status == "liked"
    assert switch.calls == 1 and sends_in_ledger(tmp_path, w) == 1  # the 453 counted toward no limit


async def test_without_auto_a_453_is_an_answer(tmp_path: Path) -> None:
    w = wire(tmp_path, Client(NO_V1))
    sent = await Send(w, "1").run()
    assert sent.step is Step.ANSWERED and sent.outcome is not None and sent.outcome.kind is Kind.FATAL


async def test_a_stopped_run_sends_nothing(tmp_path: Path) -> None:
    client = Client(OK)
    w = wire(tmp_path, client)
    w.state.stop(StopReason.STOPPED)
    assert await Send(w, "1").run() == Sent(Step.STOPPED)
    assert client.calls == 0


async def test_the_slice_limit_stops_with_its_reason(tmp_path: Path) -> None:
    client = Client(OK)
    w = wire(tmp_path, client, max_likes=1)
    assert (await Send(w, "1").run()).step is Step.ANSWERED
    assert await Send(w, "2").run() == Sent(Step.STOPPED)
    assert w.state.reason is StopReason.MAX_LIKES and client.calls == 1


async def test_until_stops_with_its_reason(tmp_path: Path) -> None:
    client = Client(OK)
    w = wire(tmp_path, client)
    w.pacer.stop_at = w.clock() - 1.0
    assert await Send(w, "1").run() == Sent(Step.STOPPED)
    assert w.state.reason is StopReason.UNTIL and client.calls == 0
