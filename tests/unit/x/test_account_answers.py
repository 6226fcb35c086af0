"""Account-wide answers, pure: today's bodies (``tests/data/error_bodies.json``), their advice, the breaker."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bulklike.emulator import responses as emulated
from bulklike.engine.breaker import Breaker
from bulklike.x import codes as apicodes
from bulklike.x.account import ENTERPRISE_ONLY_SINCE, Problem, on_neither_api, problem_kind
from bulklike.x.classify import Answer, Kind, Outcome, classify

DATA = Path(__file__).resolve().parents[2] / "data"
ENTRIES: list[dict[str, Any]] = json.loads((DATA / "error_bodies.json").read_text())["account_wide_entries"]
UNKNOWN_403 = Answer(403, b'{"errors":[{"code":999,"message":"This account cannot perform this action right now."}]}')
#: what the stop line must name for each body: the details the body gives, and what to do
ADVICE = {
    "no_v1_access": ("code 453", "--api v2"),
    "not_enrolled": ("'Appropriate Level of API Access'", "client-", "Enterprise plan", "since 2026-04-20", "pending"),
    "read_only_app": ("Read only", "set Read and write", "regenerate the access token", "`bulklike auth` again"),
    "app_only_token": ("app-only bearer token", "use a user token: `bulklike auth --oauth2`"),
    "daily_cap": ("daily account usage cap", "resets daily", "resume tomorrow"),
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


@pytest.mark.parametrize(
    "base", [apicodes.V2_PROBLEM_BASE, apicodes.V2_PROBLEM_BASE_OLD, "https://api.x.com/2/problems"]
)
@pytest.mark.parametrize(
    ("kind", "problem"),
    [
        ("client-forbidden", Problem.NOT_ENROLLED),
        ("oauth1-permissions", Problem.READ_ONLY_APP),
        ("unsupported-authentication", Problem.APP_ONLY_TOKEN),
        ("usage-capped", Problem.USAGE_CAPPED),
    ],
)
def test_problem_types_match_on_the_last_segment_on_either_host(base: str, kind: str, problem: Problem) -> None:
    type_ = f"{base.rstrip('/')}/{kind}"
    status = 429 if kind == "usage-capped" else 403
    outcome = classify(Answer(status, json.dumps({"title": "t", "detail": "d", "type": type_}).encode()))
    assert (outcome.kind, outcome.problem) == (Kind.FATAL, problem)


@pytest.mark.parametrize("reason", ["client-not-enrolled", "official-client-forbidden"])
def test_client_forbidden_either_reason_says_enterprise_since_april_2026(reason: str) -> None:
    body = {"title": "Client Forbidden", "reason": reason, "type": apicodes.V2_PROBLEM_BASE + "client-forbidden"}
    outcome = classify(Answer(403, json.dumps(body).encode()), "unlike")
    assert outcome.problem is Problem.NOT_ENROLLED and outcome.advice is not None
    assert reason in outcome.advice and f"since {ENTERPRISE_ONLY_SINCE}" in outcome.advice
    assert "Enterprise plan" in outcome.advice and "in the developer portal" in outcome.advice  # no URL given
    both = on_neither_api(outcome.advice)
    assert both.startswith("this app can like on neither API: v1.1 answered 453") and outcome.advice in both


def test_a_daily_cap_is_its_own_problem_and_a_monthly_one_is_not() -> None:
    def cap(period: str | None) -> Outcome:
        body = {"title": "UsageCapExceeded", "type": apicodes.V2_PROBLEM_BASE + "usage-capped"}
        if period is not None:
            body["period"] = period
        return classify(Answer(429, json.dumps(body).encode()))

    assert cap("Daily").problem is Problem.DAILY_CAP and cap("Daily").kind is Kind.FATAL
    for period in ("Monthly", None):
        assert cap(period).problem is Problem.USAGE_CAPPED


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
        "not_enrolled": emulated.client_forbidden("c"),
        "read_only_app": emulated.oauth1_permissions(),
        "app_only_token": emulated.unsupported_authentication(),
        "daily_cap": emulated.usage_capped("Daily"),
        "credits": emulated.credits_depleted("1"),
        "usage_capped": emulated.usage_capped(),
    }
    for problem, response in made.items():
        assert isinstance(response.body, bytes)
        body, recorded = json.loads(response.body), by_problem[problem]
        assert list(body) == list(recorded)  # the same fields in the same order
        assert problem_kind(body.get("type")) == problem_kind(recorded.get("type"))  # either host
        assert body.get("title") == recorded.get("title")
        assert classify(Answer(response.status, response.body)).problem is Problem(problem)


def test_unknown_and_known_403s() -> None:
    assert classify(UNKNOWN_403).unknown and classify(UNKNOWN_403).status == "forbidden"
    known_v2 = b'{"title":"Forbidden","detail":"Sorry, you are not authorized to see this status.","type":"x"}'
    assert not classify(Answer(403, known_v2)).unknown  # a protected tweet over v2: per tweet
    assert not classify(Answer(403, b'{"errors":[{"code":179,"message":"Sorry"}]}')).unknown
    assert classify(Answer(400, b'{"title":"Invalid Request","type":"about:blank"}')).unknown
    assert classify(Answer(404, b"<html>Not Found</html>")).unknown  # a wrong URL, not a missing tweet
    assert not classify(Answer(404, b'{"errors":[{"code":144,"message":"No status found with that ID."}]}')).unknown


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
    assert trip is not None and trip.tweets == 3 and trip.key == "code 999"
    assert breaker.success() == []  # once open, it stays open
    assert breaker.take_held() == ["r2", "r3", "r4", "r5"]
