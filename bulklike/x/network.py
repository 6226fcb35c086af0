"""X behind the engine's network seam: ``XNetwork`` implements ``engine.network.Network``.

A like or an unlike goes through the one client (``client``, or any object with its ``like``/``unlike``),
its raw ``Answer`` is classified here (``classify``), and whether the request left at all is read from
the transport error. What needs the engine's parts (the journal, the ledger, the pacer) comes in as hooks
from ``engine.xnet``: ``confirm`` (the account check before the first send) and ``move`` (``--api auto``'s
move to v2, after which ``limits()`` are v2's). X addresses a like by the tweet, so outcomes carry no
record key and ``unlike`` ignores one; every send costs 1.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol

from bulklike.outcome import Outcome, Problem, Reply
from bulklike.pacing.limits import Allowance
from bulklike.x.classify import Answer, classify, stop_line
from bulklike.x.codes import NOT_CONNECTED

__all__ = ["LikeClient", "XNetwork", "reply"]

NO_LIMITS = Allowance(())  # a client on its own (tests): the caller paces


class LikeClient(Protocol):
    """What ``XNetwork`` needs of the HTTP client (``client.XClient``; tests pass a plain fake)."""

    async def like(self, tweet_id: str) -> Answer: ...

    async def unlike(self, tweet_id: str) -> Answer: ...


def reply(answer: Answer, action: str) -> Reply:
    """One raw answer as the engine reads it: classified, and whether the request left and was answered."""
    outcome = classify(answer, action)
    if answer.status:
        return Reply(outcome, True, True, answer.headers)
    return Reply(outcome, answer.transport_error not in NOT_CONNECTED, False, answer.headers)


class XNetwork:
    """X's API as a ``Network``: one client, X's classification, and the ``--api auto`` move."""

    like_cost = 1  # X counts requests: a like and an unlike are one each
    unlike_cost = 1

    def __init__(
        self,
        client: LikeClient,
        *,
        limits: Allowance = NO_LIMITS,
        confirm: Callable[[], Awaitable[str | None]] | None = None,
        user_id: str | None = None,
        move: Callable[[], Awaitable[Allowance]] | None = None,
    ) -> None:
        self.client = client
        self._limits = limits
        self._confirm = confirm  # None: the account is known (``user_id``) or not checked
        self._user_id = user_id
        self._move = move  # --api auto: moves the client to v2 and says v2's limits

    async def like(self, tweet_id: str) -> Reply:
        return reply(await self.client.like(tweet_id), "like")

    async def unlike(self, tweet_id: str, key: str | None = None) -> Reply:
        return reply(await self.client.unlike(tweet_id), "unlike")  # X: the tweet names the like

    async def who_am_i(self) -> str | None:
        if self._user_id is None and self._confirm is not None:
            self._user_id = await self._confirm()
        return self._user_id

    def limits(self) -> Allowance:
        return self._limits

    def moves_on(self, outcome: Outcome) -> str | None:
        if self._move is not None and outcome.problem is Problem.NO_V1_ACCESS:
            return "v1.1 answered 453: switching the run to v2"
        return None

    async def move(self) -> None:
        assert self._move is not None
        self._limits = await self._move()

    def stop_line(self, outcome: Outcome, *, moved: bool) -> str:
        return stop_line(outcome, after_453=moved)
