"""The clients as measured child processes: ``bulklike run``, the Python API, the bare aiohttp loop, tweepy.

Each run likes a fresh block of tweet IDs on a server process and is checked twice: by the
client's own report (results file or JSON line) and by the server's counters (the fast server's
count of like requests it answered; the emulator's, which move only for requests whose OAuth
signature verified). A run that likes fewer tweets than asked is broken,
not slow, and stops the benchmark.

Whole processes: a run's wall and CPU time are the child's, start-up included (with byte-code
caches, as an installed program runs); nothing is subtracted.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Literal

from benchmarks.common import (
    PYTHON,
    BenchError,
    EmulatorProcess,
    Measured,
    liked_lines,
    pacing_flags,
    run_child,
    write_ids,
)

#: ``bulklike``: ``bulklike run -q``; ``verbose``: ``bulklike run`` without ``-q`` (its log to a file)
Kind = Literal["bulklike", "verbose", "api", "bare", "tweepy"]


@dataclass(frozen=True, slots=True)
class ClientRun:
    kind: Kind
    likes: int
    measured: Measured
    #: the server's CPU seconds per wall second over the run (None for the emulator, which does not say)
    server_util: float | None = None


def bulklike_argv(base_url: str, workdir: str, concurrency: int, results: str, *, quiet: bool = True) -> list[str]:
    """``bulklike run`` as the issue prescribes: full path, pacing on with room to spare; without
    ``quiet`` as a user runs it with output to a file (default log level, no ``--no-progress``)."""
    return [
        PYTHON,
        "-m",
        "bulklike",
        "run",
        "-",
        "--base-url",
        base_url,
        "--journal",
        os.path.join(workdir, "journal.db"),
        "--ledger",
        os.path.join(workdir, "ledger.sqlite3"),
        *pacing_flags(concurrency),
        *(["-q", "--no-progress"] if quiet else []),
        "--output",
        results,
    ]


def _fresh(workdir: str) -> None:
    os.makedirs(workdir, exist_ok=True)
    for name in os.listdir(workdir):
        os.unlink(os.path.join(workdir, name))


def run_client(
    kind: Kind, emu: EmulatorProcess, env: dict[str, str], workdir: str, start: int, n: int, concurrency: int
) -> ClientRun:
    """Like ``n`` tweets from ``start`` with one client; checked by the client and by the server."""
    _fresh(workdir)
    before = emu.stats()
    if kind in ("bulklike", "verbose"):
        ids, results = os.path.join(workdir, "ids.txt"), os.path.join(workdir, "results.jsonl")
        write_ids(ids, start, n)
        argv = bulklike_argv(emu.base_url, workdir, concurrency, results, quiet=kind == "bulklike")
        measured = run_child(argv, env=env, stdin=ids)
        _check_exit(kind, measured)
        liked = liked_lines(results)
    elif kind == "api":
        argv = [PYTHON, "-m", "benchmarks.api_loop", emu.base_url, str(start), str(n), str(concurrency), workdir]
        measured = run_child(argv, env=env)
        _check_exit(kind, measured)
        liked = int(json.loads(measured.stdout)["statuses"].get("liked", 0))
    elif kind == "bare":
        measured = run_child(
            [PYTHON, "-m", "benchmarks.bare_loop", emu.base_url, str(start), str(n), str(concurrency)], env=env
        )
        _check_exit(kind, measured)
        liked = int(json.loads(measured.stdout)["statuses"].get("200", 0))
    else:
        measured = run_child([PYTHON, "-m", "benchmarks.tweepy_loop", emu.base_url, str(start), str(n)], env=env)
        _check_exit(kind, measured)
        liked = int(json.loads(measured.stdout)["liked"])
    after = emu.stats()
    applied = after["likes"] - before["likes"]
    refused = after["auth_failures"] - before["auth_failures"]
    if liked != n or applied != n or refused:
        raise BenchError(
            f"{kind}: asked for {n} likes; the client reports {liked}, the emulator applied "
            f"{applied} and refused {refused} signatures"
        )
    _fresh(workdir)
    util = None
    if "cpu_s" in before and after["wall_s"] > before["wall_s"]:
        util = (after["cpu_s"] - before["cpu_s"]) / (after["wall_s"] - before["wall_s"])
    return ClientRun(kind, n, measured, util)


def _check_exit(kind: str, measured: Measured) -> None:
    if measured.returncode != 0:
        raise BenchError(f"{kind} exited {measured.returncode}: {measured.stderr[-800:]}")
