"""``python -m benchmarks`` / ``python benchmarks/run.py``: run the suite, print the table, save markdown.

Exit status: 0 when every measurement ran and checked out, whether or not the targets were met
(they are printed, never enforced: timings belong to the machine); 1 when something is broken —
a client failed, liked too few tweets, or a signature did not verify.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Sequence
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repository root importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import compare  # noqa: E402
from benchmarks.common import BenchError  # noqa: E402
from benchmarks.report import Row, markdown, num, text_table  # noqa: E402
from benchmarks.suite import SECTIONS, SMOKE, Plan, Results, paired, run_suite, with_overrides  # noqa: E402

LATEST = Path(__file__).resolve().parent / "latest.md"


def rows(results: Results) -> list[Row]:
    """The table; every ratio is bulklike / baseline except signing, shown as a speedup; the
    comparison's ratios as "median of per-round ratios / ratio of medians (per-round range)"."""
    plan, out = results.plan, []
    out += compare.rows(results.compare)
    if results.e2e:
        ours, bare = ([r.likes / r.measured.wall_s for r in results.e2e[k]] for k in ("bulklike", "bare"))
        out.append(
            Row(
                f"end-to-end, emulator (verifies signatures; server-bound): `bulklike run -q` likes/s vs bare loop "
                f"({plan.e2e_likes:,} likes, c={plan.concurrency})",
                num(statistics.median(ours)),
                num(statistics.median(bare)),
                f"{paired(ours, bare):.2f}x",
                "",
                None,
            )
        )
    if results.launch:
        launch = results.launch
        extra = launch["help_ms"] - launch["python_ms"]
        out += [
            Row(
                "start-up: `bulklike --help`, ms, vs `python -c pass`",
                num(launch["help_ms"]),
                num(launch["python_ms"]),
                f"+{extra:.0f} ms",
                "<= +200 ms",
                extra <= 200,
            ),
            Row(
                "start-up: `bulklike status` of an empty journal, ms",
                num(launch["status_ms"]),
                num(launch["python_ms"]),
                f"+{launch['status_ms'] - launch['python_ms']:.0f} ms",
                "",
                None,
            ),
        ]
    if results.signing:
        sign = results.signing
        speedup = sign["oauthlib_us"] / sign["bulklike_us"]
        out.append(
            Row(
                "signing, µs per request vs oauthlib Client.sign",
                num(sign["bulklike_us"], 1),
                num(sign["oauthlib_us"], 1),
                f"{speedup:.0f}x faster",
                ">= 4x faster",
                speedup >= 4,
            )
        )
    if results.scale:
        dry_s = statistics.median(r.dry.wall_s for r in results.scale)
        dry_mb = statistics.median(r.dry.maxrss_mb for r in results.scale)
        rnd_s = statistics.median(r.dry_random.wall_s for r in results.scale)
        rnd_mb = statistics.median(r.dry_random.maxrss_mb for r in results.scale)
        res_s = statistics.median(r.resume.wall_s for r in results.scale)
        res_mb = statistics.median(r.resume.maxrss_mb for r in results.scale)
        out += [
            Row(f"--dry-run of {plan.scale_ids:,} IDs from stdin, s", num(dry_s, 2), "", "", "< 10 s", dry_s < 10),
            Row("--dry-run peak RSS, MB", num(dry_mb), "", "", "< 150 MB", dry_mb < 150),
            Row(
                f"--dry-run of {plan.scale_ids:,} IDs in random order, s",
                num(rnd_s, 2),
                "",
                "",
                "<= 10 s",
                rnd_s <= 10,
            ),
            Row("--dry-run in random order, peak RSS, MB", num(rnd_mb), "", "", "<= 150 MB", rnd_mb <= 150),
            Row(
                f"--max-likes {plan.scale_max_likes} resume on that journal, s",
                num(res_s, 2),
                "",
                "",
                "< 3 s",
                res_s < 3,
            ),
            Row("--max-likes resume peak RSS, MB", num(res_mb), "", "", "< 150 MB", res_mb < 150),
        ]
    if results.ledger:
        led = results.ledger[0]
        out += [
            Row(f"start on a ledger of {plan.ledger_sends:,} sends (10-ID dry run), s", num(led.wall_s, 2), "", "",
                "<= 1 s", led.wall_s <= 1),
            Row("that start's peak RSS, MB", num(led.maxrss_mb), "", "", "<= 100 MB", led.maxrss_mb <= 100),
        ]  # fmt: skip
    if results.archive:
        arc_s = statistics.median(r.dry.wall_s for r in results.archive)
        arc_mb = statistics.median(r.dry.maxrss_mb for r in results.archive)
        size = results.archive[0].bytes / 1e6
        out += [
            Row(
                f"--dry-run of a like.js of {plan.archive_likes:,} likes ({size:,.0f} MB), s",
                num(arc_s, 2),
                "",
                "",
                "< 30 s",
                arc_s < 30,
            ),
            Row("like.js --dry-run peak RSS, MB", num(arc_mb), "", "", "< 150 MB", arc_mb < 150),
        ]
    if results.emulator:
        emu = statistics.median(float(e["requests_per_s"]) for e in results.emulator)
        out.append(Row("emulator: verified like requests/s on one core", num(emu), "", "", ">= 2,500", emu >= 2500))
    return out


def notes(results: Results) -> list[str]:
    plan = results.plan
    pinned = (
        f"the server pinned to core {sorted(results.pinned[0])}, every client to {sorted(results.pinned[1])}"
        if results.pinned
        else "nothing pinned"
    )
    return [
        "- Client comparison (rows `c=N`): `benchmarks/fastserver.py`, a raw asyncio server (asyncio.Protocol, "
        "no aiohttp.web) answering each request with a canned 200 and the body a success has (the emulator's "
        "v1.1 tweet object with the requested ID); a fresh one per round and concurrency; " + pinned + ". It "
        "checks no signatures (the end-to-end row does) and reports its own CPU utilisation (its CPU seconds "
        "per wall second over each client run, start-up of the client included), so it is shown not to be "
        "the bottleneck.",
        f"- Whole processes: {plan.likes:,} likes per run ({plan.tweepy_likes:,} for tweepy, a plain sequential "
        "loop, run once per round), wall and CPU time of the child start-up included, nothing subtracted; "
        "children may write and use byte-code caches (a warm-up run of every client comes first, not counted). "
        "CPU is user + system time of all the child's threads and peak RSS is `ru_maxrss`, both from `os.wait4`.",
        f"- {plan.repeats} interleaved rounds; in each, every client runs once at each concurrency "
        f"({', '.join(map(str, plan.concurrencies))}) in an order that rotates from round to round.",
        "- Ratio cells: the median of the per-round ratios / the ratio of the medians (the range of the "
        "per-round ratios). A target counts as met only when both reductions meet it.",
        "- bulklike: `bulklike run -` with the full path (signing, ledger pacing with `--min-interval 0` and "
        "1,000,000/24h quotas, journal, results to a file), with `-q --no-progress` and without (the default "
        "log level, its log going to a file). Python API: the same `Session` from a script, `async for result "
        "in session.like(ids)`. Bare loop: aiohttp, same concurrency, a minimal hand-written HMAC-SHA1 signer, "
        "writes nothing. tweepy: `API.create_favorite` in a plain loop over plain http (see README).",
        "- Every run is checked: the client's own count and the server's count of like requests answered must "
        "both equal the likes asked for; against the emulator, its counter of verified likes.",
        "- Archive: `bulklike run like.js --dry-run` over a generated like.js written as X writes it (pretty-printed "
        "entries, fullText with quotes, emoji and newlines, a third without it); whole program, start-up included; "
        "checked: every ID planned in the journal (a dry run queues nothing).",
        f"- Start-up rows: each command a child process timed from spawn to exit, {plan.launch_runs} interleaved "
        "rounds after a warm-up round, medians; the `bulklike` console script of the benchmark's environment.",
    ]


def details(results: Results) -> list[str]:
    out = compare.details(results.compare)
    for kind, runs in results.e2e.items():
        per_s = [r.likes / r.measured.wall_s for r in runs]
        out.append(f"- end-to-end, emulator, {compare.LABELS[kind]}: {_spread(per_s)} likes/s over {len(runs)} runs")
    return out


def _spread(values: list[float]) -> str:
    return f"{min(values):,.0f}-{max(values):,.0f}" if len(values) > 1 else f"{values[0]:,.0f}"


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m benchmarks", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--smoke", action="store_true", help="a few hundred likes, for CI: checks it works, not speed")
    p.add_argument("--likes", type=int, help="likes per comparison run (default 20,000)")
    p.add_argument(
        "--concurrency",
        type=int,
        action="append",
        help="requests in flight in the comparison, repeatable (default 4, 16 and 64)",
    )
    p.add_argument("--repeats", type=int, help="interleaved rounds of the comparison (default 3)")
    p.add_argument("--only", action="append", choices=SECTIONS, help="run only this part (repeatable)")
    p.add_argument("--no-pin", action="store_true", help="do not pin the emulator and the clients to cores")
    p.add_argument(
        "--markdown",
        metavar="PATH",
        help=f"write the markdown table here (default {LATEST.name} for a full run; none for --smoke)",
    )
    return p.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    plan = with_overrides(
        SMOKE if args.smoke else Plan(),
        likes=args.likes,
        concurrencies=tuple(args.concurrency) if args.concurrency else None,
        repeats=args.repeats,
        pin=False if args.no_pin else None,
        sections=tuple(args.only) if args.only else None,
    )
    started = time.monotonic()
    try:
        results = run_suite(plan, say=lambda text: print(f"[{time.monotonic() - started:5.0f}s] {text}", flush=True))
    except BenchError as exc:
        print(f"benchmark broken: {exc}", file=sys.stderr)
        return 1
    table = rows(results)
    print()
    if plan.smoke:
        print("smoke run: too small to mean anything; targets shown only to exercise the table")
    print(text_table(table))
    for line in details(results):
        print(line)
    missed = [row.metric for row in table if row.met is False]
    print(f"\n{len(table) - len(missed)}/{len(table)} targets met; {time.monotonic() - started:.0f} s in all")
    path = Path(args.markdown) if args.markdown else (None if plan.smoke else LATEST)
    if path is not None:
        path.write_text(markdown(table, notes(results), details(results)), encoding="utf-8")
        print(f"markdown written to {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
