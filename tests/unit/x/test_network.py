"""X behind the seam: ``XNetwork`` turns the client's raw answers into the engine's ``Reply``."""

from __future__ import annotations

import pytest

from bulklike.errors import FatalApiError
from bulklike.outcome import Kind, Problem
from bulklike.pacing.limits import Allowance, Limit
from bulklike.x.classify import Answer, TransportError
from bulklike.x.network import XNetwork, reply

NO_V1 = Answer(403, b'{"errors":[{"code":453,"message":"You currently have access to a subset of endpoints"}]}')
V1 = Allowance((Limit(1000, 86400.0),))
V2 = Allowance((Limit(50, 900.0),))


class Client:
    def __init__(self, answer: Answer) -> None:
        self.answer = answer
        self.sent: list[tuple[str, str]] = []

    async def like(self, tweet_id: str) -> Answer:
        self.sent.append(("like", tweet_id))
        return self.answer

    async def unlike(self, tweet_id: str) -> Answer:
        self.sent.append(("unlike", tweet_id))
        return self.answer


def test_a_connection_never_made_did_not_reach_and_a_timeout_did() -> None:
    refused = reply(Answer(0, transport_error=TransportError.CONNECTION_REFUSED), "like")
    assert not refused.reached and not refused.answered
    timeout = reply(Answer(0, transport_error=TransportError.TIMEOUT), "like")
    assert timeout.reached and not timeout.answered and timeout.outcome.kind is Kind.RETRYABLE
    ok = reply(Answer(200, b'{"data": {"liked": true}}', {"x-rate-limit-remaining": "3"}), "like")
    assert ok.reached and ok.answered and ok.outcome.status == "liked" and ok.outcome.key is None
    assert ok.headers == {"x-rate-limit-remaining": "3"}


async def test_an_unlike_is_addressed_by_the_tweet_and_costs_one() -> None:
    client = Client(Answer(200, b'{"data": {"liked": false}}'))
    network = XNetwork(client, limits=V1)
    got = await network.unlike("42", "a-key-x-never-uses")
    assert got.outcome.status == "unliked" and client.sent == [("unlike", "42")]
    assert network.like_cost == network.unlike_cost == 1 and network.limits() == V1


async def test_a_453_asks_for_a_move_only_under_auto_and_the_move_brings_v2_limits() -> None:
    outcome = reply(NO_V1, "like").outcome
    assert outcome.problem is Problem.NO_V1_ACCESS
    assert XNetwork(Client(NO_V1), limits=V1).moves_on(outcome) is None  # --api v1.1: an answer, fatal

    async def to_v2() -> Allowance:
        return V2

    network = XNetwork(Client(NO_V1), limits=V1, move=to_v2)
    assert network.moves_on(outcome) is not None
    await network.move()
    assert network.limits() == V2
    assert "neither API" in network.stop_line(
        reply(Answer(403, b'{"type": "https://api.x.com/2/problems/client-forbidden"}'), "like").outcome, moved=True
    )


async def test_who_am_i_asks_until_confirmed_then_never_again() -> None:
    answers: list[str | None] = [None, "1234"]
    asked = 0

    async def confirm() -> str | None:
        nonlocal asked
        asked += 1
        return answers.pop(0)

    network = XNetwork(Client(NO_V1), confirm=confirm)
    assert await network.who_am_i() is None
    assert await network.who_am_i() == "1234"
    assert await network.who_am_i() == "1234" and asked == 2
    assert await XNetwork(Client(NO_V1), user_id="99").who_am_i() == "99"

    async def refuse() -> str | None:
        raise FatalApiError("credentials refused")

    with pytest.raises(FatalApiError):
        await XNetwork(Client(NO_V1), confirm=refuse).who_am_i()
