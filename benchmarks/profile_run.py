"""Where a like's client CPU goes: ``bulklike run`` under py-spy, samples sorted into parts.

``python -m benchmarks.profile_run [LIKES] [CONCURRENCY]`` runs the throughput benchmark's
``bulklike run`` (default 20,000 likes, concurrency 8) against a fresh emulator process and
prints the share of CPU samples, and µs per like, in signing, aiohttp, the ledger, the journal,
results and logging, JSON parsing, and so on. It needs py-spy (``pip install py-spy``), which is
deliberately not a project dependency: a sampling profiler shows the real proportions, where
cProfile's per-call overhead would inflate the many small Python calls.

Each sample is charged to the innermost frame that matches a rule, so "aiohttp + sockets" is
aiohttp's own code and the socket system calls it makes, and "signing" includes the HMAC.
"""

from __future__ import annotations

import argparse
import collections
import os
import shutil
import sys
import tempfile
from pathlib import Path

from benchmarks.clients import bulklike_argv
from benchmarks.common import FIRST_ID, EmulatorProcess, child_env, cores, run_child, write_ids

RATE = 250  # samples per second
#: (part, substrings of a frame); the first rule that matches the innermost frame wins
RULES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("signing (OAuth 1.0a HMAC-SHA1)", ("bulklike/x/signing.py",)),
    (
        "send ledger (SQLite, pacing books)",
        ("bulklike/pacing/ledger.py", "bulklike/pacing/windows.py", "bulklike/pacing/limits.py"),
    ),
    ("pacer", ("bulklike/pacing/pacer.py", "aiolimiter")),
    ("journal commits", ("bulklike/store/",)),
    ("result lines + logging", ("bulklike/results.py", "structlog", "Recorder._report")),
    ("classifying answers (JSON parse)", ("bulklike/x/classify.py", "bulklike/x/codes.py")),
    (
        "ingest thread (reading stdin)",
        ("bulklike/input/",),
    ),
    ("tenacity", ("tenacity/",)),
    ("aiohttp + sockets", ("aiohttp/", "yarl/", "multidict/", "selector_events.py", "selectors.py")),
    (
        "runner, recorder, client glue",
        ("bulklike/engine/runner.py", "bulklike/engine/recorder.py", "bulklike/x/client.py"),
    ),
    (
        "start-up (imports, set-up)",
        ("importlib", "<module>", "bulklike/config.py", "bulklike/cli/"),
    ),
)
#: innermost frames of a thread that is waiting, not working (py-spy cannot always tell)
IDLE = ("concurrent/futures/thread.py", "threading.py", "EpollSelector.select")


def attribute(raw: str) -> tuple[collections.Counter[str], int]:
    """py-spy's raw (collapsed) stacks -> samples per part, and all working samples."""
    parts: collections.Counter[str] = collections.Counter()
    total = 0
    for line in raw.splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack:
            continue
        frames = stack.split(";")
        if any(marker in frames[-1] for marker in IDLE):
            continue
        n = int(count)
        total += n
        for frame in reversed(frames):
            part = next((name for name, keys in RULES if any(k in frame for k in keys)), None)
            if part is not None:
                parts[part] += n
                break
        else:
            parts["event loop, other"] += n
    return parts, total


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.profile_run",
        description="Where a like's client CPU goes: `bulklike run` under py-spy, samples sorted into parts.",
    )
    parser.add_argument("likes", nargs="?", type=int, default=20_000, help="likes to send (default 20,000)")
    parser.add_argument("concurrency", nargs="?", type=int, default=8, help="requests in flight (default 8)")
    args = parser.parse_args(argv)
    likes, concurrency = args.likes, args.concurrency
    spy = shutil.which("py-spy") or shutil.which("py-spy", path=str(Path(sys.executable).parent))
    if spy is None:
        print("py-spy is needed: pip install py-spy (it is not a project dependency)", file=sys.stderr)
        return 2
    server_core, client_cores = cores()
    with tempfile.TemporaryDirectory(prefix="bulklike-profile-") as tmp:
        env = child_env(os.path.join(tmp, "state"))
        ids, raw = os.path.join(tmp, "ids.txt"), os.path.join(tmp, "profile.txt")
        write_ids(ids, FIRST_ID, likes)
        if client_cores is not None:
            os.sched_setaffinity(0, client_cores)
        with EmulatorProcess(env, server_core) as emu:
            run = bulklike_argv(emu.base_url, tmp, concurrency, os.path.join(tmp, "results.jsonl"))
            measured = run_child(
                [spy, "record", "-r", str(RATE), "-f", "raw", "-o", raw, "--", *run], env=env, stdin=ids
            )
            if measured.returncode != 0:
                print(measured.stderr[-2000:], file=sys.stderr)
                return 1
        parts, total = attribute(Path(raw).read_text("utf-8"))
    print(
        f"{likes:,} likes, concurrency {concurrency}: {total:,} working samples at {RATE}/s "
        f"(~{total / RATE / likes * 1e6:,.0f} µs of CPU per like under the profiler)"
    )
    for part, n in parts.most_common():
        print(f"{100 * n / total:5.1f}%  {n / RATE / likes * 1e6:6.1f} µs/like  {part}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
