"""The runner's per-like path: pending IDs taken straight from memory while the queue holds some,
read from the journal by one worker at a time otherwise (every ID handed out once, in input order);
light objects per send."""

from __future__ import annotations

import asyncio
import dataclasses
import io
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from bulklike.engine.outbox import LineOutbox
from bulklike.engine.recorder import Recorder
from bulklike.engine.runner import RetryPolicy, Runner
from bulklike.engine.send import Sent, Step
from bulklike.input.ingest import Ingestor, Source
from bulklike.input.lines import ParsedId
from bulklike.pacing.ledger import Ledger
from bulklike.pacing.limits import Allowance
from bulklike.pacing.pacer import Pacer, SlotEnd
from bulklike.report import StopReason
from bulklike.results import ResultWriter
from bulklike.store.journal import Journal
from bulklike.x.classify import Answer
from bulklike.x.network import XNetwork
from tests.helpers.clock import FakeClock
from tests.helpers.locks import CountingLock


class NoClient:
    async def like(self, tweet_id: str) -> Answer:
        raise AssertionError("nothing is sent here")

    async def unlike(self, tweet_id: str) -> Answer:
        raise AssertionError("nothing is sent here")


def ingest(path: Path, run: int, ids: list[str]) -> None:
    source = Source("t", iter([ParsedId(i, f"t:{i}") for i in ids]), io.BytesIO())
    ingestor = Ingestor(str(path), run, [source], on_commit=lambda _: None)
    ingestor.start()
    assert ingestor.done.wait(10)


@pytest.fixture
def setup(tmp_path: Path) -> Iterator[tuple[Runner, Path, int]]:
    clock = FakeClock()
    path = tmp_path / "j.db"
    journal = Journal(str(path))
    run = journal.begin_run("run", clock())
    ledger = Ledger(str(tmp_path / "l.db"), app="a", user="u", now=clock())
    pacer = Pacer(ledger, (), (), timeout=5.0, clock=clock, sleep=clock.sleep)
    recorder = Recorder(journal, LineOutbox(journal, ResultWriter(io.StringIO(), "jsonl")))
    network = XNetwork(NoClient(), limits=Allowance(()))
    runner = Runner(journal, pacer, network, recorder, concurrency=3, retry=RetryPolicy(), clock=clock)
    runner._take_lock = CountingLock()
    yield runner, path, run
    ledger.close()
    journal.close()


async def test_queued_ids_are_taken_at_once_without_the_lock(setup: tuple[Runner, Path, int]) -> None:
    runner, path, run = setup
    ingest(path, run, [str(i) for i in range(1, 601)])  # more than one read of 512
    assert await runner._next_id() == ("1", None)  # the first read goes through the lock (no record key)
    assert isinstance(runner._take_lock, CountingLock) and runner._take_lock.taken == 1
    taken = []
    for _ in range(511):
        step = runner._next_id().__await__()
        with pytest.raises(StopIteration) as done:  # no suspension: nothing to wait for
            step.send(None)
        taken.append(done.value.value)
    assert taken == [(str(i), None) for i in range(2, 513)] and runner._take_lock.taken == 1
    rest = [await runner._next_id() for _ in range(88)]
    assert rest == [(str(i), None) for i in range(513, 601)] and runner._take_lock.taken == 2  # the next read
    assert await runner._next_id() is None  # reading is over and the journal has nothing more


async def test_workers_waiting_for_the_ingest_get_every_id_once_in_order(setup: tuple[Runner, Path, int]) -> None:
    runner, path, run = setup
    ingest(path, run, ["1", "2", "3", "4", "5"])
    runner.reading.set()  # the ingest thread may still add rows
    taken: list[str] = []

    async def worker() -> None:
        while (item := await runner._next_id()) is not None:
            taken.append(item[0])
            await asyncio.sleep(0)

    workers = [asyncio.create_task(worker()) for _ in range(3)]
    for _ in range(20):
        await asyncio.sleep(0)
    assert taken == ["1", "2", "3", "4", "5"]  # the rest wait: one on new rows, the others for the lock
    ingest(path, run, [str(i) for i in range(6, 21)])
    runner.new_rows.set()
    for _ in range(40):
        await asyncio.sleep(0)
    runner.reading.clear()  # the input ended
    runner.new_rows.set()
    await asyncio.gather(*workers)
    assert taken == [str(i) for i in range(1, 21)]


async def test_a_stop_ends_taking_even_with_ids_queued(setup: tuple[Runner, Path, int]) -> None:
    runner, path, run = setup
    ingest(path, run, ["1", "2", "3"])
    assert await runner._next_id() == ("1", None)
    runner.state.stop(StopReason.FATAL_ANSWER, "stop")
    assert await runner._next_id() is None
    assert list(runner._queue) == [("2", None), ("3", None)]  # still pending in the journal, sent by the next run


def test_what_each_send_makes_is_slotted_and_plain() -> None:
    """``Sent`` is made once per send: slots and a plain ``__init__`` (a frozen one costs a call per field)."""
    sent = Sent(Step.ANSWERED, None, SlotEnd.ANSWERED)
    assert not hasattr(sent, "__dict__") and not Sent.__dataclass_params__.frozen  # type: ignore[attr-defined]
    assert dataclasses.replace(sent, step=Step.STOPPED) == Sent(Step.STOPPED, None, SlotEnd.ANSWERED)


class OkClient:
    async def like(self, tweet_id: str) -> Answer:
        await asyncio.sleep(0)
        return Answer(200, b'{"id_str": "1", "favorited": true}')

    async def unlike(self, tweet_id: str) -> Answer:
        return await self.like(tweet_id)


async def test_slots_taken_ahead_go_back_when_the_run_ends(tmp_path: Path) -> None:
    """A burst takes slots ahead; those never handed out stop counting when the run ends, in the file
    too (another process need not wait for their deadlines), before the ledger is closed."""
    clock = FakeClock()
    path = tmp_path / "j.db"
    journal = Journal(str(path))
    ingest(path, journal.begin_run("run", clock()), [str(i) for i in range(1, 101)])
    ledger = Ledger(str(tmp_path / "l.db"), app="a", user="u", now=clock())
    pacer = Pacer(ledger, (), (), timeout=5.0, clock=clock, sleep=clock.sleep)
    recorder = Recorder(journal, LineOutbox(journal, ResultWriter(io.StringIO(), "jsonl")))
    network = XNetwork(OkClient(), limits=Allowance(()))
    runner = Runner(journal, pacer, network, recorder, concurrency=3, retry=RetryPolicy(), clock=clock)
    await runner.run()
    assert journal.counts() == {"liked": 100}
    with sqlite3.connect(tmp_path / "l.db") as conn:
        untils = [until for (until,) in conn.execute("SELECT until FROM sends")]
    assert len(untils) > 100  # the burst took slots ahead, and some were never used
    assert all(until <= clock() for until in untils)  # answered, or given back: none still counts
    ledger.close()
    journal.close()
