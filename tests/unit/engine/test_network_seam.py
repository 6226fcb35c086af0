"""The network seam holds: a real ``Session`` (real SQLite journal and ledger files, the fake clock) likes and
undoes through a second network, an in-memory AT Protocol-style one (``tests/helpers/records_network.py``:
likes are records with keys, a create costs 3 points and a delete 1, 5,000 points an hour and 35,000 a day),
with no engine code written for it.

Checked from the network's own books: each like's record key is journaled, undo deletes exactly those
records by key, and no rolling hour ever holds more than 5,000 points of accepted writes (none refused)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

import bulklike
from bulklike.engine import network as seam
from tests.helpers.clock import FakeClock
from tests.helpers.records_network import HOUR, RecordsNetwork

pytestmark = pytest.mark.usefixtures("isolated")

CREDENTIALS = bulklike.Credentials(
    consumer_key="ck", consumer_secret="cs", access_token="1-at", access_token_secret="as"
)


def _session(tmp_path: Path, network: RecordsNetwork, clock: FakeClock) -> bulklike.Session:
    return bulklike.Session(
        credentials=CREDENTIALS,
        user_id="1",
        journal=tmp_path / "likes.db",
        ledger=tmp_path / "ledger.db",
        network=network,
        clock=clock,
        sleep=clock.sleep,
    )


def _journal_keys(tmp_path: Path) -> dict[str, str | None]:
    with sqlite3.connect(tmp_path / "likes.db") as conn:
        return dict(conn.execute("SELECT tweet_id, record_key FROM items WHERE tweet_id IS NOT NULL"))


def _max_points_in_an_hour(network: RecordsNetwork) -> int:
    """The most points in any rolling hour: the busiest window starts at some write's time."""
    return max((network.points_in(write.at, write.at + HOUR.window_s) for write in network.log), default=0)


def test_the_records_network_is_a_network() -> None:
    """It satisfies the engine's protocol as mypy sees it (this assignment is type-checked)."""
    network: seam.Network = RecordsNetwork(FakeClock())
    assert network.like_cost == 3 and network.unlike_cost == 1


async def test_likes_journal_their_keys_and_undo_deletes_exactly_those(tmp_path: Path) -> None:
    clock = FakeClock()
    network = RecordsNetwork(clock)
    ids = [str(n) for n in range(100, 160)]
    async with _session(tmp_path, network, clock) as session:
        liked = [result async for result in session.like(ids)]
    assert sorted(r.tweet_id or "" for r in liked) == sorted(ids) and {r.status for r in liked} == {"liked"}
    assert network.asked_who == 1  # who-am-I before the first send, once
    keys = _journal_keys(tmp_path)
    assert keys == {subject: key for key, subject in network.records.items()}  # every key, on the right row
    assert len(set(keys.values())) == len(ids)

    network.records["3lstranger"] = "999"  # a like made elsewhere: undo must not touch it
    async with _session(tmp_path, network, clock) as session:
        undone = [result async for result in session.undo()]
    assert {r.status for r in undone} == {"unliked"} and len(undone) == len(ids)
    deleted = [write for write in network.log if write.action == "delete"]
    assert sorted(write.key for write in deleted) == sorted(k for k in keys.values() if k is not None)
    assert all(keys[write.subject] == write.key for write in deleted)  # each by the key its like journaled
    assert network.records == {"3lstranger": "999"}
    assert network.refused == 0


async def test_weighted_points_never_exceed_the_hourly_limit(tmp_path: Path) -> None:
    """1,700 likes are 5,100 points: more than an hour allows, so the pacer must wait by points, not by
    requests (by requests 5,000 would fit). Undo adds 1,700 points of deletes, paced the same way."""
    clock = FakeClock()
    network = RecordsNetwork(clock)
    ids = [str(n) for n in range(10_000, 11_700)]
    start = clock()
    async with _session(tmp_path, network, clock) as session:
        liked = [result async for result in session.like(ids)]
        assert {r.status for r in liked} == {"liked"} and len(liked) == len(ids)
        undone = [result async for result in session.undo()]
        assert {r.status for r in undone} == {"unliked"} and len(undone) == len(ids)
    assert network.refused == 0  # the network never had to say no
    assert _max_points_in_an_hour(network) <= HOUR.count
    assert sum(write.cost for write in network.log) == 3 * 1700 + 1700
    assert clock() - start >= HOUR.window_s  # 6,800 points cannot fit in one hour: the run waited
    with sqlite3.connect(tmp_path / "ledger.db") as conn:  # the ledger counted the same points
        assert conn.execute("SELECT sum(weight) FROM sends WHERE until > 0").fetchone()[0] == 3 * 1700 + 1700
    assert network.records == {}
