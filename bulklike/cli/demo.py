"""``bulklike demo``: the real run path against the embedded emulator, in under a minute.

The emulator runs in-process on a free loopback port with accelerated quotas (60 per 10 s per
user) and a few faults and unavailable tweets, so the demo shows pacing, retries and every kind
of outcome. Journal, ledger and results go to a fresh temporary directory.
"""

from __future__ import annotations

import argparse
import glob
import os
import sys
import tempfile

from bulklike.cli.driver import RunOptions, Streams, run_command
from bulklike.config import Settings
from bulklike.credentials import Credentials, Secret
from bulklike.emulator import DEMO_ACCOUNT, EmulatorConfig, run_emulator
from bulklike.errors import EXIT_USAGE
from bulklike.pacing.limits import Limit
from bulklike.runner import RetryPolicy

DEMO_USER_LIMITS = (Limit(60, 10.0),)
DEMO_APP_LIMITS = (Limit(600, 60.0),)
_SAMPLE_PATTERNS = ("*.txt", "*.csv", "*.jsonl")


def sample_inputs() -> list[str]:
    """``./sample_inputs`` if present, else the copy beside the package (an editable install)."""
    here = os.path.join(os.getcwd(), "sample_inputs")
    beside = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "sample_inputs")
    folder = here if os.path.isdir(here) else beside
    files = sorted(f for pattern in _SAMPLE_PATTERNS for f in glob.glob(os.path.join(folder, pattern)))
    return files


def demo_credentials() -> Credentials:
    return Credentials(
        consumer_key=Secret(DEMO_ACCOUNT.consumer_key),
        consumer_secret=Secret(DEMO_ACCOUNT.consumer_secret),
        access_token=Secret(DEMO_ACCOUNT.access_token),
        access_token_secret=Secret(DEMO_ACCOUNT.access_token_secret),
    )


async def run_demo(args: argparse.Namespace) -> int:
    inputs = list(args.inputs or sample_inputs())
    if not inputs:
        sys.stderr.write("bulklike: error: no sample inputs found; pass --inputs FILE ...\n")
        return EXIT_USAGE
    workdir = tempfile.mkdtemp(prefix="bulklike-demo-")
    emulator_config = EmulatorConfig(
        user_limits=DEMO_USER_LIMITS,
        app_limits=DEMO_APP_LIMITS,
        seed=7,
        fault_rate=0.06,
        fault_kinds=("http500", "http502_html", "http503", "reset", "applied_then_dropped", "truncated"),
        missing_rate=0.04,
        protected_rate=0.02,
        blocked_rate=0.02,
        latency_ms=15,
    )
    async with run_emulator(emulator_config) as emulator:
        sys.stderr.write(
            f"bulklike demo: emulator at {emulator.base_url} (quota {DEMO_USER_LIMITS[0]} per user, "
            f"faults on); liking {len(inputs)} sample files\n"
        )
        settings = Settings(
            credentials=demo_credentials(),
            base_url=emulator.base_url,
            concurrency=4,
            timeout=5.0,
            min_interval=0.0,
            user_limits=DEMO_USER_LIMITS,
            app_limits=DEMO_APP_LIMITS,
            journal=os.path.join(workdir, "journal.db"),
            ledger=os.path.join(workdir, "ledger.sqlite3"),
        )
        results = os.path.join(workdir, "results.jsonl")
        opts = RunOptions(
            inputs=tuple(inputs),
            output=results,
            progress=not args.no_progress,
            retry=RetryPolicy(initial_s=0.2, max_wait_s=2.0, jitter_s=0.2),
            resume_command=f"bulklike run --journal {os.path.join(workdir, 'journal.db')}",
        )
        streams = Streams(stdin=sys.stdin.buffer, stdout=sys.stdout, stderr=sys.stderr)
        code = await run_command(settings, opts, streams)
        stats = emulator.stats()
    lost = stats["faults"].get("applied_then_dropped", 0) + stats["faults"].get("truncated", 0)
    sys.stderr.write(
        f"bulklike demo: the emulator applied {stats['likes']} likes, served {stats['rate_limited']} 429s "
        f"and {sum(stats['faults'].values())} faults; results in {results}\n"
    )
    if lost:
        sys.stderr.write(
            f"  {lost} answer(s) were lost after the like was applied; the retry came back "
            "already_liked (139), so each like was applied once\n"
        )
    sys.stderr.write(f"  look inside: bulklike status --journal {settings.journal}\n")
    return code
