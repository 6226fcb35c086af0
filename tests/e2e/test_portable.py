"""Not tied to Linux: every module imports without POSIX-only modules, the journal lock holds through
``filelock``, and signals reach the loop where ``add_signal_handler`` is missing (Windows)."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from bulklike.auth.tokens import TokenEntry, TokenStore
from bulklike.cli.signals import forwarded
from bulklike.config import read_config_file
from bulklike.credentials import Secret
from bulklike.errors import EXIT_SIGINT, ConfigError, JournalError
from bulklike.store.journal import Journal
from tests.helpers.journal import journal_problems
from tests.helpers.workspace import ROOT, EmulatorFactory, Workspace, ids

CREDENTIALS = {f"BULKLIKE_{k}": "x" for k in ("CONSUMER_KEY", "CONSUMER_SECRET", "ACCESS_TOKEN", "ACCESS_TOKEN_SECRET")}
POSIX_ONLY = ("fcntl", "termios", "pwd", "grp", "resource")

IMPORT_ALL = """
import importlib.abc, pkgutil, sys
BLOCKED = set(sys.argv[1:])

TRIED = []  # (importer, name): bulklike modules that reached for a blocked module, even guarded

def importer():
    frame = sys._getframe(2)
    while frame is not None and frame.f_code.co_filename.startswith(("<frozen", "<")):
        frame = frame.f_back
    return frame.f_globals.get("__name__", "?") if frame is not None else "?"

class Blocker(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            who = importer()
            if who.startswith("bulklike"):
                TRIED.append((who, name))
            raise ImportError(f"{name} is blocked (as on Windows)")
        return None

for name in BLOCKED:
    sys.modules.pop(name, None)
sys.meta_path.insert(0, Blocker())
import bulklike
names = [m.name for m in pkgutil.walk_packages(bulklike.__path__, "bulklike.") if not m.name.endswith("__main__")]
for name in names:
    importlib.import_module(name)
assert not BLOCKED & set(sys.modules), BLOCKED & set(sys.modules)
assert TRIED == [], TRIED
print(len(names))
"""


@pytest.mark.slow
def test_every_module_imports_without_posix_only_modules() -> None:
    proc = subprocess.run(
        [sys.executable, "-c", IMPORT_ALL, *POSIX_ONLY], capture_output=True, text=True, timeout=120, check=False
    )
    assert proc.returncode == 0, proc.stderr
    assert int(proc.stdout) > 50  # it walked the whole package


HOLDER = """
import sys
from bulklike.store.journal import Journal
from bulklike.auth.tokens import TokenEntry, TokenStore
journal = Journal(sys.argv[1])
print("holding", flush=True)
sys.stdin.read()
"""


@pytest.mark.slow
def test_second_process_refused_then_lock_freed_by_a_killed_holder(tmp_path: Path) -> None:
    journal = tmp_path / "likes.db"
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("BULKLIKE_")}, **CREDENTIALS}
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(journal)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "holding\n"
        second = subprocess.run(
            [sys.executable, "-m", "bulklike", "run", "-", "--journal", str(journal), "--ledger", str(tmp_path / "l")],
            input="20\n",
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
        )
        assert second.returncode == 2
        assert second.stderr == f"bulklike: error: {journal}: the journal is in use by another bulklike process\n"
        with pytest.raises(JournalError, match="in use by another bulklike process"):
            Journal(str(journal))  # the same guarantee inside one process
    finally:
        holder.kill()  # no chance to clean up: the operating system frees the lock
        holder.communicate()
    Journal(str(journal)).close()


class NoSignalLoop(asyncio.SelectorEventLoop):
    """An event loop like Windows' own: ``add_signal_handler`` is not implemented."""

    def add_signal_handler(self, sig: int, callback: object, *args: object) -> None:
        raise NotImplementedError


def test_signals_reach_the_loop_without_add_signal_handler() -> None:
    loop = NoSignalLoop()
    seen: list[int] = []
    before = signal.getsignal(signal.SIGINT)

    async def main() -> None:
        got = asyncio.Event()

        def on_signal(code: int) -> None:
            seen.append(code)
            got.set()

        with forwarded(asyncio.get_running_loop(), on_signal):
            signal.raise_signal(signal.SIGINT)  # Ctrl-C
            await got.wait()

    try:
        loop.run_until_complete(main())
    finally:
        loop.close()
    assert seen == [EXIT_SIGINT]
    assert signal.getsignal(signal.SIGINT) is before  # restored after the run


def test_no_permission_warning_where_mode_bits_mean_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Windows reports every file as 0o666: the POSIX-only 'chmod 600' warning must not fire there."""
    path = tmp_path / "bulklike.toml"
    path.write_text('[credentials]\nconsumer_key = "k"\n')
    os.chmod(path, 0o666)
    warnings: list[str] = []
    read_config_file(str(path), warn=warnings)
    assert len(warnings) == 1  # POSIX: the warning stands
    monkeypatch.setattr(os, "name", "nt")
    warnings.clear()
    read_config_file(str(path), warn=warnings)
    assert warnings == []


# Loaded by the child's ``site``: its event loops then lack add_signal_handler, as Windows' do.
NO_ADD_SIGNAL_HANDLER = """
import asyncio.unix_events, os

def add_signal_handler(self, sig, callback, *args):
    with open(os.environ["FALLBACK_MARKER"], "a") as marker:
        marker.write("refused\\n")
    raise NotImplementedError

asyncio.unix_events._UnixSelectorEventLoop.add_signal_handler = add_signal_handler
"""


@pytest.mark.slow
@pytest.mark.timeout(60)
async def test_ctrl_c_without_add_signal_handler_records_what_was_in_flight(
    workspace: Workspace, emulator: EmulatorFactory, tmp_path: Path
) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(NO_ADD_SIGNAL_HANDLER)
    marker = tmp_path / "marker"
    env = {"PYTHONPATH": f"{site}{os.pathsep}{ROOT}", "FALLBACK_MARKER": str(marker)}
    path = workspace.write("ids.txt", "\n".join(ids(60)) + "\n")
    async with emulator(latency_ms=600) as emu:  # some requests are always on the wire
        proc = await workspace.start("run", str(path), *workspace.base_args(emu), "--concurrency", "4", env=env)
        assert proc.stdout is not None
        before = [json.loads(await asyncio.wait_for(proc.stdout.readline(), 20)) for _ in range(3)]
        proc.send_signal(signal.SIGINT)
        out, err = await asyncio.wait_for(proc.communicate(), 20)
        stats = emu.stats()
    stderr = err.decode()
    assert marker.read_text() == "refused\n"  # the loop refused, so the fallback handled Ctrl-C
    assert proc.returncode == 130, stderr
    after = [json.loads(line) for line in out.decode().splitlines()]
    liked = {t for t, row in workspace.rows().items() if row[0] == "liked"}
    assert liked == {r["tweet_id"] for r in before + after}
    # every request on the wire was recorded (the first one asked who the account is)
    assert stats["requests"] - 1 == stats["likes"] == len(liked)
    assert "run stopped after" in stderr and "Traceback" not in stderr
    assert journal_problems(workspace.journal) == []


@pytest.mark.skipif(sys.platform == "win32", reason="flock is the POSIX path")
def test_a_filesystem_without_locks_is_refused_not_trusted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """filelock would fall back to a marker file that a crash leaves behind; bulklike refuses instead."""
    import errno

    import filelock._native._unix as native  # where filelock calls flock (a private name: fails loudly if moved)

    def no_flock(fd: int) -> bool:
        raise OSError(errno.ENOSYS, "Function not implemented")

    monkeypatch.setattr(native, "lock_fd_nonblocking", no_flock)
    with pytest.raises(JournalError, match=r"likes\.db\.lock: cannot lock: Function not implemented"):
        Journal(str(tmp_path / "likes.db"))


STORE_HOLDER = """
import sys
from bulklike.auth.tokens import TokenStore
with TokenStore(sys.argv[1])._locked():
    print("holding", flush=True)
    sys.stdin.read()
"""


def test_token_store_writers_are_serialised_across_processes(tmp_path: Path) -> None:
    """The token store's lock goes through filelock too: a writer waits for another process's write."""
    path = tmp_path / "conf" / "tokens.json"
    entry = TokenEntry(kind="oauth1", user_id="1500", access_token=Secret("a"), access_token_secret=Secret("s"))
    holder = subprocess.Popen(
        [sys.executable, "-c", STORE_HOLDER, str(path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "holding\n"
        with pytest.raises(ConfigError, match="stayed locked by another process"):
            TokenStore(str(path), lock_wait_s=0.1).put(None, entry)
        assert not path.exists()  # nothing written while the other process held the lock
    finally:
        holder.kill()
        holder.communicate()
    TokenStore(str(path), lock_wait_s=0.1).put(None, entry)  # the lock died with its holder
    assert set(TokenStore(str(path)).load()) == {"default"}
