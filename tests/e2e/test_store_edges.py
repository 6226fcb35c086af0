"""The journal's and the ledger's edges through the CLI: a journal damaged past its header, files
on read-only media, directories made under umask 000, and errors that name the right file.

Each refusal is exit 2 with one line naming the file, before anything is sent or written.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import stat
from pathlib import Path

import pytest

from bulklike.store.journal import Journal
from tests.helpers.readonly import read_only_dir
from tests.helpers.workspace import CliResult, EmulatorFactory, Workspace, ids

pytestmark = pytest.mark.timeout(60)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def one_line_error(result: CliResult, path: Path, *fragments: str) -> str:
    assert result.code == 2, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"bulklike: error: {path}: "), result.stderr
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])
    return lines[0]


def damaged_journal(path: Path, rows: int = 3000) -> None:
    """A journal whose header and schema are sound and whose table pages are garbage."""
    Journal(str(path)).close()
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA journal_mode=DELETE")
        conn.executemany(
            "INSERT INTO items(tweet_id, status, first_seen, added_run, last_run) VALUES (?, 'pending', 0, 1, 1)",
            [(str(10_000 + i),) for i in range(rows)],
        )
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.close()
    with path.open("r+b") as f:  # every other page past the first few: the items table's leaves
        for page in range(6, pages, 2):
            f.seek(page * page_size)
            f.write(bytes([0xA5]) * page_size)


async def test_a_journal_damaged_past_its_header_is_refused_before_anything_is_sent(
    workspace: Workspace, emulator: EmulatorFactory
) -> None:
    damaged_journal(workspace.journal)
    before = digest(workspace.journal)
    path = workspace.write("ids.txt", "\n".join(ids(20)) + "\n")
    async with emulator() as emu:
        result = await workspace.cli("run", str(path), *workspace.base_args(emu))
        stats = emu.stats()
    line = one_line_error(result, workspace.journal, "damaged", "nothing was sent", ".recover")
    assert "not a bulklike journal" not in line
    assert stats["likes"] == 0 and stats["requests"] == 0
    assert digest(workspace.journal) == before  # not even switched to WAL
    assert not Path(f"{workspace.journal}-wal").exists()


async def test_status_reads_a_journal_on_read_only_media(workspace: Workspace, emulator: EmulatorFactory) -> None:
    media = workspace.path / "media"
    media.mkdir()
    journal = media / "journal.db"
    path = workspace.write("ids.txt", "\n".join(ids(3)) + "\n")
    async with emulator() as emu:
        args = [*workspace.base_args(emu), "--journal", str(journal)]
        assert (await workspace.cli("run", str(path), *args)).code == 0
    (media / "journal.db.lock").unlink()
    assert sorted(p.name for p in media.iterdir()) == ["journal.db"]  # a clean close merged the log
    with read_only_dir(media):
        result = await workspace.cli("status", "--journal", str(journal))
    assert result.code == 0, result.stderr
    assert "3 records" in result.stdout and "liked" in result.stdout


async def test_directories_made_for_the_journal_and_ledger_are_private_under_umask_000(
    workspace: Workspace, emulator: EmulatorFactory
) -> None:
    journal = workspace.path / "new" / "deeper" / "journal.db"
    path = workspace.write("ids.txt", "\n".join(ids(2)) + "\n")
    async with emulator() as emu:
        args = ["--base-url", emu.base_url, "--journal", str(journal), "--min-interval", "0", "--no-progress"]
        proc = await workspace.start("run", str(path), *args, preexec_fn=lambda: os.umask(0))
        await proc.communicate()
    assert proc.returncode == 0
    state = workspace.path / "state"  # XDG_STATE_HOME: the default ledger's home, made by the run
    for directory in (journal.parent, journal.parent.parent, state, state / "bulklike"):
        assert stat.S_IMODE(directory.stat().st_mode) == 0o700, (directory, oct(directory.stat().st_mode))


async def test_a_ledger_error_names_the_ledger_not_the_journal(workspace: Workspace, emulator: EmulatorFactory) -> None:
    workspace.ledger.write_bytes(b"this is no database at all, but long enough to be read as one" * 100)
    path = workspace.write("ids.txt", "1\n")
    async with emulator() as emu:
        result = await workspace.cli("run", str(path), *workspace.base_args(emu))
    line = one_line_error(result, workspace.ledger, "send ledger")
    assert "journal" not in line
