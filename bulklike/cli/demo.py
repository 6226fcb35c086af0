"""``bulklike demo``: the real run path against the embedded emulator, in under a minute.

The emulator runs in-process on a free loopback port with accelerated quotas (70 per 10 s per
user) and a few faults and unavailable tweets, so the demo shows pacing, retries and every kind
of outcome. The account starts with some old likes; after the like pass a cleanup pass writes
the account's likes as an X archive, prints the dry-run plan of ``bulklike unlike`` with a
``--before`` date and a keep-list, and runs it. The samples ship inside the package (``bulklike/samples``, read with
``importlib.resources``); they, the journal, the ledger and the results go to a fresh temporary
directory, so the demo works from any directory after any install and leaves nothing behind in it.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import os
import sys
import tempfile
import zipfile
from collections.abc import Sequence
from importlib import resources
from typing import Any

from bulklike.cli.driver import RunOptions, Streams, run_command
from bulklike.cli.settings import configure_logging
from bulklike.config import Settings
from bulklike.credentials import Credentials, Secret
from bulklike.emulator import DEMO_ACCOUNT, EmulatorConfig, run_emulator
from bulklike.emulator.server import RunningEmulator
from bulklike.engine.session import RetryPolicy
from bulklike.errors import EXIT_USAGE
from bulklike.input.filters import Filters, parse_date
from bulklike.pacing.limits import Limit

DEMO_USER_LIMITS = (Limit(70, 10.0),)  # the like pass waits once; the cleanup pass fits after it
DEMO_APP_LIMITS = (Limit(600, 60.0),)
_SAMPLE_SUFFIXES = (".txt", ".csv", ".jsonl")
OLD_LIKES = 10  # the account's likes from before: generated, spread over 2012-2020 (few: the quota is shared)
CLEANUP_BEFORE = "2021-01-01"


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
        liked_count=OLD_LIKES,
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
        like_pass_summary(emulator.stats(), results, settings.journal)
        cleanup = await cleanup_pass(emulator, settings, workdir, streams, progress=not args.no_progress)
    return code or cleanup


def like_pass_summary(stats: dict[str, Any], results: str, journal: str) -> None:
    """What the emulator saw of the like pass."""
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
    sys.stderr.write(f"  look inside: bulklike status --journal {journal}\n")


async def cleanup_pass(
    emulator: RunningEmulator, settings: Settings, workdir: str, streams: Streams, *, progress: bool
) -> int:
    """``bulklike unlike`` on the account's likes written as an X archive: the plan, then the run."""
    liked = sorted(emulator.emulator.likes.liked_set(DEMO_ACCOUNT.user_id), key=int)
    archive = os.path.join(workdir, "twitter-demo-archive.zip")
    entries = [{"like": {"tweetId": tweet_id}} for tweet_id in liked]
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("data/like.js", "window.YTD.like.part0 = " + json.dumps(entries, indent=2))
    keep = os.path.join(workdir, "keep.txt")
    with open(keep, "w", encoding="utf-8") as fp:
        fp.write("".join(f"https://x.com/someone/status/{tweet_id}\n" for tweet_id in liked[:2]))
    journal = os.path.join(workdir, "cleanup.db")
    settings = dataclasses.replace(settings, journal=journal)
    filters = Filters(before=parse_date(CLEANUP_BEFORE, "--before"), keep=frozenset(int(t) for t in liked[:2]))
    command = f"bulklike unlike {archive} --before {CLEANUP_BEFORE} --keep {keep}"
    sys.stderr.write(f"\nbulklike demo: cleanup pass: the account has {len(liked)} likes; {command} --dry-run\n")
    opts = RunOptions(
        inputs=(archive,),
        output=os.path.join(workdir, "cleanup.jsonl"),
        progress=progress,
        unlike=True,
        filters=filters,
        retry=RetryPolicy(initial_s=0.2, max_wait_s=2.0, jitter_s=0.2),
        resume_command=f"{command} --journal {journal}",
    )
    await run_command(settings, dataclasses.replace(opts, dry_run=True), streams)
    sys.stderr.write(f"bulklike demo: {command}\n")
    code = await run_command(settings, opts, streams)
    left = len(emulator.emulator.likes.liked_set(DEMO_ACCOUNT.user_id))
    sys.stderr.write(
        f"bulklike demo: the emulator removed {emulator.stats()['unlikes']} likes and {left} are left: the kept "
        f"ones and those from {CLEANUP_BEFORE} on; results in {opts.output}\n"
    )
    with open(opts.output or os.devnull, encoding="utf-8") as fp:
        if not_liked := sum('"status": "not_liked"' in line for line in fp):
            sys.stderr.write(
                f"  {not_liked} not_liked: v1.1 answered 144, which means no like, or a tweet deleted since it was "
                "liked (v1.1 cannot tell them apart; v2 answers 'unliked' to both)\n"
            )
    return code
