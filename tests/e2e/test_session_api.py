"""``bulklike.Session`` in-process against the emulator on a real socket: results, resume, the
exceptions, stopping early (break, cancel, ``stop()``), undo, and no output at all."""

from __future__ import annotations

import asyncio
import os
import sqlite3
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

import bulklike
from bulklike.emulator import DEMO_ACCOUNT, RunningEmulator
from tests.helpers.workspace import EmulatorFactory, Workspace, ids

GOOD = bulklike.Credentials(
    consumer_key=DEMO_ACCOUNT.consumer_key,
    consumer_secret=DEMO_ACCOUNT.consumer_secret,
    access_token=DEMO_ACCOUNT.access_token,
    access_token_secret=DEMO_ACCOUNT.access_token_secret,
)
REFUSED = bulklike.Credentials(
    consumer_key=DEMO_ACCOUNT.consumer_key,
    consumer_secret=DEMO_ACCOUNT.consumer_secret,
    access_token="1-not-a-token-the-server-knows",
    access_token_secret="not-its-secret-either",
)


pytestmark = pytest.mark.usefixtures("isolated")


def session(emu: RunningEmulator, tmp_path: Path, **settings: Any) -> bulklike.Session:
    settings.setdefault("credentials", GOOD)
    return bulklike.Session(
        base_url=emu.base_url,
        journal=tmp_path / "likes.db",
        ledger=tmp_path / "ledger.db",
        min_interval=0,
        **settings,
    )


def engine_tasks() -> list[asyncio.Task[Any]]:
    """Tasks running bulklike's code (the emulator, served on this loop too, excepted)."""
    found = []
    for task in asyncio.all_tasks():
        code = getattr(task.get_coro(), "cr_code", None)
        where = code.co_filename if code is not None else ""
        if f"{os.sep}bulklike{os.sep}" in where and f"{os.sep}emulator{os.sep}" not in where:
            found.append(task)
    return found


def journal_statuses(tmp_path: Path) -> dict[str, int]:
    with sqlite3.connect(tmp_path / "likes.db") as conn:
        return dict(conn.execute("SELECT status, count(*) FROM items GROUP BY status").fetchall())


async def test_results_for_ids_urls_and_invalid_inputs(tmp_path: Path, emulator: EmulatorFactory) -> None:
    tweet_ids = ids(6)
    inputs = [*tweet_ids[:5], f"https://x.com/someone/status/{tweet_ids[5]}", "not an id", tweet_ids[0]]
    async with emulator() as emu, session(emu, tmp_path) as s:
        results = [r async for r in s.like(inputs)]
        assert s.report is not None and s.report.reason is None and s.report.counts["invalid"] == 1
        stats = emu.stats()
    liked = [r for r in results if r.status == "liked"]
    assert sorted(r.tweet_id or "" for r in liked) == sorted(tweet_ids)  # the duplicate is sent once
    assert all(r.attempts == 1 and r.http_status == 200 and r.at > 0 for r in liked)
    assert {r.source for r in liked} >= {"<python>:1", "<python>:6"}
    [invalid] = [r for r in results if r.status == "invalid"]
    assert invalid.tweet_id is None and invalid.input == "not an id" and invalid.source == "<python>:7"
    assert invalid.message
    assert stats["likes"] == 6 and stats["requests"] == 6 + 1  # one request confirms who the account is
    assert journal_statuses(tmp_path) == {"liked": 6, "invalid": 1}


async def test_resume_sends_nothing_for_done_ids(tmp_path: Path, emulator: EmulatorFactory) -> None:
    async with emulator() as emu:
        async with session(emu, tmp_path) as s:
            first = [r.tweet_id or "" async for r in s.like(ids(4))]
            again = [r.tweet_id async for r in s.like(ids(4))]
        async with session(emu, tmp_path) as s:  # a new session on the same journal
            more = [r.tweet_id or "" async for r in s.like(ids(6))]
        stats = emu.stats()
    assert sorted(first) == ids(4) and again == []
    assert sorted(more) == ids(6)[4:]
    assert stats["requests"] == 6 + 1  # the likes, and once (cached in the journal) who the account is


async def test_async_iterable_input(tmp_path: Path, emulator: EmulatorFactory) -> None:
    async def slowly() -> AsyncIterator[str]:
        for tweet_id in ids(5):
            await asyncio.sleep(0)
            yield tweet_id

    async with emulator() as emu, session(emu, tmp_path) as s:
        results = [r async for r in s.like(slowly())]
    assert sorted(r.tweet_id for r in results if r.tweet_id) == ids(5)
    assert {r.status for r in results} == {"liked"}


async def test_fatal_answer_raises_and_leaves_ids_pending(tmp_path: Path, emulator: EmulatorFactory) -> None:
    async with emulator() as emu, session(emu, tmp_path, credentials=REFUSED) as s:
        with pytest.raises(bulklike.FatalApiError) as caught:
            async for _ in s.like(ids(20)):
                pass
        assert s.pending() == 20
        # the account check before the first like is what the credentials were refused at
        assert s.report is not None and s.report.reason is bulklike.StopReason.AUTHORIZATION and s.report.message
    assert isinstance(caught.value, bulklike.BulklikeError)
    assert "89" in str(caught.value) or "token" in str(caught.value).lower()
    assert journal_statuses(tmp_path) == {"pending": 20}


async def test_break_stops_the_call_and_records_what_was_in_flight(tmp_path: Path, emulator: EmulatorFactory) -> None:
    async with emulator(latency_ms=10) as emu:  # 400 IDs take at least a second: the break comes long before
        async with session(emu, tmp_path, concurrency=4) as s:
            seen = []
            async for result in s.like(ids(400)):
                seen.append(result)
                if len(seen) == 3:
                    break
        stats = emu.stats()
    statuses = journal_statuses(tmp_path)
    assert statuses.get("liked", 0) >= 3 and statuses.get("liked", 0) + statuses.get("pending", 0) == 400
    assert statuses["pending"] > 0
    assert stats["likes"] == statuses["liked"]  # every like the server applied is in the journal


async def test_break_leaves_every_result_not_handed_over_owed(tmp_path: Path, emulator: EmulatorFactory) -> None:
    """Only results handed to the caller count as written: the rest of the batch, and what was in
    flight at the break, stay owed to a later CLI run's output."""
    async with emulator(latency_ms=10) as emu:
        async with session(emu, tmp_path, concurrency=4) as s:
            async for result in s.like(ids(400)):
                first = result
                break
    with sqlite3.connect(tmp_path / "likes.db") as conn:
        owed = {t for (t,) in conn.execute("SELECT tweet_id FROM items WHERE unwritten IS NOT NULL")}
        done = {t for (t,) in conn.execute("SELECT tweet_id FROM items WHERE status != 'pending'")}
    assert first.tweet_id in done and first.tweet_id not in owed
    assert owed == done - {first.tweet_id} and owed  # the requests in flight at the break finished


async def test_break_then_call_again_on_the_same_session(tmp_path: Path, emulator: EmulatorFactory) -> None:
    async with emulator() as emu, session(emu, tmp_path) as s:
        async for _ in s.like(ids(50)):
            break
        rest = [r async for r in s.like([])]  # resumes what the first call left pending
        assert s.pending() == 0
    assert journal_statuses(tmp_path) == {"liked": 50}
    assert len(rest) < 50


async def test_cancelled_task_closes_everything(tmp_path: Path, emulator: EmulatorFactory) -> None:
    got_one = asyncio.Event()

    async def consume(s: bulklike.Session) -> None:
        async for _ in s.like(ids(500)):
            got_one.set()

    async with emulator(latency_ms=5) as emu:
        async with session(emu, tmp_path) as s:
            task = asyncio.create_task(consume(s))
            await got_one.wait()
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
        stats = emu.stats()
        assert engine_tasks() == []  # the emulator's own tasks may still run; none of the engine's does
    statuses = journal_statuses(tmp_path)
    assert statuses.get("liked", 0) >= 1 and statuses.get("liked", 0) + statuses.get("pending", 0) == 500
    assert stats["likes"] >= statuses["liked"]  # a cancelled request may have landed: sent again, already_liked


async def test_stop_from_another_task(tmp_path: Path, emulator: EmulatorFactory) -> None:
    async with emulator(latency_ms=10) as emu, session(emu, tmp_path) as s:
        results = []
        async for result in s.like(ids(400)):
            results.append(result)
            if len(results) == 2:
                s.stop()
        assert s.report is not None and s.report.reason is bulklike.StopReason.STOPPED and s.report.pending > 0
    assert journal_statuses(tmp_path)["liked"] == len(results)


async def test_undo_unlikes_what_was_liked(tmp_path: Path, emulator: EmulatorFactory) -> None:
    async with emulator() as emu, session(emu, tmp_path) as s:
        liked = [r async for r in s.like(ids(5))]
        undone = [r async for r in s.undo()]
        assert s.counts() == {"unliked": 5}
    assert len(liked) == 5 and sorted(r.tweet_id for r in undone if r.tweet_id) == ids(5)
    assert {r.status for r in undone} == {"unliked"}


@pytest.mark.slow
async def test_the_api_prints_nothing(
    tmp_path: Path, emulator: EmulatorFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    async with emulator(fault_rate=0.3, fault_kinds=("http503",)) as emu:
        async with session(emu, tmp_path) as s:
            results = [r async for r in s.like([*ids(10), "junk"])]
    assert len(results) == 11
    out, err = capsys.readouterr()
    assert out == "" and err == ""


async def test_misuse_is_explained(tmp_path: Path, emulator: EmulatorFactory) -> None:
    async with emulator() as emu:
        s = session(emu, tmp_path)
        with pytest.raises(RuntimeError, match="async with"):
            async for _ in s.like(ids(1)):
                pass
        with pytest.raises(TypeError, match="not one string"):
            s.like("1000001")
        with pytest.raises(bulklike.ConfigError, match="quota"):
            bulklike.Session(quota="lots")
        with pytest.raises(bulklike.ConfigError, match="missing credential"):
            async with bulklike.Session(journal=str(tmp_path / "j.db")):
                pass


def test_credentials_take_strings_and_never_show_them() -> None:
    creds = bulklike.Credentials(consumer_key="ck-visible?", bearer_token="bt-visible?")
    assert "visible" not in repr(creds) and "visible" not in repr(bulklike.Session(credentials=creds))
    assert creds.consumer_key.reveal() == "ck-visible?"


async def test_settings_come_from_the_config_file_and_profile(tmp_path: Path) -> None:
    (tmp_path / "bulklike.toml").write_text(
        'journal = "from-file.db"\nconcurrency = 2\n[profiles.night]\nquota = ["5/1h"]\nconcurrency = 3\n'
    )
    s = bulklike.Session(profile="night", concurrency=7)
    assert s.settings.journal == "from-file.db" and s.settings.concurrency == 7
    assert [str(limit) for limit in s.settings.user_limits] == ["5/1h"]
    with pytest.raises(bulklike.ConfigError, match="profile"):
        bulklike.Session(profile="nope")


async def test_an_iterable_that_raises_ends_the_call_with_its_error(tmp_path: Path, emulator: EmulatorFactory) -> None:
    async def broken() -> AsyncIterator[str]:
        yield ids(2)[0]
        yield ids(2)[1]
        raise ValueError("the caller's source broke")

    async with emulator() as emu, session(emu, tmp_path) as s:
        with pytest.raises(ValueError, match="source broke"):
            async for _ in s.like(broken()):
                pass
        assert s.pending() + s.counts().get("liked", 0) == 2  # what was read is kept: liked, or pending
        assert engine_tasks() == []


@pytest.mark.slow
async def test_results_handed_to_the_caller_are_not_printed_by_a_later_cli_run(
    workspace: Workspace, emulator: EmulatorFactory
) -> None:
    async with emulator() as emu:
        async with bulklike.Session(
            credentials=GOOD, base_url=emu.base_url, journal=workspace.journal, ledger=workspace.ledger, min_interval=0
        ) as s:
            handed = [r async for r in s.like([*ids(5), "junk"])]
        later = await workspace.cli("run", *workspace.base_args(emu), "--retry-failed")  # resume: nothing to send
    assert len(handed) == 6
    assert later.code in (0, 1), later.stderr  # 1: the journal holds an invalid input
    assert later.results == []  # the outbox owes nothing for what the library handed over


async def test_a_plain_iterable_that_raises_keeps_what_it_gave(tmp_path: Path, emulator: EmulatorFactory) -> None:
    def broken() -> Iterator[str]:
        yield from ids(3)
        raise RuntimeError("generator broke")

    async with emulator() as emu, session(emu, tmp_path) as s:
        with pytest.raises(RuntimeError, match="generator broke"):
            async for _ in s.like(broken()):
                pass
        assert s.pending() + s.counts().get("liked", 0) == 3
