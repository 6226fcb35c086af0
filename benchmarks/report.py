"""The results table: on the terminal, and as markdown for the README (``benchmarks/latest.md``).

Targets are printed, never enforced: timings depend on the machine, so a missed target is news
for a human, not a failed build.
"""

from __future__ import annotations

import datetime
import os
import platform
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import metadata

HEADERS = ("metric", "bulklike", "baseline", "ratio", "target", "met?")


@dataclass(frozen=True, slots=True)
class Row:
    """One line of the table; ``met`` is None for information without a target."""

    metric: str
    bulklike: str
    baseline: str
    ratio: str
    target: str
    met: bool | None

    def cells(self) -> tuple[str, ...]:
        met = "-" if self.met is None else ("yes" if self.met else "NO")
        return (self.metric, self.bulklike, self.baseline, self.ratio, self.target, met)


def num(value: float, digits: int = 0) -> str:
    return f"{value:,.{digits}f}"


def text_table(rows: Sequence[Row]) -> str:
    lines = [HEADERS, *(row.cells() for row in rows)]
    widths = [max(len(line[i]) for line in lines) for i in range(len(HEADERS))]

    def fmt(cells: Sequence[str]) -> str:
        pairs = enumerate(zip(cells, widths, strict=True))
        return "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in pairs)

    return "\n".join([fmt(HEADERS), "  ".join("-" * w for w in widths), *(fmt(row.cells()) for row in rows)])


def markdown_table(rows: Sequence[Row]) -> str:
    out = ["| " + " | ".join(HEADERS) + " |", "|" + "|".join(["---"] + ["---:"] * (len(HEADERS) - 1)) + "|"]
    out += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row.cells()) + " |" for row in rows]
    return "\n".join(out)


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fp:
            for line in fp:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def environment() -> list[str]:
    """What a reader needs to judge the numbers: when, on what, with which versions."""
    now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    return [
        f"- date: {now}",
        f"- CPU: {cpu_model()}, {os.cpu_count()} cores",
        f"- Python {platform.python_version()} ({platform.python_implementation()}), {platform.system()} "
        f"{platform.release()}",
        f"- aiohttp {_version('aiohttp')}, oauthlib {_version('oauthlib')}, tweepy {_version('tweepy')}, "
        f"SQLite via sqlite3",
    ]


def markdown(rows: Sequence[Row], notes: Sequence[str], details: Sequence[str]) -> str:
    parts = ["# bulklike benchmarks (latest run)", "", *environment(), "", markdown_table(rows), ""]
    if notes:
        parts += ["How it was measured:", "", *notes, ""]
    if details:
        parts += ["Per client (ranges over the runs, then medians):", "", *details, ""]
    parts.append("Re-run with `python -m benchmarks`; see `benchmarks/README.md`.")
    return "\n".join(parts) + "\n"
