"""Talking to an emulator as a client would: a signing ``Caller``, its ``Answer``, and test accounts."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import aiohttp
from multidict import CIMultiDictProxy

from bulklike.emulator import Account, RunningEmulator
from tests.helpers.signing import sign_for


@dataclass
class Answer:
    status: int
    headers: CIMultiDictProxy[str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def code(self) -> int | None:
        """The v1.1 error code, if the body is an error envelope."""
        try:
            return int(self.json()["errors"][0]["code"])
        except (ValueError, KeyError, IndexError, TypeError):
            return None


class Caller:
    """Sends signed requests to one emulator as one account, with the emulator's own clock."""

    def __init__(self, session: aiohttp.ClientSession, emu: RunningEmulator, account: Account) -> None:
        self.session = session
        self.emu = emu
        self.account = account

    def as_user(self, account: Account) -> Caller:
        return Caller(self.session, self.emu, account)

    async def request(
        self,
        method: str,
        path: str,
        *,
        sign: dict[str, Any] | None = None,
        authorization: str | None = None,
        **kwargs: Any,
    ) -> Answer:
        url = self.emu.base_url + path
        if authorization is None:
            overrides = {"timestamp": int(self.emu.config.clock()), **(sign or {})}
            authorization = sign_for(self.account, method, url, **overrides)
        headers = {"Authorization": authorization, **kwargs.pop("headers", {})}
        async with self.session.request(method, url, headers=headers, **kwargs) as resp:
            return Answer(resp.status, resp.headers, await resp.read())

    async def v1_like(self, tweet_id: str, **kwargs: Any) -> Answer:
        return await self.request("POST", f"/1.1/favorites/create.json?id={tweet_id}", **kwargs)

    async def v1_unlike(self, tweet_id: str, **kwargs: Any) -> Answer:
        return await self.request("POST", f"/1.1/favorites/destroy.json?id={tweet_id}", **kwargs)

    async def v2_like(self, tweet_id: str, **kwargs: Any) -> Answer:
        path = f"/2/users/{self.account.user_id}/likes"
        return await self.request("POST", path, json={"tweet_id": tweet_id}, **kwargs)

    async def v2_unlike(self, tweet_id: str, **kwargs: Any) -> Answer:
        return await self.request("DELETE", f"/2/users/{self.account.user_id}/likes/{tweet_id}", **kwargs)


Start = Callable[..., Awaitable[Caller]]


def _user(app: str, n: int, name: str, **extra: Any) -> Account:
    user_id = str(1600000000000000000 + n)
    return Account(
        user_id=user_id,
        screen_name=name,
        consumer_key=f"{app}-key",
        consumer_secret=f"{app}-secret/+=",
        access_token=f"{user_id}-token{name}",
        access_token_secret=f"secret {name}~!",
        bearer_token=f"bearer-{name}",
        **extra,
    )


#: two apps: alice, bob and the revoked dave share app "a"; carol uses app "b"
ALICE = _user("a", 1, "alice")
BOB = _user("a", 2, "bob")
CAROL = _user("b", 3, "carol")
DAVE = _user("a", 4, "dave", revoked=True)
ACCOUNTS = (ALICE, BOB, CAROL, DAVE)
