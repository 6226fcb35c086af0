"""What a person reads: durations from seconds to months, singular and plural, and the live line's
first frames (before anything was read, before the first answer)."""

from __future__ import annotations

import pytest

from bulklike.cli.progress import Snapshot, render, summary_text
from bulklike.cli.timefmt import duration, plural
from bulklike.pacing.limits import Limit
from bulklike.pacing.pacer import Waiting

DAY = 86_400


@pytest.mark.parametrize(
    ("seconds", "said"),
    [
        (0, "0 s"),
        (0.4, "0 s"),
        (1, "1 s"),
        (40, "40 s"),
        (60, "1 min"),
        (187, "3 min 07 s"),
        (3600, "1 h"),
        (2 * 3600 + 5 * 60 + 30, "2 h 05 min"),
        (DAY, "1 day"),
        (DAY + 2 * 3600, "1 day 2 h"),
        (4 * DAY + 3 * 3600 + 59 * 60, "4 days 3 h"),
        (7 * DAY + 5 * 3600, "7 days"),
        (2376 * 3600 + 16 * 60, "99 days"),  # the plan's estimate for 100,000 IDs at 1000/24h
        (-5, "0 s"),
    ],
)
def test_duration_for_people(seconds: float, said: str) -> None:
    assert duration(seconds) == said


def test_plural() -> None:
    assert [plural(n, "record") for n in (0, 1, 2)] == ["0 records", "1 record", "2 records"]
    assert plural(1, "ID") == "1 ID" and plural(3, "ID") == "3 IDs"


def snap(done: int = 0, total: int = 0, *, reading: bool = True, **kw: object) -> Snapshot:
    values: dict[str, object] = {
        "counts": {},
        "rate_per_s": 0.0,
        "quota": None,
        "eta": None,
        "waiting": None,
    } | kw
    return Snapshot(done=done, total=total, reading=reading, **values)  # type: ignore[arg-type]


def test_first_frame_before_anything_was_read() -> None:
    line = render(snap())
    assert line == "reading the input"
    assert "0/0" not in line and "/h" not in line and "failed" not in line


def test_frame_before_the_first_answer() -> None:
    line = render(snap(0, 20, quota=("user", Limit(1000, DAY), 1000)))
    assert line == "0/20+ | sending, no answer yet | user quota 1000 left of 1000/24h"


def test_frame_once_answers_come() -> None:
    line = render(snap(3, 20, counts={"liked": 3}, rate_per_s=2.0, reading=False))
    assert line == "3/20 | liked 3 failed 0 | 2.0/s"


def test_waiting_says_how_long() -> None:
    line = render(snap(5, 20, counts={"liked": 5}, waiting=Waiting("quota", 1000.0 + 4 * 3600 + 60)), now=1000.0)
    assert line.endswith("(in 4 h 01 min)")


def test_summary_counts_what_earlier_runs_left_apart() -> None:
    text = summary_text(
        title="run finished",
        run_counts={"liked": 53},
        journal_counts={"liked": 53, "planned": 1},
        elapsed=7260,
        wait_s=30,
        journal="j.db",
        resume=None,
        exit_code=0,
        earlier=50,
    )
    assert "after 2 h 01 min" in text
    assert "this run: liked 53 (50 of them left pending by earlier runs)" in text
    assert "30 s spent waiting" in text
    assert "planned:  1 ID from a dry run, not sent: a run with no input sends them" in text
