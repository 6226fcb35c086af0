"""The account is the numeric user id the API confirms: one quota for one user whatever signs, and a
journal is bound only once the API accepted the credentials."""

from __future__ import annotations

import sqlite3

import pytest

from bulklike.credentials import fingerprint
from bulklike.emulator import DEMO_ACCOUNT
from bulklike.pacing.limits import parse_limit
from tests.helpers.workspace import DEMO_ENV, EmulatorFactory, Workspace, ids

BEARER_ONLY = {
    **{name: "" for name in DEMO_ENV},
    "BULKLIKE_BEARER_TOKEN": DEMO_ACCOUNT.bearer_token,
}


@pytest.mark.slow
async def test_oauth1_then_oauth2_runs_of_one_user_share_the_ledger(
    workspace: Workspace, emulator: EmulatorFactory
) -> None:
    ws = workspace
    first, second = ws.write("a.txt", "\n".join(ids(2)) + "\n"), ws.write("b.txt", "\n".join(ids(2, 2_000_000)) + "\n")
    async with emulator(user_limits=(parse_limit("2/4s"),)) as emu:
        tight = ["--api", "v2", "--quota", "2/4s"]
        signed = await ws.cli("run", str(first), *ws.base_args(emu), *tight)
        other = ["--journal", str(ws.path / "bearer.db")]
        bearer = await ws.cli("run", str(second), *ws.base_args(emu), *tight, *other, env=BEARER_ONLY)
        stats = emu.stats()
    assert signed.code == 0 and bearer.code == 0, (signed.stderr, bearer.stderr)
    assert stats["rate_limited"] == 0 and stats["likes"] == 4  # the second run waited for the window
    with sqlite3.connect(ws.ledger) as conn:
        users = {row[0] for row in conn.execute("SELECT DISTINCT user FROM sends")}
    assert users == {fingerprint(DEMO_ACCOUNT.user_id, purpose="user")}


@pytest.mark.slow
async def test_a_wrong_token_does_not_claim_the_journal(workspace: Workspace, emulator: EmulatorFactory) -> None:
    ws = workspace
    path = ws.write("ids.txt", "\n".join(ids(5)) + "\n")
    async with emulator() as emu:
        wrong = await ws.cli("run", str(path), *ws.base_args(emu), env={"BULKLIKE_ACCESS_TOKEN_SECRET": "mistyped"})
        assert wrong.code == 3, wrong.stderr
        assert "Could not authenticate you" in wrong.stderr and ws.statuses() == {"pending": 5}
        resume = next(line for line in wrong.stderr.splitlines() if "to resume:" in line)
        right = await ws.cli("run", *ws.base_args(emu))
        stats = emu.stats()
    assert "bulklike run" in resume
    assert right.code == 0, right.stderr  # no --force needed
    assert ws.statuses() == {"liked": 5} and stats["likes"] == 5
    with sqlite3.connect(ws.journal) as conn:
        account = conn.execute("SELECT value FROM meta WHERE key = 'account'").fetchone()[0]
    assert account == fingerprint(DEMO_ACCOUNT.user_id, purpose="user")


@pytest.mark.slow
async def test_another_account_on_a_bound_journal_is_refused_before_anything(
    workspace: Workspace, emulator: EmulatorFactory
) -> None:
    ws = workspace
    path = ws.write("ids.txt", "\n".join(ids(3)) + "\n")
    other_user = DEMO_ACCOUNT.__class__(
        user_id="1500000000000000002",
        screen_name="someone_else",
        consumer_key=DEMO_ACCOUNT.consumer_key,
        consumer_secret=DEMO_ACCOUNT.consumer_secret,
        access_token="1500000000000000002-other",
        access_token_secret="other-secret",
    )
    async with emulator(accounts=(DEMO_ACCOUNT, other_user)) as emu:
        mine = await ws.cli("run", str(path), *ws.base_args(emu))
        more = ws.write("more.txt", "\n".join(ids(3, 5_000_000)) + "\n")
        env = {"BULKLIKE_ACCESS_TOKEN": other_user.access_token, "BULKLIKE_ACCESS_TOKEN_SECRET": "other-secret"}
        theirs = await ws.cli("run", str(more), *ws.base_args(emu), env=env)
        forced = await ws.cli("run", str(more), *ws.base_args(emu), "--force", env=env)
    assert mine.code == 0, mine.stderr
    assert theirs.code == 2 and "made with another account" in theirs.stderr
    assert forced.code == 0, forced.stderr
    assert ws.statuses() == {"liked": 6}
