"""The refreshing token: proactive, one refresh for every worker, saved before use, refusal is final."""

from __future__ import annotations

import asyncio
import json

import pytest

from bulklike.credentials import Secret
from bulklike.errors import AuthExpired
from bulklike.x.classify import Answer, TransportError
from bulklike.x.refresh import TokenRefresher, Tokens, refresh_margin
from tests.helpers.clock import FakeClock
from tests.helpers.refresh import make_refresher


class TokenEndpoint:
    """Rotates like X: each refresh token works once; counts the calls."""

    def __init__(self, answers: list[Answer] | None = None) -> None:
        self.calls: list[str] = []
        self.answers = answers
        self.n = 0

    async def __call__(
        self, method: str, url: str, *, headers: dict[str, str], body: str | None = None, timeout: float = 30.0
    ) -> Answer:
        self.calls.append(body or "")
        await asyncio.sleep(0)  # let other workers pile up behind the lock
        if self.answers is not None:
            return self.answers.pop(0)
        self.n += 1
        data = {"access_token": f"A{self.n}", "refresh_token": f"R{self.n}", "expires_in": 100, "token_type": "bearer"}
        return Answer(200, json.dumps(data).encode())


def make(endpoint: TokenEndpoint, clock: FakeClock, saved: list[tuple[str, str]], seen: list[str]) -> TokenRefresher:
    refresher: TokenRefresher

    def save(access: Secret, refresh: Secret, lifetime: float | None, now: float) -> None:
        seen.append(refresher.authorization("POST", "u"))  # what requests are using while we save
        saved.append((access.reveal(), refresh.reveal()))

    refresher = make_refresher(endpoint, clock, save=save)
    return refresher


def test_margin_is_the_smaller_of_ten_percent_and_a_minute() -> None:
    assert refresh_margin(7200) == 60.0 and refresh_margin(2) == pytest.approx(0.2) and refresh_margin(None) == 60.0


async def test_proactive_refresh_is_one_for_all_workers_and_saved_before_use() -> None:
    clock, endpoint = FakeClock(), TokenEndpoint()
    saved: list[tuple[str, str]] = []
    seen: list[str] = []
    refresher = make(endpoint, clock, saved, seen)
    await asyncio.gather(*(refresher.fresh() for _ in range(10)))
    assert endpoint.calls == []  # 100 s left: nothing to do
    clock.now += 91  # 9 s left < 10 s margin
    await asyncio.gather(*(refresher.fresh() for _ in range(10)))
    assert len(endpoint.calls) == 1 and "refresh_token=R0" in endpoint.calls[0] and "client_id=cid" in endpoint.calls[0]
    assert saved == [("A1", "R1")] and seen == ["Bearer A0"]  # saved while the old token was still in use
    assert refresher.authorization("GET", "u") == "Bearer A1" and refresher.refreshes == 1


async def test_401s_from_many_workers_cause_one_refresh() -> None:
    clock, endpoint = FakeClock(), TokenEndpoint()
    saved: list[tuple[str, str]] = []
    seen: list[str] = []
    refresher = make(endpoint, clock, saved, seen)
    rejected = refresher.authorization("POST", "u")
    assert all(await asyncio.gather(*(refresher.renew(rejected) for _ in range(8))))
    assert len(endpoint.calls) == 1 and refresher.authorization("POST", "u") == "Bearer A1"
    assert await refresher.renew("Bearer A0")  # a late 401 for the old token: just send again
    assert len(endpoint.calls) == 1


async def test_a_refused_refresh_is_final_and_saves_nothing() -> None:
    refused = Answer(400, b'{"error":"invalid_request","error_description":"Value passed for the token was invalid."}')
    clock, endpoint = FakeClock(), TokenEndpoint([refused])
    saved: list[tuple[str, str]] = []
    seen: list[str] = []
    refresher = make(endpoint, clock, saved, seen)
    with pytest.raises(AuthExpired, match="refused.*bulklike auth --oauth2"):
        await refresher.renew("Bearer A0")
    with pytest.raises(AuthExpired):  # no second try with a token the server refused
        await refresher.fresh()
    assert len(endpoint.calls) == 1 and saved == []


async def test_an_unreachable_token_endpoint_is_transient() -> None:
    clock = FakeClock()
    endpoint = TokenEndpoint([Answer(0, transport_error=TransportError.TIMEOUT), Answer(503, b"")])
    saved: list[tuple[str, str]] = []
    refresher = make(endpoint, clock, saved, [])
    clock.now += 92  # inside the refresh margin
    assert await refresher.renew("Bearer A0") is False
    clock.now += 2
    await refresher.fresh()  # within the retry pause: no call
    assert len(endpoint.calls) == 1
    clock.now += 3
    await refresher.fresh()  # tries again, 503: still the old token, nothing saved
    assert len(endpoint.calls) == 2 and saved == [] and refresher.authorization("GET", "u") == "Bearer A0"


async def test_two_runs_of_one_profile_share_the_rotation_through_the_store() -> None:
    """Run B finds run A's refresh in the store and adopts it rather than spending a used token."""
    clock, endpoint = FakeClock(), TokenEndpoint()
    store: dict[str, Tokens] = {"p": Tokens(Secret("A0"), Secret("R0"), clock.now + 100, 100)}

    def run() -> TokenRefresher:
        def save(access: Secret, refresh: Secret, lifetime: float | None, now: float) -> None:
            store["p"] = Tokens(access, refresh, None if lifetime is None else now + lifetime, lifetime)

        return make_refresher(endpoint, clock, save=save, load=lambda: store["p"])

    a, b = run(), run()
    clock.now += 95
    await a.fresh()
    await b.fresh()  # adopts A1/R1 from the store: no second refresh with R0
    assert len(endpoint.calls) == 1 and b.authorization("GET", "u") == "Bearer A1"
    clock.now += 100
    await b.fresh()  # now b refreshes with R1, and a adopts the result
    assert "refresh_token=R1" in endpoint.calls[-1] and a.authorization("GET", "u") == "Bearer A1"
    assert await a.renew("Bearer A1") and a.authorization("GET", "u") == "Bearer A2"
    assert len(endpoint.calls) == 2


async def test_a_refusal_after_another_run_rotated_adopts_its_tokens() -> None:
    refused = Answer(400, b'{"error":"invalid_request","error_description":"Value passed for the token was invalid."}')
    clock = FakeClock()
    stored: list[Tokens | None] = [None]
    calls: list[str] = []

    async def racing(
        method: str, url: str, *, headers: dict[str, str], body: str | None = None, timeout: float = 30.0
    ) -> Answer:
        calls.append(body or "")
        stored[0] = Tokens(Secret("B1"), Secret("RB1"), clock.now + 100, 100)  # the other run saved meanwhile
        return refused

    refresher = make_refresher(racing, clock, load=lambda: stored[0])
    assert await refresher.renew("Bearer A0")
    assert refresher.authorization("GET", "u") == "Bearer B1" and len(calls) == 1


async def test_a_failed_save_never_presents_the_spent_refresh_token_again() -> None:
    """The server rotated R0 and the store refused R1: the run stops, and no later call sends R0."""
    from bulklike.errors import ConfigError

    clock, endpoint = FakeClock(), TokenEndpoint()

    def save(access: Secret, refresh: Secret, lifetime: float | None, now: float) -> None:
        raise ConfigError("tokens.json: cannot write the token store: No space left on device")

    refresher = make_refresher(endpoint, clock, save=save)
    clock.now += 95
    for _ in range(3):
        with pytest.raises(ConfigError, match="cannot write"):
            await refresher.fresh()
    assert len(endpoint.calls) == 1  # R0 went to the server once, never again


async def test_a_store_that_cannot_be_held_stops_before_the_refresh_request() -> None:
    from contextlib import AbstractContextManager

    from bulklike.errors import ConfigError

    clock, endpoint = FakeClock(), TokenEndpoint()

    def hold() -> AbstractContextManager[object]:
        raise ConfigError("tokens.json: the token store stayed locked by another process for 30 s")

    refresher = TokenRefresher(
        access_token=Secret("A0"),
        refresh_token=Secret("R0"),
        expires_at=clock.now + 100,
        lifetime=100,
        client_id="cid",
        client_secret=Secret(""),
        token_url="http://127.0.0.1:9/2/oauth2/token",
        save=lambda *args: None,
        again="run `bulklike auth --oauth2` again",
        post=endpoint,
        clock=clock,
        hold=hold,
    )
    clock.now += 95
    with pytest.raises(ConfigError, match="locked"):
        await refresher.fresh()
    assert endpoint.calls == []  # nothing asked: R0 still works for the next run
