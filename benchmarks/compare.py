"""The client comparison: bulklike against the bare signed aiohttp loop and tweepy, as a user would compare them.

One fast server (``benchmarks.fastserver``: raw asyncio, a canned 200, its utilisation measured)
per round and concurrency; whole processes (start-up included, byte-code caches allowed);
concurrency 4, 16 and 64; interleaved rounds whose client order rotates, so a disturbance of the
shared machine hits every client alike. Each ratio is given two ways, the median of the per-round
ratios and the ratio of the medians, with the range of the per-round ratios: when the two
disagree, the machine was noisy and the range says how much.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from benchmarks.clients import ClientRun, Kind, run_client
from benchmarks.common import EmulatorProcess, IdBlocks
from benchmarks.report import Row, num

FAST = "benchmarks.fastserver"
#: the clients run at every concurrency, in round 0's order
KINDS: tuple[Kind, ...] = ("bulklike", "verbose", "api", "bare")
LABELS: dict[Kind, str] = {
    "bulklike": "`bulklike run -q`",
    "verbose": "`bulklike run` (no -q, log to a file)",
    "api": "Python API (`async for` over `Session.like()`)",
    "bare": "bare signed aiohttp loop",
    "tweepy": "tweepy `API.create_favorite` loop",
}
TP_TARGET, CPU_TARGET, TWEEPY_TARGET = 0.9, 1.2, 5.0


@dataclass(frozen=True, slots=True)
class Sample:
    """One whole-process run of one client: ``concurrency`` is 1 for tweepy (a plain loop)."""

    kind: Kind
    concurrency: int
    round: int
    likes: int
    wall_s: float
    cpu_s: float
    maxrss_mb: float
    server_util: float

    @property
    def per_s(self) -> float:
        return self.likes / self.wall_s

    @property
    def cpu_us(self) -> float:
        return self.cpu_s / self.likes * 1e6


@dataclass(frozen=True, slots=True)
class Ratio:
    paired: float  # median of the per-round ratios
    of_medians: float
    low: float  # range of the per-round ratios
    high: float

    def cell(self, digits: int = 2) -> str:
        return (
            f"{self.paired:.{digits}f}x / {self.of_medians:.{digits}f}x ({self.low:.{digits}f}-{self.high:.{digits}f})"
        )

    def at_least(self, target: float) -> bool:
        return self.paired >= target and self.of_medians >= target

    def at_most(self, target: float) -> bool:
        return self.paired <= target and self.of_medians <= target


def ratio(ours: Sequence[float], theirs: Sequence[float]) -> Ratio:
    """Both ways of reducing paired runs (round i of ours against round i of theirs)."""
    per_round = [a / b for a, b in zip(ours, theirs, strict=True)]
    return Ratio(
        statistics.median(per_round),
        statistics.median(ours) / statistics.median(theirs),
        min(per_round),
        max(per_round),
    )


def _sample(run: ClientRun, concurrency: int, round_: int) -> Sample:
    m = run.measured
    return Sample(run.kind, concurrency, round_, run.likes, m.wall_s, m.cpu_s, m.maxrss_mb, run.server_util or 0.0)


def run_comparison(
    *,
    likes: int,
    tweepy_likes: int,
    concurrencies: Sequence[int],
    rounds: int,
    env: dict[str, str],
    server_core: set[int] | None,
    workdir: str,
    ids: IdBlocks,
    say: Callable[[str], None],
) -> list[Sample]:
    """A warm-up of every client (it writes their byte-code caches; not counted), then the rounds."""
    say("clients: warm-up, every client once with nothing to do (byte-code caches)")
    with EmulatorProcess(env, server_core, FAST) as server:
        for kind in (*KINDS, "tweepy"):
            run_client(kind, server, env, workdir, ids.take(0), 0, 4)
    samples: list[Sample] = []
    for r in range(rounds):
        for ci, c in enumerate(concurrencies):
            say(f"clients: round {r + 1}/{rounds}, concurrency {c}, {likes:,} likes each")
            shift = (r + ci) % len(KINDS)
            with EmulatorProcess(env, server_core, FAST) as server:
                for kind in KINDS[shift:] + KINDS[:shift]:
                    run = run_client(kind, server, env, workdir, ids.take(likes), likes, c)
                    samples.append(_sample(run, c, r))
        say(f"clients: round {r + 1}/{rounds}, tweepy, {tweepy_likes:,} likes")
        with EmulatorProcess(env, server_core, FAST) as server:
            run = run_client("tweepy", server, env, workdir, ids.take(tweepy_likes), tweepy_likes, 1)
            samples.append(_sample(run, 1, r))
    return samples


def _series(samples: Sequence[Sample], kind: Kind, concurrency: int) -> list[Sample]:
    return sorted((s for s in samples if s.kind == kind and s.concurrency == concurrency), key=lambda s: s.round)


def rows(samples: Sequence[Sample]) -> list[Row]:
    """Per concurrency: each bulklike client against the bare loop (throughput, CPU per like),
    ``bulklike run -q`` against tweepy; last, the fast server's busiest moment."""
    out: list[Row] = []
    tweepy = _series(samples, "tweepy", 1)
    for c in sorted({s.concurrency for s in samples if s.kind == "bare"}):
        bare = _series(samples, "bare", c)
        for kind in ("bulklike", "verbose", "api"):
            ours = _series(samples, kind, c)
            tp = ratio([s.per_s for s in ours], [s.per_s for s in bare])
            cpu = ratio([s.cpu_us for s in ours], [s.cpu_us for s in bare])
            out += [
                Row(
                    f"c={c}: {LABELS[kind]}, likes/s vs bare loop",
                    num(statistics.median(s.per_s for s in ours)),
                    num(statistics.median(s.per_s for s in bare)),
                    tp.cell(),
                    f">= {TP_TARGET:.2f}x",
                    tp.at_least(TP_TARGET),
                ),
                Row(
                    f"c={c}: {LABELS[kind]}, CPU µs per like vs bare loop",
                    num(statistics.median(s.cpu_us for s in ours)),
                    num(statistics.median(s.cpu_us for s in bare)),
                    cpu.cell(),
                    f"<= {CPU_TARGET:.2f}x",
                    cpu.at_most(CPU_TARGET),
                ),
            ]
        if tweepy:
            ours = _series(samples, "bulklike", c)
            vs = ratio([s.per_s for s in ours], [s.per_s for s in tweepy])
            out.append(
                Row(
                    f"c={c}: `bulklike run -q`, likes/s vs tweepy",
                    num(statistics.median(s.per_s for s in ours)),
                    num(statistics.median(s.per_s for s in tweepy)),
                    vs.cell(1),
                    f">= {TWEEPY_TARGET:.0f}x",
                    vs.at_least(TWEEPY_TARGET),
                )
            )
    if samples:
        busiest = max(s.server_util for s in samples)
        out.append(
            Row(
                "fast server: CPU utilisation during a run, highest of all runs, %",
                num(busiest * 100),
                "",
                "",
                "<= 50 %",
                busiest <= 0.5,
            )
        )
    return out


def details(samples: Sequence[Sample]) -> list[str]:
    """Per client and concurrency: the ranges over the rounds, then the medians."""
    out = []
    for kind in (*KINDS, "tweepy"):
        for c in sorted({s.concurrency for s in samples if s.kind == kind}):
            runs = _series(samples, kind, c)
            per_s, cpu = [s.per_s for s in runs], [s.cpu_us for s in runs]
            util = [s.server_util * 100 for s in runs]
            out.append(
                f"- {LABELS[kind]}, c={c}: {runs[0].likes:,} likes x {len(runs)}; {_spread(per_s)} likes/s "
                f"(median {statistics.median(per_s):,.0f}), {_spread(cpu)} µs CPU per like (median "
                f"{statistics.median(cpu):,.0f}); peak RSS {statistics.median(s.maxrss_mb for s in runs):.0f} MB; "
                f"server {_spread(util)} % busy"
            )
    return out


def _spread(values: Sequence[float]) -> str:
    return f"{min(values):,.0f}-{max(values):,.0f}" if len(values) > 1 else f"{values[0]:,.0f}"
