"""Account-wide answers, pure and in the runner: today's bodies, the breaker, the one switch to v2."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from bulklike.api.account import Problem
from bulklike.api.breaker import Breaker
from bulklike.api.classify import Answer, Kind, Outcome, classify
from bulklike.emulator import responses as emulated
from bulklike.errors import EXIT_FATAL, FatalApiError
from tests.test_runner import OK, FakeClient, _results, _run

DATA = Path(__file__).parent / "data"
ENTRIES: list[dict[str, Any]] = json.loads((DATA / "error_bodies.json").read_text())["account_wide_entries"]
UNKNOWN_403 = Answer(403, b'{"errors":[{"code":999,"message":"This account cannot perform this action right now."}]}')
NO_V1 = next(Answer(403, e["body_as_reported"].encode()) for e in ENTRIES if e["problem"] == "no_v1_access")
#: what the stop line must name for each body: the details the body gives, and what to do
ADVICE = {
    "no_v1_access": ("code 453", "--api v2"),
    "not_enrolled": ("'Appropriate Level of API Access'", "client-not-enrolled", "then resume"),
    "credits": ("HTTP 402", "add credits", "then resume"),
    "usage_capped": ("monthly product usage cap", "not a rate-limit window", "Monthly product cap"),
}


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e["id"])
@pytest.mark.parametrize("action", ["like", "unlike"])
def test_account_wide_bodies_are_fatal_never_per_tweet(entry: dict[str, Any], action: str) -> None:
    outcome = classify(Answer(entry["http_status"], entry["body_as_reported"].encode()), action)
    assert outcome.kind is Kind.FATAL and not outcome.terminal
    assert outcome.problem is Problem(entry["problem"])
    assert outcome.advice is not None and "\n" not in outcome.advice
    for words in ADVICE[entry["problem"]]:
        assert words in outcome.advice


def test_any_402_or_payment_problem_is_about_credits() -> None:
    for answer in (
        Answer(402, b"<html>Payment Required</html>"),
        Answer(402, b""),
        Answer(403, b'{"title":"x","type":"https://api.twitter.com/2/problems/payment-required"}'),
    ):
        assert classify(answer).problem is Problem.CREDITS


def test_registration_url_named_when_the_body_gives_one() -> None:
    body = json.dumps({"reason": "client-not-enrolled", "registration_url": "https://example.test/enroll"}).encode()
    advice = classify(Answer(403, body)).advice
    assert advice is not None and "at https://example.test/enroll" in advice


def test_emulator_answers_with_the_recorded_shapes() -> None:
    by_problem: dict[str, dict[str, Any]] = {}
    for entry in ENTRIES:  # the first body of each problem is the one the emulator plays
        by_problem.setdefault(entry["problem"], json.loads(entry["body_as_reported"]))
    made = {
        "no_v1_access": emulated.no_v1_access(),
        "not_enrolled": emulated.client_not_enrolled("c"),
        "credits": emulated.credits_depleted("1"),
        "usage_capped": emulated.usage_capped(),
    }
    for problem, response in made.items():
        assert isinstance(response.body, bytes)
        body, recorded = json.loads(response.body), by_problem[problem]
        assert list(body) == list(recorded)  # the same fields in the same order
        assert body.get("type") == recorded.get("type") and body.get("title") == recorded.get("title")
        assert classify(Answer(response.status, response.body)).problem is Problem(problem)


def test_unknown_and_known_403s() -> None:
    assert classify(UNKNOWN_403).unknown and classify(UNKNOWN_403).status == "forbidden"
    known_v2 = b'{"title":"Forbidden","detail":"Sorry, you are not authorized to see this status.","type":"x"}'
    assert not classify(Answer(403, known_v2)).unknown  # a protected tweet over v2: per tweet
    assert not classify(Answer(403, b'{"errors":[{"code":179,"message":"Sorry"}]}')).unknown
    assert classify(Answer(400, b'{"title":"Invalid Request","type":"about:blank"}')).unknown


def test_breaker_counts_different_tweets_since_the_last_success() -> None:
    outcome = classify(UNKNOWN_403)
    breaker: Breaker[str] = Breaker(3)
    assert breaker.suspect("1", outcome, "r1") is None
    assert breaker.suspect("1", outcome, "r1 again") is None  # the same tweet twice is one tweet
    assert breaker.success() == ["r1", "r1 again"]  # a success: they were about their tweets
    for n in ("2", "3"):
        assert breaker.suspect(n, outcome, f"r{n}") is None
    other = Outcome(Kind.PERMANENT, "forbidden", 403, 998, "other", unknown=True)
    assert breaker.suspect("4", other, "r4") is None  # another code counts apart
    trip = breaker.suspect("5", outcome, "r5")
    assert trip is not None and trip.tweets == 3 and trip.key == "(code 999)"
    assert breaker.success() == []  # once open, it stays open
    assert breaker.take_held() == ["r2", "r3", "r4", "r5"]


# --- in the runner (fake client, real journal) ------------------------------------------------------


async def test_unknown_403_between_successes_stays_forbidden(tmp_path: Path) -> None:
    client = FakeClient(lambda tid, _n: UNKNOWN_403 if tid in ("5", "12") else OK)
    runner, journal, writer = await _run(tmp_path, [str(i) for i in range(1, 21)], client)
    assert runner.stop_code is None
    assert journal.counts() == {"liked": 18, "forbidden": 2}
    assert {k for k, r in _results(writer).items() if r["status"] == "forbidden"} == {"5", "12"}


async def test_unknown_403_on_every_tweet_stops_and_nothing_is_forbidden(tmp_path: Path) -> None:
    client = FakeClient(lambda tid, _n: UNKNOWN_403 if int(tid) > 3 else OK)
    runner, journal, writer = await _run(tmp_path, [str(i) for i in range(1, 41)], client)
    assert runner.stop_code == EXIT_FATAL and runner.stop_message is not None
    assert "5 different tweets in a row" in runner.stop_message
    assert journal.counts() == {"liked": 3, "pending": 37}
    assert [r["status"] for r in _results(writer).values()] == ["liked"] * 3  # no forbidden line, ever
    assert len(client.calls) <= 3 + 5 + 3  # the successes, the threshold, the concurrency


async def test_unknown_403s_left_at_the_end_of_a_run_are_their_tweets(tmp_path: Path) -> None:
    client = FakeClient(lambda tid, _n: UNKNOWN_403 if tid in ("9", "10") else OK)
    runner, journal, _ = await _run(tmp_path, [str(i) for i in range(1, 11)], client)
    assert runner.stop_code is None and journal.counts() == {"liked": 8, "forbidden": 2}


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
    assert switch.calls == 1 and runner.stop_code is None
    assert 2 <= len(client.sent["v1.1"]) <= 3  # every worker had one in flight (concurrency 3)
    assert sorted(client.sent["v2"], key=int) == [str(i) for i in range(1, 31)]  # each once, on v2
    assert journal.counts() == {"liked": 30}
    assert {r["attempts"] for r in _results(writer).values()} == {1}  # a 453 spends no attempt


async def test_a_switch_that_fails_stops_with_everything_pending(tmp_path: Path) -> None:
    client = SwitchingClient()
    switch = FakeSwitch(client, fail=True)
    runner, journal, writer = await _run(tmp_path, [str(i) for i in range(1, 11)], client, switch=switch)
    assert switch.calls == 1 and runner.stop_code == EXIT_FATAL
    assert runner.stop_message is not None and "GET /2/users/me" in runner.stop_message
    assert journal.counts() == {"pending": 10} and _results(writer) == {}
    assert client.sent["v2"] == []
