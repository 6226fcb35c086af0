"""The live line's total tells the truth: every frame a terminal shows is read back.

Before, the total was "done now + pending counted up to a second ago": a 12-ID run showed
``8/14`` and ``11/17``, a 15-ID one ``2/2`` and ``6/6``.
"""

from __future__ import annotations

import re

import pytest

from tests.helpers.terminal import run_on_pty
from tests.helpers.workspace import EmulatorFactory, Workspace, ids

FRAME = re.compile(r"(\d+)/(\d+)(\+?) \| ")


@pytest.mark.slow
async def test_every_progress_frame_has_done_at_most_total_and_the_true_total(
    workspace: Workspace, emulator: EmulatorFactory
) -> None:
    from bulklike.pacing.limits import Limit

    n = 30
    path = workspace.write("ids.txt", "\n".join(ids(n)) + "\n")
    async with emulator(user_limits=(Limit(8, 1.0),)) as emu:
        args = ["run", str(path), *workspace.base_args(emu), "--quota", "8/1s"]
        args.remove("--no-progress")
        args[args.index("json")] = "console"  # as a person at a terminal runs it
        code, screen = await run_on_pty(workspace, args)
    assert code == 0, screen
    frames = [m.groups() for m in FRAME.finditer(screen)]
    assert len(frames) >= 8, screen[-2000:]  # a few seconds at 4 frames a second
    for done, total, reading in frames:
        assert int(done) <= int(total), frames
        if not reading:  # reading finished: the total is the input's size, and stays so
            assert int(total) == n, frames
    assert any(not reading for _, _, reading in frames)  # frames after reading were checked too
    assert f"liked {n}" in screen  # the summary
