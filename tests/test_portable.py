"""Not tied to Linux: every module imports without POSIX-only modules, the journal lock holds through
``filelock``, and signals reach the loop where ``add_signal_handler`` is missing (Windows)."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from bulklike.errors import EXIT_SIGINT, JournalError
from bulklike.signals import forwarded
from bulklike.store.journal import Journal

CREDENTIALS = {f"BULKLIKE_{k}": "x" for k in ("CONSUMER_KEY", "CONSUMER_SECRET", "ACCESS_TOKEN", "ACCESS_TOKEN_SECRET")}
POSIX_ONLY = ("fcntl", "termios", "pwd", "grp", "resource")

IMPORT_ALL = """
import importlib.abc, pkgutil, sys
BLOCKED = set(sys.argv[1:])

class Blocker(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
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
print(len(names))
"""


def test_every_module_imports_without_posix_only_modules() -> None:
    proc = subprocess.run(
        [sys.executable, "-c", IMPORT_ALL, *POSIX_ONLY], capture_output=True, text=True, timeout=120, check=False
    )
    assert proc.returncode == 0, proc.stderr
    assert int(proc.stdout) > 50  # it walked the whole package


HOLDER = """
import sys
from bulklike.store.journal import Journal
journal = Journal(sys.argv[1])
print("holding", flush=True)
sys.stdin.read()
"""


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
