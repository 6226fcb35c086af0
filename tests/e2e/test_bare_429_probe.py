"""A burst of bare 429s is probed, not taken for the daily cap.

A server allowing 10 likes per 5 s, a client believing v1.1's 1000 a day: once, the first 429s
blamed the day-long window and the run logged ``wait_s 86399``, waiting until tomorrow for a server
that was free again in 5 s. Now it probes (one request after 2 s, 4 s, ...) and finishes.
"""

from __future__ import annotations

import json

import pytest

from bulklike.pacing.limits import Limit
from bulklike.pacing.pacer import PROBING
from tests.helpers.workspace import EmulatorFactory, Workspace, ids

pytestmark = pytest.mark.timeout(90)


@pytest.mark.slow
@pytest.mark.parametrize("style", ["bare", "code88"])
async def test_bare_429s_are_probed_not_waited_for_a_day(
    workspace: Workspace, emulator: EmulatorFactory, style: str
) -> None:
    path = workspace.write("ids.txt", "\n".join(ids(25)) + "\n")
    server = (Limit(10, 5.0),)
    async with emulator(user_limits=server, app_limits=(Limit(100_000, 86400.0),), v1_429=style) as emu:
        result = await workspace.cli("run", str(path), *workspace.base_args(emu), "--concurrency", "4", timeout=80)
        stats = emu.stats()
    assert result.code == 0, result.stderr
    assert workspace.statuses() == {"liked": 25}
    events = [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]
    waits = [e for e in events if e.get("event") == "waiting"]
    assert waits and all(e["wait_s"] < 60 for e in waits), waits  # never until tomorrow
    assert any(e["reason"] == PROBING for e in waits), waits  # the log says what it does
    refused = stats["requests"] - 1 - 25  # one account lookup
    assert 0 < refused <= 4 + 12, stats  # the first burst's in-flight refusals, then one probe at a time
