"""Milliseconds to ``bulklike --help`` (and ``status``) against the interpreter's own start, ``python -c pass``.

Every command is a child process timed from spawn to exit, with output discarded. Runs are
interleaved (one of each per round, after one unmeasured warm-up round) so that a disturbance of the
shared machine hits all alike; medians are reported, and the target is on the difference. The
console script ``bulklike`` beside this interpreter is used when there is one (as a user types it),
else ``python -m bulklike``.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.common import BenchError
from bulklike.store.journal import Journal


def bulklike_command() -> list[str]:
    script = Path(sys.executable).with_name("bulklike")
    return [str(script)] if script.exists() else [sys.executable, "-m", "bulklike"]


def _time_ms(argv: list[str], cwd: str) -> float:
    started = time.perf_counter()
    proc = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=cwd, check=False)
    elapsed = (time.perf_counter() - started) * 1000
    if proc.returncode != 0:
        raise BenchError(f"{' '.join(argv)} exited {proc.returncode}: {proc.stderr.decode(errors='replace')[-300:]}")
    return elapsed


def measure_startup(runs: int) -> dict[str, float]:
    """Median milliseconds of ``python -c pass``, ``bulklike --help`` and ``bulklike status`` over ``runs``."""
    bulklike = bulklike_command()
    with tempfile.TemporaryDirectory(prefix="bulklike-start-") as tmp:
        journal = os.path.join(tmp, "j.db")
        Journal(journal).close()
        commands = {
            "python_ms": [sys.executable, "-c", "pass"],
            "help_ms": [*bulklike, "--help"],
            "status_ms": [*bulklike, "status", "--journal", journal],
        }
        times: dict[str, list[float]] = {name: [] for name in commands}
        for round_ in range(runs + 1):
            for name, argv in commands.items():
                ms = _time_ms(argv, tmp)
                if round_:  # round 0 warms the caches
                    times[name].append(ms)
    return {name: statistics.median(values) for name, values in times.items()}
