"""Crash harness: SIGKILL ``bulklike run`` at random moments, resume it, and check the books.

    python -m tests.helpers.crash_harness --kills 50 --ids 400

The emulator runs in this process on a real socket, with faults on (every kind; stalls of
``stall_s`` against a shorter client ``--timeout``), some missing/protected/blocked tweets, and a
fast quota enforced on both sides. ``bulklike run`` is started as a subprocess again and again and
killed with SIGKILL: at a random time (start-up, schema work, input reading) or a random moment
after its n-th recorded outcome (sending, committing, retry waits). Each restart resumes the
journal in one of three ways: no input at all (``--journal J`` alone), the small input file again,
or the large one again (400 x ``repeats`` lines whose new IDs are spread over the whole file, with
hostile lines, so that a kill lands in the reading phase). After every kill a copy of the journal
is opened (so the next run, not this harness, recovers the real one) and checked. At the end:

* every input ID has exactly one row, terminal, nothing pending, nothing extra; hostile lines are
  ``invalid`` records;
* the emulator's likes of this account are exactly the journal's ``liked`` + ``already_liked``,
  plus ``failed`` IDs whose like landed but whose every answer was lost (counted, expected zero:
  see ``max_attempts``);
* no quota window held more than the limit, and no 429 was needed;
* with ``--output`` (the default): every line of the results file parses, each terminal ID has
  exactly one line and each invalid input line exactly one invalid record, each agreeing with the
  journal; a tail torn or written but unacknowledged by a killed run is cut by the next one (a
  kill rarely cuts a line, so after some kills the harness tears the last one itself: "simulated");
* with ``--shared`` and ``--backlog``: see ``tests/helpers/crash_scenarios.py``;
* with ``--stdout``: the concatenated stdout of all runs misses no terminal ID and no invalid
  line (a record may repeat only when a kill landed between writing and acknowledging it).

The checks live in ``tests/helpers/crash_checks.py``. Exit status 1 when any check failed.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bulklike.emulator import FAULT_KINDS, EmulatorConfig, run_emulator
from bulklike.pacing.limits import parse_limit
from tests.helpers.crash_checks import (
    Inputs,
    Report,
    check_results,
    check_stdout,
    journal_state,
    journal_statuses,
    note_tail,
    verify,
)
from tests.helpers.crash_scenarios import Other, backlog_moments, junk_input, kill_threshold, owe_everything
from tests.helpers.workspace import DEMO_ENV, ROOT

#: lines that hold no usable ID; each must end as one ``invalid`` record, never stop a run
BAD_LINES = (
    "not-an-id",
    "0123",
    "-5",
    "99999999999999999999",
    "12.5",
    "https://x.com.evil.example/a/status/5",
    "１２３４",
    "12\x0034",
    "\x1b[31m77\x1b[0m",
    "\u202e4321",
    "123\u200b",
    "caf\xe9",
    "x" * 70_000,
)


@dataclass(frozen=True, slots=True)
class HarnessConfig:
    kills: int = 50
    ids: int = 400
    repeats: int = 250  # the large input has ids * repeats lines
    read_kills: int = 5  # kills aimed at the reading phase of the large input (part of ``kills``)
    seed: int = 1
    fault_rate: float = 0.1
    quota: str = "40/2s"
    stall_s: float = 2.0
    timeout_s: float = 1.0  # client --timeout, shorter than a stall: a stalled like is never applied
    # A like can be applied and still be recorded ``failed``: applied_then_dropped or truncated on
    # one attempt (p = fault_rate * 2/8), then a fault on every later attempt of that run. At 8
    # attempts and a 10% fault rate that is ~0.025 * 0.1**7 per ID; the check below counts such
    # IDs exactly anyway (the emulator knows what it applied), so it would be reported, not missed.
    max_attempts: int = 8
    tear_rate: float = 0.2  # after a kill, sometimes cut the results file's last line short on purpose
    run_timeout_s: float = 180.0
    stdout: bool = False  # results on stdout (captured per run) instead of --output
    shared: bool = False  # a second journal appends to the same --output between runs (crash_scenarios)
    backlog: int = 0  # this many times: every line owed again, --output moved to a new file, its payment killed


def make_inputs(folder: Path, cfg: HarnessConfig, rng: random.Random) -> Inputs:
    seen: set[str] = set()
    while len(seen) < cfg.ids:
        seen.add(str(rng.randrange(10**17, 9 * 10**18)))
    ids = sorted(seen, key=lambda _: rng.random())
    total = max(cfg.ids * cfg.repeats, cfg.ids)
    firsts = set(rng.sample(range(1, total), cfg.ids - 1)) | {0}  # where each new ID first appears
    lines: list[str] = []
    k = 0
    for i in range(total):
        if i in firsts:
            lines.append(ids[k])
            k += 1
        else:
            old = ids[rng.randrange(k)]
            lines.append(old if rng.random() < 0.8 else f"https://x.com/someone/status/{old}")
    for bad in BAD_LINES:
        lines.insert(rng.randrange(1, len(lines)), bad)
    big = folder / "big.txt"
    big.write_text("\n".join(lines) + "\n", encoding="utf-8")
    small_lines = list(ids)
    for bad in BAD_LINES[:4]:
        small_lines.insert(rng.randrange(1, len(small_lines)), bad)
    small = folder / "small.txt"
    small.write_text("\n".join(small_lines) + "\n", encoding="utf-8")
    return Inputs(ids, big, small, len(lines), len(BAD_LINES), 4)


@dataclass
class RunResult:
    code: int | None  # None: killed
    stderr: str
    outcomes: int
    stdout: bytes = b""


async def _watch(waiting: asyncio.Task[int], kill_when: Callable[[], bool], timeout_s: float) -> None:
    """Return when the process has ended or ``kill_when()`` turns true (polled every 5 ms)."""
    deadline = time.monotonic() + timeout_s
    while not waiting.done() and not kill_when() and time.monotonic() < deadline:
        await asyncio.wait({waiting}, timeout=0.005)


async def run_once(
    args: list[str],
    cwd: Path,
    env: dict[str, str],
    *,
    kill_after_s: float | None = None,
    kill_when: Callable[[], bool] | None = None,
    kill_after_outcomes: int | None = None,
    extra_s: float = 0.0,
    timeout_s: float = 180.0,
) -> RunResult:
    """One ``bulklike run``; SIGKILL at ``kill_after_s``, as soon as ``kill_when()`` (polled) says so, or
    ``extra_s`` after the n-th outcome."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bulklike",
        *args,
        cwd=cwd,
        env=env,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        limit=1 << 20,
    )
    assert proc.stderr is not None and proc.stdout is not None
    lines: list[bytes] = []
    reading_out = asyncio.create_task(proc.stdout.read())
    reached = asyncio.Event()
    count = 0

    async def pump() -> None:
        nonlocal count
        assert proc.stderr is not None
        async for line in proc.stderr:
            lines.append(line)
            if b'"event": "outcome"' in line:
                count += 1
            if kill_after_outcomes is not None and count >= kill_after_outcomes:
                reached.set()

    pumping = asyncio.create_task(pump())
    waiting = asyncio.create_task(proc.wait())
    killed = False
    try:
        if kill_after_s is not None:
            await asyncio.wait({waiting}, timeout=kill_after_s)
        elif kill_when is not None:
            await _watch(waiting, kill_when, timeout_s)
        elif kill_after_outcomes is not None:
            if kill_after_outcomes == 0:
                reached.set()
            trigger = asyncio.create_task(reached.wait())
            await asyncio.wait({waiting, trigger}, timeout=timeout_s, return_when=asyncio.FIRST_COMPLETED)
            trigger.cancel()
            if not waiting.done():
                await asyncio.wait({waiting}, timeout=extra_s)
        else:
            await asyncio.wait({waiting}, timeout=timeout_s)
        if proc.returncode is None:
            killed = True
            proc.kill()
        await waiting
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
        await pumping
    text = b"".join(lines).decode("utf-8", "replace")
    return RunResult(None if killed else proc.returncode, text, count, await reading_out)


async def run_harness(cfg: HarnessConfig, folder: Path, log: Any = print) -> Report:
    rng = random.Random(cfg.seed)
    started = time.monotonic()
    report = Report()
    inputs = make_inputs(folder, cfg, rng)
    report.ids, report.input_lines = len(inputs.ids), inputs.big_lines
    report.bad_lines = inputs.big_bad + inputs.small_bad
    journal, results = folder / "journal.db", folder / "results.jsonl"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("BULKLIKE_")},
        **DEMO_ENV,
        "XDG_STATE_HOME": str(folder / "state"),
        "PYTHONPATH": str(ROOT),
    }
    limit = parse_limit(cfg.quota)
    config = EmulatorConfig(
        seed=cfg.seed,
        user_limits=(limit,),
        app_limits=(limit,),
        fault_rate=cfg.fault_rate,
        fault_kinds=FAULT_KINDS,
        stall_s=cfg.stall_s,
        missing_rate=0.05,
        protected_rate=0.03,
        blocked_rate=0.02,
        latency_ms=5,
    )
    id_set = set(inputs.ids)
    torn: set[str] = set()
    outputs: list[tuple[bytes, bool]] = []  # each run's stdout, and whether it was killed
    other = Other(folder) if cfg.shared and not cfg.stdout else None
    junk = [str(junk_input(folder))] if cfg.backlog else []  # a backlog large enough for a kill to land in
    backlogs = backlog_moments(cfg.kills, cfg.backlog) if cfg.backlog and not cfg.stdout else set()
    async with run_emulator(config) as emu:
        common = [
            "--journal",
            str(journal),
            "--ledger",
            str(folder / "ledger.sqlite3"),
            "--base-url",
            emu.base_url,
            "--min-interval",
            "0",
            "--quota",
            cfg.quota,
            "--app-quota",
            cfg.quota,
            "--timeout",
            str(cfg.timeout_s),
            "--max-attempts",
            str(cfg.max_attempts),
            *([] if cfg.stdout else ["--output", str(results)]),
            "--log-format",
            "json",
            "--log-level",
            "debug",  # the per-like `outcome` events count the kill's moment
            "--no-progress",
        ]
        start_s, read_s = await calibrate(inputs, folder, env)
        log(f"calibration: start-up {start_s:.2f}s, reading the large input {read_s:.2f}s")
        done, n, runs = 0, 0, 0
        # until every kill has landed, even when all is done early (on a loaded machine a run may
        # finish before its kill): a kill at start-up or while paying owed lines is a test too
        while report.kills < cfg.kills and n < 3 * cfg.kills:
            n += 1
            reading = report.kills < cfg.read_kills
            mode = "big" if reading else rng.choices(("journal", "small", "big"), (0.45, 0.35, 0.2))[0]
            given = {"journal": [], "small": [str(inputs.small)], "big": [str(inputs.big)]}[mode]
            args = ["run", *(junk if given else []), *given, *common]
            report.resume_modes[mode] += n > 1
            if report.kills in backlogs:  # pay everything again, into a new file (never before the first kill)
                backlogs.discard(report.kills)
                results = folder / f"results-{n}.jsonl"
                common[common.index("--output") + 1] = str(results)
                args = [*args[: args.index("--output") + 1], str(results), *args[args.index("--output") + 2 :]]
                run = await _pay_backlog(args, journal, results, folder, env, rng, cfg, report)
            elif reading:  # watched in the journal, not timed: a loaded machine reads at its own pace
                mid_read = reading_cut(journal, runs, rng.randint(1, len(id_set) // 2), len(id_set))
                run = await run_once(args, folder, env, kill_when=mid_read, timeout_s=cfg.run_timeout_s)
            elif done == len(id_set):  # nothing left to send: only start-up can be cut, and a run ends soon after
                run = await run_once(args, folder, env, kill_after_s=rng.uniform(0.0, 0.8 * start_s))
            elif rng.random() < 0.3:  # start-up, journal and ledger opening, schema work
                run = await run_once(args, folder, env, kill_after_s=rng.uniform(0.0, 0.6))
            else:  # sending, committing, waiting to retry: a random moment after the n-th outcome
                per_kill = max(1, (len(id_set) - done) // (cfg.kills - report.kills + 1))
                run = await run_once(
                    args,
                    folder,
                    env,
                    kill_after_outcomes=rng.randint(0, per_kill),
                    extra_s=rng.uniform(0.0, 0.15),
                    timeout_s=cfg.run_timeout_s,
                )
            report.runs += 1
            outputs.append((run.stdout, run.code is None))
            _note_run(run, report)
            state = journal_state(journal, id_set, folder / "scratch")
            cut = run.code is None and mode == "big" and state.runs > runs and state.touched < len(id_set)
            log(
                f"run {n}: {mode:<7} {'killed' if run.code is None else f'exit {run.code}'}, {run.outcomes} outcomes,"
                f" {state.rows} IDs in the journal, {state.done} done{', killed while reading' if cut else ''}"
            )
            report.problems += [f"after run {n}: {p}" for p in state.problems]
            done, runs = state.done, state.runs
            if run.code is None:
                report.kills_while_reading += cut
                if not cfg.stdout:
                    note_tail(results, rng, cfg.tear_rate, torn, report, state.outbox)
            await _other_run(other, rng, common, folder, env, cfg, report)
        # finish: the whole large input once more, then a resume that must find nothing to send
        for mode in ("big", "journal"):
            before = emu.stats()["requests"]
            args = ["run", *([str(inputs.big)] if mode == "big" else []), *common]
            run = await run_once(args, folder, env, timeout_s=cfg.run_timeout_s)
            report.runs += 1
            report.resume_modes[mode] += 1
            outputs.append((run.stdout, run.code is None))
            _note_run(run, report)
            if run.code is None or run.code not in (0, 1):
                report.problems.append(f"final {mode} run exited {run.code}: {run.stderr[-500:]}")
        if emu.stats()["requests"] != before:
            report.problems.append("the last resume sent requests although nothing was pending")
        verify(emu, journal, inputs, report)
    if cfg.stdout:
        check_stdout(outputs, journal, journal_statuses(journal), report)
    else:
        also = other.invalid() if other is not None else None
        check_results(results, journal, journal_statuses(journal), report, also=also)
    report.elapsed_s = time.monotonic() - started
    return report


async def _pay_backlog(
    args: list[str],
    journal: Path,
    results: Path,
    folder: Path,
    env: dict[str, str],
    rng: random.Random,
    cfg: HarnessConfig,
    report: Report,
) -> RunResult:
    """Every line owed again, to a new file: the run paying them is killed once the file holds some bytes."""
    owed = owe_everything(journal)
    threshold = kill_threshold(owed, rng)
    report.backlogs += 1
    run = await run_once(args, folder, env, kill_when=lambda: _size(results) >= threshold, timeout_s=cfg.run_timeout_s)
    report.backlog_cut += run.code is None and _size(results) < owed * 100
    return run


async def _other_run(
    other: Other | None,
    rng: random.Random,
    common: list[str],
    folder: Path,
    env: dict[str, str],
    cfg: HarnessConfig,
    report: Report,
) -> None:
    """Sometimes, a run of the second journal, appending its records to the same results file."""
    if other is None or rng.random() >= 0.4:
        return
    shared = await run_once(other.args(common), folder, env, timeout_s=cfg.run_timeout_s)
    report.other_runs += 1
    if shared.code not in (0, 1) or "Traceback" in shared.stderr:
        report.problems.append(f"the other journal's run exited {shared.code}: {shared.stderr[-300:]}")


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def reading_cut(journal: Path, runs_before: int, at_least: int, total: int) -> Callable[[], bool]:
    """True once a new run has put ``at_least`` (but not all ``total``) of its input's IDs in the journal:
    killed then, the run is cut while reading the large input."""

    def now() -> bool:
        try:
            conn = sqlite3.connect(f"file:{journal}?mode=ro", uri=True, timeout=0.05)
        except sqlite3.Error:
            return False
        try:
            runs, last = conn.execute("SELECT count(*), max(run_id) FROM runs").fetchone()
            if runs <= runs_before:
                return False
            (touched,) = conn.execute(
                "SELECT count(*) FROM items WHERE last_run = ? AND tweet_id IS NOT NULL", (last,)
            ).fetchone()
            return bool(at_least <= touched < total)
        except sqlite3.Error:  # not created yet, or busy for a moment: look again
            return False
        finally:
            conn.close()

    return now


async def calibrate(inputs: Inputs, folder: Path, env: dict[str, str]) -> tuple[float, float]:
    """Seconds to start up, and to read the large input, as dry runs on a scratch journal show."""
    times = []
    for path in (inputs.small, inputs.big):
        scratch = folder / "scratch" / "calibrate.db"
        scratch.parent.mkdir(exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{scratch}{suffix}").unlink(missing_ok=True)
        started = time.monotonic()
        await run_once(
            [
                "run",
                str(path),
                "--dry-run",
                "--journal",
                str(scratch),
                "--ledger",
                str(scratch.with_suffix(".ledger")),
                "-q",
            ],
            folder,
            env,
        )
        times.append(time.monotonic() - started)
    return times[0], max(0.05, times[1] - times[0])


def _note_run(run: RunResult, report: Report) -> None:
    if run.code is not None:
        report.exits[run.code] += 1
        if run.code not in (0, 1):
            report.problems.append(f"a run exited {run.code}: {run.stderr[-300:]}")
    else:
        report.kills += 1
    if "Traceback" in run.stderr:
        report.problems.append(f"traceback on stderr: {run.stderr[-500:]}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.helpers.crash_harness", description=__doc__.split("\n\n")[0])
    defaults = HarnessConfig()
    for name in ("kills", "ids", "repeats", "read_kills", "seed", "max_attempts"):
        parser.add_argument(f"--{name.replace('_', '-')}", type=int, default=getattr(defaults, name))
    for name in ("fault_rate", "stall_s", "timeout_s", "tear_rate"):
        parser.add_argument(f"--{name.replace('_', '-')}", type=float, default=getattr(defaults, name))
    parser.add_argument("--quota", default=defaults.quota)
    parser.add_argument("--stdout", action="store_true", help="results on stdout instead of --output")
    parser.add_argument("--shared", action="store_true", help="a second journal appends to the same --output")
    parser.add_argument("--backlog", type=int, default=0, help="times every line is owed again to a new --output")
    parser.add_argument("--keep", action="store_true", help="keep the work folder and print its path")
    args = parser.parse_args(argv)
    cfg = HarnessConfig(**{k: v for k, v in vars(args).items() if k != "keep"})
    folder = Path(tempfile.mkdtemp(prefix="bulklike-crash-"))
    try:
        report = asyncio.run(run_harness(cfg, folder))
    finally:
        if args.keep:
            print(f"work folder: {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)
    print(report.summary())
    return 1 if report.problems else 0


if __name__ == "__main__":
    sys.exit(main())
