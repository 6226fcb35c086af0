"""``bulklike run`` end to end: a real subprocess, real sockets, the emulator, a real journal file."""

from __future__ import annotations

import asyncio
import json
import signal
import sqlite3
from typing import Any

import pytest

from tests.helpers.waiting import until
from tests.helpers.workspace import EmulatorFactory, Workspace, ids


@pytest.mark.slow
async def test_text_file_liked_and_results_streamed(workspace: Workspace, emulator: EmulatorFactory) -> None:
    tweet_ids = ids(12)
    lines = [
        "# a comment",
        "",
        *tweet_ids[:10],
        f"https://x.com/someone/status/{tweet_ids[10]}/photo/1",
        f"twitter.com/i/web/status/{tweet_ids[11]}",
        tweet_ids[0],
    ]
    path = workspace.write("ids.txt", "\r\n".join(lines) + "\r\n")
    async with emulator() as emu:
        result = await workspace.cli("run", str(path), *workspace.base_args(emu))
        stats = emu.stats()
    assert result.code == 0, result.stderr
    assert sorted(r["tweet_id"] for r in result.results) == sorted(tweet_ids)  # the duplicate is sent once
    first = result.results[0]
    assert set(first) == {"tweet_id", "status", "attempts", "http_status", "error_code", "message", "at"}
    assert first["status"] == "liked" and first["attempts"] == 1 and first["http_status"] == 200
    assert first["at"].endswith("Z")
    assert stats["likes"] == 12 and stats["requests"] == 13  # and one verify_credentials: who the account is
    assert workspace.statuses() == {"liked": 12}
    assert "run finished" in result.stderr


@pytest.mark.slow
async def test_rerun_sends_nothing_for_terminal_ids(workspace: Workspace, emulator: EmulatorFactory) -> None:
    path = workspace.write("ids.txt", "\n".join(ids(5)) + "\n")
    async with emulator() as emu:
        first = await workspace.cli("run", str(path), *workspace.base_args(emu))
        second = await workspace.cli("run", str(path), *workspace.base_args(emu))
        stats = emu.stats()
    assert first.code == 0 and second.code == 0
    assert second.results == []
    assert stats["requests"] == 6  # 5 likes and one account lookup, cached in the journal for the rerun


@pytest.mark.slow
async def test_stdin_pipe_and_resume_with_journal_only(workspace: Workspace, emulator: EmulatorFactory) -> None:
    async with emulator(user_limits=_limits("5/2s")) as emu:
        args = [*workspace.base_args(emu), "--quota", "5/2s", "--app-quota", "100/1h", "--max-likes", "5"]
        first = await workspace.cli("run", *args, stdin=("\n".join(ids(8)) + "\n").encode())
        assert first.code == 75, first.stderr  # stopped by --max-likes with work pending
        assert len(first.results) == 5
        resume = next(line for line in first.stderr.splitlines() if "to resume:" in line)
        assert "bulklike run " in resume and f"--journal {workspace.journal}" in resume
        rest = await workspace.cli("run", *workspace.base_args(emu), "--quota", "5/2s")  # no input: the journal
        stats = emu.stats()
    assert rest.code == 0, rest.stderr
    assert len(rest.results) == 3
    assert workspace.statuses() == {"liked": 8}
    assert stats["likes"] == 8 and stats["requests"] == 9  # one account lookup, cached in the journal


async def test_empty_pipe_is_nothing_to_do(workspace: Workspace) -> None:
    result = await workspace.cli(
        "run", "--journal", str(workspace.journal), "--base-url", "http://127.0.0.1:9", stdin=b""
    )
    assert result.code == 0  # a closed pipe is an empty input: nothing to do
    assert result.results == []


@pytest.mark.slow
async def test_sigint_records_in_flight_and_resume_finishes(workspace: Workspace, emulator: EmulatorFactory) -> None:
    path = workspace.write("ids.txt", "\n".join(ids(40)) + "\n")
    async with emulator(latency_ms=40) as emu:
        proc = await workspace.start("run", str(path), *workspace.base_args(emu), "--concurrency", "2")
        assert proc.stdout is not None
        got: list[dict[str, Any]] = []
        while len(got) < 5:
            got.append(json.loads(await asyncio.wait_for(proc.stdout.readline(), 20)))
        proc.send_signal(signal.SIGINT)
        out, err = await asyncio.wait_for(proc.communicate(), 20)
        assert proc.returncode == 130, err.decode()
        interrupted = got + [json.loads(line) for line in out.decode().splitlines()]
        assert "to resume" in err.decode()
        statuses = workspace.statuses()
        assert statuses.get("liked") == len(interrupted) and statuses.get("pending", 0) == 40 - len(interrupted)
        rest = await workspace.cli("run", *workspace.base_args(emu))
        stats = emu.stats()
    assert rest.code == 0, rest.stderr
    assert {r["tweet_id"] for r in interrupted}.isdisjoint({r["tweet_id"] for r in rest.results})
    assert workspace.statuses() == {"liked": 40}
    assert stats["likes"] == 40 and stats["already_liked"] == 0


@pytest.mark.slow
async def test_invalid_lines_are_records_and_exit_1(workspace: Workspace, emulator: EmulatorFactory) -> None:
    workspace.write("mixed.txt", "1001\nnot-an-id\n0123\nhttps://twitter.com.evil.com/a/status/5\n1002\n")
    async with emulator() as emu:
        result = await workspace.cli("run", "mixed.txt", *workspace.base_args(emu))
    assert result.code == 1
    invalid = [r for r in result.results if r["status"] == "invalid"]
    assert [r["source"] for r in invalid] == ["mixed.txt:2", "mixed.txt:3", "mixed.txt:4"]
    assert all(r["tweet_id"] is None and r["message"] for r in invalid)
    assert invalid[0]["input"] == "not-an-id"
    assert sorted(r["tweet_id"] for r in result.results if r["status"] == "liked") == ["1001", "1002"]
    assert "mixed.txt:2" in result.stderr  # the warning names file and line


@pytest.mark.slow
async def test_csv_named_column_and_csv_results(workspace: Workspace, emulator: EmulatorFactory) -> None:
    rows = "\n".join(f"u{i},https://x.com/u{i}/status/{t},note" for i, t in enumerate(ids(4)))
    path = workspace.write("list.csv", "Author,Tweet Link,Note\n" + rows + "\n")
    async with emulator() as emu:
        missing = await workspace.cli("run", str(path), *workspace.base_args(emu))
        result = await workspace.cli(
            "run", str(path), "--column", "tweet link", "--format", "csv", *workspace.base_args(emu)
        )
    assert missing.code == 2
    assert "Author" in missing.stderr and "Tweet Link" in missing.stderr and "Traceback" not in missing.stderr
    assert result.code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "tweet_id,status,attempts,http_status,error_code,message,at,source,input"
    assert len(lines) == 5 and all(",liked,1,200," in line for line in lines[1:])


@pytest.mark.slow
async def test_jsonl_input(workspace: Workspace, emulator: EmulatorFactory) -> None:
    path = workspace.write("t.jsonl", '{"id_str": "77"}\n{"tweet_id": 78}\n{"tweet_id": 7.9}\n')
    async with emulator() as emu:
        result = await workspace.cli("run", str(path), *workspace.base_args(emu))
    assert result.code == 1
    assert {r["tweet_id"]: r["status"] for r in result.results} == {"77": "liked", "78": "liked", None: "invalid"}


@pytest.mark.slow
async def test_transient_faults_are_retried(workspace: Workspace, emulator: EmulatorFactory) -> None:
    path = workspace.write("ids.txt", "\n".join(ids(30)) + "\n")
    async with emulator(
        fault_rate=0.3,
        seed=3,
        stall_s=2.0,
        fault_kinds=(
            "http500",
            "http502_html",
            "http503",
            "http504",
            "reset",
            "applied_then_dropped",
            "truncated",
            "stall",
        ),
    ) as emu:
        result = await workspace.cli(
            "run", str(path), *workspace.base_args(emu), "--timeout", "0.5", "--max-attempts", "8"
        )
        stats = emu.stats()
    assert result.code == 0, result.stderr
    statuses = workspace.statuses()
    assert statuses.get("liked", 0) + statuses.get("already_liked", 0) == 30
    assert stats["likes"] == 30  # each applied once: a lost answer comes back as 139 already_liked
    assert sum(stats["faults"].values()) > 0
    assert any(r["attempts"] > 1 for r in result.results)


@pytest.mark.slow
async def test_persistent_failure_ends_failed_then_retry_failed(
    workspace: Workspace, emulator: EmulatorFactory
) -> None:
    path = workspace.write("ids.txt", "501\n502\n")
    async with emulator(fault_rate=1.0, fault_kinds=("http503",)) as emu:
        result = await workspace.cli("run", str(path), *workspace.base_args(emu), "--max-attempts", "2")
    assert result.code == 1
    assert {r["status"] for r in result.results} == {"failed"}
    assert all(r["attempts"] == 2 and r["http_status"] == 503 for r in result.results)
    async with emulator() as emu:
        again = await workspace.cli("run", *workspace.base_args(emu))
        assert again.code == 1 and again.results == []  # failed IDs are terminal without --retry-failed
        retried = await workspace.cli("run", "--retry-failed", *workspace.base_args(emu))
    assert retried.code == 0, retried.stderr
    assert workspace.statuses() == {"liked": 2}


@pytest.mark.slow
async def test_permanent_answers_recorded_never_retried(workspace: Workspace, emulator: EmulatorFactory) -> None:
    path = workspace.write("ids.txt", "\n".join(ids(60)) + "\n")
    async with emulator(missing_rate=0.2, protected_rate=0.1, blocked_rate=0.1, seed=5) as emu:
        result = await workspace.cli("run", str(path), *workspace.base_args(emu))
        stats = emu.stats()
    assert result.code == 0, result.stderr
    by_status: dict[str, list[dict[str, object]]] = {}
    for r in result.results:
        by_status.setdefault(str(r["status"]), []).append(r)
    assert {r["error_code"] for r in by_status["not_found"]} == {144}
    assert {r["error_code"] for r in by_status["forbidden"]} <= {136, 179}
    assert stats["requests"] == 61  # one request each: nothing retried; one account lookup


async def test_fatal_answer_stops_run_rest_pending(workspace: Workspace, emulator: EmulatorFactory) -> None:
    path = workspace.write("ids.txt", "\n".join(ids(10)) + "\n")
    async with emulator() as emu:
        result = await workspace.cli(
            "run", str(path), *workspace.base_args(emu), env={"BULKLIKE_ACCESS_TOKEN_SECRET": "wrong-secret-value"}
        )
        stats = emu.stats()
    assert result.code == 3
    assert "Could not authenticate you" in result.stderr and "check the consumer key" in result.stderr
    assert "Traceback" not in result.stderr
    assert workspace.statuses() == {"pending": 10}
    assert stats["requests"] <= 4  # the in-flight ones at most (concurrency 4), then stop


@pytest.mark.slow
async def test_second_process_on_one_journal_exits_2(workspace: Workspace, emulator: EmulatorFactory) -> None:
    path = workspace.write("ids.txt", "\n".join(ids(30)) + "\n")
    async with emulator(latency_ms=1000) as emu:  # 30 sends one at a time: the first run lasts 30 s or so
        first = await workspace.start("run", str(path), *workspace.base_args(emu), "--concurrency", "1")
        await until(lambda: emu.stats()["requests"] >= 1, within=30)  # it holds the journal: it is sending
        second = await workspace.cli("run", str(path), *workspace.base_args(emu))
        first.send_signal(signal.SIGTERM)
        await asyncio.wait_for(first.communicate(), 20)
    assert second.code == 2
    assert "in use by another bulklike process" in second.stderr
    assert first.returncode == 143


async def test_plain_http_to_non_loopback_refused(workspace: Workspace) -> None:
    path = workspace.write("ids.txt", "1\n")
    result = await workspace.cli(
        "run", str(path), "--base-url", "http://example.com", "--journal", str(workspace.journal)
    )
    assert result.code == 2
    assert "plain http is allowed only to loopback" in result.stderr
    assert not workspace.journal.exists()


async def test_missing_credential_named(workspace: Workspace) -> None:
    path = workspace.write("ids.txt", "1\n")
    result = await workspace.cli(
        "run", str(path), "--journal", str(workspace.journal), env={"BULKLIKE_CONSUMER_SECRET": ""}
    )
    assert result.code == 2
    assert "BULKLIKE_CONSUMER_SECRET" in result.stderr


@pytest.mark.slow
async def test_status_and_export(workspace: Workspace, emulator: EmulatorFactory) -> None:
    workspace.write("ids.txt", "11\n12\nbad\n")
    async with emulator() as emu:
        await workspace.cli("run", "ids.txt", *workspace.base_args(emu))
    status = await workspace.cli("status", "--journal", str(workspace.journal), "--json")
    report = json.loads(status.stdout)
    assert status.code == 0 and report["counts"] == {"liked": 2, "invalid": 1} and report["attempts"] == 2
    assert report["first_activity"] and report["last_activity"]
    exported = await workspace.cli("export", "--journal", str(workspace.journal), "--status", "invalid")
    assert exported.code == 0
    assert [(r["status"], r["source"], r["input"]) for r in exported.results] == [("invalid", "ids.txt:3", "bad")]
    as_csv = await workspace.cli("export", "--journal", str(workspace.journal), "--format", "csv")
    assert as_csv.stdout.splitlines()[0].startswith("tweet_id,status,attempts")
    assert len(as_csv.stdout.splitlines()) == 4


async def test_results_file_continues_on_fresh_line(workspace: Workspace, emulator: EmulatorFactory) -> None:
    out = workspace.write("results.jsonl", '{"tweet_id": "1", "status": "liked"}\n{"tweet_id": "2", "sta')
    path = workspace.write("ids.txt", "21\n22\n")
    async with emulator() as emu:
        result = await workspace.cli("run", str(path), "--output", str(out), *workspace.base_args(emu))
    assert result.code == 0 and result.stdout == ""
    lines = out.read_text().splitlines()
    assert lines[1] == '{"tweet_id": "2", "sta'
    assert [json.loads(line)["tweet_id"] for line in lines[2:]] == ["21", "22"]


def _limits(text: str) -> tuple[object, ...]:
    from bulklike.pacing.limits import parse_limit

    return (parse_limit(text),)


def test_journal_file_is_private_and_wal(workspace: Workspace) -> None:
    from bulklike.store.journal import Journal

    with Journal(str(workspace.journal)):
        pass
    assert workspace.journal.stat().st_mode & 0o777 == 0o600
    with sqlite3.connect(workspace.journal) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


async def _run_with_terminal_stdin(workspace: Workspace, *args: str) -> tuple[int, str, str]:
    import os
    import pty
    import sys

    main_fd, replica = pty.openpty()
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bulklike",
        *args,
        cwd=workspace.path,
        env=workspace.env,
        stdin=replica,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    os.close(replica)
    out, err = await asyncio.wait_for(proc.communicate(), 30)
    os.close(main_fd)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


@pytest.mark.slow
async def test_no_input_with_terminal_stdin_resumes_or_explains(
    workspace: Workspace, emulator: EmulatorFactory
) -> None:
    async with emulator() as emu:
        code, _, err = await _run_with_terminal_stdin(workspace, "run", *workspace.base_args(emu))
        assert code == 2 and "nothing pending" in err and "pipe tweet IDs in" in err
        await workspace.cli("run", "-", "--dry-run", *workspace.base_args(emu), stdin=b"31\n32\n")
        code, out, err = await _run_with_terminal_stdin(workspace, "run", *workspace.base_args(emu))
    assert code == 0, err
    assert sorted(json.loads(line)["tweet_id"] for line in out.splitlines()) == ["31", "32"]


async def test_unwritable_results_path_is_exit_2_before_sending(
    workspace: Workspace, emulator: EmulatorFactory
) -> None:
    path = workspace.write("ids.txt", "1\n")
    async with emulator() as emu:
        result = await workspace.cli(
            "run",
            str(path),
            "--output",
            "/nonexistent/dir/r.jsonl",
            *workspace.base_args(emu),
            env={"PYTHONWARNINGS": "always::ResourceWarning"},
        )
        stats = emu.stats()
    assert result.code == 2 and "/nonexistent/dir/r.jsonl: cannot open results file" in result.stderr
    assert "Traceback" not in result.stderr and "ResourceWarning" not in result.stderr
    assert stats["requests"] == 0
