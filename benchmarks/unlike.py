"""Scale of a cleanup: ``bulklike unlike archive.zip --keep keep.txt --before DATE --dry-run`` over a
generated X archive of a million likes (two ``like`` parts in a zip, written as X writes them) with a
keep-list of 100,000 IDs.

Every ID's creation time is decoded and compared with ``--before`` (a date after all of them, so
only the keep-list skips), every tenth ID is in the keep-list; the journal must end with 900,000
``planned`` and 100,000 ``skipped`` rows. Time and peak RSS are the whole child program's, from
``os.wait4`` (start-up included), as for the other scale figures. Budget: the 150 MB of the
1M-ID input. ``python -m benchmarks.unlike [--likes N]``.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys
import tempfile
import zipfile
from dataclasses import dataclass

from benchmarks.common import PYTHON, BenchError, Measured, child_env, run_child

#: snowflake IDs from 2023-11 on, 10^11 apart (about 24 ms of creation time each)
FIRST = 1_720_000_000_000_000_000
STEP = 100_000_000_000
BEFORE = "2030-01-01"
BUDGET_MB = 150.0


@dataclass(frozen=True, slots=True)
class UnlikeRun:
    dry: Measured
    likes: int
    kept: int
    zip_bytes: int


def write_archive(folder: str, n: int) -> tuple[str, int]:
    """A zip holding ``data/like.js`` and ``data/like-part1.js`` (half each); its path and size."""
    archive = os.path.join(folder, "twitter-bench.zip")
    half = n // 2
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        for part, (first, count) in enumerate(((0, half), (half, n - half))):
            js = os.path.join(folder, "like.js")
            _write_spaced(js, first, count, part)
            zf.write(js, "data/like.js" if part == 0 else f"data/like-part{part}.js")
            os.unlink(js)
    return archive, os.path.getsize(archive)


def _write_spaced(path: str, first: int, count: int, part: int) -> None:
    """Entries as X writes them (pretty-printed, ``" : "``), IDs spaced like real ones, no text."""
    with open(path, "w", encoding="utf-8") as fp:
        fp.write(f"window.YTD.like.part{part} = [")
        for i in range(first, first + count):
            tweet_id = FIRST + i * STEP
            fp.write(f'{"," if i > first else ""}\n  {{\n    "like" : {{\n      "tweetId" : "{tweet_id}"\n    }}\n  }}')
        fp.write("\n]")


def write_keep(folder: str, n: int) -> tuple[str, int]:
    """Every tenth ID of the archive, as a text file."""
    path = os.path.join(folder, "keep.txt")
    with open(path, "w", encoding="ascii") as fp:
        kept = 0
        for i in range(0, n, 10):
            fp.write(f"{FIRST + i * STEP}\n")
            kept += 1
    return path, kept


def _counts(journal: str) -> dict[str, int]:
    conn = sqlite3.connect(f"file:{journal}?mode=ro", uri=True)
    try:
        return {str(s): int(c) for s, c in conn.execute("SELECT status, count(*) FROM items GROUP BY status")}
    finally:
        conn.close()


def measure_unlike(workdir: str, env: dict[str, str], *, n: int = 1_000_000) -> UnlikeRun:
    """One dry run; checked: the keep-list's IDs ``skipped``, every other one ``planned``."""
    os.makedirs(workdir, exist_ok=True)
    archive, size = write_archive(workdir, n)
    keep, kept = write_keep(workdir, n)
    journal = os.path.join(workdir, "journal.db")
    argv = [PYTHON, "-m", "bulklike", "unlike", archive, "--keep", keep, "--before", BEFORE, "--dry-run"]
    argv += ["--journal", journal, "--ledger", os.path.join(workdir, "ledger.sqlite3"), "-q", "--no-progress"]
    # the skipped records' result lines go to stdout (a file here), as a real dry run writes them
    dry = run_child(argv, env=env, timeout=900.0)
    if dry.returncode != 0:
        raise BenchError(f"unlike dry run exited {dry.returncode}: {dry.stderr[-500:]}")
    counts = _counts(journal)
    if counts != {"planned": n - kept, "skipped": kept}:
        raise BenchError(f"unlike dry run left {counts}, not {n - kept} planned and {kept} skipped")
    return UnlikeRun(dry=dry, likes=n, kept=kept, zip_bytes=size)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.unlike", description=__doc__.split("\n\n")[0])
    parser.add_argument("--likes", type=int, default=1_000_000, help="likes in the archive (default 1,000,000)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bulklike-bench-unlike-") as tmp:
        run = measure_unlike(os.path.join(tmp, "work"), child_env(os.path.join(tmp, "state")), n=args.likes)
    met = "yes" if run.dry.maxrss_mb < BUDGET_MB else "NO"
    sys.stdout.write(
        f"unlike --dry-run of an archive of {run.likes:,} likes ({run.zip_bytes / 1e6:.0f} MB zip, two parts) "
        f"with a keep-list of {run.kept:,} IDs: {run.dry.wall_s:.2f} s, CPU {run.dry.cpu_s:.2f} s, "
        f"peak RSS {run.dry.maxrss_mb:.0f} MB (budget {BUDGET_MB:.0f} MB: {met})\n"
    )
    return 0 if met == "yes" else 1


if __name__ == "__main__":
    raise SystemExit(main())
