"""Journal and filesystem faults through the CLI: files that are not (or not yet) our journals, an
old schema, a full disk, a read-only journal; and the files' modes and names.

Every refusal is exit 2 with one line ``bulklike: error: <path>: ...`` and no traceback, and the
file it refused is left byte for byte as it was.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import random
import resource
import shutil
import signal
import sqlite3
import stat
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from bulklike.emulator import DEMO_ACCOUNT
from bulklike.store.journal import Journal
from bulklike.store.schema import _SCHEMA_V1, APPLICATION_ID, SCHEMA_VERSION
from tests.helpers.journal import journal_problems
from tests.helpers.workspace import CliResult, EmulatorFactory, Workspace, ids

pytestmark = pytest.mark.timeout(60)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def assert_one_line_error(result: CliResult, path: Path, *fragments: str) -> None:
    assert result.code == 2, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"bulklike: error: {path}: "), result.stderr
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])


def make_foreign(path: Path, *, wal: bool = False) -> None:
    with sqlite3.connect(path) as conn:
        if wal:
            conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT)")
        conn.execute("INSERT INTO notes(text) VALUES ('not a journal')")
    conn.close()


def make_newer(path: Path) -> None:
    Journal(str(path)).close()
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA user_version = 99")
    conn.close()


UNUSABLE: dict[str, tuple[Callable[[Path], object], str]] = {
    "random.db": (lambda p: p.write_bytes(random.Random(5).randbytes(16384)), "not a bulklike journal"),
    "header.db": (lambda p: p.write_bytes(b"SQLite format 3\x00" + b"\xff" * 4000), "not a bulklike journal"),
    "foreign.db": (make_foreign, "not a bulklike journal"),
    "foreign-wal.db": (lambda p: make_foreign(p, wal=True), "not a bulklike journal"),
    "newer.db": (make_newer, "newer than this bulklike understands"),
}


@pytest.mark.slow
async def test_unusable_journal_files_refused_untouched(workspace: Workspace, emulator: EmulatorFactory) -> None:
    path = workspace.write("ids.txt", "\n".join(ids(3)) + "\n")
    files: dict[str, Path] = {}
    for name, (make, _) in UNUSABLE.items():
        files[name] = workspace.path / name
        make(files[name])
    before = {name: digest(f) for name, f in files.items()}
    async with emulator() as emu:
        run = ["run", str(path), "--base-url", emu.base_url, "--ledger", str(workspace.ledger)]
        runs = await asyncio.gather(
            *(
                workspace.cli(*command, "--journal", str(f))
                for f in files.values()
                for command in (run, ["status"], ["export"])
            )
        )
        stats = emu.stats()
    for i, (name, (_, message)) in enumerate(UNUSABLE.items()):
        for result in runs[3 * i : 3 * i + 3]:
            assert_one_line_error(result, files[name], message)
        assert digest(files[name]) == before[name], name
        assert not Path(f"{files[name]}-wal").exists() and not Path(f"{files[name]}-shm").exists(), name
    assert stats["requests"] == 0


def make_v1(path: Path, liked: str, pending: list[str]) -> None:
    conn = sqlite3.connect(path)
    conn.executescript(_SCHEMA_V1)
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    conn.execute("PRAGMA user_version = 1")
    conn.execute("INSERT INTO migrations(version, applied_at) VALUES (1, 1.0)")
    conn.execute("INSERT INTO runs(run_id, command, started_at, finished_at, exit_code) VALUES (1, 'run', 1, 2, 130)")
    rows = [(liked, "liked", 1, 200, 2.0)] + [(t, "pending", 0, None, None) for t in pending]
    conn.executemany(
        "INSERT INTO items(tweet_id, status, attempts, http_status, first_seen, finished_at, source,"
        " added_run, last_run) VALUES (?, ?, ?, ?, 1.0, ?, 'old.txt:1', 1, 1)",
        rows,
    )
    conn.execute(
        "INSERT INTO items(tweet_id, status, source, input, message, first_seen, finished_at, added_run,"
        " last_run) VALUES (NULL, 'invalid', 'old.txt:9', 'nope', 'not a tweet ID', 1.0, 1.0, 1, 1)"
    )
    conn.commit()
    conn.close()


async def test_schema_v1_journal_migrated_and_its_pending_rows_resumed(
    workspace: Workspace, emulator: EmulatorFactory
) -> None:
    pending = ids(4)
    make_v1(workspace.journal, "999", pending)
    async with emulator() as emu:
        result = await workspace.cli("run", *workspace.base_args(emu))
        stats = emu.stats()
    assert result.code == 1, result.stderr  # the old invalid line still counts
    assert sorted(r["tweet_id"] for r in result.results) == pending
    assert stats["requests"] == 5  # the liked row was not sent again; one account lookup
    assert workspace.statuses() == {"liked": 5, "invalid": 1}
    with sqlite3.connect(workspace.journal) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert conn.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
        versions = [v for (v,) in conn.execute("SELECT version FROM migrations ORDER BY version")]
        assert versions == list(range(1, SCHEMA_VERSION + 1))
        assert conn.execute("SELECT count(*) FROM runs").fetchone()[0] == 2
    assert journal_problems(workspace.journal) == []


async def test_failed_migration_rolls_back_as_a_whole(workspace: Workspace) -> None:
    make_v1(workspace.journal, "999", ids(2))
    with sqlite3.connect(workspace.journal) as conn:  # the second ALTER of v2 will fail, after the first worked
        conn.execute("ALTER TABLE items ADD COLUMN undo_attempts INTEGER")
    conn.close()
    result = await workspace.cli("run", "--journal", str(workspace.journal), "--base-url", "http://127.0.0.1:9")
    assert_one_line_error(result, workspace.journal, "duplicate column name: undo_attempts")
    with sqlite3.connect(workspace.journal) as conn:
        columns = [row[1] for row in conn.execute("PRAGMA table_info(items)")]
        assert "undo_state" not in columns  # the first ALTER was rolled back too
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
        assert [v for (v,) in conn.execute("SELECT version FROM migrations")] == [1]
        assert conn.execute("SELECT count(*) FROM items").fetchone()[0] == 4


def _file_size_limit(limit: int) -> None:
    """preexec_fn: writes past ``limit`` bytes fail with EFBIG (SIGXFSZ ignored), like a full disk."""
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))


@pytest.mark.slow
async def test_disk_full_stops_at_once_with_a_clear_message(workspace: Workspace, emulator: EmulatorFactory) -> None:
    path = workspace.write("ids.txt", "\n".join(ids(40_000)) + "\n")  # its journal outgrows 1 MB
    async with emulator() as emu:
        args = [
            str(path),
            *workspace.base_args(emu),
            "-q",
            "--min-interval",
            "0.02",
            "--output",
            str(workspace.path / "results.jsonl"),
        ]
        proc = await workspace.start("run", *args, preexec_fn=lambda: _file_size_limit(1 << 20))
        out, err = await asyncio.wait_for(proc.communicate(), 60)
        full = CliResult(proc.returncode or 0, out.decode(), err.decode())
        sent = emu.stats()["requests"]
        assert_one_line_error(full, workspace.journal, "disk I/O error (disk full", "free space and run again")
        assert journal_problems(workspace.journal) == []
        recorded = sum(attempts for _, attempts, *_ in workspace.rows().values())
        # once the journal cannot be written, nothing more is sent: at most the requests already
        # on the wire (concurrency 4) and those sent before the first failed commit
        assert sent - recorded <= 8, (sent, recorded)
        resumed = await workspace.cli(
            "run",
            "--journal",
            str(workspace.journal),
            "--ledger",
            str(workspace.ledger),
            "--base-url",
            emu.base_url,
            "--min-interval",
            "0",
            "--dry-run",
        )
        assert resumed.code == 0, resumed.stderr  # usable again once there is room


def _make_read_only(path: Path) -> bool:
    """Make ``path`` unwritable even for root (chattr +i); False when that is not possible."""
    if os.geteuid() != 0:
        path.chmod(0o400)
        return True
    if shutil.which("chattr") is None:
        return False
    return subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode == 0


async def test_read_only_journal_refused(workspace: Workspace) -> None:
    Journal(str(workspace.journal)).close()
    if not _make_read_only(workspace.journal):
        pytest.skip("running as root without chattr +i: no way to make a file read-only for root")
    before = digest(workspace.journal)
    try:
        path = workspace.write("ids.txt", "1\n2\n")
        result = await workspace.cli(
            "run",
            str(path),
            "--journal",
            str(workspace.journal),
            "--base-url",
            "http://127.0.0.1:9",
            "--ledger",
            str(workspace.ledger),
        )
    finally:
        if os.geteuid() == 0:
            subprocess.run(["chattr", "-i", str(workspace.journal)], check=False)
    assert_one_line_error(result, workspace.journal, "read-only")
    assert digest(workspace.journal) == before


@pytest.mark.slow
async def test_files_are_private_and_named_without_credentials(workspace: Workspace, emulator: EmulatorFactory) -> None:
    path = workspace.write("ids.txt", "\n".join(ids(40)) + "\n")
    results = workspace.path / "results.jsonl"
    async with emulator(latency_ms=200) as emu:
        args = [
            str(path),
            "--base-url",
            emu.base_url,
            "--journal",
            str(workspace.journal),
            "--min-interval",
            "0",
            "--output",
            str(results),
            "--concurrency",
            "2",
        ]  # the default ledger, under XDG_STATE_HOME
        proc = await workspace.start("run", *args, preexec_fn=lambda: os.umask(0))  # modes must not depend on it
        while not results.exists() or results.stat().st_size == 0:
            await asyncio.sleep(0.05)
        while_running = {p: p.stat().st_mode for p in workspace.path.rglob("*") if p.is_file()}
        proc.send_signal(signal.SIGTERM)
        await asyncio.wait_for(proc.communicate(), 20)  # drains the pipes while it stops
        assert proc.returncode == 143
    ledger = workspace.path / "state" / "bulklike" / "ledger.sqlite3"
    expected = [
        workspace.journal,
        Path(f"{workspace.journal}-wal"),
        Path(f"{workspace.journal}-shm"),
        Path(f"{workspace.journal}.lock"),
        ledger,
        Path(f"{ledger}-wal"),
        Path(f"{ledger}-shm"),
        results,
    ]
    for file in expected:
        assert file in while_running, file
        assert stat.S_IMODE(while_running[file]) == 0o600, (file, oct(while_running[file]))
    secrets = [
        DEMO_ACCOUNT.consumer_key,
        DEMO_ACCOUNT.consumer_secret,
        DEMO_ACCOUNT.access_token,
        DEMO_ACCOUNT.access_token_secret,
    ]
    names = [str(p.relative_to(workspace.path)) for p in workspace.path.rglob("*")]
    assert not [n for n in names if any(s in n or s[:12] in n for s in secrets)]
