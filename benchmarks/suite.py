"""One benchmark run: every measurement, repeated, reduced to medians, checked and tabulated.

Order: signing (in this process), then the throughput and tweepy comparisons and the scale runs
against one emulator process (with the emulator on one core and every client on the other),
then the emulator's own benchmark, which brings its own server. Runs of the clients being
compared are interleaved, so a disturbance of the shared machine hits both sides alike.
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
from benchmarks.scale import ScaleRun, measure_ledger, measure_scale
from benchmarks.signing import measure_signing
from benchmarks.startup import measure_startup

SECTIONS = ("startup", "signing", "clients", "scale", "archive", "emulator")


@dataclass(frozen=True, slots=True)
class Plan:
    """How much of everything; ``SMOKE`` is the CI-sized version (well under a minute)."""

    smoke: bool = False
    likes: int = 20_000
    tweepy_likes: int = 2_000
    concurrency: int = 8
    repeats: int = 5
    startup_repeats: int = 3
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
    repeats=1,
    startup_repeats=1,
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


@dataclass(frozen=True, slots=True)
class ClientSummary:
    """One client's runs with the median start-up run subtracted (``per_s``/``cpu_us``: one per
    run, in round order), their medians, and the medians with start-up left in (``raw_``)."""

    likes: int
    per_s: list[float]
    cpu_us_runs: list[float]
    raw_likes_per_s: float
    raw_cpu_us: float
    startup_wall_s: float
    startup_cpu_s: float
    maxrss_mb: float

    @property
    def likes_per_s(self) -> float:
        return statistics.median(self.per_s)

    @property
    def cpu_us(self) -> float:
        return statistics.median(self.cpu_us_runs)


def paired(ours: list[float], theirs: list[float]) -> float:
    """Median of the per-round ratios: runs of one round met the same server and the same
    moment of a shared machine, so their ratio is steadier than a ratio of two medians."""
    return statistics.median(a / b for a, b in zip(ours, theirs, strict=True))


@dataclass(slots=True)
class Results:
    plan: Plan
    launch: dict[str, float] = field(default_factory=dict)
    signing: dict[str, float] = field(default_factory=dict)
    startup: dict[Kind, list[Measured]] = field(default_factory=dict)
    runs: dict[Kind, list[ClientRun]] = field(default_factory=dict)
    scale: list[ScaleRun] = field(default_factory=list)
    ledger: list[Measured] = field(default_factory=list)
    archive: list[ArchiveRun] = field(default_factory=list)
    emulator: list[dict[str, Any]] = field(default_factory=list)
    pinned: tuple[set[int], set[int]] | None = None

    def client(self, kind: Kind) -> ClientSummary:
        runs = self.runs[kind]
        start_wall = statistics.median(m.wall_s for m in self.startup[kind])
        start_cpu = statistics.median(m.cpu_s for m in self.startup[kind])
        n = runs[0].likes
        # never below 1 ms of wall or 1 µs per like of CPU: a smoke run can be shorter than the noise
        return ClientSummary(
            likes=n,
            per_s=[n / max(r.measured.wall_s - start_wall, 1e-3) for r in runs],
            cpu_us_runs=[max(r.measured.cpu_s - start_cpu, n * 1e-6) / n * 1e6 for r in runs],
            raw_likes_per_s=n / statistics.median(r.measured.wall_s for r in runs),
            raw_cpu_us=statistics.median(r.measured.cpu_s for r in runs) / n * 1e6,
            startup_wall_s=start_wall,
            startup_cpu_s=start_cpu,
            maxrss_mb=statistics.median(r.measured.maxrss_mb for r in runs),
        )


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
            _clients(plan, results, env, server_core, os.path.join(tmp, "run"), ids, say)
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


def _clients(
    plan: Plan,
    results: Results,
    env: dict[str, str],
    server_core: set[int] | None,
    workdir: str,
    ids: IdBlocks,
    say: Callable[[str], None],
) -> None:
    """Start-up runs, then rounds of bulklike, bare loop and tweepy.

    Every round gets a fresh emulator: its nonce cache and like book grow with every request, so
    a long-lived server would serve later rounds more slowly than earlier ones (and after its
    300 s nonce window, much more slowly); within a round all three clients meet the same server.
    """
    kinds: tuple[Kind, ...] = ("bulklike", "api", "bare", "tweepy")
    for kind in kinds:
        results.startup[kind] = []
        results.runs[kind] = []
    say(f"start-up: each client with nothing to do, {plan.startup_repeats}x")
    with EmulatorProcess(env, server_core) as emu:
        for _ in range(plan.startup_repeats):
            for kind in kinds:
                run = run_client(kind, emu, env, workdir, ids.take(0), 0, plan.concurrency)
                results.startup[kind].append(run.measured)
    for i in range(plan.repeats):
        say(
            f"throughput: {plan.likes:,} likes, bulklike run vs bare loop, concurrency {plan.concurrency} "
            f"({i + 1}/{plan.repeats}); tweepy: {plan.tweepy_likes:,} likes"
        )
        order: tuple[Kind, ...] = (
            ("bulklike", "api", "bare", "tweepy") if i % 2 == 0 else ("bare", "api", "bulklike", "tweepy")
        )
        with EmulatorProcess(env, server_core) as emu:
            for kind in order:
                n = plan.tweepy_likes if kind == "tweepy" else plan.likes
                results.runs[kind].append(run_client(kind, emu, env, workdir, ids.take(n), n, plan.concurrency))


def with_overrides(plan: Plan, **changes: Any) -> Plan:
    """The plan with command-line overrides (None means keep)."""
    return replace(plan, **{k: v for k, v in changes.items() if v is not None})
