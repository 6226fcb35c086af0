"""The crash harness's two scenarios about the results file, besides plain kills and resumes.

* shared (``--shared``): a second journal appends its own records (invalid lines only, so the
  emulator's books stay those of the first journal) to the same ``--output`` between the first
  journal's runs, killed or not. Nothing either journal did not write unacknowledged may be cut:
  at the end every record of both is in the file exactly once. A line of the first journal cut
  short by a kill and then followed by the other's lines stays (cutting it would cut theirs): it
  is counted as ``torn_kept`` and its record is written again whole.
* backlog (``--backlog``): at a few moments every line the journal ever wrote is made owed again
  (as after runs whose stdout nobody read) and ``--output`` moves to a new file; the next run,
  paying that backlog (3,000 distinct invalid lines of ``junk.txt`` make it long enough),
  is killed as soon as the new file holds a random number of bytes. The
  final file must still hold each record exactly once.
"""

from __future__ import annotations

import random
import sqlite3
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Other:
    """The second journal sharing the results file."""

    folder: Path
    runs: int = 0
    exits: Counter[int] = field(default_factory=Counter)

    @property
    def journal(self) -> Path:
        return self.folder / "other.db"

    def args(self, common: list[str]) -> list[str]:
        """``run`` on a new input of two invalid lines, with the harness's flags but its own journal."""
        self.runs += 1
        path = self.folder / f"other-{self.runs}.txt"
        path.write_text(f"other-{self.runs}-a\nother-{self.runs}-b\n", encoding="utf-8")
        flags = list(common)
        flags[flags.index("--journal") + 1] = str(self.journal)
        return ["run", str(path), *flags]

    def invalid(self) -> Counter[tuple[str, str]]:
        """Its invalid records, as ``(source, input)``: each must be in the shared file once."""
        if not self.journal.exists():
            return Counter()
        with sqlite3.connect(self.journal) as conn:
            rows = conn.execute("SELECT source, input FROM items WHERE tweet_id IS NULL").fetchall()
        return Counter((str(source), str(text)) for source, text in rows)


def junk_input(folder: Path, lines: int = 3000) -> Path:
    """Distinct invalid lines, read with every input in the backlog scenario: each is a record whose
    line is owed like any other, so a backlog is long enough to be killed half-paid."""
    path = folder / "junk.txt"
    path.write_text("".join(f"junk-{n}\n" for n in range(lines)), encoding="utf-8")
    return path


def owe_everything(journal: Path) -> int:
    """Make every terminal record's line owed again (the journal is not in use); how many."""
    with sqlite3.connect(journal) as conn:
        cur = conn.execute("UPDATE items SET unwritten = 1 WHERE status != 'pending'")
        return cur.rowcount


def backlog_moments(kills: int, count: int) -> set[int]:
    """After which kills the backlog scenario runs (spread over the harness)."""
    return {max(1, kills * k // (count + 1)) for k in range(1, count + 1)}


def kill_threshold(owed: int, rng: random.Random) -> int:
    """Kill the backlog's run once the new file holds this many bytes (a line is ~150 bytes)."""
    return rng.randint(1, max(2, owed * 150 // 2))
