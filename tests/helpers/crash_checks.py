"""The crash harness's books: the report, and the checks of journal, results file and emulator.

See ``tests/helpers/crash_harness.py`` for what is run; this module only looks at what it left.
"""

from __future__ import annotations

import json
import random
import shutil
import sqlite3
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bulklike.emulator import DEMO_ACCOUNT, RunningEmulator
from bulklike.store.journal import ALL_STATUSES, OUTBOX_META

TERMINAL = frozenset({"liked", "already_liked", "not_found", "forbidden", "failed"})


@dataclass
class Report:
    kills: int = 0
    kills_while_reading: int = 0
    runs: int = 0
    exits: Counter[int] = field(default_factory=Counter)
    resume_modes: Counter[str] = field(default_factory=Counter)
    ids: int = 0
    input_lines: int = 0
    bad_lines: int = 0
    invalid_records: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)
    faults: dict[str, int] = field(default_factory=dict)
    requests: int = 0
    rate_limited: int = 0
    peak_vs_limit: list[str] = field(default_factory=list)
    applied: int = 0
    failed_but_applied: int = 0
    torn_real: int = 0
    torn_simulated: int = 0
    torn_kept: int = 0  # cut short by a kill, then another journal's lines after it: kept, written again whole
    other_runs: int = 0  # runs of a second journal sharing the results file
    backlogs: int = 0  # times every line was owed again to a new results file
    backlog_cut: int = 0  # of which the kill landed while the backlog was still being paid
    result_lines: int = 0
    results_missing: int = 0
    results_repeated: int = 0
    elapsed_s: float = 0.0
    problems: list[str] = field(default_factory=list)

    def summary(self) -> str:
        faults = sum(self.faults.values())
        lines = [
            f"crash harness: {'OK' if not self.problems else f'{len(self.problems)} PROBLEMS'} "
            f"in {self.elapsed_s:.1f}s",
            f"  kills {self.kills} (SIGKILL; {self.kills_while_reading} while the input was still being read), "
            f"runs {self.runs}, exits of unkilled runs {dict(sorted(self.exits.items()))}",
            f"  resumes: {dict(sorted(self.resume_modes.items()))}",
            f"  ids {self.ids}, input lines {self.input_lines}, hostile lines {self.bad_lines} "
            f"-> invalid records {self.invalid_records}",
            f"  outcomes {dict(sorted(self.outcomes.items()))}",
            f"  emulator: {self.requests} requests, {faults} faults injected {self.faults}, "
            f"{self.rate_limited} x 429, peaks {', '.join(self.peak_vs_limit)}",
            f"  likes applied {self.applied} = journal liked + already_liked"
            f" (+ {self.failed_but_applied} failed but applied)",
            f"  results: {self.result_lines} lines, torn tails {self.torn_real} real + "
            f"{self.torn_simulated} simulated (cut by the next run); {self.results_missing} terminal IDs"
            f" without a line, {self.results_repeated} repeated (stdout only: a kill between writing and"
            " acknowledging)",
        ]
        if self.other_runs or self.backlogs:
            lines.append(
                f"  shared file: {self.other_runs} runs of another journal, {self.torn_kept} cut-short lines kept"
                f" (others' lines after them); backlogs {self.backlogs} ({self.backlog_cut} killed while paying)"
            )
        lines += [f"  PROBLEM: {p}" for p in self.problems]
        return "\n".join(lines)


@dataclass
class Inputs:
    ids: list[str]  # in first-appearance order, the same in both files
    big: Path
    small: Path
    big_lines: int
    big_bad: int
    small_bad: int


@dataclass
class JournalState:
    problems: list[str] = field(default_factory=list)
    rows: int = 0  # rows with a tweet ID
    done: int = 0  # of which terminal
    runs: int = 0  # runs begun
    touched: int = 0  # rows the last run begun has read from its input so far
    outbox: dict[str, Any] | None = None  # the results file's mark and intent as the journal committed them


def journal_state(path: Path, ids: set[str], scratch: Path) -> JournalState:
    """Check a copy of the journal (and its WAL) as a killed run left it (the next run recovers the real one)."""
    state = JournalState()
    if not path.exists():
        return state
    scratch.mkdir(exist_ok=True)
    copy = scratch / "copy.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{copy}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(path, copy)
    if Path(f"{path}-wal").exists():
        shutil.copyfile(f"{path}-wal", f"{copy}-wal")
    problems = state.problems
    conn = sqlite3.connect(copy)
    try:
        if conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 'items'").fetchone()[0] == 0:
            return state  # killed before the schema was committed: an empty, valid file
        check = conn.execute("PRAGMA integrity_check").fetchall()
        if check != [("ok",)]:
            problems.append(f"integrity_check: {check[:3]}")
        rows = conn.execute("SELECT tweet_id, status, attempts, finished_at FROM items ORDER BY seq").fetchall()
        state.runs, last = conn.execute("SELECT count(*), max(run_id) FROM runs").fetchone()
        state.touched = conn.execute(
            "SELECT count(*) FROM items WHERE last_run = ? AND tweet_id IS NOT NULL", (last,)
        ).fetchone()[0]
        meta = conn.execute("SELECT value FROM meta WHERE key = ?", (OUTBOX_META,)).fetchone()
        state.outbox = json.loads(meta[0]) if meta else None
    finally:
        conn.close()
    for tweet_id, status, attempts, finished_at in rows:
        if status not in ALL_STATUSES or attempts < 0:
            problems.append(f"bad row {tweet_id}: {status} attempts {attempts}")
        elif tweet_id is None:
            if status != "invalid":
                problems.append(f"row without tweet_id has status {status}")
        elif tweet_id not in ids:
            problems.append(f"row for an ID not in the input: {tweet_id}")
        elif status != "pending" and finished_at is None:
            problems.append(f"terminal row {tweet_id} without finished_at")
        state.rows += tweet_id is not None
        state.done += tweet_id is not None and status in TERMINAL
    return state


def _invalid_rows(journal: Path) -> Counter[tuple[str, str]]:
    with sqlite3.connect(journal) as conn:
        rows = conn.execute("SELECT source, input FROM items WHERE tweet_id IS NULL").fetchall()
    return Counter((str(source), str(text)) for source, text in rows)


def _tally(
    lines: list[str], statuses: dict[str, str], report: Report, where: str, *, shared: bool = False
) -> tuple[Counter[str], Counter[tuple[str, str]]]:
    """Parse result lines; every one must parse and agree with the journal's final status (``shared``:
    a line cut short may stay when another journal's lines followed it, if its record is there whole)."""
    ids: Counter[str] = Counter()
    invalid: Counter[tuple[str, str]] = Counter()
    for line in lines:
        report.result_lines += 1
        try:
            record = json.loads(line)
        except ValueError:
            if shared and any(other != line and other.startswith(line) for other in lines):
                report.torn_kept += 1
                report.result_lines -= 1
            else:
                report.problems.append(f"unparseable line in {where}: {line[:80]!r}")
            continue
        if record.get("status") == "invalid":
            invalid[(str(record.get("source")), str(record.get("input")))] += 1
            continue
        tweet_id = str(record.get("tweet_id"))
        ids[tweet_id] += 1
        if statuses.get(tweet_id) != record.get("status"):
            report.problems.append(f"results say {tweet_id} {record.get('status')}, journal {statuses.get(tweet_id)}")
    return ids, invalid


def check_results(
    path: Path, journal: Path, statuses: dict[str, str], report: Report, also: Counter[tuple[str, str]] | None = None
) -> None:
    """``--output FILE``: every line parses; each terminal ID and each invalid line exactly once (``also``:
    another journal's invalid lines, sharing the file)."""
    if not path.exists():
        report.problems.append("no results file")
        return
    text = path.read_bytes().decode("utf-8")
    if text and not text.endswith("\n"):
        report.problems.append("results file ends mid-line after the last (unkilled) run")
    ids, invalid = _tally(text.splitlines(), statuses, report, "the results file", shared=also is not None)
    report.problems += [f"{t} reported {n} times" for t, n in ids.items() if n > 1]
    report.problems += [f"invalid line {k} reported {n} times" for k, n in invalid.items() if n > 1]
    missing = {t for t, s in statuses.items() if s in TERMINAL and t not in ids}
    report.results_missing = len(missing)
    if missing:
        report.problems.append(f"{len(missing)} terminal IDs without a line in the results file")
    expected = _invalid_rows(journal) + (also or Counter())
    if set(invalid) != set(expected):
        report.problems.append(f"invalid records in the file {len(invalid)}, in the journal {len(expected)}")


def check_stdout(outputs: list[tuple[bytes, bool]], journal: Path, statuses: dict[str, str], report: Report) -> None:
    """stdout of consecutive runs, concatenated: misses nothing; a killed run's last line may be torn."""
    lines: list[str] = []
    for data, killed in outputs:
        text = data.decode("utf-8", "replace")
        if text and not text.endswith("\n"):
            if killed:
                report.torn_real += 1
                text = text.rsplit("\n", 1)[0] + "\n" if "\n" in text else ""
            else:
                report.problems.append("the stdout of an unkilled run ends mid-line")
        lines += text.splitlines()
    ids, invalid = _tally(lines, statuses, report, "stdout")
    report.results_repeated = sum(n - 1 for n in ids.values()) + sum(n - 1 for n in invalid.values())
    missing = {t for t, s in statuses.items() if s in TERMINAL and t not in ids}
    report.results_missing = len(missing)
    if missing:
        report.problems.append(f"{len(missing)} terminal IDs never on stdout, e.g. {sorted(missing)[:3]}")
    absent = set(_invalid_rows(journal)) - set(invalid)
    if absent:
        report.problems.append(f"{len(absent)} invalid lines never on stdout")


def note_tail(
    path: Path, rng: random.Random, tear_rate: float, torn: set[str], report: Report, outbox: dict[str, Any] | None
) -> None:
    """After a kill: count a torn last line; sometimes tear one as a kill mid-write would (a kill
    mid-write is rare): the line the journal's committed intent says it was writing, cut short.
    The next run must cut it: the final file may hold no torn line at all."""
    if not path.exists():
        return
    data = path.read_bytes()
    if data and not data.endswith(b"\n"):
        tail = data.rsplit(b"\n", 1)[-1].decode("utf-8", "replace")
        if tail not in torn:  # else: the same tail as after the last kill (that run wrote nothing)
            torn.add(tail)
            report.torn_real += 1
    elif rng.random() < tear_rate and (piece := _tear(path, data, outbox, rng)) is not None:
        torn.add(piece)
        report.torn_simulated += 1


def _tear(path: Path, data: bytes, outbox: dict[str, Any] | None, rng: random.Random) -> str | None:
    """Cut the intent's last line written whole short, or write the start of its first unwritten one."""
    if not outbox or not isinstance(outbox.get("intent"), list) or outbox.get("length", -1) > len(data):
        return None
    end, lines = int(outbox["length"]), [str(text).encode() for _, text in outbox["intent"]]
    whole: list[tuple[int, bytes]] = []  # (offset, line) of the intent's lines in the file, in order
    for line in lines:
        if data[end : end + len(line)] != line:
            break
        whole.append((end, line))
        end += len(line)
    if end != len(data):  # the file does not end where the intent's lines do
        return None
    if whole and (len(whole) == len(lines) or rng.random() < 0.5):  # cut the last whole one short
        start, line = whole[-1]
        with path.open("r+b") as fp:
            fp.truncate(start + rng.randint(1, len(line) - 1))
        return path.read_bytes()[start:].decode("utf-8", "replace")
    if len(whole) < len(lines):  # write the start of the next one
        piece = lines[len(whole)][: rng.randint(1, len(lines[len(whole)]) - 1)]
        with path.open("ab") as fp:
            fp.write(piece)
        return piece.decode("utf-8", "replace")
    return None


def journal_statuses(journal: Path) -> dict[str, str]:
    with sqlite3.connect(journal) as conn:
        return {
            str(t): str(s) for t, s in conn.execute("SELECT tweet_id, status FROM items WHERE tweet_id IS NOT NULL")
        }


def verify(emu: RunningEmulator, journal: Path, inputs: Inputs, report: Report) -> None:
    """The final books: journal against input, emulator against journal, quota peaks."""
    problems = report.problems
    with sqlite3.connect(journal) as conn:
        if conn.execute("PRAGMA integrity_check").fetchall() != [("ok",)]:
            problems.append("final journal fails integrity_check")
        invalid_big = conn.execute(
            "SELECT count(*) FROM items WHERE status = 'invalid' AND source LIKE ?", (f"%{inputs.big.name}:%",)
        ).fetchone()[0]
        report.invalid_records = conn.execute("SELECT count(*) FROM items WHERE tweet_id IS NULL").fetchone()[0]
    statuses = journal_statuses(journal)
    if invalid_big != inputs.big_bad:
        problems.append(f"{inputs.big_bad} hostile lines in the large input, {invalid_big} invalid records")
    if set(statuses) != set(inputs.ids):
        problems.append(
            f"journal IDs differ from input: {len(set(inputs.ids) - set(statuses))} missing, "
            f"{len(set(statuses) - set(inputs.ids))} extra"
        )
    not_terminal = {t: s for t, s in statuses.items() if s not in TERMINAL}
    if not_terminal:
        problems.append(f"{len(not_terminal)} IDs not terminal, e.g. {list(not_terminal.items())[:3]}")
    report.outcomes = dict(Counter(statuses.values()))
    likes = emu.emulator.likes
    user = DEMO_ACCOUNT.user_id
    applied = {t for t in inputs.ids if likes.has_liked(user, t)}
    done = {t for t, s in statuses.items() if s in ("liked", "already_liked")}
    failed_applied = {t for t in applied - done if statuses.get(t) == "failed"}
    report.applied, report.failed_but_applied = len(applied), len(failed_applied)
    if done - applied:
        problems.append(f"journal says liked, emulator has no like: {sorted(done - applied)[:5]}")
    if applied - done - failed_applied:
        problems.append(f"liked on the emulator, not done in the journal: {sorted(applied - done)[:5]}")
    stats = emu.stats()
    if stats["users"].get(user, {}).get("liked_now", 0) != len(applied) or stats["likes"] != len(applied):
        problems.append(f"emulator counts {stats['likes']} likes, {len(applied)} applied to the input IDs")
    report.faults = {k: v for k, v in stats["faults"].items() if v}
    report.requests, report.rate_limited = stats["requests"], stats["rate_limited"]
    for peak in stats["max_in_window"]:
        report.peak_vs_limit.append(f"{peak['api']} {peak['scope']} {peak['max']}/{peak['limit']}")
        if peak["max"] > peak["limit"]:
            problems.append(f"quota exceeded: {peak}")
    if stats["rate_limited"]:
        problems.append(f"{stats['rate_limited']} requests answered 429: the pacer let too many through")
