"""Pipes into ``bulklike run``: stdin read by its content, and what arrived sent while the producer pauses.

A real subprocess against the emulator over real sockets; the producer is the test, writing the CLI's
stdin. Waits are on the CLI's own result lines (each written once its record is committed), and the
order of events is read from the journal's times, never from the test's clock.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3

import pytest

from tests.helpers.archive_files import likes_js, twarc_flat, twarc_page
from tests.helpers.workspace import EmulatorFactory, Workspace, ids

DATA = ids(5, start=1_870_000_000_000_000_000)
INCLUDED = ids(3, start=1_500_000_000_000_000_000)


def liked(result_ids: list[str]) -> list[str]:
    return sorted(result_ids)


def read_as(stderr: str) -> list[str]:
    return [json.loads(line)["read_as"] for line in stderr.splitlines() if '"read_as"' in line]


async def test_twarc2_pages_on_stdin_like_the_data_never_the_includes(
    workspace: Workspace, emulator: EmulatorFactory
) -> None:
    pages = twarc_page(DATA[:3], INCLUDED) + "\n" + twarc_page(DATA[3:], INCLUDED[:1], pad=100_000) + "\n"
    async with emulator() as emu:
        result = await workspace.cli("run", "-", *workspace.base_args(emu), stdin=pages.encode())
        stats = emu.stats()
    assert result.code == 0, result.stderr
    assert liked([r["tweet_id"] for r in result.results]) == DATA
    assert stats["likes"] == len(DATA)
    assert read_as(result.stderr) == ["JSON Lines (twarc2 pages)"]


@pytest.mark.slow
async def test_flattened_and_plain_json_lines_with_no_input_argument(
    workspace: Workspace, emulator: EmulatorFactory
) -> None:
    flat = "".join(twarc_flat(t, INCLUDED[0]) + "\n" for t in DATA[:2])
    plain = "\n" + "".join(json.dumps({"id": t}) + "\n" for t in DATA[2:])  # jq -c '.[] | {id}'
    async with emulator() as emu:
        first = await workspace.cli("run", *workspace.base_args(emu), stdin=flat.encode())
        second = await workspace.cli("run", *workspace.base_args(emu), stdin=plain.encode())
        stats = emu.stats()
    assert first.code == 0 and second.code == 0, first.stderr + second.stderr
    assert liked([r["tweet_id"] for r in first.results]) == DATA[:2]
    assert liked([r["tweet_id"] for r in second.results]) == DATA[2:]
    assert stats["likes"] == len(DATA)  # never the quoted (referenced) tweet
    assert read_as(first.stderr) == ["JSON Lines (flattened tweets)"]
    assert read_as(second.stderr) == ["JSON Lines (JSON objects)"]


@pytest.mark.slow
async def test_like_js_and_csv_on_stdin(workspace: Workspace, emulator: EmulatorFactory) -> None:
    csv = "text,Tweet URL\nhi,https://x.com/a/status/" + DATA[4] + "\n"
    async with emulator() as emu:
        archive = await workspace.cli("run", "-", *workspace.base_args(emu), stdin=likes_js(DATA[:4]).encode())
        table = await workspace.cli("run", "-", *workspace.base_args(emu), stdin=csv.encode())
    assert archive.code == 0 and table.code == 0, archive.stderr + table.stderr
    assert liked([r["tweet_id"] for r in archive.results]) == DATA[:4]
    assert [r["tweet_id"] for r in table.results] == [DATA[4]]
    assert read_as(archive.stderr) == ["an X archive data file"]
    assert read_as(table.stderr) == ["CSV (a header with 'tweet url')"]


async def test_input_format_still_overrides_the_content(workspace: Workspace) -> None:
    args = ["--journal", str(workspace.journal), "--ledger", str(workspace.ledger), "--dry-run", "--no-progress"]
    lines = b"".join(b'{"id": "%d"}\n' % n for n in range(12, 212))
    result = await workspace.cli("run", "-", "--input-format", "text", *args, stdin=lines)
    assert result.code == 1  # read as text, each JSON line is an invalid line
    assert read_as(result.stderr) == []
    assert "200 records: 0 new, 0 already done, 0 already pending, 0 duplicate, 200 invalid" in result.stderr
    hints = [line for line in result.stderr.splitlines() if "it looks like JSON Lines" in line]
    assert len(hints) == 1  # one warning, after the first 100 lines, naming the flag
    assert "<stdin>: 100 of its first 100 lines are not tweet IDs" in hints[0] and "--input-format jsonl" in hints[0]


def _times(workspace: Workspace) -> dict[str, tuple[float, float | None]]:
    """tweet_id -> (first_seen, finished_at), from the journal."""
    with sqlite3.connect(workspace.journal) as conn:
        rows = conn.execute("SELECT tweet_id, first_seen, finished_at FROM items WHERE tweet_id IS NOT NULL")
        return {row[0]: (row[1], row[2]) for row in rows}


async def _results(stdout: asyncio.StreamReader, n: int) -> list[str]:
    """The next ``n`` result lines' tweet IDs (each line is written once its like is committed)."""
    return [json.loads(await stdout.readline())["tweet_id"] for _ in range(n)]


async def test_ids_before_a_pause_are_liked_before_it_ends(workspace: Workspace, emulator: EmulatorFactory) -> None:
    """20 IDs, then the producer is quiet: the 20 are journaled and liked while it waits, not at the next write."""
    first, later = ids(20), ids(5, start=2_000_000)
    async with emulator() as emu:
        proc = await workspace.start("run", "-", *workspace.base_args(emu), stdin=b"")
        assert proc.stdin is not None and proc.stdout is not None
        proc.stdin.write(("\n".join(first) + "\n").encode())
        await proc.stdin.drain()
        # the pause lasts until the 20 are liked: held back, this would wait out the timeout and fail
        done = await asyncio.wait_for(_results(proc.stdout, 20), 30)
        proc.stdin.write(("\n".join(later) + "\n").encode())
        proc.stdin.close()
        out, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 0, err.decode()
    assert sorted(done) == first
    times = _times(workspace)
    assert max(times[t][1] or 0 for t in first) < min(times[t][0] for t in later)
    assert {json.loads(line)["tweet_id"] for line in out.decode().splitlines()} == set(later)


async def test_slow_producer_gets_its_first_like_before_the_pipe_ends(
    workspace: Workspace, emulator: EmulatorFactory
) -> None:
    async with emulator() as emu:
        proc = await workspace.start("run", *workspace.base_args(emu), stdin=b"")
        assert proc.stdin is not None and proc.stdout is not None
        sent: list[str] = []
        for tweet_id in ids(4):  # one line at a time; each next one only after the last was liked
            proc.stdin.write(f"https://x.com/someone/status/{tweet_id}\n".encode())
            await proc.stdin.drain()
            sent += await asyncio.wait_for(_results(proc.stdout, 1), 30)
        proc.stdin.close()
        _, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 0, err.decode()
    assert sent == ids(4)
    times = _times(workspace)
    assert all((times[a][1] or 0) <= times[b][0] for a, b in zip(sent, sent[1:], strict=False))


async def test_a_run_that_stops_while_the_pipe_is_open_exits_at_once(
    workspace: Workspace, emulator: EmulatorFactory
) -> None:
    """--max-likes reached while the producer still holds the pipe open (tail -f): exit 75 now, cleanly (the
    reader thread, blocked in its read, must not hold a lock the interpreter needs to shut down)."""
    async with emulator() as emu:
        proc = await workspace.start("run", "-", "--max-likes", "2", *workspace.base_args(emu), stdin=b"")
        assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
        proc.stdin.write(("\n".join(ids(5)) + "\n").encode())
        await proc.stdin.drain()
        try:
            code = await asyncio.wait_for(proc.wait(), 30)  # the pipe stays open
            err = (await proc.stderr.read()).decode()
        finally:
            proc.stdin.close()
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
    assert code == 75, err
    assert "Fatal Python error" not in err
    assert workspace.statuses() == {"liked": 2, "pending": 3}
