"""X archive and twarc2 inputs through ``bulklike run``: a real subprocess, the emulator, a real journal."""

from __future__ import annotations

import json
import sqlite3

import pytest

from tests.helpers.archive_files import full_archive, likes_js, twarc_flat, twarc_page, zip_bytes
from tests.helpers.workspace import EmulatorFactory, Workspace, ids

LIKES = ids(7, start=1_861_000_000_000_000_000)
POSTS = ids(2, start=1_862_000_000_000_000_000)
FOLLOWERS = ids(2, start=1_000_000)


def sources(workspace: Workspace) -> dict[str, str]:
    with sqlite3.connect(workspace.journal) as conn:
        return dict(conn.execute("SELECT tweet_id, source FROM items WHERE tweet_id IS NOT NULL").fetchall())


@pytest.mark.slow
async def test_archive_zip_likes_every_like_part_and_nothing_else(
    workspace: Workspace, emulator: EmulatorFactory
) -> None:
    archive = workspace.write("twitter-2026-11-30-abc.zip", full_archive([LIKES[:4], LIKES[4:]], POSTS, FOLLOWERS))
    async with emulator() as emu:
        result = await workspace.cli("run", str(archive), *workspace.base_args(emu))
        stats = emu.stats()
    assert result.code == 0, result.stderr
    assert sorted(r["tweet_id"] for r in result.results) == sorted(LIKES)
    assert stats["likes"] == 7 and stats["requests"] == 8  # and one account lookup (verify_credentials)
    where = sources(workspace)
    assert set(where) == set(LIKES)
    assert where[LIKES[0]] == f"{archive}/data/like.js:2"
    assert where[LIKES[4]] == f"{archive}/data/like-part1.js:2"


@pytest.mark.slow
async def test_archive_kind_tweets_likes_the_posts(workspace: Workspace, emulator: EmulatorFactory) -> None:
    archive = workspace.write("archive.zip", full_archive([LIKES[:2]], POSTS, FOLLOWERS))
    async with emulator() as emu:
        result = await workspace.cli("run", str(archive), "--archive-kind", "tweets", *workspace.base_args(emu))
    assert result.code == 0, result.stderr
    assert sorted(r["tweet_id"] for r in result.results) == sorted(POSTS)


@pytest.mark.slow
async def test_dry_run_reports_what_each_input_gave(workspace: Workspace) -> None:
    archive = workspace.write("archive.zip", full_archive([LIKES[:4], LIKES[4:]], POSTS, FOLLOWERS))
    like_js = workspace.write("like.txt", likes_js(LIKES[:3]))  # found by its content, whatever its name
    pages = workspace.write("likes.jsonl", twarc_page(POSTS, LIKES[:2]) + "\n" + twarc_flat(LIKES[6], POSTS[0]) + "\n")
    text = workspace.write("ids.txt", f"{LIKES[0]}\nnot-an-id\n")
    args = ["--journal", str(workspace.journal), "--ledger", str(workspace.ledger), "--no-progress"]
    result = await workspace.cli("run", str(archive), str(like_js), str(pages), str(text), "--dry-run", *args)
    assert result.code == 1, result.stderr  # one invalid line
    plan = result.stderr[result.stderr.index("bulklike: dry run") :].splitlines()
    assert f"  from:     {archive}: 7 IDs" in plan
    assert f"            {like_js}: 3 IDs" in plan
    assert f"            {pages}: 3 IDs" in plan
    assert f"            {text}: 1 ID, 1 invalid" in plan
    assert "  input:    15 records: 9 new, 0 already done, 0 already pending, 5 duplicate, 1 invalid" in plan
    assert workspace.statuses() == {"planned": 9, "invalid": 1}  # a dry run plans, never queues


@pytest.mark.slow
async def test_truncated_like_js_is_exit_2_and_nothing_is_kept_or_sent(
    workspace: Workspace, emulator: EmulatorFactory
) -> None:
    text = likes_js(LIKES)
    cut = text[: text.index(LIKES[5]) + 4]
    archive = workspace.write(
        "archive.zip", zip_bytes({"data/like.js": likes_js(LIKES[:2]), "data/like-part1.js": cut})
    )
    async with emulator() as emu:
        result = await workspace.cli("run", str(archive), *workspace.base_args(emu))
        stats = emu.stats()
    assert result.code == 2
    errors = [line for line in result.stderr.splitlines() if "error" in line]
    assert len(errors) == 1, result.stderr
    assert errors[0].startswith(f"bulklike: error: {archive}/data/like-part1.js: cut short at line ")
    assert "Traceback" not in result.stderr
    assert stats["requests"] == 0
    assert workspace.rows() == {}  # nothing of the archive reached the journal


@pytest.mark.slow
async def test_truncated_like_js_with_partial_likes_what_came_before(
    workspace: Workspace, emulator: EmulatorFactory
) -> None:
    text = likes_js(LIKES)
    path = workspace.write("like.js", text[: text.index(LIKES[5]) + 4])
    async with emulator() as emu:
        result = await workspace.cli("run", str(path), "--partial", *workspace.base_args(emu))
    assert result.code == 1, result.stderr  # done, with one invalid record: the break
    liked = [r["tweet_id"] for r in result.results if r["status"] == "liked"]
    assert sorted(liked) == sorted(LIKES[:5])
    broken = [r for r in result.results if r["status"] == "invalid"]
    assert len(broken) == 1 and broken[0]["source"].startswith(f"{path}:")
    assert "cut short" in broken[0]["message"] and "the 5 entries before it were kept" in broken[0]["message"]
    assert "Traceback" not in result.stderr


@pytest.mark.slow
async def test_zip_with_no_like_files_is_exit_2(workspace: Workspace) -> None:
    archive = workspace.write("archive.zip", zip_bytes({"data/follower.js": "window.YTD.follower.part0 = []"}))
    args = ["--journal", str(workspace.journal), "--ledger", str(workspace.ledger), "--base-url", "http://127.0.0.1:9"]
    result = await workspace.cli("run", str(archive), *args)
    assert result.code == 2
    assert result.stderr.strip() == (
        f"bulklike: error: {archive}: no likes in this archive "
        "(no data/like.js or data/like-partN.js among its 1 files)"
    )


async def test_twarc2_pages_like_the_data_tweets_only(workspace: Workspace, emulator: EmulatorFactory) -> None:
    lines = [twarc_page(LIKES[:3], POSTS), twarc_page(LIKES[3:5], POSTS[:1]), twarc_flat(LIKES[5], POSTS[1])]
    path = workspace.write("liked.jsonl", "\n".join(lines) + "\n")
    async with emulator() as emu:
        result = await workspace.cli("run", str(path), *workspace.base_args(emu))
    assert result.code == 0, result.stderr
    assert sorted(r["tweet_id"] for r in result.results) == sorted(LIKES[:6])
    assert json.dumps(POSTS[0]) not in json.dumps(result.results)


async def test_a_cut_archive_after_a_good_input_stops_the_run_at_once(
    workspace: Workspace, emulator: EmulatorFactory
) -> None:
    """The text input's IDs are journaled and sending starts; the cut archive then ends the run (exit 2)
    after what is in flight, rather than after hours of paced likes."""
    text_ids = ids(40, start=2_000_000)
    listed = workspace.write("ids.txt", "\n".join(text_ids) + "\n")
    cut = likes_js(LIKES)[:300]
    archive = workspace.write("archive.zip", zip_bytes({"data/like.js": cut}))
    async with emulator() as emu:
        args = [*workspace.base_args(emu), "--min-interval", "30", "--concurrency", "1"]
        result = await workspace.cli("run", str(listed), str(archive), *args)
        stats = emu.stats()
    assert result.code == 2, result.stderr
    assert f"bulklike: error: {archive}/data/like.js: cut short" in result.stderr
    assert stats["requests"] <= 2  # 40 sends 30 s apart would take 20 minutes
    assert workspace.statuses().get("pending", 0) >= 38
    assert not any(tweet_id in LIKES for tweet_id in workspace.rows())


@pytest.mark.slow
async def test_like_js_on_stdin_is_told_by_its_content(workspace: Workspace) -> None:
    args = ["--journal", str(workspace.journal), "--ledger", str(workspace.ledger), "--no-progress", "--dry-run"]
    result = await workspace.cli("run", "-", *args, stdin=likes_js(LIKES[:4]).encode())
    assert result.code == 0, result.stderr
    assert "  from:     <stdin>: 4 IDs" in result.stderr
    assert sources(workspace)[LIKES[0]] == "<stdin>:2"


@pytest.mark.slow
async def test_a_zip_on_a_pipe_and_a_stray_js_file_are_exit_2(workspace: Workspace) -> None:
    args = ["--journal", str(workspace.journal), "--ledger", str(workspace.ledger), "--dry-run"]
    piped = await workspace.cli("run", "-", *args, stdin=zip_bytes({"data/like.js": likes_js(LIKES[:1])}))
    assert piped.code == 2
    assert (
        piped.stderr.strip()
        == "bulklike: error: <stdin>: a zip archive cannot be read from a pipe; pass the file's path"
    )
    script = workspace.write("app.js", "console.log('hi')\n")
    stray = await workspace.cli("run", str(script), *args)
    assert stray.code == 2
    assert stray.stderr.strip() == (
        f"bulklike: error: {script}: not an X archive data file (no 'window.YTD.<type>.partN = [')"
    )
