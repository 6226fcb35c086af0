"""``--max-likes`` holds when answers are lost: a like the server applied but whose answer never
came spends its unit, and its retry's ``already_liked`` is reported as this run's own ``liked``.

Once, a lost answer gave its unit back and the retry's 139 cost nothing: 60 tweets liked in a
run capped at 10, and a summary of "liked 4, already_liked 26" for likes the run made itself.
"""

from __future__ import annotations

import pytest

from tests.helpers.workspace import EmulatorFactory, Workspace, ids

pytestmark = pytest.mark.timeout(90)


async def test_lost_answers_never_exceed_max_likes(workspace: Workspace, emulator: EmulatorFactory) -> None:
    path = workspace.write("ids.txt", "\n".join(ids(30)) + "\n")
    async with emulator(fault_rate=0.5, seed=5, fault_kinds=("applied_then_dropped",)) as emu:
        args = ["--max-likes", "5", "--concurrency", "8", "--max-attempts", "4"]
        result = await workspace.cli("run", str(path), *workspace.base_args(emu), *args)
        stats = emu.stats()
    assert result.code == 75, result.stderr  # stopped by --max-likes with work pending
    assert 0 < stats["likes"] <= 5, stats
    assert sum(stats["faults"].values()) > 0  # answers were lost
    statuses = [r["status"] for r in result.results]
    # every like the server holds was made by this run, and is reported as such ("failed" when
    # every answer for it was lost)
    assert "already_liked" not in statuses and "already_liked" not in workspace.statuses(), statuses
    assert 0 < statuses.count("liked") <= stats["likes"], (statuses, stats)
