"""``Session.unlike()`` in-process against the emulator, and ``bulklike unlike``'s edges on the command
line: results per ID, a keep-list given on a resume, v2's answers, a journal of the other action, bad
filters refused before anything is sent."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

import bulklike
from bulklike.emulator import DEMO_ACCOUNT, RunningEmulator
from bulklike.emulator.config import generated_likes
from bulklike.snowflake import created_at
from tests.helpers.workspace import EmulatorFactory, Workspace

GOOD = bulklike.Credentials(
    consumer_key=DEMO_ACCOUNT.consumer_key,
    consumer_secret=DEMO_ACCOUNT.consumer_secret,
    access_token=DEMO_ACCOUNT.access_token,
    access_token_secret=DEMO_ACCOUNT.access_token_secret,
)
OLD = generated_likes(12, seed=11)  # 2012-2020, oldest first
CUT = dt.datetime(2017, 1, 1)


def session(emu: RunningEmulator, tmp_path: Path, **settings: Any) -> bulklike.Session:
    return bulklike.Session(
        base_url=emu.base_url,
        credentials=GOOD,
        journal=tmp_path / "unlikes.db",
        ledger=tmp_path / "ledger.db",
        min_interval=0,
        concurrency=1,
        **settings,
    )


@pytest.mark.usefixtures("isolated")
async def test_session_unlike_yields_each_result_and_a_resume_honours_a_grown_keep_list(
    emulator: EmulatorFactory, tmp_path: Path
) -> None:
    before = [t for t in OLD if (created_at(t) or 0) < CUT.replace(tzinfo=dt.UTC).timestamp()]
    assert 3 < len(before) < len(OLD)
    async with emulator(liked=frozenset(OLD)) as emu:
        async with session(emu, tmp_path) as s:
            first = [r async for r in s.unlike([*OLD, "not an id"], before=CUT, keep=[OLD[0]], max_unlikes=2)]
            assert s.report is not None and s.report.reason is bulklike.StopReason.MAX_LIKES and s.report.pending
            # the resume: the IDs before the cut not unliked yet are kept now, except the last one
            kept = [f"https://x.com/a/status/{t}" for t in before[:-1]]
            second = [r async for r in s.unlike([], before=CUT, keep=kept)]
            sent = emu.stats()["requests"]
            # read again without filters: skipped IDs are terminal, never reconsidered or sent
            third = [r async for r in s.unlike(OLD)]
            assert third == [] and emu.stats()["requests"] == sent
            counts = s.counts()
            with pytest.raises(bulklike.ConfigError, match="this journal is for bulklike unlike, not bulklike run"):
                async for _ in s.like(["20"]):
                    pass
        left = emu.emulator.likes.liked_set(DEMO_ACCOUNT.user_id)
    got = {r.tweet_id: r for r in [*first, *second]}
    unliked = {t for t, r in got.items() if r.status == "unliked"}
    assert len(unliked) == 3 and before[-1] in unliked  # two in the first call, the one not kept in the second
    assert left == set(OLD) - unliked
    assert got[OLD[0]].status == "skipped" and got[OLD[0]].message == "in the keep-list"
    assert got[OLD[-1]].message == "not created before --before" and got[OLD[-1]].source == "<python>:12"
    assert got[None].status == "invalid"
    assert sorted(t for t in got if t) == sorted(OLD)  # every ID ended once, across both calls
    assert counts == {"unliked": 3, "skipped": len(OLD) - 3, "invalid": 1}


@pytest.mark.usefixtures("isolated")
async def test_keep_refs_that_are_no_ids_raise(emulator: EmulatorFactory, tmp_path: Path) -> None:
    async with emulator() as emu, session(emu, tmp_path) as s:
        with pytest.raises(ValueError, match="keep: 'my favourite'"):
            s.unlike(OLD, keep=["my favourite"])
        with pytest.raises(TypeError):
            s.unlike(OLD, keep=OLD[0])
    assert emu.stats()["requests"] == 0


async def test_v2_answers_unliked_whether_or_not_there_was_a_like(
    workspace: Workspace, emulator: EmulatorFactory
) -> None:
    never = "1850000000000000001"
    async with emulator(liked=frozenset(OLD[:2])) as emu:
        result = await workspace.cli(
            "unlike", "-", "--api", "v2", *workspace.base_args(emu), stdin="\n".join([*OLD[:2], never]).encode()
        )
        stats = emu.stats()
    assert result.code == 0, result.stderr
    assert {r["tweet_id"]: r["status"] for r in result.results} == dict.fromkeys([*OLD[:2], never], "unliked")
    assert stats["unlikes"] == 2 and stats["by_route"]["DELETE /2/users/{id}/likes/{tweet_id}"] == 3


async def test_v1_says_not_liked_for_a_tweet_never_liked(workspace: Workspace, emulator: EmulatorFactory) -> None:
    never = "1850000000000000001"
    async with emulator(liked=frozenset(OLD[:1])) as emu:
        result = await workspace.cli("unlike", "-", *workspace.base_args(emu), stdin=f"{OLD[0]}\n{never}\n".encode())
    assert result.code == 0, result.stderr
    got = {r["tweet_id"]: (r["status"], r["error_code"]) for r in result.results}
    assert got == {OLD[0]: ("unliked", None), never: ("not_liked", 144)}


@pytest.mark.parametrize(
    ("flags", "said"),
    [
        (["--before", "2015-01-01", "--after", "2016-01-01"], "--after must be earlier than --before"),
        (["--before", "yesterday"], "--before 'yesterday': not a date"),
        (["--keep", "keep.txt"], "keep.txt:2: not a tweet ID or status URL; fix the file (nothing was sent)"),
        (["--keep", "missing.txt"], "missing.txt: no such file"),
        (["--keep", "-"], "--keep takes a file, not stdin"),
    ],
)
async def test_bad_filters_are_refused_before_anything_is_made_or_sent(
    workspace: Workspace, emulator: EmulatorFactory, flags: list[str], said: str
) -> None:
    workspace.write("keep.txt", f"{OLD[0]}\nmy favourite\n")
    ids = workspace.write("ids.txt", "\n".join(OLD) + "\n")
    async with emulator(liked=frozenset(OLD)) as emu:
        result = await workspace.cli("unlike", str(ids), *flags, *workspace.base_args(emu))
        requests = emu.stats()["requests"]
    assert result.code == 2 and said in result.stderr and result.stderr.count("\n") == 1, result.stderr
    assert requests == 0 and not workspace.journal.exists()
