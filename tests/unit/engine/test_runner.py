"""The runner against a plain fake client: real journal and ledger files, a fake clock, no sockets."""

from __future__ import annotations

import asyncio
import io
import json
import sqlite3
from collections.abc import Callable, Mapping
from pathlib import Path

from bulklike.engine.outbox import LineOutbox
from bulklike.engine.recorder import Recorder
from bulklike.engine.runner import RetryPolicy, Runner
from bulklike.errors import FatalApiError
from bulklike.input.ingest import Ingestor, Source
from bulklike.input.lines import ParsedId
from bulklike.pacing.ledger import Ledger
from bulklike.pacing.limits import Allowance, Limit
from bulklike.pacing.pacer import Pacer
from bulklike.report import StopReason
from bulklike.results import ResultWriter
from bulklike.store.journal import Journal
from bulklike.x.classify import Answer, TransportError
from bulklike.x.network import XNetwork
from tests.helpers.clock import FakeClock

OK = Answer(200, b'{"id_str": "1", "favorited": true}')
BUSY = Answer(503, b'{"errors":[{"code":130,"message":"Over capacity"}]}')
BARE_429 = Answer(429, b"")
FATAL = Answer(401, b'{"errors":[{"code":32,"message":"Could not authenticate you."}]}')
UNKNOWN_403 = Answer(403, b'{"errors":[{"code":999,"message":"This account cannot perform this action right now."}]}')
NO_V1 = Answer(403, b'{"errors":[{"code":453,"message":"You currently have access to a subset of endpoints"}]}')


class FakeClient:
    """Answers from a script per tweet ID (the last answer repeats), recording every call."""

    def __init__(self, script: Callable[[str, int], Answer]) -> None:
        self.script = script
        self.calls: list[str] = []

    async def like(self, tweet_id: str) -> Answer:
        self.calls.append(tweet_id)
        await asyncio.sleep(0)
        return self.script(tweet_id, self.calls.count(tweet_id))

    async def unlike(self, tweet_id: str) -> Answer:
        return await self.like(tweet_id)


class CheckingWriter(ResultWriter):
    """Asserts that every reported result is already committed in the journal file."""

    def __init__(self, path: Path) -> None:
        super().__init__(io.StringIO(), "jsonl")
        self.path = path

    def write(self, record: Mapping[str, object]) -> None:
        with Journal(str(self.path), lock=False, readonly=True) as other:
            row = next(r for r in other.rows() if r.tweet_id == record["tweet_id"])
        assert row.status == record["status"]  # committed before reported
        super().write(record)


async def _run(
    tmp_path: Path,
    ids: list[str],
    client: FakeClient,
    *,
    limits: tuple[Limit, ...] = (),
    max_likes: int | None = None,
    attempts: int = 3,
    clock: FakeClock | None = None,
    offline_timeout_s: float = 1800.0,
    switch: FakeSwitch | None = None,
) -> tuple[Runner, Journal, CheckingWriter]:
    clock = clock or FakeClock(1_800_000_000.0)
    path = tmp_path / "j.db"
    journal = Journal(str(path))
    run = journal.begin_run("run", clock())
    ingestor = Ingestor(
        str(path),
        run,
        [Source("t", iter([ParsedId(i, f"t:{n}") for n, i in enumerate(ids)]), io.BytesIO())],
        on_commit=lambda _: None,
    )
    ingestor.start()
    assert ingestor.done.wait(10)
    ledger = Ledger(str(tmp_path / "l.db"), app="a", user="u", now=clock())
    pacer = Pacer(ledger, limits, (), timeout=5.0, clock=clock, sleep=clock.sleep)
    writer = CheckingWriter(path)
    runner = Runner(
        journal,
        pacer,
        x_network(client, limits, switch),
        Recorder(journal, LineOutbox(journal, writer)),
        concurrency=3,
        retry=RetryPolicy(max_attempts=attempts, initial_s=1.0, max_wait_s=4.0),
        max_likes=max_likes,
        offline_timeout_s=offline_timeout_s,
        clock=clock,
        sleep=clock.sleep,
    )
    await runner.run()
    return runner, journal, writer


def x_network(client: FakeClient, limits: tuple[Limit, ...], switch: FakeSwitch | None) -> XNetwork:
    """The fake client behind X's network, as the engine sends through it; ``switch``: ``--api auto``."""

    async def move() -> Allowance:
        assert switch is not None
        await switch.to_v2()
        return Allowance(limits)  # the pacer keeps the limits it had

    return XNetwork(client, limits=Allowance(limits), move=None if switch is None else move)


def _results(writer: ResultWriter) -> dict[str, dict[str, object]]:
    assert isinstance(writer.stream, io.StringIO)
    return {r["tweet_id"]: r for r in map(json.loads, writer.stream.getvalue().splitlines())}


async def test_all_liked_in_order(tmp_path: Path) -> None:
    client = FakeClient(lambda _id, _n: OK)
    runner, journal, writer = await _run(tmp_path, [str(i) for i in range(1, 21)], client)
    assert journal.counts() == {"liked": 20}
    assert client.calls[:3] == ["1", "2", "3"] and len(client.calls) == 20
    assert runner.state.reason is None and len(_results(writer)) == 20


async def test_transient_retried_then_failed_with_attempts(tmp_path: Path) -> None:
    client = FakeClient(lambda tweet_id, n: OK if tweet_id == "1" and n == 2 else BUSY)
    _, journal, writer = await _run(tmp_path, ["1", "2"], client, attempts=3)
    results = _results(writer)
    assert results["1"]["status"] == "liked" and results["1"]["attempts"] == 2
    assert results["2"]["status"] == "failed" and results["2"]["attempts"] == 3
    assert results["2"]["error_code"] == 130 and client.calls.count("2") == 3


async def test_retries_wait_by_the_backoff_rule_between_attempts(tmp_path: Path) -> None:
    """The retry loop sleeps what tenacity's rule says after each answer (1, 2, 4 s, capped at 4,
    plus up to 1 s of jitter), and no longer once the attempts are spent."""
    clock = FakeClock(1_800_000_000.0)
    client = FakeClient(lambda _id, _n: BUSY)
    _, journal, writer = await _run(tmp_path, ["1"], client, attempts=4, clock=clock)
    assert _results(writer)["1"]["attempts"] == 4 and client.calls == ["1"] * 4
    naps = [nap for nap in clock.naps if nap > 0]
    assert len(naps) == 3, clock.naps
    for nap, base in zip(naps, [1.0, 2.0, 4.0], strict=True):
        assert base <= nap <= min(base + 1.0, 4.0)


async def test_429_never_spends_an_attempt(tmp_path: Path) -> None:
    client = FakeClient(lambda tweet_id, n: BARE_429 if n <= 3 else OK)
    _, journal, writer = await _run(tmp_path, ["1", "2"], client, limits=(Limit(100, 60.0),), attempts=1)
    results = _results(writer)
    assert {r["status"] for r in results.values()} == {"liked"}
    assert all(r["attempts"] == 1 for r in results.values())  # 3 refusals each, one attempt


async def test_fatal_stops_everyone_and_leaves_the_rest_pending(tmp_path: Path) -> None:
    client = FakeClient(lambda tweet_id, _n: FATAL if tweet_id == "3" else OK)
    runner, journal, _ = await _run(tmp_path, [str(i) for i in range(1, 31)], client)
    assert runner.state.reason is StopReason.FATAL_ANSWER and "check the consumer key" in (runner.state.message or "")
    counts = journal.counts()
    assert counts["pending"] >= 25 and counts.get("liked", 0) <= 4
    assert len(client.calls) <= 5  # nothing was sent after the fatal answer came back


async def test_max_likes_counts_in_flight(tmp_path: Path) -> None:
    client = FakeClient(
        lambda tweet_id, _n: Answer(403, b'{"errors":[{"code":139,"message":"x"}]}') if tweet_id in ("2", "4") else OK
    )
    runner, journal, _ = await _run(tmp_path, [str(i) for i in range(1, 11)], client, max_likes=3)
    counts = journal.counts()
    assert counts["liked"] == 3  # never more, whatever was in flight
    assert counts["already_liked"] == 2  # already-liked tweets are not new likes
    assert runner.state.reason is StopReason.MAX_LIKES and counts["pending"] == 5


async def test_pacing_with_fake_clock_spreads_sends(tmp_path: Path) -> None:
    client = FakeClient(lambda _id, _n: OK)
    runner, journal, _ = await _run(tmp_path, [str(i) for i in range(1, 26)], client, limits=(Limit(10, 60.0),))
    assert journal.counts() == {"liked": 25}
    assert runner.pacer.wait_s >= 120.0  # 25 sends at 10 per minute: two full windows of waiting


async def test_unanswered_send_keeps_its_deadline_in_the_ledger(tmp_path: Path) -> None:
    """A timed-out request may still reach the server: its place in the windows lasts to its deadline."""
    import sqlite3

    timeout = Answer(0, transport_error=TransportError.TIMEOUT)
    client = FakeClient(lambda _id, n: timeout if n == 1 else OK)
    runner, journal, _ = await _run(tmp_path, ["1"], client, limits=(Limit(100, 60.0),))
    assert journal.counts() == {"liked": 1}
    runner.pacer.ledger.flush_answers()
    with sqlite3.connect(tmp_path / "l.db") as conn:
        (first_sent, first_until), (second_sent, second_until) = conn.execute(
            "SELECT sent_at, until FROM sends ORDER BY id"
        ).fetchall()
    assert first_until == first_sent + 5.0 + 1.0  # the deadline: timeout + 1 s, never shortened
    assert second_until < second_sent + 1.0  # an answered send ends when its answer came


REFUSED = Answer(0, transport_error=TransportError.CONNECTION_REFUSED)


async def test_outage_is_a_wait_not_a_failure(tmp_path: Path) -> None:
    """The API unreachable for 10 minutes: every worker waits, probes grow to a minute apart, no
    attempt is spent, and the never-connected sends give their ledger slots back."""
    clock = FakeClock(1_800_000_000.0)
    back_at = clock() + 600.0
    client = FakeClient(lambda _id, _n: OK if clock() >= back_at else REFUSED)
    ids = [str(i) for i in range(1, 21)]
    runner, journal, writer = await _run(tmp_path, ids, client, limits=(Limit(1000, 3600.0),), attempts=2, clock=clock)
    assert journal.counts() == {"liked": 20}
    assert all(r["attempts"] == 1 for r in _results(writer).values())
    assert runner.state.reason is None and runner.outage.offline_s >= 600.0
    refused = len(client.calls) - 20
    assert 3 <= refused <= 3 + 14  # the in-flight ones, then one probe at 1, 2, 4 ... 60 s apart
    runner.pacer.ledger.close()  # writes the answers and gives back slots taken ahead and unused
    with sqlite3.connect(tmp_path / "l.db") as conn:
        counted = conn.execute("SELECT count(*) FROM sends WHERE until > 0").fetchone()[0]
    assert counted == 20  # only the sends that reached the API hold a quota slot


async def test_outage_shorter_than_a_minute_is_said_in_seconds(tmp_path: Path) -> None:
    clock = FakeClock(1_800_000_000.0)
    runner, _, _ = await _run(tmp_path, ["1"], FakeClient(lambda _id, _n: REFUSED), clock=clock, offline_timeout_s=20)
    message = runner.state.message or ""
    assert "could not be reached for 2" in message and " s (--offline-timeout)" in message, message  # not "0 min"


async def test_outage_past_offline_timeout_stops_with_everything_pending(tmp_path: Path) -> None:

    clock = FakeClock(1_800_000_000.0)
    client = FakeClient(lambda _id, _n: REFUSED)
    started = clock()
    runner, journal, _ = await _run(
        tmp_path, [str(i) for i in range(1, 11)], client, clock=clock, offline_timeout_s=300
    )
    assert runner.state.reason is StopReason.OUTAGE and "could not be reached for 5 min" in (runner.state.message or "")
    assert journal.counts() == {"pending": 10}
    assert 300.0 <= clock() - started < 400.0
    with sqlite3.connect(tmp_path / "j.db") as conn:
        assert conn.execute("SELECT sum(attempts) FROM items").fetchone()[0] == 0  # no attempt spent


# --- account-wide answers: the breaker and the one --api auto switch ---------------------------------------------


async def test_unknown_403_between_successes_stays_forbidden(tmp_path: Path) -> None:
    client = FakeClient(lambda tid, _n: UNKNOWN_403 if tid in ("5", "12") else OK)
    runner, journal, writer = await _run(tmp_path, [str(i) for i in range(1, 21)], client)
    assert runner.state.reason is None
    assert journal.counts() == {"liked": 18, "forbidden": 2}
    assert {k for k, r in _results(writer).items() if r["status"] == "forbidden"} == {"5", "12"}


async def test_unknown_403_on_every_tweet_stops_and_nothing_is_forbidden(tmp_path: Path) -> None:
    client = FakeClient(lambda tid, _n: UNKNOWN_403 if int(tid) > 3 else OK)
    runner, journal, writer = await _run(tmp_path, [str(i) for i in range(1, 41)], client)
    assert runner.state.reason is StopReason.FATAL_ANSWER and runner.state.message is not None
    assert "5 different tweets in a row" in runner.state.message
    assert journal.counts() == {"liked": 3, "pending": 37}
    assert [r["status"] for r in _results(writer).values()] == ["liked"] * 3  # no forbidden line, ever
    assert len(client.calls) <= 3 + 5 + 3  # the successes, the threshold, the concurrency


async def test_unknown_403s_left_at_the_end_of_a_run_are_their_tweets(tmp_path: Path) -> None:
    client = FakeClient(lambda tid, _n: UNKNOWN_403 if tid in ("9", "10") else OK)
    runner, journal, _ = await _run(tmp_path, [str(i) for i in range(1, 11)], client)
    assert runner.state.reason is None and journal.counts() == {"liked": 8, "forbidden": 2}


HTML_403 = Answer(403, b"<html><body><h1>403 Forbidden</h1></body></html>", {"content-type": "text/html"})


async def test_an_html_403_on_every_tweet_trips_the_breaker_without_a_retry(tmp_path: Path) -> None:
    client = FakeClient(lambda tid, _n: HTML_403 if int(tid) > 3 else OK)
    runner, journal, writer = await _run(tmp_path, [str(i) for i in range(1, 41)], client)
    assert runner.state.reason is StopReason.FATAL_ANSWER and runner.state.message is not None
    assert "5 different tweets in a row" in runner.state.message and "unreadable 403" in runner.state.message
    assert journal.counts() == {"liked": 3, "pending": 37}
    assert len(client.calls) == len(set(client.calls)) <= 3 + 5 + 3  # never asked twice: not retried


async def test_an_html_403_between_successes_is_failed_never_forbidden(tmp_path: Path) -> None:
    client = FakeClient(lambda tid, _n: HTML_403 if tid == "5" else OK)
    runner, journal, _ = await _run(tmp_path, [str(i) for i in range(1, 11)], client)
    assert runner.state.reason is None and journal.counts() == {"liked": 9, "failed": 1}
    assert client.calls.count("5") == 1


async def test_a_daily_usage_cap_stops_for_tomorrow_not_as_fatal(tmp_path: Path) -> None:
    capped = Answer(
        429,
        b'{"title":"UsageCapExceeded","period":"Daily","scope":"Account",'
        b'"type":"https://api.x.com/2/problems/usage-capped"}',
    )
    client = FakeClient(lambda tid, _n: capped if int(tid) > 4 else OK)
    runner, journal, _ = await _run(tmp_path, [str(i) for i in range(1, 21)], client)
    assert runner.state.reason is StopReason.USAGE_CAP and runner.state.message is not None
    assert "resume tomorrow" in runner.state.message
    assert journal.counts() == {"liked": 4, "pending": 16}


class SwitchingClient(FakeClient):
    """v1.1 answers 453 until the switch; counts what each API got."""

    def __init__(self) -> None:
        super().__init__(lambda _id, _n: OK)
        self.api = "v1.1"
        self.sent: dict[str, list[str]] = {"v1.1": [], "v2": []}

    async def like(self, tweet_id: str) -> Answer:
        api = self.api
        self.sent[api].append(tweet_id)
        await asyncio.sleep(0)
        return NO_V1 if api == "v1.1" else OK


class FakeSwitch:
    def __init__(self, client: SwitchingClient, *, fail: bool = False) -> None:
        self.client, self.fail, self.calls = client, fail, 0

    async def to_v2(self) -> None:
        self.calls += 1
        await asyncio.sleep(0.01)  # the workers in flight answer while the switch is under way
        if self.fail:
            raise FatalApiError("could not look up the account (GET /2/users/me): Unauthorized")
        self.client.api = "v2"


async def test_several_453s_at_once_make_exactly_one_switch(tmp_path: Path) -> None:
    client = SwitchingClient()
    switch = FakeSwitch(client)
    runner, journal, writer = await _run(tmp_path, [str(i) for i in range(1, 31)], client, switch=switch)
    assert switch.calls == 1 and runner.state.reason is None
    assert 2 <= len(client.sent["v1.1"]) <= 3  # every worker had one in flight (concurrency 3)
    assert sorted(client.sent["v2"], key=int) == [str(i) for i in range(1, 31)]  # each once, on v2
    assert journal.counts() == {"liked": 30}
    assert {r["attempts"] for r in _results(writer).values()} == {1}  # a 453 spends no attempt


async def test_a_switch_that_fails_stops_with_everything_pending(tmp_path: Path) -> None:
    client = SwitchingClient()
    switch = FakeSwitch(client, fail=True)
    runner, journal, writer = await _run(tmp_path, [str(i) for i in range(1, 11)], client, switch=switch)
    assert switch.calls == 1 and runner.state.reason is StopReason.FATAL_ANSWER
    assert runner.state.message is not None and "GET /2/users/me" in runner.state.message
    assert journal.counts() == {"pending": 10} and _results(writer) == {}
    assert client.sent["v2"] == []


async def test_workers_waiting_for_a_slot_wait_for_the_switch_without_spinning(tmp_path: Path) -> None:
    client = SwitchingClient()
    switch = FakeSwitch(client)
    runner, journal, _ = await _run(
        tmp_path, [str(i) for i in range(1, 11)], client, limits=(Limit(1, 1.0),), switch=switch
    )
    assert switch.calls == 1 and journal.counts() == {"liked": 10}
    assert client.sent["v1.1"] == ["1"]  # the others were still waiting for a slot when the switch began
    with sqlite3.connect(tmp_path / "l.db") as conn:
        taken = conn.execute("SELECT count(*) FROM sends").fetchone()[0]
    assert taken <= 10 + 1 + 3  # every send, the 453, and one slot per worker given back at the switch
