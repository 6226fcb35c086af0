"""The crash harness (``tests/helpers/crash_harness.py``) in a bounded form: 10 SIGKILLs over 120 IDs
with ``--output`` shared with a second journal (each record of both exactly once in the file), 6 with
owed backlogs paid into new files and killed half-paid (exactly once too), and 8 with results on
stdout (none missed).

The full run is ``python -m tests.helpers.crash_harness --kills 50 --ids 400`` (about 30 s on 2 cores).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers.crash_harness import BAD_LINES, HarnessConfig, run_harness

pytestmark = pytest.mark.timeout(120)


@pytest.mark.slow
async def test_sigkill_at_random_moments_loses_and_doubles_nothing(tmp_path: Path) -> None:
    cfg = HarnessConfig(kills=10, ids=120, repeats=1000, read_kills=3, seed=11, tear_rate=0.5, shared=True)
    report = await run_harness(cfg, tmp_path, log=lambda _: None)
    print(report.summary())
    assert report.problems == []
    assert report.kills == 10
    assert report.kills_while_reading >= 1  # at least one kill cut the large input's reading short
    assert sum(report.outcomes.values()) == 120 and "pending" not in report.outcomes
    assert report.outcomes.get("not_found") and report.outcomes.get("forbidden")
    assert report.applied == report.outcomes["liked"] + report.outcomes.get("already_liked", 0)
    assert sum(report.faults.values()) >= 5 and report.rate_limited == 0
    assert report.invalid_records >= len(BAD_LINES)
    assert report.resume_modes["journal"] and report.resume_modes["small"] and report.resume_modes["big"]
    assert report.torn_real + report.torn_simulated >= 1  # a torn tail was cut by the next run
    assert report.other_runs >= 1  # another journal appended to the same file between the kills
    assert report.result_lines == 120 + report.invalid_records + 2 * report.other_runs  # exactly once each


@pytest.mark.slow
async def test_sigkill_while_an_owed_backlog_is_paid_into_a_new_file_doubles_nothing(tmp_path: Path) -> None:
    cfg = HarnessConfig(kills=6, ids=80, repeats=100, read_kills=1, seed=13, backlog=2)
    report = await run_harness(cfg, tmp_path, log=lambda _: None)
    print(report.summary())
    assert report.problems == []
    assert report.backlogs == 2 and report.backlog_cut >= 1  # killed while the new file was being filled
    assert sum(report.outcomes.values()) == 80 and "pending" not in report.outcomes
    assert report.result_lines == 80 + report.invalid_records  # the last file: every record exactly once


@pytest.mark.slow
async def test_sigkill_with_results_on_stdout_misses_nothing(tmp_path: Path) -> None:
    cfg = HarnessConfig(kills=8, ids=100, repeats=400, read_kills=2, seed=12, stdout=True)
    report = await run_harness(cfg, tmp_path, log=lambda _: None)
    print(report.summary())
    assert report.problems == []
    assert report.kills == 8
    assert sum(report.outcomes.values()) == 100 and "pending" not in report.outcomes
    assert report.results_missing == 0
    assert report.result_lines >= 100 + report.invalid_records
