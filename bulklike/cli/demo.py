"""``bulklike demo``: the real run path against the embedded emulator, in under a minute.

The emulator runs in-process on a free loopback port with accelerated quotas (60 per 10 s per
user) and a few faults and unavailable tweets, so the demo shows pacing, retries and every kind
of outcome. The sample inputs ship inside the package (``bulklike/samples``, read with
``importlib.resources``); they, the journal, the ledger and the results go to a fresh temporary
directory, so the demo works from any directory after any install and leaves nothing behind in it.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
from collections.abc import Sequence
from importlib import resources

from bulklike.cli.driver import RunOptions, Streams, run_command
from bulklike.cli.settings import configure_logging
from bulklike.config import Settings
from bulklike.credentials import Credentials, Secret
from bulklike.emulator import DEMO_ACCOUNT, EmulatorConfig, run_emulator
from bulklike.engine.session import RetryPolicy
from bulklike.errors import EXIT_USAGE
from bulklike.pacing.limits import Limit

DEMO_USER_LIMITS = (Limit(60, 10.0),)
DEMO_APP_LIMITS = (Limit(600, 60.0),)
_SAMPLE_SUFFIXES = (".txt", ".csv", ".jsonl")


def sample_inputs(workdir: str) -> list[str]:
    """Copy the bundled samples (package data) into ``workdir``; their paths, sorted.

    Copied rather than opened in place: package data may sit in a zip, and a copy gives the
    results' ``source`` field a path the user can open.
    """
    paths = []
    for entry in sorted(resources.files("bulklike").joinpath("samples").iterdir(), key=lambda e: e.name):
        if entry.is_file() and entry.name.endswith(_SAMPLE_SUFFIXES):
            path = os.path.join(workdir, entry.name)
            with open(path, "wb") as out:
                out.write(entry.read_bytes())
            paths.append(path)
    return paths


def demo_credentials() -> Credentials:
    return Credentials(
        consumer_key=Secret(DEMO_ACCOUNT.consumer_key),
        consumer_secret=Secret(DEMO_ACCOUNT.consumer_secret),
        access_token=Secret(DEMO_ACCOUNT.access_token),
        access_token_secret=Secret(DEMO_ACCOUNT.access_token_secret),
    )


def cmd_demo(args: argparse.Namespace, argv: Sequence[str]) -> int:
    """``bulklike demo``: the exit code of the demo run."""
    configure_logging(args)
    return asyncio.run(run_demo(args))


async def run_demo(args: argparse.Namespace) -> int:
    """Start the emulator, run the samples (or ``--inputs``) through ``run_command``, print what happened."""
    workdir = tempfile.mkdtemp(prefix="bulklike-demo-")
    inputs = list(args.inputs or sample_inputs(workdir))
    if not inputs:
        sys.stderr.write("bulklike: error: no sample inputs found; pass --inputs FILE ...\n")
        return EXIT_USAGE
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
        access_level="enterprise",  # since 2026-04-20 the only level whose app may like through X's API
    )
    async with run_emulator(emulator_config) as emulator:
        sys.stderr.write(
            f"bulklike demo: emulator at {emulator.base_url} (an Enterprise app, quota {DEMO_USER_LIMITS[0]} per "
            f"user, faults on); liking {len(inputs)} sample files with --api auto\n"
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
            auto=True,
            given=frozenset({"base_url", "quota", "app_quota"}),  # the demo's limits hold on v2 too
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
    if refused_v1 := stats["account_refusals"].get("no_v1_access", 0):
        sys.stderr.write(
            f"  v1.1 answered 453 to {refused_v1} request(s) (no v1.1 likes below Enterprise); --api auto moved "
            f"the run to v2, which took {stats['by_route'].get('POST /2/users/{id}/likes', 0)} like requests\n"
        )
    if lost:
        sys.stderr.write(
            f"  {lost} answer(s) were lost after the like was applied; the retry found the like in place "
            "(v1.1 answers already_liked, 139; v2 answers liked), so each like was applied once\n"
        )
    sys.stderr.write(f"  look inside: bulklike status --journal {settings.journal}\n")
    return code
