"""A newcomer's first runs: a plan with no credentials at all, and no like a user did not ask for
(a dry run's list is not sent by a run of another list; what an interrupted run left is named first)."""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3

import pytest

from tests.helpers.archive_files import likes_js
from tests.helpers.workspace import ROOT, EmulatorFactory, Workspace, ids


def meta(workspace: Workspace) -> dict[str, str]:
    with sqlite3.connect(workspace.journal) as conn:
        return dict(conn.execute("SELECT key, value FROM meta").fetchall())


async def test_dry_run_with_an_empty_environment_and_no_config(workspace: Workspace) -> None:
    bare = Workspace(
        workspace.path,
        {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "PYTHONPATH": str(ROOT),
            "HOME": str(workspace.path),
            "XDG_STATE_HOME": str(workspace.path / "state"),
            "XDG_CONFIG_HOME": str(workspace.path / "config"),
        },
    )
    workspace.write("list.txt", "\n".join(ids(3)) + "\n")
    result = await bare.cli("run", "list.txt", "--dry-run", "--journal", str(workspace.journal), "--no-progress")
    assert result.code == 0, result.stderr
    assert "bulklike: dry run, nothing sent" in result.stderr
    assert "  input:    3 records: 3 new" in result.stderr
    assert "  quota:    left now: unknown until credentials are given" in result.stderr
    assert "if the whole quota is free" in result.stderr
    assert "missing credential" not in result.stderr
    assert "account" not in meta(workspace) and "identity" not in meta(workspace)  # unbound
    assert workspace.statuses() == {"planned": 3}


async def test_a_dry_run_never_binds_the_journal(workspace: Workspace, emulator: EmulatorFactory) -> None:
    workspace.write("list.txt", "\n".join(ids(2)) + "\n")
    async with emulator() as emu:
        args = [*workspace.base_args(emu), "--user-id", "1500000000000000001"]
        result = await workspace.cli("run", "list.txt", "--dry-run", *args)
        stats = emu.stats()
    assert result.code == 0, result.stderr
    assert "account" not in meta(workspace)
    assert stats["requests"] == 0


@pytest.mark.slow
async def test_a_dry_runs_list_is_not_liked_by_a_run_of_another(
    workspace: Workspace, emulator: EmulatorFactory
) -> None:
    planned, other = ids(5), ids(2, start=2_000_000)
    workspace.write("a.txt", "\n".join(planned) + "\n")
    workspace.write("b.txt", "\n".join(other) + "\n")
    async with emulator() as emu:
        args = workspace.base_args(emu)
        dry = await workspace.cli("run", "a.txt", "--dry-run", *args)
        run_b = await workspace.cli("run", "b.txt", *args)
        assert emu.stats()["likes"] == 2
        resumed = await workspace.cli("run", *args)  # no input (stdin is /dev/null): the deliberate resume
        stats = emu.stats()
    assert dry.code == 0 and run_b.code == 0 and resumed.code == 0, run_b.stderr + resumed.stderr
    assert "`bulklike run` with no input sends them; other inputs leave them unsent" in dry.stderr
    assert sorted(r["tweet_id"] for r in run_b.results) == other
    assert "this run: liked 2\n" in run_b.stderr
    assert "planned:  5 IDs from a dry run, not sent" in run_b.stderr
    assert sorted(r["tweet_id"] for r in resumed.results) == planned
    assert "resuming 5 IDs left pending by earlier runs (a.txt: 5); 5 of them planned by a dry run" in resumed.stderr
    assert "this run: liked 5 (5 of them left pending by earlier runs)" in resumed.stderr
    assert stats["likes"] == 7


@pytest.mark.slow
async def test_a_dry_runs_ids_listed_again_are_sent(workspace: Workspace, emulator: EmulatorFactory) -> None:
    workspace.write("a.txt", "\n".join(ids(4)) + "\n")
    async with emulator() as emu:
        await workspace.cli("run", "a.txt", "--dry-run", *workspace.base_args(emu))
        result = await workspace.cli("run", "a.txt", *workspace.base_args(emu))
    assert result.code == 0, result.stderr
    assert sorted(r["tweet_id"] for r in result.results) == ids(4)
    assert "left pending by earlier runs" not in result.stderr


@pytest.mark.slow
async def test_what_an_interrupted_run_left_is_named_before_the_first_send(
    workspace: Workspace, emulator: EmulatorFactory
) -> None:
    workspace.write("a.txt", "\n".join(ids(5)) + "\n")
    workspace.write("b.txt", "\n".join(ids(2, start=2_000_000)) + "\n")
    async with emulator() as emu:
        first = await workspace.cli("run", "a.txt", "--max-likes", "2", *workspace.base_args(emu))
        second = await workspace.cli("run", "b.txt", *workspace.base_args(emu), "--log-level", "debug")
    assert first.code == 75, first.stderr
    assert second.code == 0, second.stderr
    err = second.stderr
    warning = err.index(
        "sending 3 IDs left pending by earlier runs (a.txt: 3) too, whether this input lists them or not"
    )
    assert warning < err.index('"event": "outcome"')  # said before the first like
    assert "this run: liked 5 (3 of them left pending by earlier runs)" in err


async def test_planned_ids_listed_after_the_runner_moved_on_are_still_sent(
    workspace: Workspace, emulator: EmulatorFactory
) -> None:
    """Planned rows sit early in the journal; listed again later in a pipe, they are queued where they are
    listed now, so the runner (which takes rows in journal order) does not pass them by."""
    planned, fresh = ids(3), ids(2, start=2_000_000)
    workspace.write("a.txt", "\n".join(planned) + "\n")
    async with emulator() as emu:
        await workspace.cli("run", "a.txt", "--dry-run", *workspace.base_args(emu))
        proc = await workspace.start("run", "-", *workspace.base_args(emu), stdin=b"")
        assert proc.stdin is not None and proc.stdout is not None
        proc.stdin.write(("\n".join(fresh) + "\n").encode())
        await proc.stdin.drain()
        first = [json.loads(await asyncio.wait_for(proc.stdout.readline(), 30))["tweet_id"] for _ in fresh]
        proc.stdin.write(("\n".join(planned) + "\n").encode())
        proc.stdin.close()
        out, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 0, err.decode()
    assert sorted(first) == fresh
    assert sorted(json.loads(line)["tweet_id"] for line in out.decode().splitlines()) == planned
    assert workspace.statuses() == {"liked": 5}


async def test_an_archive_planned_by_a_dry_run_is_liked_when_run(
    workspace: Workspace, emulator: EmulatorFactory
) -> None:
    """An archive is published in one statement per batch: each planned row it queues moves to its own place."""
    workspace.write("like.js", likes_js(ids(6)))
    async with emulator() as emu:
        dry = await workspace.cli("run", "like.js", "--dry-run", *workspace.base_args(emu))
        run = await workspace.cli("run", "like.js", *workspace.base_args(emu))
    assert dry.code == 0 and run.code == 0, dry.stderr + run.stderr
    assert sorted(r["tweet_id"] for r in run.results) == ids(6)
    assert workspace.statuses() == {"liked": 6}


async def test_no_input_and_an_empty_pipe_resumes_the_plan(workspace: Workspace, emulator: EmulatorFactory) -> None:
    """cron gives a command an empty pipe on stdin: `bulklike run --journal J` there resumes, as on a terminal."""
    workspace.write("a.txt", "\n".join(ids(3)) + "\n")
    async with emulator() as emu:
        await workspace.cli("run", "a.txt", "--dry-run", *workspace.base_args(emu))
        resumed = await workspace.cli("run", *workspace.base_args(emu), stdin=b"")
    assert resumed.code == 0, resumed.stderr
    assert sorted(r["tweet_id"] for r in resumed.results) == ids(3)
