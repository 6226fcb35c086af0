"""One benchmark run: every measurement, repeated, reduced to medians, checked and tabulated.

Order: start-up and signing, then the client comparison against the fast server
(``benchmarks.compare``), the end-to-end run against the emulator, the scale runs (with the
server on one core and every client on the other), then the emulator's own benchmark, which
brings its own server. Runs of the clients being compared are interleaved, so a disturbance of
the shared machine hits every side alike.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import os
import statistics
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from benchmarks.archive import ArchiveRun, measure_archive
from benchmarks.clients import ClientRun, Kind, run_client
from benchmarks.common import BenchError, EmulatorProcess, IdBlocks, Measured, child_env, cores
from benchmarks.compare import Sample, run_comparison
from benchmarks.scale import ScaleRun, measure_ledger, measure_scale
from benchmarks.signing import measure_signing
from benchmarks.startup import measure_startup

SECTIONS = ("startup", "signing", "clients", "e2e", "scale", "archive", "emulator")


@dataclass(frozen=True, slots=True)
class Plan:
    """How much of everything; ``SMOKE`` is the CI-sized version (well under a minute)."""

    smoke: bool = False
    likes: int = 20_000
    tweepy_likes: int = 2_000
    concurrencies: tuple[int, ...] = (4, 16, 64)
    repeats: int = 3
    e2e_likes: int = 10_000
    e2e_repeats: int = 3
    concurrency: int = 16  # the end-to-end and scale runs
    scale_ids: int = 1_000_000
    scale_max_likes: int = 200
    scale_repeats: int = 3
    ledger_sends: int = 5_000_000
    archive_likes: int = 1_000_000
    archive_repeats: int = 1
    launch_runs: int = 15
    sign_number: int = 20_000
    sign_repeats: int = 7
    emulator_requests: int = 5_000
    emulator_repeats: int = 3
    pin: bool = True
    sections: tuple[str, ...] = SECTIONS


SMOKE = Plan(
    smoke=True,
    likes=300,
    tweepy_likes=100,
    concurrencies=(16,),
    repeats=1,
    e2e_likes=300,
    e2e_repeats=1,
    scale_ids=20_000,
    scale_max_likes=50,
    scale_repeats=1,
    ledger_sends=20_000,
    archive_likes=20_000,
    launch_runs=3,
    sign_number=2_000,
    sign_repeats=3,
    emulator_requests=500,
    emulator_repeats=1,
)


def paired(ours: list[float], theirs: list[float]) -> float:
    """Median of the per-round ratios (the end-to-end run; the comparison gives both reductions)."""
    return statistics.median(a / b for a, b in zip(ours, theirs, strict=True))


@dataclass(slots=True)
class Results:
    plan: Plan
    launch: dict[str, float] = field(default_factory=dict)
    signing: dict[str, float] = field(default_factory=dict)
    compare: list[Sample] = field(default_factory=list)
    e2e: dict[Kind, list[ClientRun]] = field(default_factory=dict)
    scale: list[ScaleRun] = field(default_factory=list)
    ledger: list[Measured] = field(default_factory=list)
    archive: list[ArchiveRun] = field(default_factory=list)
    emulator: list[dict[str, Any]] = field(default_factory=list)
    pinned: tuple[set[int], set[int]] | None = None


@contextlib.contextmanager
def pinned_clients(client_cores: set[int] | None) -> Iterator[None]:
    """Move this process (and so every child it starts) to the client cores for the block."""
    if client_cores is None:
        yield
        return
    saved = os.sched_getaffinity(0)
    os.sched_setaffinity(0, client_cores)
    try:
        yield
    finally:
        os.sched_setaffinity(0, saved)


def _emulator_bench(plan: Plan) -> dict[str, Any]:
    """The emulator engineer's ``measure_emulator``: its own server process, verified 200s only."""
    from benchmarks.emulator_bench import measure_emulator

    result = asyncio.run(measure_emulator(plan.emulator_requests, 16))
    if result["statuses"] != {200: plan.emulator_requests} or result["server_auth_failures"]:
        raise BenchError(f"emulator benchmark: not every request was a verified like: {result['statuses']}")
    return result


def run_suite(plan: Plan, say: Callable[[str], None] = print) -> Results:
    """Everything, in order; raises BenchError when something is broken (not when it is slow)."""
    results = Results(plan)
    if "clients" in plan.sections and importlib.util.find_spec("tweepy") is None:
        raise BenchError("tweepy is not installed: pip install -e '.[bench]'")
    if "startup" in plan.sections:
        say(f"start-up: python -c pass, bulklike --help and status, {plan.launch_runs}x each, interleaved")
        results.launch = measure_startup(plan.launch_runs)
    if "signing" in plan.sections:
        say(f"signing: {plan.sign_repeats} x {plan.sign_number:,} headers each way")
        results.signing = measure_signing(plan.sign_number, plan.sign_repeats)
    server_core, client_cores = cores() if plan.pin else (None, None)
    if server_core is not None and client_cores is not None:
        results.pinned = (server_core, client_cores)
    ids = IdBlocks()
    with tempfile.TemporaryDirectory(prefix="bulklike-bench-") as tmp, pinned_clients(client_cores):
        env = child_env(os.path.join(tmp, "state"))
        if "clients" in plan.sections:
            results.compare = run_comparison(
                likes=plan.likes,
                tweepy_likes=plan.tweepy_likes,
                concurrencies=plan.concurrencies,
                rounds=plan.repeats,
                env=env,
                server_core=server_core,
                workdir=os.path.join(tmp, "run"),
                ids=ids,
                say=say,
            )
        if "e2e" in plan.sections:
            _e2e(plan, results, env, server_core, os.path.join(tmp, "run"), ids, say)
        for i in range(plan.scale_repeats if "scale" in plan.sections else 0):
            say(
                f"scale: dry run of {plan.scale_ids:,} IDs, then --max-likes {plan.scale_max_likes} "
                f"({i + 1}/{plan.scale_repeats})"
            )
            with EmulatorProcess(env, server_core) as emu:
                results.scale.append(
                    measure_scale(
                        os.path.join(tmp, "scale"),
                        env,
                        emu.base_url,
                        ids,
                        n=plan.scale_ids,
                        max_likes=plan.scale_max_likes,
                        concurrency=plan.concurrency,
                    )
                )
        if "scale" in plan.sections:
            say(f"scale: a 10-ID dry run on a ledger of {plan.ledger_sends:,} sends")
            results.ledger.append(measure_ledger(os.path.join(tmp, "ledger"), env, plan.ledger_sends))
        for i in range(plan.archive_repeats if "archive" in plan.sections else 0):
            say(f"archive: dry run of a like.js of {plan.archive_likes:,} likes ({i + 1}/{plan.archive_repeats})")
            results.archive.append(
                measure_archive(os.path.join(tmp, "archive"), env, ids.take(plan.archive_likes), n=plan.archive_likes)
            )
    for i in range(plan.emulator_repeats if "emulator" in plan.sections else 0):
        say(f"emulator: {plan.emulator_requests:,} verified likes ({i + 1}/{plan.emulator_repeats})")
        results.emulator.append(_emulator_bench(plan))
    return results


def _e2e(
    plan: Plan,
    results: Results,
    env: dict[str, str],
    server_core: set[int] | None,
    workdir: str,
    ids: IdBlocks,
    say: Callable[[str], None],
) -> None:
    """``bulklike run -q`` and the bare loop against the emulator, which verifies every signature.

    A separate figure, not the comparison: the emulator spends more CPU per request than the bare
    client, so on its one core it caps both. Every round gets a fresh emulator: its nonce cache
    and like book grow with every request, so a long-lived one would serve later rounds more slowly.
    """
    kinds: tuple[Kind, ...] = ("bulklike", "bare")
    results.e2e = {kind: [] for kind in kinds}
    for i in range(plan.e2e_repeats):
        say(f"end-to-end: {plan.e2e_likes:,} likes against the emulator, concurrency {plan.concurrency} "
            f"({i + 1}/{plan.e2e_repeats})")  # fmt: skip
        with EmulatorProcess(env, server_core) as emu:
            for kind in kinds if i % 2 == 0 else kinds[::-1]:
                run = run_client(kind, emu, env, workdir, ids.take(plan.e2e_likes), plan.e2e_likes, plan.concurrency)
                results.e2e[kind].append(run)


def with_overrides(plan: Plan, **changes: Any) -> Plan:
    """The plan with command-line overrides (None means keep)."""
    return replace(plan, **{k: v for k, v in changes.items() if v is not None})
