"""Child processes measured by the kernel, the emulator process, IDs and credentials.

Why children: a client's CPU time and peak RSS are only comparable when each client is its own
process and the kernel reports them (``os.wait4``); the emulator lives in yet another process,
pinned to its own core, so its work never lands on a client's bill.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from bulklike.emulator import DEMO_ACCOUNT

REPO = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
#: tweet IDs used by the benchmarks start here; every measurement gets a block of its own
FIRST_ID = 1_000_000_000_000


class BenchError(Exception):
    """Something is broken (not merely slow): the benchmark exits non-zero."""


@dataclass(frozen=True, slots=True)
class Measured:
    """One child's run as the kernel saw it."""

    wall_s: float
    cpu_s: float  # user + system, every thread of the child
    maxrss_mb: float
    returncode: int
    stdout: str
    stderr: str


def child_env(state_dir: str) -> dict[str, str]:
    """The demo account's credentials, a private state dir (ledger default), the repo importable."""
    a = DEMO_ACCOUNT
    # children may write and use byte-code caches, as an installed program does
    env = {k: v for k, v in os.environ.items() if not k.startswith("BULKLIKE_") and k != "PYTHONDONTWRITEBYTECODE"}
    env.update(
        {
            "BULKLIKE_CONSUMER_KEY": a.consumer_key,
            "BULKLIKE_CONSUMER_SECRET": a.consumer_secret,
            "BULKLIKE_ACCESS_TOKEN": a.access_token,
            "BULKLIKE_ACCESS_TOKEN_SECRET": a.access_token_secret,
            "XDG_STATE_HOME": state_dir,
            "PYTHONPATH": os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH", "")) if p),
        }
    )
    return env


def run_child(
    argv: list[str], *, env: dict[str, str], stdin: str | None = None, timeout: float = 300.0, cwd: str | None = None
) -> Measured:
    """Run ``argv`` to the end; wall time, CPU time and peak RSS from ``wait4`` (not sampled)."""
    stdin_file: IO[bytes] | int = open(stdin, "rb") if stdin else subprocess.DEVNULL  # noqa: SIM115
    try:
        with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
            started = time.perf_counter()
            proc = subprocess.Popen(argv, stdin=stdin_file, stdout=out, stderr=err, env=env, cwd=cwd or REPO)
            killer = threading.Timer(timeout, _kill, (proc.pid,))
            killer.start()
            try:
                _, status, usage = os.wait4(proc.pid, 0)
            finally:
                killer.cancel()
            wall = time.perf_counter() - started
            proc.returncode = os.waitstatus_to_exitcode(status)  # already reaped: keep Popen from waiting again
            out.seek(0)
            err.seek(0)
            return Measured(
                wall_s=wall,
                cpu_s=usage.ru_utime + usage.ru_stime,
                maxrss_mb=usage.ru_maxrss / 1024.0,
                returncode=proc.returncode,
                stdout=out.read().decode("utf-8", "replace"),
                stderr=err.read().decode("utf-8", "replace"),
            )
    finally:
        if not isinstance(stdin_file, int):
            stdin_file.close()


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def cores() -> tuple[set[int] | None, set[int] | None]:
    """(server core, client cores): one core for the emulator, the rest for clients; None when
    affinity is unsupported or there is only one core (then nothing is pinned)."""
    if not hasattr(os, "sched_getaffinity"):
        return None, None
    available = sorted(os.sched_getaffinity(0))
    if len(available) < 2:
        return None, None
    return {available[0]}, set(available[1:])


class IdBlocks:
    """Hands out disjoint ranges of tweet IDs: the emulator remembers likes, so a tweet liked by
    one measurement would come back ``already_liked`` (error 139) in the next."""

    def __init__(self, first: int = FIRST_ID) -> None:
        self._next = first

    def take(self, n: int) -> int:
        start = self._next
        self._next += n + 1000
        return start


def write_ids(path: str, start: int, n: int) -> None:
    """``n`` IDs, one a line, as a user would pipe them in."""
    with open(path, "w", encoding="ascii") as fp:
        fp.writelines(f"{i}\n" for i in range(start, start + n))


def liked_lines(path: str) -> int:
    """How many result lines say ``liked`` (a results file that was never created has none)."""
    if not os.path.exists(path):
        return 0
    with open(path, encoding="utf-8") as fp:
        return sum(json.loads(line)["status"] == "liked" for line in fp if line.strip())


class EmulatorProcess:
    """``benchmarks.server`` in its own process (quotas off, no latency), pinned to its own core;
    or, with ``module="benchmarks.fastserver"``, the canned-200 server of the client comparison.

    ``stats()`` asks it for its counters, so every measurement is checked server-side: the likes
    a client claims were really answered (by the emulator: verified and applied).
    """

    def __init__(self, env: dict[str, str], core: set[int] | None, module: str = "benchmarks.server") -> None:
        self._proc = subprocess.Popen(
            [PYTHON, "-m", module],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
            cwd=REPO,
            text=True,
        )
        if core is not None:
            os.sched_setaffinity(self._proc.pid, core)
        assert self._proc.stdout is not None
        line = self._proc.stdout.readline()
        if not line.startswith("port "):
            self.close()
            raise BenchError(f"{module} did not start: {line!r}")
        self.port = int(line.split()[1])
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.cpu_s = 0.0

    def stats(self) -> dict[str, Any]:
        assert self._proc.stdin is not None and self._proc.stdout is not None
        self._proc.stdin.write("stats\n")
        self._proc.stdin.flush()
        line = self._proc.stdout.readline()
        if not line:
            raise BenchError("the emulator process died")
        result: dict[str, Any] = json.loads(line)
        return result

    def close(self) -> None:
        if self._proc.stdin is not None:
            self._proc.stdin.close()
        try:
            _, _, usage = os.wait4(self._proc.pid, 0)
            self.cpu_s = usage.ru_utime + usage.ru_stime
        except ChildProcessError:
            pass
        self._proc.returncode = 0
        if self._proc.stdout is not None:
            self._proc.stdout.close()

    def __enter__(self) -> EmulatorProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def pacing_flags(concurrency: int) -> list[str]:
    """Pacing on, as in real use, with room to spare: the ledger and the pacer run for every like."""
    return [
        "--min-interval",
        "0",
        "--quota",
        "1000000/24h",
        "--app-quota",
        "1000000/24h",
        "--concurrency",
        str(concurrency),
    ]
