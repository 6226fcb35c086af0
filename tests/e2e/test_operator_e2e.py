"""For the person running it: progress on a terminal, API v2 (OAuth 1.0a and bearer), undo,
profiles and ``accounts``, and the journal's account check — end to end against the emulator."""

from __future__ import annotations

import dataclasses
import json
import os
import re

import pytest

from bulklike.emulator import DEMO_ACCOUNT
from tests.helpers.terminal import run_on_pty
from tests.helpers.workspace import DEMO_ENV, EmulatorFactory, Workspace, ids

#: the workspace's OAuth 1.0a variables, blanked: only what a test adds (a bearer token, a profile) is left
NO_OAUTH1 = dict.fromkeys(DEMO_ENV, "")


async def test_v2_with_oauth1_likes_and_caches_user_id(workspace: Workspace, emulator: EmulatorFactory) -> None:
    path = workspace.write("ids.txt", "\n".join(ids(20)) + "\n")
    async with emulator(missing_rate=0.3, seed=2) as emu:
        result = await workspace.cli("run", str(path), "--api", "v2", *workspace.base_args(emu))
        stats = emu.stats()
    assert result.code == 0, result.stderr
    statuses = {r["status"] for r in result.results}
    assert statuses == {"liked", "not_found"}  # v2's 400 "cannot be found" problem is not_found
    assert stats["users"][DEMO_ACCOUNT.user_id]["likes"] == sum(r["status"] == "liked" for r in result.results)
    import sqlite3

    with sqlite3.connect(workspace.journal) as conn:
        cached = json.loads(conn.execute("SELECT value FROM meta WHERE key = 'identity'").fetchone()[0])
    assert cached["user_id"] == DEMO_ACCOUNT.user_id  # for these credentials (a fingerprint, never the token)
    assert DEMO_ACCOUNT.access_token not in json.dumps(cached)


@pytest.mark.slow
async def test_v2_with_bearer_token_only(workspace: Workspace, emulator: EmulatorFactory) -> None:
    path = workspace.write("ids.txt", "\n".join(ids(3)) + "\n")
    env = dict(NO_OAUTH1)
    env["BULKLIKE_BEARER_TOKEN"] = DEMO_ACCOUNT.bearer_token
    async with emulator() as emu:
        result = await workspace.cli("run", str(path), "--api", "v2", *workspace.base_args(emu), env=env)
        auto = await workspace.cli(  # --api auto (the default) with only a bearer token is v2
            "run", str(path), *workspace.base_args(emu), "--journal", str(workspace.path / "auto.db"), env=env
        )
        refused = await workspace.cli(
            "run",
            str(path),
            *workspace.base_args(emu),
            "--journal",
            str(workspace.path / "v1.db"),
            "--api",
            "v1.1",
            env=env,
        )
        stats = emu.stats()
    assert result.code == 0, result.stderr
    assert [r["status"] for r in result.results] == ["liked"] * 3
    assert stats["likes"] == 3
    assert auto.code == 0 and len(auto.results) == 3, auto.stderr
    assert stats["by_route"].get("POST /1.1/favorites/create.json") is None
    assert refused.code == 2 and "BULKLIKE_CONSUMER_KEY" in refused.stderr  # v1.1 needs OAuth 1.0a


@pytest.mark.slow
async def test_v2_rate_limit_headers_pause_and_nothing_fails(workspace: Workspace, emulator: EmulatorFactory) -> None:
    from bulklike.pacing.limits import Limit

    path = workspace.write("ids.txt", "\n".join(ids(12)) + "\n")
    async with emulator(user_limits=(Limit(5, 3.0),)) as emu:
        # the client believes in 50/15m: only the server's headers can hold it back
        result = await workspace.cli("run", str(path), "--api", "v2", "--quota", "50/15m", *workspace.base_args(emu))
        stats = emu.stats()
    assert result.code == 0, result.stderr
    assert [r["status"] for r in result.results] == ["liked"] * 12
    assert all(r["attempts"] == 1 for r in result.results)
    assert stats["rate_limited"] <= 8  # each refusal names its reset; the run waits for it
    assert max(m["max"] for m in stats["max_in_window"] if m["api"] == "v2") <= 5


@pytest.mark.slow
async def test_undo_returns_like_count_to_where_it_was(workspace: Workspace, emulator: EmulatorFactory) -> None:
    tweet_ids = ids(8)
    async with emulator() as emu:
        pre = await workspace.cli(
            "run",
            "-",
            *workspace.base_args(emu),
            "--journal",
            str(workspace.path / "pre.db"),
            stdin=f"{tweet_ids[0]}\n".encode(),
        )
        assert pre.code == 0
        before = emu.stats()["liked_now"]  # one tweet liked before our run
        path = workspace.write("ids.txt", "\n".join(tweet_ids) + "\n")
        run = await workspace.cli("run", str(path), *workspace.base_args(emu))
        assert run.code == 0 and emu.stats()["liked_now"] == before + 7
        plan = await workspace.cli("undo", "--dry-run", "--journal", str(workspace.journal))
        undo = await workspace.cli("undo", *workspace.base_args(emu))
        after = emu.stats()
        again = await workspace.cli("undo", *workspace.base_args(emu))
    assert {r["status"] for r in run.results} == {"liked", "already_liked"}
    assert plan.code == 0 and len(plan.results) == 7 and "would unlike 7" in plan.stderr
    assert undo.code == 0, undo.stderr
    assert sorted(r["tweet_id"] for r in undo.results) == sorted(tweet_ids[1:])
    assert {r["status"] for r in undo.results} == {"unliked"}
    assert after["liked_now"] == before  # the already-liked tweet was left alone
    assert workspace.statuses() == {"unliked": 7, "already_liked": 1}
    assert again.code == 0 and again.results == []  # resumable and idempotent


@pytest.mark.slow
async def test_undo_include_already(workspace: Workspace, emulator: EmulatorFactory) -> None:
    async with emulator() as emu:
        await workspace.cli(
            "run", "-", *workspace.base_args(emu), "--journal", str(workspace.path / "pre.db"), stdin=b"42\n"
        )
        await workspace.cli("run", "-", *workspace.base_args(emu), stdin=b"42\n43\n")
        undo = await workspace.cli("undo", "--include-already", *workspace.base_args(emu))
        stats = emu.stats()
    assert undo.code == 0
    assert sorted(r["tweet_id"] for r in undo.results) == ["42", "43"]
    assert stats["liked_now"] == 0


@pytest.mark.slow
async def test_journal_refuses_another_account_unless_forced(workspace: Workspace, emulator: EmulatorFactory) -> None:
    another = dataclasses.replace(
        DEMO_ACCOUNT,
        user_id="1500000000000000009",
        access_token="1500000000000000009-another",
        access_token_secret="x" * 20,
        bearer_token="",
    )
    other = {"BULKLIKE_ACCESS_TOKEN": another.access_token, "BULKLIKE_ACCESS_TOKEN_SECRET": another.access_token_secret}
    async with emulator(accounts=(DEMO_ACCOUNT, another)) as emu:
        first = await workspace.cli("run", "-", *workspace.base_args(emu), stdin=b"1\n")
        mismatch = await workspace.cli("run", "-", *workspace.base_args(emu), stdin=b"2\n", env=other)
        forced = await workspace.cli(
            "run", "-", "--force", "--dry-run", *workspace.base_args(emu), stdin=b"2\n", env=other
        )
    assert first.code == 0
    assert mismatch.code == 2 and "another account" in mismatch.stderr and "--force" in mismatch.stderr
    assert forced.code == 0, forced.stderr


@pytest.mark.slow
async def test_profiles_and_accounts_check(workspace: Workspace, emulator: EmulatorFactory) -> None:
    a = DEMO_ACCOUNT
    async with emulator() as emu:
        config = workspace.write(
            "bulklike.toml",
            f"""
[profiles.demo]
consumer_key = "{a.consumer_key}"
consumer_secret = "{a.consumer_secret}"
access_token = "{a.access_token}"
access_token_secret = "{a.access_token_secret}"
base_url = "{emu.base_url}"

[profiles.v2bearer]
bearer_token = "{a.bearer_token}"
api = "v2"
base_url = "{emu.base_url}"

[profiles.broken]
consumer_key = "{a.consumer_key}"
consumer_secret = "nope"
access_token = "{a.access_token}"
access_token_secret = "nope"
base_url = "{emu.base_url}"
""",
        )
        os.chmod(config, 0o600)
        no_env = NO_OAUTH1
        listing = await workspace.cli("accounts", env=no_env)
        checked = await workspace.cli("accounts", "--check", env=no_env)
        run = await workspace.cli(
            "run",
            "-",
            "--profile",
            "demo",
            "--journal",
            str(workspace.journal),
            "--ledger",
            str(workspace.ledger),
            "--min-interval",
            "0",
            stdin=b"5\n",
            env=no_env,
        )
        unknown = await workspace.cli("run", "-", "--profile", "nosuch", stdin=b"5\n", env=no_env)
    assert listing.code == 0
    assert [line.split()[0] for line in listing.stdout.splitlines()] == ["broken", "demo", "v2bearer"]
    assert a.consumer_secret not in listing.stdout + checked.stdout
    assert checked.code == 3  # one profile is refused
    lines = {line.split()[0]: line for line in checked.stdout.splitlines()}
    assert f"@{a.screen_name}" in lines["demo"] and f"@{a.screen_name}" in lines["v2bearer"]
    assert "REFUSED" in lines["broken"]
    assert run.code == 0 and run.results[0]["status"] == "liked"
    assert unknown.code == 2 and "no profile 'nosuch'" in unknown.stderr and "demo" in unknown.stderr


@pytest.mark.slow
async def test_progress_line_on_a_terminal_and_not_on_a_pipe(workspace: Workspace, emulator: EmulatorFactory) -> None:
    from bulklike.pacing.limits import Limit

    path = workspace.write("ids.txt", "\n".join(ids(15)) + "\n")
    async with emulator(user_limits=(Limit(5, 1.0),)) as emu:
        args = [
            "run",
            str(path),
            "--base-url",
            emu.base_url,
            "--journal",
            str(workspace.journal),
            "--ledger",
            str(workspace.ledger),
            "--min-interval",
            "0",
            "--quota",
            "5/1s",
        ]
        code, screen = await run_on_pty(workspace, args)
        piped = await workspace.cli("run", str(path), *args[2:], "--journal", str(workspace.path / "b.db"))
    assert code == 0, screen
    assert "\r\x1b[2K" in screen  # redrawn in place
    frames = [f for f in screen.split("\r\x1b[2K") if f.strip()]
    assert any(re.match(r"\d+/15 \| liked \d+ failed 0 \| ", f) for f in frames), frames[:5]
    assert any(re.search(r"user quota \d+ left of 5/1s", f) for f in frames)
    assert any("waiting for user quota 5/1s until" in f for f in frames)  # it updates during waits
    assert "run finished" in screen and "per second achieved" in screen  # a run under a minute
    assert '"event"' not in screen  # no per-outcome log lines under the live line by default
    assert piped.code == 0 and "\x1b[2K" not in piped.stderr
