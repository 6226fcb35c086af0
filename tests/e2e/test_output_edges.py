"""The edges of "each record reaches the results output": a results file shared by two journals, a kill
while an owed backlog is paid into a new file, a full disk, a reader of stdout that goes away, a dry run,
``--output`` that is one of the inputs. Real CLI subprocesses against the emulator on a real socket."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sqlite3
from pathlib import Path

import pytest

from tests.helpers.workspace import CliResult, EmulatorFactory, Workspace, ids


def _records(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def _owed(journal: Path) -> int:
    with sqlite3.connect(journal) as conn:
        return int(conn.execute("SELECT count(*) FROM items WHERE unwritten IS NOT NULL").fetchone()[0])


@pytest.mark.slow
async def test_a_results_file_shared_by_two_journals_keeps_every_record(
    workspace: Workspace, emulator: EmulatorFactory
) -> None:
    first, second = ids(4), ids(3, start=2_000_000)
    a = workspace.write("a.txt", "\n".join(first) + "\n")
    b = workspace.write("b.txt", "\n".join(second) + "\n")
    out = workspace.path / "all.jsonl"
    async with emulator() as emu:
        base = workspace.base_args(emu)
        b_args = [x if x != str(workspace.journal) else str(workspace.path / "b.db") for x in base]
        runs = [
            await workspace.cli("run", str(a), *base, "--output", str(out)),
            await workspace.cli("run", str(b), *b_args, "--output", str(out)),
        ]
        with out.open("a") as fp:
            fp.write('{"note": "a line added by hand"}')  # and no newline
        runs.append(await workspace.cli("run", str(a), *base, "--output", str(out)))  # A again: nothing to do
    assert [r.code for r in runs] == [0, 0, 0], [r.stderr for r in runs]
    records = _records(out)
    got = [str(r.get("tweet_id", "by hand")) for r in records]
    assert sorted(got[:4]) == first and sorted(got[4:7]) == second and got[7:] == ["by hand"]  # A once cut B's


@pytest.mark.slow
async def test_a_kill_while_an_owed_backlog_is_paid_into_a_new_file_writes_each_record_once(
    workspace: Workspace,
) -> None:
    many = ids(6000)
    path = workspace.write("ids.txt", "\n".join(many) + "\n")
    plan = await workspace.cli("run", str(path), "--dry-run", "--journal", str(workspace.journal), "-q")
    assert plan.code == 0, plan.stderr
    with sqlite3.connect(workspace.journal) as conn:  # every ID done and its line owed, as after runs nobody read
        conn.execute("UPDATE items SET status = 'liked', attempts = 1, finished_at = 1.8e9, unwritten = 1")
    out = workspace.path / "new.jsonl"
    args = [
        "run",
        str(path),
        "--journal",
        str(workspace.journal),
        "--output",
        str(out),
        "--base-url",
        "http://127.0.0.1:9",
    ]
    proc = await workspace.start(*args)
    while proc.returncode is None and (not out.exists() or out.stat().st_size == 0):
        await asyncio.sleep(0.001)  # killed as soon as the first lines of the backlog are on disk
    assert proc.returncode is None, "the backlog was paid before the kill: make it larger"
    proc.send_signal(signal.SIGKILL)
    await proc.wait()
    assert 0 < len(out.read_bytes().splitlines()) < len(many)
    again = await workspace.cli(*args)
    assert again.code == 0, again.stderr
    assert [r["tweet_id"] for r in _records(out)] == many  # once each, in input order
    assert _owed(workspace.journal) == 0


@pytest.mark.slow
@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full (ENOSPC on every write)")
async def test_a_full_disk_under_the_results_is_exit_2_with_one_line(
    workspace: Workspace, emulator: EmulatorFactory
) -> None:
    good = ids(5)
    path = workspace.write("ids.txt", "\n".join(good) + "\n")
    async with emulator() as emu:
        full = await workspace.cli("run", str(path), *workspace.base_args(emu), "--output", "/dev/full")
        with open("/dev/full", "w") as devfull:  # stdout on a full disk too
            proc = await workspace.start("run", str(path), *workspace.base_args(emu), stdout=devfull)
            _, err = await proc.communicate()
        out = workspace.path / "results.jsonl"
        later = await workspace.cli("run", *workspace.base_args(emu), "--output", str(out))
    for code, stderr, name in ((full.code, full.stderr, "/dev/full"), (proc.returncode, err.decode(), "stdout")):
        assert code == 2, stderr
        assert f"bulklike: error: {name}: cannot write results: No space left on device" in stderr
        assert "Traceback" not in stderr and "Exception" not in stderr
    assert later.code == 0, later.stderr
    assert sorted(str(r["tweet_id"]) for r in _records(out)) == good  # owed, not lost: the journal is intact


@pytest.mark.slow
async def test_a_reader_that_goes_away_leaves_the_rest_owed_and_gets_the_resume_command(
    workspace: Workspace, emulator: EmulatorFactory
) -> None:
    good = ids(300)
    path = workspace.write("ids.txt", "\n".join(good) + "\n")
    async with emulator() as emu:
        args = ["run", str(path), *workspace.base_args(emu), "--concurrency", "8"]
        read, write = os.pipe()
        proc = await workspace.start(*args, stdout=write)
        os.close(write)
        taken = b""
        while b"\n" not in taken:  # `| head -1`: it reads what is there, shows one line, and is gone
            taken += await asyncio.to_thread(os.read, read, 65536)
        os.close(read)
        _, err = await proc.communicate()
        resumed = await workspace.cli("run", *workspace.base_args(emu))
        gone = os.pipe()
        os.close(gone[0])  # no reader at all, from the start
        more = workspace.write("more.txt", "3000001\nx\n")
        early = await workspace.start("run", str(more), *args[2:], stdout=gone[1])
        os.close(gone[1])
        _, early_err = await early.communicate()
    stderr = err.decode()
    assert proc.returncode == 141, stderr
    assert "to resume:" in stderr and "Traceback" not in stderr and "Exception" not in stderr
    shown = json.loads(taken.split(b"\n")[0])["tweet_id"]
    assert resumed.code == 0, resumed.stderr
    assert {shown} | {r["tweet_id"] for r in resumed.results} == set(good)  # read ahead, never shown: written again
    assert early.returncode == 141, early_err.decode()
    assert "Traceback" not in early_err.decode() and "Exception" not in early_err.decode()


@pytest.mark.slow
async def test_a_dry_run_leaves_invalid_lines_owed_to_the_real_runs_output(
    workspace: Workspace, emulator: EmulatorFactory
) -> None:
    good = ids(3)
    path = workspace.write("ids.txt", "\n".join([good[0], "not-an-id", *good[1:]]) + "\n")
    out = workspace.path / "results.csv"
    async with emulator() as emu:
        dry = await workspace.cli("run", str(path), *workspace.base_args(emu), "--dry-run")
        real = await workspace.cli("run", str(path), *workspace.base_args(emu), "--output", str(out))
    assert dry.code == 1 and dry.stdout == ""  # reported on stderr only
    assert "not-an-id" not in dry.stdout and "ids.txt:2" in dry.stderr
    assert real.code == 1, real.stderr
    lines = out.read_text().splitlines()
    assert sum("not-an-id" in line for line in lines) == 1 and len(lines) == 1 + 4  # header, 3 IDs, 1 invalid


async def test_output_that_is_one_of_the_inputs_is_refused_before_anything_is_read(
    workspace: Workspace, emulator: EmulatorFactory
) -> None:
    path = workspace.write("ids.txt", "\n".join(ids(3)) + "\n")
    before = path.read_bytes()
    async with emulator() as emu:
        named = await workspace.cli("run", str(path), *workspace.base_args(emu), "--output", "ids.txt")
        with path.open("rb") as stdin:
            proc = await workspace.start("run", *workspace.base_args(emu), "--output", str(path), stdin=stdin)
            _, err = await proc.communicate()
        requests = emu.stats()["requests"]
    piped = CliResult(proc.returncode or 0, "", err.decode())
    for result, what in ((named, "ids.txt"), (piped, "stdin")):
        assert result.code == 2, result.stderr
        assert "is also an input (" in result.stderr and f"{what}); write the results to another file" in result.stderr
    assert path.read_bytes() == before and requests == 0 and not workspace.journal.exists()
